package boards

import (
	"strconv"
	"strings"
)

// positions maps TOML key paths to the line that defines them. The TOML
// decoder does not export key positions, so this is a small scanner of its
// own: it follows [table] and [[array]] headers (numbering array elements),
// key = value lines with dotted or quoted keys, one-line inline tables, and
// skips multi-line arrays and strings. Paths look like "device[3].irqs" and
// "hart[0].icache.size"; a table header records its own path.
type positions struct {
	line  map[string]int
	order []string // paths in file order
}

func scanPositions(src string) *positions {
	p := &positions{line: map[string]int{}}
	arrays := map[string]int{} // resolved array path -> last index
	base := ""
	lines := strings.Split(src, "\n")
	resolve := func(parts []string) string {
		path := ""
		for _, k := range parts {
			if path != "" {
				path += "."
			}
			path += k
			if i, ok := arrays[path]; ok {
				path += "[" + strconv.Itoa(i) + "]"
			}
		}
		return path
	}
	for n := 0; n < len(lines); n++ {
		ln := n + 1
		s := strings.TrimSpace(lines[n])
		switch {
		case s == "" || s[0] == '#':
			continue
		case strings.HasPrefix(s, "[["):
			end := strings.Index(s, "]]")
			if end < 0 {
				continue
			}
			parts := splitKey(s[2:end])
			parent := resolve(parts[:len(parts)-1])
			path := parts[len(parts)-1]
			if parent != "" {
				path = parent + "." + path
			}
			idx := 0
			if i, ok := arrays[path]; ok {
				idx = i + 1
			}
			arrays[path] = idx
			base = path + "[" + strconv.Itoa(idx) + "]"
			p.add(base, ln)
		case s[0] == '[':
			end := strings.Index(s, "]")
			if end < 0 {
				continue
			}
			base = resolve(splitKey(s[1:end]))
			p.add(base, ln)
		default:
			key, rest, ok := cutAssignment(s)
			if !ok {
				continue
			}
			path := joinPath(base, splitKey(key))
			p.add(path, ln)
			rest = strings.TrimSpace(rest)
			switch {
			case strings.HasPrefix(rest, "{"):
				p.inline(path, rest, ln)
			case strings.HasPrefix(rest, `"""`) || strings.HasPrefix(rest, "'''"):
				n = skipMultilineString(lines, n, rest[:3], rest[3:])
			case strings.HasPrefix(rest, "["):
				n = skipArray(lines, n, rest)
			}
		}
	}
	return p
}

func (p *positions) add(path string, line int) {
	if _, ok := p.line[path]; !ok {
		p.order = append(p.order, path)
	}
	p.line[path] = line
}

// inline records the keys of a one-line inline table.
func (p *positions) inline(base, s string, line int) {
	depth := 0
	start := 0
	inStr := byte(0)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if inStr != 0 {
			if c == '\\' && inStr == '"' {
				i++
			} else if c == inStr {
				inStr = 0
			}
			continue
		}
		switch c {
		case '"', '\'':
			inStr = c
		case '{', '[':
			depth++
			if depth == 1 {
				start = i + 1
			}
		case '}', ']':
			if depth == 1 {
				p.inlineEntry(base, s[start:i], line)
			}
			depth--
		case ',':
			if depth == 1 {
				p.inlineEntry(base, s[start:i], line)
				start = i + 1
			}
		}
	}
}

func (p *positions) inlineEntry(base, entry string, line int) {
	key, rest, ok := cutAssignment(strings.TrimSpace(entry))
	if !ok {
		return
	}
	path := joinPath(base, splitKey(key))
	p.add(path, line)
	if rest = strings.TrimSpace(rest); strings.HasPrefix(rest, "{") {
		p.inline(path, rest, line)
	}
}

// cutAssignment splits `key = value` at the first '=' outside quotes.
func cutAssignment(s string) (key, value string, ok bool) {
	inStr := byte(0)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if inStr != 0 {
			if c == inStr {
				inStr = 0
			}
			continue
		}
		switch c {
		case '"', '\'':
			inStr = c
		case '=':
			return strings.TrimSpace(s[:i]), s[i+1:], true
		}
	}
	return "", "", false
}

// splitKey splits a dotted key, unquoting quoted parts.
func splitKey(k string) []string {
	var parts []string
	var cur strings.Builder
	inStr := byte(0)
	for i := 0; i < len(k); i++ {
		c := k[i]
		switch {
		case inStr != 0 && c == inStr:
			inStr = 0
		case inStr != 0:
			cur.WriteByte(c)
		case c == '"' || c == '\'':
			inStr = c
		case c == '.':
			parts = append(parts, strings.TrimSpace(cur.String()))
			cur.Reset()
		case c == ' ' || c == '\t':
		default:
			cur.WriteByte(c)
		}
	}
	return append(parts, strings.TrimSpace(cur.String()))
}

func joinPath(base string, parts []string) string {
	path := strings.Join(parts, ".")
	if base == "" {
		return path
	}
	return base + "." + path
}

// skipArray returns the index of the line where an array value that starts
// on line n (rest = the value text) ends.
func skipArray(lines []string, n int, rest string) int {
	depth := 0
	for {
		inStr := byte(0)
		for i := 0; i < len(rest); i++ {
			c := rest[i]
			if inStr != 0 {
				if c == '\\' && inStr == '"' {
					i++
				} else if c == inStr {
					inStr = 0
				}
				continue
			}
			switch c {
			case '"', '\'':
				inStr = c
			case '#':
				i = len(rest)
			case '[', '{':
				depth++
			case ']', '}':
				depth--
			}
		}
		if depth <= 0 || n+1 >= len(lines) {
			return n
		}
		n++
		rest = lines[n]
	}
}

func skipMultilineString(lines []string, n int, delim, rest string) int {
	if strings.Contains(rest, delim) {
		return n
	}
	for n+1 < len(lines) {
		n++
		if strings.Contains(lines[n], delim) {
			return n
		}
	}
	return n
}

// lineOf returns the line of path, or of its nearest enclosing table (the
// root table's line is 1).
func (p *positions) lineOf(path string) int {
	for path != "" {
		if l, ok := p.line[path]; ok {
			return l
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			break
		}
		path = path[:i]
	}
	return 1
}

// matching returns the indexed paths whose index-free form is key (as
// MetaData.Undecoded reports it: "device.colour" matches "device[2].colour").
func (p *positions) matching(key string) []string {
	var out []string
	for _, path := range p.order {
		if stripIndices(path) == key {
			out = append(out, path)
		}
	}
	return out
}

func stripIndices(path string) string {
	var b strings.Builder
	skip := false
	for i := 0; i < len(path); i++ {
		switch c := path[i]; {
		case c == '[':
			skip = true
		case c == ']':
			skip = false
		case !skip:
			b.WriteByte(c)
		}
	}
	return b.String()
}
