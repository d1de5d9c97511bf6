/**
 * Runner for PREVAIL's YAML verifier tests (../shared/conformance/prevail, format described by
 * its test-schema.yaml): each case gives `pre` (initial abstract state as constraints), `code`
 * (labelled blocks in kernel syntax with PREVAIL's extensions: `assume`, `<label>` targets,
 * `map_fd N`, `lock … fetch`, `sN=` moves), `post` (constraints at exit) and `messages` (errors;
 * non-empty means the program must be rejected).
 *
 * The snippet syntax is read here by a small reader of our own: the extensions are harness
 * pseudo-instructions that the `.hcb` assembler rightly does not accept.
 */
import { parseAllDocuments } from 'yaml';
import * as I from '../isa';
import type { Insn } from '../isa';
import type { MapDef } from '../program';
import { verify, type VerifyResult } from './index';
import type { Pseudo } from './analyze';
import type { HelperProto, Platform, VerifyOptions } from './platform';
import * as S from './scalar';
import { B_NUM, B_SPILL, STACK_BYTES, UNINIT, leqVal, newFrame, type State, type Val } from './state';

export interface PrevailCase {
  name: string;
  file: string;
  pre: string[];
  code: [string, string][];
  post: string[];
  messages: string[];
  options: string[];
  expectedException?: string;
  observe?: unknown;
}

export interface CaseOutcome {
  case: PrevailCase;
  /** Our verdict: true = accepted. */
  accepted: boolean;
  expectAccepted: boolean;
  agree: boolean;
  postTotal: number;
  postProved: number;
  unproved: string[];
  why: string;
  millis: number;
}

// ------------------------------------------------------------------------------------ loading

export function parsePrevailFile(text: string, file: string): PrevailCase[] {
  const out: PrevailCase[] = [];
  for (const doc of parseAllDocuments(text)) {
    const d = doc.toJS() as Record<string, unknown> | null;
    if (!d || typeof d !== 'object' || !('test-case' in d)) continue;
    const code = d.code as Record<string, unknown>;
    const strs = (x: unknown): string[] => (Array.isArray(x) ? x.map((v) => String(v)) : []);
    out.push({
      name: String(d['test-case']),
      file,
      pre: strs(d.pre),
      code: Object.entries(code ?? {}).map(([k, v]) => [k, String(v ?? '')]),
      post: strs(d.post),
      messages: strs(d.messages),
      options: strs(d.options),
      ...(d['expected-exception'] !== undefined ? { expectedException: String(d['expected-exception']) } : {}),
      ...('observe' in d ? { observe: d.observe } : {}),
    });
  }
  return out;
}

// ------------------------------------------------------------------------------------ platform

const MAP: MapDef = { name: 'map1', type: 'array', keySize: 4, valueSize: 4, maxEntries: 16 };

function helpers(): Map<number, HelperProto> {
  const list: HelperProto[] = [
    { id: 1, name: 'bpf_map_lookup_elem', args: ['map', 'map-key'], ret: 'map-value-or-null' },
    { id: 2, name: 'bpf_map_update_elem', args: ['map', 'map-key', 'map-value', 'anything'], ret: 'scalar' },
    { id: 3, name: 'bpf_map_delete_elem', args: ['map', 'map-key'], ret: 'scalar' },
    { id: 6, name: 'bpf_trace_printk', args: ['mem', 'size', 'anything', 'anything', 'anything'], ret: 'scalar' },
    { id: 12, name: 'bpf_tail_call', args: ['ctx', 'map', 'scalar'], ret: 'scalar' },
    { id: 67, name: 'bpf_get_stack', args: ['ctx', 'uninit-mem', 'size', 'anything'], ret: 'scalar' },
    { id: 99, name: 'bpf_skc_lookup_tcp', args: ['ctx', 'mem', 'size', 'anything', 'anything'], ret: 'sock-or-null', retSize: 80 },
    { id: 130, name: 'bpf_ringbuf_output', args: ['map', 'mem', 'size', 'anything'], ret: 'scalar' },
    { id: 131, name: 'bpf_ringbuf_reserve', args: ['map', 'const-size', 'anything'], ret: 'mem-or-null' },
  ];
  return new Map(list.map((h) => [h.id, h]));
}

export function prevailPlatform(bigEndian: boolean): Platform {
  return {
    name: 'PREVAIL test',
    ctxSize: 64,
    ctxPointers: [
      { offset: 0, size: 4, kind: 'packet' },
      { offset: 4, size: 4, kind: 'pend' },
    ],
    ctxWritable: true,
    helpers: helpers(),
    maps: [MAP],
    mapByFd: (fd) => (fd === 1 ? 0 : undefined),
    legacyPacket: true,
    socketFields: [
      { name: 'bound_dev_if', offset: 0, size: 4, writable: false, narrow: false },
      { name: 'family', offset: 4, size: 4, writable: false },
      { name: 'src_ip4', offset: 24, size: 4, writable: false },
      { name: 'src_ip6', offset: 28, size: 16, writable: false },
      { name: 'src_port', offset: 44, size: 4, writable: false },
      { name: 'dst_port', offset: 48, size: 2, writable: false, wide: 4 },
      { name: 'dst_ip4', offset: 52, size: 4, writable: false },
      { name: 'dst_ip6', offset: 56, size: 16, writable: false },
      { name: 'state', offset: 72, size: 4, writable: false },
      { name: 'rx_queue_mapping', offset: 76, size: 4, writable: false },
    ],
    bigEndian,
    pointerAddress: {
      ctx: [1n, PTR_MAX], stack: [1n, PTR_MAX], packet: [PACKET_MIN, PTR_MAX], map: [1n, PTR_MAX], mem: [1n, PTR_MAX], sock: [1n, PTR_MAX], mapref: [1n, PTR_MAX],
    },
  };
}

