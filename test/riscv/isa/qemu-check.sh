#!/bin/sh
# Validate the self-checking ISA programs against QEMU (an independent oracle):
#   every program must pass on qemu-system-riscv64 -machine virt, and a copy with a deliberately
#   wrong expected value must fail. Needs binutils-riscv64-linux-gnu, cpp and qemu-system-misc.
#
#   test/riscv/isa/qemu-check.sh [program.S ...]      (default: every program in this folder)
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
LINK_LD=${LINK_LD:-/work/shared/bench/riscv/link.ld}
TIMEOUT=${TIMEOUT:-30}
BUILD=$(mktemp -d /tmp/hyperlab-isa-qemu.XXXXXX)
trap 'rm -rf "$BUILD"' EXIT

for tool in cpp riscv64-linux-gnu-as riscv64-linux-gnu-ld qemu-system-riscv64; do
  command -v "$tool" >/dev/null 2>&1 || { echo "missing $tool" >&2; exit 2; }
done

# Preprocess every source (env.S included) so that `.include "env.S"` finds the preprocessed copy.
for f in "$HERE"/*.S; do
  cpp -P -x assembler-with-cpp -DQEMU "$f" -o "$BUILD/$(basename "$f")" 2>"$BUILD/cpp.err" || { cat "$BUILD/cpp.err"; exit 2; }
done

build() { # name -> $BUILD/name.elf
  ( cd "$BUILD" &&
    riscv64-linux-gnu-as -march=rv64ima_zicsr_zifencei -mabi=lp64 "$1.S" -o "$1.o" &&
    riscv64-linux-gnu-ld -T "$LINK_LD" -nostdlib "$1.o" -o "$1.elf" )
}

runq() { # name -> exit status of QEMU (0 = pass, n = failing test number mod 256)
  timeout "$TIMEOUT" qemu-system-riscv64 -machine virt -bios none -nographic -monitor none \
    -serial none -no-reboot -kernel "$BUILD/$1.elf" </dev/null >/dev/null 2>"$BUILD/$1.qemu.err"
}

if [ $# -gt 0 ]; then progs="$*"; else progs=$(cd "$HERE" && ls *.S | grep -v '^env\.S$'); fi

bad=0
for p in $progs; do
  name=$(basename "$p" .S)
  if ! build "$name"; then echo "BUILD-FAIL $name"; bad=1; continue; fi
  runq "$name"; rc=$?
  if [ $rc -eq 0 ]; then echo "PASS $name"
  elif [ $rc -eq 124 ]; then echo "TIMEOUT $name"; bad=1
  else echo "FAIL $name (exit $rc = failing test number mod 256)"; bad=1; fi
done

# The oracle must also be able to say no: break the expected value of one check.
sed '0,/^  TEST_RR 1, add, 0x0,/s//  TEST_RR 1, add, 0x1,/' "$BUILD/rv64ui-alu.S" >"$BUILD/broken.S"
if cmp -s "$BUILD/rv64ui-alu.S" "$BUILD/broken.S"; then echo "could not make broken copy" >&2; bad=1
elif build broken; then
  runq broken; rc=$?
  if [ $rc -eq 1 ]; then echo "PASS broken copy fails test 1 as it should"
  else echo "FAIL broken copy: expected exit 1 (test 1 failed), got $rc"; bad=1; fi
else bad=1; fi

exit $bad
