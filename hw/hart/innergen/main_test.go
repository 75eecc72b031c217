package main

import (
	"os"
	"strings"
	"testing"
)

// TestInnerTracedIsCurrent: inner_traced.go is what Generate makes of
// run.go, and codes the retirement at every retirement point of inner.
func TestInnerTracedIsCurrent(t *testing.T) {
	src, err := os.ReadFile("../run.go")
	if err != nil {
		t.Fatal(err)
	}
	want, err := Generate(src)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("../inner_traced.go")
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Fatal("hw/hart/inner_traced.go is out of date with run.go: run go run ./hw/hart/innergen")
	}
	retires := strings.Count(string(src), "if rem--; rem == 0 {") + 1 // and jumped
	if n := strings.Count(string(want), "capC.Last = p\n"); n != retires {
		t.Fatalf("%d retirements coded for %d retirement points", n, retires)
	}
	if n := strings.Count(string(want), "nj := sim.ByteLen(j)\n"); n != 1 {
		t.Fatalf("%d retirements code a jump, want 1 (jumped)", n)
	}
	loads, stores := strings.Count(string(src), "set.load["), strings.Count(string(src), "set.store[")
	coded := func(data string) int { return strings.Count(string(want), data) - strings.Count(string(src), data) }
	if n := coded("= h.r[s.rd]\n"); n != loads {
		t.Fatalf("%d loads' data coded for %d loads", n, loads)
	}
	if n := coded("= h.r[s.rs2]\n"); n != stores {
		t.Fatalf("%d stores' data coded for %d stores", n, stores)
	}
}
