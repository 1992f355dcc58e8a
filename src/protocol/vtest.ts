// vtest: the UNIX-socket protocol between Mesa's virgl/venus drivers and a host server.
// Facts from virglrenderer vtest/vtest_protocol.h and Mesa's vtest winsys; see docs/protocol.md.

export const VTEST_DEFAULT_SOCKET = '/tmp/.virgl_test';
/** Header: two little-endian u32s, [length, command id]. */
export const VTEST_HDR_DWORDS = 2;
export const VTEST_HDR_BYTES = 8;
export const VTEST_HDR_LEN = 0;
export const VTEST_HDR_ID = 1;

export enum VCmd {
  GET_CAPS = 1,
  RESOURCE_CREATE = 2,
  RESOURCE_UNREF = 3,
  TRANSFER_GET = 4,
  TRANSFER_PUT = 5,
  SUBMIT_CMD = 6,
  RESOURCE_BUSY_WAIT = 7,
  CREATE_RENDERER = 8,
  GET_CAPS2 = 9,
  PING_PROTOCOL_VERSION = 10,
  PROTOCOL_VERSION = 11,
  RESOURCE_CREATE2 = 12,
  TRANSFER_GET2 = 13,
  TRANSFER_PUT2 = 14,
  GET_PARAM = 15,
  GET_CAPSET = 16,
  CONTEXT_INIT = 17,
  RESOURCE_CREATE_BLOB = 18,
  SYNC_CREATE = 19,
  SYNC_UNREF = 20,
  SYNC_READ = 21,
  SYNC_WRITE = 22,
  SYNC_WAIT = 23,
  SUBMIT_CMD2 = 24,
  DRM_SYNC_CREATE = 25,
  DRM_SYNC_DESTROY = 26,
  DRM_SYNC_HANDLE_TO_FD = 27,
  DRM_SYNC_FD_TO_HANDLE = 28,
  DRM_SYNC_IMPORT_SYNC_FILE = 29,
  DRM_SYNC_EXPORT_SYNC_FILE = 30,
  DRM_SYNC_WAIT = 31,
  DRM_SYNC_RESET = 32,
  DRM_SYNC_SIGNAL = 33,
  DRM_SYNC_TIMELINE_SIGNAL = 34,
  DRM_SYNC_TIMELINE_WAIT = 35,
  DRM_SYNC_QUERY = 36,
  DRM_SYNC_TRANSFER = 37,
  RESOURCE_EXPORT_FD = 38,
}
export const VCMD_MAX = 38;

/** How a command's header length field is to be read. */
export const enum LengthUnit {
  /** hdr[0] counts payload dwords (the common case). */
  Dwords,
  /** hdr[0] counts payload bytes (CREATE_RENDERER: strlen(name)+1). */
  Bytes,
  /**
   * hdr[0] is unreliable: the payload is a fixed block of dwords and, for v0 TRANSFER_PUT,
   * `data_size` raw bytes follow. The server reads DATA_SIZE and ignores hdr[0].
   */
  FixedThenData,
}

export interface VCmdLayout {
  readonly since: number;
  readonly unit: LengthUnit;
  /** Exact payload dwords for fixed commands, or the fixed prefix for FixedThenData; -1 = any. */
  readonly payloadDwords: number;
  /** Does the server answer on the socket? */
  readonly replies: boolean;
}

const fixed = (since: number, payloadDwords: number, replies: boolean): VCmdLayout =>
  ({ since, unit: LengthUnit.Dwords, payloadDwords, replies });
const variable = (since: number, replies: boolean): VCmdLayout =>
  ({ since, unit: LengthUnit.Dwords, payloadDwords: -1, replies });

