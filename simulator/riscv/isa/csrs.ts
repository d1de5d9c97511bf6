/**
 * CSR names of the unprivileged and privileged specifications (1.12, with the hypervisor
 * extension). The table is built from ranges so numbered families (pmpaddr0..63,
 * mhpmcounter3..31, …) cannot drift from their base addresses.
 */
const table = new Map<string, number>();
const names = new Map<number, string>();

function add(name: string, num: number): void {
  table.set(name, num);
  if (!names.has(num)) names.set(num, name);
}

function family(prefix: string, first: number, last: number, base: number, suffix = ''): void {
  for (let i = first; i <= last; i++) add(`${prefix}${i}${suffix}`, base + i);
}

// Unprivileged floating-point and counter CSRs.
add('fflags', 0x001);
add('frm', 0x002);
add('fcsr', 0x003);
add('cycle', 0xc00);
add('time', 0xc01);
add('instret', 0xc02);
family('hpmcounter', 3, 31, 0xc00);
add('cycleh', 0xc80);
add('timeh', 0xc81);
add('instreth', 0xc82);
family('hpmcounter', 3, 31, 0xc80, 'h');

// Supervisor.
add('sstatus', 0x100);
add('sie', 0x104);
add('stvec', 0x105);
add('scounteren', 0x106);
add('senvcfg', 0x10a);
add('sscratch', 0x140);
add('sepc', 0x141);
add('scause', 0x142);
add('stval', 0x143);
add('sip', 0x144);
add('satp', 0x180);
add('scontext', 0x5a8);

// Hypervisor and virtual supervisor.
add('hstatus', 0x600);
add('hedeleg', 0x602);
add('hideleg', 0x603);
add('hie', 0x604);
add('htimedelta', 0x605);
add('hcounteren', 0x606);
add('hgeie', 0x607);
add('henvcfg', 0x60a);
add('htimedeltah', 0x615);
add('henvcfgh', 0x61a);
add('htval', 0x643);
add('hip', 0x644);
add('hvip', 0x645);
add('htinst', 0x64a);
add('hgatp', 0x680);
add('hcontext', 0x6a8);
add('hgeip', 0xe12);
add('vsstatus', 0x200);
add('vsie', 0x204);
add('vstvec', 0x205);
add('vsscratch', 0x240);
add('vsepc', 0x241);
add('vscause', 0x242);
add('vstval', 0x243);
add('vsip', 0x244);
add('vsatp', 0x280);

// Machine.
add('mvendorid', 0xf11);
add('marchid', 0xf12);
add('mimpid', 0xf13);
add('mhartid', 0xf14);
add('mconfigptr', 0xf15);
add('mstatus', 0x300);
add('misa', 0x301);
add('medeleg', 0x302);
add('mideleg', 0x303);
add('mie', 0x304);
add('mtvec', 0x305);
add('mcounteren', 0x306);
add('menvcfg', 0x30a);
add('mstatush', 0x310);
add('menvcfgh', 0x31a);
add('mcountinhibit', 0x320);
family('mhpmevent', 3, 31, 0x320);
add('mscratch', 0x340);
add('mepc', 0x341);
add('mcause', 0x342);
add('mtval', 0x343);
add('mip', 0x344);
add('mtinst', 0x34a);
add('mtval2', 0x34b);
family('pmpcfg', 0, 15, 0x3a0);
family('pmpaddr', 0, 63, 0x3b0);
add('mseccfg', 0x747);
add('mseccfgh', 0x757);
add('mcycle', 0xb00);
add('minstret', 0xb02);
family('mhpmcounter', 3, 31, 0xb00);
add('mcycleh', 0xb80);
add('minstreth', 0xb82);
family('mhpmcounter', 3, 31, 0xb80, 'h');

// Debug and trigger.
add('tselect', 0x7a0);
add('tdata1', 0x7a1);
add('tdata2', 0x7a2);
add('tdata3', 0x7a3);
add('mcontext', 0x7a8);
add('dcsr', 0x7b0);
add('dpc', 0x7b1);
add('dscratch0', 0x7b2);
add('dscratch1', 0x7b3);

export function csrNumber(name: string): number | undefined {
  return table.get(name);
}

export function csrName(num: number): string | undefined {
  return names.get(num);
}

export function allCsrNames(): string[] {
  return [...table.keys()];
}
