/**
 * The standalone debug adapter driven over DAP by DebugClient, on the examples and on fixtures:
 * breakpoints of each kind, stepping, reverse execution (state hashes), memory, disassembly,
 * evaluation, the HyperLab custom requests and bad requests.
 */
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { EXAMPLES, FIXTURES, adapterBundle, archHash, evalText, evalValue, failure, launch, lineOf, startClient, stopAfter, topFrame, waitOutput } from './support';

const LOOP = path.join(FIXTURES, 'loop.S');
const SPIN = path.join(FIXTURES, 'spin.S');
const ILLEGAL = path.join(FIXTURES, 'illegal.S');
const HELLO = path.join(EXAMPLES, 'hello/hello.hlab.json');

describe('debug adapter over DAP', function () {
  this.timeout(60_000);
  let dc: DebugClient;

  before(async () => { await adapterBundle(); });
  beforeEach(async () => { dc = await startClient(); });
  afterEach(async () => { await dc.stop(); });

  describe('breakpoints', () => {
    it('source breakpoint in a .S file stops on its line, with a stack through the frame pointer', async () => {
      const line = lineOf(LOOP, 'mul     a0, a0, a0');
      const stop = await launch(dc, {
        program: LOOP,
        configure: async (c) => {
          const r = await c.setBreakpointsRequest({ source: { path: LOOP }, breakpoints: [{ line }] });
          assert.equal(r.body.breakpoints[0].verified, true);
          assert.equal(r.body.breakpoints[0].line, line);
        },
      });
      assert.equal(stop.body.reason, 'breakpoint');
      const st = await dc.stackTraceRequest({ threadId: 1 });
      const [f0, f1] = st.body.stackFrames;
      assert.equal(f0.line, line);
      assert.match(f0.name, /^square\+0x/);
      assert.equal(f0.source?.path, LOOP);
      assert.ok(f1 !== undefined, 'the caller frame comes from the frame-pointer chain');
      assert.match(f1.name, /^loop\+0x|^_start\+0x/);
      assert.equal(f1.line, lineOf(LOOP, 'call    square'));
    });

    it('a line without code moves to the next line with code; a file without code is unverified', async () => {
      await launch(dc, {
        program: LOOP, stopOnEntry: true,
        configure: async (c) => {
          const blank = lineOf(LOOP, '.globl square');
          const r = await c.setBreakpointsRequest({ source: { path: LOOP }, breakpoints: [{ line: blank }] });
          assert.equal(r.body.breakpoints[0].line, lineOf(LOOP, 'addi    sp, sp, -16'));
          const other = await c.setBreakpointsRequest({ source: { path: path.join(FIXTURES, 'nothing.S') }, breakpoints: [{ line: 3 }] });
          assert.equal(other.body.breakpoints[0].verified, false);
        },
      });
    });

    it('conditions, hit counts and logpoints', async () => {
      const line = lineOf(LOOP, 'sd      a0, 0(s2)');
      const logLine = lineOf(LOOP, 'addi    s1, s1, 1');
      await launch(dc, {
        program: LOOP,
        configure: (c) => c.setBreakpointsRequest({
          source: { path: LOOP },
          breakpoints: [{ line, condition: 's1 == 5' }, { line: logLine, logMessage: 'i={s1}' }],
        }),
      });
      assert.equal(await evalValue(dc, 's1'), 5n);
      assert.equal(await evalValue(dc, 'a0'), 25n);
      // Logpoints printed for iterations 0..4 and did not stop.
      await dc.setBreakpointsRequest({ source: { path: LOOP }, breakpoints: [{ line, hitCondition: '3' }] });
      await stopAfter(dc, () => dc.continueRequest({ threadId: 1 }));
      // Hits counted from the new breakpoint's creation: the third hit is iteration 5 + 2 + 1 = 8.
      assert.equal(await evalValue(dc, 's1'), 8n);
    });

    it('logpoint output reaches the debug console', async () => {
      const logLine = lineOf(LOOP, 'addi    s1, s1, 1');
      const stopLine = lineOf(LOOP, 'sd      a0, 0(s2)');
      const out = waitOutput(dc, /^i=0x2$/m);
      await launch(dc, {
        program: LOOP,
        configure: (c) => c.setBreakpointsRequest({ source: { path: LOOP }, breakpoints: [{ line: logLine, logMessage: 'i={s1}' }, { line: stopLine, condition: 's1 == 3' }] }),
      });
      await out;
    });

    it('function breakpoint on a symbol', async () => {
      const stop = await launch(dc, {
        program: HELLO,
        configure: async (c) => {
          const r = await c.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'htif_puts' }, { name: 'no_such_symbol' }] });
          assert.equal(r.body.breakpoints[0].verified, true);
          assert.equal(r.body.breakpoints[1].verified, false);
        },
      });
      assert.equal(stop.body.reason, 'function breakpoint');
      const f = await topFrame(dc);
      assert.equal(f.name, 'htif_puts');
    });

    it('instruction breakpoint from the disassembly', async () => {
      await launch(dc, { program: LOOP, stopOnEntry: true });
      const f = await topFrame(dc);
      const dis = await dc.disassembleRequest({ memoryReference: f.instructionPointerReference as string, instructionCount: 40 });
      const target = dis.body?.instructions.find((i) => i.symbol === 'square');
      assert.ok(target, 'square is in the first instructions');
      const r = await dc.customRequest('setInstructionBreakpoints', { breakpoints: [{ instructionReference: target.address }] });
      assert.equal((r.body as DebugProtocol.SetInstructionBreakpointsResponse['body']).breakpoints[0].verified, true);
      const stop = await stopAfter(dc, () => dc.continueRequest({ threadId: 1 }));
      assert.equal(stop.body.reason, 'instruction breakpoint');
      assert.equal((await topFrame(dc)).instructionPointerReference, target.address);
    });

    it('data breakpoints: write and read of a buffer word', async () => {
      await launch(dc, { program: LOOP, stopOnEntry: true });
      const info = await dc.dataBreakpointInfoRequest({ name: 'buffer', asAddress: true, bytes: 8 } as DebugProtocol.DataBreakpointInfoArguments);
      assert.ok(info.body.dataId);
      assert.deepEqual(info.body.accessTypes, ['read', 'write', 'readWrite']);
      await dc.setDataBreakpointsRequest({ breakpoints: [{ dataId: info.body.dataId, accessType: 'write' }] });
      const stop = await stopAfter(dc, () => dc.continueRequest({ threadId: 1 }));
      assert.equal(stop.body.reason, 'data breakpoint');
      // Stopped right after the store.
      assert.equal((await topFrame(dc)).line, lineOf(LOOP, 'ld      t0, 0(s2)'));
      await dc.setDataBreakpointsRequest({ breakpoints: [{ dataId: info.body.dataId, accessType: 'read' }] });
      const again = await stopAfter(dc, () => dc.continueRequest({ threadId: 1 }));
      assert.equal(again.body.reason, 'data breakpoint');
      assert.equal((await topFrame(dc)).line, lineOf(LOOP, 'addi    s1, s1, 1'));
    });

    it('exception filters with exceptionInfo: illegal instruction, ecall with a condition', async () => {
      const stop = await launch(dc, {
        program: ILLEGAL,
        configure: (c) => c.setExceptionBreakpointsRequest({ filters: ['illegal-instruction'], filterOptions: [{ filterId: 'ecall', condition: 'a7 == 0x10' }] }),
      });
      assert.equal(stop.body.reason, 'exception');
      const info = await dc.exceptionInfoRequest({ threadId: 1 });
      assert.equal(info.body.exceptionId, 'illegal-instruction');
      assert.match(info.body.description ?? '', /illegal/i);
      const ecall = await stopAfter(dc, () => dc.continueRequest({ threadId: 1 }));
      assert.equal(ecall.body.reason, 'exception');
      assert.equal((await dc.exceptionInfoRequest({ threadId: 1 })).body.exceptionId, 'ecall');
    });

    it('the program end is reported and a further continue terminates', async () => {
      const out = dc.assertOutput('stdout', 'Hello from HyperLab');
      const stop = await launch(dc, { program: HELLO });
      assert.equal(stop.body.reason, 'end');
      await out;
      const terminated = dc.waitForEvent('terminated');
      await dc.continueRequest({ threadId: 1 });
      await terminated;
    });
  });

  describe('stepping', () => {
    it('step granularity: instruction vs line, next steps over a call, step out returns', async () => {
      const callLine = lineOf(LOOP, 'call    square');
      await launch(dc, { program: LOOP, configure: (c) => c.setBreakpointsRequest({ source: { path: LOOP }, breakpoints: [{ line: callLine }] }) });
      await dc.setBreakpointsRequest({ source: { path: LOOP }, breakpoints: [] });
      // By instruction: `call` is auipc + jalr, then square.
      await stopAfter(dc, () => dc.stepInRequest({ threadId: 1, granularity: 'instruction' }));
      assert.equal((await topFrame(dc)).line, callLine);
      await stopAfter(dc, () => dc.stepInRequest({ threadId: 1, granularity: 'instruction' }));
      assert.match((await topFrame(dc)).name, /^square$/);
      await stopAfter(dc, () => dc.stepInRequest({ threadId: 1, granularity: 'instruction' }));
      assert.equal((await topFrame(dc)).line, lineOf(LOOP, 'sd      ra, 8(sp)'));
      // Out: back after the call.
      await stopAfter(dc, () => dc.stepOutRequest({ threadId: 1 }));
      assert.equal((await topFrame(dc)).line, lineOf(LOOP, 'sd      a0, 0(s2)'));
      // Lines: next over the loop back to the call, then over the call.
      for (let i = 0; i < 4; i++) await stopAfter(dc, () => dc.nextRequest({ threadId: 1 }));
      assert.equal((await topFrame(dc)).line, lineOf(LOOP, 'blt     s1, t1, loop'));
      await stopAfter(dc, () => dc.nextRequest({ threadId: 1 }));
      await stopAfter(dc, () => dc.nextRequest({ threadId: 1 }));
      assert.equal((await topFrame(dc)).line, callLine);
      const s1 = await evalValue(dc, 's1');
      await stopAfter(dc, () => dc.nextRequest({ threadId: 1 }));
      assert.equal((await topFrame(dc)).line, lineOf(LOOP, 'sd      a0, 0(s2)'));
      assert.equal(await evalValue(dc, 'a0'), s1 * s1);
    });

    it('pause stops a long run', async () => {
      await launch(dc, { program: LOOP, stopOnEntry: true });
      await dc.continueRequest({ threadId: 1 });
      await new Promise((r) => setTimeout(r, 200));
      const stop = await stopAfter(dc, () => dc.pauseRequest({ threadId: 1 }));
      assert.equal(stop.body.reason, 'pause');
      assert.notEqual(await evalValue(dc, 's1'), 0n);
    });
  });

  describe('reverse execution', () => {
    it('stepBack returns to states identical to those recorded going forward', async () => {
      const line = lineOf(LOOP, 'mul     a0, a0, a0');
      await launch(dc, {
        program: LOOP, checkpointInterval: 1000,
        configure: (c) => c.setBreakpointsRequest({ source: { path: LOOP }, breakpoints: [{ line, condition: 's1 == 200' }] }),
      });
      await dc.setBreakpointsRequest({ source: { path: LOOP }, breakpoints: [] });
      const recorded = [await archHash(dc)];
      for (let i = 0; i < 30; i++) {
        await stopAfter(dc, () => dc.stepInRequest({ threadId: 1, granularity: 'instruction' }));
        recorded.push(await archHash(dc));
      }
      for (let i = 29; i >= 0; i--) {
        await stopAfter(dc, () => dc.stepBackRequest({ threadId: 1, granularity: 'instruction' }));
        assert.deepEqual(await archHash(dc), recorded[i], `after stepping back to step ${i}`);
      }
      // Forward again over the same path: the same states.
      for (let i = 1; i <= 3; i++) {
        await stopAfter(dc, () => dc.stepInRequest({ threadId: 1, granularity: 'instruction' }));
        assert.deepEqual(await archHash(dc), recorded[i]);
      }
    });

    it('reverseContinue stops at the previous breakpoint hit', async () => {
      const line = lineOf(LOOP, 'sd      a0, 0(s2)');
      await launch(dc, {
        program: LOOP, checkpointInterval: 1000,
        configure: (c) => c.setBreakpointsRequest({ source: { path: LOOP }, breakpoints: [{ line, condition: 's1 == 300' }] }),
      });
      const at300 = await archHash(dc);
      await dc.setBreakpointsRequest({ source: { path: LOOP }, breakpoints: [{ line, condition: 's1 % 100 == 0' }] });
      await stopAfter(dc, () => dc.continueRequest({ threadId: 1 }));
      assert.equal(await evalValue(dc, 's1'), 400n);
      const back = await stopAfter(dc, () => dc.reverseContinueRequest({ threadId: 1 }));
      assert.equal(back.body.reason, 'breakpoint');
      assert.equal(await evalValue(dc, 's1'), 300n);
      assert.deepEqual(await archHash(dc), at300);
      await stopAfter(dc, () => dc.reverseContinueRequest({ threadId: 1 }));
      assert.equal(await evalValue(dc, 's1'), 200n);
    });

    it('stepBack of one hart among four (smp-ipi) returns to that hart\'s previous stop, state identical', async () => {
      const stop = await launch(dc, {
        program: path.join(EXAMPLES, 'smp-ipi/smp-ipi.hlab.json'), checkpointInterval: 1000,
        configure: (c) => c.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'online_barrier', condition: 'a0 == 2' }] }),
      });
      assert.ok(stop.body.reason === 'function breakpoint' || stop.body.reason === 'breakpoint', stop.body.reason);
      await dc.setFunctionBreakpointsRequest({ breakpoints: [] });
      const threadId = stop.body.threadId as number;
      assert.notEqual(threadId, 1);
      const recorded = [await archHash(dc)];
      for (let i = 0; i < 6; i++) {
        await stopAfter(dc, () => dc.stepInRequest({ threadId, granularity: 'instruction' }));
        recorded.push(await archHash(dc));
      }
      for (let i = 5; i >= 3; i--) {
        const back = await stopAfter(dc, () => dc.stepBackRequest({ threadId, granularity: 'instruction' }));
        assert.equal(back.body.threadId, threadId);
        assert.deepEqual(await archHash(dc), recorded[i], `back to step ${i}`);
      }
    });

    it('stepBack in a VM (hello-vm) gives the recorded state', async () => {
      await launch(dc, { program: path.join(EXAMPLES, 'hello-vm/hello-vm.hlab.json'), stopOnEntry: true, checkpointInterval: 1000 });
      const recorded = [await archHash(dc)];
      for (let i = 0; i < 12; i++) {
        await stopAfter(dc, () => dc.stepInRequest({ threadId: 1, granularity: 'instruction' }));
        recorded.push(await archHash(dc));
      }
      for (let i = 11; i >= 8; i--) {
        await stopAfter(dc, () => dc.stepBackRequest({ threadId: 1, granularity: 'instruction' }));
        assert.deepEqual(await archHash(dc), recorded[i]);
      }
    });
  });

  describe('state', () => {
    it('registers scope: hex by default, decimal on request, memoryReference, setVariable', async () => {
      await launch(dc, { program: LOOP, configure: (c) => c.setBreakpointsRequest({ source: { path: LOOP }, breakpoints: [{ line: lineOf(LOOP, 'mul     a0, a0, a0'), condition: 's1 == 3' }] }) });
      const f = await topFrame(dc);
      const scopes = await dc.scopesRequest({ frameId: f.id });
      const names = scopes.body.scopes.map((s) => s.name);
      assert.ok(names.includes('General') && names.includes('CSRs (M)'), names.join(', '));
      const general = scopes.body.scopes.find((s) => s.name === 'General') as DebugProtocol.Scope;
      const vars = await dc.variablesRequest({ variablesReference: general.variablesReference });
      const a0 = vars.body.variables.find((v) => v.name === 'a0');
      assert.equal(a0?.value, '0x3');
      assert.ok(vars.body.variables.find((v) => v.name === 'sp')?.memoryReference);
      const dec = await dc.variablesRequest({ variablesReference: general.variablesReference, format: { hex: false } });
      assert.equal(dec.body.variables.find((v) => v.name === 'a0')?.value, '3');
      const paged = await dc.variablesRequest({ variablesReference: general.variablesReference, start: 2, count: 3 });
      assert.equal(paged.body.variables.length, 3);
      // A data breakpoint from a variable: the word sp points at (square's saved s0 slot).
      const info = await dc.dataBreakpointInfoRequest({ variablesReference: general.variablesReference, name: 'sp' });
      assert.match(info.body.dataId ?? '', /^virtual:0x/);
      assert.match(info.body.description, /8 bytes at 0x/);
      // setExpression on memory and on a register.
      const buffer = `0x${(await evalValue(dc, 'buffer')).toString(16)}`;
      await dc.customRequest('setExpression', { expression: `*(u64 *)${buffer}`, value: '0x1234', frameId: f.id });
      assert.equal(await evalValue(dc, '*(u64 *)buffer'), 0x1234n);
      await dc.customRequest('setExpression', { expression: 'a1', value: 'a0 + 2', frameId: f.id });
      assert.equal(await evalValue(dc, 'a1'), 5n);
      await dc.setVariableRequest({ variablesReference: general.variablesReference, name: 'a0', value: '12' });
      await stopAfter(dc, () => dc.stepInRequest({ threadId: 1, granularity: 'instruction' }));
      assert.equal(await evalValue(dc, 'a0'), 144n);
    });

    it('evaluate: registers, symbols, dereferences, console commands; malformed input is located', async () => {
      await launch(dc, { program: LOOP, configure: (c) => c.setBreakpointsRequest({ source: { path: LOOP }, breakpoints: [{ line: lineOf(LOOP, 'mul     a0, a0, a0'), condition: 's1 == 2' }] }) });
      assert.equal(await evalValue(dc, 's1 + 1'), 3n);
      assert.equal(await evalValue(dc, '*(u64 *)(sp + 8)'), await evalValue(dc, 'ra'));
      assert.equal(await evalValue(dc, 'buffer') >> 28n, 8n);
      const x = await evalText(dc, 'x/2gx sp', 'repl');
      assert.match(x, /0x/);
      const help = await evalText(dc, 'help', 'repl');
      assert.match(help, /tlb/);
      const msg = await failure(dc.evaluateRequest({ expression: 's1 + * )', context: 'watch' }));
      assert.match(msg, /column \d+/);
    });

    it('memory round trip with a memory event; disassembly with symbols', async () => {
      await launch(dc, { program: LOOP, stopOnEntry: true });
      const buffer = `0x${(await evalValue(dc, 'buffer')).toString(16)}`;
      const memoryEvent = dc.waitForEvent('memory');
      const data = Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]).toString('base64');
      const w = await dc.customRequest('writeMemory', { memoryReference: buffer, data });
      assert.equal((w.body as { bytesWritten: number }).bytesWritten, 8);
      await memoryEvent;
      const r = await dc.customRequest('readMemory', { memoryReference: buffer, count: 8 });
      assert.equal((r.body as { data: string }).data, data);
      assert.equal(await evalValue(dc, '*(u64 *)buffer'), 0x0807060504030201n);
      const f = await topFrame(dc);
      const dis = await dc.disassembleRequest({ memoryReference: f.instructionPointerReference as string, instructionCount: 4 });
      const lines = dis.body?.instructions ?? [];
      assert.equal(lines.length, 4);
      assert.equal(lines[0].address, f.instructionPointerReference);
      assert.equal(lines[0].symbol, '_start');
      assert.match(lines[0].instruction, /^auipc\s+sp/);
      assert.equal(lines[0].line, lineOf(LOOP, 'la      sp, stack_top'));
    });
  });

  describe('threads and views', () => {
    it('two-vms: one thread per vCPU named VM/vCPU with mode and hart; machine summary', async () => {
      await launch(dc, { program: path.join(EXAMPLES, 'two-vms/two-vms.hlab.json'), stopOnEntry: true });
      const th = await dc.threadsRequest();
      assert.equal(th.body.threads.length, 4);
      for (const t of th.body.threads) assert.match(t.name, /^\w+\/vCPU \d \(/);
      const s = await dc.customRequest('hyperlab/machineSummary', {});
      const summary = s.body as { vms: { name: string; vcpus: unknown[] }[]; harts: unknown[] };
      assert.equal(summary.vms.length, 2);
      assert.equal(summary.harts.length, 2);
    });

    it('smp-ipi: one thread per hart; tlb, interrupts and trace requests', async () => {
      const stop = await launch(dc, { program: path.join(EXAMPLES, 'smp-ipi/smp-ipi.hlab.json'), stopOnEntry: true });
      assert.equal(stop.body.reason, 'entry');
      const th = await dc.threadsRequest();
      assert.equal(th.body.threads.length, 4);
      await stopAfter(dc, () => dc.stepInRequest({ threadId: 1, granularity: 'instruction' }));
      const tlb = await dc.customRequest('hyperlab/tlbEntries', { hart: 0 });
      assert.ok((tlb.body as { geometry: { entries: number } }).geometry.entries > 0);
      const irq = await dc.customRequest('hyperlab/interrupts', {});
      assert.equal((irq.body as { harts: unknown[] }).harts.length, 4);
      const tr = await dc.customRequest('hyperlab/trace', { limit: 10 });
      assert.ok(Array.isArray((tr.body as { events: unknown[] }).events));
    });

    it('hello-vm: a breakpoint in code the guest runs at its high-half alias is hit, with source and stack', async () => {
      const vmSource = path.join(EXAMPLES, 'hello-vm/hello-vm.S');
      const line = lineOf(vmSource, 'sb s3, 0(s4)');
      const stop = await launch(dc, { program: path.join(EXAMPLES, 'hello-vm/hello-vm.hlab.json'), checkpointInterval: 1000, configure: (c) => c.setBreakpointsRequest({ source: { path: vmSource }, breakpoints: [{ line }] }) });
      assert.equal(stop.body.reason, 'breakpoint');
      const f = await topFrame(dc);
      assert.equal(f.line, line);
      assert.match(f.instructionPointerReference ?? '', /^0xffffffc0/);
      assert.equal(await evalValue(dc, 's3'), BigInt('h'.charCodeAt(0)));
      const at = await archHash(dc);
      // Round trip through the history: back one instruction and forward again to the breakpoint state.
      await stopAfter(dc, () => dc.stepBackRequest({ threadId: 1, granularity: 'instruction' }));
      await stopAfter(dc, () => dc.stepInRequest({ threadId: 1, granularity: 'instruction' }));
      assert.equal((await topFrame(dc)).line, line);
      await stopAfter(dc, () => dc.stepBackRequest({ threadId: 1, granularity: 'instruction' }));
      await stopAfter(dc, () => dc.continueRequest({ threadId: 1 }));
      assert.deepEqual(await archHash(dc), at);
      await stopAfter(dc, () => dc.continueRequest({ threadId: 1 }));
      assert.equal(await evalValue(dc, 's3'), BigInt('e'.charCodeAt(0)));
      await stopAfter(dc, () => dc.reverseContinueRequest({ threadId: 1 }));
      assert.deepEqual(await archHash(dc), at);
    });

    it('page-reclaim: a function breakpoint in three VMs running the same guest, VM-exit filter by reason, callbacks view', async () => {
      const stop = await launch(dc, {
        program: path.join(EXAMPLES, 'page-reclaim/page-reclaim.hlab.json'),
        configure: async (c) => {
          const r = await c.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'free' }] });
          assert.equal(r.body.breakpoints[0].verified, true);
        },
      });
      assert.equal(stop.body.reason, 'function breakpoint');
      const threadId = stop.body.threadId as number;
      const frame = (await dc.stackTraceRequest({ threadId })).body.stackFrames[0];
      assert.equal(frame.name, 'free');
      const threads = (await dc.threadsRequest()).body.threads;
      assert.deepEqual(threads.map((t) => t.name.split('/')[0]), ['blind', 'balloon', 'callback']);
      const cb = await dc.customRequest('hyperlab/callbacks', {});
      const list = (cb.body as { callbacks: { vm: string; event: string; verdict: string }[] }).callbacks;
      assert.equal(list.length, 1);
      assert.equal(list[0].vm, 'callback');
      await dc.setFunctionBreakpointsRequest({ breakpoints: [] });
      await dc.setExceptionBreakpointsRequest({ filters: [], filterOptions: [{ filterId: 'vm-exit', condition: 'ecall' }] });
      const exit = await stopAfter(dc, () => dc.continueRequest({ threadId }));
      assert.equal(exit.body.reason, 'exception');
      const info = await dc.exceptionInfoRequest({ threadId: exit.body.threadId as number });
      assert.equal(info.body.exceptionId, 'vm-exit');
      assert.match(info.body.description ?? '', /VM exit \(ecall\)/);
    });

    it('hello-vm: translate and page tables of the VM', async () => {
      await launch(dc, { program: path.join(EXAMPLES, 'hello-vm/hello-vm.hlab.json'), stopOnEntry: true });
      const t = await dc.customRequest('hyperlab/translate', { address: '0x80000000', threadId: 1 });
      assert.ok((t.body as { hpa: string | null }).hpa !== undefined);
      const pt = await dc.customRequest('hyperlab/pageTable', { vm: 'hello', table: 'nested' });
      assert.ok(typeof (pt.body as { mode: string }).mode === 'string');
      const cb = await dc.customRequest('hyperlab/callbacks', {});
      assert.deepEqual((cb.body as { callbacks: unknown[] }).callbacks, []);
    });
  });

  describe('running', () => {
    it('announces state changes a few times a second while running and on the stop', async () => {
      await launch(dc, { program: SPIN, stopOnEntry: true });
      const seen: string[] = [];
      dc.on('hyperlab/stateChanged', (e: DebugProtocol.Event) => seen.push((e.body as { reason: string }).reason));
      await dc.continueRequest({ threadId: 1 });
      await new Promise((r) => setTimeout(r, 1200));
      await stopAfter(dc, () => dc.pauseRequest({ threadId: 1 }));
      await new Promise((r) => setTimeout(r, 50));
      assert.ok(seen.filter((r) => r === 'running').length >= 3, `running events: ${seen.join(' ')}`);
      assert.equal(seen[seen.length - 1], 'stopped');
      // Requests are served while it runs.
      await dc.continueRequest({ threadId: 1 });
      const th = await dc.threadsRequest();
      assert.equal(th.body.threads.length, 1);
      assert.match(await failure(dc.evaluateRequest({ expression: 'pc' })), /running/);
      await stopAfter(dc, () => dc.pauseRequest({ threadId: 1 }));
    });
  });

  describe('bad requests', () => {
    it('a scenario with errors fails the launch with its located diagnostics', async () => {
      await dc.initializeRequest({ adapterID: 'hyperlab', pathFormat: 'path' });
      const msg = await failure(dc.launchRequest({ program: path.join(FIXTURES, 'broken.hlab.json') } as DebugProtocol.LaunchRequestArguments));
      assert.match(msg, /broken\.S:4:5: error: unknown instruction 'frobnicate'/);
      const missing = await failure(dc.launchRequest({ program: path.join(FIXTURES, 'missing.S') } as DebugProtocol.LaunchRequestArguments));
      assert.match(missing, /does not exist/);
    });

    it('unknown thread, unreadable or unwritable address, unknown request: errors, and the adapter lives on', async () => {
      await launch(dc, { program: LOOP, stopOnEntry: true });
      assert.match(await failure(dc.stackTraceRequest({ threadId: 42 })), /unknown thread 42/);
      assert.match(await failure(dc.continueRequest({ threadId: 42 })), /unknown thread 42/);
      const r = await dc.customRequest('readMemory', { memoryReference: '0x10', count: 16 });
      assert.equal((r.body as { unreadableBytes: number }).unreadableBytes, 16);
      assert.match(await failure(dc.customRequest('writeMemory', { memoryReference: '0x10', data: 'AAAA' })), /0x10/);
      assert.match(await failure(dc.customRequest('readMemory', { memoryReference: 'nonsense', count: 4 })), /memory reference/);
      assert.match(await failure(dc.customRequest('hyperlab/noSuchView', {})), /unknown request/);
      assert.match(await failure(dc.setBreakpointsRequest({ source: { path: LOOP }, breakpoints: [{ line: 10, hitCondition: 'often' }] })), /hit condition/);
      assert.match(await failure(dc.customRequest('hyperlab/tlbEntries', { hart: 9 })), /hart 9/);
      assert.match(await failure(dc.launchRequest({ program: LOOP } as DebugProtocol.LaunchRequestArguments)), /already runs a program/);
      assert.match(await failure(dc.setExceptionBreakpointsRequest({ filters: ['no-such-filter'] }).then((r) => {
        const b = r.body?.breakpoints?.[0];
        if (b !== undefined && !b.verified) throw new Error(b.message ?? 'unverified');
        return r;
      })), /unknown exception filter/);
      // Still answering.
      const th = await dc.threadsRequest();
      assert.equal(th.body.threads.length, 1);
    });
  });
});
