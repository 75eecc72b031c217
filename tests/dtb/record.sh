#!/usr/bin/env bash
# Records QEMU's own device trees, the references tests/dtb compares our
# generated DTBs with. Run it when the QEMU reference changes; commit the
# output. Files are named <board>_smp<N>_m<SIZE>.dtb.gz (QEMU pads its blob
# to 1 MiB; gzip -n keeps the files small and byte-stable): the test rebuilds
# our DTB for the same board, hart count and DRAM size.
#
# virt is recorded with `-cpu rv64,h=false`: our hart implements QEMU 7.2's
# default rv64 CPU without the H extension, and with that flag QEMU's
# riscv,isa is exactly our ISA string
# (rv64imafdc_zicsr_zifencei_zihintpause_zba_zbb_zbc_zbs_sstc).
# sifive_u is recorded with QEMU's default sifive_u CPUs (E51 + U54s).
set -euo pipefail
cd "$(dirname "$0")"
out=testdata
mkdir -p "$out"
qemu=${QEMU:-qemu-system-riscv64}
command -v "$qemu" >/dev/null || { echo "record.sh: $qemu not found (Debian: qemu-system-misc)" >&2; exit 1; }

dump() { # board machine smp mem [extra qemu args...]
	local board=$1 machine=$2 smp=$3 mem=$4
	shift 4
	local f="$out/${board}_smp${smp}_m${mem}.dtb"
	"$qemu" -M "$machine,dumpdtb=$f" -smp "$smp" -m "$mem" -nographic "$@" 2>/dev/null || true
	test -s "$f" || { echo "record.sh: QEMU wrote no $f" >&2; exit 1; }
	gzip -n -9 -f "$f"
	echo "recorded $f.gz"
}

dump qemu-virt virt 1 128M -cpu rv64,h=false
dump qemu-virt virt 4 1G -cpu rv64,h=false
dump qemu-virt virt 8 16G -cpu rv64,h=false
dump sifive-unleashed sifive_u 5 128M
dump sifive-unleashed sifive_u 2 1G
"$qemu" --version | head -1 >"$out/QEMU_VERSION"
