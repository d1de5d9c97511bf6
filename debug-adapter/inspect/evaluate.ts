/** `evaluate`: an expression (expression.ts) against a thread's registers, CSRs, symbols and memory. */
import { U64, evaluateNode, formatValue, parse, pointerTo, type EvalEnv, type NameValue, type Node } from './expression';
import { readValue } from './memory';
import { registerValue } from './registers';
import { findSymbolIn, imagesOf } from './symbols';
import { LinkResolver } from './disasm';
import { InspectError, hex, type InspectTarget, type ThreadContext } from './target';
import { resolveThread } from './thread';
import { registerNumber } from '../../simulator/riscv/isa/registers';

export interface Evaluation {
  /** Sign-interpreted for signed types, else the unsigned value. */
  value: bigint;
  text: string;
  type: string;
  /** `0x…` when the value is an address worth opening in a memory view. */
  memoryReference?: string;
}

export interface EvaluateOptions { format?: 'hex' | 'decimal' }

const ADDRESS_REGISTERS = new Set(['pc', 'ra', 'sp', 'gp', 'tp', 'fp', 's0']);

/** Parsed expressions by text: breakpoint conditions are evaluated on every hit. */
const parsed = new Map<string, Node>();
const PARSE_CACHE = 256;

function parseCached(expression: string): Node {
  let node = parsed.get(expression);
  if (node === undefined) {
    node = parse(expression);
    if (parsed.size >= PARSE_CACHE) parsed.delete(parsed.keys().next().value as string);
    parsed.set(expression, node);
  }
  return node;
}

export function evaluate(t: InspectTarget, ctx: ThreadContext, expression: string, options: EvaluateOptions = {}): Evaluation {
  if (expression.length > 4096) throw new InspectError('expression too long (4096 characters at most)', 4097);
  const node = parseCached(expression);
  const s = resolveThread(t, ctx);
  const images = imagesOf(t, s);
  const env: EvalEnv = {
    lookup(name: string): NameValue | undefined {
      const r = registerValue(s, name);
      if (r !== undefined) return { value: r, type: U64, kind: name.replace(/^\$/, '') === 'pc' || registerNumber(name.replace(/^\$/, '')) !== undefined ? 'register' : 'csr' };
      if (name.startsWith('$')) return undefined;
      const sym = findSymbolIn(images, name);
      return sym === undefined ? undefined : { value: BigInt.asUintN(64, sym.value), type: U64, kind: 'symbol' };
    },
    read: (address, size, column) => readValue(t, ctx, address, size, 'virtual', column),
  };
  const v = evaluateNode(node, env);
  let text = formatValue(v, options.format);
  const isAddress = v.type.pointee !== undefined || v.origin === 'symbol'
    || (node.kind === 'name' && ADDRESS_REGISTERS.has(node.name.replace(/^\$/, '')));
  if (isAddress) {
    // Symbols name link addresses: a virtual address (a high-half kernel) is mapped back first.
    const sym = new LinkResolver(t, s).symbol(BigInt.asUintN(64, v.value));
    if (sym !== undefined) text += ` <${sym}>`;
  }
  const type = v.origin === 'symbol' && v.type === U64 ? pointerTo({ name: 'void', size: 1, signed: false }).name : v.type.name;
  return { value: v.value, text, type, ...(isAddress ? { memoryReference: hex(v.value) } : {}) };
}
