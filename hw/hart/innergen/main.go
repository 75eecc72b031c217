// Command innergen writes hw/hart/inner_traced.go: innerTraced, the copy of
// the interpreter's inner loop that a capturing hart runs (capture.go). It
// is inner from run.go with, where an instruction retires, the code that
// codes its retirement into the hart's retire batch (sim.RetireCoder's
// format), so that an ordinary instruction costs a few stores and no
// call. Generating the copy keeps one source for the loop while the
// untraced loop pays nothing for tracing.
//
//	go run ./hw/hart/innergen          # rewrite the file
//	go run ./hw/hart/innergen -check   # fail if it is out of date
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"go/format"
	"os"
	"path/filepath"
	"strings"
)

func main() {
	check := flag.Bool("check", false, "report whether inner_traced.go is up to date instead of writing it")
	dir := flag.String("dir", "hw/hart", "the hart package's directory")
	flag.Parse()
	if err := run(*dir, *check); err != nil {
		fmt.Fprintln(os.Stderr, "innergen:", err)
		os.Exit(1)
	}
}

func run(dir string, check bool) error {
	src, err := os.ReadFile(filepath.Join(dir, "run.go"))
	if err != nil {
		return err
	}
	out, err := Generate(src)
	if err != nil {
		return err
	}
	path := filepath.Join(dir, "inner_traced.go")
	if check {
		old, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if !bytes.Equal(old, out) {
			return fmt.Errorf("%s is out of date with run.go: run go run ./hw/hart/innergen", path)
		}
		return nil
	}
	return os.WriteFile(path, out, 0o644)
}

const (
	signature = "func (h *Hart) inner(pc, rem uint64, cp *codePage, cvpn uint64, set *tlbSet, key uint64, first *slot) (uint64, uint64, *slot, uint8) {\n"
	retire    = "if rem--; rem == 0 {"
	jumped    = "jumped:\n\trem--\n"
)

// Generate returns inner_traced.go for the run.go source src.
func Generate(src []byte) ([]byte, error) {
	s := string(src)
	start := strings.Index(s, signature)
	if start < 0 {
		return nil, errors.New("run.go: inner's signature not found")
	}
	end := strings.Index(s[start:], "\n}\n")
	if end < 0 {
		return nil, errors.New("run.go: end of inner not found")
	}
	body := s[start+len(signature) : start+end+3]
	if !strings.Contains(body, "\ndispatch:\n") || !strings.Contains(body, jumped) {
		return nil, errors.New("run.go: inner has no dispatch or jumped label")
	}
	for _, name := range []string{"capC", "capBase", "capP"} {
		if strings.Contains(body, name) {
			return nil, fmt.Errorf("run.go: inner uses the name %s, which innerTraced declares", name)
		}
	}
	var b strings.Builder
	b.WriteString(header)
	b.WriteString(strings.Replace(strings.Replace(signature, "inner(", "innerTraced(", 1), "uint8) {", "uint8, int) {", 1))
	b.WriteString(preamble)
	lines := strings.SplitAfter(body, "\n")
	retires := 0
	var c access // the case the line is in
	for i, line := range lines {
		trimmed := strings.TrimSpace(line)
		indent := line[:len(line)-len(strings.TrimLeft(line, "\t"))]
		switch {
		case strings.HasPrefix(trimmed, "case ") && strings.HasSuffix(trimmed, ":"):
			c = access{}
		case trimmed == "jumped:":
			c = access{jumped: true}
		case strings.HasPrefix(trimmed, "va := "):
			c.va = true
		}
		if strings.Contains(line, "set.load[") {
			c.data = loadData
		}
		if strings.Contains(line, "set.store[") {
			c.data = storeData
		}
		if trimmed == retire || trimmed == "rem--" && i > 0 && strings.TrimSpace(lines[i-1]) == "jumped:" {
			code, err := c.retireCode()
			if err != nil {
				return nil, fmt.Errorf("run.go line %d of inner: %w", i+1, err)
			}
			for _, l := range strings.SplitAfter(code, "\n") {
				if l != "" {
					b.WriteString(indent + l)
				}
			}
			retires++
		}
		if strings.HasPrefix(trimmed, "return ") {
			line = strings.Replace(line, "\n", ", capP\n", 1)
		}
		b.WriteString(line)
		if trimmed == "dispatch:" {
			b.WriteString("\th.capPC = pc\n")
		}
	}
	if retires < 2 {
		return nil, errors.New("run.go: inner's retirement points not found")
	}
	return format.Source([]byte(b.String()))
}

