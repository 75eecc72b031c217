package boards

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
)

//go:embed *.toml
var builtinFiles embed.FS

// Names lists the built-in boards, sorted.
func Names() []string {
	ents, _ := fs.ReadDir(builtinFiles, ".")
	var out []string
	for _, e := range ents {
		if n, ok := strings.CutSuffix(e.Name(), ".toml"); ok {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// Builtin loads a board compiled into the binary by name ("qemu-virt").
func Builtin(name string) (*Board, error) {
	data, err := builtinFiles.ReadFile(name + ".toml")
	if err != nil {
		return nil, fmt.Errorf("no built-in board %q (built-in: %s)", name, strings.Join(Names(), ", "))
	}
	return Parse("boards/"+name+".toml", data)
}

// BuiltinSource returns the TOML text of a built-in board.
func BuiltinSource(name string) ([]byte, error) {
	return builtinFiles.ReadFile(name + ".toml")
}

// Load reads and validates a board file.
func Load(file string) (*Board, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("board: %w", err)
	}
	return Parse(file, data)
}

// Open takes what a user typed after --board: a path to a TOML file (it
// contains a '/' or ends in .toml) or a built-in board's name.
func Open(nameOrPath string) (*Board, error) {
	if strings.ContainsRune(nameOrPath, '/') || strings.HasSuffix(nameOrPath, ".toml") {
		return Load(nameOrPath)
	}
	return Builtin(nameOrPath)
}

// Parse validates a board file's contents; file names it in errors. The
// error, if any, is an Errors value listing every problem found.
func Parse(file string, data []byte) (*Board, error) {
	src, err := decode(file, string(data))
	if err != nil {
		return nil, err
	}
	return build(src, overrides{})
}

// WithHarts returns the board with its first n declared harts (QEMU's
// -smp): the PLIC keeps the contexts of those harts, the CLINT serves them.
func (b *Board) WithHarts(n int) (*Board, error) {
	if n < 1 || n > len(b.AllHarts) {
		return nil, fmt.Errorf("%s: --smp %d: the board declares %d hart(s), so 1..%d", b.Source, n, len(b.AllHarts), len(b.AllHarts))
	}
	ov := b.src.ov
	ov.harts = n
	return build(b.src.withOverrides(ov), ov)
}

// WithDRAM returns the board with its first DRAM region resized (QEMU's -m);
// windows placed "above-dram" move with it.
func (b *Board) WithDRAM(size uint64) (*Board, error) {
	if size == 0 || size%(1<<20) != 0 {
		return nil, fmt.Errorf("%s: -m %d: DRAM size must be a non-zero multiple of 1 MiB", b.Source, size)
	}
	ov := b.src.ov
	ov.dram = size
	return build(b.src.withOverrides(ov), ov)
}

type overrides struct {
	harts int    // 0: the file's default_harts
	dram  uint64 // 0: the file's size
}

// source is a decoded board file; the IR is rebuilt from it for overrides.
type source struct {
	file    string
	pos     *positions
	raw     fileTOML
	harts   []hartTOML
	buses   []windowTOML
	memory  []memoryTOML
	devices []deviceTOML
	devKeys [][]string        // keys each [[device]] sets, in file order
	decErrs Errors            // decode problems that do not stop validation
	broken  map[string]bool   // elements that failed to decode ("device[2]")
	names   map[string]string // element -> its name, even if broken
	ov      overrides
}

func (s *source) withOverrides(ov overrides) *source {
	c := *s
	c.ov = ov
	return &c
}

// lastKeyRe pulls the key out of the decoder's plain type-mismatch errors,
// which are not ParseErrors: `toml: line 3 (last key "a.b"): ...`.
var lastKeyRe = regexp.MustCompile(`^toml: (?:line \d+ )?\(last key "([^"]*)"\): (.*)$`)

func decode(file, text string) (*source, error) {
	s := &source{file: file, pos: scanPositions(text), broken: map[string]bool{}, names: map[string]string{}}
	var syntax map[string]any
	if _, err := toml.Decode(text, &syntax); err != nil {
		// A syntax error: nothing else can be trusted.
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return nil, Errors{&Error{File: file, Line: pe.Position.Line, Msg: pe.Message}}
		}
		return nil, Errors{&Error{File: file, Msg: err.Error()}}
	}
	var raw struct {
		fileTOML
		Hart   []toml.Primitive `toml:"hart"`
		Bus    []toml.Primitive `toml:"bus"`
		Memory []toml.Primitive `toml:"memory"`
	}
	md, err := toml.Decode(text, &raw)
	if err != nil {
		s.decErrs = append(s.decErrs, s.decodeError(err, ""))
		return s, s.decErrs
	}
	s.raw = raw.fileTOML
	elems := func(name string, prims []toml.Primitive, into func(i int, p toml.Primitive) error) {
		for i, p := range prims {
			if err := into(i, p); err != nil {
				elem := fmt.Sprintf("%s[%d]", name, i)
				s.broken[elem] = true
				s.decErrs = append(s.decErrs, s.decodeError(err, elem))
			}
		}
	}
	s.harts = make([]hartTOML, len(raw.Hart))
	elems("hart", raw.Hart, func(i int, p toml.Primitive) error { return md.PrimitiveDecode(p, &s.harts[i]) })
	s.buses = make([]windowTOML, len(raw.Bus))
	elems("bus", raw.Bus, func(i int, p toml.Primitive) error { return md.PrimitiveDecode(p, &s.buses[i]) })
	s.memory = make([]memoryTOML, len(raw.Memory))
	elems("memory", raw.Memory, func(i int, p toml.Primitive) error { return md.PrimitiveDecode(p, &s.memory[i]) })
	s.devices = make([]deviceTOML, len(raw.Device))
	s.devKeys = make([][]string, len(raw.Device))
	elems("device", raw.Device, func(i int, p toml.Primitive) error {
		var keys map[string]any
		if err := md.PrimitiveDecode(p, &keys); err != nil {
			return err
		}
		for k := range keys {
			s.devKeys[i] = append(s.devKeys[i], k)
		}
		if n, ok := keys["name"].(string); ok {
			s.names[fmt.Sprintf("device[%d]", i)] = n
		}
		sort.Slice(s.devKeys[i], func(a, b int) bool {
			pa := s.pos.lineOf(fmt.Sprintf("device[%d].%s", i, s.devKeys[i][a]))
			pb := s.pos.lineOf(fmt.Sprintf("device[%d].%s", i, s.devKeys[i][b]))
			return pa < pb || pa == pb && s.devKeys[i][a] < s.devKeys[i][b]
		})
		return md.PrimitiveDecode(p, &s.devices[i])
	})
	for _, k := range md.Undecoded() {
		key := strings.Join(k, ".")
		paths := s.pos.matching(key)
		if len(paths) == 0 {
			paths = []string{key}
		}
		for _, p := range paths {
			s.decErrs = append(s.decErrs, &Error{File: file, Line: s.pos.lineOf(p), Key: p, Msg: fmt.Sprintf("unknown key %q", k[len(k)-1])})
		}
	}
	return s, nil
}

// decodeError turns a decoder error into an Error naming the key and its
// line. elem is the array element being decoded ("hart[2]"), whose index
// the decoder's own key ("hart.isa") lacks.
func (s *source) decodeError(err error, elem string) *Error {
	key, msg := "", err.Error()
	var pe toml.ParseError
	if errors.As(err, &pe) {
		key, msg = pe.LastKey, pe.Message
	} else if m := lastKeyRe.FindStringSubmatch(msg); m != nil {
		key, msg = m[1], m[2]
	}
	if elem != "" {
		name := elem[:strings.IndexByte(elem, '[')]
		if rest, ok := strings.CutPrefix(key, name); ok {
			key = elem + rest
		} else if key == "" {
			key = elem
		}
	}
	return &Error{File: s.file, Line: s.pos.lineOf(key), Key: key, Msg: msg}
}

// loader builds the IR from a source, collecting errors.
type loader struct {
	src      *source
	errs     Errors
	allHarts []Hart
	nHarts   int
	memory   []Region
	labels   map[string]string // "device[3]" -> "device[uart0]"
}

func (l *loader) errorf(path, format string, args ...any) {
	l.errs = append(l.errs, &Error{File: l.src.file, Line: l.src.pos.lineOf(path), Key: l.label(path), Msg: fmt.Sprintf(format, args...)})
}

// label renders an indexed path with the element's name where it has one.
func (l *loader) label(path string) string {
	if i := strings.IndexByte(path, ']'); i >= 0 {
		if lab, ok := l.labels[path[:i+1]]; ok {
			return lab + path[i+1:]
		}
	}
	return path
}

func (l *loader) dram() (Region, bool) {
	for _, r := range l.memory {
		if r.Kind == DRAM {
			return r, true
		}
	}
	return Region{}, false
}

func build(src *source, ov overrides) (*Board, error) {
	l := &loader{src: src, labels: map[string]string{}}
	for elem, n := range src.names {
		if n != "" {
			l.labels[elem] = elem[:strings.IndexByte(elem, '[')] + "[" + n + "]"
		}
	}
	raw := &src.raw
	b := &Board{
		Name: raw.Name, Model: raw.Model, Compatible: raw.Compatible, Family: Family(raw.Family),
		Source: src.file, Console: raw.Console, Aliases: raw.Aliases, Unverified: raw.Unverified,
		MemoryModel: MemoryModel(raw.MemoryModel), ICacheCoherent: true, src: src,
	}
	l.top(b)
	l.buildHarts(b, ov)
	l.buildMemory(b, ov)
	l.buildBuses(b)
	l.buildDevices(b)
	l.buildL2(b)
	l.buildBoot(b)
	for _, e := range src.decErrs {
		c := *e
		c.Key = l.label(c.Key)
		l.errs = append(l.errs, &c)
	}
	// References between entries are only checked once every entry is well
	// formed: a broken entry would otherwise be reported again as missing.
	if len(l.errs) == 0 {
		l.crossCheck(b)
	}
	if len(l.errs) > 0 {
		sort.SliceStable(l.errs, func(i, j int) bool { return l.errs[i].Line < l.errs[j].Line })
		return nil, l.errs
	}
	return b, nil
}

var nameRe = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

func (l *loader) top(b *Board) {
	raw := &l.src.raw
	switch {
	case raw.Name == "":
		l.errorf("name", "missing required key \"name\"")
	case !nameRe.MatchString(raw.Name):
		l.errorf("name", "board name %q: use lower-case letters, digits, '-' and '_'", raw.Name)
	}
	if raw.Model == "" {
		l.errorf("model", "missing required key \"model\" (the DTB /model string)")
	}
	if len(raw.Compatible) == 0 {
		l.errorf("compatible", "missing required key \"compatible\" (the DTB root compatible list)")
	}
	if !contains(families, b.Family) {
		l.errorf("family", "family %q is not one of %s", raw.Family, joinQuoted(families))
	}
	if raw.Timebase == nil || *raw.Timebase == 0 {
		l.errorf("timebase", "missing required key \"timebase\" (the mtime frequency, e.g. \"10MHz\")")
	} else {
		b.TimebaseHz = uint64(*raw.Timebase)
	}
	if b.MemoryModel == "" {
		b.MemoryModel = MemorySC
	}
	if !contains([]MemoryModel{MemorySC, MemoryTSO, MemoryRVWMO}, b.MemoryModel) {
		l.errorf("memory_model", "memory_model %q is not one of \"sc\", \"tso\", \"rvwmo\"", raw.MemoryModel)
	}
	if raw.ICacheCoherent != nil {
		b.ICacheCoherent = *raw.ICacheCoherent
	}
	b.DTBOrder = DTBOrder(raw.DTBOrder)
	if b.DTBOrder == "" {
		b.DTBOrder = DTBOrderFile
	}
	if !contains([]DTBOrder{DTBOrderFile, DTBOrderNewestFirst}, b.DTBOrder) {
		l.errorf("dtb_order", "dtb_order %q is not one of \"file\", \"newest-first\"", raw.DTBOrder)
	}
}

var isaRe = regexp.MustCompile(`^rv(32|64)[a-z]+(_[a-z][a-z0-9]*)*$`)

func (l *loader) buildHarts(b *Board, ov overrides) {
	if len(l.src.harts) == 0 {
		l.errorf("hart", "missing required table [[hart]]: a board has at least one hart")
		return
	}
	for i, h := range l.src.harts {
		path := fmt.Sprintf("hart[%d]", i)
		if l.src.broken[path] {
			continue
		}
		count := intOr(h.Count, 1)
		if count < 1 || count > 64 {
			l.errorf(path+".count", "count must be 1..64, got %d", count)
			continue
		}
		proto := l.hart(path, &h)
		for j := 0; j < count; j++ {
			hh := proto
			hh.ID = len(b.AllHarts)
			hh.MMU = append([]string(nil), proto.MMU...)
			hh.Errata = append([]string(nil), proto.Errata...)
			b.AllHarts = append(b.AllHarts, hh)
		}
	}
	l.allHarts = b.AllHarts
	b.DefaultHarts = l.src.raw.DefaultHarts
	if b.DefaultHarts == 0 {
		b.DefaultHarts = len(b.AllHarts)
	}
	if b.DefaultHarts < 1 || b.DefaultHarts > len(b.AllHarts) {
		l.errorf("default_harts", "default_harts must be 1..%d (the harts declared), got %d", len(b.AllHarts), b.DefaultHarts)
		b.DefaultHarts = len(b.AllHarts)
	}
	n := b.DefaultHarts
	if ov.harts > 0 {
		n = ov.harts
	}
	l.nHarts = n
	b.Harts = b.AllHarts[:n]
	boot := false
	for _, h := range b.Harts {
		boot = boot || h.Boot
	}
	if !boot && len(b.Harts) > 0 {
		l.errorf("hart[0].boot", "none of harts 0..%d may boot (boot = true on at least one)", len(b.Harts)-1)
	}
}

func (l *loader) hart(path string, t *hartTOML) Hart {
	h := Hart{Core: t.Core, Compatible: t.Compatible, ISA: t.ISA, MMU: t.MMU, PMPEntries: t.PMPEntries,
		AD: ADPolicy(t.ADPolicy), Misaligned: Misaligned(t.Misaligned), Boot: true,
		MVendorID: uint64(t.MVendorID), MArchID: uint64(t.MArchID), MImpID: uint64(t.MImpID),
		HPMCounters: t.HPMCounters, ClockHz: uint64(t.Clock), Errata: t.Errata, ITLB: t.ITLB, DTLB: t.DTLB,
		PMPGranularity: 4}
	if len(h.Compatible) == 0 {
		h.Compatible = []string{"riscv"}
	}
	switch {
	case t.ISA == "":
		l.errorf(path, "missing required key \"isa\" (e.g. \"rv64imafdc_zicsr_zifencei\")")
	case !isaRe.MatchString(t.ISA):
		l.errorf(path+".isa", "%q is not an ISA string such as \"rv64imafdc_zicsr_zifencei\"", t.ISA)
	case !strings.ContainsAny(strings.SplitN(t.ISA[4:], "_", 2)[0][:1], "ieg"):
		l.errorf(path+".isa", "%q: the base ISA after rv32/rv64 must be i, e or g", t.ISA)
	}
	modes := t.Modes
	if modes == "" {
		modes = "msu"
	}
	for _, c := range modes {
		if !strings.ContainsRune("msu", c) || strings.Count(modes, string(c)) > 1 {
			l.errorf(path+".modes", "modes %q: use each of m, s, u at most once", modes)
			break
		}
	}
	h.SMode, h.UMode = strings.ContainsRune(modes, 's'), strings.ContainsRune(modes, 'u')
	if !strings.ContainsRune(modes, 'm') {
		l.errorf(path+".modes", "modes %q: every hart has M-mode", modes)
	}
	if h.SMode && !h.UMode {
		l.errorf(path+".modes", "modes %q: S-mode requires U-mode", modes)
	}
	for _, m := range h.MMU {
		if _, ok := mmuModes[m]; !ok {
			l.errorf(path+".mmu", "unknown MMU mode %q (sv39, sv48, sv57)", m)
		}
	}
	if len(h.MMU) > 0 && !h.SMode {
		l.errorf(path+".mmu", "an MMU needs S-mode (modes %q)", modes)
	}
	if h.PMPEntries < 0 || h.PMPEntries > 64 {
		l.errorf(path+".pmp_entries", "pmp_entries must be 0..64, got %d", h.PMPEntries)
	}
	if t.PMPGranularity != nil {
		g := uint64(*t.PMPGranularity)
		if g < 4 || g&(g-1) != 0 {
			l.errorf(path+".pmp_granularity", "pmp_granularity must be a power of two >= 4, got %d", g)
		}
		h.PMPGranularity = g
	}
	if h.AD == "" {
		h.AD = ADHardware
	}
	if h.AD != ADHardware && h.AD != ADFault {
		l.errorf(path+".ad_policy", "ad_policy %q is not \"hardware\" or \"fault\"", t.ADPolicy)
	}
	if h.Misaligned == "" {
		h.Misaligned = MisalignedTrap
	}
	if h.Misaligned != MisalignedTrap && h.Misaligned != MisalignedEmulate {
		l.errorf(path+".misaligned", "misaligned %q is not \"trap\" or \"emulate\"", t.Misaligned)
	}
	if t.Boot != nil {
		h.Boot = *t.Boot
	}
	h.NoTimeCSR = t.TimeCSR != nil && !*t.TimeCSR
	switch t.PrivSpec {
	case "", "1.12":
	case "1.10", "1.11":
		h.PrivSpec = 100 + 10*int(t.PrivSpec[2]-'0') + int(t.PrivSpec[3]-'0')
	default:
		l.errorf(path+".priv_spec", "priv_spec must be \"1.10\", \"1.11\" or \"1.12\", got %q", t.PrivSpec)
	}
	if h.HPMCounters < 0 || h.HPMCounters > 29 {
		l.errorf(path+".hpm_counters", "hpm_counters must be 0..29, got %d", h.HPMCounters)
	}
	if h.ClockHz == 0 {
		l.errorf(path, "missing required key \"clock\" (the core clock, e.g. \"1GHz\")")
	}
	for _, e := range h.Errata {
		if !contains(knownErrata, e) {
			l.errorf(path+".errata", "unknown erratum %q (known: %s)", e, joinQuoted(knownErrata))
		}
	}
	h.ICache = l.cache(path+".icache", t.ICache, DefaultL1HitLatency, DefaultL1MissLatency)
	h.DCache = l.cache(path+".dcache", t.DCache, DefaultL1HitLatency, DefaultL1MissLatency)
	return h
}

var knownErrata = []string{"cip-1200", "cip-453"}

func (l *loader) cache(path string, t *cacheTOML, hit, miss int) *Cache {
	if t == nil {
		return nil
	}
	c := &Cache{HitLatency: hit, MissLatency: miss, Replacement: ReplaceRandom}
	if t.HitLatency != nil {
		c.HitLatency = *t.HitLatency
	}
	if t.MissLatency != nil {
		c.MissLatency = *t.MissLatency
	}
	switch Replacement(t.Replacement) {
	case "":
	case ReplaceRandom, ReplaceLRU:
		c.Replacement = Replacement(t.Replacement)
	default:
		l.errorf(path+".replacement", "replacement %q: want %q or %q", t.Replacement, ReplaceRandom, ReplaceLRU)
	}
	ok := true
	for _, f := range []struct {
		key string
		v   *Uint
		dst *uint64
	}{{"size", t.Size, &c.Size}, {"ways", t.Ways, &c.Ways}, {"line", t.Line, &c.Line}} {
		switch {
		case f.v == nil:
			l.errorf(path, "missing required key %q", f.key)
			ok = false
		case *f.v == 0 || *f.v&(*f.v-1) != 0:
			l.errorf(path+"."+f.key, "cache %s %d is not a power of two", f.key, uint64(*f.v))
			ok = false
		default:
			*f.dst = uint64(*f.v)
		}
	}
	if ok && c.Size%(c.Ways*c.Line) != 0 {
		l.errorf(path+".ways", "%d ways of %d-byte lines do not divide a %d-byte cache", c.Ways, c.Line, c.Size)
	}
	if c.HitLatency < 0 || c.MissLatency < 0 {
		l.errorf(path, "latencies must not be negative")
	}
	return c
}

func (l *loader) buildMemory(b *Board, ov overrides) {
	resized := false
	for i, m := range l.src.memory {
		path := fmt.Sprintf("memory[%d]", i)
		if l.src.broken[path] {
			continue
		}
		if m.Name != "" {
			l.labels[path] = fmt.Sprintf("memory[%s]", m.Name)
		}
		r := Region{Name: m.Name, Kind: RegionKind(m.Kind)}
		if m.Name == "" {
			l.errorf(path, "missing required key \"name\"")
		}
		if !contains([]RegionKind{DRAM, ROM, SRAM}, r.Kind) {
			l.errorf(path+".kind", "memory kind %q is not \"dram\", \"rom\" or \"sram\"", m.Kind)
		}
		if m.Base == nil {
			l.errorf(path, "missing required key \"base\"")
		} else {
			r.Base = uint64(*m.Base)
		}
		if m.Size == nil || *m.Size == 0 {
			l.errorf(path, "missing required key \"size\" (non-zero)")
		} else {
			r.Size = uint64(*m.Size)
		}
		if r.Kind == DRAM && ov.dram > 0 && !resized {
			r.Size, resized = ov.dram, true
		}
		if r.Base+r.Size < r.Base {
			l.errorf(path+".size", "region wraps past the end of the address space")
		}
		b.Memory = append(b.Memory, r)
	}
	l.memory = b.Memory
	if _, ok := b.DRAM(); !ok {
		path := "memory"
		if len(b.Memory) > 0 {
			path = "memory[0]"
		}
		l.errorf(path, "the board has no DRAM region ([[memory]] with kind = \"dram\")")
	}
}

func (l *loader) buildBuses(b *Board) {
	for i, w := range l.src.buses {
		path := fmt.Sprintf("bus[%d]", i)
		if l.src.broken[path] {
			continue
		}
		if w.Base == nil || w.Size == nil || w.Base.Keyword != "" || *w.Size == 0 {
			l.errorf(path, "a bus window needs an address base and a non-zero size")
			continue
		}
		b.Buses = append(b.Buses, Window{Name: w.Name, Base: w.Base.Value, Size: uint64(*w.Size)})
	}
}

func (l *loader) buildDevices(b *Board) {
	for i := range l.src.devices {
		d := &l.src.devices[i]
		path := fmt.Sprintf("device[%d]", i)
		if l.src.broken[path] {
			continue
		}
		if d.Name != "" {
			l.labels[path] = fmt.Sprintf("device[%s]", d.Name)
		}
		spec, ok := kindSpecs[Kind(d.Kind)]
		switch {
		case d.Name == "":
			l.errorf(path, "missing required key \"name\"")
		case !nameRe.MatchString(d.Name):
			l.errorf(path+".name", "device name %q: use lower-case letters, digits, '-' and '_'", d.Name)
		}
		if d.Kind == "" {
			l.errorf(path, "missing required key \"kind\"")
			continue
		}
		if !ok {
			l.errorf(path+".kind", "unknown device kind %q (known: %s)", d.Kind, joinQuoted(Kinds()))
			continue
		}
		bad := false
		for _, k := range l.src.devKeys[i] {
			if !spec.allows(k) {
				l.errorf(path+"."+k, "unknown key %q for a %s device (allowed: %s)", k, d.Kind, strings.Join(KindKeys(Kind(d.Kind)), ", "))
				bad = true
			}
		}
		if bad {
			continue
		}
		dev := Device{Name: d.Name, Kind: Kind(d.Kind), IRQs: d.IRQs, IRQParent: d.IRQParent,
			Compatible: d.Compatible, Node: d.Node, PRCIClock: intOr(d.PRCIClock, -1), srcPath: path}
		switch spec.mapped {
		case mapRequired:
			if d.Base == nil {
				l.errorf(path, "missing required key \"base\"")
			}
			if d.Size == nil || *d.Size == 0 {
				l.errorf(path, "missing required key \"size\" (non-zero)")
			}
		case mapOptional:
			if (d.Base == nil) != (d.Size == nil) {
				l.errorf(path, "give both \"base\" and \"size\", or neither")
			}
		}
		if d.Base != nil && d.Size != nil {
			dev.Base, dev.Size = uint64(*d.Base), uint64(*d.Size)
		}
		for j, r := range d.Regs {
			w := l.window(fmt.Sprintf("%s.regs", path), &r)
			if w.Name == "" {
				w.Name = "reg" + strconv.Itoa(j+1)
			}
			dev.Regs = append(dev.Regs, w)
		}
		if len(dev.Compatible) == 0 && spec.compat != nil {
			dev.Compatible = spec.compat(d)
		}
		if dev.Node == "" {
			dev.Node = spec.node
		}
		dev.Params = spec.build(l, path, d, &dev)
		if Kind(d.Kind) == KindVirtioMMIO {
			b.Devices = append(b.Devices, l.expandVirtio(path, d, dev)...)
			continue
		}
		b.Devices = append(b.Devices, dev)
	}
}

// expandVirtio turns one entry with count N into N transports.
func (l *loader) expandVirtio(path string, d *deviceTOML, dev Device) []Device {
	n := intOr(d.Count, 1)
	if n < 1 || n > 64 {
		l.errorf(path+".count", "count must be 1..64, got %d", n)
		return nil
	}
	if len(d.IRQs) != n {
		l.errorf(path+".irqs", "want one IRQ per transport (%d), got %d", n, len(d.IRQs))
		return nil
	}
	if d.Count == nil {
		dev.Params = &VirtioMMIO{}
		return []Device{dev}
	}
	out := make([]Device, n)
	for i := range out {
		t := dev
		t.Name = fmt.Sprintf("%s%d", dev.Name, i)
		t.Base = dev.Base + uint64(i)*dev.Size
		t.IRQs = []uint32{d.IRQs[i]}
		t.Params = &VirtioMMIO{Transport: i}
		out[i] = t
	}
	return out
}

func (l *loader) buildL2(b *Board) {
	t := l.src.raw.L2
	if t == nil {
		return
	}
	c := l.cache("l2", &t.cacheTOML, DefaultL2HitLatency, DefaultL2MissLatency)
	if c == nil {
		return
	}
	b.L2 = &L2Cache{Cache: *c, Banks: t.Banks, Controller: t.Controller, DTSets: uint64(t.DTSets)}
	if b.L2.Banks == 0 {
		b.L2.Banks = 1
	}
	if b.L2.Banks < 0 || b.L2.Banks&(b.L2.Banks-1) != 0 {
		l.errorf("l2.banks", "banks %d is not a power of two", t.Banks)
	} else if c.Sets() != 0 && c.Sets()%uint64(b.L2.Banks) != 0 {
		l.errorf("l2.banks", "%d sets do not split into %d banks", c.Sets(), b.L2.Banks)
	}
}

func (l *loader) buildBoot(b *Board) {
	t := l.src.raw.Boot
	if t == nil {
		l.errorf("boot", "missing required table [boot]")
		return
	}
	b.Boot = Boot{Firmware: t.Firmware, ResetVector: 0x1000}
	if b.Boot.Firmware == "" {
		b.Boot.Firmware = "builtin"
	}
	if t.ResetVector != nil {
		b.Boot.ResetVector = uint64(*t.ResetVector)
	}
	if t.Payload == nil {
		l.errorf("boot", "missing required key \"payload\" (where the kernel or test is loaded)")
	} else {
		b.Boot.Payload = uint64(*t.Payload)
	}
	switch {
	case t.FDT == nil:
		l.errorf("boot", "missing required key \"fdt\" (an address, or \"auto\" for QEMU's placement)")
	case t.FDT.Keyword == "auto":
		b.Boot.FDTAuto = true
	case t.FDT.Keyword != "":
		l.errorf("boot.fdt", "%q: want an address or \"auto\"", t.FDT.Keyword)
	default:
		b.Boot.FDT = t.FDT.Value
	}
}

func contains[T comparable](list []T, v T) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func joinQuoted[T ~string](list []T) string {
	q := make([]string, len(list))
	for i, v := range list {
		q[i] = strconv.Quote(string(v))
	}
	return strings.Join(q, ", ")
}
