package channel

import (
	"bytes"
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// The graph decoder reads the Cincinnati JSON with a byte-level scanner
// rather than encoding/json: the edges, index pairs, are most of the bytes
// of a graph, and decoding them through reflection costs several times more
// than reading the numbers directly. The scanner accepts exactly RFC 8259
// JSON (any whitespace, escapes, unknown fields skipped) and reports errors
// with their byte offset and the path of the value at fault.

// maxDepth bounds the nesting of skipped values.
const maxDepth = 512

type decoder struct {
	data []byte
	pos  int
	path pathStack
	// keys interns strings that repeat across nodes: metadata keys and
	// channel lists.
	keys map[string]string
}

// pathStack renders JSON paths such as nodes[3].metadata lazily, only when
// an error is reported.
type pathStack []pathElem

type pathElem struct {
	key   string
	index int // -1 for a key
}

func (p pathStack) String() string {
	var b []byte
	for _, e := range p {
		if e.index >= 0 {
			b = append(b, '[')
			b = strconv.AppendInt(b, int64(e.index), 10)
			b = append(b, ']')
			continue
		}
		if len(b) > 0 {
			b = append(b, '.')
		}
		b = append(b, e.key...)
	}
	if len(b) == 0 {
		return "(top level)"
	}
	return string(b)
}

func (d *decoder) push(key string) { d.path = append(d.path, pathElem{key: key, index: -1}) }
func (d *decoder) pushIndex(i int) { d.path = append(d.path, pathElem{index: i}) }
func (d *decoder) pop()            { d.path = d.path[:len(d.path)-1] }
func (d *decoder) setIndex(i int)  { d.path[len(d.path)-1].index = i }
func (d *decoder) here() string    { return d.path.String() }
func (d *decoder) eof() bool       { return d.pos >= len(d.data) }
func (d *decoder) peek() byte      { return d.data[d.pos] }
func (d *decoder) errSyntax(msg string, args ...any) error {
	return &GraphError{Path: d.here(), Offset: d.pos, Line: lineOf(d.data, d.pos), Err: ErrMalformedGraph, Detail: fmt.Sprintf(msg, args...)}
}

// errValue reports a valid JSON value that breaks a rule of the graph.
func (d *decoder) errValue(at int, cause error, msg string, args ...any) error {
	return &GraphError{Path: d.here(), Offset: at, Line: lineOf(d.data, at), Err: cause, Detail: fmt.Sprintf(msg, args...)}
}

func lineOf(data []byte, pos int) int {
	if pos > len(data) {
		pos = len(data)
	}
	return bytes.Count(data[:pos], []byte{'\n'}) + 1
}

func (d *decoder) ws() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\n', '\r', '\t':
			d.pos++
		default:
			return
		}
	}
}

// found describes the byte at the cursor for an error message.
func (d *decoder) found() string {
	if d.eof() {
		return "end of input"
	}
	c := d.data[d.pos]
	if c >= 0x20 && c < 0x7f {
		return strconv.QuoteRune(rune(c))
	}
	return fmt.Sprintf("byte 0x%02x", c)
}

// expect consumes c after optional whitespace.
func (d *decoder) expect(c byte, what string) error {
	d.ws()
	if d.eof() || d.data[d.pos] != c {
		return d.errSyntax("expected %s, found %s", what, d.found())
	}
	d.pos++
	return nil
}

// null consumes a null literal if one is at the cursor.
func (d *decoder) null() bool {
	d.ws()
	if len(d.data)-d.pos >= 4 && string(d.data[d.pos:d.pos+4]) == "null" {
		d.pos += 4
		return true
	}
	return false
}

// kindAt names the JSON type of the value at the cursor.
func (d *decoder) kindAt() string {
	if d.eof() {
		return "end of input"
	}
	switch c := d.data[d.pos]; {
	case c == '{':
		return "object"
	case c == '[':
		return "array"
	case c == '"':
		return "string"
	case c == 't' || c == 'f':
		return "boolean"
	case c == 'n':
		return "null"
	case c == '-' || (c >= '0' && c <= '9'):
		return "number"
	}
	return d.found()
}

// object reads an object, calling field for each member with the cursor on
// its value; field must consume the value. A null object is read as empty.
func (d *decoder) object(field func(key []byte) error) error {
	if d.null() {
		return nil
	}
	d.ws()
	if d.eof() || d.data[d.pos] != '{' {
		return d.errSyntax("expected an object, found %s", d.kindAt())
	}
	d.pos++
	d.ws()
	if !d.eof() && d.data[d.pos] == '}' {
		d.pos++
		return nil
	}
	for {
		d.ws()
		key, err := d.rawString()
		if err != nil {
			return err
		}
		if err := d.expect(':', "':' after an object key"); err != nil {
			return err
		}
		d.ws()
		if err := field(key); err != nil {
			return err
		}
		d.ws()
		if d.eof() {
			return d.errSyntax("expected ',' or '}' after an object member, found end of input")
		}
		switch d.data[d.pos] {
		case ',':
			d.pos++
		case '}':
			d.pos++
			return nil
		default:
			return d.errSyntax("expected ',' or '}' after an object member, found %s", d.found())
		}
	}
}

