package main

import (
	"os"
	"strings"
	"testing"
)

// TestInnerTracedIsCurrent: inner_traced.go is what Generate makes of
// run.go, and records every retirement point of inner.
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
	if n := strings.Count(string(want), "tr.rdv = h.r[s.rd]"); n != retires {
		t.Fatalf("%d rd captures for %d retirement points", n, retires)
	}
}
