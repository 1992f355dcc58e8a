// Server-style log lines on stderr, with a timestamp, so stdout stays free for data.
export function logLine(line: string): void {
  process.stderr.write(`${new Date().toISOString()} ${line}\n`);
}

/** Logs WebGPU errors the device did not attribute to a scope; repeats are counted, not printed. */
export function gpuErrorLogger(): (e: GPUError) => void {
  const seen = new Map<string, number>();
  return (e) => {
    const n = (seen.get(e.message) ?? 0) + 1;
    seen.set(e.message, n);
    if (n === 1 || n === 100 || n === 10000) logLine(`gpu error${n > 1 ? ` (x${n})` : ''}: ${e.message.split('\n').slice(0, 6).join(' | ')}`);
  };
}