/** PREVAIL's address model: regions lie in [1, 2^31 - 2^16], the packet from 4098 on. */
const PTR_MAX = 2147418112n;
const PACKET_MIN = 4098n;

// ------------------------------------------------------------------------------------ reader

const R = String.raw`([rw])(\d+)`;
const NUMRE = String.raw`(-?(?:0x[0-9a-fA-F]+|\d+))`;
const LABEL = String.raw`<([^>]+)>`;

function parseNum(s: string): bigint {
  const neg = s.startsWith('-');
  const v = BigInt(neg ? s.slice(1) : s);
  return neg ? -v : v;
}

function imm32(v: bigint): number | undefined {
  if (v >= -(1n << 31n) && v < 1n << 32n) return Number(BigInt.asIntN(32, v));
  return undefined;
}

interface Line {
  insn: Insn;
  label?: string;
  pseudo?: Pseudo;
  text: string;
}

const ALU_OPS: Record<string, [number, number]> = {
  '+': [I.BPF_ADD, 0], '-': [I.BPF_SUB, 0], '*': [I.BPF_MUL, 0], '/': [I.BPF_DIV, 0], '%': [I.BPF_MOD, 0], '|': [I.BPF_OR, 0], '&': [I.BPF_AND, 0],
  '^': [I.BPF_XOR, 0], '<<': [I.BPF_LSH, 0], '>>': [I.BPF_RSH, 0], 's>>': [I.BPF_ARSH, 0], 's/': [I.BPF_DIV, 1], 's%': [I.BPF_MOD, 1], '': [I.BPF_MOV, 0],
};
const JMP_OPS: Record<string, [number, boolean?]> = {
  '==': [I.BPF_JEQ], '!=': [I.BPF_JNE], '>': [I.BPF_JGT], '>=': [I.BPF_JGE], '<': [I.BPF_JLT], '<=': [I.BPF_JLE], 's>': [I.BPF_JSGT], 's>=': [I.BPF_JSGE],
  's<': [I.BPF_JSLT], 's<=': [I.BPF_JSLE], '&==': [I.BPF_JSET], '&!=': [I.BPF_JSET, true],
};
const SIZES: Record<string, number> = { '8': I.BPF_B, '16': I.BPF_H, '32': I.BPF_W, '64': I.BPF_DW };

function mk(opcode: number, dst = 0, src = 0, off = 0, imm = 0): Insn {
  return { opcode, dst, src, off, imm };
}

