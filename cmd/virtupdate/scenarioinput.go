package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"sigs.k8s.io/yaml"

	"github.com/virtupdate/virtupdate/fake"
	"github.com/virtupdate/virtupdate/scenario"
)

// scenarioHelp says what a count-form scenario is, for errors about one.
const scenarioHelp = "a scenario is a YAML mapping with clusterVersion:, cnv:, nodes:, vms: and update: (see docs/scenarios.md)"

// loadScenario reads a count-form scenario file for simulate. Before the
// fields are checked it checks the file is one at all: a YAML mapping, and
// not a snapshot (the object form, which forecast reads with --snapshot).
func loadScenario(file string) (*fake.Scenario, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, usageError(fmt.Errorf("reading the scenario: %w", err))
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Size() > fake.MaxScenarioBytes {
		return nil, usageError(fmt.Errorf("%s: %w: the file has %d bytes, more than the %d a scenario may have", file, fake.ErrInvalidScenario, st.Size(), fake.MaxScenarioBytes))
	}
	data, err := io.ReadAll(io.LimitReader(f, fake.MaxScenarioBytes+1))
	if err != nil {
		return nil, usageError(fmt.Errorf("reading the scenario %s: %w", file, err))
	}
	if err := scenarioShape(data); err != nil {
		return nil, usageError(fmt.Errorf("%s: %w", file, err))
	}
	s, err := fake.ParseScenario(data)
	if err != nil {
		return nil, usageError(fmt.Errorf("%s: %w", file, err))
	}
	return s, nil
}

// scenarioShape says what a file that is no count-form scenario is.
func scenarioShape(data []byte) error {
	if scenario.IsObjects(data) {
		return errors.New("this is a snapshot (the object form, every object as found): forecast reads it with --snapshot; simulate takes a count-form scenario: " + scenarioHelp)
	}
	js, err := yaml.YAMLToJSON(data)
	if err != nil {
		return nil // ParseScenario says where the YAML is broken
	}
	js = bytes.TrimSpace(js)
	if len(js) == 0 || js[0] != '{' {
		return fmt.Errorf("not a scenario: the file is not a YAML mapping; %s", scenarioHelp)
	}
	return nil
}
