package boottest

import (
	"fmt"
	"strings"
	"time"
)

// Line is one "Key : Value" line of OpenSBI's banner, or a plain line of a
// boot log (Key is then the whole line).
type Line struct {
	Key, Value string
}

// Banner is OpenSBI's boot banner: the "Key : Value" lines after the logo,
// in the order printed.
func Banner(out string) ([]Line, error) {
	start := strings.Index(out, "OpenSBI v")
	if start < 0 {
		return nil, fmt.Errorf("no OpenSBI banner in the output")
	}
	var lines []Line
	for _, l := range strings.Split(out[start:], "\n") {
		k, v, ok := strings.Cut(l, ":")
		if !ok || strings.HasPrefix(l, " ") {
			if len(lines) > 0 && strings.TrimSpace(l) != "" {
				break // the payload's first line
			}
			continue
		}
		lines = append(lines, Line{Key: strings.TrimSpace(k), Value: strings.TrimSpace(v)})
		if lines[len(lines)-1].Key == "Boot HART MEDELEG" {
			break
		}
	}
	if len(lines) == 0 {
		return nil, fmt.Errorf("OpenSBI printed its logo but no banner lines")
	}
	return lines, nil
}

// Allowance says why a line may differ between QEMU and cosim, and what it
// must still satisfy on both (nil: anything).
type Allowance struct {
	Reason string
	Check  func(value string) error
}

// CompareLines compares two line lists in order: the same keys in the same
// order, and equal values except where allowed says otherwise. It returns
// every mismatch, one per line.
func CompareLines(ref, ours []Line, allowed map[string]Allowance) []string {
	var diffs []string
	n := max(len(ref), len(ours))
	for i := 0; i < n; i++ {
		switch {
		case i >= len(ref):
			diffs = append(diffs, fmt.Sprintf("line %d: cosim has an extra line %q", i, ours[i].Key+" : "+ours[i].Value))
			continue
		case i >= len(ours):
			diffs = append(diffs, fmt.Sprintf("line %d: cosim lacks QEMU's line %q", i, ref[i].Key+" : "+ref[i].Value))
			continue
		}
		r, o := ref[i], ours[i]
		if r.Key != o.Key {
			diffs = append(diffs, fmt.Sprintf("line %d: QEMU %q, cosim %q", i, r.Key, o.Key))
			continue
		}
		a, ok := allowed[r.Key]
		if !ok {
			if r.Value != o.Value {
				diffs = append(diffs, fmt.Sprintf("%s: QEMU %q, cosim %q", r.Key, r.Value, o.Value))
			}
			continue
		}
		if a.Check == nil {
			continue
		}
		for who, v := range map[string]string{"QEMU": r.Value, "cosim": o.Value} {
			if err := a.Check(v); err != nil {
				diffs = append(diffs, fmt.Sprintf("%s: %s's %q: %v", r.Key, who, v, err))
			}
		}
	}
	return diffs
}

// LogLines splits a console log into lines keyed by their text before the
// first colon (or the whole line), so CompareLines can allow a line by its
// prefix.
func LogLines(text string, prefixes []string) []Line {
	var out []Line
	for _, l := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		key := l
		for _, p := range prefixes {
			if strings.HasPrefix(l, p) {
				key = p
				break
			}
		}
		out = append(out, Line{Key: key, Value: l})
	}
	return out
}

// Transcript is what a U-Boot session printed: the boot log up to the
// autoboot countdown, then each command's output (without its echo and the
// next prompt).
type Transcript struct {
	BootLog string
	Outputs []string
}

// Timeouts of a U-Boot session, in host time. cosim simulates the 2 s
// autoboot countdown at a fraction of real speed.
const (
	bootTimeout    = 90 * time.Second
	commandTimeout = 30 * time.Second
)

// RunUBoot waits for U-Boot's autoboot countdown, stops it at once with a
// key, runs the commands one at a time (each after the previous prompt),
// then powers off.
func RunUBoot(s *Session, commands []string) (Transcript, error) {
	var tr Transcript
	if _, err := s.Expect("\nU-Boot ", bootTimeout); err != nil {
		return tr, err
	}
	log, err := s.Expect("Hit any key to stop autoboot", bootTimeout)
	if err != nil {
		return tr, err
	}
	tr.BootLog = "U-Boot " + strings.TrimSuffix(log, "Hit any key to stop autoboot")
	if err := s.Send(" "); err != nil {
		return tr, err
	}
	if _, err := s.Expect("=> ", commandTimeout); err != nil {
		return tr, err
	}
	for _, c := range commands {
		if err := s.Send(c + "\n"); err != nil {
			return tr, err
		}
		out, err := s.Expect("\n=> ", commandTimeout)
		if err != nil {
			return tr, fmt.Errorf("command %q: %w", c, err)
		}
		out = strings.TrimSuffix(out, "\n=> ")
		if _, rest, ok := strings.Cut(out, c+"\n"); ok {
			out = rest
		} else if out == c {
			out = ""
		}
		tr.Outputs = append(tr.Outputs, out)
	}
	if err := s.Send("poweroff\n"); err != nil {
		return tr, err
	}
	if err := s.Wait(commandTimeout); err != nil {
		return tr, fmt.Errorf("poweroff: %w", err)
	}
	return tr, nil
}