function parseLine(text: string): Line {
  const t = text.trim();
  let m: RegExpMatchArray | null;
  const reg = (k: string): number => Number(k);
  if (t === 'exit') return { insn: mk(I.OPCODE_EXIT), text: t };
  if ((m = t.match(new RegExp(`^goto ${LABEL}$`)))) return { insn: mk(I.BPF_JMP | I.BPF_JA), label: m[1], text: t };
  if ((m = t.match(new RegExp(`^call ${LABEL}$`)))) return { insn: mk(I.OPCODE_CALL, 0, I.CALL_LOCAL), label: m[1], text: t };
  if ((m = t.match(/^call (-?\d+)$/))) return { insn: mk(I.OPCODE_CALL, 0, 0, 0, Number(m[1])), text: t };
  if ((m = t.match(new RegExp(`^callx ${R}$`)))) return { insn: mk(I.OPCODE_CALLX, reg(m[2])), text: t };
  const cond = String.raw`${R}\s*(==|!=|>=|<=|>|<|s>=|s<=|s>|s<|&==|&!=)\s*(?:${R}|${NUMRE})`;
  m = t.match(new RegExp(`^(?:if|assume) ${cond}(?: goto ${LABEL})?$`));
  if (m) {
    const [, w, a, op, , b, k, label] = m;
    const [code, nset] = JMP_OPS[op];
    const cls = w === 'w' ? I.BPF_JMP32 : I.BPF_JMP;
    const src = b !== undefined ? I.BPF_X : I.BPF_K;
    const imm = k !== undefined ? imm32(parseNum(k)) ?? 0 : 0;
    const insn = mk(cls | code | src, reg(a), b !== undefined ? reg(b) : 0, 0, imm);
    const assume = t.startsWith('assume');
    const pseudo: Pseudo = { ...(assume ? { assume: true } : {}), ...(nset ? { nset: true } : {}) };
    return { insn, ...(label ? { label } : {}), ...(assume || nset ? { pseudo } : {}), text: t };
  }
  const memRef = String.raw`\*\(([us])(8|16|32|64) \*\)\(${R}\s*([+-])\s*(\d+)\)`;
  if ((m = t.match(new RegExp(`^lock ${memRef}\\s*(\\+|&|\\||\\^|x|cx)=\\s*${R}(\\s+fetch)?$`)))) {
    const [, , size, , base, sign, off, op, , src, fetch] = m;
    const ops: Record<string, number> = { '+': I.BPF_ATOMIC_ADD, '&': I.BPF_ATOMIC_AND, '|': I.BPF_ATOMIC_OR, '^': I.BPF_ATOMIC_XOR, x: I.BPF_XCHG, cx: I.BPF_CMPXCHG };
    let imm = ops[op];
    if (fetch) imm |= I.BPF_FETCH;
    return { insn: mk(I.BPF_STX | I.BPF_ATOMIC | SIZES[size], reg(base), reg(src), sign === '-' ? -Number(off) : Number(off), imm), text: t };
  }
  if ((m = t.match(new RegExp(`^${R}\\s*=\\s*${memRef}$`)))) {
    const [, , dst, us, size, , base, sign, off] = m;
    const mode = us === 's' ? I.BPF_MEMSX : I.BPF_MEM;
    return { insn: mk(I.BPF_LDX | mode | SIZES[size], reg(dst), reg(base), sign === '-' ? -Number(off) : Number(off)), text: t };
  }
  if ((m = t.match(new RegExp(`^${memRef}\\s*=\\s*(?:${R}|${NUMRE})$`)))) {
    const [, , size, , base, sign, off, , src, k] = m;
    const o = sign === '-' ? -Number(off) : Number(off);
    if (src !== undefined) return { insn: mk(I.BPF_STX | I.BPF_MEM | SIZES[size], reg(base), reg(src), o), text: t };
    return { insn: mk(I.BPF_ST | I.BPF_MEM | SIZES[size], reg(base), 0, o, imm32(parseNum(k)) ?? 0), text: t };
  }
  if ((m = t.match(new RegExp(`^${R}\\s*=\\s*\\*\\(u(8|16|32|64) \\*\\)skb\\[(?:${R}|${NUMRE})\\]$`)))) {
    const [, , , size, , ir, k] = m;
    if (ir !== undefined) return { insn: mk(I.BPF_LD | I.BPF_IND | SIZES[size], 0, reg(ir), 0, 0), text: t };
    return { insn: mk(I.BPF_LD | I.BPF_ABS | SIZES[size], 0, 0, 0, Number(parseNum(k))), text: t };
  }
  if ((m = t.match(new RegExp(`^${R}\\s*=\\s*map_fd (\\d+)$`)))) return { insn: { ...mk(I.OPCODE_LDDW, reg(m[2]), I.PSEUDO_MAP_FD, 0, Number(m[3])), imm2: 0 }, text: t };
  if ((m = t.match(new RegExp(`^${R}\\s*=\\s*map_by_idx\\((\\d+)\\)$`)))) return { insn: { ...mk(I.OPCODE_LDDW, reg(m[2]), I.PSEUDO_MAP_IDX, 0, Number(m[3])), imm2: 0 }, text: t };
  if ((m = t.match(new RegExp(`^${R}\\s*=\\s*map_val\\((\\d+)\\)\\s*\\+\\s*(\\d+)$`)))) return { insn: { ...mk(I.OPCODE_LDDW, reg(m[2]), I.PSEUDO_MAP_VALUE, 0, Number(m[3])), imm2: Number(m[4]) }, text: t };
  if ((m = t.match(new RegExp(`^${R}\\s*=\\s*mva\\(map_by_idx\\((\\d+)\\)\\)\\s*\\+\\s*(\\d+)$`)))) return { insn: { ...mk(I.OPCODE_LDDW, reg(m[2]), I.PSEUDO_MAP_IDX_VALUE, 0, Number(m[3])), imm2: Number(m[4]) }, text: t };
  if ((m = t.match(new RegExp(`^${R}\\s*=\\s*(be|le|swap)(16|32|64) ${R}$`)))) {
    const [, , d, kind, width] = m;
    const opcode = kind === 'swap' ? I.BPF_ALU64 | I.BPF_END | I.BPF_TO_LE : I.BPF_ALU | I.BPF_END | (kind === 'be' ? I.BPF_TO_BE : I.BPF_TO_LE);
    return { insn: mk(opcode, reg(d), 0, 0, Number(width)), text: t };
  }
  if ((m = t.match(new RegExp(`^${R}\\s*=\\s*-${R}$`)))) return { insn: mk((m[1] === 'w' ? I.BPF_ALU : I.BPF_ALU64) | I.BPF_NEG, reg(m[2])), text: t };
  if ((m = t.match(new RegExp(`^${R}\\s*s(8|16|32)=\\s*${R}$`)))) {
    return { insn: mk((m[1] === 'w' ? I.BPF_ALU : I.BPF_ALU64) | I.BPF_MOV | I.BPF_X, reg(m[2]), reg(m[5]), Number(m[3])), text: t };
  }
  if ((m = t.match(new RegExp(`^${R}\\s*=\\s*${NUMRE}(ll)?$`)))) {
    const [, w, d, k, ll] = m;
    const v = parseNum(k);
    const i32 = imm32(v);
    if (ll || i32 === undefined) return { insn: { ...mk(I.OPCODE_LDDW, reg(d)), imm: Number(BigInt.asIntN(32, v)), imm2: Number(BigInt.asIntN(32, BigInt.asUintN(64, v) >> 32n)) }, text: t };
    return { insn: mk((w === 'w' ? I.BPF_ALU : I.BPF_ALU64) | I.BPF_MOV, reg(d), 0, 0, i32), text: t };
  }
  if ((m = t.match(new RegExp(`^${R}\\s*(\\+|-|\\*|/|%|\\||&|\\^|<<|>>|s>>|s/|s%|)=\\s*(?:${R}|${NUMRE})$`)))) {
    const [, w, d, op, , s, k] = m;
    const [code, off] = ALU_OPS[op];
    const cls = w === 'w' ? I.BPF_ALU : I.BPF_ALU64;
    if (s !== undefined) return { insn: mk(cls | code | I.BPF_X, reg(d), reg(s), off), text: t };
    return { insn: mk(cls | code | I.BPF_K, reg(d), 0, off, imm32(parseNum(k)) ?? 0), text: t };
  }
  throw new Error(`cannot read '${t}'`);
}

