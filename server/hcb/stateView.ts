/**
 * The verifier's abstract state in words: for each register its type, signed/unsigned ranges and
 * known bits; the stack slots in use. Used by hovers and inlay hints.
 */
import * as S from '../../simulator/ebpf/verifier/scalar';
import { formatVal, type State, type Val } from '../../simulator/ebpf/verifier/index';
import { B_MIXED, B_NUM, STACK_BYTES } from '../../simulator/ebpf/verifier/state';

/** `rN` facts in one line: type, ranges, known bits. */
export function describeValue(v: Val): string {
  if (v.t !== 'num') return formatVal(v);
  const s = v.v;
  if (S.isConst(s)) return `number ${S.formatScalar(s)}`;
  const parts = ['number'];
  if (s.smin >= 0n && s.smin === s.umin && s.smax === s.umax) parts.push(`range [${fmt(s.umin)}, ${fmt(s.umax)}]`);
  else {
    if (s.smin !== S.S64_MIN || s.smax !== S.S64_MAX) parts.push(`signed [${fmt(s.smin)}, ${fmt(s.smax)}]`);
    if (s.umin !== 0n || s.umax !== S.M64) parts.push(`unsigned [${fmt(s.umin)}, ${fmt(s.umax)}]`);
  }
  if (s.tm !== S.M64) parts.push(`known bits ${knownBits(s)}`);
  if (parts.length === 1) parts.push('(any value)');
  return parts.join(', ');
}

/** The same facts, terse, for inlay hints: `[0, 6] bits 0x0/0x1`. */
export function describeCompact(v: Val): string {
  if (v.t !== 'num') return formatVal(v);
  const s = v.v;
  if (S.isConst(s)) return S.formatScalar(s);
  const parts: string[] = [];
  if (s.smin >= 0n && s.smin === s.umin && s.smax === s.umax) parts.push(`[${fmt(s.umin)}, ${fmt(s.umax)}]`);
  else {
    if (s.smin !== S.S64_MIN || s.smax !== S.S64_MAX) parts.push(`s[${fmt(s.smin)}, ${fmt(s.smax)}]`);
    if (s.umin !== 0n || s.umax !== S.M64) parts.push(`u[${fmt(s.umin)}, ${fmt(s.umax)}]`);
  }
  if (s.tm !== S.M64) parts.push(`bits 0x${(s.tv & ~s.tm & S.M64).toString(16)}/0x${(S.M64 & ~s.tm).toString(16)}`);
  return parts.length ? parts.join(' ') : 'number';
}

/** Known bits as value/mask: which bits are fixed and to what. */
function knownBits(s: S.Scalar): string {
  const known = S.M64 & ~s.tm;
  return `0x${(s.tv & known).toString(16)} of mask 0x${known.toString(16)}`;
}

function fmt(v: bigint): string {
  if (v === S.S64_MIN) return '-2^63';
  if (v === S.S64_MAX) return '2^63-1';
  if (v === S.M64) return '2^64-1';
  const a = v < 0n ? -v : v;
  return a > 65535n ? `${v < 0n ? '-' : ''}0x${a.toString(16)}` : `${v}`;
}

/** Stack slots in use in the current frame: spilled registers and initialised byte ranges. */
export function describeStack(st: State): string[] {
  const f = st.frames[st.frames.length - 1];
  if (!f) return [];
  const out: string[] = [];
  let i = 0;
  while (i < STACK_BYTES) {
    const sp = f.spills.get(i);
    if (sp) {
      out.push(`fp${i - STACK_BYTES}: ${describeValue(sp.v)} (${sp.w}-byte spill)`);
      i += sp.w;
      continue;
    }
    const kind = f.bytes[i];
    if (kind === B_NUM || kind === B_MIXED) {
      let j = i;
      while (j < STACK_BYTES && f.bytes[j] === kind && !f.spills.has(j)) j++;
      out.push(`fp${i - STACK_BYTES}..fp${j - STACK_BYTES}: ${kind === B_NUM ? 'number bytes' : 'initialised, mixed'}`);
      i = j;
      continue;
    }
    i++;
  }
  return out;
}
