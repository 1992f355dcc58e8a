// The error that ends a client's connection: it broke the vtest protocol (framing, order, version).

/** A client broke the vtest protocol; the connection is closed. */
export class ProtocolError extends Error {
  constructor(message: string, readonly streamOffset: number) {
    super(`${message} (stream offset ${streamOffset})`);
    this.name = 'ProtocolError';
  }
}
