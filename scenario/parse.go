package scenario

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"sigs.k8s.io/yaml"
)

// ErrInvalid is wrapped by every error Parse, Read, Load and Validate
// return for bad input.
var ErrInvalid = errors.New("invalid objects scenario")

// ErrTooLarge is wrapped (besides ErrInvalid) when input exceeds a limit.
var ErrTooLarge = errors.New("over a limit")

// FieldError is an error about one field: its path (vmis[3].status.phase),
// the value found, and what is wrong with it.
type FieldError struct {
	Field   string
	Value   string // as found, quoted when a string; "" when there is none
	Problem string
}

// Error says field: value: problem.
func (e *FieldError) Error() string {
	if e.Value == "" {
		return fmt.Sprintf("%s: %s", e.Field, e.Problem)
	}
	return fmt.Sprintf("%s: %s: %s", e.Field, e.Value, e.Problem)
}

// Is makes every FieldError match ErrInvalid.
func (e *FieldError) Is(target error) bool { return target == ErrInvalid }

func fieldErr(field, value, format string, args ...any) error {
	return &FieldError{Field: field, Value: value, Problem: fmt.Sprintf(format, args...)}
}

func tooLarge(field, format string, args ...any) error {
	return fmt.Errorf("%w: %w: %s: %s", ErrInvalid, ErrTooLarge, field, fmt.Sprintf(format, args...))
}

// Limits caps what is accepted, so that a file cannot make a reader
// allocate without bound: input larger than MaxBytes is refused before it
// is read, and a list longer than its cap is refused before its excess
// elements are decoded.
type Limits struct {
	// MaxBytes caps the size of a file (default 1 GiB: 200,000 VMIs and
	// their VirtualMachines take about 500 MB).
	MaxBytes int64
	// MaxNodes caps nodes (default 5,000).
	MaxNodes int
	// MaxVMIs caps VMIs, and VirtualMachines (default 200,000).
	MaxVMIs int
	// MaxMigrations caps migrations (default 1,000,000: KubeVirt keeps
	// finished ones until their VMI goes).
	MaxMigrations int
	// MaxOther caps every other list (default 100,000).
	MaxOther int
}

// DefaultLimits returns the default limits.
func DefaultLimits() Limits {
	return Limits{MaxBytes: 1 << 30, MaxNodes: 5_000, MaxVMIs: 200_000, MaxMigrations: 1_000_000, MaxOther: 100_000}
}

// WithDefaults returns the limits with DefaultLimits' values for the zero
// (or negative) fields.
func (l Limits) WithDefaults() Limits {
	d := DefaultLimits()
	if l.MaxBytes <= 0 {
		l.MaxBytes = d.MaxBytes
	}
	if l.MaxNodes <= 0 {
		l.MaxNodes = d.MaxNodes
	}
	if l.MaxVMIs <= 0 {
		l.MaxVMIs = d.MaxVMIs
	}
	if l.MaxMigrations <= 0 {
		l.MaxMigrations = d.MaxMigrations
	}
	if l.MaxOther <= 0 {
		l.MaxOther = d.MaxOther
	}
	return l
}

// capOf is the cap of a top-level list field.
func (l Limits) capOf(field string) int {
	switch field {
	case "nodes":
		return l.MaxNodes
	case "vmis", "virtualMachines":
		return l.MaxVMIs
	case "migrations":
		return l.MaxMigrations
	}
	return l.MaxOther
}

// Parse reads objects from YAML or JSON with the default limits, and
// validates them.
func Parse(data []byte) (*Objects, error) { return DefaultLimits().Parse(data) }

// Read reads objects from r with the default limits.
func Read(r io.Reader) (*Objects, error) { return DefaultLimits().Read(r) }

// Load reads objects from a file with the default limits.
func Load(path string) (*Objects, error) { return DefaultLimits().Load(path) }

