package traces

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"cosim/cosim/trace"
	"cosim/hw/sim"
)

// TestCLIRecordGDBEqualsImportedLog drives the command line as a user
// would: QEMU waits for a debugger (-S, with its gdbstub on a free port
// rather than -s's fixed 1234, so parallel test runs do not collide),
// cosim trace record --gdb single-steps hello to the test finisher, QEMU
// logs the same program with -singlestep -d ..., cosim trace import turns
// the log into a trace, and cosim trace diff finds the two equal.
func TestCLIRecordGDBEqualsImportedLog(t *testing.T) {
	need(t, "qemu-system-riscv64", "qemu-system-misc")
	dir := t.TempDir()
	cosim := buildCosim(t, dir)
	elf := buildHello(t)
	machine := []string{"-M", "virt", "-cpu", "rv64,h=false", "-smp", "1", "-bios", "none", "-kernel", elf,
		"-display", "none", "-serial", "null", "-monitor", "none"}

	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	qemu := exec.Command("qemu-system-riscv64", append(machine, "-gdb", "tcp:"+addr, "-S")...)
	require.NoError(t, qemu.Start())
	t.Cleanup(func() {
		_ = qemu.Process.Kill()
		_ = qemu.Wait()
	})
	gdbTrace := filepath.Join(dir, "gdb.pcapng")
	var out []byte
	var err error
	for try := 0; try < 50; try++ { // until QEMU listens
		out, err = exec.Command(cosim, "trace", "record", "--gdb", addr, "-o", gdbTrace, "--timeout", "20s").CombinedOutput()
		if err == nil || !strings.Contains(string(out), "connection refused") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	require.NoError(t, err, "cosim trace record: %s", out)

	log := filepath.Join(dir, "qemu.log")
	logged := exec.Command("qemu-system-riscv64", append(machine, "-singlestep", "-d", "in_asm,exec,cpu,nochain,int", "-D", log)...)
	msg, err := logged.CombinedOutput()
	require.NoError(t, err, "qemu: %s", msg)
	logTrace := filepath.Join(dir, "log.pcapng")
	msg, err = exec.Command(cosim, "trace", "import", "--qemu-log", log, "-o", logTrace).CombinedOutput()
	require.NoError(t, err, "cosim trace import: %s", msg)

	cmd := exec.Command(cosim, "trace", "diff", "--json", gdbTrace, logTrace)
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	runErr := cmd.Run()
	var res trace.DiffResult
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &res))
	require.True(t, res.Equal, "diff: %s", stdout.String())
	require.NoError(t, runErr)
	require.Len(t, res.Harts, 1)
	require.Equal(t, res.Harts[0].EventsA, res.Harts[0].EventsB, "both end at the finisher")
	require.Greater(t, res.Harts[0].Compared, uint64(150))
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// runTrace records a 2-hart qemu-virt run of the embedded microkernel
// with the board's default firmware, in a directory of its own (so two
// calls differ in their working directory and output path). Hart 1 starts
// after ~2.9M instructions of hart 0; the trace keeps every event but the
// retirements (~13,000 events rather than 3M) unless filter says otherwise.
func runTrace(t *testing.T, cosim string, seed int, filter string) string {
	return runTraceN(t, cosim, seed, filter, 3_000_000)
}

// runTraceN is runTrace stopping after insns instructions.
func runTraceN(t *testing.T, cosim string, seed int, filter string, insns int) string {
	t.Helper()
	dir := t.TempDir()
	out := filepath.Join(dir, "run.pcapng")
	cmd := exec.Command(cosim, "run", "--board", "qemu-virt", "--smp", "2", "--seed", fmt.Sprint(seed),
		"--max-insns", fmt.Sprint(insns), "--trace", out, "--trace-filter", filter)
	cmd.Dir = dir
	msg, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 124 {
		t.Fatalf("cosim run: want the instruction limit (exit 124), got %v: %s", err, msg)
	}
	return out
}

const notRetire = "kind=trap+interrupt+fence+fence.i+sfence.vma+mmio+console+device+meta"

// TestRunTraceTwoHartsOpensInTshark: a trace cosim run records for two
// harts opens in tshark without complaint, and the dissector in
// docs/wireshark sees events of both harts.
func TestRunTraceTwoHartsOpensInTshark(t *testing.T) {
	need(t, "tshark", "tshark")
	cosim := buildCosim(t, t.TempDir())
	path := runTrace(t, cosim, 1, notRetire)
	cmd := exec.Command("tshark", "-r", path, "-q")
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "tshark -r: %s", out)
	require.NotContains(t, string(out), "rror")
	require.NotContains(t, string(out), "damaged")

	lua := filepath.Join("..", "..", "docs", "wireshark", "cosim-trace.lua")
	cmd = exec.Command("tshark", "-X", "lua_script:"+lua, "-r", path, "-T", "fields", "-e", "cosim.hart", "-e", "cosim.kind")
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	out, err = cmd.Output()
	require.NoError(t, err)
	perHart := map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		hart, _, _ := strings.Cut(line, "\t")
		perHart[hart]++
	}
	require.Greater(t, perHart["0"], 1000, "hart 0 events: %v", perHart)
	require.Greater(t, perHart["1"], 1000, "hart 1 events: %v", perHart)
	require.Greater(t, perHart["65535"], 100, "board events: %v", perHart)
}

