package fpu

// Differential test against QEMU's RISC-V F/D implementation: a bare-metal
// program built here runs every instruction of the table on seeded operand
// vectors with each static rounding mode and prints result and fflags over
// the virt UART; each line must match this package.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var qemuCases = flag.Int("fpu.qemu", 500, "random operand vectors per instruction in TestQEMU (each run in every rounding mode); 0 skips")

var rmNames = [...]string{RNE: "rne", RTZ: "rtz", RDN: "rdn", RUP: "rup", RMM: "rmm"}

// vector is one instruction execution: operands as the registers hold them.
type vector struct {
	op      int
	rm      uint8
	a, b, c uint64
}

const recordSize = 32 // u32 op, u32 rm, u64 a, b, c

// operandReg turns a generated operand into the register value the guest
// loads: binary32 values NaN-boxed, now and then improperly so.
func operandReg(g *gen, kind operand, v uint64) uint64 {
	if kind != f32 {
		return v
	}
	if g.r.IntN(64) == 0 {
		return g.r.Uint64()>>1 | uint64(uint32(v)) // upper half not all ones
	}
	return Box32(uint32(v))
}

// operandValue is what the package receives for a register value.
func operandValue(kind operand, reg uint64) uint64 {
	if kind == f32 {
		return uint64(Unbox32(reg))
	}
	return reg
}

func resultReg(kind operand, v uint64) uint64 {
	if kind == f32 {
		return Box32(uint32(v))
	}
	return v
}

func qemuVectors(ops []opCase, n int, seed uint64) []vector {
	var vs []vector
	for i, op := range ops {
		g := newGen(seed^uint64(i+1)*0x2545f4914f6cdd1d, op.spec)
		for range n {
			a, b, c := op.gen(g)
			regs := [3]uint64{a, b, c}
			for k, kind := range op.srcs {
				regs[k] = operandReg(g, kind, regs[k])
			}
			if !op.rounds || op.asmNoRM {
				vs = append(vs, vector{i, RNE, regs[0], regs[1], regs[2]})
				continue
			}
			for rm := RNE; rm <= RMM; rm++ {
				vs = append(vs, vector{i, rm, regs[0], regs[1], regs[2]})
			}
		}
	}
	return vs
}

// expect is this package's answer for a vector, as the guest would print it.
func expect(op opCase, v vector) (uint64, uint8) {
	regs := [3]uint64{v.a, v.b, v.c}
	for k, kind := range op.srcs {
		regs[k] = operandValue(kind, regs[k])
	}
	r, fl := op.impl(regs[0], regs[1], regs[2], v.rm)
	return resultReg(op.dst, r), fl
}

// asmFor is the inline assembly executing one instruction in one mode.
func asmFor(op opCase, rm uint8) string {
	var pre, args []string
	fregs := []string{"ft0", "ft1", "ft2"}
	names := []string{"%[a]", "%[b]", "%[c]"}
	dst := "%[r]"
	if op.dst == f32 || op.dst == f64 {
		dst = "ft3"
	}
	args = append(args, dst)
	for k, kind := range op.srcs {
		if kind == f32 || kind == f64 {
			pre = append(pre, fmt.Sprintf("fmv.d.x %s, %s", fregs[k], names[k]))
			args = append(args, fregs[k])
		} else {
			args = append(args, names[k])
		}
	}
	insn := op.name + " " + strings.Join(args, ", ")
	if op.rounds && !op.asmNoRM {
		insn += ", " + rmNames[rm]
	}
	lines := append(pre, "csrw fflags, zero", insn, "frflags %[f]")
	if dst == "ft3" {
		lines = append(lines, "fmv.x.d %[r], ft3")
	}
	return fmt.Sprintf("asm volatile(%q : [r] \"=&r\"(res), [f] \"=&r\"(fl) : [a] \"r\"(v->a), [b] \"r\"(v->b), [c] \"r\"(v->c) : \"ft0\", \"ft1\", \"ft2\", \"ft3\");",
		strings.Join(lines, "\n\t"))
}

func guestC(ops []opCase) string {
	var sw strings.Builder
	for i, op := range ops {
		for rm := RNE; rm <= RMM; rm++ {
			if rm > RNE && (!op.rounds || op.asmNoRM) {
				break
			}
			fmt.Fprintf(&sw, "\tcase %d: %s break;\n", i*8+int(rm), asmFor(op, rm))
		}
	}
	return `typedef unsigned long u64;
typedef unsigned int u32;
struct vec { u32 op, rm; u64 a, b, c; };
extern const struct vec vecs[], vecs_end[];

/* ns16550a: wait for THR empty (LSR bit 5) so no byte is overwritten while
   QEMU's character backend is busy. */
static void put(char ch) {
	while (!(*(volatile unsigned char *)0x10000005 & 0x20)) {}
	*(volatile unsigned char *)0x10000000 = ch;
}

static void hex(u64 v, int digits) {
	for (int i = digits - 1; i >= 0; i--)
		put("0123456789abcdef"[(v >> (4 * i)) & 15]);
}

static u64 run(const struct vec *v, u64 *flags) {
	u64 res = 0, fl = 0xff;
	switch (v->op * 8 + v->rm) {
` + sw.String() + `	}
	*flags = fl;
	return res;
}

void main_c(void) {
	for (const struct vec *v = vecs; v < vecs_end; v++) {
		u64 fl, r = run(v, &fl);
		hex(r, 16);
		put(' ');
		hex(fl, 2);
		put('\n');
	}
	put('E'); put('N'); put('D'); put('\n');
	*(volatile u32 *)0x100000 = 0x5555; /* sifive_test: pass, QEMU exits */
	for (;;) {}
}
`
}

