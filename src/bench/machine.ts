// The machine and the versions a benchmark ran with, for the results file.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, totalmem, release, loadavg } from 'node:os';
import { createRequire } from 'node:module';

function run(cmd: string, args: string[]): string | null {
  try { return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim(); } catch { return null; }
}

const dpkgVersion = (pkg: string): string | null => run('dpkg-query', ['-W', '-f=${Version}', pkg]) || null;

function packageVersion(name: string): string | null {
  try {
    const req = createRequire(import.meta.url);
    return (JSON.parse(readFileSync(req.resolve(`${name}/package.json`), 'utf8')) as { version: string }).version;
  } catch { return null; }
}

export interface MachineInfo {
  cpuModel: string; cores: number; memoryGiB: number; kernel: string; loadAverageAtStart: number[];
}
export interface Versions {
  node: string; v8: string; mesa: string | null; virglrenderer: string | null; webgpu: string | null;
  xvfb: string | null; commit: string | null;
}

export function machineInfo(): MachineInfo {
  const c = cpus();
  return { cpuModel: c[0]?.model ?? 'unknown', cores: c.length, memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10, kernel: release(), loadAverageAtStart: loadavg() };
}

export function versions(): Versions {
  return {
    node: process.version, v8: process.versions.v8,
    mesa: dpkgVersion('libgl1-mesa-dri') ?? dpkgVersion('mesa-libgallium'),
    virglrenderer: dpkgVersion('virgl-server') ?? dpkgVersion('libvirglrenderer1'),
    webgpu: packageVersion('webgpu'),
    xvfb: dpkgVersion('xvfb'),
    commit: run('git', ['rev-parse', '--short', 'HEAD']),
  };
}
