package snapshot

import (
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"sigs.k8s.io/yaml"
)

// yamlToJSON converts one YAML document to JSON. The documents kubectl, oc
// and sigs.k8s.io/yaml write (block mappings and sequences, plain, quoted
// and literal scalars, {} and []) are converted by a fast path that
// follows go.yaml.in/yaml/v2's reading of them; anything else (flow
// collections, anchors, tags, folded scalars, values v2 reads as floats or
// timestamps) goes to sigs.k8s.io/yaml, whose result is the reference: the
// fast path gives the same JSON value or declines (FuzzFastYAML checks it).
func yamlToJSON(doc []byte) ([]byte, error) {
	if out, ok := fastYAMLToJSON(doc); ok {
		return out, nil
	}
	return yaml.YAMLToJSON(doc)
}

// fastYAMLToJSON is the fast path; ok is false when it declines.
func fastYAMLToJSON(doc []byte) (out []byte, ok bool) {
	if !printable(doc) {
		return nil, false
	}
	p := &fastParser{out: make([]byte, 0, len(doc)+len(doc)/4), lastBreak: len(doc) > 0 && doc[len(doc)-1] == '\n'}
	if !p.split(doc) {
		return nil, false
	}
	if len(p.lines) == 0 {
		return []byte("null"), true
	}
	if !p.node(p.all[p.lines[0]].indent) || p.i != len(p.lines) {
		return nil, false
	}
	return p.out, true
}

type fastLine struct {
	indent int
	text   string // the line without its indentation and line break
	blank  bool   // empty, spaces only or a comment only
}

type fastParser struct {
	all   []fastLine // every line, for block scalars
	lines []int      // indexes of content lines
	i     int        // the next content line (index into lines)
	out   []byte
	// lastBreak is whether the document ends with a line break.
	lastBreak bool
}

// split cuts the document into lines; tabs in indentation and directives
// make it decline.
func (p *fastParser) split(doc []byte) bool {
	s := string(doc)
	for len(s) > 0 {
		var line string
		if j := strings.IndexByte(s, '\n'); j >= 0 {
			line, s = s[:j], s[j+1:]
		} else {
			line, s = s, ""
		}
		line = strings.TrimSuffix(line, "\r")
		n := 0
		for n < len(line) && line[n] == ' ' {
			n++
		}
		text := line[n:]
		blank := text == "" || text[0] == '#'
		if !blank && (text[0] == '\t' || text[0] == '%' || strings.HasPrefix(line, "---") || strings.HasPrefix(line, "...")) {
			return false
		}
		if blank && strings.ContainsRune(text, '\t') && text[0] != '#' {
			return false
		}
		p.all = append(p.all, fastLine{indent: n, text: text, blank: blank})
	}
	for i, l := range p.all {
		if !l.blank {
			p.lines = append(p.lines, i)
		}
	}
	return true
}

func (p *fastParser) cur() *fastLine {
	if p.i >= len(p.lines) {
		return nil
	}
	return &p.all[p.lines[p.i]]
}

func isSeqItem(text string) bool { return text == "-" || strings.HasPrefix(text, "- ") }

// node parses the node whose first line is the current one, at indent.
func (p *fastParser) node(indent int) bool {
	l := p.cur()
	if l == nil || l.indent != indent {
		return false
	}
	if isSeqItem(l.text) {
		return p.seq(indent)
	}
	return p.mapping(indent)
}

func (p *fastParser) seq(indent int) bool {
	p.out = append(p.out, '[')
	first := true
	for {
		l := p.cur()
		if l == nil || l.indent != indent || !isSeqItem(l.text) {
			break
		}
		if !first {
			p.out = append(p.out, ',')
		}
		first = false
		rest := strings.TrimLeft(strings.TrimPrefix(l.text, "-"), " ")
		if rest == "" || rest[0] == '#' {
			p.i++
			if !p.nested(indent, false) {
				return false
			}
			continue
		}
		if isSeqItem(rest) {
			return false // "- - x"
		}
		col := l.indent + len(l.text) - len(rest)
		if _, _, isKey := splitKey(rest); isKey {
			// A compact mapping: its keys sit at the column of the first.
			l.indent, l.text = col, rest
			if !p.mapping(col) {
				return false
			}
			continue
		}
		if !p.scalar(rest, indent) {
			return false
		}
	}
	p.out = append(p.out, ']')
	return true
}

// nested parses the value of a key or item whose line held none: a node
// on the following lines, more indented (or, for a key, a sequence at the
// key's indent), or null.
func (p *fastParser) nested(indent int, key bool) bool {
	l := p.cur()
	switch {
	case l != nil && l.indent > indent:
		return p.node(l.indent)
	case key && l != nil && l.indent == indent && isSeqItem(l.text):
		return p.seq(indent)
	}
	p.out = append(p.out, "null"...)
	return true
}