const guestStart = `	.section .text.start, "ax"
	.global _start
_start:
	la sp, stack_top
	li t0, 1 << 13          /* mstatus.FS = Initial: enable the FPU */
	csrs mstatus, t0
	csrwi fcsr, 0
	call main_c
1:	j 1b

	.section .rodata
	.balign 8
	.global vecs, vecs_end
vecs:
	.incbin "vecs.bin"
vecs_end:
`

const guestLD = `ENTRY(_start)
SECTIONS {
	. = 0x80000000;
	.text : { *(.text.start) *(.text*) }
	.rodata : { *(.rodata*) *(.srodata*) }
	.data : { *(.data*) *(.sdata*) }
	.bss : { *(.bss*) *(.sbss*) *(COMMON) }
	. = ALIGN(16);
	. += 0x10000;
	stack_top = .;
}
`

func needTool(t *testing.T, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s not found (install the Debian package %s): %v", name, pkg, err)
	}
	return p
}

// runGuest builds the program for the vectors and returns QEMU's output lines.
func runGuest(t *testing.T, ops []opCase, vs []vector) []string {
	t.Helper()
	gcc := needTool(t, "riscv64-unknown-elf-gcc", "gcc-riscv64-unknown-elf")
	qemu := needTool(t, "qemu-system-riscv64", "qemu-system-misc")
	dir := t.TempDir()
	var blob bytes.Buffer
	for _, v := range vs {
		var rec [recordSize]byte
		binary.LittleEndian.PutUint32(rec[0:], uint32(v.op))
		binary.LittleEndian.PutUint32(rec[4:], uint32(v.rm))
		binary.LittleEndian.PutUint64(rec[8:], v.a)
		binary.LittleEndian.PutUint64(rec[16:], v.b)
		binary.LittleEndian.PutUint64(rec[24:], v.c)
		blob.Write(rec[:])
	}
	files := map[string][]byte{
		"vecs.bin": blob.Bytes(), "main.c": []byte(guestC(ops)), "start.S": []byte(guestStart), "link.ld": []byte(guestLD),
	}
	for name, data := range files {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), data, 0o644))
	}
	build := exec.Command(gcc, "-march=rv64gc", "-mabi=lp64d", "-mcmodel=medany", "-nostdlib", "-nostartfiles",
		"-ffreestanding", "-O2", "-T", "link.ld", "-o", "prog.elf", "start.S", "main.c")
	build.Dir = dir
	out, err := build.CombinedOutput()
	require.NoError(t, err, "building the guest program:\n%s", out)

	// About 80µs per vector on this machine; allow plenty more.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute+time.Duration(len(vs))*500*time.Microsecond)
	defer cancel()
	run := exec.CommandContext(ctx, qemu, "-M", "virt", "-bios", "none", "-nographic", "-monitor", "none",
		"-kernel", filepath.Join(dir, "prog.elf"))
	var stdout, stderr bytes.Buffer
	run.Stdout, run.Stderr = &stdout, &stderr
	require.NoError(t, run.Run(), "running QEMU: %s", stderr.String())

	var lines []string
	sc := bufio.NewScanner(&stdout)
	for sc.Scan() {
		lines = append(lines, strings.TrimRight(sc.Text(), "\r"))
	}
	require.NotEmpty(t, lines, "no output from QEMU")
	require.Equal(t, "END", lines[len(lines)-1], "guest did not finish")
	lines = lines[:len(lines)-1]
	require.Equal(t, len(vs), len(lines), "one output line per vector")
	return lines
}

// TestQEMU is the differential test against QEMU 7.2's softfloat.
func TestQEMU(t *testing.T) {
	n := *qemuCases
	if n == 0 {
		t.Skip("-fpu.qemu=0")
	}
	if testing.Short() {
		n = max(1, n/10)
	}
	ops := allOps()
	fixed := regressionVectors(t, ops)
	vs := append(fixed, qemuVectors(ops, n, *seedFlag)...)
	lines := runGuest(t, ops, vs)
	bad := 0
	for i, v := range vs {
		if i < len(fixed) {
			r := regressions[i]
			require.Equal(t, fmt.Sprintf("%016x %02x", r.want, r.flags), lines[i], "QEMU disagrees with regression case %q", r.why)
		}
		op := ops[v.op]
		fields := strings.Fields(lines[i])
		require.Len(t, fields, 2, "line %d: %q", i, lines[i])
		qr, err1 := strconv.ParseUint(fields[0], 16, 64)
		qf, err2 := strconv.ParseUint(fields[1], 16, 8)
		require.NoError(t, err1)
		require.NoError(t, err2)
		r, fl := expect(op, v)
		if r != qr || uint64(fl) != qf {
			bad++
			if bad <= 20 {
				t.Errorf("%s: package %#x flags %#x, QEMU %#x flags %#x", op.describe(v.a, v.b, v.c, v.rm), r, fl, qr, qf)
			}
		}
	}
	if bad > 20 {
		t.Errorf("%d mismatches of %d vectors", bad, len(vs))
	}
	t.Logf("%d vectors over %d instructions", len(vs), len(ops))
}
