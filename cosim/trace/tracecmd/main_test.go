package tracecmd

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"cosim/cosim/trace"
)

var hello = filepath.Join("..", "..", "..", "tests", "traces", "hello-virt.pcapng.gz")

func run(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := Main(args, &out, &errb)
	return code, out.String(), errb.String()
}

// tamper copies the reference with the register value of retire number n
// changed.
func tamper(t *testing.T, n int) string {
	src, err := trace.Open(hello)
	require.NoError(t, err)
	defer src.Close()
	path := filepath.Join(t.TempDir(), "tampered.pcapng")
	f, err := os.Create(path)
	require.NoError(t, err)
	defer f.Close()
	w, err := trace.NewWriter(f, src.Header())
	require.NoError(t, err)
	i := 0
	for {
		r, err := src.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		if r.Kind == 1 && r.RegKind != 0 {
			if i == n {
				r.RegVal ^= 0x100
			}
			i++
		}
		require.NoError(t, w.WriteRecord(r))
	}
	require.NoError(t, w.Flush())
	return path
}

func TestDiffExitStatus(t *testing.T) {
	code, out, _ := run("diff", hello, hello)
	require.Equal(t, 0, code, out)
	require.Contains(t, out, "EQUAL")

	code, out, _ = run("diff", hello, tamper(t, 20), "--context", "3")
	require.Equal(t, 1, code, out)
	require.Contains(t, out, "DIVERGED on hart 0")
	require.Contains(t, out, "last 3 matching events")

	code, out, _ = run("diff", "--json", hello, tamper(t, 20))
	require.Equal(t, 1, code)
	var res trace.DiffResult
	require.NoError(t, json.Unmarshal([]byte(out), &res))
	require.False(t, res.Equal)
	require.NotNil(t, res.Divergence.A)
	require.NotEmpty(t, res.Divergence.A.Asm)

	code, _, errOut := run("diff", hello, filepath.Join(t.TempDir(), "missing"))
	require.Equal(t, 2, code)
	require.Contains(t, errOut, "no such file")
	code, _, _ = run("diff", hello)
	require.Equal(t, 2, code)
	code, _, _ = run("diff", "--volatile", "csr:bogus", hello, hello)
	require.Equal(t, 2, code)
}

func TestShowExportInfo(t *testing.T) {
	code, out, _ := run("show", hello, "--filter", "kind=trap")
	require.Equal(t, 0, code)
	require.Equal(t, 3, strings.Count(out, "\n"), out)
	require.Contains(t, out, "ecall from S")

	code, out, _ = run("export", "--csv", hello)
	require.Equal(t, 0, code)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Equal(t, "pc,instr,gpr,csr,binary,mode,instr_str,operand,pad", lines[0])
	require.Len(t, lines, 1+159)
	require.Contains(t, out, "80000036,csrw,,mscratch:0000000000000037,34061073,3,\"csrw mscratch,a2\",\"mscratch,a2\",")

	code, out, _ = run("info", hello)
	require.Equal(t, 0, code)
	require.Contains(t, out, "board=qemu-virt")
	require.Contains(t, out, "hart 0: retire=159 trap=3")

	code, _, _ = run("bogus")
	require.Equal(t, 2, code)
}

func TestImportFromLog(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "q.log")
	require.NoError(t, os.WriteFile(log, []byte(
		"----------------\nIN: \n0x0000000000001000:  00000297          auipc t0,0\n\n"+
			"Trace 0: 0x1 [0000000000000000/0000000000001000/00201003/ff080201] \n x5/t0    0000000000000000\n"+
			"Trace 0: 0x1 [0000000000000000/0000000000001004/00201003/ff080201] \n x5/t0    0000000000001000\n"), 0o644))
	out := filepath.Join(dir, "q.pcapng")
	code, _, errOut := run("import", "--qemu-log", log, "-o", out, "--meta", "board=qemu-virt")
	require.Equal(t, 0, code, errOut)
	code, text, _ := run("show", out)
	require.Equal(t, 0, code)
	require.Contains(t, text, "h0 #0 M 0x00001000: 00000297 auipc t0,0x0  t0=0x1000")
	code, _, _ = run("import", "-o", out)
	require.Equal(t, 2, code)
}
