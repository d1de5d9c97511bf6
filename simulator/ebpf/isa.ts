/**
 * The eBPF instruction set as standardised in RFC 9669: named opcode fields, the decoded
 * instruction form shared by the assembler, disassembler, verifier and execution engines, and
 * the byte encoding (little-endian, 8-byte slots; the 64-bit immediate load takes two slots).
 *
 * Positions: a program is a sequence of 8-byte *slots*. Jump offsets and local-call immediates
 * count slots (relative to the slot after the instruction). Every decoded `Insn` records the slot
 * it starts at; `slotIndex` maps a slot back to the instruction index.
 *
 * Stability: other modules (notably the verifier) code against this file. Changes are additive.
 */

// ---- opcode: class (low 3 bits) ------------------------------------------------------------
export const BPF_LD = 0x00;
export const BPF_LDX = 0x01;
export const BPF_ST = 0x02;
export const BPF_STX = 0x03;
export const BPF_ALU = 0x04;
export const BPF_JMP = 0x05;
export const BPF_JMP32 = 0x06;
export const BPF_ALU64 = 0x07;

// ---- arithmetic and jump instructions: source (bit 3) and code (high 4 bits) ---------------
export const BPF_K = 0x00;
export const BPF_X = 0x08;
/** Byte swap direction for class ALU (`le`/`be`); with class ALU64 and BPF_TO_LE: `bswap`. */
export const BPF_TO_LE = 0x00;
export const BPF_TO_BE = 0x08;

export const BPF_ADD = 0x00;
export const BPF_SUB = 0x10;
export const BPF_MUL = 0x20;
export const BPF_DIV = 0x30;
export const BPF_OR = 0x40;
export const BPF_AND = 0x50;
export const BPF_LSH = 0x60;
export const BPF_RSH = 0x70;
export const BPF_NEG = 0x80;
export const BPF_MOD = 0x90;
export const BPF_XOR = 0xa0;
export const BPF_MOV = 0xb0;
export const BPF_ARSH = 0xc0;
export const BPF_END = 0xd0;

export const BPF_JA = 0x00;
export const BPF_JEQ = 0x10;
export const BPF_JGT = 0x20;
export const BPF_JGE = 0x30;
export const BPF_JSET = 0x40;
export const BPF_JNE = 0x50;
export const BPF_JSGT = 0x60;
export const BPF_JSGE = 0x70;
export const BPF_CALL = 0x80;
export const BPF_EXIT = 0x90;
export const BPF_JLT = 0xa0;
export const BPF_JLE = 0xb0;
export const BPF_JSLT = 0xc0;
export const BPF_JSLE = 0xd0;

// ---- load and store instructions: size (bits 3-4) and mode (high 3 bits) -------------------
export const BPF_W = 0x00;
export const BPF_H = 0x08;
export const BPF_B = 0x10;
export const BPF_DW = 0x18;

export const BPF_IMM = 0x00;
export const BPF_ABS = 0x20;
export const BPF_IND = 0x40;
export const BPF_MEM = 0x60;
export const BPF_MEMSX = 0x80;
export const BPF_ATOMIC = 0xc0;

// ---- atomic operations (imm field of BPF_ATOMIC stores) -------------------------------------
export const BPF_FETCH = 0x01;
export const BPF_ATOMIC_ADD = 0x00;
export const BPF_ATOMIC_OR = 0x40;
export const BPF_ATOMIC_AND = 0x50;
export const BPF_ATOMIC_XOR = 0xa0;
export const BPF_XCHG = 0xe0 | BPF_FETCH;
export const BPF_CMPXCHG = 0xf0 | BPF_FETCH;

// ---- src field meanings of the 64-bit immediate load (RFC 9669 §5.4) -----------------------
export const PSEUDO_IMM64 = 0x0;
/** dst = map_by_fd(imm) */
export const PSEUDO_MAP_FD = 0x1;
/** dst = map_val(map_by_fd(imm)) + next_imm */
export const PSEUDO_MAP_VALUE = 0x2;
/** dst = var_addr(imm) */
export const PSEUDO_VAR_ADDR = 0x3;
/** dst = code_addr(imm) */
export const PSEUDO_CODE_ADDR = 0x4;
/** dst = map_by_idx(imm) */
export const PSEUDO_MAP_IDX = 0x5;
/** dst = map_val(map_by_idx(imm)) + next_imm */
export const PSEUDO_MAP_IDX_VALUE = 0x6;

