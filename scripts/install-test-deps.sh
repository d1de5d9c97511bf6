#!/usr/bin/env bash
# Installs the external tools the test suite uses as oracles, once: Debian's RISC-V binutils
# (GNU as is the encoding oracle; ld/objdump/readelf check our ELF files), QEMU (runs the
# self-checking ISA programs as an independent reference) and cpp (the GNU builds of those
# programs are preprocessed). Idempotent: a tool already on PATH is not installed again, and
# apt's package lists are refreshed only when something is missing.
# Under CI=true a tool that cannot be installed is an error; elsewhere the tests that need it skip.
set -euo pipefail

declare -A wanted=(
  [riscv64-linux-gnu-as]=binutils-riscv64-linux-gnu
  [qemu-system-riscv64]=qemu-system-misc
  [cpp]=cpp
  [clang]=clang
  [nvim]=neovim
)

missing=()
for tool in "${!wanted[@]}"; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("${wanted[$tool]}")
done
[ ${#missing[@]} -eq 0 ] && exit 0

as_root=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then as_root=(sudo -n); fi
fi
if [ "$(id -u)" -ne 0 ] && [ ${#as_root[@]} -eq 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "install-test-deps: cannot install ${missing[*]} (needs apt-get as root); tests that use them will skip" >&2
  [ "${CI:-}" = "true" ] && exit 1
  exit 0
fi

echo "install-test-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
