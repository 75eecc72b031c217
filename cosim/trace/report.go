package trace

import (
	"fmt"
	"io"
)

// WriteDiffReport prints a comparison result for people.
func WriteDiffReport(w io.Writer, res *DiffResult, nameA, nameB string) {
	fmt.Fprintf(w, "A: %s\nB: %s\n", nameA, nameB)
	for _, h := range res.Harts {
		fmt.Fprintf(w, "hart %d: %d events matched (A read %d, B read %d)\n", h.Hart, h.Compared, h.EventsA, h.EventsB)
		for _, s := range h.Skews {
			fmt.Fprintf(w, "  timing skew: interrupt %#x (%s) at A event %d (instret %d), B event %d (instret %d): %+d events\n",
				s.Cause, CauseName(s.Cause), s.PosA, s.InstretA, s.PosB, s.InstretB, s.Delta)
		}
		switch h.Truncated {
		case "a":
			fmt.Fprintf(w, "  A ended first; B's remaining events were not compared\n")
		case "b":
			fmt.Fprintf(w, "  B ended first; A's remaining events were not compared\n")
		}
		if h.SpunA+h.SpunB > 0 {
			fmt.Fprintf(w, "  spin loops not compared: %d events of A, %d of B\n", h.SpunA, h.SpunB)
		}
		if h.Unmatched > 0 {
			fmt.Fprintf(w, "  %d interrupt(s) taken on one side only before the end\n", h.Unmatched)
		}
	}
	d := res.Divergence
	if d == nil {
		fmt.Fprintln(w, "EQUAL")
		return
	}
	fmt.Fprintf(w, "DIVERGED on hart %d at A event %d, B event %d: %s\n", d.Hart, d.PosA, d.PosB, d.Reason)
	if len(d.Context) > 0 {
		fmt.Fprintf(w, "last %d matching events (A):\n", len(d.Context))
		for _, p := range d.Context {
			fmt.Fprintf(w, "    %s\n", p.A.Text)
		}
	}
	fmt.Fprintf(w, "A: %s\n", viewText(d.A))
	fmt.Fprintf(w, "B: %s\n", viewText(d.B))
	for _, f := range d.Fields {
		fmt.Fprintf(w, "  %s: A %s, B %s\n", f.Field, f.A, f.B)
	}
}

func viewText(v *EventView) string {
	if v == nil {
		return "(end of trace)"
	}
	return v.Text
}
