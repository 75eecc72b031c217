#!/usr/bin/env bash
# Records QEMU 7.2's reference trace of OpenSBI 1.1 fw_jump booting U-Boot
# (S-mode) and cosim's trace of the same boot, and compares them: what
# boot_test.go does, by hand, keeping the files.
#
#   tests/traces/record-boot.sh [virt|sifive_u] [N] [OUTDIR]
#
# N is the number of instructions of the compared hart (default 2000000;
# OpenSBI reaches U-Boot after ~11.8M on virt with QEMU's device tree).
# Both sides boot the device tree exactly as QEMU hands it to the guest:
# QEMU's own tree is dumped, loaded back with -dtb and -seed 1 (QEMU
# rewrites /chosen/rng-seed at every reset; -seed makes the value
# repeatable) and read from guest memory through the monitor; QEMU then
# runs with -seed 1 -dtb guest.dtb and cosim with --dtb guest.dtb.
# The QEMU log (~1.5 KB per instruction) goes through a FIFO into
# cosim trace import, never to disk; the traces take ~75 (QEMU) and
# ~90 (cosim) bytes per instruction.
set -euo pipefail
machine=${1:-virt}
n=${2:-2000000}
out=${3:-/tmp/cosim-boot-traces}
fw=/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin
uboot=/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin
for f in "$fw" "$uboot"; do
	[[ -f $f ]] || { echo "record-boot.sh: $f missing (apt-get install opensbi u-boot-qemu)" >&2; exit 2; }
done
command -v qemu-system-riscv64 >/dev/null || { echo "record-boot.sh: qemu-system-riscv64 not installed" >&2; exit 2; }
# OpenSBI 1.1 fw_jump's loops where a hart waits for another (see
# sifiveSpins in boot_test.go).
SIFIVE_SPIN="spin:0x8000032e-0x80000346"
case $machine in
virt)
	qargs=(-M virt -cpu rv64,h=false -smp 1 -m 128M) dumpas=virt
	cargs=(--board qemu-virt --smp 1 -m 128M) hart=0 smp=1 spin=""
	;;
sifive_u)
	# QEMU's minimum: hart 0 (E51, M/U only) and hart 1 (U54), which boots.
	qargs=(-M sifive_u -smp 2 -m 128M -accel tcg,thread=single) dumpas=sifive_u
	cargs=(--board sifive-unleashed --smp 2 -m 128M) hart=1 smp=2
	spin=$SIFIVE_SPIN
	;;
*) echo "record-boot.sh: machine virt or sifive_u" >&2; exit 2 ;;
esac
cd "$(dirname "$0")/../.."
mkdir -p "$out"
go build -o "$out/cosim" ./cmd/cosim
cosim=$out/cosim

# QEMU's tree as the guest receives it.
qemu-system-riscv64 "${qargs[@]}" -M "$dumpas,dumpdtb=$out/dumped.dtb" -display none -bios none >/dev/null
monitor() { printf '%s\nquit\n' "$1" | qemu-system-riscv64 "${qargs[@]}" -seed 1 -dtb "$out/dumped.dtb" -bios none \
	-display none -serial null -S -monitor stdio >/dev/null; }
monitor "pmemsave 0x1000 0x100 \"$out/rom.bin\""
# The FDT address is the doubleword 32 bytes after the ROM's "auipc t0,0".
fdt=$(python3 -c '
import struct,sys
rom=open(sys.argv[1],"rb").read()
o=next(i for i in range(0,len(rom)-40,4) if struct.unpack_from("<I",rom,i)[0]==0x297)
print(hex(struct.unpack_from("<Q",rom,o+32)[0]))' "$out/rom.bin")
size=$(python3 -c '
import struct,sys
h=open(sys.argv[1],"rb").read(40)
strings,ssize=struct.unpack_from(">I",h,12)[0],struct.unpack_from(">I",h,32)[0]
print(strings+ssize)' "$out/dumped.dtb")
monitor "pmemsave $fdt $size \"$out/guest.dtb\""

# QEMU, logged through a FIFO into cosim trace import.
rm -f "$out/qemu.log"
mkfifo "$out/qemu.log"
qemu-system-riscv64 "${qargs[@]}" -seed 1 -dtb "$out/guest.dtb" -bios "$fw" -kernel "$uboot" \
	-display none -serial null -monitor none -singlestep -d in_asm,exec,cpu,nochain,int -D "$out/qemu.log" &
qpid=$!
"$cosim" trace import --qemu-log "$out/qemu.log" --max "$n" -o "$out/qemu-$machine.pcapng" \
	--meta board="${cargs[1]}" --meta qemu-args="${qargs[*]} -seed 1 -dtb guest.dtb -bios fw_jump.bin -kernel u-boot.bin"
kill "$qpid" 2>/dev/null || true
wait "$qpid" 2>/dev/null || true
rm -f "$out/qemu.log"

# cosim, the same boot.
"$cosim" run "${cargs[@]}" --bios "$fw" --kernel "$uboot" --dtb "$out/guest.dtb" --max-insns $((n * smp)) \
	--trace "$out/cosim-$machine.pcapng" --trace-filter "hart=$hart,kind=retire+trap+interrupt" </dev/null >/dev/null || true
vol="csr:cycle,csr:time,csr:instret,csr:mcycle,csr:minstret,csr:mip,csr:sip,mem:0x200bff8-0x200c000${spin:+,$spin}"
"$cosim" trace diff --hart "$hart" --volatile "$vol" "$out/cosim-$machine.pcapng" "$out/qemu-$machine.pcapng"
