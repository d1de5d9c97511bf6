/**
 * QEMU (Debian's qemu-system-misc, installed by scripts/install-test-deps.sh) as an independent
 * reference machine: a bare-metal ELF on the virt machine, no firmware. Programs built with
 * -DQEMU stop it through the SiFive test device, so its exit status is the program's verdict.
 *
 * A single-hart run uses `-icount shift=0,sleep=off`: QEMU's clock then advances with
 * instructions retired (1 ns each) instead of host time, so timer-driven programs behave the same
 * on a loaded CI machine as on an idle one (without it a 50-tick timer could expire before the
 * program's measurement loop had run, and the oracle would flake). Multi-hart runs keep real time:
 * under icount QEMU steps harts round-robin in one thread, where two harts spinning on each other
 * stall, and none of the multi-hart programs asserts anything about time.
 */
import { spawn } from 'node:child_process';

export const QEMU = 'qemu-system-riscv64';

export interface QemuRun {
  /** Exit status (0 = pass through the test device); null when killed. */
  status: number | null;
  timedOut: boolean;
  seconds: number;
  /** What the program wrote to the UART (empty unless `console` was asked for). */
  out: string;
  stderr: string;
}

export interface QemuOptions {
  timeoutMs?: number;
  /** Number of harts (default 1). */
  smp?: number;
  /** Connect the UART to the run: `input` is fed to it and its output returned in `out`. */
  console?: boolean;
  input?: string;
}

/** Runs `elf` on qemu-system-riscv64 -machine virt -bios none; kills it after timeoutMs. */
export function runQemu(elf: string, options: QemuOptions = {}): Promise<QemuRun> {
  const smp = options.smp ?? 1;
  const args = [
    '-machine', 'virt', '-smp', String(smp), '-bios', 'none', '-nographic', '-monitor', 'none',
    ...(smp === 1 ? ['-icount', 'shift=0,sleep=off'] : []),
    '-serial', options.console ? 'stdio' : 'none', '-no-reboot', '-kernel', elf,
  ];
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(QEMU, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? 10_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (status) => {
      clearTimeout(timer);
      child.stdin.destroy();
      resolve({ status, timedOut, seconds: Number(process.hrtime.bigint() - t0) / 1e9, out, stderr });
    });
    // The input stays open until QEMU exits: an end-of-file on stdio can close QEMU's serial
    // backend before the guest has taken the bytes, and the program then waits for them forever.
    child.stdin.on('error', () => undefined);
    child.stdin.write(options.input ?? '');
  });
}
