/**
 * Block compiler: turns a basic block (straight-line instructions up to and including one control
 * transfer, never crossing a 4 KiB page, never containing a system instruction) into a JS function
 * built with `new Function`.
 *
 * The function takes the number of instructions it may still retire (`budget`, always >= block
 * length on entry) and returns how many it retired. A block whose branch targets its own start
 * loops inside the function while the budget allows a whole further iteration, so `maxInstructions`
 * (and later the next interrupt/timer event) is honoured exactly. Exits:
 *  - normal end / branch: `h.pc` = next PC, returns instructions retired;
 *  - exception in instruction i: the slow path already took the trap (`h.pc` = handler), returns
 *    the count before i;
 *  - `h.brk` set by a slow path (code written, tohost hit): leave after the instruction completes.
 *
 * Loads/stores inline only the RAM fast path (address inside main RAM, naturally aligned, and for
 * stores a zero page-flag byte); everything else calls the hart's slow path (translation seam,
 * devices, misaligned emulation, code invalidation, tohost, reservations). Atomics, CSR and system
 * instructions are not inlined.
 */
import * as alu from './alu';
import { Op, isBranch, isSystem, type Decoded } from './decode';
import type { Hart } from './hart';
import { PAGE_SHIFT } from '../../machine/bus';

export interface Block {
  /** Virtual address the block was compiled for (its code embeds it). */
  pc: number;
  /** Physical address of the first instruction (the cache key). */
  pa: number;
  /** RAM page index holding the block (blocks never cross a page). */
  page: number;
  len: number;
  fn: (budget: number) => number;
  source: string;
}

const MAX_BLOCK = 128;
const TWO32 = 4294967296;

const L = (r: number): string => (r === 0 ? '0' : `xl[${r}]`);
const H = (r: number): string => (r === 0 ? '0' : `xh[${r}]`);
const wr = (rd: number, lo: string, hi: string): string => (rd === 0 ? '' : `A=${lo};B=${hi};xl[${rd}]=A;xh[${rd}]=B;`);
const wr32 = (rd: number, v: string): string => (rd === 0 ? '' : `A=${v};xl[${rd}]=A;xh[${rd}]=A>>31;`);
function splitPair(v: number): [number, number] {
  const hi = Math.floor(v / TWO32);
  return [(v - hi * TWO32) | 0, hi | 0];
}

type Factory = (...args: unknown[]) => (budget: number) => number;

/**
 * Compiles the block at virtual `pc`, whose first instruction was fetched (translated through the
 * TLB, execute permission checked) at physical `pa`. The block stays inside that 4 KiB page, so
 * the same translation covers all of it.
 */
