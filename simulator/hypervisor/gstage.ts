/**
 * G-stage (guest-physical → host-physical) page tables in Sv39x4 format, built by the hypervisor
 * in host memory it reserves for itself, and the page allocator for that memory.
 *
 * Written from the RISC-V privileged spec 1.12 / H extension 1.0, "Two-stage address translation":
 * Sv39x4 translates 41-bit guest physical addresses; the root table has 2048 entries (16 KiB,
 * 16 KiB aligned) indexed by GPA[40:30]; the two lower levels are ordinary 4 KiB Sv39 tables
 * indexed by GPA[29:21] and GPA[20:12]. G-stage leaves must have U = 1 (G-stage accesses are
 * U-mode accesses). The MMU implements Svade, so leaves are written with A = 1 and (when
 * writable) D = 1 — the hardware never sets them.
 *
 * Tables are written into host RAM through `Ram.prepareWrite` (HostMemory), so machine snapshots
 * (copy-on-write RAM) capture and roll back table pages like any other page. Only invalid → valid
 * changes are made while guests run (demand mapping); the model's TLB never caches a failed walk,
 * so those need no fence.
 * `unmap` returns true when a mapping was removed; the caller must then fence (hfence.gvma).
 */
import type { Ram } from '../machine/bus';

export const PAGE_SIZE = 4096;
/** Size and alignment of an Sv39x4 root table. */
export const GSTAGE_ROOT_BYTES = 16 * 1024;
/** Sv39x4: guest physical addresses below 2^41. */
export const GSTAGE_GPA_LIMIT = 2 ** 41;
/** hgatp.MODE for Sv39x4. */
export const HGATP_SV39X4 = 8n;

export const PTE_V = 1, PTE_R = 2, PTE_W = 4, PTE_X = 8, PTE_U = 16, PTE_A = 64, PTE_D = 128;
/** Leaf permissions of guest RAM: read, write, execute, user (required in the G-stage), accessed, dirty. */
export const GUEST_RAM_PERMS = PTE_R | PTE_W | PTE_X;

/** Little-endian 64-bit access to host RAM by host physical address. */
export class HostMemory {
  private readonly view: DataView;

  constructor(readonly ram: Ram) {
    this.view = new DataView(ram.u8.buffer, ram.u8.byteOffset, ram.u8.byteLength);
  }

  private offset(hpa: number, size: number): number {
    const o = hpa - this.ram.base;
    if (o < 0 || o + size > this.ram.size) throw new Error(`host physical address 0x${hpa.toString(16)} is outside RAM`);
    return o;
  }

  read64(hpa: number): bigint { return this.view.getBigUint64(this.offset(hpa, 8), true); }
  write64(hpa: number, v: bigint): void { const o = this.offset(hpa, 8); this.ram.prepareWrite(o, 8); this.view.setBigUint64(o, BigInt.asUintN(64, v), true); }
  read32(hpa: number): number { return this.view.getUint32(this.offset(hpa, 4), true); }
  /** A read-only view (writes through it would bypass copy-on-write snapshots: use {@link write}). */
  bytes(hpa: number, length: number): Uint8Array { const o = this.offset(hpa, length); return this.ram.u8.subarray(o, o + length); }
  /** Copies `data` into host RAM at `hpa` (through `prepareWrite`, so snapshots see the change). */
  write(hpa: number, data: Uint8Array): void { const o = this.offset(hpa, data.length); this.ram.prepareWrite(o, data.length); this.ram.u8.set(data, o); }
  zero(hpa: number, length: number): void { const o = this.offset(hpa, length); this.ram.prepareWrite(o, length); this.ram.u8.fill(0, o, o + length); }
}

/** Bump allocator of zeroed, aligned pages inside the hypervisor's reserved host region. */
export class PagePool {
  private next: number;

  constructor(private readonly mem: HostMemory, readonly base: number, readonly size: number) {
    this.next = base;
  }

  /** Allocates `bytes` (a multiple of 4 KiB) aligned to `align`; throws when the region is full. */
  alloc(bytes: number, align = PAGE_SIZE): number {
    const at = Math.ceil(this.next / align) * align;
    if (at + bytes > this.base + this.size) throw new Error(`hypervisor page pool exhausted (${this.size} bytes at 0x${this.base.toString(16)})`);
    this.next = at + bytes;
    this.mem.zero(at, bytes);
    return at;
  }

  get used(): number { return this.next - this.base; }
}

