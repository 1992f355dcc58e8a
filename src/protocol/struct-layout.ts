// C struct layouts written as ordered field lists; byte offsets are computed, never typed by hand.
// Rules are the natural-alignment ones GCC/Clang use on x86-64 and aarch64 (little-endian).

export type ScalarType = 'u8' | 'i32' | 'u32' | 'f32' | 'u64';

export const SCALAR_SIZE: Readonly<Record<ScalarType, number>> = { u8: 1, i32: 4, u32: 4, f32: 4, u64: 8 };

export interface StructField {
  readonly name: string;
  /** A scalar, or a nested struct laid out by `layoutStruct`. */
  readonly type: ScalarType | StructLayout;
  /** Array length; 1 when omitted. */
  readonly count?: number;
}

export interface PlacedField {
  readonly name: string;
  readonly type: ScalarType | StructLayout;
  readonly count: number;
  /** Byte offset from the start of the struct. */
  readonly offset: number;
  /** Bytes taken by the whole array. */
  readonly size: number;
}

export interface StructLayout<N extends string = string> {
  readonly size: number;
  readonly align: number;
  readonly fields: readonly PlacedField[];
  readonly offsets: Readonly<Record<N, number>>;
}

const alignUp = (n: number, a: number): number => Math.ceil(n / a) * a;

/** Places the fields in order, padding each to its alignment and the whole struct to the largest. */
export function layoutStruct<const F extends readonly StructField[]>(fields: F): StructLayout<F[number]['name']> {
  let offset = 0;
  let align = 1;
  const placed: PlacedField[] = [];
  const offsets: Record<string, number> = {};
  for (const f of fields) {
    const elemSize = typeof f.type === 'string' ? SCALAR_SIZE[f.type] : f.type.size;
    const elemAlign = typeof f.type === 'string' ? SCALAR_SIZE[f.type] : f.type.align;
    const count = f.count ?? 1;
    offset = alignUp(offset, elemAlign);
    align = Math.max(align, elemAlign);
    if (f.name in offsets) throw new Error(`duplicate struct field ${f.name}`);
    offsets[f.name] = offset;
    placed.push({ name: f.name, type: f.type, count, offset, size: elemSize * count });
    offset += elemSize * count;
  }
  return { size: alignUp(offset, align), align, fields: placed, offsets: offsets as Record<F[number]['name'], number> };
}