export interface Assembled {
  insns: Insn[];
  pseudo: Map<number, Pseudo>;
  texts: string[];
}

export function assembleSnippet(code: [string, string][]): Assembled {
  const lines: (Line & { block: string })[] = [];
  const labelIdx = new Map<string, number>();
  for (const [label, body] of code) {
    labelIdx.set(label.replace(/^<|>$/g, ''), lines.length);
    for (const raw of body.split('\n')) {
      const t = raw.split(';')[0].trim();
      if (!t) continue;
      lines.push({ ...parseLine(t), block: label });
    }
  }
  const slots: number[] = [];
  let slot = 0;
  for (const l of lines) {
    slots.push(slot);
    l.insn.slot = slot;
    slot += I.insnSlots(l.insn);
  }
  const end = slot;
  const pseudo = new Map<number, Pseudo>();
  lines.forEach((l, i) => {
    if (l.pseudo) pseudo.set(i, l.pseudo);
    if (l.label !== undefined) {
      const t = labelIdx.get(l.label);
      if (t === undefined) throw new Error(`unknown label <${l.label}>`);
      const tslot = t < lines.length ? slots[t] : end;
      const rel = tslot - (slots[i] + 1);
      if (I.isCall(l.insn)) l.insn.imm = rel;
      else l.insn.off = rel;
    }
  });
  return { insns: lines.map((l) => l.insn), pseudo, texts: lines.map((l) => l.text) };
}

// ------------------------------------------------------------------------------------ pre/post

function parseRange(s: string): [bigint, bigint] | undefined {
  const t = s.trim();
  let m = t.match(/^\[\s*(-oo|-?\d+)\s*,\s*(\+oo|-?\d+)\s*\]$/);
  if (m) return [m[1] === '-oo' ? S.S64_MIN : parseNum(m[1]), m[2] === '+oo' ? S.M64 : parseNum(m[2])];
  m = t.match(/^-?\d+$/);
  if (m) return [parseNum(t), parseNum(t)];
  return undefined;
}

const TYPE_OF: Record<string, Val['t']> = { number: 'num', ctx: 'ctx', stack: 'stack', packet: 'packet', shared: 'map', map_fd: 'mapref', alloc_mem: 'mem', socket: 'sock' };

