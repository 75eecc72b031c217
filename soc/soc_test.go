package soc_test

import (
	"fmt"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/stretchr/testify/require"

	"cosim/boards"
	"cosim/boards/dtb"
	"cosim/soc"
	_ "cosim/soc/all"
)

// windowsOf describes a SoC's decode table: name, range and what backs it.
func windowsOf(s *soc.SoC) []string {
	var out []string
	for _, w := range s.Bus.Windows() {
		what := "ram"
		if w.Dev != nil {
			what = reflect.TypeOf(w.Dev).String()
		}
		out = append(out, fmt.Sprintf("%s [%#x,+%#x) %s", w.Name, w.Base, w.Size, what))
	}
	return out
}

// For every built-in board, the compiled model and the model built at run
// time from the board file (loaded by path, as a board that is not
// compiled in would be) agree on the decode table, on every window's edges,
// and on the device tree bytes.
func TestCompiledAndRuntimeModelsAgree(t *testing.T) {
	require.ElementsMatch(t, boards.Names(), soc.Models(), "every built-in board has a compiled model (run `cosim gen`)")
	for _, name := range boards.Names() {
		t.Run(name, func(t *testing.T) {
			builtin, err := boards.Builtin(name)
			require.NoError(t, err)
			model, ok := soc.Compiled(builtin)
			require.True(t, ok)
			fromFile, err := boards.Load(filepath.Join("..", "boards", name+".toml"))
			require.NoError(t, err)
			_, compiled := soc.Compiled(fromFile)
			require.False(t, compiled, "a board given by path takes the runtime path")

			opts := soc.Options{HTIFToHost: 0x8000_1000}
			gen, err := model.Build(builtin, opts)
			require.NoError(t, err)
			defer gen.Close()
			run, err := soc.Build(fromFile, opts)
			require.NoError(t, err)
			defer run.Close()
			require.Equal(t, windowsOf(run), windowsOf(gen))

			for _, w := range run.Bus.Windows() {
				for _, a := range []uint64{w.Base - 1, w.Base, w.Base + w.Size - 1, w.Base + w.Size} {
					name, off, ok := model.Decode(a)
					rw := run.Bus.Find(a)
					if rw == nil {
						require.False(t, ok, "%#x", a)
						continue
					}
					require.True(t, ok, "%#x", a)
					require.Equal(t, rw.Name, name, "%#x", a)
					require.Equal(t, a-rw.Base, off, "%#x", a)
				}
			}

			blob, err := dtb.Marshal(fromFile)
			require.NoError(t, err)
			require.Equal(t, blob, model.DTB)
		})
	}
}

// A board built from its IR has every hart and interrupt wired: the PLIC's
// contexts lead to the harts the board says.
func TestBuildWiresEveryHart(t *testing.T) {
	b, err := boards.Builtin("fu740")
	require.NoError(t, err)
	s, err := soc.Build(b, soc.Options{})
	require.NoError(t, err)
	defer s.Close()
	require.Len(t, s.Harts, 5)
	require.NotNil(t, s.PLIC)
	require.NotNil(t, s.CLINT)
	require.Len(t, s.PLIC.Outputs, 9)
	for i, l := range s.PLIC.Outputs {
		require.True(t, l.Connected(), "context %d", i)
	}
	require.NotNil(t, s.Console, "the console UART takes input")
}

func TestDrivesNeedSomewhereToGo(t *testing.T) {
	b, err := boards.Builtin("spike")
	require.NoError(t, err)
	_, err = soc.Build(b, soc.Options{HTIFToHost: 0x8000_1000, Drives: []soc.Drive{{Path: "/nonexistent.img", Interface: "nvme"}}})
	require.ErrorContains(t, err, "1 NVMe drives but 0 NVMe controllers")
}
