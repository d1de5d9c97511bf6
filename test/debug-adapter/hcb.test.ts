/**
 * Debugging hyper-callbacks over DAP: a `.hcb` launched on its own with a sample context and guest
 * bytes (breakpoints, stepping through bpf-to-bpf frames, variables checked against the
 * interpreter, the verifier's scope, reverse execution, trace_printk, the exit value, a rejected
 * file), and a scenario whose callback stops at a breakpoint on top of its vCPU's frames.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { assemble } from '../../simulator/ebpf/asm/assembler';
import { Memory } from '../../simulator/ebpf/vm/memory';
import { Vm } from '../../simulator/ebpf/vm/vm';
import { Callback, eventContext } from '../../simulator/hypervisor/callbacks';
import { ScenarioCallbacks } from '../../debug-adapter/runtime/scenario-callbacks';
import { EXAMPLES, FIXTURES, adapterBundle, archHash, evalText, failure, launch, lineOf, startClient, stopAfter, topFrame, waitOutput } from './support';

const RECLAIM = path.join(EXAMPLES, 'page-reclaim/reclaim.hcb');
const WINDOW = path.join(EXAMPLES, 'page-reclaim/reclaim-window.hcb');
const CALLS = path.join(FIXTURES, 'hcb/calls.hcb');
const REJECTED = path.join(FIXTURES, 'hcb/rejected.hcb');
const LONG = path.join(FIXTURES, 'hcb/long-loop.hcb');
const COUNTER = path.join(FIXTURES, 'hcb/counter.hcb');
const SCENARIO = path.join(EXAMPLES, 'page-reclaim/page-reclaim.hlab.json');

const RANGE_START = 0xffffffc08000f000n;
const PAGE = 5n;
/** The candidate page (5) is free: bit 5 of the first bitmap word. */
const CONTEXT = { gpa: `0x${(0x80000000n + PAGE * 4096n).toString(16)}`, range_start: `0x${RANGE_START.toString(16)}`, range_end: '0xffffffc08000f040' };
const GUEST = { [`0x${RANGE_START.toString(16)}`]: '2000000000000000' + '00'.repeat(56) };

interface HcbLaunch { program: string; context?: unknown; guest?: unknown; stopOnEntry?: boolean; configure?: (dc: DebugClient) => Promise<unknown> }