/** Translates `pre` into an initial state. Unknown constraints are ignored (over-approximation). */
export function preState(pre: string[]): State {
  const regs: Val[] = Array.from({ length: 11 }, () => UNINIT);
  const info = new Map<number, Record<string, string>>();
  const frame = newFrame();
  let pktMin = 0n;
  let pktMax: bigint | undefined;
  let meta = 0n;
  const base = stackBase(pre);
  const stackVals: { at: number; w: number; signed: boolean; rg: [bigint, bigint] }[] = [];
  for (const c of pre) {
    const mm = c.match(/^meta_offset\s*=\s*(.+)$/);
    if (mm) {
      const rg = parseRange(mm[1]);
      if (rg) meta = rg[0];
      continue;
    }
    let m = c.match(/^r(\d+)\.(\w+)\s*=\s*(.+)$/);
    if (m) {
      const r = Number(m[1]);
      const rec = info.get(r) ?? {};
      if (!(m[2] in rec) || m[3].trim() === 'packet_size') rec[m[2]] = m[3].trim();
      info.set(r, rec);
      continue;
    }
    m = c.match(/^r(\d+)\.type in \{(.+)\}$/);
    if (m) {
      const rec = info.get(Number(m[1])) ?? {};
      rec.type = 'any';
      info.set(Number(m[1]), rec);
      continue;
    }
    m = c.match(/^packet_size\s*=\s*(.+)$/);
    if (m) {
      const rg = parseRange(m[1]);
      if (rg) {
        pktMin = rg[0];
        pktMax = rg[1];
      }
      continue;
    }
    m = c.match(/^s\[(\d+)(?:\.\.\.(\d+))?\]\.(svalue|uvalue)\s*=\s*(.+)$/);
    if (m) {
      const rg = parseRange(m[4]);
      const a = Number(m[1]);
      const w = Number(m[2] ?? m[1]) - a + 1;
      if (rg && (w === 1 || w === 2 || w === 4 || w === 8)) stackVals.push({ at: a - base, w, signed: m[3] === 'svalue', rg });
      continue;
    }
    m = c.match(/^s\[(\d+)(?:\.\.\.(\d+))?\]\.type=number$/);
    if (m) {
      const a = Number(m[1]);
      const b = Number(m[2] ?? m[1]);
      for (let i = a - base; i <= b - base && i < STACK_BYTES; i++) if (i >= 0) frame.bytes[i] = B_NUM;
    }
  }
  for (const [r, rec] of info) {
    const scal = (name: string): S.Scalar => {
      const rg = rec[name] ? parseRange(rec[name]) : undefined;
      return rg ? S.range(rg[0], rg[1], true) : S.TOP;
    };
    let v: Val = UNINIT;
    switch (rec.type) {
      case 'number': {
        let x: S.Scalar | null = S.TOP;
        const sv = rec.svalue ? parseRange(rec.svalue) : undefined;
        const uv = rec.uvalue ? parseRange(rec.uvalue) : undefined;
        if (sv) x = S.meet(x, S.range(sv[0], sv[1] > S.S64_MAX ? S.S64_MAX : sv[1], true));
        if (uv && x) x = S.meet(x, S.range(uv[0] < 0n ? 0n : uv[0], uv[1], false));
        v = { t: 'num', v: x ?? S.TOP };
        break;
      }
      case 'ctx':
        v = { t: 'ctx', v: scal('ctx_offset') };
        break;
      case 'stack': {
        const o = scal('stack_offset');
        v = { t: 'stack', v: S.sub(o, S.konst(BigInt(STACK_BYTES + base))), frame: 0 };
        break;
      }
      case 'packet':
        v = rec.packet_offset === 'packet_size' ? { t: 'pend', v: S.konst(0n) } : { t: 'packet', v: scal('packet_offset') };
        break;
      case 'shared': {
        const sv = rec.svalue ? parseRange(rec.svalue) : undefined;
        v = { t: 'map', v: scal('shared_offset'), size: Number(rec.shared_region_size ?? '0'), ...(sv && sv[0] <= 0n ? { nullable: true } : {}) };
        break;
      }
      case 'map_fd':
      case 'map_fd_programs':
        v = { t: 'mapref', v: S.TOP, map: rec.map_fd === undefined || rec.map_fd === '1' ? 0 : 1000 + Number(rec.map_fd) };
        break;
      case 'any':
        v = { t: 'any', v: S.TOP };
        break;
      default:
        v = rec.type ? { t: 'any', v: S.TOP } : UNINIT;
    }
    const sv = rec.svalue ? parseRange(rec.svalue) : undefined;
    const uv = rec.uvalue ? parseRange(rec.uvalue) : undefined;
    const av = sv ?? uv;
    if (av && v.t !== 'num' && v.t !== 'any' && v.t !== 'uninit' && av[0] >= 0n) {
      // the numeric value of a pointer (0 stands for null and is not an address)
      v = { ...v, addr: S.range(av[0] === 0n ? 1n : av[0], av[1], false) };
    }
    regs[r] = v;
  }
  // numeric stack contents: a whole slot of 1, 2, 4 or 8 bytes with a value
  for (const x of stackVals) {
    const i = x.at;
    if (i < 0 || i + x.w > STACK_BYTES) continue;
    let ok = true;
    for (let k = i; k < i + x.w; k++) if (frame.bytes[k] !== B_NUM && frame.bytes[k] !== B_SPILL) ok = false;
    if (!ok) continue;
    const bits = BigInt(x.w * 8);
    const lo = x.signed ? BigInt.asIntN(Number(bits), x.rg[0]) : x.rg[0];
    const hi = x.signed ? BigInt.asIntN(Number(bits), x.rg[1]) : x.rg[1];
    if (lo !== x.rg[0] || hi !== x.rg[1] || lo > hi) continue;
    // the slot's bytes read back as an unsigned w-byte number
    const sc = x.w === 8 ? S.range(lo, hi, x.signed) : lo >= 0n && hi < 1n << bits ? S.range(lo, hi, false) : undefined;
    if (!sc) continue;
    const old = frame.spills.get(i);
    const met = old && old.w === x.w && old.v.t === 'num' ? S.meet(old.v.v, sc) : sc;
    if (!met) continue;
    frame.spills.set(i, { w: x.w, v: { t: 'num', v: met } });
    for (let k = i; k < i + x.w; k++) frame.bytes[k] = B_SPILL;
  }
  regs[10] = { t: 'stack', v: S.konst(0n), frame: 0 };
  const st: State = { regs, frames: [frame], saved: [], pktMin, meta };
  if (pktMax !== undefined && pktMax >= pktMin && pktMax <= S.S64_MAX) st.pktMax = pktMax;
  return st;
}

/** PREVAIL numbers stack bytes from the bottom of all frames; our frame 0 is the top 512 bytes. */
export function stackBase(pre: string[]): number {
  for (const c of pre) {
    const m = c.match(/^r10\.stack_offset=(\d+)$/);
    if (m) return Number(m[1]) - STACK_BYTES;
  }
  return 0;
}