// access is what the code of a case says about its retirement: whether
// it computes the virtual address va (a load or store the loop finishes
// itself), where the data is, and whether it is the retirement of the
// instructions that jump (pc is not the next in sequence).
type access struct {
	va     bool
	data   string
	jumped bool
}

// retireCode returns the code that codes the retirement of an instruction
// of the case, mirroring sim.RetireCoder.Add. The unusual ones return to
// innerCaptured, which codes them with captureAt: innerTraced makes no
// calls, so that its state stays in registers as inner's does. At the
// retirement, pc is the next instruction's.
func (c access) retireCode() (string, error) {
	if c.va != (c.data != "") {
		return "", errors.New("a case that computes va must load or store through set.load or set.store, and the other way round")
	}
	v1, mem, jump := "h.r[s.rs1]", "", seqCode
	if c.va {
		v1 = "va - s.im()"
		load, end := "", ""
		if c.data == loadData {
			load, end = loadStart, "}\n"
		}
		mem = strings.NewReplacer("DATA", c.data, "LOAD", load, "END", end).Replace(memCode)
	}
	if c.jumped {
		jump = jumpCode
	}
	return strings.NewReplacer("RS1", v1, "MEM\n", mem, "JUMP\n", jump).Replace(retireTmpl), nil
}

// capP is where the batch ends: a local, which innerTraced returns for
// innerCaptured to store, so that it stays in a register.
const preamble = `	capBase := unsafe.Pointer(unsafe.SliceData(h.capBuf.c.Buf))
	capP := h.capBuf.c.P
`

// The event of an instruction that goes on in sequence has no jump.
const retireTmpl = `if t := s.trc; t&sim.MetaExt != 0 {
	h.capV1 = RS1
	return pc, rem - 1, s, exitCapture, capP
} else {
	capC := &h.capBuf.c
	p := capP
JUMP
	*(*uint32)(unsafe.Add(capBase, q)) = s.insn
	q += int(s.len)
	v := sim.Zigzag(h.r[t&63])
	nv := sim.ByteLen(v)
	*(*uint64)(unsafe.Add(capBase, q)) = v
	q += nv
MEM
	*(*uint16)(unsafe.Add(capBase, p)) = uint16(nj|nv<<4) | uint16(t)<<8
	capC.Last = p
	capP = q
}
`

const seqCode = `	nj := 0
	q := p + 2
`

const jumpCode = `	j := sim.Zigzag(pc - h.capPC - uint64(s.len))
	nj := sim.ByteLen(j)
	*(*uint64)(unsafe.Add(capBase, p+2)) = j
	q := p + 2 + nj
`

// memCode codes the access of a load or store at va whose data is DATA.
// A load (LOAD) leaves the data out where the register it wrote is coded
// (not x0): its kind 0 says the data is the value.
const memCode = `	da := sim.Zigzag(va - capC.State.Addr)
	na := sim.ByteLen(da)
	*(*uint64)(unsafe.Add(capBase, q+1)) = da
LOAD	*(*uint8)(unsafe.Add(capBase, q)) = s.tmk | uint8(na)
	q += 1 + na
	*(*uint64)(unsafe.Add(capBase, q)) = DATA
	q += 1 << (s.tmk >> 4 & 3)
END	capC.State.Addr = va
`

const loadStart = `if t&63 != 0 {
	*(*uint8)(unsafe.Add(capBase, q)) = s.tmk&0x3f | uint8(na)
	q += 1 + na
} else {
`

const (
	loadData  = "h.r[s.rd]"
	storeData = "h.r[s.rs2]"
)

const header = `// Code generated by go run ./hw/hart/innergen from run.go; DO NOT EDIT.

package hart

import (
	"math/bits"
	"unsafe"

	"cosim/hw/sim"
)

// innerTraced is inner coding every instruction it retires into the
// hart's capture batch (capture.go); innerCaptured sets it up.
`