export function compileBlock(h: Hart, pc: number, pa: number): Block | null {
  const ops: Decoded[] = [];
  const startOff = h.bus.ramOffset(pa, 4);
  if (startOff < 0) return null;
  const page = startOff >>> PAGE_SHIFT;
  let cur = pc, curPa = pa;
  const stops = h.debug?.addresses, pstops = h.debug?.physical;
  while (ops.length < MAX_BLOCK) {
    // A debugger address ends the block before it, so the run loop sees that boundary.
    if (stops !== undefined && pstops !== undefined && ops.length > 0 && (stops.has(cur) || pstops.has(curPa))) break;
    const off = h.bus.ramOffset(curPa, 4);
    if (off < 0 || (off >>> PAGE_SHIFT) !== page) break;
    const d = h.decodeAt(curPa, cur);
    if (d === undefined || isSystem(d.op)) break;
    ops.push(d);
    cur += 4; curPa += 4;
    if (isBranch(d.op)) break;
  }
  // First instruction is a system instruction (or undecodable): a sentinel that makes the runner
  // interpret it, cached like a block so that the lookup stays cheap.
  if (ops.length === 0) return { pc, pa, page, len: Number.MAX_SAFE_INTEGER, fn: () => 0, source: '' };

  const len = ops.length;
  const ram = h.bus.ram;
  const RB = ram.base;
  const lru = h.mmu.tlb.replacement === 'lru';
  // Virtual address V -> RAM offset O (or -1 for the slow path). Physical mode (M-mode without
  // locked PMP entries): O = V - RAM base. Otherwise the host cache (tag/adj/slot arrays, a subset
  // of the modelled TLB): a hit counts as a TLB hit (ck[1]) and refreshes the entry's LRU stamp.
  const xlate = (s1: number, imm: number, w: number, k: 'q' | 'w'): string =>
    `V=${H(s1)}*4294967296+(${L(s1)}>>>0)+${imm};` +
    `if(h.dphys){O=V-${RB};}else ${w > 1 ? `if((V&${w - 1})===0)` : ''}{G=Math.floor(V/4096);K=G&255;` +
    `if(${k}t[K]===G){O=V+${k}a[K];T=${k}s[K];if(T>=0){${lru ? 'st[T]=++ck[0];' : ''}ck[1]++;}}else O=-1;}${w > 1 ? 'else O=-1;' : ''}`;
  let body = '';
  for (let i = 0; i < len; i++) {
    const d = ops[i];
    const ipc = pc + 4 * i;
    const rd = d.rd, s1 = d.rs1, s2 = d.rs2, imm = d.imm;
    const exitTrap = `return n+${i};`;
    const afterSlow = `if(h.brk){h.pc=${ipc + 4};return n+${i + 1};}`;
    const viaInterp = `if(!h.execute(ops[${i}],${ipc}))${exitTrap}${afterSlow}`;
    let c = '';
    switch (d.op) {
      case Op.LUI: c = wr(rd, `${imm}`, `${imm >> 31}`); break;
      case Op.AUIPC: { const [lo, hi] = splitPair(ipc + imm); c = wr(rd, `${lo}`, `${hi}`); break; }
      case Op.ADDI:
        if (rd === 0) break;
        if (s1 === 0) { c = `xl[${rd}]=${imm};xh[${rd}]=${imm >> 31};`; break; }
        if (imm === 0) { c = `xl[${rd}]=xl[${s1}];xh[${rd}]=xh[${s1}];`; break; }
        c = `T=(xl[${s1}]>>>0)+${imm >>> 0};B=(xh[${s1}]+${imm >> 31}+(T>4294967295?1:0))|0;xl[${rd}]=T|0;xh[${rd}]=B;`;
        break;
      case Op.ADD:
        if (rd === 0) break;
        c = `T=(${L(s1)}>>>0)+(${L(s2)}>>>0);B=(${H(s1)}+${H(s2)}+(T>4294967295?1:0))|0;xl[${rd}]=T|0;xh[${rd}]=B;`;
        break;
      case Op.SUB:
        if (rd === 0) break;
        c = `T=(${L(s1)}>>>0)-(${L(s2)}>>>0);B=(${H(s1)}-${H(s2)}-(T<0?1:0))|0;xl[${rd}]=T|0;xh[${rd}]=B;`;
        break;
      case Op.SLTI: c = wr(rd, `(${H(s1)}<${imm >> 31}||(${H(s1)}===${imm >> 31}&&(${L(s1)}>>>0)<${imm >>> 0}))?1:0`, '0'); break;
      case Op.SLTIU: c = wr(rd, `((${H(s1)}>>>0)<${(imm >> 31) >>> 0}||(${H(s1)}===${imm >> 31}&&(${L(s1)}>>>0)<${imm >>> 0}))?1:0`, '0'); break;
      case Op.SLT: c = wr(rd, `(${H(s1)}<${H(s2)}||(${H(s1)}===${H(s2)}&&(${L(s1)}>>>0)<(${L(s2)}>>>0)))?1:0`, '0'); break;
      case Op.SLTU: c = wr(rd, `((${H(s1)}>>>0)<(${H(s2)}>>>0)||(${H(s1)}===${H(s2)}&&(${L(s1)}>>>0)<(${L(s2)}>>>0)))?1:0`, '0'); break;
      case Op.XORI: c = wr(rd, `${L(s1)}^${imm}`, `${H(s1)}^${imm >> 31}`); break;
      case Op.ORI: c = wr(rd, `${L(s1)}|${imm}`, `${H(s1)}|${imm >> 31}`); break;
      case Op.ANDI: c = wr(rd, `${L(s1)}&${imm}`, `${H(s1)}&${imm >> 31}`); break;
      case Op.XOR: c = wr(rd, `${L(s1)}^${L(s2)}`, `${H(s1)}^${H(s2)}`); break;
      case Op.OR: c = wr(rd, `${L(s1)}|${L(s2)}`, `${H(s1)}|${H(s2)}`); break;
      case Op.AND: c = wr(rd, `${L(s1)}&${L(s2)}`, `${H(s1)}&${H(s2)}`); break;
      case Op.SLLI: {
        const sh = imm;
        if (sh === 0) c = wr(rd, L(s1), H(s1));
        else if (sh < 32) c = wr(rd, `${L(s1)}<<${sh}`, `(${H(s1)}<<${sh})|(${L(s1)}>>>${32 - sh})`);
        else c = wr(rd, '0', `${L(s1)}<<${sh - 32}`);
        break;
      }
      case Op.SRLI: {
        const sh = imm;
        if (sh === 0) c = wr(rd, L(s1), H(s1));
        else if (sh < 32) c = wr(rd, `(${L(s1)}>>>${sh})|(${H(s1)}<<${32 - sh})`, `(${H(s1)}>>>${sh})|0`);
        else c = wr(rd, `(${H(s1)}>>>${sh - 32})|0`, '0');
        break;
      }
      case Op.SRAI: {
        const sh = imm;
        if (sh === 0) c = wr(rd, L(s1), H(s1));
        else if (sh < 32) c = wr(rd, `(${L(s1)}>>>${sh})|(${H(s1)}<<${32 - sh})`, `${H(s1)}>>${sh}`);
        else c = wr(rd, `${H(s1)}>>${sh - 32}`, `${H(s1)}>>31`);
        break;
      }
      case Op.SLL: c = rd === 0 ? '' : `rt.sll64(${L(s1)},${H(s1)},${L(s2)});xl[${rd}]=R[0];xh[${rd}]=R[1];`; break;
      case Op.SRL: c = rd === 0 ? '' : `rt.srl64(${L(s1)},${H(s1)},${L(s2)});xl[${rd}]=R[0];xh[${rd}]=R[1];`; break;
      case Op.SRA: c = rd === 0 ? '' : `rt.sra64(${L(s1)},${H(s1)},${L(s2)});xl[${rd}]=R[0];xh[${rd}]=R[1];`; break;
      case Op.MUL: case Op.MULH: case Op.MULHSU: case Op.MULHU: case Op.DIV: case Op.DIVU: case Op.REM: case Op.REMU: {
        const f = { [Op.MUL]: 'mul64', [Op.MULH]: 'mulh64', [Op.MULHSU]: 'mulhsu64', [Op.MULHU]: 'mulhu64', [Op.DIV]: 'div64', [Op.DIVU]: 'divu64', [Op.REM]: 'rem64', [Op.REMU]: 'remu64' }[d.op];
        c = rd === 0 ? '' : `rt.${f}(${L(s1)},${H(s1)},${L(s2)},${H(s2)});xl[${rd}]=R[0];xh[${rd}]=R[1];`;
        break;
      }
      case Op.ADDIW: c = wr32(rd, `(${L(s1)}+${imm})|0`); break;
      case Op.SLLIW: c = wr32(rd, `${L(s1)}<<${imm}`); break;
      case Op.SRLIW: c = wr32(rd, `(${L(s1)}>>>${imm})|0`); break;
      case Op.SRAIW: c = wr32(rd, `${L(s1)}>>${imm}`); break;
      case Op.ADDW: c = wr32(rd, `(${L(s1)}+${L(s2)})|0`); break;
      case Op.SUBW: c = wr32(rd, `(${L(s1)}-${L(s2)})|0`); break;
      case Op.SLLW: c = wr32(rd, `${L(s1)}<<(${L(s2)}&31)`); break;
      case Op.SRLW: c = wr32(rd, `(${L(s1)}>>>(${L(s2)}&31))|0`); break;
      case Op.SRAW: c = wr32(rd, `${L(s1)}>>(${L(s2)}&31)`); break;
      case Op.MULW: c = wr32(rd, `Math.imul(${L(s1)},${L(s2)})`); break;
      case Op.DIVW: c = rd === 0 ? '' : `T=${L(s1)};O=${L(s2)};` + wr32(rd, `O===0?-1:(T===-2147483648&&O===-1)?T:(T/O)|0`); break;
      case Op.DIVUW: c = rd === 0 ? '' : `T=${L(s1)};O=${L(s2)};` + wr32(rd, `O===0?-1:((T>>>0)/(O>>>0))|0`); break;
      case Op.REMW: c = rd === 0 ? '' : `T=${L(s1)};O=${L(s2)};` + wr32(rd, `O===0?T:O===-1?0:(T%O)|0`); break;
      case Op.REMUW: c = rd === 0 ? '' : `T=${L(s1)};O=${L(s2)};` + wr32(rd, `O===0?T:((T>>>0)%(O>>>0))|0`); break;
      case Op.LB: case Op.LH: case Op.LW: case Op.LD: case Op.LBU: case Op.LHU: case Op.LWU: {
        const w = d.width;
        const signed = d.op === Op.LB || d.op === Op.LH || d.op === Op.LW;
        const align = w === 1 ? '' : `&&(O&${w - 1})===0`;
        let fast: string;
        switch (d.op) {
          case Op.LB: fast = 'A=m8s[O];B=A>>31;'; break;
          case Op.LBU: fast = 'A=m8u[O];B=0;'; break;
          case Op.LH: fast = 'A=m16s[O>>>1];B=A>>31;'; break;
          case Op.LHU: fast = 'A=m16u[O>>>1];B=0;'; break;
          case Op.LW: fast = 'A=m32[O>>>2];B=A>>31;'; break;
          case Op.LWU: fast = 'A=m32[O>>>2];B=0;'; break;
          default: fast = 'T=O>>>2;A=m32[T];B=m32[T+1];'; break;
        }
        c = xlate(s1, imm, w, 'q') +
          `if(O>=0&&O<=${ram.size - w}${align}){${fast}}else{if(!h.loadSlow(${ipc},${s1},${imm},${w},${signed}))${exitTrap}A=h.rlo;B=h.rhi;}` +
          (rd === 0 ? '' : `xl[${rd}]=A;xh[${rd}]=B;`);
        break;
      }
      case Op.SB: case Op.SH: case Op.SW: case Op.SD: {
        const w = d.width;
        const align = w === 1 ? '' : `&&(O&${w - 1})===0`;
        let fast: string;
        switch (d.op) {
          case Op.SB: fast = `m8u[O]=${L(s2)};`; break;
          case Op.SH: fast = `m16u[O>>>1]=${L(s2)};`; break;
          case Op.SW: fast = `m32[O>>>2]=${L(s2)};`; break;
          default: fast = `T=O>>>2;m32[T]=${L(s2)};m32[T+1]=${H(s2)};`; break;
        }
        c = xlate(s1, imm, w, 'w') +
          `if(O>=0&&O<=${ram.size - w}${align}&&pf[O>>>${PAGE_SHIFT}]===0){${fast}}else{if(!h.storeSlow(${ipc},${s1},${imm},${s2},${w}))${exitTrap}${afterSlow}}`;
        break;
      }
      case Op.FENCE: break;
      case Op.LR: case Op.SC: case Op.AMO: c = viaInterp; break;
      case Op.JAL: {
        const t = ipc + imm;
        if ((t & 3) !== 0) { c = `h.execute(ops[${i}],${ipc});return n+${i};`; break; }
        const [ll, lh] = splitPair(ipc + 4);
        c = wr(rd, `${ll}`, `${lh}`);
        if (t === pc) c += `n+=${len};if(n+${len}<=budget)continue;h.pc=${t};return n;`;
        else c += `h.pc=${t};return n+${len};`;
        break;
      }
      case Op.JALR: {
        const [ll, lh] = splitPair(ipc + 4);
        c = `T=(${L(s1)}>>>0)+${imm >>> 0};A=T&-2;B=(${H(s1)}+${imm >> 31}+(T>4294967295?1:0))|0;` +
          `if((A&2)===0&&B>=-2097152&&B<2097152){${rd === 0 ? '' : `xl[${rd}]=${ll};xh[${rd}]=${lh};`}h.pc=B*4294967296+(A>>>0);return n+${len};}` +
          `if(h.execute(ops[${i}],${ipc}))return n+${len};return n+${i};`;
        break;
      }
      case Op.BEQ: case Op.BNE: case Op.BLT: case Op.BGE: case Op.BLTU: case Op.BGEU: {
        const a = L(s1), ah = H(s1), b = L(s2), bh = H(s2);
        const lt = `(${ah}<${bh}||(${ah}===${bh}&&(${a}>>>0)<(${b}>>>0)))`;
        const ltu = `((${ah}>>>0)<(${bh}>>>0)||(${ah}===${bh}&&(${a}>>>0)<(${b}>>>0)))`;
        const cond = {
          [Op.BEQ]: `${a}===${b}&&${ah}===${bh}`, [Op.BNE]: `${a}!==${b}||${ah}!==${bh}`,
          [Op.BLT]: lt, [Op.BGE]: `!${lt}`, [Op.BLTU]: ltu, [Op.BGEU]: `!${ltu}`,
        }[d.op];
        const t = ipc + imm;
        if ((t & 3) !== 0) c = `if(${cond}){h.execute(ops[${i}],${ipc});return n+${i};}`;
        else if (t === pc) c = `if(${cond}){n+=${len};if(n+${len}<=budget)continue;h.pc=${t};return n;}`;
        else c = `if(${cond}){h.pc=${t};return n+${len};}`;
        c += `h.pc=${ipc + 4};return n+${len};`;
        break;
      }
      default:
        c = viaInterp; // anything else: run the interpreter's semantics in place
        break;
    }
    body += `// ${ipc.toString(16)}: op ${Op[d.op]}\n${c}\n`;
  }
  const last = ops[len - 1];
  if (!isBranch(last.op)) body += `h.pc=${pc + 4 * len};return n+${len};\n`;
  const source = `return function block_${pc.toString(16).replace('-', 'm')}(budget){\nlet n=0,A=0,B=0,T=0,O=0,V=0,G=0,K=0;\nfor(;;){\n${body}}\n};`;
  const factory = new Function('h', 'xl', 'xh', 'm8u', 'm8s', 'm16u', 'm16s', 'm32', 'pf', 'ops', 'rt', 'R',
    'qt', 'qa', 'qs', 'wt', 'wa', 'ws', 'st', 'ck', source) as Factory;
  const m = h.mmu;
  const fn = factory(h, h.xl, h.xh, ram.u8, ram.i8, ram.u16, ram.i16, ram.i32, ram.pageFlags, ops, alu, alu.R,
    m.rt, m.ra, m.rs, m.wt, m.wa, m.ws, m.tlb.stamp, m.tlb.clock);
  return { pc, pa, page, len, fn, source };
}
