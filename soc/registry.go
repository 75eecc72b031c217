package soc

import (
	"fmt"
	"sort"

	"cosim/boards"
)

// Model is a compiled SoC model: a generated package soc/<board> registers
// one (import cosim/soc/all to link them all in).
type Model struct {
	Name   string
	Source string // the board file it was generated from
	Build  func(*boards.Board, Options) (*SoC, error)
	// Decode is the static address decode of the default configuration.
	Decode func(addr uint64) (window string, off uint64, ok bool)
	// DTB is the device tree of the default configuration.
	DTB []byte
}

var models = map[string]Model{}

// Register makes a compiled model available; generated packages call it.
func Register(m Model) {
	if _, dup := models[m.Name]; dup {
		panic(fmt.Sprintf("soc: model %s registered twice", m.Name)) // a build mistake, not user input
	}
	models[m.Name] = m
}

// Compiled returns the compiled model of board b, if b is a built-in
// board whose model is linked in.
func Compiled(b *boards.Board) (Model, bool) {
	m, ok := models[b.Name]
	return m, ok && m.Source == b.Source
}

// Models lists the names of the compiled models linked in.
func Models() []string {
	var n []string
	for k := range models {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}

// Assemble builds b with its compiled model when one is linked in, else
// from the IR at run time (a board file that is not compiled in). Both
// paths call the same adders.
func Assemble(b *boards.Board, o Options) (*SoC, error) {
	if m, ok := Compiled(b); ok {
		return m.Build(b, o)
	}
	return Build(b, o)
}
