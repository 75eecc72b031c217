// Package isa holds the hart's ISA tests: hand-written assembly programs
// run on hw/hart and on QEMU (asm/), the random differential generator
// (randgen/) and its command-line campaign (cmd/difftest/), and the
// compute workload of cosim/bench timed on the bare hart (bench_test.go).
package isa

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"cosim/hw/hart"
	"cosim/tests/isa/harness"
)

const maxInsns = 50_000_000

// buildAsm builds one hand-written test into dir.
// Tests written in C link the C helpers too.
func buildAsm(t testing.TB, dir, src string) string {
	t.Helper()
	out := filepath.Join(dir, testName(src)+".elf")
	srcs := []string{src, "asm/lib/rt.S"}
	flags := []string{"-Iasm"}
	if strings.HasSuffix(src, ".c") {
		srcs = append(srcs, "asm/lib/lib.c")
		flags = append(flags, "-O2", "-ffreestanding", "-fno-builtin", "-fno-tree-loop-distribute-patterns")
	}
	require.NoError(t, harness.Build(out, "asm/lib/link.ld", flags, srcs...))
	return out
}

func testName(src string) string {
	return strings.TrimSuffix(strings.TrimSuffix(filepath.Base(src), ".S"), ".c")
}

func asmTests(t *testing.T) []string {
	srcs, err := filepath.Glob("asm/*.[Sc]")
	require.NoError(t, err)
	sort.Strings(srcs)
	require.NotEmpty(t, srcs)
	return srcs
}

// TestAsmAgainstQEMU runs every asm/*.S test on our hart and on QEMU; both
// must pass and print the same text. Tests whose name starts with
// "model_" run only on our hart (they exercise configurations QEMU does not
// have) and compare with a golden file next to them.
func TestAsmAgainstQEMU(t *testing.T) {
	if err := harness.Need(harness.GCC, harness.QEMU); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, src := range asmTests(t) {
		name := testName(src)
		if strings.HasPrefix(name, "model_") {
			continue
		}
		t.Run(name, func(t *testing.T) {
			elf := buildAsm(t, dir, src)
			want, err := harness.RunQEMU(elf, 20*time.Second)
			require.NoError(t, err)
			got, err := harness.RunELF(harness.VirtConfig(), elf, maxInsns)
			require.NoError(t, err, "output so far:\n%s", got.Output)
			require.Equal(t, want.Output, got.Output, "UART output differs from QEMU")
			require.Equal(t, want.String(), got.String())
			require.True(t, got.Passed, "test failed on both with code %d", got.Code)
		})
	}
}

// modelConfigs are the hart configurations of the model-only tests, by
// test name.
var modelConfigs = map[string]func() hart.Config{
	"model_ad_fault": func() hart.Config {
		c := harness.VirtConfig()
		c.AD = hart.ADFault
		return c
	},
	"model_misaligned_trap": func() hart.Config {
		c := harness.VirtConfig()
		c.Misaligned = hart.MisalignedTrap
		return c
	},
	"model_errata": func() hart.Config {
		c := harness.VirtConfig()
		c.ErratumCIP1200 = true
		c.ErratumCIP453 = true
		c.MMUModes = []string{"sv39"}
		return c
	},
	"model_pmp_grain": func() hart.Config {
		c := harness.VirtConfig()
		c.PMPEntries = 8
		c.PMPGranularity = 4096
		return c
	},
	"model_zbb":      harness.VirtConfig,
	"model_counters": harness.VirtConfig,
	"model_rv64imac": func() hart.Config {
		c := harness.VirtConfig()
		c.ISA = "rv64imac"
		return c
	},
}

// TestAsmModelOnly runs the model_* tests against their golden output
// (asm/<name>.golden). Set COSIM_UPDATE_GOLDEN=1 to rewrite the files after
// checking the new output by hand.
func TestAsmModelOnly(t *testing.T) {
	if err := harness.Need(harness.GCC); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, src := range asmTests(t) {
		name := testName(src)
		if !strings.HasPrefix(name, "model_") {
			continue
		}
		t.Run(name, func(t *testing.T) {
			cfg, ok := modelConfigs[name]
			require.True(t, ok, "no configuration for %s in modelConfigs", name)
			elf := buildAsm(t, dir, src)
			got, err := harness.RunELF(cfg(), elf, maxInsns)
			require.NoError(t, err, "output so far:\n%s", got.Output)
			golden := filepath.Join("asm", name+".golden")
			if os.Getenv("COSIM_UPDATE_GOLDEN") == "1" {
				require.NoError(t, os.WriteFile(golden, []byte(got.Output), 0o644))
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err)
			require.Equal(t, string(want), got.Output)
			require.True(t, got.Passed, "failed with code %d", got.Code)
		})
	}
}
