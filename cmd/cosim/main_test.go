package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"cosim/boards"
	"cosim/boards/dtb"
	"cosim/soc"
)

func run(args ...string) (code int, out, errOut string) {
	var o, e bytes.Buffer
	code = cosim(args, &o, &e)
	return code, o.String(), e.String()
}

func TestHelpAndUsage(t *testing.T) {
	code, out, _ := run("--help")
	require.Equal(t, 0, code)
	for _, c := range commands {
		require.Contains(t, out, c.name)
	}
	code, _, errOut := run()
	require.Equal(t, 2, code)
	require.Contains(t, errOut, "usage: cosim")
	code, _, errOut = run("frobnicate")
	require.Equal(t, 2, code)
	require.Contains(t, errOut, `unknown command "frobnicate"`)

	for _, c := range commands {
		code, out, _ := run(c.name, "--help")
		require.Equal(t, 0, code, c.name)
		require.Contains(t, out, "usage: cosim "+c.name, c.name)
		code, _, errOut := run(c.name, "--no-such-flag")
		require.Equal(t, 2, code, c.name)
		require.Contains(t, errOut, "usage: cosim "+c.name)
	}
}

func TestBoardsListAndShow(t *testing.T) {
	code, out, _ := run("boards")
	require.Equal(t, 0, code)
	for _, n := range boards.Names() {
		require.Contains(t, out, n)
	}
	code, out, _ = run("boards", "show", "qemu-virt", "--smp", "4", "-m", "1G")
	require.Equal(t, 0, code)
	require.Contains(t, out, "harts 4 of 8")
	require.Regexp(t, `0x10000000\s+0x10000100\s+0x100\s+uart0\s+uart\s+10`, out)
	require.Regexp(t, `0x80000000\s+0xc0000000\s+1 GiB\s+dram`, out)

	code, _, errOut := run("boards", "show", "qemu-virt", "--smp", "9")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "--smp 9")
	code, _, _ = run("boards", "show")
	require.Equal(t, 2, code)
}

func TestBoardsCheckNamesLineAndKey(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.toml")
	good, err := os.ReadFile("../../boards/testdata/minimal.toml")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(bad, []byte(strings.Replace(string(good), "irqs    = 10", "irqs    = 99", 1)), 0o644))
	code, _, errOut := run("boards", "check", bad)
	require.Equal(t, 1, code)
	require.Contains(t, errOut, bad+":43: device[uart0].irqs: IRQ 99 is beyond the PLIC's 32 sources")
	code, out, _ := run("boards", "check", "../../boards/testdata/minimal.toml")
	require.Equal(t, 0, code)
	require.Contains(t, out, "ok")
}

func TestDTBCommand(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "virt.dtb")
	code, _, errOut := run("dtb", "--board", "qemu-virt", "--smp", "2", "-m", "256", "-o", out)
	require.Equal(t, 0, code, errOut)
	got, err := os.ReadFile(out)
	require.NoError(t, err)

	b, err := boards.Builtin("qemu-virt")
	require.NoError(t, err)
	b, _ = b.WithHarts(2)
	b, _ = b.WithDRAM(256 << 20)
	want, err := dtb.Marshal(b)
	require.NoError(t, err)
	require.Equal(t, want, got)

	// A board file that is not compiled in goes through the same path.
	code, stdout, _ := run("dtb", "--board", "../../boards/testdata/minimal.toml", "-o", "-")
	require.Equal(t, 0, code)
	tree, err := dtb.Parse([]byte(stdout))
	require.NoError(t, err)
	require.NotNil(t, tree.Lookup("/soc/serial@10000000"))

	code, _, _ = run("dtb", "--board", "qemu-virt")
	require.Equal(t, 2, code, "-o is required")
	code, _, _ = run("dtb", "-o", out)
	require.Equal(t, 2, code, "--board is required")
	code, _, errOut = run("dtb", "--board", "no-such", "-o", out)
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "no built-in board")
}

func TestGenCheckOnRepository(t *testing.T) {
	code, _, errOut := run("gen", "--check", "--root", "../..")
	require.Equal(t, 0, code, errOut)

	// On an empty tree everything is missing: --check fails without writing.
	dir := t.TempDir()
	code, _, errOut = run("gen", "--check", "--root", dir)
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "stale: kernel/include/board/qemu-virt.h (new)")
	_, err := os.Stat(filepath.Join(dir, "kernel"))
	require.True(t, os.IsNotExist(err))
	code, out, _ := run("gen", "--root", dir)
	require.Equal(t, 0, code)
	require.Contains(t, out, "new docs/boards/fu740.md")
	code, _, _ = run("gen", "--check", "--root", dir)
	require.Equal(t, 0, code)
}

func TestParseMem(t *testing.T) {
	for in, want := range map[string]uint64{"128": 128 << 20, "2G": 2 << 30, "1GiB": 1 << 30, "512M": 512 << 20} {
		got, err := parseMem(in)
		require.NoError(t, err, in)
		require.Equal(t, want, got, in)
	}
	_, err := parseMem("lots")
	require.Error(t, err)
}

func TestParseDriveSerial(t *testing.T) {
	d, err := parseDrive("file=x.img,if=nvme,serial=cosim0001,snapshot")
	require.NoError(t, err)
	require.Equal(t, soc.Drive{Path: "x.img", Interface: "nvme", Snapshot: true, Serial: "cosim0001"}, d)
	_, err = parseDrive("file=x.img,serial=abc")
	require.ErrorContains(t, err, "if=nvme")
}
