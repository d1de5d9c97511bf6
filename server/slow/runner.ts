/**
 * Where slow diagnostics run: a `worker_threads` worker when its bundle sits next to the server's
 * (dist/serverWorker.js), else in process on a later turn of the event loop (running the sources
 * through tsx, where there is no bundle). Jobs run one at a time; a cancelled job that does not
 * stop within `killAfterMs` costs the worker its life (a fresh one starts for the next job), so a
 * stale pathological verification can never hold the queue.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Diagnostic } from 'vscode-languageserver';
import type { LanguageRegistry } from '../core/registry';
import type { Logger } from '../core/guard';
import { flagToken } from './context';
import { executeSlowJob } from './execute';
import type { SlowJob, SlowRequest, SlowResponse } from './protocol';

export interface SlowResult {
  diagnostics: Diagnostic[];
  /** Time the job took where it ran. */
  millis: number;
}

export interface SlowHandle {
  /** Resolves with the diagnostics, or undefined when cancelled or failed. */
  result: Promise<SlowResult | undefined>;
  cancel(): void;
}

export interface SlowRunner {
  readonly kind: 'worker' | 'in-process';
  run(job: SlowJob): SlowHandle;
  dispose(): void;
}

export interface RunnerOptions {
  /** The worker bundle (default: serverWorker.js next to the server's bundle). */
  workerPath?: string;
  /** How long a cancelled job may keep the worker busy before it is restarted. */
  killAfterMs?: number;
}

export function createSlowRunner(registry: LanguageRegistry, log: Logger, options: RunnerOptions = {}): SlowRunner {
  const bundle = options.workerPath ?? workerBundle();
  return bundle ? new WorkerRunner(bundle, log, options.killAfterMs) : new InProcessRunner(registry, log);
}

function workerBundle(): string | undefined {
  // __dirname exists in the CommonJS bundle only; under tsx (ES modules) there is no bundle.
  if (typeof __dirname === 'undefined') return undefined;
  const path = join(__dirname, 'serverWorker.js');
  return existsSync(path) ? path : undefined;
}

interface Pending {
  id: number;
  flag: Int32Array;
  resolve(d: SlowResult | undefined): void;
  killTimer?: NodeJS.Timeout;
}

class WorkerRunner implements SlowRunner {
  readonly kind = 'worker';
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  constructor(
    private readonly path: string,
    private readonly log: Logger,
    private readonly killAfterMs = 2000,
  ) {}

  run(job: SlowJob): SlowHandle {
    const id = this.nextId++;
    const cancel = new SharedArrayBuffer(4);
    const flag = new Int32Array(cancel);
    let resolve!: (d: SlowResult | undefined) => void;
    const result = new Promise<SlowResult | undefined>((r) => (resolve = r));
    const entry: Pending = { id, flag, resolve };
    this.pending.set(id, entry);
    this.ensureWorker().postMessage({ id, job, cancel } satisfies SlowRequest);
    return {
      result,
      cancel: () => {
        if (!this.pending.has(id)) return;
        Atomics.store(flag, 0, 1);
        entry.killTimer ??= setTimeout(() => this.restart(`job ${id} ignored cancellation for ${this.killAfterMs} ms`), this.killAfterMs);
      },
    };
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(this.path);
    w.unref();
    w.on('message', (msg: SlowResponse) => this.settle(msg));
    w.on('error', (e) => this.log(`slow-diagnostics worker failed: ${e.stack ?? e.message}`));
    w.on('exit', () => {
      if (this.worker === w) {
        this.worker = undefined;
        this.failAll();
      }
    });
    this.worker = w;
    return w;
  }

  private settle(msg: SlowResponse): void {
    const p = this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    if (p.killTimer) clearTimeout(p.killTimer);
    if ('error' in msg) {
      this.log(`slow diagnostics failed: ${msg.error}`);
      p.resolve(undefined);
    } else p.resolve(Atomics.load(p.flag, 0) ? undefined : { diagnostics: msg.diagnostics, millis: msg.millis });
  }

  private failAll(): void {
    for (const p of this.pending.values()) {
      if (p.killTimer) clearTimeout(p.killTimer);
      p.resolve(undefined);
    }
    this.pending.clear();
  }

  private restart(why: string): void {
    this.log(`restarting the slow-diagnostics worker: ${why}`);
    const w = this.worker;
    this.worker = undefined;
    this.failAll();
    void w?.terminate();
  }

  dispose(): void {
    this.failAll();
    void this.worker?.terminate();
    this.worker = undefined;
  }
}

class InProcessRunner implements SlowRunner {
  readonly kind = 'in-process';
  constructor(
    private readonly registry: LanguageRegistry,
    private readonly log: Logger,
  ) {}

  run(job: SlowJob): SlowHandle {
    const cancel = new SharedArrayBuffer(4);
    const flag = new Int32Array(cancel);
    const token = flagToken(cancel);
    const result = new Promise<SlowResult | undefined>((resolve) => {
      setImmediate(() => {
        const t0 = performance.now();
        executeSlowJob(job, this.registry, token).then(
          (d) => resolve(token.isCancellationRequested ? undefined : { diagnostics: d, millis: performance.now() - t0 }),
          (e: unknown) => {
            this.log(`slow diagnostics failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
            resolve(undefined);
          },
        );
      });
    });
    return { result, cancel: () => Atomics.store(flag, 0, 1) };
  }

  dispose(): void {}
}