// array reads an array, calling elem with the index of each element and the
// cursor on it; elem must consume the element. A null array is read as
// empty. The path gets the index of the element.
func (d *decoder) array(elem func(i int) error) error {
	if d.null() {
		return nil
	}
	d.ws()
	if d.eof() || d.data[d.pos] != '[' {
		return d.errSyntax("expected an array, found %s", d.kindAt())
	}
	d.pos++
	d.ws()
	if !d.eof() && d.data[d.pos] == ']' {
		d.pos++
		return nil
	}
	d.pushIndex(0)
	for i := 0; ; i++ {
		d.setIndex(i)
		d.ws()
		if d.eof() {
			return d.errSyntax("expected an array element, found end of input")
		}
		if err := elem(i); err != nil {
			return err
		}
		d.ws()
		if d.eof() {
			return d.errSyntax("expected ',' or ']' after an array element, found end of input")
		}
		switch d.data[d.pos] {
		case ',':
			d.pos++
		case ']':
			d.pos++
			d.pop()
			return nil
		default:
			return d.errSyntax("expected ',' or ']' after an array element, found %s", d.found())
		}
	}
}

// rawString reads a string and returns its bytes, unescaped. Without escapes
// the bytes alias the input; they are valid only until the next call.
func (d *decoder) rawString() ([]byte, error) {
	d.ws()
	if d.eof() || d.data[d.pos] != '"' {
		return nil, d.errSyntax("expected a string, found %s", d.kindAt())
	}
	start := d.pos + 1
	ascii := true
	for i := start; i < len(d.data); i++ {
		c := d.data[i]
		switch {
		case c == '"':
			s := d.data[start:i]
			if !ascii && !utf8.Valid(s) {
				return nil, d.errSyntax("string is not valid UTF-8")
			}
			d.pos = i + 1
			return s, nil
		case c == '\\':
			return d.escapedString(start)
		case c < 0x20:
			d.pos = i
			return nil, d.errSyntax("control character 0x%02x in a string", c)
		case c >= 0x80:
			ascii = false
		}
	}
	d.pos = len(d.data)
	return nil, d.errSyntax("unterminated string")
}

// escapedString reads a string holding escapes, from start (just after the
// opening quote).
func (d *decoder) escapedString(start int) ([]byte, error) {
	out := make([]byte, 0, 64)
	i := start
	for i < len(d.data) {
		c := d.data[i]
		switch {
		case c == '"':
			if !utf8.Valid(out) {
				d.pos = start
				return nil, d.errSyntax("string is not valid UTF-8")
			}
			d.pos = i + 1
			return out, nil
		case c < 0x20:
			d.pos = i
			return nil, d.errSyntax("control character 0x%02x in a string", c)
		case c != '\\':
			out = append(out, c)
			i++
			continue
		}
		if i+1 >= len(d.data) {
			break
		}
		switch e := d.data[i+1]; e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := hex4(d.data, i+2)
			if !ok {
				d.pos = i
				return nil, d.errSyntax(`invalid \u escape`)
			}
			i += 6
			if utf16.IsSurrogate(r) {
				r2, ok := rune(-1), false
				if i+1 < len(d.data) && d.data[i] == '\\' && d.data[i+1] == 'u' {
					r2, ok = hex4(d.data, i+2)
				}
				if dec := utf16.DecodeRune(r, r2); ok && dec != utf8.RuneError {
					r = dec
					i += 6
				} else {
					r = utf8.RuneError
				}
			}
			out = utf8.AppendRune(out, r)
			continue
		default:
			d.pos = i
			return nil, d.errSyntax("invalid escape \\%c in a string", e)
		}
		i += 2
	}
	d.pos = len(d.data)
	return nil, d.errSyntax("unterminated string")
}

func hex4(b []byte, at int) (rune, bool) {
	if at+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[at : at+4] {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c-'a') + 10
		case c >= 'A' && c <= 'F':
			r |= rune(c-'A') + 10
		default:
			return 0, false
		}
	}
	return r, true
}

// str reads a string value as a new Go string. A null reads as "".
func (d *decoder) str() (string, error) {
	if d.null() {
		return "", nil
	}
	b, err := d.rawString()
	if err != nil {
		return "", d.typeErr(err, "string")
	}
	return string(b), nil
}

// interned reads a string value, sharing equal strings across the graph.
func (d *decoder) interned() (string, error) {
	if d.null() {
		return "", nil
	}
	b, err := d.rawString()
	if err != nil {
		return "", d.typeErr(err, "string")
	}
	if s, ok := d.keys[string(b)]; ok {
		return s, nil
	}
	s := string(b)
	d.keys[s] = s
	return s, nil
}

