// Structs the host writes into guest-visible buffers, and the host's error codes.
// Facts from virglrenderer src/virgl_protocol.h and src/virgl_hw.h.

import { layoutStruct } from './struct-layout.js';

/** virgl_host_query_state.query_state. */
export enum VirglQueryState {
  NEW = 0,
  DONE = 1,
  WAIT_HOST = 2,
}

/** struct virgl_host_query_state: the host's answer in a query's backing buffer. */
export const VIRGL_HOST_QUERY_STATE = layoutStruct([
  { name: 'query_state', type: 'u32' },
  { name: 'result_size', type: 'u32' },
  { name: 'result', type: 'u64' },
] as const);

/** struct virgl_memory_info, written by GET_MEMORY_INFO into the given resource. */
export const VIRGL_MEMORY_INFO = layoutStruct([
  { name: 'total_device_memory', type: 'u32' },
  { name: 'avail_device_memory', type: 'u32' },
  { name: 'total_staging_memory', type: 'u32' },
  { name: 'avail_staging_memory', type: 'u32' },
  { name: 'device_memory_evicted', type: 'u32' },
  { name: 'nr_device_memory_evictions', type: 'u32' },
] as const);

/** One plane of struct virgl_resource_layout. */
export const VIRGL_RESOURCE_LAYOUT_PLANE = layoutStruct([
  { name: 'offset', type: 'u64' },
  { name: 'stride', type: 'u32' },
  { name: 'size', type: 'u32' },
] as const);

/** struct virgl_resource_layout, written by GET_PIPE_RESOURCE_LAYOUT into the out resource. */
export const VIRGL_RESOURCE_LAYOUT = layoutStruct([
  { name: 'modifier', type: 'u64' },
  { name: 'num_planes', type: 'u32' },
  { name: 'reserved1', type: 'u32' },
  { name: 'planes', type: VIRGL_RESOURCE_LAYOUT_PLANE, count: 4 },
] as const);

/** enum virgl_errors. */
export enum VirglError {
  NONE = 0,
  UNKNOWN = 1,
  UNKNOWN_RESOURCE_FORMAT = 2,
}

/** enum virgl_ctx_errors: what the host reports against a context when a command fails. */
export enum VirglCtxError {
  NONE = 0,
  UNKNOWN = 1,
  ILLEGAL_SHADER = 2,
  ILLEGAL_HANDLE = 3,
  ILLEGAL_RESOURCE = 4,
  ILLEGAL_SURFACE = 5,
  ILLEGAL_VERTEX_FORMAT = 6,
  ILLEGAL_CMD_BUFFER = 7,
  GLES_HAVE_TES_BUT_MISS_TCS = 8,
  GL_ANY_SAMPLES_PASSED = 9,
  ILLEGAL_FORMAT = 10,
  ILLEGAL_SAMPLER_VIEW_TARGET = 11,
  TRANSFER_IOV_BOUNDS = 12,
  ILLEGAL_DUAL_SRC_BLEND = 13,
  UNSUPPORTED_FUNCTION = 14,
  ILLEGAL_PROGRAM_PIPELINE = 15,
  TOO_MANY_VERTEX_ATTRIBUTES = 16,
  UNSUPPORTED_TEX_WRAP = 17,
  CUBE_MAP_FACE_OUT_OF_RANGE = 18,
  BLIT_AREA_OUT_OF_RANGE = 19,
  SSBO_BINDING_RANGE = 20,
  RESOURCE_OUT_OF_RANGE = 21,
}
