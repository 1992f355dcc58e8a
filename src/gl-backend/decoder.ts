// The virgl command-stream decoder: one loop over a SUBMIT_CMD buffer, read in place. Each
// command's length is checked against the protocol's layout before its handler reads a field.
import {
  VIRGL_COMMAND_LAYOUTS, VIRGL_MAX_COMMANDS, VIRGL_OBJECT_LAYOUTS, VIRGL_MAX_OBJECTS, VirglCmd,
  virglCmdName, virglObjectName, type LengthRule,
} from '../protocol/virgl-commands.js';
import { ContextError } from '../server/renderer.js';

/**
 * Executes one command. `at` is the dword index of the command's header in `buf`, `len` its
 * payload length (already checked against the layout), `obj` the header's object-type byte.
 */
export type CommandHandler<C> = (ctx: C, buf: Uint32Array, at: number, len: number, obj: number) => void;
export type CommandTable<C> = Record<VirglCmd, CommandHandler<C>>;

export function lengthAllowed(rule: LengthRule, len: number): boolean {
  switch (rule.kind) {
    case 'fixed': return len === rule.dwords;
    case 'oneOf': return rule.dwords.includes(len);
    case 'min': return len >= rule.min;
    case 'array': {
      const extra = len - rule.base;
      if (extra < 0 || extra % rule.stride !== 0) return false;
      const n = extra / rule.stride;
      return n >= (rule.minCount ?? 0) && (rule.maxCount === undefined || n <= rule.maxCount);
    }
    case 'any': return true;
    case 'perObject': return true; // checked against the object's layout below
    case 'never': return false;
  }
}

// Hoisted so that the loop allocates nothing: one array lookup per command.
const RULES: LengthRule[] = [];
for (let c = 0; c < VIRGL_MAX_COMMANDS; c++) RULES.push(VIRGL_COMMAND_LAYOUTS[c as VirglCmd].length);
const OBJECT_RULES: LengthRule[] = [];
for (let o = 0; o < VIRGL_MAX_OBJECTS; o++) {
  OBJECT_RULES.push((VIRGL_OBJECT_LAYOUTS as Record<number, { create: LengthRule }>)[o]?.create ?? { kind: 'never' });
}

/** Walks the buffer; throws ContextError (carrying the dword offset) at the first bad command. */
export function decodeCommands<C>(ctx: C, table: CommandTable<C>, buf: Uint32Array): void {
  const end = buf.length;
  let at = 0;
  while (at < end) {
    const header = buf[at];
    const cmd = header & 0xff;
    const obj = (header >>> 8) & 0xff;
    const len = header >>> 16;
    if (at + 1 + len > end) {
      throw new ContextError(`${virglCmdName(cmd)} of ${len} dwords runs past the end of the ${end}-dword buffer`, at);
    }
    if (cmd >= VIRGL_MAX_COMMANDS) throw new ContextError(`unknown command ${cmd}`, at);
    if (!lengthAllowed(RULES[cmd], len)) {
      throw new ContextError(`${virglCmdName(cmd)} with a payload of ${len} dwords does not match its layout`, at);
    }
    if (cmd === VirglCmd.CREATE_OBJECT) {
      if (obj >= VIRGL_MAX_OBJECTS || !lengthAllowed(OBJECT_RULES[obj], len)) {
        throw new ContextError(`CREATE_OBJECT ${virglObjectName(obj)} with a payload of ${len} dwords does not match its layout`, at);
      }
    }
    table[cmd as VirglCmd](ctx, buf, at, len, obj);
    at += 1 + len;
  }
}
