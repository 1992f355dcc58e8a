#!/usr/bin/env node
// Builds the optional native addon (memfd, mmap, SCM_RIGHTS fd sending, eventfd) with node-gyp.
// Run by `npm install`/`npm ci` (package.json "install" script) or by hand: `node native/build.mjs`.
// Never fails the install unless VIRGL_WEBGPU_REQUIRE_NATIVE=1: without the addon the server still
// works, limited to vtest protocol 0 (everything inline on the socket).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const nativeDir = dirname(fileURLToPath(import.meta.url));
const required = process.env.VIRGL_WEBGPU_REQUIRE_NATIVE === '1';
const say = (msg) => console.error(`virgl-webgpu native addon: ${msg}`);

function giveUp(msg) {
  say(`${msg}; the server will run without it (vtest protocol 0 only)`);
  process.exit(required ? 1 : 0);
}

if (process.platform !== 'linux') giveUp(`not built on ${process.platform} (it is Linux-only)`);
if (process.env.VIRGL_WEBGPU_NO_NATIVE === '1') giveUp('skipped (VIRGL_WEBGPU_NO_NATIVE=1)');

/** The running Node's own headers (e.g. /usr/include/node from a distro package), if they match it. */
function localNodeDir() {
  const prefix = resolve(dirname(process.execPath), '..');
  try {
    const h = readFileSync(join(prefix, 'include/node/node_version.h'), 'utf8');
    const part = (name) => new RegExp(`#define\\s+NODE_${name}_VERSION\\s+(\\d+)`).exec(h)?.[1];
    return `${part('MAJOR')}.${part('MINOR')}.${part('PATCH')}` === process.versions.node ? prefix : null;
  } catch {
    return null;
  }
}

/** npm exports its bundled node-gyp to scripts; otherwise look next to this Node's npm, then on PATH. */
function nodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    join(dirname(process.execPath), '../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js'),
  ];
  for (const c of candidates) if (c && existsSync(c)) return [process.execPath, [c]];
  return ['node-gyp', []];
}

const args = ['rebuild', '--directory', nativeDir, '--jobs', 'max', '--loglevel', process.env.npm_config_loglevel === 'verbose' ? 'info' : 'warn'];
// Offline-friendly: with matching local headers node-gyp needs no download.
const nodeDir = process.env.npm_config_nodedir ? null : localNodeDir();
if (nodeDir) args.push(`--nodedir=${nodeDir}`);
const [cmd, pre] = nodeGyp();
const started = Date.now();
const res = spawnSync(cmd, [...pre, ...args], { stdio: ['ignore', 'inherit', 'inherit'] });
if (res.error) giveUp(`could not run node-gyp (${res.error.message})`);
if (res.status !== 0) giveUp(`node-gyp failed with exit status ${res.status ?? res.signal}`);
say(`built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