export type Imm64Kind = 'imm64' | 'map-fd' | 'map-value' | 'var-addr' | 'code-addr' | 'map-idx' | 'map-idx-value';
export const IMM64_KINDS: readonly Imm64Kind[] = ['imm64', 'map-fd', 'map-value', 'var-addr', 'code-addr', 'map-idx', 'map-idx-value'];

// ---- src field meanings of BPF_CALL|BPF_K ---------------------------------------------------
/** Call a helper function by static id (imm). */
export const CALL_HELPER = 0x0;
/** Call a program-local function; imm is the slot offset of its first instruction. */
export const CALL_LOCAL = 0x1;
/** Call a helper function by BTF id (imm). */
export const CALL_BTF = 0x2;

export const OPCODE_LDDW = BPF_LD | BPF_IMM | BPF_DW; // 0x18
export const OPCODE_EXIT = BPF_JMP | BPF_EXIT; // 0x95
export const OPCODE_CALL = BPF_JMP | BPF_CALL; // 0x85
export const OPCODE_CALLX = BPF_JMP | BPF_CALL | BPF_X; // 0x8d

/** Registers: r0..r9 general, r10 the read-only frame pointer. */
export const REG_COUNT = 11;
export const FRAME_POINTER = 10;
export const STACK_SIZE = 512;
export const SLOT_BYTES = 8;

/** A decoded instruction. `imm` is signed 32-bit; `off` signed 16-bit; `dst`/`src` are 0..15. */
export interface Insn {
  opcode: number;
  dst: number;
  src: number;
  off: number;
  imm: number;
  /** For the 16-byte `lddw` only: the second slot's imm (signed 32-bit, the high half for plain imm64). */
  imm2?: number;
  /** The slot this instruction starts at (set by decodeProgram and the assembler). */
  slot?: number;
}

export class IsaError extends Error {
  constructor(
    message: string,
    /** The slot index the error refers to. */
    readonly slot: number,
  ) {
    super(`slot ${slot}: ${message}`);
  }
}

// ---- field accessors ------------------------------------------------------------------------
export const opClass = (op: number): number => op & 0x07;
export const opCode = (op: number): number => op & 0xf0;
export const opSource = (op: number): number => op & 0x08;
export const opSize = (op: number): number => op & 0x18;
export const opMode = (op: number): number => op & 0xe0;

/** Bytes moved by a load/store of this opcode's size field. */
export function sizeBytes(op: number): 1 | 2 | 4 | 8 {
  switch (opSize(op)) {
    case BPF_B:
      return 1;
    case BPF_H:
      return 2;
    case BPF_W:
      return 4;
    default:
      return 8;
  }
}

/** Number of 8-byte slots the instruction occupies (2 for lddw). */
export const insnSlots = (insn: Insn): 1 | 2 => (insn.opcode === OPCODE_LDDW ? 2 : 1);
export const insnBytes = (insn: Insn): 8 | 16 => (insn.opcode === OPCODE_LDDW ? 16 : 8);

// ---- predicates -----------------------------------------------------------------------------
export const isAlu = (i: Insn): boolean => opClass(i.opcode) === BPF_ALU || opClass(i.opcode) === BPF_ALU64;
export const isAlu32 = (i: Insn): boolean => opClass(i.opcode) === BPF_ALU;
export const isAlu64 = (i: Insn): boolean => opClass(i.opcode) === BPF_ALU64;
/** ALU/JMP instruction whose second operand is the src register (BPF_X). */
export const usesSrcReg = (i: Insn): boolean => opSource(i.opcode) === BPF_X;

export const isLddw = (i: Insn): boolean => i.opcode === OPCODE_LDDW;
export const isExit = (i: Insn): boolean => i.opcode === OPCODE_EXIT;
export const isCall = (i: Insn): boolean => i.opcode === OPCODE_CALL || i.opcode === OPCODE_CALLX;
export const isHelperCall = (i: Insn): boolean => i.opcode === OPCODE_CALL && (i.src === CALL_HELPER || i.src === CALL_BTF);
export const isLocalCall = (i: Insn): boolean => i.opcode === OPCODE_CALL && i.src === CALL_LOCAL;
/** `callx`: the target is in the dst register (RFC 9669; LLVM puts the register in dst). */
export const isCallx = (i: Insn): boolean => i.opcode === OPCODE_CALLX;