/** Whether the final state proves the constraint. */
export function proves(st: State | undefined, c: string, base = 0): boolean {
  if (c === '_|_') return st === undefined;
  if (!st) return true; // bottom proves everything
  const regVal = (r: number): Val => st.regs[r] ?? UNINIT;
  let m = c.match(/^r(\d+)\.type=(\w+)$/);
  if (m) {
    const v = regVal(Number(m[1]));
    const want = TYPE_OF[m[2]];
    return v.t === want || (want === 'packet' && v.t === 'pend');
  }
  m = c.match(/^r(\d+)\.type=r(\d+)\.type$/);
  if (m) return regVal(Number(m[1])).t === regVal(Number(m[2])).t && regVal(Number(m[1])).t !== 'any';
  m = c.match(/^r(\d+)\.(svalue|uvalue)=(.+)$/);
  if (m) {
    const v = regVal(Number(m[1]));
    const rg = parseRange(m[3]);
    const iv = numInterval(v, m[2] === 'svalue');
    if (rg) {
      if (!iv) return false;
      if (m[2] === 'svalue') return iv[0] >= rg[0] && iv[1] <= rg[1];
      return iv[0] >= (rg[0] < 0n ? S.toUnsigned(rg[0]) : rg[0]) && iv[1] <= (rg[1] > S.M64 ? S.M64 : rg[1]);
    }
    const mm = m[3].match(/^r(\d+)\.(svalue|uvalue)(?:\s*([+-])\s*(\d+))?$/);
    if (mm) {
      const o = regVal(Number(mm[1]));
      const k = mm[3] === undefined ? 0n : mm[3] === '-' ? -parseNum(mm[4]) : parseNum(mm[4]);
      // svalue and uvalue of one value agree when it lies in [0, 2^63)
      const nonneg = (x: Val): boolean => (numInterval(x, true)?.[0] ?? -1n) >= 0n;
      const kindsOk = m[2] === mm[2] || (nonneg(v) && nonneg(o));
      if (Number(mm[1]) === Number(m[1])) return k === 0n && (m[2] === mm[2] || nonneg(v));
      if (!kindsOk) return false;
      if (v.t === 'num' && o.t === 'num' && S.isConst(v.v) && S.isConst(o.v)) return BigInt.asUintN(64, o.v.tv + k) === v.v.tv;
      if (k === 0n && v.id !== undefined && v.id === o.id && v.t === o.t) return true;
      // two pointers into the same single region: their values differ by the offsets
      const d = offsetDiff(v, o);
      return d !== undefined && d[0] === k && d[1] === k;
    }
    return false;
  }
  m = c.match(/^(r(\d+)\.(svalue|uvalue|packet_offset)|packet_size)\s*-\s*(r(\d+)\.(svalue|uvalue|packet_offset)|packet_size)\s*<=\s*(-?\d+)$/);
  if (m) {
    const k = parseNum(m[7]);
    const side = (whole: string, r: string | undefined, f: string | undefined): [bigint, bigint] | undefined => {
      if (whole === 'packet_size') return [st.pktMin, st.pktMax ?? S.S64_MAX];
      const v = regVal(Number(r));
      if (f === 'packet_offset') return v.t === 'packet' ? [v.v.smin, v.v.smax] : v.t === 'pend' ? [st.pktMin, st.pktMax ?? S.S64_MAX] : undefined;
      return numInterval(v, f === 'svalue');
    };
    if (m[3] !== 'packet_offset' && m[6] !== 'packet_offset' && m[2] !== undefined && m[5] !== undefined) {
      const d = offsetDiff(regVal(Number(m[2])), regVal(Number(m[5])));
      const both = (x: Val): boolean => (numInterval(x, true)?.[0] ?? -1n) >= 0n;
      if (d && (m[3] === m[6] || (both(regVal(Number(m[2]))) && both(regVal(Number(m[5])))))) return d[1] <= k;
    }
    const a = side(m[1], m[2], m[3]);
    const b = side(m[4], m[5], m[6]);
    return a !== undefined && b !== undefined && a[1] - b[0] <= k;
  }
  m = c.match(/^r(\d+)\.(ctx_offset|stack_offset|packet_offset|shared_offset)=(.+)$/);
  if (m) {
    const v = regVal(Number(m[1]));
    const kinds: Record<string, Val['t']> = { ctx_offset: 'ctx', stack_offset: 'stack', packet_offset: 'packet', shared_offset: 'map' };
    if (m[3] === 'packet_size') return v.t === 'pend' && S.isConst(v.v) && v.v.tv === 0n;
    if (v.t !== kinds[m[2]]) return false;
    const rg = parseRange(m[3]);
    if (!rg) return false;
    const shift = m[2] === 'stack_offset' ? BigInt(STACK_BYTES + base) : 0n;
    return v.v.smin + shift >= rg[0] && v.v.smax + shift <= rg[1];
  }
  m = c.match(/^r(\d+)\.shared_region_size=(\d+)$/);
  if (m) return regVal(Number(m[1])).size === Number(m[2]);
  m = c.match(/^r(\d+)\.map_fd=(\d+)$/);
  if (m) return regVal(Number(m[1])).t === 'mapref';
  m = c.match(/^packet_size=(-?\d+)$/);
  if (m) return st.pktMin === parseNum(m[1]) && st.pktMax === st.pktMin;
  m = c.match(/^meta_offset=(-?\d+)$/);
  if (m) return st.meta === parseNum(m[1]);
  m = c.match(/^s\[(\d+)\.\.\.(\d+)\]\.(type|packet_offset|stack_offset|ctx_offset|shared_offset|svalue|uvalue)=(.+)$/);
  if (m && m[3] !== 'type' ? true : m && m[4] !== 'number') {
    const mm = m as RegExpMatchArray;
    const sp = st.frames[0].spills.get(Number(mm[1]) - base);
    const w = Number(mm[2]) - Number(mm[1]) + 1;
    if (sp && sp.w === w && sp.w === 8) {
      // the spilled register stands for the slot: check the constraint on it as if it were r11
      const regs = st.regs.slice();
      regs[11] = sp.v;
      const other = mm[4].match(/^r(\d+)\.(svalue|uvalue)$/);
      if (other) {
        const o = st.regs[Number(other[1])];
        return (sp.v.id !== undefined && sp.v.id === o.id) || (sp.v.t === 'num' && o.t === 'num' && S.isConst(sp.v.v) && S.isConst(o.v) && sp.v.v.tv === o.v.tv);
      }
      return proves({ ...st, regs }, `r11.${mm[3]}=${mm[4]}`, base);
    }
    if (mm[3] !== 'svalue' && mm[3] !== 'uvalue') return false;
  }
  m = c.match(/^s\[(\d+)(?:\.\.\.(\d+))?\]\.type=number$/);
  if (m) {
    const f = st.frames[0];
    for (let i = Number(m[1]) - base; i <= Number(m[2] ?? m[1]) - base; i++) {
      const k = i >= 0 && i < STACK_BYTES ? f.bytes[i] : 0;
      if (k === B_NUM) continue;
      if (k === B_SPILL && [...f.spills].some(([k0, sp]) => i >= k0 && i < k0 + sp.w && sp.v.t === 'num')) continue;
      return false;
    }
    return true;
  }
  m = c.match(/^s\[(\d+)(?:\.\.\.(\d+))?\]\.(svalue|uvalue)=(-?\d+)$/);
  if (m) {
    const sp = st.frames[0].spills.get(Number(m[1]) - base);
    const w = Number(m[2] ?? m[1]) - Number(m[1]) + 1;
    if (!sp || sp.w !== w || sp.v.t !== 'num' || !S.isConst(sp.v.v)) return false;
    const k = parseNum(m[4]);
    return sp.v.v.tv === S.toUnsigned(k) || BigInt.asIntN(w * 8, sp.v.v.tv) === k;
  }
  return false;
}

