// Package gen owns generation from the board files: one generator that
// loads every built-in board and hands the IR to emitters, each producing
// files in the repository. Today: the guest kernel's C board header
// (kernel/include/board/<board>.h) and the board pages (docs/boards/). The
// Go SoC package emitter (soc/<board>/) is meant to sit beside them as one
// more Emitter.
//
// `cosim gen` and `go generate ./...` both run it; `cosim gen --check` is
// the CI staleness check. It imports boards only; it must not know about
// hardware models.
package gen

//go:generate go run cosim/cmd/cosim gen

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"cosim/boards"
)

// File is one generated file; Path is relative to the repository root,
// slash-separated.
type File struct {
	Path string
	Data []byte
}

// Emitter turns board IRs into files.
type Emitter interface {
	// Name is a short label for messages ("c-header").
	Name() string
	// Emit returns the emitter's files for all boards.
	Emit(bs []*boards.Board) ([]File, error)
	// Owns lists glob patterns (relative to the root) covering every file
	// the emitter may write, so files left over from a removed board are
	// found. Only files carrying the generated-file marker are touched.
	Owns() []string
}

// Marker is in every generated file; files without it are never removed.
const Marker = "DO NOT EDIT"

// DefaultEmitters are the outputs `cosim gen` writes.
func DefaultEmitters() []Emitter { return []Emitter{CHeader{}, BoardPage{}} }

// Builtin loads every built-in board in its default configuration.
func Builtin() ([]*boards.Board, error) {
	var out []*boards.Board
	for _, n := range boards.Names() {
		b, err := boards.Builtin(n)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}

// Generate runs the emitters over the boards.
func Generate(bs []*boards.Board, emitters []Emitter) ([]File, error) {
	var out []File
	seen := map[string]string{}
	for _, e := range emitters {
		files, err := e.Emit(bs)
		if err != nil {
			return nil, fmt.Errorf("gen: %s: %w", e.Name(), err)
		}
		for _, f := range files {
			if o, dup := seen[f.Path]; dup {
				return nil, fmt.Errorf("gen: %s and %s both write %s", o, e.Name(), f.Path)
			}
			seen[f.Path] = e.Name()
		}
		out = append(out, files...)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// Change is one difference between the generated files and the tree.
type Change struct {
	Path string
	What string // "new", "changed", "removed"
}

// Plan compares generated files with the repository at root: which are
// new, which differ, and which generated files no emitter writes any more.
func Plan(root string, files []File, emitters []Emitter) ([]Change, error) {
	var out []Change
	want := map[string]bool{}
	for _, f := range files {
		want[f.Path] = true
		old, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(f.Path)))
		switch {
		case os.IsNotExist(err):
			out = append(out, Change{f.Path, "new"})
		case err != nil:
			return nil, fmt.Errorf("gen: %w", err)
		case !bytes.Equal(old, f.Data):
			out = append(out, Change{f.Path, "changed"})
		}
	}
	for _, e := range emitters {
		for _, g := range e.Owns() {
			matches, err := filepath.Glob(filepath.Join(root, filepath.FromSlash(g)))
			if err != nil {
				return nil, fmt.Errorf("gen: %s: %w", g, err)
			}
			for _, m := range matches {
				rel, _ := filepath.Rel(root, m)
				rel = filepath.ToSlash(rel)
				if want[rel] {
					continue
				}
				data, err := os.ReadFile(m)
				if err == nil && bytes.Contains(data, []byte(Marker)) {
					out = append(out, Change{rel, "removed"})
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// Apply writes the planned changes under root.
func Apply(root string, files []File, changes []Change) error {
	data := map[string][]byte{}
	for _, f := range files {
		data[f.Path] = f.Data
	}
	for _, c := range changes {
		p := filepath.Join(root, filepath.FromSlash(c.Path))
		if c.What == "removed" {
			if err := os.Remove(p); err != nil {
				return fmt.Errorf("gen: %w", err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("gen: %w", err)
		}
		if err := os.WriteFile(p, data[c.Path], 0o644); err != nil {
			return fmt.Errorf("gen: %w", err)
		}
	}
	return nil
}

// FindRoot walks up from dir to the directory holding the cosim go.mod.
func FindRoot(dir string) (string, error) {
	d, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for {
		data, err := os.ReadFile(filepath.Join(d, "go.mod"))
		if err == nil && modulePath(data) == "cosim" {
			return d, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", fmt.Errorf("gen: no cosim go.mod above %s", dir)
		}
		d = parent
	}
}

func modulePath(gomod []byte) string {
	for _, line := range strings.Split(string(gomod), "\n") {
		if f := strings.Fields(line); len(f) == 2 && f[0] == "module" {
			return strings.Trim(f[1], `"`)
		}
	}
	return ""
}
