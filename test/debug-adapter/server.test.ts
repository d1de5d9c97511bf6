/** The standalone adapter with --server=PORT: DAP over a TCP socket on 127.0.0.1. */
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import { EXAMPLES, adapterBundle, launch } from './support';

describe('debug adapter --server=PORT', function () {
  this.timeout(60_000);
  let server: ChildProcess | undefined;

  afterEach(() => { server?.kill(); server = undefined; });

  it('listens on 127.0.0.1 and serves a session over the socket', async () => {
    const bundle = await adapterBundle();
    const proc = spawn(process.execPath, [bundle, '--server=0'], { stdio: ['ignore', 'ignore', 'pipe'] });
    server = proc;
    const port = await new Promise<number>((resolve, reject) => {
      let err = '';
      proc.stderr?.on('data', (d: Buffer) => {
        err += d.toString();
        const m = /listening on 127\.0\.0\.1:(\d+)/.exec(err);
        if (m) resolve(Number(m[1]));
      });
      proc.on('exit', (code) => reject(new Error(`adapter exited (${code}): ${err}`)));
    });
    const dc = new DebugClient('node', bundle, 'hyperlab');
    await dc.start(port);
    try {
      const stop = await launch(dc, { program: path.join(EXAMPLES, 'hello/hello.hlab.json'), stopOnEntry: true });
      assert.equal(stop.body.reason, 'entry');
      const th = await dc.threadsRequest();
      assert.equal(th.body.threads.length, 1);
    } finally {
      await dc.stop();
    }
  });

  it('refuses a bad port', async () => {
    const bundle = await adapterBundle();
    const proc = spawn(process.execPath, [bundle, '--server=99999'], { stdio: ['ignore', 'ignore', 'pipe'] });
    server = proc;
    let err = '';
    proc.stderr?.on('data', (d: Buffer) => { err += d.toString(); });
    const code = await new Promise<number | null>((resolve) => proc.on('exit', resolve));
    assert.equal(code, 2);
    assert.match(err, /bad port/);
  });
});
