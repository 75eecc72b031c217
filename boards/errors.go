package boards

import (
	"fmt"
	"strings"
)

// Error is one problem in a board file, located so a person can fix it.
type Error struct {
	File string
	Line int    // 1-based; 0 when the position is unknown
	Key  string // the key as a path: "timebase", "hart[1].mmu", "device[uart0].irqs"
	Msg  string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if e.Key != "" {
		fmt.Fprintf(&b, ": %s", e.Key)
	}
	fmt.Fprintf(&b, ": %s", e.Msg)
	return b.String()
}

// Errors is every problem found in one file, in file order.
type Errors []*Error

func (es Errors) Error() string {
	if len(es) == 1 {
		return es[0].Error()
	}
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.Error()
	}
	return fmt.Sprintf("%d problems:\n  %s", len(es), strings.Join(parts, "\n  "))
}
