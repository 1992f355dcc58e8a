// Plain data types shared by the trace writer, reader and their consumers.

export const enum Direction {
  ClientToServer = 0,
  ServerToClient = 1,
}

/** One vtest message exactly as it crossed the socket. */
export interface TraceMessage {
  /** Optional on input; the reader always sets it so records can be told apart. */
  kind?: 'message';
  direction: Direction;
  /** Microseconds since capture start. */
  timestampUs: number;
  /** vtest command id this message is (request) or answers (reply). */
  vcmd: number;
  /** Request: header + payload + inline data. Reply: what the server sent. */
  bytes: Uint8Array;
}

/** Bytes that travelled through a resource's shared memory (protocol v2+). */
export interface SharedMemoryWrite {
  kind: 'shm';
  direction: Direction;
  timestampUs: number;
  resourceId: number;
  /** Byte offset into the resource's shared memory. */
  offset: number;
  bytes: Uint8Array;
}

export type TraceRecord = TraceMessage | SharedMemoryWrite;

/** What the recorder knows about a displayed frame's TRANSFER_GET. */
export interface FrameDescriptor {
  resourceId: number;
  /** virgl format (VIRGL_FORMAT_*). */
  format: number;
  width: number;
  height: number;
  stride: number;
  x: number;
  y: number;
  level: number;
  layerStride: number;
}

/** A frame as stored: the descriptor plus what the writer assigned. */
export interface FrameInfo extends FrameDescriptor {
  /** 0-based frame number. */
  index: number;
  /** Timestamp of the golden reply message. */
  timestampUs: number;
  /** Chunk holding the golden reply. */
  chunk: number;
  /** Record ordinal of the golden reply within that chunk. */
  messageInChunk: number;
}

/** Header metadata, stored as JSON in the header's reserved region. */
export interface TraceInfo {
  toolVersion: string;
  captureHost: string;
  /** ISO 8601. */
  createdAt: string;
  clientName?: string;
  protocolVersion?: number;
  /** Base64 of the virgl_caps_v1 bytes the client received. */
  capsV1?: string;
  /** Base64 of the virgl_caps_v2 bytes the client received. */
  capsV2?: string;
  /** Whose caps the client saw: a real virglrenderer, or ours. */
  capsSource?: 'upstream' | 'ours';
  /** Base64 of upstream's caps v2 when the client saw ours (for comparison). */
  upstreamCapsV2?: string;
  notes?: Record<string, string>;
}

/** Random-access bytes: a file, a fetched blob, or memory. */
export interface ByteSource {
  readonly size: number;
  /** Must return exactly `length` bytes; the reader never asks past `size`. */
  read(offset: number, length: number): Uint8Array;
}

/** Sequential output with positioned patching (for the header). */
export interface ByteSink {
  write(bytes: Uint8Array): void;
  writeAt(offset: number, bytes: Uint8Array): void;
  close(): void;
}
