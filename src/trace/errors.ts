// The one error type a trace reader throws for bad input.

/** A truncated or corrupt trace; `offset` is the file byte offset at fault. */
export class TraceFormatError extends Error {
  override readonly name = 'TraceFormatError';
  constructor(
    readonly offset: number,
    readonly reason: string,
  ) {
    super(`trace format error at byte ${offset}: ${reason}`);
  }
}
