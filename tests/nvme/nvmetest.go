// Package nvmetest builds the bare-metal NVMe test program (guest/nvmetest.c) and
// checks what it prints and what it leaves in the disk image, on whatever
// machine a Runner starts: QEMU 7.2 virt (the reference) and cosim's own
// qemu-virt and fu740 boards, through the cosim command.
//
// It owns the test program and its expectations; it must not know how a
// runner starts its machine.
package nvmetest

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// Runner boots elf on a machine with img as its NVMe namespace (serial
// "cosim0001") and returns everything the console printed.
type Runner func(elf, img string) (output string, err error)

// ImageSize is the size of the disk image the program expects (2048 LBAs of
// 512 bytes).
const ImageSize = 1 << 20

// Compiler is the cross compiler the program is built with.
const Compiler = "riscv64-unknown-elf-gcc"

// SourceDir returns the directory of this package (testdata lives there).
func SourceDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(file)
}

// GuestDir returns the directory holding nvmetest.c and its startup code.
func GuestDir() string { return filepath.Join(SourceDir(), "guest") }

// Build compiles the test program into dir and returns the ELF's path.
// defines are passed as -D options (e.g. "PCIE_DW").
func Build(dir string, defines ...string) (string, error) {
	if _, err := exec.LookPath(Compiler); err != nil {
		return "", fmt.Errorf("nvmetest: %s not found (Debian: gcc-riscv64-unknown-elf): %w", Compiler, err)
	}
	src := GuestDir()
	name := "nvmetest"
	for _, d := range defines {
		name += "-" + strings.ToLower(strings.SplitN(d, "=", 2)[0])
	}
	elf := filepath.Join(dir, name+".elf")
	args := []string{
		// One ISA every hart of every board runs: the FU740's hart 0 (S7)
		// has no FPU.
		"-march=rv64imac_zicsr_zifencei", "-mabi=lp64", "-mcmodel=medany", "-nostdlib", "-ffreestanding",
		"-O2", "-Wall", "-Wextra", "-Werror", "-Wl,--no-warn-rwx-segments",
		"-T", filepath.Join(src, "link.ld"), "-o", elf,
	}
	for _, d := range defines {
		args = append(args, "-D"+d)
	}
	args = append(args, filepath.Join(src, "start.S"), filepath.Join(src, "nvmetest.c"))
	out, err := exec.Command(Compiler, args...).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("nvmetest: building %s: %w\n%s", elf, err, out)
	}
	return elf, nil
}

// ModuleRoot returns the repository's root (the cosim module).
func ModuleRoot() string { return filepath.Clean(filepath.Join(SourceDir(), "..", "..")) }

// Serial is the NVMe serial number every runner gives the controller.
const Serial = "cosim0001"

// CosimArgs is the command line that boots elf bare-metal on board with img
// on the board's NVMe controller; extra drive options (",snapshot") follow
// the drive's.
func CosimArgs(board, elf, img, driveExtra string) []string {
	return []string{"run", "--board", board, "--bios", "none", "--kernel", elf,
		"--drive", "file=" + img + ",if=nvme,serial=" + Serial + driveExtra}
}

// Cosim returns a Runner that boots the program with the cosim binary bin on
// board, as QEMU's -bios none -kernel does; the program must end the run
// (test finisher, or the PMIC's power-off) with exit status 0.
func Cosim(bin, board string) Runner {
	return func(elf, img string) (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		var stderr bytes.Buffer
		cmd := exec.CommandContext(ctx, bin, CosimArgs(board, elf, img, "")...)
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			return string(out), fmt.Errorf("cosim run --board %s: %w: %s", board, err, stderr.Bytes())
		}
		return string(out), nil
	}
}

// NewImage creates a zeroed image in dir.
func NewImage(dir string) (string, error) {
	img := filepath.Join(dir, "nvme.img")
	if err := os.WriteFile(img, make([]byte, ImageSize), 0o644); err != nil {
		return "", fmt.Errorf("nvmetest: %w", err)
	}
	return img, nil
}

// Run builds the program for QEMU virt's layout, runs it with runner on a
// fresh image and checks the output against testdata/virt.expected and the
// image against what the program wrote.
func Run(t *testing.T, runner Runner) { RunProgram(t, runner, "virt.expected") }

// RunProgram builds the program with defines, runs it with runner on a
// fresh image and checks the output against testdata/expected and the image
// against what the program wrote.
func RunProgram(t *testing.T, runner Runner, expected string, defines ...string) {
	t.Helper()
	dir := t.TempDir()
	elf, err := Build(dir, defines...)
	if err != nil {
		t.Fatal(err)
	}
	img, err := NewImage(dir)
	if err != nil {
		t.Fatal(err)
	}
	out, err := runner(elf, img)
	if err != nil {
		t.Fatalf("nvmetest: run: %v\noutput:\n%s", err, out)
	}
	exp, err := os.ReadFile(filepath.Join(SourceDir(), "testdata", expected))
	if err != nil {
		t.Fatal(err)
	}
	if err := CompareOutput(string(exp), out); err != nil {
		t.Fatalf("%v\noutput:\n%s", err, out)
	}
	data, err := os.ReadFile(img)
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckImage(data); err != nil {
		t.Fatal(err)
	}
}