/**
 * The values a register may hold, read as signed or unsigned 64-bit numbers: numbers, and
 * pointers whose address the domain tracks (null counts as 0).
 */
function numInterval(v: Val, signed: boolean): [bigint, bigint] | undefined {
  const x = v.t === 'num' ? v.v : v.addr;
  if (!x) return undefined;
  let lo = signed ? x.smin : x.umin;
  const hi = signed ? x.smax : x.umax;
  if (v.t !== 'num' && v.nullable && lo > 0n) lo = 0n;
  return [lo, hi];
}

/** For two non-null pointers into the same single region (context, packet, a stack frame): a - b. */
function offsetDiff(a: Val, b: Val): [bigint, bigint] | undefined {
  const single = (x: Val): boolean => x.t === 'ctx' || x.t === 'packet' || x.t === 'stack';
  if (!single(a) || a.t !== b.t || a.frame !== b.frame || a.nullable || b.nullable) return undefined;
  return [a.v.smin - b.v.smax, a.v.smax - b.v.smin];
}

// ------------------------------------------------------------------------------------ running

export function optionsFor(c: PrevailCase): Partial<VerifyOptions> {
  return {
    divByZero: c.options.includes('!allow_division_by_zero') ? 'error' : 'allow',
    deadBranches: 'error',
    exitR0: false,
    fallOffEnd: 'exit',
    termination: c.options.includes('termination'),
    strictStructure: false,
    calleeSeesCallerRegs: true,
    lenientUninit: true,
    alignedAtomics: false,
    maxSteps: 200_000,
  };
}

function observeInvalid(c: PrevailCase): string | undefined {
  if (!('observe' in c) || c.observe === undefined) return undefined;
  if (!Array.isArray(c.observe)) return 'observe must be a sequence';
  for (const o of c.observe) {
    if (!o || typeof o !== 'object' || Array.isArray(o)) return 'observe item must be a map';
    const rec = o as Record<string, unknown>;
    if (!('constraints' in rec)) return "observe item missing required 'constraints' field";
    if (!Array.isArray(rec.constraints) || rec.constraints.some((x) => typeof x !== 'string')) return 'observe.constraints must be a sequence of strings';
    if (!('at' in rec)) return "observe item missing required 'at' field";
    if (typeof rec.at === 'number' ? rec.at < 0 : /^-/.test(String(rec.at))) return 'observe label must not be negative';
  }
  return undefined;
}

