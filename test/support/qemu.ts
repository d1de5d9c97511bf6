/**
 * QEMU (Debian's qemu-system-misc, installed by scripts/install-test-deps.sh) as an independent
 * reference machine: a bare-metal ELF on the virt machine, no firmware, no console. Programs built
 * with -DQEMU stop it through the SiFive test device, so its exit status is the program's verdict.
 */
import { spawn } from 'node:child_process';

export const QEMU = 'qemu-system-riscv64';

export interface QemuRun {
  /** Exit status (0 = pass through the test device); null when killed. */
  status: number | null;
  timedOut: boolean;
  seconds: number;
  stderr: string;
}

/** Runs `elf` on qemu-system-riscv64 -machine virt -bios none; kills it after timeoutMs. */
export function runQemu(elf: string, options: { timeoutMs?: number } = {}): Promise<QemuRun> {
  const args = ['-machine', 'virt', '-bios', 'none', '-nographic', '-monitor', 'none', '-serial', 'none', '-no-reboot', '-kernel', elf];
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(QEMU, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let timedOut = false;
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
      resolve({ status, timedOut, seconds: Number(process.hrtime.bigint() - t0) / 1e9, stderr });
    });
  });
}
