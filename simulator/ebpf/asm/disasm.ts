/**
 * Disassembler printing the kernel/LLVM syntax that the assembler reads back: jump and local-call
 * targets become labels (`L<slot>`), helper calls print by name, map references by `.map` name.
 */
import { HELPERS_BY_ID } from '../events';
import * as I from '../isa';
import type { Insn } from '../isa';
import type { MapDef } from '../program';
import { IMM64_FUNCTIONS, KERNEL_ALU_OPS, KERNEL_JMP_OPS } from './assembler';

export interface DisasmOptions {
  /** Maps for naming `lddw` map references (src map-idx / map-idx-value). */
  maps?: readonly MapDef[];
  /** Print labels for jump targets (default true); otherwise `+N` offsets. */
  labels?: boolean;
  /** Print helper calls by name (default true). */
  helperNames?: boolean;
}

const ALU_TEXT = new Map<string, string>();
for (const [text, [code, off]] of Object.entries(KERNEL_ALU_OPS)) ALU_TEXT.set(`${code}/${off}`, text);
const JMP_TEXT = new Map<number, string>();
for (const [text, code] of Object.entries(KERNEL_JMP_OPS)) JMP_TEXT.set(code, text);
const IMM64_TEXT = new Map<number, string>();
for (const [text, src] of Object.entries(IMM64_FUNCTIONS)) IMM64_TEXT.set(src, text);
const SIZE_TEXT: Record<number, string> = { [I.BPF_B]: '8', [I.BPF_H]: '16', [I.BPF_W]: '32', [I.BPF_DW]: '64' };
const ATOMIC_TEXT: Record<number, string> = { [I.BPF_ATOMIC_ADD]: 'add', [I.BPF_ATOMIC_OR]: 'or', [I.BPF_ATOMIC_AND]: 'and', [I.BPF_ATOMIC_XOR]: 'xor' };
const ATOMIC_OP: Record<number, string> = { [I.BPF_ATOMIC_ADD]: '+=', [I.BPF_ATOMIC_OR]: '|=', [I.BPF_ATOMIC_AND]: '&=', [I.BPF_ATOMIC_XOR]: '^=' };

export function formatImm(v: number): string {
  const a = Math.abs(v);
  if (a < 0x10000) return String(v);
  return `${v < 0 ? '-' : ''}0x${a.toString(16)}`;
}

function addr(base: number, off: number): string {
  return off < 0 ? `(r${base} - ${-off})` : `(r${base} + ${off})`;
}

