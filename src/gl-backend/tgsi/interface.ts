// interface.ts: the binding and linking contract between translated TGSI shaders and the GL backend.
//
// Everything the backend needs to build bind group layouts, vertex state, color targets and the
// driver uniform buffer is described here; docs/tgsi.md explains the conventions in prose.

export type ShaderStage = 'vertex' | 'fragment' | 'compute';
export type ScalarType = 'f32' | 'i32' | 'u32';
export type Interpolation = 'perspective' | 'linear' | 'flat';
export type Sampling = 'center' | 'centroid' | 'sample';

/** TGSI texture targets (tgsi_texture_names). */
export const kTextureTargets = [
  'BUFFER', '1D', '2D', '3D', 'CUBE', 'RECT', 'SHADOW1D', 'SHADOW2D', 'SHADOWRECT', '1D_ARRAY', '2D_ARRAY',
  'SHADOW1D_ARRAY', 'SHADOW2D_ARRAY', 'SHADOWCUBE', '2D_MSAA', '2D_ARRAY_MSAA', 'CUBEARRAY', 'SHADOWCUBEARRAY',
] as const;
export type TextureTarget = (typeof kTextureTargets)[number];

// ---- bind groups ---------------------------------------------------------------------------------

/** Group 0 binding 0: VglDriver, shared by all stages. */
export const kDriverGroup = 0;
export const kDriverBinding = 0;
/** Per-stage resource groups. Compute uses the vertex group number (it is alone in its pipeline). */
export const kStageGroup: { readonly [S in ShaderStage]: number } = { vertex: 1, fragment: 2, compute: 1 };
/** Bindings 0..15 of a stage group: uniform buffer for CONST file n. */
export const kMaxConstantBuffers = 16;
/** Sampler/view slots 0..15: texture at 16 + 2*slot, its sampler at 17 + 2*slot. */
export const kMaxSamplerSlots = 16;
export const textureBinding = (slot: number): number => 16 + 2 * slot;
export const samplerBinding = (slot: number): number => 17 + 2 * slot;
/** Wide lines: vertex attribute r of the line's other endpoint is at location r + this. */
export const kWideLineOtherEndpoint = 8;
/** Fragment group: a copy of colour buffer 0 that emulated logic ops read the destination from. */
export const kLogicOpDestBinding = 16 + 2 * kMaxSamplerSlots;

// ---- driver uniforms -----------------------------------------------------------------------------

/**
 * VglDriver (std140-compatible, 16-byte members). Byte offsets; the WGSL struct is generated from this
 * table, so the two cannot drift. The layout is stable: new members go at the end.
 *   vpScale, vpTranslate  Gallium viewport transform (pipe_viewport_state scale/translate, xyz; w unused)
 *   fbSize                framebuffer w, h, 1/w, 1/h (of the bound render target)
 *   flags                 x: kFlag* bits; y: alpha test (0 = off, else PIPE_FUNC_* + 1);
 *                         z: two-sided colour (nonzero = on); w: reserved (0)
 *   alphaRef              x: alpha test reference value
 *   clipPlanes[8]         user clip planes (pipe_clip_state.ucp), used when LinkOptions.clipDistances > 0
 *   pointSize             x: rasterizer point size, y: line width (wide points and lines are quads)
 *   drawParams            x: base vertex, y: base instance, z: draw id, w: reserved
 *   texSwizzle[8]         see below
 *   lodBias[8]            per sampler slot (as texSwizzle), the sampler state's LOD bias: WebGPU
 *                         samplers have none, so the shader adds it
 *   borderColor[16]       fragment sampler slots: the border colour of CLAMP_TO_BORDER wraps
 *   borderMask[4]         fragment sampler slots, one u32 each: bit 0/1/2 = s/t/r wrap is CLAMP_TO_BORDER
 *                         (WebGPU has no border colours: the shader returns it outside [0, 1])
 *   depthOffset           x: polygon offset's constant part in window depth, added by the vertex shader
 *                         where WebGPU's depth bias cannot do it (lines and points from polygon modes,
 *                         24-bit depth held in depth32float, whose bias unit would scale with depth)
 */