/** Any instruction of the JMP/JMP32 classes other than call and exit. */
export function isJump(i: Insn): boolean {
  const c = opClass(i.opcode);
  if (c !== BPF_JMP && c !== BPF_JMP32) return false;
  const code = opCode(i.opcode);
  return code !== BPF_CALL && code !== BPF_EXIT;
}
export const isJa = (i: Insn): boolean => isJump(i) && opCode(i.opcode) === BPF_JA;
export const isCondJump = (i: Insn): boolean => isJump(i) && opCode(i.opcode) !== BPF_JA;
export const isJmp32 = (i: Insn): boolean => opClass(i.opcode) === BPF_JMP32;

/**
 * Relative jump distance in slots: `off`, except JMP32 `ja` (`gotol`), which takes it from imm.
 * The target slot is `slot + 1 + jumpOffset(i)`.
 */
export const jumpOffset = (i: Insn): number => (i.opcode === (BPF_JMP32 | BPF_JA) ? i.imm : i.off);

/** Regular (zero-extending) load `ldx*` of mode MEM. */
export const isLoad = (i: Insn): boolean => opClass(i.opcode) === BPF_LDX && opMode(i.opcode) === BPF_MEM;
/** Sign-extending load `ldxs*` (mode MEMSX). */
export const isLoadSx = (i: Insn): boolean => opClass(i.opcode) === BPF_LDX && opMode(i.opcode) === BPF_MEMSX;
/** Any memory load (MEM or MEMSX of class LDX). */
export const isMemLoad = (i: Insn): boolean => isLoad(i) || isLoadSx(i);
/** Store of an immediate (`st*`). */
export const isStoreImm = (i: Insn): boolean => opClass(i.opcode) === BPF_ST && opMode(i.opcode) === BPF_MEM;
/** Store of a register (`stx*`). */
export const isStoreReg = (i: Insn): boolean => opClass(i.opcode) === BPF_STX && opMode(i.opcode) === BPF_MEM;
export const isStore = (i: Insn): boolean => isStoreImm(i) || isStoreReg(i);
export const isAtomic = (i: Insn): boolean => opClass(i.opcode) === BPF_STX && opMode(i.opcode) === BPF_ATOMIC;
/** Legacy packet access (LD class, ABS/IND modes). Decoded but not executed. */
export const isLegacyPacketLoad = (i: Insn): boolean =>
  opClass(i.opcode) === BPF_LD && (opMode(i.opcode) === BPF_ABS || opMode(i.opcode) === BPF_IND);

/** sdiv/smod: DIV or MOD with off = 1. */
export const isSignedDivMod = (i: Insn): boolean =>
  isAlu(i) && (opCode(i.opcode) === BPF_DIV || opCode(i.opcode) === BPF_MOD) && i.off === 1;
/** movsx: MOV with off 8/16/32 (sign-extend that many low bits of the source register). */
export const isMovsx = (i: Insn): boolean => isAlu(i) && opCode(i.opcode) === BPF_MOV && i.off !== 0;
/** Byte swaps: `le`/`be` (class ALU) or `bswap` (class ALU64, source 0); width in imm. */
export const isByteSwap = (i: Insn): boolean => isAlu(i) && opCode(i.opcode) === BPF_END;
export type SwapKind = 'le' | 'be' | 'bswap';
export function swapKind(i: Insn): SwapKind {
  if (isAlu64(i)) return 'bswap';
  return opSource(i.opcode) === BPF_TO_BE ? 'be' : 'le';
}

export function imm64Kind(i: Insn): Imm64Kind {
  return IMM64_KINDS[i.src] ?? 'imm64';
}

/** The full 64-bit immediate of a plain lddw (imm | imm2 << 32), as a BigInt. */
export function lddwValue(i: Insn): bigint {
  return BigInt.asUintN(64, (BigInt(i.imm2 ?? 0) << 32n) | BigInt(i.imm >>> 0));
}

/** Registers the instruction writes, for liveness and tooling (r0-r5 for calls). */
export function writesRegisters(i: Insn): number[] {
  const c = opClass(i.opcode);
  if (c === BPF_ALU || c === BPF_ALU64 || c === BPF_LDX || i.opcode === OPCODE_LDDW) return [i.dst];
  if (isAtomic(i)) {
    if (i.imm === BPF_CMPXCHG) return [0];
    return (i.imm & BPF_FETCH) !== 0 ? [i.src] : [];
  }
  if (isCall(i)) return [0, 1, 2, 3, 4, 5];
  return [];
}

