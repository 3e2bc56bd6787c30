package workload

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	v1 "kubevirt.io/api/core/v1"
)

// listJSON is the envelope of `kubectl get … -o json`.
type listJSON struct {
	APIVersion string            `json:"apiVersion"`
	Kind       string            `json:"kind"`
	Items      []json.RawMessage `json:"items"`
}

// ReadVMIList reads VirtualMachineInstances as `kubectl get vmi -A -o json`
// prints them: an object of kind List (or VirtualMachineInstanceList) whose
// items are VirtualMachineInstances. Items keep their order. Errors name the
// item and field at fault and say what was expected.
func ReadVMIList(data []byte) ([]*v1.VirtualMachineInstance, error) {
	items, err := readList(data, "VMI list", "VirtualMachineInstance", "kubectl get vmi -A -o json")
	if err != nil {
		return nil, err
	}
	vmis := make([]v1.VirtualMachineInstance, len(items))
	out := make([]*v1.VirtualMachineInstance, len(items))
	for i, raw := range items {
		if err := decodeStrict(raw, &vmis[i]); err != nil {
			return nil, fmt.Errorf("VMI list: items[%d]: %w", i, err)
		}
		if err := checkItem(&vmis[i].TypeMeta.Kind, vmis[i].APIVersion, vmis[i].Name, "VMI list", i, "VirtualMachineInstance"); err != nil {
			return nil, err
		}
		out[i] = &vmis[i]
	}
	return out, nil
}

// ReadMigrationList reads VirtualMachineInstanceMigrations as
// `kubectl get vmim -A -o json` prints them (kind List or
// VirtualMachineInstanceMigrationList).
func ReadMigrationList(data []byte) ([]*v1.VirtualMachineInstanceMigration, error) {
	items, err := readList(data, "migration list", "VirtualMachineInstanceMigration", "kubectl get vmim -A -o json")
	if err != nil {
		return nil, err
	}
	ms := make([]v1.VirtualMachineInstanceMigration, len(items))
	out := make([]*v1.VirtualMachineInstanceMigration, len(items))
	for i, raw := range items {
		if err := decodeStrict(raw, &ms[i]); err != nil {
			return nil, fmt.Errorf("migration list: items[%d]: %w", i, err)
		}
		if err := checkItem(&ms[i].TypeMeta.Kind, ms[i].APIVersion, ms[i].Name, "migration list", i, "VirtualMachineInstanceMigration"); err != nil {
			return nil, err
		}
		if ms[i].Spec.VMIName == "" {
			return nil, fmt.Errorf("migration list: items[%d] (%s).spec.vmiName is empty; every migration names its VMI", i, ms[i].Name)
		}
		out[i] = &ms[i]
	}
	return out, nil
}

func readList(data []byte, what, itemKind, command string) ([]json.RawMessage, error) {
	var list listJSON
	if err := decodeStrict(data, &list); err != nil {
		return nil, fmt.Errorf("%s: %w (want the output of %s)", what, err, command)
	}
	switch list.Kind {
	case "List", itemKind + "List":
	case "":
		return nil, fmt.Errorf("%s: field \"kind\" is missing; want \"List\" or %q (the output of %s)", what, itemKind+"List", command)
	default:
		return nil, fmt.Errorf("%s: field \"kind\" is %q; want \"List\" or %q (the output of %s)", what, list.Kind, itemKind+"List", command)
	}
	return list.Items, nil
}

// checkItem checks one item's kind, apiVersion and name; an item with no
// kind is taken to be of the expected kind.
func checkItem(kind *string, apiVersion, name, what string, i int, want string) error {
	if *kind == "" {
		*kind = want
	}
	if *kind != want {
		return fmt.Errorf("%s: items[%d].kind is %q; want %q", what, i, *kind, want)
	}
	if group, _, _ := strings.Cut(apiVersion, "/"); apiVersion != "" && group != "kubevirt.io" {
		return fmt.Errorf("%s: items[%d].apiVersion is %q; want kubevirt.io/v1", what, i, apiVersion)
	}
	if name == "" {
		return fmt.Errorf("%s: items[%d].metadata.name is empty", what, i)
	}
	return nil
}

// decodeStrict decodes exactly one JSON value and rewrites decoding errors so
// they name the field.
func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(v); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			field := typeErr.Field
			if field == "" {
				return fmt.Errorf("the value must be %s, got %s", jsonKind(typeErr.Type.Kind().String()), typeErr.Value)
			}
			return fmt.Errorf("field %s must be %s, got %s", field, jsonKind(typeErr.Type.Kind().String()), typeErr.Value)
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
	case "slice", "array":
		return "an array"
	case "struct", "map":
		return "an object"
	case "bool":
		return "a boolean"
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64", "float32", "float64":
		return "a number"
	}
	return "a " + goKind
}

// ParseMethods reads a comma-separated list of workload update methods
// ("LiveMigrate,Evict"); spaces around names are ignored and an empty string
// is the empty list (updates off). Unknown or repeated names are errors.
func ParseMethods(s string) ([]v1.WorkloadUpdateMethod, error) {
	out := []v1.WorkloadUpdateMethod{}
	if strings.TrimSpace(s) == "" {
		return out, nil
	}
	for part := range strings.SplitSeq(s, ",") {
		m := v1.WorkloadUpdateMethod(strings.TrimSpace(part))
		if err := checkMethod(m); err != nil {
			return nil, err
		}
		if containsMethod(out, m) {
			return nil, fmt.Errorf("workload update method %q is listed twice", m)
		}
		out = append(out, m)
	}
	return out, nil
}

func checkMethod(m v1.WorkloadUpdateMethod) error {
	switch m {
	case v1.WorkloadUpdateMethodLiveMigrate, v1.WorkloadUpdateMethodEvict:
		return nil
	case "":
		return errors.New("empty workload update method; use LiveMigrate and/or Evict")
	}
	return fmt.Errorf("%q is not a workload update method; use LiveMigrate and/or Evict (case matters)", m)
}

func containsMethod(ms []v1.WorkloadUpdateMethod, m v1.WorkloadUpdateMethod) bool {
	for _, x := range ms {
		if x == m {
			return true
		}
	}
	return false
}

// ValidateStrategy reports what is wrong with a workload update strategy,
// naming the field: unknown methods (KubeVirt silently ignores them, so a
// typo turns updates off), a negative batch size or interval.
func ValidateStrategy(s v1.KubeVirtWorkloadUpdateStrategy) error {
	var errs []error
	for i, m := range s.WorkloadUpdateMethods {
		if err := checkMethod(m); err != nil {
			errs = append(errs, fmt.Errorf("workloadUpdateMethods[%d]: %w", i, err))
		}
	}
	if s.BatchEvictionSize != nil && *s.BatchEvictionSize < 0 {
		errs = append(errs, fmt.Errorf("batchEvictionSize is %d; want 0 or more (0 evicts nothing)", *s.BatchEvictionSize))
	}
	if s.BatchEvictionInterval != nil && s.BatchEvictionInterval.Duration < 0 {
		errs = append(errs, fmt.Errorf("batchEvictionInterval is %s; want a duration of 0 or more", s.BatchEvictionInterval.Duration))
	}
	return errors.Join(errs...)
}
