package boards

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"
)

// Uint is an address, a size or another unsigned quantity as a board file
// writes it: a TOML integer, or a string such as "0x8000_0000", "2MiB",
// "16 GiB" or "64K". Values of 2^63 and above can only be written as strings
// (TOML integers are signed 64-bit).
type Uint uint64

// binary unit suffixes; single letters follow QEMU's -m convention (binary).
var sizeUnits = []struct {
	suffix string
	mult   uint64
}{
	{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40},
	{"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"T", 1 << 40},
	{"B", 1},
}

// ParseSize parses an integer with an optional binary unit: "4096",
// "0x1000", "0x8000_0000", "2MiB", "16 GiB", "64K".
func ParseSize(s string) (uint64, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, fmt.Errorf("empty size")
	}
	mult := uint64(1)
	if !strings.HasPrefix(t, "0x") && !strings.HasPrefix(t, "0X") {
		for _, u := range sizeUnits {
			if strings.HasSuffix(t, u.suffix) {
				mult = u.mult
				t = strings.TrimSpace(strings.TrimSuffix(t, u.suffix))
				break
			}
		}
	}
	v, err := strconv.ParseUint(t, 0, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a size or address (write 4096, \"0x8000_0000\" or \"2MiB\")", s)
	}
	if mult > 1 && v > ^uint64(0)/mult {
		return 0, fmt.Errorf("%q overflows 64 bits", s)
	}
	return v * mult, nil
}

func (u *Uint) UnmarshalTOML(v any) error {
	n, err := unmarshalCount(v, ParseSize, `an integer or a string such as "0x1000" or "2MiB"`)
	*u = Uint(n)
	return err
}

// Freq is a frequency in Hz: an integer, or a string such as "10MHz",
// "1.2GHz", "3686400".
type Freq uint64

var freqUnits = []struct {
	suffix string
	mult   int64
}{
	{"GHz", 1e9}, {"MHz", 1e6}, {"kHz", 1e3}, {"KHz", 1e3}, {"Hz", 1},
}

// ParseFreq parses "10MHz", "1.2GHz", "1000kHz" or a plain number of Hz.
func ParseFreq(s string) (uint64, error) {
	t := strings.TrimSpace(s)
	mult := int64(1)
	for _, u := range freqUnits {
		if strings.HasSuffix(t, u.suffix) {
			mult = u.mult
			t = strings.TrimSpace(strings.TrimSuffix(t, u.suffix))
			break
		}
	}
	r, ok := new(big.Rat).SetString(strings.ReplaceAll(t, "_", ""))
	if !ok || r.Sign() < 0 {
		return 0, fmt.Errorf("%q is not a frequency (write 10000000 or \"10MHz\")", s)
	}
	r.Mul(r, new(big.Rat).SetInt64(mult))
	if !r.IsInt() || !r.Num().IsUint64() {
		return 0, fmt.Errorf("%q is not a whole number of Hz", s)
	}
	return r.Num().Uint64(), nil
}

func (f *Freq) UnmarshalTOML(v any) error {
	n, err := unmarshalCount(v, ParseFreq, `an integer (Hz) or a string such as "10MHz"`)
	*f = Freq(n)
	return err
}

// Duration is a latency: an integer number of nanoseconds or a Go duration
// string such as "20us" or "1.5ms".
type Duration time.Duration

func (d *Duration) UnmarshalTOML(v any) error {
	n, err := unmarshalCount(v, parseDurationNs, `a duration such as "20us"`)
	*d = Duration(time.Duration(n))
	return err
}

// parseDurationNs reads a Go duration string as nanoseconds.
func parseDurationNs(s string) (uint64, error) {
	t, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil || t < 0 {
		return 0, fmt.Errorf("%q is not a duration (write \"20us\" or an integer of ns)", s)
	}
	return uint64(t), nil
}

// unmarshalCount reads a TOML value that is a non-negative integer or a
// string parse understands; want describes both for the error.
func unmarshalCount(v any, parse func(string) (uint64, error), want string) (uint64, error) {
	switch x := v.(type) {
	case int64:
		if x < 0 {
			return 0, fmt.Errorf("%d is negative", x)
		}
		return uint64(x), nil
	case string:
		return parse(x)
	default:
		return 0, fmt.Errorf("want %s, got %T", want, v)
	}
}

// IRQList is a list of interrupt source numbers written as an integer, a
// range string "23-38", or an array mixing both.
type IRQList []uint32

func (l *IRQList) UnmarshalTOML(v any) error {
	var out []uint32
	var add func(v any) error
	add = func(v any) error {
		switch x := v.(type) {
		case int64:
			if x < 0 || x > 1<<31 {
				return fmt.Errorf("IRQ %d out of range", x)
			}
			out = append(out, uint32(x))
		case string:
			lo, hi, ok := strings.Cut(x, "-")
			if !ok {
				hi = lo
			}
			a, err1 := strconv.ParseUint(strings.TrimSpace(lo), 0, 31)
			b, err2 := strconv.ParseUint(strings.TrimSpace(hi), 0, 31)
			if err1 != nil || err2 != nil || b < a || b-a > 4096 {
				return fmt.Errorf("%q is not an IRQ range such as \"23-38\"", x)
			}
			for i := a; i <= b; i++ {
				out = append(out, uint32(i))
			}
		case []any:
			for _, e := range x {
				if _, nested := e.([]any); nested {
					return fmt.Errorf("nested arrays are not IRQ lists")
				}
				if err := add(e); err != nil {
					return err
				}
			}
		default:
			return fmt.Errorf("want an IRQ number, a range \"a-b\" or an array of them, got %T", v)
		}
		return nil
	}
	if err := add(v); err != nil {
		return err
	}
	*l = out
	return nil
}

// FormatSize renders a size the way board pages print it: "2 MiB" when
// exact, hex otherwise.
func FormatSize(n uint64) string {
	units := []struct {
		name string
		v    uint64
	}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}}
	for _, u := range units {
		if n >= u.v && n%u.v == 0 {
			return fmt.Sprintf("%d %s", n/u.v, u.name)
		}
	}
	return fmt.Sprintf("%#x", n)
}

// FormatFreq renders a frequency in the largest unit that needs at most
// four decimals: "10 MHz", "1.2 GHz", "3.6864 MHz", "33333333 Hz".
func FormatFreq(hz uint64) string {
	for _, u := range freqUnits[:3] {
		m := uint64(u.mult)
		if hz < m || (hz*10000)%m != 0 || (hz/m >= 1000 && u.suffix != "GHz") {
			continue
		}
		s := fmt.Sprintf("%d.%04d", hz/m, (hz%m)*10000/m)
		return strings.TrimSuffix(strings.TrimRight(s, "0"), ".") + " " + u.suffix
	}
	return fmt.Sprintf("%d Hz", hz)
}
