#!/usr/bin/env bash
# Records the reference traces of tests/traces from QEMU 7.2 (Debian's
# qemu-system-misc) and OpenSBI 1.1 (Debian's opensbi):
#   opensbi-virt-head100k       virt -smp 1 -cpu rv64,h=false, fw_jump, first 100k instructions
#   opensbi-sifive_u-head100k   sifive_u (5 harts), fw_jump, until a hart retired 100k instructions
#   hello-virt                  src/hello.S on virt, -bios none, complete (ends at the test finisher)
# With --full, the OpenSBI recordings run to the jump into the payload
# (pc 0x80200000; ~12M instructions on virt, minutes, tens of MB), which is
# too big to commit: the tests that need it record it themselves.
# Extra arguments go to the recorder (see go run ./tests/traces/record -h).
set -euo pipefail
cd "$(dirname "$0")/../.."
for tool in qemu-system-riscv64 riscv64-unknown-elf-gcc; do
	command -v "$tool" >/dev/null || { echo "record.sh: $tool not installed" >&2; exit 2; }
done
out=tests/traces
if [[ "${1:-}" == "--full" ]]; then
	out=${OUT:-/tmp/cosim-traces}
	mkdir -p "$out"
	shift
	set -- -full "$@"
fi
go run ./tests/traces/record -o "$out" "$@"