// Load reads objects from a file, refusing one larger than MaxBytes before
// reading it. Errors name the file.
func (l Limits) Load(path string) (*Objects, error) {
	l = l.WithDefaults()
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() && st.Size() > l.MaxBytes {
		return nil, fmt.Errorf("%s: %w", path, tooLarge("file", "%d bytes, more than the limit of %d", st.Size(), l.MaxBytes))
	}
	o, err := l.Read(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return o, nil
}

// Read reads objects from r, reading at most MaxBytes+1 bytes.
func (l Limits) Read(r io.Reader) (*Objects, error) {
	l = l.WithDefaults()
	data, err := io.ReadAll(io.LimitReader(r, l.MaxBytes+1))
	if err != nil {
		return nil, err
	}
	return l.Parse(data)
}

// IsObjects reports whether data looks like the object form: a document
// whose top-level kind is Kind. It reads only the top-level lines.
func IsObjects(data []byte) bool {
	if j := bytes.TrimLeft(data, " \t\r\n"); len(j) > 0 && j[0] == '{' {
		var head struct{ Kind string }
		dec := json.NewDecoder(bytes.NewReader(j))
		return dec.Decode(&head) == nil && head.Kind == Kind
	}
	for line := range bytes.Lines(data) {
		if v, ok := bytes.CutPrefix(line, []byte("kind:")); ok {
			return strings.Trim(string(bytes.TrimSpace(v)), `"'`) == Kind
		}
	}
	return false
}

// Parse reads objects from YAML or JSON and validates them. It refuses,
// before decoding them, input larger than MaxBytes and lists longer than
// their caps; unknown fields, more than one document and invalid values
// are errors naming the field and the value.
func (l Limits) Parse(data []byte) (*Objects, error) {
	l = l.WithDefaults()
	if int64(len(data)) > l.MaxBytes {
		return nil, tooLarge("input", "%d bytes, more than the limit of %d", len(data), l.MaxBytes)
	}
	if err := l.precount(data); err != nil {
		return nil, err
	}
	js := bytes.TrimLeft(data, " \t\r\n")
	if len(js) == 0 || js[0] != '{' {
		if multiDocument(data) {
			return nil, fmt.Errorf("%w: more than one document: a file holds one scenario", ErrInvalid)
		}
		var err error
		js, err = yaml.YAMLToJSONStrict(data)
		if err != nil {
			return nil, fmt.Errorf("%w: not valid YAML: %v", ErrInvalid, err)
		}
	}
	var head struct{ APIVersion, Kind string }
	if err := json.Unmarshal(js, &head); err == nil && (head.APIVersion != APIVersion || head.Kind != Kind) {
		return nil, fieldErr("apiVersion", strconv.Quote(head.APIVersion),
			"the object form starts with apiVersion: %s and kind: %s (a count-form scenario, with clusterVersion.version and vms groups, is read by fake.ParseScenario)", APIVersion, Kind)
	}
	o, err := l.decode(js)
	if err != nil {
		return nil, err
	}
	if err := l.Validate(o); err != nil {
		return nil, err
	}
	return o, nil
}

// multiDocument reports whether YAML holds a document after the first: a
// "---" line after content.
func multiDocument(data []byte) bool {
	content := false
	for line := range bytes.Lines(data) {
		t := bytes.TrimRight(line, " \t\r\n")
		if bytes.Equal(t, []byte("---")) || bytes.HasPrefix(t, []byte("--- ")) {
			if content {
				return true
			}
			continue
		}
		if len(t) > 0 && t[0] != '#' {
			content = true
		}
	}
	return false
}

// precount counts the items of the capped top-level lists of a YAML
// document from its lines (a list item of a top-level key starts with the
// indentation and dash of its first item), and refuses a list over its cap
// before anything is decoded. Lists it cannot count this way (flow style,
// JSON) are counted while they are decoded.
func (l Limits) precount(data []byte) error {
	var key string
	var prefix []byte
	n := 0
	check := func() error {
		if key != "" && n > l.capOf(key) {
			return tooLarge(key, "more than %d items", l.capOf(key))
		}
		return nil
	}
	for line := range bytes.Lines(data) {
		if len(line) == 0 || line[0] == '#' || line[0] == '\n' || line[0] == '\r' {
			continue
		}
		if line[0] != ' ' && line[0] != '-' {
			if err := check(); err != nil {
				return err
			}
			key, prefix, n = "", nil, 0
			if k, rest, ok := bytes.Cut(line, []byte(":")); ok && len(bytes.TrimSpace(rest)) == 0 {
				switch string(k) {
				case "nodes", "vmis", "virtualMachines", "migrations":
					key = string(k)
				}
			}
			continue
		}
		if key == "" {
			continue
		}
		if prefix == nil {
			trimmed := bytes.TrimLeft(line, " ")
			if !bytes.HasPrefix(trimmed, []byte("- ")) && !bytes.Equal(bytes.TrimSpace(trimmed), []byte("-")) {
				continue
			}
			prefix = line[:len(line)-len(trimmed)+1]
		}
		if bytes.HasPrefix(line, prefix) && (len(line) == len(prefix) || line[len(prefix)] == ' ' || line[len(prefix)] == '\n' || line[len(prefix)] == '\r') {
			n++
			if n > l.capOf(key) {
				return check()
			}
		}
	}
	return check()
}

// decode decodes the JSON form field by field, so that each list is
// counted against its cap as it is decoded.
func (l Limits) decode(js []byte) (*Objects, error) {
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.DisallowUnknownFields()
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, fmt.Errorf("%w: the document must be a mapping (apiVersion: %s, kind: %s, …)", ErrInvalid, APIVersion, Kind)
	}
	o := &Objects{}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
		}
		key := tok.(string) // object keys are strings
		if seen[key] {
			return nil, fieldErr(key, "", "given twice")
		}
		seen[key] = true
		if err := l.decodeField(dec, o, key); err != nil {
			return nil, err
		}
	}
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%w: more than one document", ErrInvalid)
	}
	return o, nil
}

