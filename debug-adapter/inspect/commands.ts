/**
 * Debug-console commands (gdb-like): `tlb [hart]`, `pt[/r|/w|/x] <address>`, `x/<n><fmt><size>
 * <address>`, `info vm`, `info registers`, `trace [n]`, `help`. A line that is none of them gives
 * undefined, and the session evaluates it as an expression instead. Errors are InspectErrors
 * whose column points into the line.
 */
import { asType } from './expression';
import { LinkResolver, disassemble } from './disasm';
import { evaluate } from './evaluate';
import { readMemory } from './memory';
import { exitsByReason, registerGroups } from './registers';
import { InspectError, hex, type InspectTarget, type ThreadContext } from './target';
import { resolveThread } from './thread';
import { tlbSlotFor, walkFor } from './translate';
import { machineSummary, tlbEntries, traceRecord } from './views';
import { flagText, type WalkAccess } from './walk';

export const HELP = [
  'Debug console: an expression (registers, CSRs, symbols, C operators, casts, *(u64 *)(sp + 16)), or a command:',
  '  tlb [hart]                 valid TLB entries of a hart (default: this thread\'s)',
  '  pt[/r|/w|/x] <address>     the translation walk of an address, every PTE of both stages',
  '  x/<n><fmt><size> <address> examine memory (fmt x d u c s i, size b h w g), e.g. x/8gx sp',
  '  info vm                    VMs, their vCPUs and VM exits',
  '  info registers             general registers of this thread',
  '  trace [n]                  the last n trace events (default 20)',
  '  help                       this text',
].join('\n');

const COMMANDS = new Set(['tlb', 'pt', 'x', 'info', 'trace', 'help']);
const MAX_UNITS = 4096;

export function consoleCommand(t: InspectTarget, ctx: ThreadContext, line: string): string | undefined {
  const m = /^(\s*)([a-z]+)(\/\S*)?(\s+(.*?))?\s*$/.exec(line);
  if (m === null || !COMMANDS.has(m[2])) return undefined;
  const [, lead, word, slash, , rest] = m;
  const argCol = rest === undefined ? line.length + 1 : line.indexOf(rest, lead.length + word.length + (slash?.length ?? 0)) + 1;
  // `x` alone (or `x + 1`) is an expression about something named x, not the examine command.
  if (word === 'x' && slash === undefined && (rest === undefined || /^[-+*/%&|^<>=!)\]]/.test(rest))) return undefined;
  if (word !== 'x' && word !== 'pt' && slash !== undefined) throw new InspectError(`'${word}' takes no /format`, lead.length + word.length + 1);
  switch (word) {
    case 'help': return HELP;
    case 'tlb': return tlbCommand(t, ctx, rest, argCol);
    case 'pt': return ptCommand(t, ctx, slash, rest, argCol, lead.length + 3);
    case 'x': return examine(t, ctx, slash ?? '/', rest, argCol, lead.length + 2);
    case 'info': return info(t, ctx, rest, argCol);
    default: return traceCommand(t, rest, argCol);
  }
}

/** Evaluates an address argument, moving error columns to where it sits in the line. */
function addressArg(t: InspectTarget, ctx: ThreadContext, text: string | undefined, col: number, what: string): bigint {
  if (text === undefined) throw new InspectError(`${what}: an address is needed`, col);
  try {
    return BigInt.asUintN(64, evaluate(t, ctx, text).value);
  } catch (e) {
    if (e instanceof InspectError) throw new InspectError(e.message, e.column === undefined ? col : col + e.column - 1);
    throw e;
  }
}

function count(text: string | undefined, col: number, dflt: number, what: string): number {
  if (text === undefined) return dflt;
  if (!/^\d+$/.test(text)) throw new InspectError(`${what}: '${text}' is not a number`, col);
  return Number(text);
}

function tlbCommand(t: InspectTarget, ctx: ThreadContext, rest: string | undefined, col: number): string {
  const hart = rest === undefined ? resolveThread(t, ctx).hart.id : count(rest, col, 0, 'tlb');
  if (hart >= t.machine.harts.length) throw new InspectError(`no hart ${hart} (the machine has ${t.machine.harts.length})`, col);
  const v = tlbEntries(t, { hart });
  const c = v.counters;
  const head = `hart ${hart} TLB: ${v.totalValid} of ${v.geometry.entries} entries valid (${v.geometry.ways}-way, ${v.geometry.replacement}); hits ${c.hits}, misses ${c.misses}, fills ${c.fills}, evictions ${c.evictions}, flushes ${c.flushes}`;
  if (v.entries.length === 0) return head;
  const rows = v.entries.map((e) => {
    const tag = e.virt ? `V vmid ${e.vmid} asid ${e.asid}` : `  asid ${e.asid}`;
    const gpn = e.gpn === null ? '' : ` gpn ${e.gpn}`;
    return `  ${String(e.slot).padStart(4)} set ${String(e.set).padStart(3)} way ${e.way}  ${tag}${e.global ? ' G' : ''}  vpn ${e.vpn} -> ppn ${e.ppn}${gpn}  ${sizeText(e.pageSize)} ${e.perms}`;
  });
  return [head, ...rows].join('\n');
}

