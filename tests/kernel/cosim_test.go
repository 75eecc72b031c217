package kerneltest

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"cosim/tests/cosimbin"
)

// -cosim.figures runs the long measurement campaign on cosim's models
// (lockstress 5 s per mode on every board and hart count, ipcbench with
// more iterations) and logs the figures; it takes tens of minutes.
var cosimFigures = flag.Bool("cosim.figures", false, "run the long figure campaign on cosim's models")

var (
	cosimOnce sync.Once
	cosimBin  string
	cosimErr  error
)

// cosimBinary builds cmd/cosim once per test binary.
func cosimBinary(t *testing.T) string {
	t.Helper()
	cosimOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		cosimBin, cosimErr = cosimbin.Build(ctx, builder.Dir)
	})
	require.NoError(t, cosimErr)
	return cosimBin
}

// Firmware of a cosim scenario: the built-in SBI or Debian's OpenSBI fw_jump.
const (
	builtinSBI = "builtin"
	openSBI    = "opensbi"
)

func cosimRunner(t *testing.T, firmware string, seed uint64) Cosim {
	c := Cosim{Bin: cosimBinary(t), Seed: seed}
	if firmware == openSBI {
		require.FileExists(t, OpenSBIJump, "Debian package opensbi")
		c.Bios = OpenSBIJump
	}
	return c
}

// onlineHarts is how many harts the kernel runs on: every hart of qemu-virt,
// the fu740's four U74s (the S7 has no S-mode).
func onlineHarts(target Target, smp int) int {
	if target == CosimFU740 {
		return 4
	}
	return smp
}

// cosimBoot runs one scenario on cosim and requires the run to end by
// itself (no limit reached, no simulator error).
func cosimBoot(t *testing.T, c Cosim, target Target, smp int, bootargs string, extra []string) Result {
	t.Helper()
	return cosimBootBuild(t, c, Build{Board: target.Board}, target, smp, bootargs, extra)
}

func cosimBootBuild(t *testing.T, c Cosim, b Build, target Target, smp int, bootargs string, extra []string) Result {
	t.Helper()
	img := image(t, b)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	res, err := c.Run(ctx, img, target, smp, bootargs, extra)
	require.NoError(t, err)
	require.NotEqual(t, 124, res.ExitCode, "run limit reached:\n%s", tail(res.Output, 20))
	t.Logf("%s smp %d %s %q: %s host time", target.Machine, smp, firmwareName(c), bootargs, res.HostTime.Round(time.Millisecond))
	return res
}

func firmwareName(c Cosim) string {
	if c.Bios == "" {
		return builtinSBI
	}
	return filepath.Base(c.Bios)
}

// cosimScenario is one boot of issue 7's matrix and what it must print.
type cosimScenario struct {
	target   Target
	smp      int
	bootargs string
	disk     bool // attach an NVMe disk image
	check    func(t *testing.T, target Target, smp int, res Result)
}

func checkConformance(t *testing.T, target Target, smp int, res Result) {
	out := KernelLines(res.Output)
	require.NoError(t, CheckConformance(out, 60))
	require.Contains(t, out, "] "+itoa(onlineHarts(target, smp))+" harts online")
	require.Equal(t, 0, res.ExitCode, "exit status after a passing run")
}

func checkSpawnloop(t *testing.T, _ Target, _ int, res Result) {
	require.NoError(t, CheckSpawnloop(KernelLines(res.Output), 500))
	require.Equal(t, 0, res.ExitCode)
}

func checkIPC(t *testing.T, target Target, smp int, res Result) {
	f, err := CheckIPCBench(KernelLines(res.Output), onlineHarts(target, smp))
	require.NoError(t, err)
	require.Equal(t, 0, res.ExitCode)
	t.Logf("ipcbench: same hart %d cycles %d ns, cross hart %d cycles %d ns", f.SameCycles, f.SameNs, f.CrossCycles, f.CrossNs)
}

func checkLockstress(mode string) func(t *testing.T, target Target, smp int, res Result) {
	return func(t *testing.T, target Target, smp int, res Result) {
		out := KernelLines(res.Output)
		f, err := CheckLockstress(out, mode)
		require.NoError(t, err)
		require.Equal(t, onlineHarts(target, smp), f.Harts)
		require.Equal(t, 0, res.ExitCode)
		stats, err := ParseLockStats(out)
		require.NoError(t, err)
		sync := stats["sync"]
		if mode == "mutex" {
			require.Positive(t, sync.Acquired, "lockstress mutex takes the mutex's sync lock")
		}
		t.Logf("lockstress %s: %d harts, %d iterations/s; sync lock %d acquired, %.2f%% contended, %d spin cycles per contention",
			mode, f.Harts, f.PerSecond, sync.Acquired, sync.ContendedPct, sync.SpinPerContended)
	}
}