export const VCMD_LAYOUT = {
  [VCmd.GET_CAPS]: fixed(0, 0, true),
  [VCmd.RESOURCE_CREATE]: fixed(0, 10, true /* v3+ only */),
  [VCmd.RESOURCE_UNREF]: fixed(0, 1, false),
  [VCmd.TRANSFER_GET]: { since: 0, unit: LengthUnit.FixedThenData, payloadDwords: 11, replies: true },
  [VCmd.TRANSFER_PUT]: { since: 0, unit: LengthUnit.FixedThenData, payloadDwords: 11, replies: false },
  [VCmd.SUBMIT_CMD]: variable(0, false),
  [VCmd.RESOURCE_BUSY_WAIT]: fixed(0, 2, true),
  [VCmd.CREATE_RENDERER]: { since: 0, unit: LengthUnit.Bytes, payloadDwords: -1, replies: false },
  [VCmd.GET_CAPS2]: fixed(0, 0, true),
  [VCmd.PING_PROTOCOL_VERSION]: fixed(0, 0, true),
  [VCmd.PROTOCOL_VERSION]: fixed(0, 1, true),
  [VCmd.RESOURCE_CREATE2]: fixed(2, 11, true),
  [VCmd.TRANSFER_GET2]: { since: 2, unit: LengthUnit.FixedThenData, payloadDwords: 10, replies: false },
  [VCmd.TRANSFER_PUT2]: { since: 2, unit: LengthUnit.FixedThenData, payloadDwords: 10, replies: false },
  [VCmd.GET_PARAM]: fixed(3, 1, true),
  [VCmd.GET_CAPSET]: fixed(3, 2, true),
  [VCmd.CONTEXT_INIT]: fixed(3, 1, false),
  [VCmd.RESOURCE_CREATE_BLOB]: fixed(3, 6, true),
  [VCmd.SYNC_CREATE]: fixed(3, 2, true),
  [VCmd.SYNC_UNREF]: fixed(3, 1, false),
  [VCmd.SYNC_READ]: fixed(3, 1, true),
  [VCmd.SYNC_WRITE]: fixed(3, 3, false),
  [VCmd.SYNC_WAIT]: variable(3, true),
  [VCmd.SUBMIT_CMD2]: variable(3, false),
  [VCmd.DRM_SYNC_CREATE]: variable(4, true),
  [VCmd.DRM_SYNC_DESTROY]: variable(4, false),
  [VCmd.DRM_SYNC_HANDLE_TO_FD]: variable(4, true),
  [VCmd.DRM_SYNC_FD_TO_HANDLE]: variable(4, true),
  [VCmd.DRM_SYNC_IMPORT_SYNC_FILE]: variable(4, false),
  [VCmd.DRM_SYNC_EXPORT_SYNC_FILE]: variable(4, true),
  [VCmd.DRM_SYNC_WAIT]: variable(4, true),
  [VCmd.DRM_SYNC_RESET]: variable(4, false),
  [VCmd.DRM_SYNC_SIGNAL]: variable(4, false),
  [VCmd.DRM_SYNC_TIMELINE_SIGNAL]: variable(4, false),
  [VCmd.DRM_SYNC_TIMELINE_WAIT]: variable(4, true),
  [VCmd.DRM_SYNC_QUERY]: variable(4, true),
  [VCmd.DRM_SYNC_TRANSFER]: variable(4, false),
  [VCmd.RESOURCE_EXPORT_FD]: fixed(4, 1, true),
} as const satisfies Record<VCmd, VCmdLayout>;

export const vcmdName = (id: number): string => VCmd[id] ?? `VCMD_${id}`;

// RESOURCE_CREATE / RESOURCE_CREATE2 payload dwords.
export const RES_CREATE_HANDLE = 0;
export const RES_CREATE_TARGET = 1;
export const RES_CREATE_FORMAT = 2;
export const RES_CREATE_BIND = 3;
export const RES_CREATE_WIDTH = 4;
export const RES_CREATE_HEIGHT = 5;
export const RES_CREATE_DEPTH = 6;
export const RES_CREATE_ARRAY_SIZE = 7;
export const RES_CREATE_LAST_LEVEL = 8;
export const RES_CREATE_NR_SAMPLES = 9;
export const RES_CREATE2_DATA_SIZE = 10;

// TRANSFER_GET / TRANSFER_PUT (v0) payload dwords.
export const TRANSFER_HANDLE = 0;
export const TRANSFER_LEVEL = 1;
export const TRANSFER_STRIDE = 2;
export const TRANSFER_LAYER_STRIDE = 3;
export const TRANSFER_X = 4;
export const TRANSFER_Y = 5;
export const TRANSFER_Z = 6;
export const TRANSFER_WIDTH = 7;
export const TRANSFER_HEIGHT = 8;
export const TRANSFER_DEPTH = 9;
export const TRANSFER_DATA_SIZE = 10;

// TRANSFER_GET2 / TRANSFER_PUT2 payload dwords.
export const TRANSFER2_HANDLE = 0;
export const TRANSFER2_LEVEL = 1;
export const TRANSFER2_X = 2;
export const TRANSFER2_Y = 3;
export const TRANSFER2_Z = 4;
export const TRANSFER2_WIDTH = 5;
export const TRANSFER2_HEIGHT = 6;
export const TRANSFER2_DEPTH = 7;
export const TRANSFER2_DATA_SIZE = 8;
export const TRANSFER2_OFFSET = 9;

