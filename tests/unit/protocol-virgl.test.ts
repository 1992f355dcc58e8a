import { describe, it, expect } from 'vitest';
import {
  FORMAT_BLOCKS, FORMAT_BLOCK_GROUPS, PipeBlendFactor, PipeClear, PipePrim, PipeQuery, PipeShaderType,
  PipeSwizzle, PipeTextureTarget, VIRGL_CAPS_V1, VIRGL_CAPS_V1_FORMAT_MASKS, VIRGL_CAPS_V2,
  VIRGL_CAPS_V2_FORMAT_MASKS, VIRGL_CMD_HEADER_BITS, VIRGL_CMD_LENGTH_SHIFT, VIRGL_CMD_NAMES,
  VIRGL_COMMAND_LAYOUTS, VIRGL_FORMAT_MASK_DWORDS, VIRGL_FORMAT_MAX, VIRGL_HOST_QUERY_STATE,
  VIRGL_MAX_COMMANDS, VIRGL_MAX_OBJECTS, VIRGL_MEMORY_INFO, VIRGL_OBJECT_LAYOUTS, VIRGL_OBJECT_NAMES,
  VIRGL_OBJ_BLEND_S2_BITS, VIRGL_OBJ_DSA_STENCIL_BITS, VIRGL_OBJ_RS_S0_BITS, VIRGL_OBJ_SAMPLER_STATE_S0_BITS,
  VIRGL_RESOURCE_LAYOUT, VIRGL_VIDEO_CAPS, VirglBind, VirglCap, VirglCapV2, VirglCapset, VirglCapsBoolSet1,
  VirglCmd, VirglFormat, VirglObjectType, layoutStruct, virglObjShaderHdrSize,
} from '../../src/protocol/index.js';
import * as bitfieldGroups from '../../src/protocol/virgl-bitfields.js';
import type { BitField } from '../../src/protocol/virgl-bitfields.js';
import type { CommandLayout, LengthRule, ObjectLayout } from '../../src/protocol/virgl-commands.js';

const numericValues = (e: Record<string, string | number>): number[] =>
  Object.values(e).filter((v): v is number => typeof v === 'number');

/** Largest payload length a rule allows, or undefined when unbounded. */
const maxLength = (rule: LengthRule): number | undefined => {
  switch (rule.kind) {
    case 'fixed': return rule.dwords;
    case 'oneOf': return Math.max(...rule.dwords);
    case 'array': return rule.maxCount === undefined ? undefined : rule.base + rule.stride * rule.maxCount;
    default: return undefined;
  }
};

const allLayouts = (): Array<[string, CommandLayout | ObjectLayout, LengthRule]> => [
  ...Object.entries(VIRGL_COMMAND_LAYOUTS).map(([id, l]): [string, CommandLayout, LengthRule] =>
    [VIRGL_CMD_NAMES[Number(id)] ?? id, l, l.length]),
  ...Object.entries(VIRGL_OBJECT_LAYOUTS).map(([id, l]): [string, ObjectLayout, LengthRule] =>
    [`OBJECT_${VIRGL_OBJECT_NAMES[Number(id)] ?? id}`, l, l.create]),
];