func checkNVMe(t *testing.T, _ Target, _ int, res Result) {
	require.NoError(t, CheckNVMeTest(KernelLines(res.Output)))
	require.Equal(t, 0, res.ExitCode)
}

// cosimMatrix keeps at least one run of every scenario per board and
// firmware. lockstress runs 1 s of guest time, which is 1-2.5 billion
// instructions (10-25 s of host time), so it runs once per board with the
// built-in SBI and once with OpenSBI; the rest is in TestCosimFigures.
func cosimMatrix(firmware string) []cosimScenario {
	v, f := CosimVirt, CosimFU740
	m := []cosimScenario{
		{v, 1, "", false, checkConformance},
		{v, 2, "", false, checkConformance},
		{v, 4, "", false, checkConformance},
		{v, 4, "spawnloop 500", false, checkSpawnloop},
		{v, 4, "ipcbench", false, checkIPC},
		{v, 2, "nvmetest", true, checkNVMe},
		{v, 2, "lockstress mutex 1", false, checkLockstress("mutex")},
		{f, 0, "", false, checkConformance},
		{f, 0, "spawnloop 500", false, checkSpawnloop},
		{f, 0, "ipcbench", false, checkIPC},
	}
	if firmware == builtinSBI {
		m = append(m,
			cosimScenario{v, 1, "spawnloop 500", false, checkSpawnloop},
			cosimScenario{v, 1, "ipcbench", false, checkIPC},
			cosimScenario{f, 0, "lockstress mutex 1", false, checkLockstress("mutex")},
		)
	}
	return m
}

// Issue 7's scenarios on cosim's qemu-virt and fu740 models, with the
// built-in SBI and with Debian's OpenSBI fw_jump.
func TestOnCosimModels(t *testing.T) {
	for _, fw := range []string{builtinSBI, openSBI} {
		t.Run(fw, func(t *testing.T) {
			for _, s := range cosimMatrix(fw) {
				name := s.target.Machine + "-smp" + itoa(onlineHarts(s.target, s.smp)) + "-" + s.bootargs
				if s.bootargs == "" {
					name += "conformance"
				}
				t.Run(name, func(t *testing.T) {
					if strings.HasPrefix(s.bootargs, "lockstress") {
						skipIfShort(t)
					}
					var extra []string
					if s.disk {
						extra = nvmeDrive(t)
					}
					res := cosimBoot(t, cosimRunner(t, fw, 0), s.target, s.smp, s.bootargs, extra)
					s.check(t, s.target, s.smp, res)
				})
			}
		})
	}
}

// nvmeDrive makes a blank 16 MiB disk image and returns cosim's --drive for it.
func nvmeDrive(t *testing.T) []string {
	disk := filepath.Join(t.TempDir(), "disk.img")
	require.NoError(t, os.WriteFile(disk, make([]byte, 16<<20), 0o644))
	t.Cleanup(func() {
		data, err := os.ReadFile(disk)
		require.NoError(t, err)
		require.NotEqual(t, make([]byte, 512), data[512*8:512*9], "nvmetest's pattern is not in the disk image")
	})
	return []string{"--drive", "file=" + disk + ",if=nvme"}
}

var statsHartRe = regexp.MustCompile(`(?m)^hart \d+: \d+ instructions, \d+ cycles$`)

// Same seed, same bytes: the console of two runs is identical, and with it
// every figure the guest measured. Different seeds interleave the harts
// differently and the scenarios still pass.
func TestCosimDeterminism(t *testing.T) {
	c := cosimRunner(t, builtinSBI, 7)
	for _, bootargs := range []string{"ipcbench", "spawnloop 500"} {
		a := cosimBoot(t, c, CosimVirt, 4, bootargs, nil)
		b := cosimBoot(t, c, CosimVirt, 4, bootargs, nil)
		require.Equal(t, a.Output, b.Output, "two runs with --seed 7 printed different consoles")
		require.Equal(t, statsHartRe.FindAllString(a.Stderr, -1), statsHartRe.FindAllString(b.Stderr, -1),
			"two runs with --seed 7 retired different instruction counts")
	}

	counts := map[string]bool{}
	for _, seed := range []uint64{1, 2, 3} {
		c := cosimRunner(t, builtinSBI, seed)
		res := cosimBoot(t, c, CosimVirt, 4, "spawnloop 500", nil)
		checkSpawnloop(t, CosimVirt, 4, res)
		res = cosimBoot(t, c, CosimVirt, 4, "", nil)
		checkConformance(t, CosimVirt, 4, res)
		counts[fmtLines(statsHartRe.FindAllString(res.Stderr, -1))] = true
	}
	require.Greater(t, len(counts), 1, "three seeds gave the same interleaving")
}