// RESOURCE_BUSY_WAIT payload and reply.
export const BUSY_WAIT_HANDLE = 0;
export const BUSY_WAIT_FLAGS = 1;
export const BUSY_WAIT_FLAG_WAIT = 1;

// RESOURCE_CREATE_BLOB payload dwords, blob types and flags.
export const BLOB_TYPE = 0;
export const BLOB_FLAGS = 1;
export const BLOB_SIZE_LO = 2;
export const BLOB_SIZE_HI = 3;
export const BLOB_ID_LO = 4;
export const BLOB_ID_HI = 5;
export const VCMD_BLOB_TYPE_GUEST = 1;
export const VCMD_BLOB_TYPE_HOST3D = 2;
export const VCMD_BLOB_TYPE_HOST3D_GUEST = 3;
export const VCMD_BLOB_FLAG_MAPPABLE = 1;
export const VCMD_BLOB_FLAG_SHAREABLE = 2;
export const VCMD_BLOB_FLAG_CROSS_DEVICE = 4;

// GET_CAPSET payload and capset ids (virtgpu_drm.h).
export const GET_CAPSET_ID = 0;
export const GET_CAPSET_VERSION = 1;
export const VIRGL_CAPSET_VIRGL = 1;
export const VIRGL_CAPSET_VIRGL2 = 2;
export const VIRGL_CAPSET_VENUS = 4;

// SYNC_* payloads.
export const SYNC_WAIT_FLAGS = 0;
export const SYNC_WAIT_TIMEOUT = 1;
export const SYNC_WAIT_FIRST = 2;
export const SYNC_WAIT_FLAG_ANY = 1;
/** Dwords per (sync id, value lo, value hi) entry of SYNC_WAIT and SUBMIT_CMD2. */
export const SYNC_ENTRY_DWORDS = 3;

// SUBMIT_CMD2: batch_count, then one header per batch, then command and sync dwords (offsets in the
// headers are dwords from the start of the payload). Mesa's v3 client writes 6-dword headers
// (sizeof struct vcmd_submit_cmd2_batch); virglrenderer reads them at a stride of 8, which only
// agrees for one batch. We read what the v3 client writes.
export const SUBMIT_CMD2_BATCH_DWORDS_V3 = 6;
export const SUBMIT_CMD2_BATCH_FLAGS = 0;
export const SUBMIT_CMD2_BATCH_CMD_OFFSET = 1;
export const SUBMIT_CMD2_BATCH_CMD_SIZE = 2;
export const SUBMIT_CMD2_BATCH_SYNC_OFFSET = 3;
export const SUBMIT_CMD2_BATCH_SYNC_COUNT = 4;
export const SUBMIT_CMD2_BATCH_RING_IDX = 5;
export const SUBMIT_CMD2_FLAG_RING_IDX = 1;

/** GET_PARAM(MAX_TIMELINE_COUNT) answer of virglrenderer (VTEST_MAX_TIMELINE_COUNT). */
export const VTEST_MAX_TIMELINE_COUNT = 64;

// GET_PARAM params.
export const VTEST_PARAM_MAX_TIMELINE_COUNT = 1;
export const VTEST_PARAM_HAS_TIMELINE_SYNCOBJ = 2;

/** The highest protocol version without fd passing: everything inline on the socket. */
export const VTEST_PROTOCOL_VERSION_INLINE = 0;
/** Version 2: RESOURCE_CREATE2 answers with a memfd; TRANSFER_GET2/PUT2 move data through it. */
export const VTEST_PROTOCOL_VERSION_SHM = 2;
/** Version 3: server-chosen resource ids, GET_PARAM, capsets, blobs, syncs, SUBMIT_CMD2. */
export const VTEST_PROTOCOL_VERSION_V3 = 3;
/** The highest protocol version this server implements (with the native addon; 0 without it). */
export const VTEST_PROTOCOL_VERSION_IMPLEMENTED = VTEST_PROTOCOL_VERSION_V3;
/** Mesa and virglrenderer both treat version 1 as 0 ("deprecated"). */
export const VTEST_PROTOCOL_VERSION_DEPRECATED = 1;

/** Caps replies: hdr[0] = size in bytes + 1; GET_CAPS2's reply uses id 2, GET_CAPS's id 1. */
export const CAPS_REPLY_ID = 1;
export const CAPS2_REPLY_ID = 2;
export const CAPS_REPLY_LEN_BIAS = 1;

/** Largest message we accept from a client, before any per-client limit. */
export const VTEST_MAX_PAYLOAD_BYTES = 256 * 1024 * 1024;
