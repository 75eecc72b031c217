// Package difftest runs randgen programs on QEMU and on hw/hart and
// compares what they print, sequence by sequence.
package difftest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"cosim/hw/hart"
	"cosim/tests/isa/harness"
	"cosim/tests/isa/randgen"
)

// Mismatch is one sequence whose dump differs.
type Mismatch struct {
	Seed     uint64
	Sequence int
	QEMU     string // the sequence's output on QEMU
	Model    string // and on the model
	Source   string // assembly of the sequence alone (randgen Only)
}

func (m Mismatch) String() string {
	return fmt.Sprintf("seed %d sequence %d differs:\n%s\nassembly: reproduce with -seed %d -only %d\n",
		m.Seed, m.Sequence, diffLines(m.QEMU, m.Model), m.Seed, m.Sequence)
}

// Config says where to work and what to run.
type Config struct {
	Dir     string      // build directory
	Root    string      // tests/isa directory (for asm/lib)
	Hart    hart.Config // the model's hart
	Timeout time.Duration
}

// RunProgram generates, builds and runs one program on both sides and
// returns the sequences that differ.
func RunProgram(c Config, o randgen.Options) ([]Mismatch, error) {
	src := randgen.Generate(o)
	base := filepath.Join(c.Dir, fmt.Sprintf("rand-%d", o.Seed))
	if o.Only >= 0 {
		base += fmt.Sprintf("-%d", o.Only)
	}
	if err := os.WriteFile(base+".S", []byte(src), 0o644); err != nil {
		return nil, err
	}
	elf := base + ".elf"
	lib := filepath.Join(c.Root, "asm")
	if err := harness.Build(elf, filepath.Join(lib, "lib", "link.ld"), []string{"-I" + lib}, base+".S", filepath.Join(lib, "lib", "rt.S")); err != nil {
		return nil, err
	}
	timeout := c.Timeout
	if timeout == 0 {
		timeout = 60 * time.Second
	}
	want, err := harness.RunQEMU(elf, timeout)
	if err != nil {
		return nil, err
	}
	got, runErr := harness.RunELF(c.Hart, elf, 2_000_000_000)
	qs, ms := splitSequences(want.Output), splitSequences(got.Output)
	var out []Mismatch
	for i := 0; i < o.Sequences; i++ {
		if o.Only >= 0 && i != o.Only {
			continue
		}
		if qs[i] != ms[i] {
			out = append(out, Mismatch{Seed: o.Seed, Sequence: i, QEMU: qs[i], Model: ms[i]})
		}
	}
	if runErr != nil && len(out) == 0 {
		return nil, fmt.Errorf("difftest: seed %d: model: %w", o.Seed, runErr)
	}
	if len(out) == 0 && want.String() != got.String() {
		return nil, fmt.Errorf("difftest: seed %d: QEMU ended %v, model %v", o.Seed, want, got)
	}
	for i := range out {
		so := o
		so.Only = out[i].Sequence
		out[i].Source = randgen.Generate(so)
	}
	return out, nil
}

// splitSequences maps sequence numbers to the text each printed.
func splitSequences(s string) map[int]string {
	m := map[int]string{}
	cur := -1
	var b strings.Builder
	flush := func() {
		if cur >= 0 {
			m[cur] = b.String()
		}
		b.Reset()
	}
	for _, line := range strings.SplitAfter(s, "\n") {
		var n int
		if _, err := fmt.Sscanf(line, "seq %d\n", &n); err == nil && strings.HasPrefix(line, "seq ") {
			flush()
			cur = n
			continue
		}
		b.WriteString(line)
	}
	flush()
	return m
}

// diffLines shows the lines that differ, QEMU first.
func diffLines(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	var out strings.Builder
	for i := 0; i < max(len(al), len(bl)); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			fmt.Fprintf(&out, "  line %d\n    qemu:  %s\n    model: %s\n", i, x, y)
		}
	}
	return out.String()
}