const sizeText = (n: number): string => (n >= 1 << 30 ? `${n / (1 << 30)}G` : n >= 1 << 20 ? `${n / (1 << 20)}M` : `${n / 1024}K`);

function ptCommand(t: InspectTarget, ctx: ThreadContext, slash: string | undefined, rest: string | undefined, col: number, slashCol: number): string {
  const kinds: Record<string, WalkAccess> = { '/r': 'read', '/w': 'write', '/x': 'execute' };
  const access = slash === undefined ? 'read' : kinds[slash];
  if (access === undefined) throw new InspectError(`pt: unknown access '${slash ?? ''}' (/r, /w or /x)`, slashCol);
  const address = addressArg(t, ctx, rest, col, 'pt');
  const { s, w } = walkFor(t, ctx, address, access);
  const lines = [`${access} of ${hex(address)} by ${s.modeName} (${s.regs.virt ? 'two-stage' : w.stage === 'single' && w.steps.length === 0 ? 'no translation' : 'single stage'}):`];
  for (const st of w.steps) {
    const isLeaf = (st.pte & 0xan) !== 0n;
    lines.push(`  ${st.stage.padEnd(6)} L${st.level}  PTE @ ${hex(st.pteAddress)} = ${hex(st.pte)}  ${st.pte & 1n ? flagText(st.pte) + (isLeaf ? ' leaf' : ' -> table') : 'invalid'}${st.note ? `  (${st.note})` : ''}`);
  }
  if (s.regs.virt && w.gpa !== null) lines.push(`  GPA ${hex(w.gpa)}`);
  lines.push(w.pa === null ? `  fault: ${w.fault ?? 'unknown'}` : `  PA ${hex(w.pa)} (${sizeText(w.pageSize)} page)`);
  lines.push(`  ${w.references} memory reference${w.references === 1 ? '' : 's'}`);
  const slot = tlbSlotFor(s, address);
  if (slot >= 0) {
    const ppn = BigInt(s.hart.mmu.tlb.ppn[slot]);
    const now = w.pa === null ? null : w.pa >> 12n;
    const stale = now === null ? ' (STALE: the tables no longer map it)' : now !== ppn ? ` (STALE: the tables now map ppn ${hex(now)})` : '';
    lines.push(`  TLB hit on hart ${s.hart.id}, slot ${slot}: ppn ${hex(ppn)}${stale}`);
  } else lines.push(`  TLB miss on hart ${s.hart.id}`);
  return lines.join('\n');
}

const SIZES: Record<string, number> = { b: 1, h: 2, w: 4, g: 8 };

function examine(t: InspectTarget, ctx: ThreadContext, spec: string, rest: string | undefined, col: number, specCol: number): string {
  const m = /^\/(\d*)([xducsi]?)([bhwg]?)$/.exec(spec) ?? /^\/(\d*)([bhwg]?)([xducsi]?)$/.exec(spec);
  if (m === null) throw new InspectError(`x: bad format '${spec}' (x/<count><fmt><size>: fmt x d u c s i, size b h w g)`, specCol);
  const swapped = /[bhwg]/.test(m[2]);
  const n = m[1] === '' ? 1 : Number(m[1]);
  const fmt = (swapped ? m[3] : m[2]) || 'x';
  const sizeCh = (swapped ? m[2] : m[3]) || (fmt === 'c' || fmt === 's' ? 'b' : 'w');
  if (n < 1 || n > MAX_UNITS) throw new InspectError(`x: count ${n} is outside 1..${MAX_UNITS}`, specCol + 1);
  const address = addressArg(t, ctx, rest, col, 'x');
  if (fmt === 'i') {
    return disassemble(t, ctx, address, 0, n).map((l) => `${hex(l.address)}${l.symbol ? ` <${l.symbol}>` : ''}:\t${l.bytes}\t${l.text}`).join('\n');
  }
  const links = new LinkResolver(t, resolveThread(t, ctx));
  const label = (a: bigint): string => { const sym = links.symbol(a); return `${hex(a)}${sym ? ` <${sym}>` : ''}:`; };
  if (fmt === 's') return strings(t, ctx, address, n, label);
  const size = SIZES[sizeCh];
  const perLine = size === 8 ? 2 : size === 4 ? 4 : 8;
  const r = readMemory(t, ctx, address, n * size, 'virtual');
  const lines: string[] = [];
  let cur: string[] = [];
  let k = 0;
  for (; k < n && (k + 1) * size <= r.data.length; k++) {
    let v = 0n;
    for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(r.data[k * size + i]);
    if (k % perLine === 0) cur = [label(address + BigInt(k * size))];
    cur.push(unit(v, size, fmt));
    if (k % perLine === perLine - 1 || k === n - 1) lines.push(cur.join('\t'));
  }
  if (k < n) {
    if (k % perLine !== 0) lines.push(cur.join('\t'));
    lines.push(`cannot read ${hex(address + BigInt(k * size))}: ${r.reason ?? 'unreadable'}`);
  }
  return lines.join('\n');
}

