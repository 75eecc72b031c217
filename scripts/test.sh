#!/usr/bin/env bash
# The whole test suite, as the README gives it and CI runs it.
#
# 1. Installs the Debian packages the tests use when they are missing
#    (apt-get; needs root or sudo).
# 2. Checks that generated files (SoC packages, C headers, board pages, the
#    prebuilt kernel images, the hart's tracing loop) are current.
# 3. Runs go vet and every Go test.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
	gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf
	qemu-system-misc opensbi u-boot-qemu
	device-tree-compiler gdb-multiarch tshark
	clang-14 lld-14 make
)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
	echo "test.sh: installing ${missing[*]}" >&2
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	export DEBIAN_FRONTEND=noninteractive
	$sudo apt-get update -qq
	$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

echo "test.sh: generated files are current" >&2
go run ./cmd/cosim gen --check
go run ./hw/hart/innergen -check

echo "test.sh: go vet" >&2
go vet ./...

echo "test.sh: go test" >&2
go test -timeout 30m ./...
