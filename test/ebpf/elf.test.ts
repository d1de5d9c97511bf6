import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ElfLoadError, loadElf } from '../../simulator/ebpf/elf';
import * as I from '../../simulator/ebpf/isa';
import { Memory } from '../../simulator/ebpf/vm/memory';
import { Vm } from '../../simulator/ebpf/vm/vm';
import { verify } from '../../simulator/ebpf/verifier';
import { eventPlatform } from '../../simulator/ebpf/verifier/platform';
import { requireTool } from '../support/tools';

const COMMON = `
typedef unsigned long long u64;
typedef unsigned int u32;
#define SEC(n) __attribute__((section(n), used))
static void *(*map_lookup_elem)(void *map, const void *key) = (void *)1;
struct ctx { u64 vm_id, gpa, pages_wanted, range_start, range_end; };
static __attribute__((noinline)) u64 twice(u64 x) { return x * 2; }
`;

const BODY = `
SEC("page-reclaim") int cb(struct ctx *c) {
  u32 key = 1;
  u64 *v = map_lookup_elem(&counts, &key);
  if (!v) return 0;
  *v += twice(c->gpa);
  return *v > 100;
}
char LICENSE[] SEC("license") = "GPL";
`;

/** BTF-style map, as libbpf's __uint/__type macros spell it. */
const BTF_MAP = `
struct { int (*type)[2]; u32 *key; u64 *value; int (*max_entries)[4]; } counts SEC(".maps");
`;

/** Legacy map definition record. */
const LEGACY_MAP = `
struct bpf_map_def { u32 type, key_size, value_size, max_entries, map_flags; };
struct bpf_map_def counts SEC("maps") = { 2, 4, 8, 4, 0 };
`;

function compile(dir: string, name: string, src: string, debug: boolean): Uint8Array {
  const c = path.join(dir, `${name}.c`);
  const o = path.join(dir, `${name}.o`);
  fs.writeFileSync(c, src);
  execFileSync('clang', ['-O2', ...(debug ? ['-g'] : []), '-target', 'bpf', '-c', c, '-o', o], { stdio: 'pipe', timeout: 60_000 });
  return fs.readFileSync(o);
}

describe('eBPF ELF objects from clang -target bpf', function () {
  this.timeout(120_000);
  let dir = '';
  before(function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hyperlab-elf-'));
  });
  after(function () {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  for (const [kind, mapSrc, debug] of [
    ['.maps (BTF)', BTF_MAP, true],
    ['legacy maps', LEGACY_MAP, false],
  ] as const) {
    it(`loads, verifies and runs a callback with a ${kind} array map, a helper call and a bpf-to-bpf call on both engines`, function () {
      requireTool(this, 'clang');
      const prog = loadElf(compile(dir, kind.startsWith('.') ? 'btf' : 'legacy', COMMON + mapSrc + BODY, debug));
      assert.equal(prog.event, 'page-reclaim');
      assert.deepEqual(prog.maps, [{ name: 'counts', type: 'array', keySize: 4, valueSize: 8, maxEntries: 4 }]);
      assert.deepEqual(I.checkProgram(prog.insns), []);
      // The same verifier the editor and the hypervisor use accepts what clang made of the C.
      const verdict = verify({ insns: prog.insns, platform: eventPlatform(prog.event, prog.maps) });
      assert.ok(verdict.ok, verdict.diagnostics.map((d) => d.message).join('\n'));
      assert.ok(prog.insns.some((i) => I.isLddw(i) && i.src === I.PSEUDO_MAP_IDX && i.imm === 0));
      assert.ok(prog.insns.some((i) => I.isLocalCall(i)));
      for (const engine of ['interp', 'jit'] as const) {
        const vm = new Vm(prog);
        const ctx = new Uint8Array(40);
        new DataView(ctx.buffer).setBigUint64(8, 30n, true);
        const r = vm.mem.addRegion('context', ctx, false);
        assert.equal(vm.run(engine, Memory.address(r)).r0, 0n, `${engine}: 60 <= 100`);
        assert.equal(vm.run(engine, Memory.address(r)).r0, 1n, `${engine}: 120 > 100`);
        assert.equal(new DataView(vm.maps[0].region.bytes.buffer, vm.maps[0].region.bytes.byteOffset).getBigUint64(8, true), 120n);
      }
    });
  }

  it('the verifier rejects the same C without its null check, and says why', function () {
    requireTool(this, 'clang');
    const unchecked = compile(dir, 'unchecked', COMMON + LEGACY_MAP + BODY.replace('  if (!v) return 0;\n', ''), false);
    const prog = loadElf(unchecked);
    const verdict = verify({ insns: prog.insns, platform: eventPlatform(prog.event, prog.maps) });
    assert.equal(verdict.ok, false);
    assert.match(verdict.diagnostics.map((d) => d.message).join('\n'), /possible null access/);
  });

  it('reports what it cannot load in plain words', function () {
    requireTool(this, 'clang');
    assert.throws(() => loadElf(new Uint8Array(100)), (e: unknown) => e instanceof ElfLoadError && /not an ELF/.test(e.message));
    const global = compile(dir, 'global', `${COMMON}unsigned long long hits;\n__attribute__((section("tracing"), used)) int cb(void *c) { return ++hits; }\n`, false);
    assert.throws(() => loadElf(global), (e: unknown) => e instanceof ElfLoadError && /hits.*not a map/.test(e.message));
    const noBtf = compile(dir, 'nobtf', COMMON + BTF_MAP + BODY, false);
    assert.throws(() => loadElf(noBtf), (e: unknown) => e instanceof ElfLoadError && /compile with -g/.test(e.message));
    const ext = compile(dir, 'extern', `extern int f(int);\n__attribute__((section("tracing"), used)) int cb(void *c) { return f(1); }\n`, false);
    assert.throws(() => loadElf(ext), (e: unknown) => e instanceof ElfLoadError && /call to f.*externs are not supported/.test(e.message));
    assert.throws(() => loadElf(global, { section: 'nope' }), (e: unknown) => e instanceof ElfLoadError && /no section nope/.test(e.message));
  });
});
