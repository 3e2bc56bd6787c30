package snapshot

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/virtupdate/virtupdate/scenario"
)

// FileError is an error reading one file: Path is the file (inside
// Archive when Archive is set).
type FileError struct {
	Archive string
	Path    string
	Err     error
}

// Error names the archive, the file and what is wrong.
func (e *FileError) Error() string {
	if e.Archive != "" {
		return fmt.Sprintf("%s: %s: %v", e.Archive, e.Path, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.Path, e.Err)
}

// Unwrap returns the error about the file.
func (e *FileError) Unwrap() error { return e.Err }

// ErrMalformed is wrapped by errors about a file that is not valid YAML or
// JSON, or an object that does not decode as its kind.
var ErrMalformed = errors.New("malformed")

// The kinds a snapshot reads, by the name in "kind:" (a List of one of
// them is read too). mayHold looks for these.
var readKinds = map[string]bool{
	"Node": true, "ClusterVersion": true, "ClusterOperator": true, "MachineConfigPool": true,
	"ClusterServiceVersion": true, "Subscription": true, "InstallPlan": true, "HyperConverged": true,
	"KubeVirt": true, "VirtualMachine": true, "VirtualMachineInstance": true, "VirtualMachineInstanceMigration": true,
	"PodDisruptionBudget": true, "NodeMaintenance": true, "List": true,
}

// mayHold reports whether data can hold an object of a kind a snapshot
// reads: some "kind:" (YAML) or "kind": (JSON) names one of readKinds, or a
// List of one. A file without such a line holds none, so it is not
// decoded. It may say yes for a file that holds none (a Pod owned by a
// Node), never no for one that holds one.
func mayHold(data []byte) bool {
	for i := 0; ; {
		j := bytes.Index(data[i:], []byte("kind"))
		if j < 0 {
			return false
		}
		p := i + j + len("kind")
		i = p
		if p < len(data) && data[p] == '"' {
			p++
		}
		for p < len(data) && (data[p] == ' ' || data[p] == '\t') {
			p++
		}
		if p >= len(data) || data[p] != ':' {
			continue
		}
		p++
		for p < len(data) && (data[p] == ' ' || data[p] == '\t' || data[p] == '"' || data[p] == '\'') {
			p++
		}
		q := p
		for q < len(data) && isWordByte(data[q]) {
			q++
		}
		word := string(data[p:q])
		if readKinds[word] || readKinds[strings.TrimSuffix(word, "List")] {
			return true
		}
	}
}

func isWordByte(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
}

// documents splits a file into its documents. JSON (the file starts with
// "{" or "[") is a stream of values, an array's elements each a document.
// YAML documents are separated by a line of three or more dashes: YAML's
// "---" (alone or before a comment), and the line of dashes
// kubevirt/must-gather writes between the objects it appends to one file
// (collection-scripts/gather_hco), which is not a YAML separator. A "..."
// line ends a document.
func documents(data []byte) (docs [][]byte, isJSON bool, err error) {
	trimmed := bytes.TrimLeft(data, " \t\r\n\ufeff")
	if len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[') {
		dec := json.NewDecoder(bytes.NewReader(trimmed))
		for {
			var raw json.RawMessage
			if err := dec.Decode(&raw); err == io.EOF {
				break
			} else if err != nil {
				return nil, true, fmt.Errorf("%w: not valid JSON: %v", ErrMalformed, err)
			}
			if len(raw) > 0 && raw[0] == '[' {
				var items []json.RawMessage
				if err := json.Unmarshal(raw, &items); err != nil {
					return nil, true, fmt.Errorf("%w: not valid JSON: %v", ErrMalformed, err)
				}
				docs = append(docs, rawSlices(items)...)
				continue
			}
			docs = append(docs, raw)
		}
		return docs, true, nil
	}
	start, pos := 0, 0
	var pending []byte // content after "--- " on the line that opened the document
	closeDoc := func(doc []byte) {
		if pending != nil {
			doc = append(pending, doc...)
			pending = nil
		}
		if hasContent(doc) {
			docs = append(docs, doc)
		}
	}
	for line := range bytes.Lines(data) {
		end := pos + len(line)
		t := bytes.TrimRight(line, " \t\r\n")
		switch {
		case len(t) >= 3 && bytes.Count(t, []byte("-")) == len(t), bytes.HasPrefix(t, []byte("--- #")), bytes.Equal(t, []byte("...")):
			closeDoc(data[start:pos])
			start = end
		case bytes.HasPrefix(t, []byte("--- ")):
			// "--- {a: b}": a separator and content on one line.
			closeDoc(data[start:pos])
			pending = append(bytes.Clone(t[len("--- "):]), '\n')
			start = end
		}
		pos = end
	}
	closeDoc(data[start:])
	return docs, false, nil
}

func rawSlices(items []json.RawMessage) [][]byte {
	out := make([][]byte, len(items))
	for i, it := range items {
		out[i] = it
	}
	return out
}

// hasContent reports whether a YAML document has anything but blank lines
// and comments.
func hasContent(doc []byte) bool {
	for line := range bytes.Lines(doc) {
		t := bytes.TrimSpace(line)
		if len(t) > 0 && t[0] != '#' {
			return true
		}
	}
	return false
}

// head is what is read of every document before its kind is known.
type head struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Namespace       string            `json:"namespace"`
		Name            string            `json:"name"`
		ResourceVersion string            `json:"resourceVersion"`
		Labels          map[string]string `json:"labels"`
	} `json:"metadata"`
	// Items is the raw items of a List: nil when absent, "null" for
	// items: null.
	Items json.RawMessage `json:"items"`
}