// typeErr turns "expected a string, found number" at the start of a value
// into an error naming the field.
func (d *decoder) typeErr(err error, want string) error {
	var ge *GraphError
	if asGraphError(err, &ge) && ge.Err == ErrMalformedGraph && !d.eof() {
		switch d.data[d.pos] {
		case '{', '[', 't', 'f', '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
			ge.Err = ErrInvalidGraph
			ge.Detail = fmt.Sprintf("must be a %s, got %s", want, d.kindAt())
		}
	}
	return err
}

func asGraphError(err error, target **GraphError) bool {
	ge, ok := err.(*GraphError)
	if ok {
		*target = ge
	}
	return ok
}

// index reads a non-negative integer below limit (a node index).
func (d *decoder) index(limit int) (int, error) {
	d.ws()
	start := d.pos
	n := 0
	for d.pos < len(d.data) {
		c := d.data[d.pos]
		if c < '0' || c > '9' {
			break
		}
		if n > limit { // keep counting digits without overflowing
			n = limit + 1
		} else {
			n = n*10 + int(c-'0')
		}
		d.pos++
	}
	digits := d.pos - start
	if digits == 0 || (digits > 1 && d.data[start] == '0') || (!d.eof() && isNumberTail(d.data[d.pos])) {
		d.pos = start
		if d.eof() || !(d.data[d.pos] == '-' || (d.data[d.pos] >= '0' && d.data[d.pos] <= '9')) {
			return 0, d.errSyntax("expected a node index (a number), found %s", d.kindAt())
		}
		end, err := d.number()
		if err != nil {
			return 0, err
		}
		return 0, d.errValue(start, ErrEdgeOutOfRange, "node index %s is not an index into nodes (0 to %d)", d.data[start:end], limit-1)
	}
	if n >= limit {
		return 0, d.errValue(start, ErrEdgeOutOfRange, "node index %s is out of range: the graph has %d nodes (0 to %d)", d.data[start:d.pos], limit, limit-1)
	}
	return n, nil
}

func isNumberTail(c byte) bool { return c == '.' || c == 'e' || c == 'E' || (c >= '0' && c <= '9') }

// integer reads a JSON integer that fits an int.
func (d *decoder) integer() (int, error) {
	d.ws()
	start := d.pos
	end, err := d.number()
	if err != nil {
		return 0, d.typeErr(err, "number")
	}
	n, perr := strconv.Atoi(string(d.data[start:end]))
	if perr != nil {
		return 0, d.errValue(start, ErrInvalidGraph, "must be an integer, got %s", d.data[start:end])
	}
	return n, nil
}

// number consumes a JSON number and returns its end.
func (d *decoder) number() (int, error) {
	d.ws()
	i := d.pos
	if i < len(d.data) && d.data[i] == '-' {
		i++
	}
	digits := func() int {
		s := i
		for i < len(d.data) && d.data[i] >= '0' && d.data[i] <= '9' {
			i++
		}
		return i - s
	}
	first := i
	n := digits()
	if n == 0 {
		return 0, d.errSyntax("expected a number, found %s", d.kindAt())
	}
	if n > 1 && d.data[first] == '0' {
		d.pos = first
		return 0, d.errSyntax("number with a leading zero")
	}
	if i < len(d.data) && d.data[i] == '.' {
		i++
		if digits() == 0 {
			d.pos = i
			return 0, d.errSyntax("expected a digit after the decimal point, found %s", d.found())
		}
	}
	if i < len(d.data) && (d.data[i] == 'e' || d.data[i] == 'E') {
		i++
		if i < len(d.data) && (d.data[i] == '+' || d.data[i] == '-') {
			i++
		}
		if digits() == 0 {
			d.pos = i
			return 0, d.errSyntax("expected a digit in the exponent, found %s", d.found())
		}
	}
	d.pos = i
	return i, nil
}

// skip consumes any JSON value.
func (d *decoder) skip(depth int) error {
	if depth > maxDepth {
		return d.errSyntax("values nested deeper than %d levels", maxDepth)
	}
	d.ws()
	if d.eof() {
		return d.errSyntax("expected a value, found end of input")
	}
	switch c := d.data[d.pos]; {
	case c == '{':
		return d.object(func([]byte) error { return d.skip(depth + 1) })
	case c == '[':
		err := d.array(func(int) error { return d.skip(depth + 1) })
		return err
	case c == '"':
		_, err := d.rawString()
		return err
	case c == '-' || (c >= '0' && c <= '9'):
		_, err := d.number()
		return err
	}
	for _, lit := range []string{"true", "false", "null"} {
		if len(d.data)-d.pos >= len(lit) && string(d.data[d.pos:d.pos+len(lit)]) == lit {
			d.pos += len(lit)
			return nil
		}
	}
	return d.errSyntax("expected a value, found %s", d.found())
}