export const kDriverUniformLayout = {
  vpScale: { offset: 0, wgsl: 'vec4f' },
  vpTranslate: { offset: 16, wgsl: 'vec4f' },
  fbSize: { offset: 32, wgsl: 'vec4f' },
  flags: { offset: 48, wgsl: 'vec4u' },
  alphaRef: { offset: 64, wgsl: 'vec4f' },
  clipPlanes: { offset: 80, wgsl: 'array<vec4f, 8>' },
  pointSize: { offset: 208, wgsl: 'vec4f' },
  drawParams: { offset: 224, wgsl: 'vec4u' },
  texSwizzle: { offset: 240, wgsl: 'array<vec4u, 8>' },
  lodBias: { offset: 368, wgsl: 'array<vec4f, 8>' },
  borderColor: { offset: 496, wgsl: 'array<vec4f, 16>' },
  borderMask: { offset: 752, wgsl: 'array<vec4u, 4>' },
  depthOffset: { offset: 816, wgsl: 'vec4f' },
} as const;
export const kDriverUniformSize = 832;

/**
 * texSwizzle: one u32 per sampler slot (vertex slots 0..15, fragment 16..31), 3 bits per channel
 * (PipeSwizzle: 0..3 a component, 4 zero, 5 one), XOR-ed with kIdentitySwizzleBits so that zero
 * means identity. Covers formats WebGPU stores differently (L8, A8, BGRX) and sampler-view swizzles.
 */
export const kIdentitySwizzleBits = 0 | (1 << 3) | (2 << 6) | (3 << 9);
export const swizzleIndex = (stage: ShaderStage, slot: number): number => (stage === 'fragment' ? 16 : 0) + slot;

/** flags.x bits. The viewport transform already encodes clip_halfz; the bit is informational. */
export const kFlagClipHalfZ = 1 << 0;
export const kFlagFlatshadeFirst = 1 << 1;

/** Values for packDriverUniforms; omitted members are zero. */
export interface DriverUniforms {
  vpScale?: readonly number[];
  vpTranslate?: readonly number[];
  /** Framebuffer width and height; the reciprocals are computed. */
  fbWidth: number;
  fbHeight: number;
  flags?: number;
  /** PIPE_FUNC_* (0..7) when alpha test is enabled, undefined when off. */
  alphaFunc?: number;
  twoSide?: boolean;
  alphaRef?: number;
  clipPlanes?: readonly (readonly number[])[];
  pointSize?: number;
  lineWidth?: number;
  baseVertex?: number;
  baseInstance?: number;
  drawId?: number;
  /** 32 packed swizzles (see texSwizzle), already XOR-ed with kIdentitySwizzleBits. */
  texSwizzle?: ArrayLike<number>;
  /** 32 sampler LOD biases, slots as texSwizzle. */
  lodBias?: ArrayLike<number>;
  /** 16 fragment-slot border colours, rgba each (64 floats). */
  borderColor?: ArrayLike<number>;
  /** 16 fragment-slot border masks (see borderMask). */
  borderMask?: ArrayLike<number>;
  /** Window-depth offset the vertex shader adds (see depthOffset). */
  depthOffset?: number;
}