func groupOf(apiVersion string) string {
	if g, _, ok := strings.Cut(apiVersion, "/"); ok {
		return g
	}
	return ""
}

// decodeFile decodes every document of a file into c. lenient is for
// files without an extension, which must-gathers fill with text: one that
// is not YAML is skipped instead of being an error.
func (c *collector) decodeFile(path string, data []byte, lenient bool) error {
	if !mayHold(data) {
		c.skippedFiles++
		return nil
	}
	return c.decodeData(path, data, lenient)
}

// decodeData is decodeFile without the look for kinds first.
func (c *collector) decodeData(path string, data []byte, lenient bool) error {
	docs, isJSON, err := documents(data)
	if err != nil {
		if lenient {
			c.skippedFiles++
			return nil
		}
		return err
	}
	jsons := docs
	if !isJSON {
		jsons = make([][]byte, 0, len(docs))
		for i, d := range docs {
			j, err := yamlToJSON(d)
			if err != nil {
				if lenient {
					c.skippedFiles++
					return nil
				}
				if len(docs) > 1 {
					return fmt.Errorf("%w: document %d: not valid YAML: %v", ErrMalformed, i+1, err)
				}
				return fmt.Errorf("%w: not valid YAML: %v", ErrMalformed, err)
			}
			jsons = append(jsons, j)
		}
	}
	c.files++
	for _, j := range jsons {
		if err := c.document(path, j, "", ""); err != nil {
			return err
		}
	}
	return nil
}

// document decodes one document: an object, or a List whose items are
// decoded in turn. defaultAPIVersion and defaultKind stand for an item's
// missing apiVersion and kind (a typed List's items may lack them).
func (c *collector) document(path string, raw []byte, defaultAPIVersion, defaultKind string) error {
	if bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return nil
	}
	var h head
	if err := json.Unmarshal(raw, &h); err != nil {
		if defaultKind == "" && len(bytes.TrimSpace(raw)) > 0 && bytes.TrimSpace(raw)[0] != '{' {
			c.skipped[kindNone]++ // a scalar or list document, not an object
			return nil
		}
		return fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if h.APIVersion == "" {
		h.APIVersion = defaultAPIVersion
	}
	if h.Kind == "" {
		h.Kind = defaultKind
	}
	if h.Items != nil && (h.Kind == "List" || strings.HasSuffix(h.Kind, "List")) {
		group := groupOf(h.APIVersion)
		if part := partOf(group, strings.TrimSuffix(h.Kind, "List")); part != "" {
			c.parts[part] = true // an empty List says there are none
		}
		if bytes.Equal(h.Items, []byte("null")) {
			return nil
		}
		var items []json.RawMessage
		if err := json.Unmarshal(h.Items, &items); err != nil {
			return fmt.Errorf("%w: %s: items: %v", ErrMalformed, h.Kind, err)
		}
		itemKind := ""
		if h.Kind != "List" {
			itemKind = strings.TrimSuffix(h.Kind, "List")
		}
		for i, it := range items {
			if err := c.document(path, it, h.APIVersion, itemKind); err != nil {
				return fmt.Errorf("items[%d]: %w", i, err)
			}
		}
		return nil
	}
	return c.object(path, &h, raw)
}

// kindNone counts documents that are no object.
const kindNone = "(no kind)"

// kindName is how Source.Skipped names a kind: Kind, or Kind.group.
func kindName(group, kind string) string {
	if kind == "" {
		return kindNone
	}
	if group == "" {
		return kind
	}
	return kind + "." + group
}

// errTooMany is the error of a part over its cap.
func errTooMany(part string, limit int) error {
	return fmt.Errorf("%w: %w: more than %d %s (raise the limit in Options.Limits if this is real)", scenario.ErrInvalid, scenario.ErrTooLarge, limit, part)
}
