// Browser-safe entry point of the trace module. Node-only helpers (files,
// PNG) are imported from ./node/ directly.

export { Direction } from './types.js';
export type { ByteSink, ByteSource, FrameDescriptor, FrameInfo, SharedMemoryWrite, TraceInfo, TraceMessage, TraceRecord } from './types.js';
export { TraceFormatError } from './errors.js';
export { kFormatMajor, kFormatMinor } from './format.js';
export { TraceReader, type FrameReply, type ChunkLocation, type RecoveryNote } from './reader.js';
export { TraceWriter, kDefaultChunkTargetBytes, kDefaultCompressionLevel, type TraceWriterOptions, type TraceWriterStats } from './writer.js';
export { bytesSource, MemorySink } from './memory.js';
export { flipRowsInPlace, frameToRgba8, pixelFormatInfo, toRgba8, type PixelFormatInfo, type Rgba8Result } from './pixels.js';
export {
  compareImages,
  computeMetrics,
  diffImage,
  failureReasons,
  formatMetrics,
  kDefaultThresholds,
  passes,
  sizeMismatch,
  type CompareResult,
  type ImageMetrics,
  type RgbaImage,
  type Thresholds,
} from './compare.js';