describe('virgl command table', () => {
  it('has a layout and a unique name for each of the 64 commands', () => {
    expect(numericValues(VirglCmd)).toEqual([...Array(VIRGL_MAX_COMMANDS).keys()]);
    expect(Object.keys(VIRGL_COMMAND_LAYOUTS)).toHaveLength(VIRGL_MAX_COMMANDS);
    for (let id = 0; id < VIRGL_MAX_COMMANDS; id++) {
      expect(VIRGL_COMMAND_LAYOUTS[id as VirglCmd], VirglCmd[id]).toBeDefined();
    }
    expect(VIRGL_CMD_NAMES).toHaveLength(64);
    expect(new Set(VIRGL_CMD_NAMES).size).toBe(64);
  });

  it('has an object layout for each of the 12 object types', () => {
    expect(numericValues(VirglObjectType)).toEqual([...Array(VIRGL_MAX_OBJECTS).keys()]);
    expect(Object.keys(VIRGL_OBJECT_LAYOUTS)).toHaveLength(VIRGL_MAX_OBJECTS);
    expect(new Set(VIRGL_OBJECT_NAMES).size).toBe(VIRGL_MAX_OBJECTS);
  });

  it('keeps fields and repeated records inside the lengths it allows', () => {
    for (const [name, layout, rule] of allLayouts()) {
      const max = maxLength(rule);
      const offsets = Object.values(layout.fields);
      expect(offsets.every((o) => o >= 1), name).toBe(true);
      if (rule.kind === 'array' && layout.element) {
        // Records start right after the fixed payload dwords.
        expect(layout.element.base, name).toBe(rule.base + 1);
        expect(Math.max(...Object.values(layout.element.fields)), name).toBeLessThan(rule.stride);
      }
      if (max !== undefined && rule.kind !== 'array') {
        expect(Math.max(0, ...offsets), name).toBeLessThanOrEqual(max);
      }
    }
  });

  it('matches sizes and offsets read in virglrenderer src/virgl_protocol.h', () => {
    const L = VIRGL_COMMAND_LAYOUTS;
    expect(VirglCmd.LAUNCH_GRID).toBe(37);
    expect(VirglCmd.TRANSFER3D).toBe(43);
    expect(VirglCmd.GET_PIPE_RESOURCE_LAYOUT).toBe(63);
    expect(L[VirglCmd.DRAW_VBO].length).toEqual({ kind: 'oneOf', dwords: [12, 14, 20] });
    expect(L[VirglCmd.DRAW_VBO].fields.indirectDrawCountHandle).toBe(20);
    expect(L[VirglCmd.CLEAR].length).toEqual({ kind: 'fixed', dwords: 8 });
    expect(L[VirglCmd.BLIT].length).toEqual({ kind: 'fixed', dwords: 21 });
    expect(L[VirglCmd.BLIT].fields.srcD).toBe(21);
    expect(L[VirglCmd.RESOURCE_COPY_REGION].length).toEqual({ kind: 'fixed', dwords: 13 });
    expect(L[VirglCmd.TRANSFER3D].fields.direction).toBe(13);
    expect(L[VirglCmd.COPY_TRANSFER3D].fields.flags).toBe(14);
    expect(L[VirglCmd.CLEAR_TEXTURE].length).toEqual({ kind: 'fixed', dwords: 12 });
    expect(L[VirglCmd.PIPE_RESOURCE_CREATE].fields.blobId).toBe(11);
    expect(L[VirglCmd.CLEAR_SURFACE].fields.height).toBe(10);
    expect(L[VirglCmd.RESOURCE_INLINE_WRITE].dataStart).toBe(12);
    expect(L[VirglCmd.SET_VERTEX_BUFFERS].element.fields.resHandle + L[VirglCmd.SET_VERTEX_BUFFERS].element.base).toBe(3);

    const O = VIRGL_OBJECT_LAYOUTS;
    expect(O[VirglObjectType.BLEND].create).toEqual({ kind: 'fixed', dwords: 11 });
    expect(O[VirglObjectType.RASTERIZER].fields.offsetClamp).toBe(9);
    expect(O[VirglObjectType.DSA].fields.alphaRef).toBe(5);
    expect(O[VirglObjectType.SAMPLER_STATE].create).toEqual({ kind: 'fixed', dwords: 9 });
    expect(O[VirglObjectType.SAMPLER_VIEW].fields.swizzle).toBe(6);
    expect(O[VirglObjectType.MSAA_SURFACE].fields.sampleCount).toBe(6);
    expect(O[VirglObjectType.QUERY].fields.resHandle).toBe(4);
    expect(O[VirglObjectType.SHADER].element.base).toBe(10);
    expect(virglObjShaderHdrSize(0)).toBe(5);
    expect(virglObjShaderHdrSize(2)).toBe(13);
  });

  it('packs the header as cmd | obj << 8 | len << 16', () => {
    expect(VIRGL_CMD_LENGTH_SHIFT).toBe(16);
    const { cmd, object, length } = VIRGL_CMD_HEADER_BITS;
    const hdr = (VirglCmd.CREATE_OBJECT << cmd.shift) | (VirglObjectType.SHADER << object.shift) | (13 << length.shift);
    expect(hdr >>> 0).toBe(0x000d_0401);
  });
});