// TestDissectorExpandsBatches: the Lua dissector in docs/wireshark
// decodes the retire batches of a two-hart run with every event on into
// the pcs, register values, CSR writes and fences trace.Reader gives.
func TestDissectorExpandsBatches(t *testing.T) {
	need(t, "tshark", "tshark")
	cosim := buildCosim(t, t.TempDir())
	path := runTraceN(t, cosim, 1, "", 400_000)

	r, err := trace.Open(path)
	require.NoError(t, err)
	defer r.Close()
	fields := []string{"cosim.pc", "cosim.reg_value", "cosim.csr_value", "cosim.batch_fence", "cosim.mem_kind", "cosim.mem_addr", "cosim.mem_data"}
	want := make([][]uint64, len(fields))
	for {
		rec, err := r.Next()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		switch rec.Kind {
		case sim.KindRetire:
			want[0] = append(want[0], rec.PC)
			if rec.RegKind != sim.RegNone {
				want[1] = append(want[1], rec.RegVal)
			}
			if rec.CSRWrit {
				want[2] = append(want[2], rec.CSRVal)
			}
			if rec.MemKind != sim.MemNone {
				want[4] = append(want[4], uint64(rec.MemKind))
				want[5] = append(want[5], rec.MemAddr)
				want[6] = append(want[6], rec.MemData)
			}
		case sim.KindFence, sim.KindFenceI, sim.KindSfenceVMA:
			want[3] = append(want[3], uint64(rec.Kind))
		}
	}
	for i, f := range fields {
		require.NotEmpty(t, want[i], f)
	}

	lua := filepath.Join("..", "..", "docs", "wireshark", "cosim-trace.lua")
	_, err = os.ReadFile(lua) // so that go test's cache knows the result depends on it
	require.NoError(t, err)
	args := []string{"-X", "lua_script:" + lua, "-r", path, "-Y", "cosim.batch_count",
		"-T", "fields", "-E", "occurrence=a", "-E", "aggregator=;"}
	for _, f := range fields {
		args = append(args, "-e", f)
	}
	cmd := exec.Command("tshark", args...)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	out, err := cmd.Output()
	require.NoError(t, err)
	got := make([][]uint64, len(fields))
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		cols := strings.Split(line, "\t")
		require.LessOrEqual(t, len(cols), len(fields))
		for len(cols) < len(fields) { // tshark leaves out empty trailing fields
			cols = append(cols, "")
		}
		for i := range fields {
			n := numbers(t, cols[i])
			if i == 0 {
				n = n[1:] // the first pc is the header's
			}
			got[i] = append(got[i], n...)
		}
	}
	for i, f := range fields {
		require.Equal(t, want[i], got[i], f)
	}
}

// numbers parses a tshark field list.
func numbers(t *testing.T, s string) []uint64 {
	var out []uint64
	for _, f := range strings.Split(s, ";") {
		if f == "" {
			continue
		}
		v, err := strconv.ParseUint(f, 0, 64)
		require.NoError(t, err, f)
		out = append(out, v)
	}
	return out
}

// TestRunTraceIsDeterministic: the same board, images and seed give
// byte-identical trace files, even run from different directories (no
// host time, host name or path in the file).
func TestRunTraceIsDeterministic(t *testing.T) {
	cosim := buildCosim(t, t.TempDir())
	for _, filter := range []string{notRetire, "hart=1"} {
		a, err := os.ReadFile(runTrace(t, cosim, 7, filter))
		require.NoError(t, err)
		b, err := os.ReadFile(runTrace(t, cosim, 7, filter))
		require.NoError(t, err)
		require.Greater(t, len(a), 100_000, filter)
		require.True(t, bytes.Equal(a, b), "%s: two runs with seed 7 differ (%d and %d bytes)", filter, len(a), len(b))
		header := string(headerOf(t, a))
		host, _ := os.Hostname()
		require.False(t, host != "" && strings.Contains(header, host), "the host name %q is in the header", host)
		require.NotContains(t, string(a), os.TempDir())
		require.Contains(t, header, "seed=7")
	}
}