// CompareOutput checks got against an expectation file: every expected line
// must appear, in order, as a whole line of got; a line written "~line\t#
// reason" must match only up to its first "=". Lines of got that the
// expectation does not mention (e.g. firmware banners) are not allowed
// between the first and the last expected line. A leading "!" (a line of a
// board's expectation that differs from the QEMU reference, see
// CheckFollowsReference) is ignored here.
func CompareOutput(expected, got string) error {
	var want []string
	sc := bufio.NewScanner(strings.NewReader(expected))
	for sc.Scan() {
		l := sc.Text()
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		want = append(want, l)
	}
	lines := strings.Split(strings.ReplaceAll(got, "\r", ""), "\n")
	start := -1
	for i, l := range lines {
		if l == "NVMETEST start" {
			start = i
			break
		}
	}
	if start < 0 {
		return fmt.Errorf("nvmetest: no \"NVMETEST start\" line in the output")
	}
	lines = lines[start:]
	for i, w := range want {
		if i >= len(lines) {
			return fmt.Errorf("nvmetest: output ends before expected line %d %q", i+1, w)
		}
		if !lineMatches(w, lines[i]) {
			return fmt.Errorf("nvmetest: line %d: got %q, want %q", i+1, lines[i], w)
		}
	}
	return nil
}

func lineMatches(want, got string) bool {
	want = strings.TrimPrefix(want, "!")
	if !strings.HasPrefix(want, "~") {
		if i := strings.Index(want, "\t#"); i >= 0 {
			want = want[:i]
		}
		return want == got
	}
	w := strings.TrimPrefix(want, "~")
	if i := strings.Index(w, "\t"); i >= 0 {
		w = w[:i]
	}
	key, _, ok := strings.Cut(w, "=")
	if !ok {
		return w == got
	}
	return strings.HasPrefix(got, key+"=")
}

// expectationLines returns the lines of an expectation file that are not
// blank or comments.
func expectationLines(text string) []string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out
}

// HostLinePrefixes start the lines of the program's output that describe the
// PCIe host and its enumeration rather than the NVMe controller: they are
// the only reference lines a board's expectation may replace.
var HostLinePrefixes = []string{"PCI ", "CAPS ", "BAR", "BRIDGE ", "NVME at ", "DW link", "INTX ", "IRQ intx "}

func isHostLine(l string) bool {
	l = strings.TrimPrefix(strings.TrimPrefix(l, "!"), "~")
	for _, p := range HostLinePrefixes {
		if strings.HasPrefix(l, p) {
			return true
		}
	}
	return false
}

// CheckFollowsReference checks a board's expectation against the QEMU
// reference (virt.expected): its lines without a leading "!" must be the
// reference's lines, verbatim and in order, and the reference lines it
// leaves out must all be host lines. So the board prints every NVMe status
// and datum QEMU does, and differs only where its PCIe host does (lines
// marked "!").
func CheckFollowsReference(reference, board string) error {
	ref := expectationLines(reference)
	i := 0
	for n, l := range expectationLines(board) {
		if strings.HasPrefix(l, "!") {
			if !isHostLine(l) {
				return fmt.Errorf("nvmetest: line %d %q is marked as the host's but is not a host line", n+1, l)
			}
			continue
		}
		for i < len(ref) && ref[i] != l && isHostLine(ref[i]) {
			i++
		}
		if i == len(ref) {
			return fmt.Errorf("nvmetest: line %d %q is past the reference's end", n+1, l)
		}
		if ref[i] != l {
			return fmt.Errorf("nvmetest: line %d %q where the reference has %q", n+1, l, ref[i])
		}
		i++
	}
	for ; i < len(ref); i++ {
		if !isHostLine(ref[i]) {
			return fmt.Errorf("nvmetest: the reference's line %q is missing", ref[i])
		}
	}
	return nil
}

// Pattern is the byte the program writes at offset i of logical block lba.
func Pattern(lba uint64, i uint32) byte {
	return byte(lba*31 + uint64(i)*7 + 0x5a + uint64(i>>9))
}

// ExpectedImage is the image after a complete run: the pattern over LBAs
// 8..63 (a three-page write and a four-page write through a chained PRP
// list), zeroes everywhere else (LBA 64..71 was written, then zeroed; the
// write to LBA 200 had a bad PRP entry and must not have landed).
func ExpectedImage() []byte {
	img := make([]byte, ImageSize)
	for lba := uint64(8); lba < 64; lba++ {
		for i := uint32(0); i < 512; i++ {
			img[lba*512+uint64(i)] = Pattern(lba, i)
		}
	}
	return img
}

// CheckImage compares an image with ExpectedImage and names the first
// differing block.
func CheckImage(data []byte) error {
	want := ExpectedImage()
	if len(data) != len(want) {
		return fmt.Errorf("nvmetest: image is %d bytes, want %d", len(data), len(want))
	}
	if bytes.Equal(data, want) {
		return nil
	}
	for lba := 0; lba < len(want)/512; lba++ {
		a, b := data[lba*512:(lba+1)*512], want[lba*512:(lba+1)*512]
		if !bytes.Equal(a, b) {
			return fmt.Errorf("nvmetest: image block %d differs: got % x..., want % x...", lba, a[:8], b[:8])
		}
	}
	return nil
}