func (p *fastParser) mapping(indent int) bool {
	p.out = append(p.out, '{')
	first := true
	for {
		l := p.cur()
		if l == nil || l.indent != indent || isSeqItem(l.text) {
			break
		}
		key, rest, ok := splitKey(l.text)
		if !ok {
			return false
		}
		if !first {
			p.out = append(p.out, ',')
		}
		first = false
		p.out = appendJSONString(p.out, key)
		p.out = append(p.out, ':')
		if rest == "" || rest[0] == '#' {
			p.i++
			if !p.nested(indent, true) {
				return false
			}
			continue
		}
		if !p.scalar(rest, indent) {
			return false
		}
	}
	p.out = append(p.out, '}')
	return true
}

// splitKey splits "key: value" (value may be empty); ok is false when the
// text is not a simple mapping entry.
func splitKey(text string) (key, rest string, ok bool) {
	switch text[0] {
	case '\'', '"':
		val, after, ok := quoted(text, nil)
		if len(text)-len(after) > 1000 {
			return "", "", false // YAML's simple keys are at most 1024 characters
		}
		if !ok || !strings.HasPrefix(after, ":") || (len(after) > 1 && after[1] != ' ') {
			return "", "", false
		}
		return val, strings.TrimLeft(after[1:], " "), true
	case '?', '&', '*', '!', '|', '>', '%', '@', '`', '{', '[', ']', '}', ',', '#':
		return "", "", false
	}
	j := strings.Index(text, ": ")
	if j < 0 {
		if !strings.HasSuffix(text, ":") {
			return "", "", false
		}
		j = len(text) - 1
	}
	key = text[:j]
	if len(text[:j+1]) > 1000 || strings.Contains(key, " #") || key == "<<" || strings.HasSuffix(key, " ") {
		return "", "", false
	}
	if _, isString := resolvePlain(key); !isString {
		return "", "", false // a key v2 reads as a number or a boolean
	}
	return key, strings.TrimLeft(text[j+1:], " "), true
}

// scalar parses the scalar starting at rest on the current line, the
// value of a node at indent (its continuation lines are more indented).
func (p *fastParser) scalar(rest string, indent int) bool {
	switch rest[0] {
	case '\'', '"':
		return p.quotedScalar(rest, indent)
	case '|':
		return p.literal(rest, indent)
	case '{', '[':
		r := strings.TrimRight(stripComment(rest), " ")
		if r == "{}" || r == "[]" {
			p.out = append(p.out, r...)
			p.i++
			return true
		}
		return false
	case '>', '&', '*', '!', '%', '@', '`', '?', ',', ']', '}':
		return false
	case '-', ':':
		if len(rest) == 1 || rest[1] == ' ' {
			return false
		}
	}
	text := strings.TrimRight(stripComment(rest), " ")
	commented := len(text) < len(strings.TrimRight(rest, " "))
	if strings.Contains(text, ": ") || strings.HasSuffix(text, ":") {
		return false
	}
	p.i++
	// Continuation lines of a multi-line plain scalar fold into one.
	var b strings.Builder
	multi := false
	for {
		l := p.cur()
		if l == nil || l.indent <= indent {
			break
		}
		if commented || strings.HasPrefix(l.text, "#") || strings.Contains(l.text, ": ") || strings.Contains(l.text, " #") || strings.HasSuffix(l.text, ":") {
			return false
		}
		if !multi {
			b.WriteString(text)
			multi = true
		}
		// Blank lines between the current and the previous content line
		// become line breaks; otherwise the lines join with a space.
		breaks := p.lines[p.i] - p.lines[p.i-1] - 1
		if breaks > 0 && p.blankRun(p.lines[p.i-1]+1, p.lines[p.i]) {
			b.WriteString(strings.Repeat("\n", breaks))
		} else if breaks > 0 {
			return false // a comment line inside the scalar
		} else {
			b.WriteByte(' ')
		}
		b.WriteString(strings.TrimRight(l.text, " "))
		p.i++
	}
	if multi {
		p.out = appendJSONString(p.out, b.String())
		return true
	}
	v, isString := resolvePlain(text)
	if isString {
		p.out = appendJSONString(p.out, text)
		return true
	}
	if v == "" {
		return false
	}
	p.out = append(p.out, v...)
	return true
}

// blankRun reports whether the lines from..to-1 are empty (not comments).
func (p *fastParser) blankRun(from, to int) bool {
	for k := from; k < to; k++ {
		if p.all[k].text != "" {
			return false
		}
	}
	return true
}

func stripComment(s string) string {
	if j := strings.Index(s, " #"); j >= 0 {
		return s[:j]
	}
	return s
}