// ---- validity -------------------------------------------------------------------------------
const ALU_CODES = new Set([BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV, BPF_OR, BPF_AND, BPF_LSH, BPF_RSH, BPF_NEG, BPF_MOD, BPF_XOR, BPF_MOV, BPF_ARSH, BPF_END]);
const ATOMIC_OPS = new Set([
  BPF_ATOMIC_ADD,
  BPF_ATOMIC_OR,
  BPF_ATOMIC_AND,
  BPF_ATOMIC_XOR,
  BPF_ATOMIC_ADD | BPF_FETCH,
  BPF_ATOMIC_OR | BPF_FETCH,
  BPF_ATOMIC_AND | BPF_FETCH,
  BPF_ATOMIC_XOR | BPF_FETCH,
  BPF_XCHG,
  BPF_CMPXCHG,
]);

/**
 * Why this instruction is not a valid RFC 9669 instruction, or undefined when it is. Structural
 * checks only (fields, codes, reserved values); jump targets are checked by `checkProgram`.
 */
export function invalidReason(i: Insn): string | undefined {
  const op = i.opcode;
  const c = opClass(op);
  if (i.dst > 10) return `register r${i.dst} does not exist`;
  if (i.src > 10 && op !== OPCODE_LDDW && c !== BPF_JMP && c !== BPF_JMP32) return `register r${i.src} does not exist`;
  switch (c) {
    case BPF_ALU:
    case BPF_ALU64: {
      const code = opCode(op);
      if (!ALU_CODES.has(code)) return `unknown arithmetic opcode 0x${hex2(op)}`;
      if (code === BPF_END) {
        if (c === BPF_ALU64 && opSource(op) !== 0) return 'bswap has no source-register form';
        if (i.imm !== 16 && i.imm !== 32 && i.imm !== 64) return `byte swap width must be 16, 32 or 64, not ${i.imm}`;
        return undefined;
      }
      if (code === BPF_DIV || code === BPF_MOD) {
        if (i.off !== 0 && i.off !== 1) return `division offset must be 0 (unsigned) or 1 (signed), not ${i.off}`;
      } else if (code === BPF_MOV) {
        const ok = c === BPF_ALU64 ? [0, 8, 16, 32] : [0, 8, 16];
        if (!ok.includes(i.off)) return `mov offset must be one of ${ok.join(', ')}, not ${i.off}`;
        if (i.off !== 0 && opSource(op) !== BPF_X) return 'movsx needs a source register';
      } else if (i.off !== 0) return `offset must be 0 for this arithmetic instruction, not ${i.off}`;
      if (code === BPF_NEG && opSource(op) !== BPF_K) return 'neg has no source-register form';
      if (opSource(op) === BPF_X && i.src > 10) return `register r${i.src} does not exist`;
      return undefined;
    }
    case BPF_JMP:
    case BPF_JMP32: {
      const code = opCode(op);
      if (code === 0xe0 || code === 0xf0) return `unknown jump opcode 0x${hex2(op)}`;
      if (code === BPF_CALL) {
        if (c !== BPF_JMP) return 'call is only defined in the JMP class';
        if (opSource(op) === BPF_X) return i.dst > 10 ? `register r${i.dst} does not exist` : undefined;
        if (i.src > 2) return `unknown call kind src=${i.src}`;
        return undefined;
      }
      if (code === BPF_EXIT) return c !== BPF_JMP ? 'exit is only defined in the JMP class' : undefined;
      if (code === BPF_JA && opSource(op) !== BPF_K) return 'ja has no source-register form';
      if (opSource(op) === BPF_X && i.src > 10) return `register r${i.src} does not exist`;
      return undefined;
    }
    case BPF_LD:
      if (op === OPCODE_LDDW) return i.src > 6 ? `unknown lddw kind src=${i.src}` : undefined;
      if (opMode(op) === BPF_ABS || opMode(op) === BPF_IND) return undefined;
      return `unknown load opcode 0x${hex2(op)}`;
    case BPF_LDX: {
      const m = opMode(op);
      if (m === BPF_MEM) return undefined;
      if (m === BPF_MEMSX) return opSize(op) === BPF_DW ? 'there is no sign-extending 64-bit load' : undefined;
      return `unknown load opcode 0x${hex2(op)}`;
    }
    case BPF_ST:
      return opMode(op) === BPF_MEM ? undefined : `unknown store opcode 0x${hex2(op)}`;
    case BPF_STX: {
      const m = opMode(op);
      if (m === BPF_MEM) return undefined;
      if (m === BPF_ATOMIC) {
        if (opSize(op) !== BPF_W && opSize(op) !== BPF_DW) return 'atomic operations are 32- or 64-bit only';
        if (!ATOMIC_OPS.has(i.imm)) return `unknown atomic operation 0x${(i.imm >>> 0).toString(16)}`;
        return undefined;
      }
      return `unknown store opcode 0x${hex2(op)}`;
    }
  }
  return `unknown opcode 0x${hex2(op)}`;
}

