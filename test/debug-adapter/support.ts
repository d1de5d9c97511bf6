/**
 * Protocol-test support: bundles the standalone adapter (debug-adapter/main.ts) once with esbuild
 * — the same settings as scripts/build.mjs, into a temporary file so that a concurrent
 * `npm run build` is not disturbed — and drives it with DebugClient over stdin/stdout.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import * as fs from 'node:fs';
import { build } from 'esbuild';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { repositoryRoot } from '../support/repo';

export const ROOT = repositoryRoot();
export const FIXTURES = path.join(ROOT, 'test/debug-adapter/fixtures');
export const EXAMPLES = path.join(ROOT, 'examples');

let bundled: Promise<string> | undefined;

/** The adapter bundle (built once per mocha run). */
export function adapterBundle(): Promise<string> {
  bundled ??= (async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hyperlab-da-'));
    const out = path.join(dir, 'debugAdapter.cjs');
    await build({
      entryPoints: [path.join(ROOT, 'debug-adapter/main.ts')], outfile: out, bundle: true, platform: 'node', target: 'node20',
      format: 'cjs', mainFields: ['module', 'main'], logLevel: 'error', define: { HYPERLAB_VERSION: '"test"' },
    });
    return out;
  })();
  return bundled;
}

export async function startClient(): Promise<DebugClient> {
  const dc = new DebugClient('node', await adapterBundle(), 'hyperlab');
  dc.defaultTimeout = 20_000;
  await dc.start();
  return dc;
}

export interface LaunchOptions {
  program: string;
  stopOnEntry?: boolean;
  checkpointInterval?: number;
  /** Configures breakpoints between `initialized` and `configurationDone`. */
  configure?: (dc: DebugClient) => Promise<unknown>;
}

/** initialize → launch → (configure) → configurationDone; resolves with the first stop. */
export async function launch(dc: DebugClient, o: LaunchOptions): Promise<DebugProtocol.StoppedEvent> {
  await dc.initializeRequest({ adapterID: 'hyperlab', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path', supportsMemoryEvent: true });
  const initialized = dc.waitForEvent('initialized');
  await dc.launchRequest({ program: o.program, stopOnEntry: o.stopOnEntry, checkpointInterval: o.checkpointInterval } as DebugProtocol.LaunchRequestArguments);
  await initialized;
  if (o.configure) await o.configure(dc);
  const stopped = dc.waitForEvent('stopped');
  await dc.configurationDoneRequest();
  return (await stopped) as DebugProtocol.StoppedEvent;
}

/** Sends a request and waits for the stop it causes. */
export async function stopAfter(dc: DebugClient, request: () => Promise<unknown>): Promise<DebugProtocol.StoppedEvent> {
  const stopped = dc.waitForEvent('stopped');
  await request();
  return (await stopped) as DebugProtocol.StoppedEvent;
}

export async function topFrame(dc: DebugClient, threadId = 1): Promise<DebugProtocol.StackFrame> {
  const st = await dc.stackTraceRequest({ threadId });
  return st.body.stackFrames[0];
}

export async function evalText(dc: DebugClient, expression: string, context = 'watch'): Promise<string> {
  const frame = await topFrame(dc);
  const r = await dc.evaluateRequest({ expression, frameId: frame.id, context });
  return r.body.result;
}

/** The value of an expression as a bigint (the text may carry a `<symbol>` annotation). */
export async function evalValue(dc: DebugClient, expression: string): Promise<bigint> {
  return BigInt((await evalText(dc, expression)).split(/\s/)[0]);
}

/** Waits for an output event whose text matches. */
export function waitOutput(dc: DebugClient, re: RegExp, timeout = 20_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no output matching ${re}`)), timeout);
    const listener = (e: DebugProtocol.OutputEvent): void => {
      if (!re.test(e.body.output)) return;
      clearTimeout(timer);
      dc.removeListener('output', listener);
      resolve(e.body.output);
    };
    dc.on('output', listener);
  });
}

export async function archHash(dc: DebugClient): Promise<{ hash: string; position: string }> {
  const r = await dc.customRequest('hyperlab.adapter/archHash');
  return r.body as { hash: string; position: string };
}

/** Runs a request that must fail; returns the error message. */
export async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('the request succeeded; an error response was expected');
}

/** The 1-based line of the first line of `file` containing `text`. */
export function lineOf(file: string, text: string): number {
  const i = fs.readFileSync(file, 'utf8').split('\n').findIndex((l) => l.includes(text));
  if (i < 0) throw new Error(`'${text}' not in ${file}`);
  return i + 1;
}