func fmtLines(l []string) string {
	s := ""
	for _, x := range l {
		s += x + "\n"
	}
	return s
}

// The long campaign behind issue 7's report: lockstress 5 s (mutex and
// nop) and ipcbench on every board and hart count, both firmwares.
func TestCosimFigures(t *testing.T) {
	if !*cosimFigures {
		t.Skip("long campaign: run with -cosim.figures (tens of minutes)")
	}
	configs := []struct {
		target Target
		smp    int
	}{{CosimVirt, 1}, {CosimVirt, 2}, {CosimVirt, 4}, {CosimFU740, 0}}
	for _, fw := range []string{builtinSBI, openSBI} {
		for _, c := range configs {
			name := fw + "-" + c.target.Machine + "-smp" + itoa(onlineHarts(c.target, c.smp))
			t.Run(name, func(t *testing.T) {
				r := cosimRunner(t, fw, 0)
				checkIPC(t, c.target, c.smp, cosimBoot(t, r, c.target, c.smp, "ipcbench 20000", nil))
				for _, mode := range []string{"mutex", "nop"} {
					res := cosimBoot(t, r, c.target, c.smp, "lockstress "+mode+" 5", nil)
					checkLockstress(mode)(t, c.target, c.smp, res)
				}
			})
		}
	}
}

// Porting bug 3 (plain-flags-rmw): with harts interleaved finely enough, a
// hart's lw/or/sw of a thread's flags straddles another hart's AMO and the
// kernel's trap-exit check sees TF_INKERNEL lost. QEMU never shows it.
func TestCosimExposesPlainFlagsRMW(t *testing.T) {
	c := cosimRunner(t, builtinSBI, 3)
	c.Quantum = 50 * time.Nanosecond
	res := cosimBootBuild(t, c, Build{Board: CosimVirt.Board, Bug: "plain-flags-rmw"}, CosimVirt, 2, "lockstress mutex 1", nil)
	out := KernelLines(res.Output)
	require.Contains(t, out, "bug variant plain-flags-rmw")
	require.Contains(t, out, "thread flags lost an update")
	require.Equal(t, 1, res.ExitCode, "a kernel panic is an SBI shutdown with reason system failure")

	if testing.Short() {
		return // the control below runs a whole second of guest time
	}
	res = cosimBoot(t, c, CosimVirt, 2, "lockstress mutex 1", nil)
	checkLockstress("mutex")(t, CosimVirt, 2, res)
}

// Porting bug 2 (no-ad-bits): the fu740 model's harts fault on a clear A
// bit, as the U74 does, so init dies at its first instruction.
func TestCosimExposesNoADBits(t *testing.T) {
	res := cosimBootBuild(t, cosimRunner(t, builtinSBI, 0), Build{Board: CosimFU740.Board, Bug: "no-ad-bits"}, CosimFU740, 0, "", nil)
	out := KernelLines(res.Output)
	require.Contains(t, out, "instruction page fault at pc 10000")
	require.NotContains(t, out, "conformance:")
	require.Equal(t, 1, res.ExitCode)
}

// Porting bug 1 (no-fence-i): the fu740's U74s have I-caches that do not
// snoop stores, so without fence.i a hart runs the previous occupant's code
// from a recycled page and spawnloop's children find a foreign ID. This
// needs the hart model's non-coherent I-cache (hw/hart/caches.go, from the
// hart branch's cache work); before it the model's fetches see every store.
func TestCosimExposesNoFenceI(t *testing.T) {
	if _, err := os.Stat(filepath.Join(builder.Root, "hw", "hart", "caches.go")); err != nil {
		t.Skip("the hart model has no non-coherent I-cache yet (hw/hart/caches.go)")
	}
	c := cosimRunner(t, builtinSBI, 0)
	res := cosimBootBuild(t, c, Build{Board: CosimFU740.Board, Bug: "no-fence-i"}, CosimFU740, 0, "spawnloop 500", nil)
	out := KernelLines(res.Output)
	require.Contains(t, out, "bug variant no-fence-i")
	require.Regexp(t, `spawnloop: child \d+ \(slchild_[ab], pid \d+, cpu \d+\) exited with status 10`, out)
	require.Error(t, CheckSpawnloop(out, 500))
	require.NotEqual(t, 0, res.ExitCode)
}
