/**
 * Launching a hyper-callback on its own: `program: "x.hcb"` with a sample `context` (the event's
 * fields by name → number or "0x…" string; absent fields are 0) and optional `guest` memory
 * (`{ "0xGVA": "hex bytes" }`; every other guest address faults). The file is assembled and
 * verified first — the simulator never runs a callback its verifier rejects — and a problem
 * comes back as a LaunchError listing the located diagnostics.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { formatDiagnostic } from '../../simulator/diagnostics';
import { assemble } from '../../simulator/ebpf/asm/assembler';
import { EVENTS, type EventName } from '../../simulator/ebpf/events';
import { verifyHcb } from '../../simulator/ebpf/verifier';
import type { GuestMemory } from '../../simulator/ebpf/vm/guest';
import { CALLBACK_BUDGET, eventContext } from '../../simulator/hypervisor/callbacks';
import type { CallbackInputs } from './callback-run';
import { LaunchError } from './program';

/** The launch attributes a `.hcb` launch reads besides `program`. */
export interface HcbLaunchArguments {
  context?: unknown;
  guest?: unknown;
}

const NUMBER = /^(0x[0-9a-f]+|\d+)$/i;

function parseValue(v: unknown, what: string): bigint {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
  if (typeof v === 'string' && NUMBER.test(v.trim())) return BigInt(v.trim());
  throw new LaunchError(`launch: ${what} must be an integer or a "0x…" string, not ${JSON.stringify(v)}`);
}

function parseContext(event: EventName, raw: unknown): Uint8Array {
  const spec = EVENTS[event];
  if (raw === undefined) return eventContext(event, {});
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new LaunchError(`launch: 'context' must be an object of ${event} fields (${spec.fields.map((f) => f.name).join(', ')})`);
  const values: Record<string, bigint> = {};
  for (const [name, v] of Object.entries(raw)) {
    const f = spec.fields.find((x) => x.name === name);
    if (f === undefined) throw new LaunchError(`launch: context field '${name}' is not a field of ${event} (${spec.fields.map((x) => x.name).join(', ')})`);
    const value = parseValue(v, `context field '${name}'`);
    if (value < 0n || value >= 1n << BigInt(8 * f.size)) throw new LaunchError(`launch: context field '${name}' (${f.size} bytes) cannot hold ${v as string}`);
    values[name] = value;
  }
  return eventContext(event, values);
}

/** Guest memory made of the given byte runs: a read is served only when every byte lies in one of them. */
class SampleGuest implements GuestMemory {
  constructor(private readonly runs: readonly { gva: bigint; bytes: Uint8Array }[]) {}

  read(gva: bigint, length: number): Uint8Array | 'fault' {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) {
      const a = gva + BigInt(i);
      const run = this.runs.find((r) => a >= r.gva && a < r.gva + BigInt(r.bytes.length));
      if (run === undefined) return 'fault';
      out[i] = run.bytes[Number(a - run.gva)];
    }
    return out;
  }

  /** No page tables in a sample: guest-virtual is guest-physical where bytes exist. */
  translate(gva: bigint): bigint | 'fault' {
    return this.read(gva, 1) === 'fault' ? 'fault' : gva;
  }
}

function parseGuest(raw: unknown): GuestMemory | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new LaunchError(`launch: 'guest' must be an object { "0xGVA": "hex bytes" }`);
  const runs: { gva: bigint; bytes: Uint8Array }[] = [];
  for (const [at, text] of Object.entries(raw)) {
    if (!/^0x[0-9a-f]+$/i.test(at)) throw new LaunchError(`launch: guest address '${at}' is not a "0x…" address`);
    const hexText = typeof text === 'string' ? text.replace(/\s+/g, '') : '';
    if (!/^([0-9a-f]{2})+$/i.test(hexText)) throw new LaunchError(`launch: guest bytes at ${at} must be a string of hex byte pairs, not ${JSON.stringify(text)}`);
    runs.push({ gva: BigInt(at), bytes: Uint8Array.from(hexText.match(/../g) ?? [], (b) => parseInt(b, 16)) });
  }
  return new SampleGuest(runs);
}

/** Assembles and verifies `file`, and builds the run's inputs from the launch attributes. Throws LaunchError. */
export function loadCallback(file: string, args: HcbLaunchArguments): CallbackInputs {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new LaunchError(`program '${file}' does not exist`);
  }
  const asm = assemble(text, { file });
  const asmErrors = asm.diagnostics.filter((d) => d.severity === 'error');
  if (asmErrors.length > 0) throw new LaunchError(`'${path.basename(file)}' does not assemble:\n${asmErrors.map(formatDiagnostic).join('\n')}`, asm.diagnostics);
  const verified = verifyHcb(asm);
  if (!verified.ok) {
    const errors = verified.diagnostics.filter((d) => d.severity === 'error');
    throw new LaunchError(`the verifier rejects '${path.basename(file)}' (the simulator never runs an unverified callback):\n${errors.map(formatDiagnostic).join('\n')}`, verified.diagnostics);
  }
  const event = asm.program.event as EventName; // verifyHcb rejects a program without `.event`
  const guest = parseGuest(args.guest);
  return {
    file,
    asm,
    verified,
    program: asm.program,
    event,
    context: parseContext(event, args.context),
    ...(guest === undefined ? {} : { guest }),
    budget: CALLBACK_BUDGET,
  };
}