function unit(v: bigint, size: number, fmt: string): string {
  switch (fmt) {
    case 'd': return asType(v, { name: '', size, signed: true }).toString();
    case 'u': return v.toString();
    case 'c': { const b = Number(v & 0xffn); return `${asType(v, { name: '', size: 1, signed: true })} '${b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`}'`; }
    default: return `0x${v.toString(16).padStart(size * 2, '0')}`;
  }
}

/** `x/ns`: n NUL-terminated strings, each at most 256 bytes. */
function strings(t: InspectTarget, ctx: ThreadContext, address: bigint, n: number, label: (a: bigint) => string): string {
  const lines: string[] = [];
  let a = address;
  for (let k = 0; k < n; k++) {
    const r = readMemory(t, ctx, a, 256, 'virtual');
    let end = r.data.indexOf(0);
    const complete = end >= 0;
    if (!complete) end = r.data.length;
    if (end === 0 && !complete) { lines.push(`${label(a)}\t<cannot read: ${r.reason ?? 'unreadable'}>`); break; }
    const text = Array.from(r.data.subarray(0, end), (b) => (b === 10 ? '\\n' : b === 34 ? '\\"' : b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`)).join('');
    lines.push(`${label(a)}\t"${text}"${complete ? '' : '...'}`);
    a += BigInt(end + 1);
  }
  return lines.join('\n');
}

function info(t: InspectTarget, ctx: ThreadContext, rest: string | undefined, col: number): string {
  const what = rest?.trim();
  if (what === 'registers' || what === 'reg' || what === 'r') {
    const s = resolveThread(t, ctx);
    const links = new LinkResolver(t, s);
    const general = registerGroups(t, ctx)[0].entries;
    const rows = general.map((e) => {
      const sym = e.name === 'pc' || e.name === 'ra' ? links.symbol(e.value) : undefined;
      return `${e.name.padEnd(5)} ${hex(e.value).padEnd(20)} ${sym ? `<${sym}>` : BigInt.asIntN(64, e.value).toString()}`;
    });
    return [`${s.vcpu ? `${s.vm?.name}/${s.vcpu.index} ` : ''}hart ${s.hart.id}${s.live ? '' : ' (descheduled: saved context)'}, mode ${s.modeName}`, ...rows].join('\n');
  }
  if (what === 'vm' || what === 'vms') {
    if (t.hypervisor === undefined) return 'no hypervisor runs: this is a bare-metal machine';
    const sum = machineSummary(t, [], false);
    const lines: string[] = [];
    for (const vm of sum.vms) {
      const real = t.hypervisor.vms.find((v) => v.name === vm.name);
      lines.push(`VM ${vm.name}: VMID ${vm.vmid}, ${vm.state}${real?.stopReason ? ` (${real.stopReason})` : ''}, ${vm.paging} paging, ${real ? `${real.memory / 1024 / 1024} MiB, G-stage root ${hex(real.gstage.root)}, ${real.gstage.mappedPages} pages mapped` : ''}`);
      const byReason = (exits: Record<string, number>): string => (Object.keys(exits).length ? ` (${Object.entries(exits).map(([k, n]) => `${k} ${n}`).join(', ')})` : '');
      const total = t.machine.metrics.get(`${vm.name}.vm_exits.total`) ?? 0;
      lines.push(`  VM exits: ${total}${real ? byReason(exitsByReason(t.machine, real)) : ''}`);
      for (const v of vm.vcpus) {
        const own = Object.values(v.exits).reduce((a, n) => a + n, 0);
        lines.push(`  vCPU ${v.vcpu}: ${v.state}, ${v.hart === null ? 'no hart' : `hart ${v.hart}`}, ${v.mode}, pc ${v.pc}, ${own} exits${byReason(v.exits)}`);
      }
    }
    return lines.join('\n');
  }
  throw new InspectError(`info: '${what ?? ''}' is not known (info vm, info registers)`, col);
}

function traceCommand(t: InspectTarget, rest: string | undefined, col: number): string {
  const n = count(rest, col, 20, 'trace');
  if (n < 1 || n > 10_000) throw new InspectError(`trace: ${n} is outside 1..10000`, col);
  const all = t.trace.events();
  if (all.length === 0) return t.trace.capacity === 0 ? 'the trace is off (the machine has no recording trace buffer)' : 'no trace events recorded yet';
  return all.slice(-n).map((e) => {
    const r = traceRecord(e);
    const fields = Object.entries(r).filter(([k]) => !['kind', 'time', 'hart'].includes(k)).map(([k, v]) => `${k}=${Array.isArray(v) ? `[${v.join('; ')}]` : String(v)}`);
    return `${String(r.time).padStart(12)}  hart ${r.hart}  ${r.kind.padEnd(17)} ${fields.join(' ')}`;
  }).join('\n');
}
