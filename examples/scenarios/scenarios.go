// Package scenarios holds the scenario files of the examples, embedded so
// that every example runs from any directory. Each file is also a scenario
// for `virtupdate simulate`.
package scenarios

import "embed"

// Files are the scenario files: eus-upgrade.yaml, eus-small.yaml,
// zstream-manual.yaml and custom-controller.yaml.
//
//go:embed *.yaml
var Files embed.FS