/** One instruction in kernel syntax. `target(slot)` names jump targets (default `+N`). */
export function formatInsn(i: Insn, options: DisasmOptions = {}, target?: (slot: number, isCall: boolean) => string | undefined): string {
  const op = i.opcode;
  const cls = I.opClass(op);
  const code = I.opCode(op);
  const slot = i.slot ?? 0;
  const rel = (offset: number, isCall: boolean): string => {
    const name = target?.(slot + 1 + offset, isCall);
    if (name) return name;
    return offset < 0 ? `${offset}` : `+${offset}`;
  };
  switch (cls) {
    case I.BPF_ALU:
    case I.BPF_ALU64: {
      const r = cls === I.BPF_ALU64 ? 'r' : 'w';
      const d = `${r}${i.dst}`;
      if (code === I.BPF_NEG) return `${d} = -${d}`;
      if (code === I.BPF_END) {
        const kind = I.swapKind(i);
        return `${d} = ${kind}${i.imm} ${d}`;
      }
      const srcText = I.usesSrcReg(i) ? `${r}${i.src}` : formatImm(i.imm);
      if (code === I.BPF_MOV && i.off !== 0) return `${d} = (s${i.off})${r}${i.src}`;
      const text = ALU_TEXT.get(`${code}/${code === I.BPF_DIV || code === I.BPF_MOD ? i.off : 0}`) ?? '?=';
      return `${d} ${text} ${srcText}`;
    }
    case I.BPF_JMP:
    case I.BPF_JMP32: {
      if (op === I.OPCODE_EXIT) return 'exit';
      if (op === I.OPCODE_CALLX) return `callx r${i.dst}`;
      if (op === I.OPCODE_CALL) {
        if (i.src === I.CALL_LOCAL) return `call ${target?.(slot + 1 + i.imm, true) ?? `local ${formatImm(i.imm)}`}`;
        const h = options.helperNames === false ? undefined : HELPERS_BY_ID.get(i.imm);
        return `call ${h ? h.name : formatImm(i.imm)}`;
      }
      if (code === I.BPF_JA) return cls === I.BPF_JMP32 ? `gotol ${rel(i.imm, false)}` : `goto ${rel(i.off, false)}`;
      const r = cls === I.BPF_JMP ? 'r' : 'w';
      const rhs = I.usesSrcReg(i) ? `${r}${i.src}` : formatImm(i.imm);
      return `if ${r}${i.dst} ${JMP_TEXT.get(code) ?? '?'} ${rhs} goto ${rel(i.off, false)}`;
    }
    case I.BPF_LDX: {
      const signed = I.opMode(op) === I.BPF_MEMSX;
      return `r${i.dst} = *(${signed ? 's' : 'u'}${SIZE_TEXT[I.opSize(op)]} *)${addr(i.src, i.off)}`;
    }
    case I.BPF_ST:
      return `*(u${SIZE_TEXT[I.opSize(op)]} *)${addr(i.dst, i.off)} = ${formatImm(i.imm)}`;
    case I.BPF_STX: {
      const ty = `u${SIZE_TEXT[I.opSize(op)]}`;
      if (I.opMode(op) === I.BPF_MEM) return `*(${ty} *)${addr(i.dst, i.off)} = r${i.src}`;
      const r = I.opSize(op) === I.BPF_W ? 'w' : 'r';
      const a = i.off < 0 ? `r${i.dst} - ${-i.off}` : `r${i.dst} + ${i.off}`;
      const suffix = I.opSize(op) === I.BPF_W ? '32_32' : '_64';
      if (i.imm === I.BPF_CMPXCHG) return `${r}0 = cmpxchg${suffix}(${a}, ${r}0, ${r}${i.src})`;
      if (i.imm === I.BPF_XCHG) return `${r}${i.src} = xchg${suffix}(${a}, ${r}${i.src})`;
      if ((i.imm & I.BPF_FETCH) !== 0) return `${r}${i.src} = atomic_fetch_${ATOMIC_TEXT[i.imm & ~I.BPF_FETCH]}((${ty} *)${addr(i.dst, i.off)}, ${r}${i.src})`;
      return `lock *(${ty} *)${addr(i.dst, i.off)} ${ATOMIC_OP[i.imm]} ${r}${i.src}`;
    }
    case I.BPF_LD: {
      if (op !== I.OPCODE_LDDW) return `.unsupported 0x${op.toString(16)}`;
      const d = `r${i.dst}`;
      const maps = options.maps;
      if (i.src === I.PSEUDO_IMM64) return `${d} = 0x${I.lddwValue(i).toString(16)} ll`;
      const plus = i.imm2 ? ` + ${formatImm(i.imm2)}` : '';
      if (i.src === I.PSEUDO_MAP_IDX && maps?.[i.imm] && !i.imm2) return `${d} = ${maps[i.imm].name} ll`;
      if (i.src === I.PSEUDO_MAP_IDX_VALUE && maps?.[i.imm]) return `${d} = map_value(${maps[i.imm].name})${plus} ll`;
      return `${d} = ${IMM64_TEXT.get(i.src) ?? 'map_fd'}(${formatImm(i.imm)})${plus} ll`;
    }
  }
  return `.unsupported 0x${op.toString(16)}`;
}

/** Disassembles a program (instructions with slots, or bytes) into kernel-syntax lines. */
export function disassemble(program: readonly Insn[] | Uint8Array, options: DisasmOptions = {}): string[] {
  const insns = program instanceof Uint8Array ? I.decodeProgram(program, { validate: false }) : program.map((i) => ({ ...i }));
  I.assignSlots(insns);
  const useLabels = options.labels ?? true;
  const map = I.slotIndex(insns);
  const targets = new Map<number, string>();
  if (useLabels) {
    for (const i of insns) {
      const s = i.slot as number;
      let t: number | undefined;
      let fn = false;
      if (I.isJump(i)) t = s + 1 + I.jumpOffset(i);
      else if (I.isLocalCall(i)) {
        t = s + 1 + i.imm;
        fn = true;
      }
      if (t !== undefined && t >= 0 && t < map.length && map[t] >= 0) {
        if (fn) targets.set(t, `fn_${t}`);
        else if (!targets.has(t)) targets.set(t, `L${t}`);
      }
    }
  }
  const lines: string[] = [];
  for (const i of insns) {
    const label = targets.get(i.slot as number);
    if (label) lines.push(`${label}:`);
    lines.push(`  ${formatInsn(i, options, (slot) => targets.get(slot))}`);
  }
  return lines;
}