/** Writes VglDriver into `out` (kDriverUniformSize bytes at `offset`), little-endian as WebGPU wants. */
export function packDriverUniforms(v: DriverUniforms, out = new ArrayBuffer(kDriverUniformSize), offset = 0): ArrayBuffer {
  const dv = new DataView(out, offset, kDriverUniformSize);
  const f4 = (at: number, x: number, y: number, z: number, w: number) => {
    dv.setFloat32(at, x, true); dv.setFloat32(at + 4, y, true); dv.setFloat32(at + 8, z, true); dv.setFloat32(at + 12, w, true);
  };
  const v4 = (at: number, x: readonly number[] | undefined) => f4(at, x?.[0] ?? 0, x?.[1] ?? 0, x?.[2] ?? 0, x?.[3] ?? 0);
  const L = kDriverUniformLayout;
  v4(L.vpScale.offset, v.vpScale);
  v4(L.vpTranslate.offset, v.vpTranslate);
  f4(L.fbSize.offset, v.fbWidth, v.fbHeight, v.fbWidth > 0 ? 1 / v.fbWidth : 0, v.fbHeight > 0 ? 1 / v.fbHeight : 0);
  dv.setUint32(L.flags.offset, v.flags ?? 0, true);
  dv.setUint32(L.flags.offset + 4, v.alphaFunc === undefined ? 0 : (v.alphaFunc & 7) + 1, true);
  dv.setUint32(L.flags.offset + 8, v.twoSide ? 1 : 0, true);
  dv.setUint32(L.flags.offset + 12, 0, true);
  f4(L.alphaRef.offset, v.alphaRef ?? 0, 0, 0, 0);
  for (let i = 0; i < 8; i++) v4(L.clipPlanes.offset + 16 * i, v.clipPlanes?.[i]);
  f4(L.pointSize.offset, v.pointSize ?? 1, v.lineWidth ?? 1, 0, 0);
  dv.setUint32(L.drawParams.offset, (v.baseVertex ?? 0) >>> 0, true);
  dv.setUint32(L.drawParams.offset + 4, (v.baseInstance ?? 0) >>> 0, true);
  dv.setUint32(L.drawParams.offset + 8, (v.drawId ?? 0) >>> 0, true);
  dv.setUint32(L.drawParams.offset + 12, 0, true);
  for (let i = 0; i < 32; i++) dv.setUint32(L.texSwizzle.offset + 4 * i, (v.texSwizzle?.[i] ?? 0) >>> 0, true);
  // WGSL wants a bias in [-16, 15.99]; GL clamps the sum to the max_texture_lod_bias cap (15) anyway.
  for (let i = 0; i < 32; i++) dv.setFloat32(L.lodBias.offset + 4 * i, Math.min(15.99, Math.max(-16, v.lodBias?.[i] ?? 0)), true);
  for (let i = 0; i < 64; i++) dv.setFloat32(L.borderColor.offset + 4 * i, v.borderColor?.[i] ?? 0, true);
  for (let i = 0; i < 16; i++) dv.setUint32(L.borderMask.offset + 4 * i, (v.borderMask?.[i] ?? 0) >>> 0, true);
  f4(L.depthOffset.offset, v.depthOffset ?? 0, 0, 0, 0);
  return out;
}

// ---- shader interface ----------------------------------------------------------------------------

/** A varying: a VS output or an FS input, keyed by varyingKey(semantic, index). */
export interface Varying {
  readonly semantic: string;
  readonly index: number;
  readonly key: string;
  /** FS inputs: interpolation as declared ('COLOR' interpolation reads as 'perspective', see colorInterp). */
  readonly interpolation: Interpolation;
  /** TGSI COLOR interpolation: flat when the rasterizer's flatshade is on (LinkOptions.flatShade). */
  readonly colorInterp: boolean;
  readonly sampling: Sampling;
  /** @location after linking; -1 when not linked (a VS output kept private, an FS input read as zero). */
  readonly location: number;
  /** Components declared used (bit 0 = x). */
  readonly usageMask: number;
}

export interface ColorOutput {
  /** COLOR semantic index. */
  readonly index: number;
  /** @location(s) written: [index], or 0..colorOutputs-1 for COLOR0 with FS_COLOR0_WRITES_ALL_CBUFS. */
  readonly locations: readonly number[];
}

export interface ConstantBufferBinding {
  /** CONST file n (0 = default uniform block); also the binding number in the stage group. */
  readonly index: number;
  /** Declared size: the binding is array<vec4<u32>, vec4Count>; bind at least 16 * vec4Count bytes. */
  readonly vec4Count: number;
}

export interface SamplerBindingInfo {
  readonly slot: number;
  readonly target: TextureTarget;
  readonly returnType: 'float' | 'sint' | 'uint';
  readonly shadow: boolean;
  /** The WGSL texture's view dimension (1D targets are emulated with 2D textures of height 1). */
  readonly viewDimension: GPUTextureViewDimension;
  readonly sampleType: GPUTextureSampleType;
  readonly multisampled: boolean;
  /** A sampler binding is declared (false when the slot is only used by TXF/TXQ). */
  readonly usesSampler: boolean;
  readonly textureBinding: number;
  readonly samplerBinding: number;
}

