/** Where the peer conformance data is (HYPERLAB_SHARED overrides ../shared). */
import * as path from 'node:path';
import * as I from '../../simulator/ebpf/isa';
import { repositoryRoot } from '../support/repo';

export function sharedDir(): string {
  return process.env.HYPERLAB_SHARED ?? path.resolve(repositoryRoot(), '../shared');
}

export function bpfConformanceDir(): string {
  return path.join(sharedDir(), 'conformance', 'bpf');
}

/** xorshift32: reproducible random programs. */
export function rng(seed: number): (n: number) => number {
  let s = seed >>> 0 || 1;
  return (n: number): number => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) % n;
  };
}

/** Opcode parts the random-program generators draw from. */
export const ALU_CODES = [I.BPF_ADD, I.BPF_SUB, I.BPF_MUL, I.BPF_DIV, I.BPF_OR, I.BPF_AND, I.BPF_LSH, I.BPF_RSH, I.BPF_NEG, I.BPF_MOD, I.BPF_XOR, I.BPF_MOV, I.BPF_ARSH];
export const JMP_CODES = [I.BPF_JEQ, I.BPF_JGT, I.BPF_JGE, I.BPF_JSET, I.BPF_JNE, I.BPF_JSGT, I.BPF_JSGE, I.BPF_JLT, I.BPF_JLE, I.BPF_JSLT, I.BPF_JSLE];
export const SIZES = [I.BPF_B, I.BPF_H, I.BPF_W, I.BPF_DW];
/** Bytes of the scratch memory region the generated programs load from and store to. */
export const MEM_BYTES = 64;