export function runCase(c: PrevailCase): CaseOutcome {
  const t0 = performance.now();
  const expectAccepted = c.messages.length === 0 && c.expectedException === undefined;
  const base0 = (): { case: PrevailCase; expectAccepted: boolean; postTotal: number; unproved: string[] } => ({ case: c, expectAccepted, postTotal: c.post.length, unproved: [] });
  const invalid = observeInvalid(c);
  if (invalid !== undefined || c.expectedException !== undefined) {
    const agree = c.expectedException !== undefined && invalid !== undefined;
    return { ...base0(), accepted: invalid === undefined, agree, postProved: 0, unproved: c.post, why: invalid ?? 'no exception', millis: performance.now() - t0 };
  }
  let result: VerifyResult;
  try {
    const asm = assembleSnippet(c.code);
    result = verify({ insns: asm.insns, pseudo: asm.pseudo, texts: asm.texts, platform: prevailPlatform(c.options.includes('big_endian')), options: optionsFor(c), initial: preState(c.pre), file: c.file });
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    return { ...base0(), accepted: false, agree: !expectAccepted, postProved: 0, unproved: c.post, why: `reader: ${why}`, millis: performance.now() - t0 };
  }
  const accepted = result.ok;
  const final = accepted ? result.analysis.exit : undefined;
  let proved = 0;
  const unproved: string[] = [];
  const sbase = stackBase(c.pre);
  if (accepted && Array.isArray(c.observe)) {
    for (const o of c.observe as { at: unknown; mode?: string; constraints: string[] }[]) {
      if (String(o.at) !== 'exit') continue;
      const entailed = o.mode === 'entailed';
      const failed = entailed ? !entails(final, o.constraints) : !consistent(final, o.constraints);
      if (failed) return { ...base0(), accepted: false, agree: !expectAccepted, postProved: 0, unproved: c.post, why: `observation ${entailed ? 'entailed' : 'consistent'} failed at exit`, millis: performance.now() - t0 };
    }
  }
  for (const p of c.post) {
    if (proves(final, p, sbase)) proved++;
    else unproved.push(p);
  }
  const firstErr = result.findings.find((f) => f.severity === 'error');
  const why = accepted ? 'accepted' : `rejected: ${firstErr ? `${firstErr.idx}: ${firstErr.message}` : '?'}`;
  return { ...base0(), accepted, agree: accepted === expectAccepted, postProved: proved, unproved, why, millis: performance.now() - t0 };
}

/**
 * PREVAIL's `entailed` mode: every concrete state that satisfies the observation satisfies the
 * invariant. The observation is read like a `pre` (an unmentioned field of a register is
 * unconstrained), and for every register it mentions, its abstract value must lie below the
 * invariant's. (Only registers: observations in the suite constrain nothing else.)
 */
function entails(st: State | undefined, cs: string[]): boolean {
  if (!st) return false;
  const obs = preState(cs);
  const mentioned = new Set<number>();
  for (const c of cs) for (const m of c.matchAll(/\br(\d+)\./g)) mentioned.add(Number(m[1]));
  for (const r of mentioned) {
    if (r > 10) return false;
    // preState leaves a register without a type unconstrained (UNINIT is the top of the lattice)
    if (!leqVal(obs.regs[r], st.regs[r])) return false;
  }
  return true;
}

/** Can all the constraints hold together with the state (numeric interval constraints only)? */
function consistent(st: State | undefined, cs: string[]): boolean {
  if (!st) return false;
  const byReg = new Map<string, [bigint, bigint]>();
  for (const c of cs) {
    const m = c.match(/^r(\d+)\.(svalue|uvalue)=(.+)$/);
    const rg = m ? parseRange(m[3]) : undefined;
    if (!m || !rg) continue;
    const key = `${m[1]}.${m[2]}`;
    const old = byReg.get(key);
    const nv: [bigint, bigint] = old ? [old[0] > rg[0] ? old[0] : rg[0], old[1] < rg[1] ? old[1] : rg[1]] : rg;
    if (nv[0] > nv[1]) return false;
    byReg.set(key, nv);
    const v = st.regs[Number(m[1])];
    if (v.t === 'num') {
      const [lo, hi] = m[2] === 'svalue' ? [v.v.smin, v.v.smax] : [v.v.umin, v.v.umax];
      if (nv[1] < lo || nv[0] > hi) return false;
    }
  }
  return true;
}

export interface SuiteSummary {
  outcomes: CaseOutcome[];
  passed: number;
  failed: number;
  postTotal: number;
  postProved: number;
}

export function runPrevailTexts(files: { name: string; text: string }[]): SuiteSummary {
  const outcomes: CaseOutcome[] = [];
  for (const f of files) for (const c of parsePrevailFile(f.text, f.name)) outcomes.push(runCase(c));
  const passed = outcomes.filter((o) => o.agree).length;
  return {
    outcomes,
    passed,
    failed: outcomes.length - passed,
    postTotal: outcomes.reduce((s, o) => s + o.postTotal, 0),
    postProved: outcomes.reduce((s, o) => s + o.postProved, 0),
  };
}
