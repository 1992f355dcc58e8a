// Server-style log lines on stderr, with a timestamp, so stdout stays free for data.
export function logLine(line: string): void {
  process.stderr.write(`${new Date().toISOString()} ${line}\n`);
}