func (l Limits) decodeField(dec *json.Decoder, o *Objects, key string) error {
	switch key {
	case "apiVersion":
		return decodeValue(dec, key, &o.APIVersion)
	case "kind":
		return decodeValue(dec, key, &o.Kind)
	case "source":
		return decodeValue(dec, key, &o.Source)
	case "missing":
		return decodeList(dec, key, l.capOf(key), &o.Missing)
	case "clusterVersion":
		return decodeValue(dec, key, &o.ClusterVersion)
	case "clusterOperators":
		return decodeList(dec, key, l.capOf(key), &o.ClusterOperators)
	case "pools":
		return decodeList(dec, key, l.capOf(key), &o.Pools)
	case "nodes":
		return decodeList(dec, key, l.capOf(key), &o.Nodes)
	case "nodeMaintenances":
		return decodeList(dec, key, l.capOf(key), &o.NodeMaintenances)
	case "subscriptions":
		return decodeList(dec, key, l.capOf(key), &o.Subscriptions)
	case "csvs":
		return decodeList(dec, key, l.capOf(key), &o.CSVs)
	case "installPlans":
		return decodeList(dec, key, l.capOf(key), &o.InstallPlans)
	case "hyperConverged":
		return decodeValue(dec, key, &o.HyperConverged)
	case "kubeVirt":
		return decodeValue(dec, key, &o.KubeVirt)
	case "virtualMachines":
		return decodeList(dec, key, l.capOf(key), &o.VirtualMachines)
	case "vmis":
		return decodeList(dec, key, l.capOf(key), &o.VMIs)
	case "migrations":
		return decodeList(dec, key, l.capOf(key), &o.Migrations)
	case "podDisruptionBudgets":
		return decodeList(dec, key, l.capOf(key), &o.PodDisruptionBudgets)
	case "withoutCNV":
		return decodeValue(dec, key, &o.WithoutCNV)
	}
	return fieldErr(key, "", "unknown field; the fields are apiVersion, kind, source, missing, clusterVersion, clusterOperators, pools, nodes, nodeMaintenances, subscriptions, csvs, installPlans, hyperConverged, kubeVirt, virtualMachines, vmis, migrations, podDisruptionBudgets, withoutCNV")
}

func decodeValue[T any](dec *json.Decoder, field string, into *T) error {
	if err := dec.Decode(into); err != nil {
		return decodeErr(field, err)
	}
	return nil
}

// decodeList decodes a list element by element, refusing more than max.
func decodeList[T any](dec *json.Decoder, field string, max int, into *[]T) error {
	tok, err := dec.Token()
	if err != nil {
		return decodeErr(field, err)
	}
	if tok == nil {
		return nil // null
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return fieldErr(field, fmt.Sprint(tok), "must be a list")
	}
	var out []T
	for i := 0; dec.More(); i++ {
		if i >= max {
			return tooLarge(field, "more than %d items", max)
		}
		var v T
		if err := dec.Decode(&v); err != nil {
			return decodeErr(fmt.Sprintf("%s[%d]", field, i), err)
		}
		out = append(out, v)
	}
	if _, err := dec.Token(); err != nil {
		return decodeErr(field, err)
	}
	*into = out
	return nil
}

// decodeErr names the field of a decoding error.
func decodeErr(field string, err error) error {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		f := field
		if typeErr.Field != "" {
			f += "." + typeErr.Field
		}
		return fieldErr(f, typeErr.Value, "must be a %s", typeErr.Type.String())
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return fieldErr(field, "", "unknown field %s", name)
	}
	return fmt.Errorf("%w: %s: %v", ErrInvalid, field, err)
}