// quotedScalar parses a single- or double-quoted scalar, on one line or
// folded over several: a line break between lines is a space, n empty
// lines are n line breaks, and the spaces around a break are dropped.
func (p *fastParser) quotedScalar(rest string, indent int) bool {
	q := rest[0]
	val, after, closed, ok := scanQuoted(q, rest[1:])
	if !ok {
		return false
	}
	if closed {
		p.i++
		return p.afterQuoted(val, after)
	}
	var b strings.Builder
	b.WriteString(strings.TrimRight(val, " "))
	breaks := 1
	for k := p.lines[p.i] + 1; k < len(p.all) && k < p.lines[p.i]+10000; k++ {
		l := p.all[k]
		if l.text == "" {
			breaks++
			continue
		}
		if l.indent <= indent || (q == '"' && strings.IndexByte(l.text, '\\') >= 0) {
			return false
		}
		if breaks == 1 {
			b.WriteByte(' ')
		} else {
			b.WriteString(strings.Repeat("\n", breaks-1))
		}
		breaks = 1
		v, after, closed, ok := scanQuoted(q, l.text)
		if !ok {
			return false
		}
		if !closed {
			b.WriteString(strings.TrimRight(v, " "))
			continue
		}
		b.WriteString(v)
		for p.i < len(p.lines) && p.lines[p.i] <= k {
			p.i++
		}
		return p.afterQuoted(b.String(), after)
	}
	return false
}

func (p *fastParser) afterQuoted(val, after string) bool {
	after = strings.TrimLeft(after, " ")
	if after != "" && after[0] != '#' {
		return false
	}
	p.out = appendJSONString(p.out, val)
	return true
}

// quoted reads a quoted scalar that opens and closes on one line, for a
// key: val, and after, what follows the closing quote.
func quoted(text string, _ []string) (val, after string, ok bool) {
	val, after, closed, ok := scanQuoted(text[0], text[1:])
	return val, after, ok && closed
}

// scanQuoted reads the quoted scalar's text on one line up to its closing
// quote (closed) or the line's end. ok is false for an escape the fast
// path leaves to the reference (an escaped line break among them).
func scanQuoted(q byte, s string) (val, after string, closed, ok bool) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case q == '\'' && c == '\'':
			if i+1 < len(s) && s[i+1] == '\'' {
				b.WriteByte('\'')
				i++
				continue
			}
			return b.String(), s[i+1:], true, true
		case q == '"' && c == '"':
			return b.String(), s[i+1:], true, true
		case q == '"' && c == '\\':
			if i+1 >= len(s) {
				return "", "", false, false
			}
			r, n, ok := unescape(s[i+1:])
			if !ok {
				return "", "", false, false
			}
			b.WriteString(r)
			i += n
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), "", false, true
}

// unescape reads one escape of a double-quoted scalar (after the
// backslash), those go.yaml.in/yaml/v2 knows (scannerc.go
// yaml_parser_scan_flow_scalar), and returns what it stands for and its
// length.
func unescape(s string) (string, int, bool) {
	switch s[0] {
	case '0':
		return "\x00", 1, true
	case 'a':
		return "\a", 1, true
	case 'b':
		return "\b", 1, true
	case 't', '\t':
		return "\t", 1, true
	case 'n':
		return "\n", 1, true
	case 'v':
		return "\v", 1, true
	case 'f':
		return "\f", 1, true
	case 'r':
		return "\r", 1, true
	case 'e':
		return "\x1b", 1, true
	case ' ':
		return " ", 1, true
	case '"':
		return "\"", 1, true
	case '\'':
		return "'", 1, true
	case '\\':
		return "\\", 1, true
	case 'N':
		return "\u0085", 1, true
	case '_':
		return "\u00a0", 1, true
	case 'L':
		return "\u2028", 1, true
	case 'P':
		return "\u2029", 1, true
	case 'x', 'u', 'U':
		n := map[byte]int{'x': 2, 'u': 4, 'U': 8}[s[0]]
		if len(s) < 1+n {
			return "", 0, false
		}
		v, err := strconv.ParseUint(s[1:1+n], 16, 32)
		if err != nil || v > utf8.MaxRune || (v >= 0xd800 && v <= 0xdfff) {
			return "", 0, false
		}
		return string(rune(v)), 1 + n, true
	}
	return "", 0, false
}

