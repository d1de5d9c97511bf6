/** CSR numbers and trap causes used by the hart (privileged spec names). */
export const CSR = {
  sstatus: 0x100, sie: 0x104, stvec: 0x105, scounteren: 0x106, senvcfg: 0x10a, sscratch: 0x140, sepc: 0x141,
  scause: 0x142, stval: 0x143, sip: 0x144, satp: 0x180,
  vsstatus: 0x200, vsie: 0x204, vstvec: 0x205, vsscratch: 0x240, vsepc: 0x241, vscause: 0x242, vstval: 0x243,
  vsip: 0x244, vsatp: 0x280,
  hstatus: 0x600, hedeleg: 0x602, hideleg: 0x603, hie: 0x604, htimedelta: 0x605, hcounteren: 0x606, hgeie: 0x607,
  henvcfg: 0x60a, htval: 0x643, hip: 0x644, hvip: 0x645, htinst: 0x64a, hgatp: 0x680, hgeip: 0xe12,
  menvcfg: 0x30a, mtinst: 0x34a, mtval2: 0x34b,
  mstatus: 0x300, misa: 0x301, medeleg: 0x302, mideleg: 0x303, mie: 0x304, mtvec: 0x305, mcounteren: 0x306,
  mcountinhibit: 0x320, mscratch: 0x340, mepc: 0x341, mcause: 0x342, mtval: 0x343, mip: 0x344,
  mcycle: 0xb00, minstret: 0xb02, cycle: 0xc00, time: 0xc01, instret: 0xc02,
  mvendorid: 0xf11, marchid: 0xf12, mimpid: 0xf13, mhartid: 0xf14, mconfigptr: 0xf15,
} as const;

export const CSR_NAMES: ReadonlyMap<number, string> = new Map(Object.entries(CSR).map(([k, v]) => [v, k]));

export enum Cause {
  InstructionMisaligned = 0, InstructionAccessFault = 1, IllegalInstruction = 2, Breakpoint = 3,
  LoadMisaligned = 4, LoadAccessFault = 5, StoreMisaligned = 6, StoreAccessFault = 7,
  EcallU = 8, EcallS = 9, EcallVS = 10, EcallM = 11,
  InstructionPageFault = 12, LoadPageFault = 13, StorePageFault = 15,
  InstructionGuestPageFault = 20, LoadGuestPageFault = 21, VirtualInstruction = 22, StoreGuestPageFault = 23,
}

const CAUSE_TEXT: Record<number, string> = {
  0: 'instruction address misaligned', 1: 'instruction access fault', 2: 'illegal instruction', 3: 'breakpoint',
  4: 'load address misaligned', 5: 'load access fault', 6: 'store/AMO address misaligned', 7: 'store/AMO access fault',
  8: 'environment call from U-mode', 9: 'environment call from S-mode', 10: 'environment call from VS-mode',
  11: 'environment call from M-mode', 12: 'instruction page fault', 13: 'load page fault', 15: 'store/AMO page fault',
  20: 'instruction guest-page fault', 21: 'load guest-page fault', 22: 'virtual instruction', 23: 'store/AMO guest-page fault',
};

export function causeText(cause: bigint): string {
  const interrupt = (cause >> 63n) & 1n;
  const code = Number(cause & 0x7fffffffffffffffn);
  if (interrupt) return `interrupt ${code}`;
  return CAUSE_TEXT[code] ?? `exception ${code}`;
}

/** Privilege levels (encoding of mstatus.MPP). */
export const PRV_U = 0, PRV_S = 1, PRV_M = 3;