/** Host pages an Sv39x4 table set needs to map `bytes` of guest RAM at `gpa` with 4 KiB pages (root included). */
export function gstagePagesFor(gpa: number, bytes: number): number {
  const gib = Math.floor((gpa + bytes - 1) / 2 ** 30) - Math.floor(gpa / 2 ** 30) + 1;
  const mib2 = Math.floor((gpa + bytes - 1) / 2 ** 21) - Math.floor(gpa / 2 ** 21) + 1;
  return GSTAGE_ROOT_BYTES / PAGE_SIZE + gib + mib2;
}

export interface GStageLeaf {
  hpa: number;
  /** PTE bits 7:0. */
  flags: number;
  /** Host address of the leaf PTE itself. */
  pteAddress: number;
}

/** One VM's G-stage table tree. */
export class GStage {
  /** Host physical address of the 16 KiB root table. */
  readonly root: number;
  /** 4 KiB pages currently mapped. */
  mappedPages = 0;

  constructor(private readonly mem: HostMemory, private readonly pool: PagePool) {
    this.root = pool.alloc(GSTAGE_ROOT_BYTES, GSTAGE_ROOT_BYTES);
  }

  /** The hgatp value selecting these tables for `vmid` (Sv39x4). */
  hgatp(vmid: number): bigint {
    return (HGATP_SV39X4 << 60n) | (BigInt(vmid & 0x3fff) << 44n) | BigInt(this.root / PAGE_SIZE);
  }

  private static index(gpa: number, level: number): number {
    const i = Math.floor(gpa / 2 ** (12 + 9 * level));
    return level === 2 ? i : i % 512;
  }

  /** Address of the level-0 PTE of `gpa`, creating the intermediate tables when `create`. */
  private leafSlot(gpa: number, create: boolean): number | undefined {
    if (!Number.isInteger(gpa) || gpa < 0 || gpa >= GSTAGE_GPA_LIMIT) throw new Error(`GPA 0x${gpa.toString(16)} is outside Sv39x4`);
    let table = this.root;
    for (let level = 2; level > 0; level--) {
      const slot = table + GStage.index(gpa, level) * 8;
      const pte = this.mem.read64(slot);
      if (pte & BigInt(PTE_V)) {
        if (pte & BigInt(PTE_R | PTE_W | PTE_X)) throw new Error(`GPA 0x${gpa.toString(16)} is inside a superpage`);
        table = Number(pte >> 10n) * PAGE_SIZE;
        continue;
      }
      if (!create) return undefined;
      const next = this.pool.alloc(PAGE_SIZE);
      this.mem.write64(slot, (BigInt(next / PAGE_SIZE) << 10n) | BigInt(PTE_V));
      table = next;
    }
    return table + GStage.index(gpa, 0) * 8;
  }

  /** Maps the 4 KiB guest page at `gpa` to the host page at `hpa` (`perms`: R/W/X bits). */
  map(gpa: number, hpa: number, perms = GUEST_RAM_PERMS): void {
    if (gpa % PAGE_SIZE || hpa % PAGE_SIZE) throw new Error('G-stage mappings are page aligned');
    const slot = this.leafSlot(gpa, true) as number;
    const old = this.mem.read64(slot);
    const flags = PTE_V | PTE_U | PTE_A | (perms & (PTE_R | PTE_W | PTE_X)) | (perms & PTE_W ? PTE_D : 0);
    this.mem.write64(slot, (BigInt(hpa / PAGE_SIZE) << 10n) | BigInt(flags));
    if (!(old & BigInt(PTE_V))) this.mappedPages++;
  }

  /** Removes the mapping of the page at `gpa`; true if there was one (the caller fences). */
  unmap(gpa: number): boolean {
    const slot = this.leafSlot(gpa - (gpa % PAGE_SIZE), false);
    if (slot === undefined) return false;
    const old = this.mem.read64(slot);
    if (!(old & BigInt(PTE_V))) return false;
    this.mem.write64(slot, 0n);
    this.mappedPages--;
    return true;
  }

  /** Software walk (the hypervisor's own view, no TLB): the leaf mapping `gpa`, if any. */
  lookup(gpa: number): GStageLeaf | undefined {
    if (gpa < 0 || gpa >= GSTAGE_GPA_LIMIT) return undefined;
    const slot = this.leafSlot(gpa - (gpa % PAGE_SIZE), false);
    if (slot === undefined) return undefined;
    const pte = this.mem.read64(slot);
    if (!(pte & BigInt(PTE_V))) return undefined;
    return { hpa: Number(pte >> 10n) * PAGE_SIZE + (gpa % PAGE_SIZE), flags: Number(pte & 0xffn), pteAddress: slot };
  }
}
