package trace

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// needTool fails the test with an install hint when a Debian tool is missing.
func needTool(t testing.TB, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s not installed (apt-get install %s): %v", name, pkg, err)
	}
	return p
}

// buildHello assembles tests/traces/src/hello.S into an ELF.
func buildHello(t testing.TB) string {
	t.Helper()
	return buildProgram(t, "hello")
}

// buildProgram assembles tests/traces/src/NAME.S into an ELF.
func buildProgram(t testing.TB, name string) string {
	t.Helper()
	gcc := needTool(t, "riscv64-unknown-elf-gcc", "gcc-riscv64-unknown-elf")
	src := filepath.Join("..", "..", "tests", "traces", "src")
	dir := t.TempDir()
	obj, out := filepath.Join(dir, name+".o"), filepath.Join(dir, name+".elf")
	for _, args := range [][]string{
		{"-c", "-o", obj, filepath.Join(src, name+".S")},
		{"-nostdlib", "-nostartfiles", "-Wl,--no-warn-rwx-segments", "-T", filepath.Join(src, "link.ld"), "-o", out, obj},
	} {
		cmd := exec.Command(gcc, append([]string{"-march=rv64imac_zicsr_zifencei", "-mabi=lp64"}, args...)...)
		msg, err := cmd.CombinedOutput()
		require.NoError(t, err, "building hello.elf: %s", msg)
	}
	return out
}

// qemuArgs are the virt machine arguments every test run of hello uses.
func qemuArgs(elf string) []string {
	return []string{"-M", "virt", "-cpu", "rv64,h=false", "-smp", "1", "-bios", "none", "-kernel", elf,
		"-nographic", "-monitor", "none", "-serial", "null"}
}

// qemuLog runs hello under QEMU with per-instruction logging and returns
// the log's path. The test finisher ends QEMU.
func qemuLog(t testing.TB, elf string) string {
	t.Helper()
	qemu := needTool(t, "qemu-system-riscv64", "qemu-system-misc")
	log := filepath.Join(t.TempDir(), "qemu.log")
	args := append(qemuArgs(elf), "-singlestep", "-d", "in_asm,exec,cpu,nochain,int", "-D", log)
	cmd := exec.Command(qemu, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	require.NoError(t, runWithTimeout(cmd, 30*time.Second), "qemu: %s", stderr.String())
	return log
}

func runWithTimeout(cmd *exec.Cmd, d time.Duration) error {
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		cmd.Process.Kill()
		<-done
		return fmt.Errorf("%s: timed out after %v", cmd.Path, d)
	}
}

// freePort returns a TCP port nothing listens on now.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startQEMUGDB starts hello halted with a gdbstub and returns its address;
// the process is killed when the test ends.
func startQEMUGDB(t testing.TB, elf string) string {
	t.Helper()
	qemu := needTool(t, "qemu-system-riscv64", "qemu-system-misc")
	port := freePort(t)
	args := append(qemuArgs(elf), "-gdb", fmt.Sprintf("tcp:127.0.0.1:%d", port), "-S")
	cmd := exec.Command(qemu, args...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	return fmt.Sprintf("127.0.0.1:%d", port)
}

// collect reads every record of src.
func collect(t testing.TB, src Source) []*Record {
	t.Helper()
	var out []*Record
	for {
		r, err := src.Next()
		if err != nil {
			require.ErrorIs(t, err, io.EOF)
			return out
		}
		out = append(out, r)
	}
}