describe('virgl bitfields', () => {
  it('keep every group inside 32 bits with no overlaps', () => {
    for (const [name, value] of Object.entries(bitfieldGroups)) {
      const fields = Object.values(value as Record<string, BitField>);
      let used = 0n;
      for (const { shift, bits } of fields) {
        expect(shift + bits, name).toBeLessThanOrEqual(32);
        const mask = ((1n << BigInt(bits)) - 1n) << BigInt(shift);
        expect(used & mask, name).toBe(0n);
        used |= mask;
      }
    }
  });

  it('match the shifts vrend_decode.c uses', () => {
    expect(VIRGL_OBJ_RS_S0_BITS.forcePersampleInterp).toEqual({ shift: 31, bits: 1 });
    expect(VIRGL_OBJ_RS_S0_BITS.fillBack).toEqual({ shift: 12, bits: 2 });
    expect(VIRGL_OBJ_BLEND_S2_BITS.colormask).toEqual({ shift: 27, bits: 4 });
    expect(VIRGL_OBJ_DSA_STENCIL_BITS.writemask).toEqual({ shift: 21, bits: 8 });
    expect(VIRGL_OBJ_SAMPLER_STATE_S0_BITS.maxAnisotropy).toEqual({ shift: 20, bits: 5 });
  });
});

describe('virgl formats', () => {
  it('has the numbers of virglrenderer src/virgl_hw.h', () => {
    const values = numericValues(VirglFormat);
    expect(values).toHaveLength(468);
    expect(Math.max(...values)).toBe(VIRGL_FORMAT_MAX - 1);
    for (const gap of [73, 78, 86, 259, 262, 307, 309, 310]) expect(VirglFormat[gap]).toBeUndefined();
    expect(VirglFormat.B8G8R8A8_UNORM).toBe(1);
    expect(VirglFormat.Z24_UNORM_S8_UINT).toBe(19);
    expect(VirglFormat.R8G8B8A8_UNORM).toBe(67);
    expect(VirglFormat.R8_SNORM).toBe(74);
    expect(VirglFormat.DXT1_RGB).toBe(105);
    expect(VirglFormat.ETC2_RGB8).toBe(269);
    expect(VirglFormat.ASTC_12x12_SRGB).toBe(306);
    expect(VirglFormat.A4B4G4R4_UNORM).toBe(311);
  });

  it('gives every format exactly one block', () => {
    const listed = FORMAT_BLOCK_GROUPS.flatMap(([, formats]) => formats);
    expect(listed).toHaveLength(new Set(listed).size);
    expect(new Set(listed)).toEqual(new Set(numericValues(VirglFormat)));
    expect(FORMAT_BLOCKS.size).toBe(468);
  });

  it('has the block sizes of u_format.yaml', () => {
    const b = (f: VirglFormat) => FORMAT_BLOCKS.get(f);
    expect(b(VirglFormat.B8G8R8A8_UNORM)).toMatchObject({ bytes: 4, width: 1, height: 1, layout: 'plain' });
    expect(b(VirglFormat.R8G8B8_UNORM)?.bytes).toBe(3);
    expect(b(VirglFormat.R32G32B32A32_FLOAT)?.bytes).toBe(16);
    expect(b(VirglFormat.DXT1_RGB)).toMatchObject({ bytes: 8, width: 4, height: 4, layout: 'compressed' });
    expect(b(VirglFormat.DXT5_RGBA)).toMatchObject({ bytes: 16, width: 4, height: 4 });
    expect(b(VirglFormat.ASTC_8x5)).toMatchObject({ bytes: 16, width: 8, height: 5, depth: 1 });
    expect(b(VirglFormat.ASTC_3x3x3)).toMatchObject({ bytes: 16, width: 3, height: 3, depth: 3 });
    expect(b(VirglFormat.Z32_FLOAT_S8X24_UINT)).toMatchObject({ bytes: 8, aspect: 'depthStencil' });
    expect(b(VirglFormat.Z24X8_UNORM)).toMatchObject({ bytes: 4, aspect: 'depth' });
    expect(b(VirglFormat.S8_UINT)).toMatchObject({ bytes: 1, aspect: 'stencil' });
    expect(b(VirglFormat.Y8_U8V8_420_UNORM)).toMatchObject({ bytes: 1, layout: 'planar', planes: 2 });
  });

  it('has the bind flags, targets and Gallium values the stream carries', () => {
    expect(VirglBind.DEPTH_STENCIL).toBe(1);
    expect(VirglBind.RENDER_TARGET).toBe(2);
    expect(VirglBind.SAMPLER_VIEW).toBe(8);
    expect(VirglBind.DISPLAY_TARGET).toBe(128);
    expect(VirglBind.SCANOUT).toBe(1 << 18);
    expect(VirglBind.SHARED).toBe(1 << 20);
    expect(VirglBind.LINEAR).toBe(1 << 22);
    expect(VirglBind.MINIGBM_SW_WRITE_RARELY).toBe(2 ** 31);
    expect(PipeTextureTarget.BUFFER).toBe(0);
    expect(PipeTextureTarget.TEXTURE_CUBE_ARRAY).toBe(8);
    expect(PipeShaderType.FRAGMENT).toBe(1);
    expect(PipeShaderType.COMPUTE).toBe(5);
    expect(PipePrim.PATCHES).toBe(14);
    expect(PipeBlendFactor.INV_SRC1_ALPHA).toBe(0x1a);
    expect(PipeSwizzle.NONE).toBe(6);
    expect(PipeClear.COLOR).toBe(0x3fc);
    expect(PipeQuery.TIMESTAMP).toBe(2);
    expect(PipeQuery.SO_OVERFLOW_ANY_PREDICATE).toBe(12);
  });
});

