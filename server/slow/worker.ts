/**
 * The slow-diagnostics worker (bundled to dist/serverWorker.js): runs the verifier and other
 * expensive checks off the server's main loop, so typing never waits on them.
 */
import { parentPort } from 'node:worker_threads';
import { createRegistry } from '../core/languages';
import { flagToken } from './context';
import { executeSlowJob } from './execute';
import type { SlowRequest, SlowResponse } from './protocol';

const registry = createRegistry();
const port = parentPort;
if (port) {
  port.on('message', (req: SlowRequest) => {
    const t0 = performance.now();
    void executeSlowJob(req.job, registry, flagToken(req.cancel)).then(
      (diagnostics) => port.postMessage({ id: req.id, diagnostics, millis: performance.now() - t0 } satisfies SlowResponse),
      (e: unknown) => port.postMessage({ id: req.id, error: e instanceof Error ? (e.stack ?? e.message) : String(e) } satisfies SlowResponse),
    );
  });
}