async function launchHcb(dc: DebugClient, o: HcbLaunch): Promise<DebugProtocol.StoppedEvent> {
  await dc.initializeRequest({ adapterID: 'hyperlab', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
  const initialized = dc.waitForEvent('initialized');
  await dc.launchRequest({ program: o.program, context: o.context, guest: o.guest, stopOnEntry: o.stopOnEntry } as DebugProtocol.LaunchRequestArguments);
  await initialized;
  if (o.configure) await o.configure(dc);
  const stopped = dc.waitForEvent('stopped');
  await dc.configurationDoneRequest();
  return (await stopped) as DebugProtocol.StoppedEvent;
}

async function variables(dc: DebugClient, scope: RegExp, hex = true): Promise<Map<string, string>> {
  const frame = await topFrame(dc);
  const scopes = await dc.scopesRequest({ frameId: frame.id });
  const s = scopes.body.scopes.find((x) => scope.test(x.name));
  assert.ok(s, `no scope ${scope} in ${scopes.body.scopes.map((x) => x.name).join(', ')}`);
  const v = await dc.variablesRequest({ variablesReference: s.variablesReference, ...(hex ? {} : { format: { hex: false } }) });
  return new Map(v.body.variables.map((x) => [x.name, x.value]));
}

/** The reclaim callback on the interpreter with the same context and guest bytes: r0 and executed instructions. */
function interpreterRun(file: string): { r0: bigint; executed: number } {
  const asm = assemble(fs.readFileSync(file, 'utf8'), { file });
  const bitmap = new Uint8Array(64);
  bitmap[0] = 0x20;
  const vm = new Vm(asm.program, { guest: { read: (gva, n) => (gva >= RANGE_START && gva + BigInt(n) <= RANGE_START + 64n ? bitmap.slice(Number(gva - RANGE_START), Number(gva - RANGE_START) + n) : 'fault') } });
  const ctx = vm.mem.addRegion('context', eventContext('page-reclaim', { gpa: 0x80000000n + PAGE * 4096n, range_start: RANGE_START, range_end: RANGE_START + 64n }), true);
  return vm.run('interp', Memory.address(ctx));
}

describe('debug adapter: hyper-callbacks', function () {
  this.timeout(60_000);
  let dc: DebugClient;

  before(async () => { await adapterBundle(); });
  beforeEach(async () => { dc = await startClient(); });
  afterEach(async () => { await dc.stop(); });

  it('reclaim.hcb: stops on entry in one callback thread, breakpoint on a line, registers as the interpreter computes them, exit value', async () => {
    const entry = await launchHcb(dc, { program: RECLAIM, context: CONTEXT, guest: GUEST, stopOnEntry: true });
    assert.equal(entry.body.reason, 'entry');
    const threads = await dc.threadsRequest();
    assert.deepEqual(threads.body.threads.map((t) => t.name), ['callback reclaim.hcb (page-reclaim)']);
    assert.equal((await topFrame(dc)).line, lineOf(RECLAIM, 'r6 = *(u64 *)(r1 + 8)'));
    const callLine = lineOf(RECLAIM, 'call guest_read');
    const set = await dc.setBreakpointsRequest({ source: { path: RECLAIM }, breakpoints: [{ line: callLine }] });
    assert.equal(set.body.breakpoints[0].verified, true);
    const hit = await stopAfter(dc, () => dc.continueRequest({ threadId: 1 }));
    assert.equal(hit.body.reason, 'breakpoint');
    assert.equal((await topFrame(dc)).line, callLine);
    const regs = await variables(dc, /^Registers$/);
    assert.equal(regs.get('r6'), '0x5');
    assert.equal(regs.get('r3'), `0x${RANGE_START.toString(16)}`);
    assert.equal(regs.get('r2'), '0x8');
    // r1 points 8 bytes below the frame pointer
    assert.equal(BigInt(regs.get('r10') ?? '0') - BigInt(regs.get('r1') ?? '0'), 8n);
    assert.equal((await variables(dc, /^Registers$/, false)).get('r6'), '5');
    // next over the helper call: guest_read copied the bitmap word
    await stopAfter(dc, () => dc.nextRequest({ threadId: 1 }));
    assert.equal((await topFrame(dc)).line, lineOf(RECLAIM, 'if r0 != 0 goto no'));
    assert.equal(await evalText(dc, 'r0'), '0x0');
    assert.equal(await evalText(dc, '*(u64 *)(r10 - 8)'), '0x20');
    assert.equal(await evalText(dc, 'gpa'), `0x${(0x80000000n + PAGE * 4096n).toString(16)}`);
    const stack = await variables(dc, /^Stack/);
    assert.equal(stack.get('fp-8'), '0x20');
    const ctx = await variables(dc, /^Context$/);
    assert.equal(ctx.get('range_start'), `0x${RANGE_START.toString(16)}`);
    assert.equal(ctx.get('vm_id'), '0x0');
    // to the end: r0 as the interpreter computes it, in the console and the stop
    const expected = interpreterRun(RECLAIM);
    assert.equal(expected.r0, 1n);
    const out = waitOutput(dc, /callback returned r0 = 0x1 /);
    const end = await stopAfter(dc, () => dc.continueRequest({ threadId: 1 }));
    assert.equal(end.body.reason, 'end');
    assert.match(await out, new RegExp(`after ${expected.executed} instructions`));
    assert.equal(await evalText(dc, 'r0'), '0x1');
    // going on from the end ends the session
    const terminated = dc.waitForEvent('terminated');
    await dc.continueRequest({ threadId: 1 });
    await terminated;
  });

  it('reclaim-window.hcb: conditions, hit counts and logpoints; the verifier scope; reverse step and reverse continue', async () => {
    const loadLine = lineOf(WINDOW, 'r0 = *(u64 *)(r0 + 0)');
    const shiftLine = lineOf(WINDOW, 'r0 >>= r6');
    const log = waitOutput(dc, /^page 0x5\n/);
    const stop = await launchHcb(dc, {
      program: WINDOW, context: CONTEXT, guest: GUEST,
      configure: (c) => c.setBreakpointsRequest({
        source: { path: WINDOW },
        breakpoints: [{ line: lineOf(WINDOW, 'r3 = r6'), logMessage: 'page {r6}' }, { line: loadLine, condition: 'r6 == 4' }, { line: shiftLine, condition: 'r6 == 5', hitCondition: '1' }],
      }),
    });
    await log;
    // the condition on the load line is false (r6 = 5): the first stop is the shift
    assert.equal(stop.body.reason, 'breakpoint');
    assert.equal((await topFrame(dc)).line, shiftLine);
    assert.equal(await evalText(dc, 'r0'), '0x20');
    const verifier = await variables(dc, /^Verifier$/);
    assert.match(verifier.get('r6') ?? '', /\d/, 'r6 is a bounded number for the verifier');
    assert.match(verifier.get('r10') ?? '', /^fp/);
    assert.match(verifier.get('before') ?? '', /r6=s\[0, 63\].*r10=fp/);
    // stepping back by instruction: the guest-window load has not happened yet
    await stopAfter(dc, () => dc.stepBackRequest({ threadId: 1, granularity: 'instruction' }));
    await stopAfter(dc, () => dc.stepBackRequest({ threadId: 1, granularity: 'instruction' }));
    assert.equal((await topFrame(dc)).line, loadLine);
    assert.notEqual(await evalText(dc, 'r0'), '0x20');
    const window = BigInt(await evalText(dc, 'r0'));
    assert.equal(window >> 32n > 0n, true, 'r0 points into the guest window region');
    // forward again: same values
    await stopAfter(dc, () => dc.nextRequest({ threadId: 1 }));
    assert.equal(await evalText(dc, 'r0'), '0x20');
    // reverse continue with a breakpoint that holds earlier: back to it
    await dc.setBreakpointsRequest({ source: { path: WINDOW }, breakpoints: [{ line: lineOf(WINDOW, 'r3 <<= 3') }] });
    const back = await stopAfter(dc, () => dc.reverseContinueRequest({ threadId: 1 }));
    assert.equal(back.body.reason, 'breakpoint');
    assert.equal((await topFrame(dc)).line, lineOf(WINDOW, 'r3 <<= 3'));
    assert.equal(await evalText(dc, 'r3'), '0x0');
    // and with nothing before: to the start
    const start = await stopAfter(dc, () => dc.reverseContinueRequest({ threadId: 1 }));
    assert.equal(start.body.reason, 'entry');
    assert.equal((await topFrame(dc)).line, lineOf(WINDOW, 'r6 = *(u64 *)(r1 + 8)'));
  });

  it('bpf-to-bpf calls are frames: step in, out and over; trace_printk in the console', async () => {
    await launchHcb(dc, { program: CALLS, context: { arg0: 21 }, stopOnEntry: true });
    await stopAfter(dc, () => dc.nextRequest({ threadId: 1 }));
    await stopAfter(dc, () => dc.nextRequest({ threadId: 1 }));
    assert.equal((await topFrame(dc)).line, lineOf(CALLS, 'call double'));
    await stopAfter(dc, () => dc.stepInRequest({ threadId: 1 }));
    const st = await dc.stackTraceRequest({ threadId: 1 });
    assert.deepEqual(st.body.stackFrames.map((f) => [f.name, f.line]), [
      ['double (calls.hcb)', lineOf(CALLS, 'r0 = r1')],
      ['calls.hcb (tracing)', lineOf(CALLS, 'call double')],
    ]);
    await stopAfter(dc, () => dc.stepOutRequest({ threadId: 1 }));
    assert.equal((await topFrame(dc)).line, lineOf(CALLS, 'r7 = r0'));
    assert.equal((await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames.length, 1);
    // back into the callee (reverse step by instruction lands on its exit), then over the whole call
    await stopAfter(dc, () => dc.stepBackRequest({ threadId: 1, granularity: 'instruction' }));
    assert.equal((await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames.length, 2);
    assert.equal(await evalText(dc, 'r0'), '0x2a');
    const printed = waitOutput(dc, /\[trace_printk\] 42\n/);
    const end = await stopAfter(dc, () => dc.continueRequest({ threadId: 1 }));
    await printed;
    assert.equal(end.body.reason, 'end');
    assert.equal(await evalText(dc, 'r0', 'watch'), '0x2b');
  });

  it('a file the verifier rejects fails the launch with its located diagnostics; bad context fields are named', async () => {
    await dc.initializeRequest({ adapterID: 'hyperlab', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
    const msg = await failure(dc.launchRequest({ program: REJECTED } as DebugProtocol.LaunchRequestArguments));
    assert.match(msg, /verifier rejects 'rejected\.hcb'/);
    assert.match(msg, /rejected\.hcb:3:\d+: error: .*r2/);
    const bad = await failure(dc.launchRequest({ program: RECLAIM, context: { gpaa: 1 } } as DebugProtocol.LaunchRequestArguments));
    assert.match(bad, /context field 'gpaa' is not a field of page-reclaim \(vm_id, gpa/);
  });

  it('a run that exhausts the budget stops as an exception (exceptionInfo), can be stepped back; bad requests get errors', async () => {
    const stop = await launchHcb(dc, { program: LONG });
    assert.equal(stop.body.reason, 'exception');
    assert.match(stop.body.description ?? '', /callback failed at line \d+ .*budget.*r0 = 0/);
    const info = await dc.exceptionInfoRequest({ threadId: 1 });
    assert.equal(info.body.exceptionId, 'callback-failed');
    assert.equal(await evalText(dc, 'r0'), `0x${(100_000 / 2).toString(16)}`);
    await stopAfter(dc, () => dc.stepBackRequest({ threadId: 1, granularity: 'instruction' }));
    assert.equal((await topFrame(dc)).line, lineOf(LONG, 'r0 += 1'));
    assert.match(await failure(dc.stackTraceRequest({ threadId: 7 })), /unknown thread 7/);
    assert.match(await failure(dc.customRequest('readMemory', { memoryReference: '0x0', count: 4 })), /not available when debugging a hyper-callback/);
    assert.match(await failure(dc.evaluateRequest({ expression: 'r1 +', context: 'watch' })), /column/);
    assert.match(await failure(dc.evaluateRequest({ expression: 'nosuch', context: 'watch' })), /nosuch/);
    // the adapter lives on
    assert.equal((await dc.threadsRequest()).body.threads.length, 1);
  });

  it('page-reclaim scenario: a breakpoint in reclaim.hcb stops the machine after the event with the callback frames over the vCPU; step, step back, continue resumes', async () => {
    const shift = lineOf(RECLAIM, 'r6 &= 63');
    const stop = await launch(dc, { program: SCENARIO, configure: (c) => c.setBreakpointsRequest({ source: { path: RECLAIM }, breakpoints: [{ line: shift }] }) });
    assert.equal(stop.body.reason, 'breakpoint');
    assert.match(stop.body.description ?? '', /callback reclaim\.hcb hit a breakpoint \(replayed/);
    const threadId = stop.body.threadId as number;
    const thread = (await dc.threadsRequest()).body.threads.find((t) => t.id === threadId);
    assert.match(thread?.name ?? '', /callback/, 'the thread of the VM whose page is reclaimed');
    const frames = (await dc.stackTraceRequest({ threadId })).body.stackFrames;
    assert.equal(frames[0].name, 'reclaim.hcb (page-reclaim)');
    assert.equal(frames[0].source?.path, RECLAIM);
    assert.equal(frames[0].line, shift);
    assert.ok(frames.length >= 2, 'the vCPU frames follow the callback frame');
    assert.notEqual(frames[1].source?.path, RECLAIM);
    const here = await archHash(dc);
    // the callback's own state: the page index and the bitmap word it copied
    const scopes = await dc.scopesRequest({ frameId: frames[0].id });
    assert.deepEqual(scopes.body.scopes.map((x) => x.name), ['Registers', 'Stack (frame 0)', 'Context', 'Verifier']);
    const regs = new Map((await dc.variablesRequest({ variablesReference: scopes.body.scopes[0].variablesReference })).body.variables.map((v) => [v.name, v.value]));
    const ctx = new Map((await dc.variablesRequest({ variablesReference: scopes.body.scopes[2].variablesReference })).body.variables.map((v) => [v.name, v.value]));
    const gpa = BigInt(ctx.get('gpa') ?? '0');
    assert.equal(BigInt(regs.get('r6') ?? '-1'), (gpa - 0x80000000n) >> 12n);
    const word = await dc.evaluateRequest({ expression: '*(u64 *)(r10 - 8)', frameId: frames[0].id, context: 'watch' });
    assert.equal(BigInt(word.body.result), BigInt(regs.get('r0') ?? '-1'));
    // a vCPU frame still evaluates machine registers
    const sp = await dc.evaluateRequest({ expression: 'sp', frameId: frames[1].id, context: 'watch' });
    assert.match(sp.body.result, /^0x/);
    // stepping inside the recorded run, and back
    await stopAfter(dc, () => dc.nextRequest({ threadId }));
    assert.equal((await topFrame(dc, threadId)).line, lineOf(RECLAIM, 'r0 >>= r6'));
    await stopAfter(dc, () => dc.stepBackRequest({ threadId }));
    assert.equal((await topFrame(dc, threadId)).line, shift);
    // continue: the callback finishes; the next candidate of the same reclaim event stops again
    const gpaOf = async (tid: number): Promise<string | undefined> => {
      const f = (await dc.stackTraceRequest({ threadId: tid })).body.stackFrames[0];
      const sc = await dc.scopesRequest({ frameId: f.id });
      return new Map((await dc.variablesRequest({ variablesReference: sc.body.scopes[2].variablesReference })).body.variables.map((v) => [v.name, v.value])).get('gpa');
    };
    const again = await stopAfter(dc, () => dc.continueRequest({ threadId }));
    assert.match(again.body.description ?? '', /replayed.*run 2 of \d+ of this event/);
    assert.notEqual(await gpaOf(threadId), ctx.get('gpa'));
    assert.equal((await archHash(dc)).position, here.position, 'the machine has not moved');
    // reverse continue goes back through the event's runs: the first one again
    const back = await stopAfter(dc, () => dc.reverseContinueRequest({ threadId }));
    assert.match(back.body.description ?? '', /run 1 of/);
    assert.equal(await gpaOf(threadId), ctx.get('gpa'));
    // through every run to the end of the program, then reverse continue finds the event again
    // by re-executing the machine (recording the callback runs of the replay)
    let stop2 = back;
    let lastGpa: string | undefined;
    for (;;) {
      stop2 = await stopAfter(dc, () => dc.continueRequest({ threadId: stop2.body.threadId as number }));
      if (stop2.body.reason === 'end') break;
      lastGpa = await gpaOf(stop2.body.threadId as number);
    }
    const found = await stopAfter(dc, () => dc.reverseContinueRequest({ threadId: stop2.body.threadId as number }));
    assert.match(found.body.description ?? '', /callback reclaim\.hcb hit a breakpoint \(replayed.*run (\d+) of \1 /);
    assert.equal((await topFrame(dc, found.body.threadId as number)).line, shift);
    assert.equal(await gpaOf(found.body.threadId as number), lastGpa);
    assert.deepEqual(await archHash(dc), here, 'the machine is back right after the event, in the state it had there');
  });

  it('page-reclaim: recording callback runs does not change the machine (same end, same callback work, with and without callback breakpoints)', async () => {
    // The full state hash at the end also holds the machine clock where the last run slice ended,
    // which depends on how the debugger sliced the run (stops included); the instruction position
    // and what the callbacks and the reclaim did do not.
    const endState = async (withBreakpoint: boolean): Promise<unknown> => {
      const c = await startClient();
      try {
        let stop = await launch(c, { program: SCENARIO, configure: (x) => x.setBreakpointsRequest({ source: { path: RECLAIM }, breakpoints: withBreakpoint ? [{ line: lineOf(RECLAIM, 'r6 &= 63') }] : [] }) });
        let stops = 0;
        while (stop.body.reason !== 'end') {
          assert.match(stop.body.description ?? '', /replayed/);
          stops++;
          stop = await stopAfter(c, () => c.continueRequest({ threadId: stop.body.threadId as number }));
        }
        const view = (await c.customRequest('hyperlab/callbacks', {})).body as { callbacks: { vm: string; file: string | null; runs: number; instructions: number; cycles: number }[] };
        const cb = view.callbacks.find((x) => x.vm === 'callback');
        assert.equal(cb?.file, RECLAIM, 'the view names the file (resolved in the scenario folder)');
        assert.ok((cb?.runs ?? 0) >= 64);
        // every run of the callback (one per reclaim candidate) reached that line and stopped once
        assert.equal(stops, withBreakpoint ? cb?.runs : 0);
        return { position: (await archHash(c)).position, callbacks: view.callbacks, end: stop.body.description };
      } finally {
        await c.stop();
      }
    };
    assert.deepEqual(await endState(true), await endState(false));
  });
});

describe('scenario callbacks: recording a run (ScenarioCallbacks)', () => {
  it('replays with the maps the engine has now (hash map keys included) and leaves the engine untouched', () => {
    const asm = assemble(fs.readFileSync(COUNTER, 'utf8'), { file: COUNTER });
    const range = { start: 0n, end: 0n };
    const cb = new Callback(0, 1, 'counter.hcb', 'tracing', range, { ...asm.program, event: 'tracing', range });
    const engine = new Vm(cb.program);
    const ctxRegion = engine.mem.addRegion('context', new Uint8Array(48), true);
    cb.engineVm = engine;
    for (let k = 1; k <= 2; k++) assert.equal(engine.run('interp', Memory.address(ctxRegion)).r0, BigInt(k));
    const before = engine.maps[0].region.bytes.slice();
    const output: string[] = [];
    let id = 100;
    const sc = new ScenarioCallbacks(path.dirname(COUNTER), () => id++, (t) => output.push(t));
    const bps = sc.setBreakpoints(COUNTER, [{ line: lineOf(COUNTER, 'r0 = r1') }, { line: lineOf(COUNTER, 'r1 = 7'), logMessage: 'run' }]);
    assert.deepEqual(bps.map((b) => b.verified), [true, true]);
    const rec = sc.record(cb, new Uint8Array(48), { read: () => 'fault' }, 0);
    assert.ok(rec !== undefined, 'the run reaches the breakpoint');
    assert.deepEqual(rec.stop.hitBreakpointIds, [bps[0].id]);
    assert.deepEqual(output, ['run\n']);
    // the third run: the key exists, the count goes to 3
    assert.equal(rec.debugger.run.evaluate('r1').value, 3n);
    assert.equal(rec.debugger.continue().finished, true);
    assert.equal(rec.debugger.run.stepper.r0, 3n);
    assert.deepEqual(engine.maps[0].region.bytes, before, 'recording changed nothing of the engine');
    assert.equal(engine.run('interp', Memory.address(ctxRegion)).r0, 3n);
    // no breakpoint in the file: nothing is recorded
    sc.setBreakpoints(COUNTER, []);
    assert.equal(sc.record(cb, new Uint8Array(48), { read: () => 'fault' }, 0), undefined);
  });
});
