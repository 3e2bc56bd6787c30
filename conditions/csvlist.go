package conditions

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// csvListJSON is the part of `oc get csv -o json` ParseCSVList reads.
type csvListJSON struct {
	APIVersion string            `json:"apiVersion"`
	Kind       string            `json:"kind"`
	Items      []json.RawMessage `json:"items"`
}

type csvJSON struct {
	Kind     string `json:"kind"`
	Metadata struct {
		Name string `json:"name"`
	} `json:"metadata"`
	Spec struct {
		DisplayName string `json:"displayName"`
		Version     string `json:"version"`
		Replaces    string `json:"replaces"`
	} `json:"spec"`
	Status struct {
		Phase   string `json:"phase"`
		Reason  string `json:"reason"`
		Message string `json:"message"`
	} `json:"status"`
}

// ParseCSVList reads a list of ClusterServiceVersions as `oc get csv -o json`
// prints it (kind List or ClusterServiceVersionList) into CSV values, in the
// order given. Errors name the item and field at fault.
func ParseCSVList(data []byte) ([]CSV, error) {
	var list csvListJSON
	if err := strictUnmarshal(data, &list); err != nil {
		return nil, fmt.Errorf("CSV list: %w", err)
	}
	switch list.Kind {
	case "List", "ClusterServiceVersionList":
	case "":
		return nil, errors.New(`CSV list: field "kind" is missing; want "List" or "ClusterServiceVersionList" (the output of oc get csv -o json)`)
	default:
		return nil, fmt.Errorf(`CSV list: field "kind" is %q; want "List" or "ClusterServiceVersionList"`, list.Kind)
	}
	out := make([]CSV, 0, len(list.Items))
	for i, raw := range list.Items {
		var item csvJSON
		if err := strictUnmarshal(raw, &item); err != nil {
			return nil, fmt.Errorf("CSV list: items[%d]: %w", i, err)
		}
		if item.Kind != "" && item.Kind != "ClusterServiceVersion" {
			return nil, fmt.Errorf(`CSV list: items[%d].kind is %q; want "ClusterServiceVersion"`, i, item.Kind)
		}
		if item.Metadata.Name == "" {
			return nil, fmt.Errorf("CSV list: items[%d].metadata.name is empty", i)
		}
		out = append(out, CSV{
			Name:        item.Metadata.Name,
			DisplayName: item.Spec.DisplayName,
			Version:     item.Spec.Version,
			Replaces:    item.Spec.Replaces,
			Phase:       CSVPhase(item.Status.Phase),
			Reason:      item.Status.Reason,
			Message:     item.Status.Message,
		})
	}
	return out, nil
}

// strictUnmarshal decodes one JSON value and rewrites decoding errors so they
// name the field ("spec.version must be a string, got number").
func strictUnmarshal(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(v); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) && typeErr.Field != "" {
			return fmt.Errorf("field %s must be %s, got %s", typeErr.Field, jsonKind(typeErr.Type.Kind().String()), typeErr.Value)
		}
		var syntaxErr *json.SyntaxError
		if errors.As(err, &syntaxErr) {
			return fmt.Errorf("malformed JSON at byte %d: %v", syntaxErr.Offset, err)
		}
		return fmt.Errorf("malformed JSON: %v", err)
	}
	if dec.More() {
		return errors.New("malformed JSON: more than one value")
	}
	return nil
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "slice":
		return "an array"
	case "struct", "map":
		return "an object"
	}
	return "a " + goKind
}