export interface ShaderInterface {
  readonly stage: ShaderStage;
  /** VS: vertex attribute indices read (IN[n] = @location(n)), ascending. */
  readonly vertexAttributes: readonly number[];
  /** FS: varyings read, in declaration order. */
  readonly inputs: readonly Varying[];
  /** VS: varyings written (POSITION, PSIZE, CLIPDIST, CLIPVERTEX, EDGEFLAG are not varyings). */
  readonly outputs: readonly Varying[];
  /** FS: colour outputs. */
  readonly colorOutputs: readonly ColorOutput[];
  readonly writesDepth: boolean;
  readonly writesStencil: boolean;
  readonly writesSampleMask: boolean;
  readonly constantBuffers: readonly ConstantBufferBinding[];
  readonly samplers: readonly SamplerBindingInfo[];
  readonly usesFrontFacing: boolean;
  readonly usesFragCoord: boolean;
  readonly usesInstanceId: boolean;
  readonly usesVertexId: boolean;
  /** Reads VglDriver.drawParams (base vertex/instance, draw id). */
  readonly usesDrawParams: boolean;
  readonly writesPointSize: boolean;
  readonly writesClipVertex: boolean;
  /** Number of CLIPDIST components the VS writes (TGSI CLIPDIST outputs). */
  readonly clipDistancesWritten: number;
  /** FS uses KILL, KILL_IF or DEMOTE (the alpha test may discard too): matters for early depth tests. */
  readonly usesDiscard: boolean;
  /** PROPERTY lines, name → values as written (e.g. FS_COORD_ORIGIN → ['UPPER_LEFT']). */
  readonly properties: Readonly<Record<string, readonly string[]>>;
}

// ---- linking -------------------------------------------------------------------------------------

export interface VaryingLink {
  readonly interpolation: Interpolation;
  readonly sampling: Sampling;
}

export interface LinkOptions {
  /** @location of every varying ('GENERIC:3', 'COLOR:0', 'BCOLOR:0', 'TEXCOORD:2', 'FOG:0', ...). */
  readonly varyingLocations: ReadonlyMap<string, number>;
  /**
   * Interpolation of each linked varying, so VS outputs match the FS inputs (WebGPU requires equal
   * interpolation on both sides). Missing keys: perspective/center. Build with linkStages().
   */
  readonly varyingInterpolation?: ReadonlyMap<string, VaryingLink>;
  /** Number of colour attachments (for FS_COLOR0_WRITES_ALL_CBUFS). */
  readonly colorOutputs: number;
  /** Per colour attachment: its format's scalar type (default f32). */
  readonly colorOutputTypes?: readonly ScalarType[];
  /** Per vertex attribute: the WGSL scalar type of its vec4 (default f32). */
  readonly vertexInputTypes?: readonly ScalarType[];
  /** Rasterizer flatshade: COLOR-interpolated inputs become flat. */
  readonly flatShade?: boolean;
  /** VS: number of @builtin(clip_distances) to write (needs the 'clip-distances' feature). Default 0. */
  readonly clipDistances?: number;
  /**
   * Points wider than a pixel, drawn as instanced quads (6 vertices per point, the point's attributes
   * stepped per instance): the VS moves each corner by the point size and writes the sprite
   * coordinate to `location`; the FS reads it for PCOORD and for TEXCOORD[i] with bit i of
   * `coordEnable` (pipe_rasterizer_state.sprite_coord_enable).
   */
  readonly pointSprite?: { readonly location: number; readonly coordEnable: number; readonly lowerLeft: boolean; readonly perVertexSize: boolean };
  /**
   * VS: lines wider than a pixel, drawn as instanced quads (6 vertices per line). Each attribute r
   * has its line's other endpoint at location r + kWideLineOtherEndpoint; the shader runs for both
   * endpoints and moves each corner across the line by half the line width.
   */
  readonly wideLines?: boolean;
  /**
   * FS: PIPE_LOGICOP_* applied to colour 0 against the destination copy at kLogicOpDestBinding
   * (WebGPU has no logic ops). The colour buffer must be 8-bit unorm. Undefined: off.
   */
  readonly logicOp?: number;
  /** Iterations allowed per invocation over all loops before they are cut short (hang guard). */
  readonly loopLimit?: number;
}

export interface EmittedShader {
  readonly code: string;
  readonly entryPoint: 'main';
  readonly stage: ShaderStage;
  readonly interface: ShaderInterface;
}

export const kDefaultLoopLimit = 65536;

/** The map key of a varying, e.g. varyingKey('GENERIC', 3) === 'GENERIC:3'. */
export function varyingKey(semantic: string, index: number): string {
  return `${semantic}:${index}`;
}
