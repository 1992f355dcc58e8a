// Trace file format: the wire facts only (magic numbers, versions, block
// type ids, byte layouts). Writer and reader both derive from these; see
// docs/trace-format.md for the prose. No logic and no Node imports here.

/** File magic, PNG-style: a high byte and CR LF / ^Z catch text-mode mangling. */
export const kFileMagic: readonly number[] = [0x89, 0x56, 0x54, 0x52, 0x43, 0x0d, 0x0a, 0x1a]; // "\x89VTRC\r\n\x1a"

/** Major: incompatible changes (readers refuse other majors). Minor: additive only. */
export const kFormatMajor = 1;
/** 1: shared-memory records are written (vtest v2+), and a frame may end at a server-to-client one. */
export const kFormatMinor = 1;

// ---- File header: fixed part followed by the reserved JSON metadata region.
export const kHeaderFixedSize = 64;
export const kHeader = {
  magic: 0, //          u8[8]
  major: 8, //          u16
  minor: 10, //         u16
  headerSize: 12, //    u32  fixed part + JSON region = offset of the first block
  jsonRegionSize: 16, // u32
  jsonLength: 20, //    u32  bytes of UTF-8 JSON actually used (rest is zero)
  jsonCrc: 24, //       u32  CRC-32 of the used JSON bytes
  flags: 28, //         u32  kHeaderFlag*
  // 32..60 reserved (zero)
  headerCrc: 60, //     u32  CRC-32 of bytes [0, 60)
} as const;
/** Set once close() has written the index and footer. */
export const kHeaderFlagFinalized = 1;
/** Default size of the JSON region; metadata is patched in place, so it must fit. */
export const kDefaultJsonRegionSize = 64 * 1024;
/** A reader refuses larger regions, so a corrupt size cannot force a huge read. */
export const kMaxJsonRegionSize = 16 * 1024 * 1024;

// ---- Blocks: every block after the header is self-sized and typed.
export const kBlockMagic = 0x4b4c4256; // "VBLK" little-endian
export const kBlockHeaderSize = 16;
export const kBlock = {
  magic: 0, //       u32
  type: 4, //        u16  BlockType
  flags: 6, //       u16  reserved (zero)
  payloadSize: 8, // u32  bytes after the block header
  crc: 12, //        u32  CRC-32 of header bytes [0, 12) followed by the payload
} as const;

export const enum BlockType {
  Chunk = 1,
  Index = 2,
}

// ---- Chunk block payload: chunk header, frame records, compressed records.
export const kChunkHeaderSize = 40;
export const kChunk = {
  chunkIndex: 0, //       u32
  recordCount: 4, //      u32  records in the compressed stream
  uncompressedSize: 8, // u32
  frameCount: 12, //      u32  frame records that follow the chunk header
  firstRecord: 16, //     u64  global ordinal of the first record
  firstTimestampUs: 24, // f64
  compression: 32, //     u8   Compression
  // 33..40 reserved (zero)
} as const;

export const enum Compression {
  None = 0,
  DeflateRaw = 1,
}

/** Largest uncompressed chunk a reader accepts (a single huge reply still fits). */
export const kMaxChunkUncompressed = 1024 * 1024 * 1024;
/** DEFLATE cannot expand more than ~1032:1; a larger claim is corruption. */
export const kMaxDeflateRatio = 1100;

// ---- Frame record: same 64-byte layout in chunks and in the index block.
export const kFrameRecordSize = 64;
export const kFrame = {
  index: 0, //          u32
  chunk: 4, //          u32
  messageInChunk: 8, // u32  record ordinal within the chunk
  resourceId: 12, //    u32
  format: 16, //        u32  virgl format
  width: 20, //         u32
  height: 24, //        u32
  stride: 28, //        u32
  x: 32, //             u32
  y: 36, //             u32
  level: 40, //         u32
  layerStride: 44, //   u32
  timestampUs: 48, //   f64
  // 56..64 reserved (zero)
} as const;

// ---- Records inside a chunk's uncompressed stream.
/** Common record prefix; headerSize lets future minors append fields. */
export const kRecord = {
  kind: 0, //        u8   RecordKind
  direction: 1, //   u8   Direction
  headerSize: 2, //  u16  prefix + kind-specific fields, data starts here
  dataLength: 4, //  u32
  timestampUs: 8, // f64
} as const;
export const kRecordPrefixSize = 16;

export const enum RecordKind {
  Message = 1,
  SharedMemoryWrite = 2,
}

export const kMessageRecord = { vcmd: 16 } as const; // u32
export const kMessageHeaderSize = 20;
export const kShmRecord = { resourceId: 16, offset: 20 } as const; // u32, u64
export const kShmHeaderSize = 28;

// ---- Index block payload: counts, chunk table, frame table.
export const kIndexHeaderSize = 16;
export const kIndex = {
  chunkCount: 0, //   u32
  frameCount: 4, //   u32
  recordCount: 8, //  u64
} as const;
export const kChunkEntrySize = 24;
export const kChunkEntry = {
  offset: 0, //       u64  file offset of the chunk block
  blockSize: 8, //    u32  header + payload
  recordCount: 12, // u32
  firstRecord: 16, // u64
} as const;

// ---- Footer: fixed size, last bytes of a finalized file.
export const kFooterMagic: readonly number[] = [0x56, 0x54, 0x52, 0x43, 0x45, 0x4e, 0x44, 0x00]; // "VTRCEND\0"
export const kFooterSize = 32;
export const kFooter = {
  magic: 0, //       u8[8]
  indexOffset: 8, // u64  file offset of the index block
  indexSize: 16, //  u32  index block size (header + payload)
  chunkCount: 20, // u32
  // 24..28 reserved (zero)
  crc: 28, //        u32  CRC-32 of bytes [0, 28)
} as const;