const hex2 = (n: number): string => n.toString(16).padStart(2, '0');

// ---- decoding and encoding ------------------------------------------------------------------
export interface DecodeOptions {
  /** Reject instructions that are not valid RFC 9669 instructions (default true). */
  validate?: boolean;
}

/** Decodes a program. Errors (`IsaError`) name the slot. */
export function decodeProgram(bytes: Uint8Array, options: DecodeOptions = {}): Insn[] {
  const validate = options.validate ?? true;
  if (bytes.length % SLOT_BYTES !== 0) {
    throw new IsaError(`program length ${bytes.length} is not a multiple of 8 bytes`, Math.floor(bytes.length / SLOT_BYTES));
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = bytes.length / SLOT_BYTES;
  const out: Insn[] = [];
  for (let slot = 0; slot < n; slot++) {
    const p = slot * SLOT_BYTES;
    const regs = view.getUint8(p + 1);
    const insn: Insn = {
      opcode: view.getUint8(p),
      dst: regs & 0x0f,
      src: regs >> 4,
      off: view.getInt16(p + 2, true),
      imm: view.getInt32(p + 4, true),
      slot,
    };
    if (insn.opcode === OPCODE_LDDW) {
      if (slot + 1 >= n) throw new IsaError('lddw needs a second slot but the program ends', slot);
      const q = p + SLOT_BYTES;
      if (validate && (view.getUint8(q) !== 0 || view.getUint8(q + 1) !== 0 || view.getInt16(q + 2, true) !== 0)) {
        throw new IsaError('the second slot of lddw must have zero opcode, registers and offset', slot + 1);
      }
      insn.imm2 = view.getInt32(q + 4, true);
      slot++;
    }
    if (validate) {
      const why = invalidReason(insn);
      if (why) throw new IsaError(why, insn.slot ?? slot);
    }
    out.push(insn);
  }
  return out;
}

/** Encodes instructions into bytes (16 bytes for lddw). Does not validate. */
export function encodeProgram(insns: readonly Insn[]): Uint8Array {
  let size = 0;
  for (const i of insns) size += insnBytes(i);
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  let p = 0;
  for (const i of insns) {
    view.setUint8(p, i.opcode & 0xff);
    view.setUint8(p + 1, (i.dst & 0x0f) | ((i.src & 0x0f) << 4));
    view.setInt16(p + 2, i.off, true);
    view.setInt32(p + 4, i.imm | 0, true);
    p += 8;
    if (i.opcode === OPCODE_LDDW) {
      view.setInt32(p + 4, (i.imm2 ?? 0) | 0, true);
      p += 8;
    }
  }
  return bytes;
}

/** Assigns `slot` to each instruction in order; returns the total slot count. */
export function assignSlots(insns: Insn[]): number {
  let s = 0;
  for (const i of insns) {
    i.slot = s;
    s += insnSlots(i);
  }
  return s;
}

/** slot -> instruction index (-1 for the second slot of an lddw). */
export function slotIndex(insns: readonly Insn[]): Int32Array {
  let total = 0;
  for (const i of insns) total += insnSlots(i);
  const map = new Int32Array(total).fill(-1);
  let s = 0;
  insns.forEach((i, k) => {
    map[s] = k;
    s += insnSlots(i);
  });
  return map;
}

/**
 * Whole-program structural checks: every jump and local call lands on the start of an
 * instruction inside the program. Returns the problems found (empty when none).
 */
export function checkProgram(insns: readonly Insn[]): IsaError[] {
  const map = slotIndex(insns);
  const errors: IsaError[] = [];
  let s = 0;
  for (const i of insns) {
    let target: number | undefined;
    if (isJump(i)) target = s + 1 + jumpOffset(i);
    else if (isLocalCall(i)) target = s + 1 + i.imm;
    if (target !== undefined && (target < 0 || target >= map.length || map[target] < 0)) {
      errors.push(new IsaError(`${isJump(i) ? 'jump' : 'call'} target slot ${target} is not the start of an instruction`, s));
    }
    s += insnSlots(i);
  }
  return errors;
}

/** Convenience constructor. */
export function insn(opcode: number, dst = 0, src = 0, off = 0, imm = 0): Insn {
  return { opcode, dst, src, off, imm };
}