describe('virgl caps', () => {
  it('lays out virgl_caps_v1 and virgl_caps_v2 as gcc does (sizes 308 and 1408)', () => {
    expect(VIRGL_CAPS_V1.size).toBe(308);
    expect(VIRGL_CAPS_V2.size).toBe(1408);
    expect(VIRGL_CAPS_V1.offsets.bset).toBe(4 + 4 * 64);
    expect(VIRGL_CAPS_V2.offsets.capability_bits).toBe(392);
    expect(VIRGL_CAPS_V2.offsets.host_feature_check_version).toBe(556);
    expect(VIRGL_CAPS_V2.offsets.capability_bits_v2).toBe(688);
    expect(VIRGL_CAPS_V2.offsets.renderer).toBe(696);
    expect(VIRGL_CAPS_V2.offsets.video_caps).toBe(860);
    expect(VIRGL_VIDEO_CAPS.size).toBe(16);
    expect(VIRGL_CAPS_V2.offsets.max_shader_storage_blocks).toBe(1384);
  });

  it('starts v2 with the v1 struct unchanged', () => {
    for (const [name, offset] of Object.entries(VIRGL_CAPS_V1.offsets)) {
      expect(VIRGL_CAPS_V2.offsets[name as keyof typeof VIRGL_CAPS_V2.offsets], name).toBe(offset);
    }
    for (const name of VIRGL_CAPS_V2_FORMAT_MASKS) {
      expect(VIRGL_CAPS_V2.fields.find((f) => f.name === name)?.size).toBe(4 * VIRGL_FORMAT_MASK_DWORDS);
    }
    expect(VIRGL_CAPS_V1_FORMAT_MASKS).toHaveLength(4);
  });

  it('has the capability bits of virgl_hw.h', () => {
    expect(VirglCap.TGSI_INVARIANT).toBe(1);
    expect(VirglCap.TRANSFER).toBe(1 << 17);
    expect(VirglCap.HOST_IS_GLES).toBe(1 << 19);
    expect(VirglCap.COPY_TRANSFER).toBe(1 << 26);
    expect(VirglCap.ARB_BUFFER_STORAGE).toBe(2 ** 31);
    expect(VirglCapV2.BLEND_EQUATION).toBe(1);
    expect(VirglCapV2.COPY_TRANSFER_BOTH_DIRECTIONS).toBe(1 << 7);
    expect(VirglCapV2.RESOURCE_LAYOUT).toBe(1 << 18);
    expect(numericValues(VirglCapsBoolSet1)).toEqual([...Array(32).keys()]);
    expect(VirglCapsBoolSet1.TRANSFORM_FEEDBACK_OVERFLOW_QUERY).toBe(31);
    expect([VirglCapset.VIRGL, VirglCapset.VIRGL2, VirglCapset.VENUS, VirglCapset.DRM]).toEqual([1, 2, 4, 6]);
  });
});

describe('host-written structs and the layout helper', () => {
  it('places fields with natural alignment', () => {
    const s = layoutStruct([{ name: 'a', type: 'u32' }, { name: 'b', type: 'u64' }, { name: 'c', type: 'u8' }] as const);
    expect(s.offsets).toEqual({ a: 0, b: 8, c: 16 });
    expect(s.size).toBe(24);
  });

  it('sizes the structs of virgl_protocol.h', () => {
    expect(VIRGL_HOST_QUERY_STATE.size).toBe(16);
    expect(VIRGL_HOST_QUERY_STATE.offsets.result).toBe(8);
    expect(VIRGL_MEMORY_INFO.size).toBe(24);
    expect(VIRGL_RESOURCE_LAYOUT.offsets.planes).toBe(16);
    expect(VIRGL_RESOURCE_LAYOUT.size).toBe(80);
  });
});