// literal parses a literal block scalar (| with chomping - or +), whose
// lines are more indented than the node.
func (p *fastParser) literal(rest string, indent int) bool {
	head := strings.TrimRight(stripComment(rest), " ")
	chomp := byte(0)
	switch head {
	case "|":
	case "|-":
		chomp = '-'
	case "|+":
		chomp = '+'
	default:
		return false // an indentation indicator: left to the reference
	}
	start := p.lines[p.i] + 1
	// The content's indentation is the first non-empty line's.
	content := -1
	end := start
	for k := start; k < len(p.all); k++ {
		l := p.all[k]
		if l.text == "" {
			if l.indent > indent && content >= 0 && l.indent > content {
				// spaces beyond the content's indentation are content
			}
			end = k + 1
			continue
		}
		if content < 0 {
			if l.indent <= indent {
				break
			}
			content = l.indent
		}
		if l.indent < content {
			if l.indent > indent {
				return false
			}
			break
		}
		end = k + 1
	}
	if content < 0 {
		return false // an empty block scalar: left to the reference
	}
	if end == len(p.all) && !p.lastBreak {
		return false // the last line has no break to keep or clip
	}
	// A line of spaces beyond the content's indentation is content of
	// spaces, whose rules differ with its place: left to the reference.
	for k := start; k < end; k++ {
		if p.all[k].text == "" && p.all[k].indent > content {
			return false
		}
	}
	var b strings.Builder
	lastContent := start
	for k := start; k < end; k++ {
		l := p.all[k]
		if l.text != "" {
			lastContent = k
		}
	}
	for k := start; k < end; k++ {
		l := p.all[k]
		if l.text == "" {
			if k > lastContent {
				break
			}
			if l.indent > content {
				b.WriteString(strings.Repeat(" ", l.indent-content))
			}
			b.WriteByte('\n')
			continue
		}
		b.WriteString(strings.Repeat(" ", l.indent-content))
		b.WriteString(l.text)
		b.WriteByte('\n')
	}
	s := b.String()
	switch chomp {
	case '-':
		s = strings.TrimRight(s, "\n")
	case '+':
		s += strings.Repeat("\n", end-1-lastContent)
	}
	p.out = appendJSONString(p.out, s)
	// Move past the block's content lines.
	for p.i < len(p.lines) && p.lines[p.i] < end {
		p.i++
	}
	return true
}

var yamlStyleFloat = regexp.MustCompile(`^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`)

// resolvePlain reads a plain scalar as go.yaml.in/yaml/v2's resolve does
// (resolve.go): isString, or json holding its JSON value; json is "" when
// v2 reads it as something the fast path leaves to the reference (a
// float, a timestamp, a non-decimal integer).
func resolvePlain(s string) (json string, isString bool) {
	if s == "" {
		return "null", false
	}
	switch s {
	case "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON":
		return "true", false
	case "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF":
		return "false", false
	case "~", "null", "Null", "NULL":
		return "null", false
	case ".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF":
		return "", false
	}
	c := s[0]
	switch {
	case c == '.':
		if _, err := strconv.ParseFloat(s, 64); err == nil {
			return "", false
		}
		return "", true
	case c == '+' || c == '-' || c >= '0' && c <= '9':
		plain := strings.ReplaceAll(s, "_", "")
		if n, err := strconv.ParseInt(plain, 0, 64); err == nil {
			if plain == strconv.FormatInt(n, 10) {
				return plain, false
			}
			return "", false // octal, hex, a sign or leading zeros
		}
		if _, err := strconv.ParseUint(plain, 0, 64); err == nil {
			return "", false
		}
		if yamlStyleFloat.MatchString(plain) || strings.HasPrefix(plain, "0b") || strings.HasPrefix(plain, "-0b") {
			return "", false
		}
		if looksLikeTimestamp(s) {
			return "", false
		}
		return "", true
	}
	return "", true
}

// looksLikeTimestamp is true for what v2 may read as a timestamp: a
// date first.
func looksLikeTimestamp(s string) bool {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i == 4 && i < len(s) && s[i] == '-'
}

// printable reports whether doc is valid UTF-8 of the characters YAML
// allows (go.yaml.in/yaml/v2 readerc.go, is_printable) and line breaks;
// others are left to the reference, which refuses them, and so are tabs,
// whose rules in YAML are many.
func printable(doc []byte) bool {
	for i := 0; i < len(doc); {
		c := doc[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\n' && c != '\r' || c == 0x7f || c == '\r' && (i+1 >= len(doc) || doc[i+1] != '\n') {
				return false
			}
			i++
			continue
		}
		r, n := utf8.DecodeRune(doc[i:])
		if r == utf8.RuneError && n <= 1 {
			return false
		}
		switch {
		case r >= 0xa0 && r <= 0xd7ff && r != 0x2028 && r != 0x2029, r >= 0xe000 && r <= 0xfffd && r != 0xfeff, r >= 0x10000 && r <= 0x10ffff:
			// (NEL, U+2028 and U+2029 are line breaks to YAML: left to the reference)
		default:
			return false
		}
		i += n
	}
	return true
}

// appendJSONString appends s as a JSON string.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\t':
			dst = append(dst, '\\', 't')
		case '\r':
			dst = append(dst, '\\', 'r')
		default:
			dst = append(dst, `\u00`...)
			dst = append(dst, "0123456789abcdef"[c>>4], "0123456789abcdef"[c&0xf])
		}
		start = i + 1
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
