package main

import (
	"errors"
	"strings"

	"github.com/virtupdate/virtupdate/update"
)

// requestNames says what a user calls each field of an update.Request, for
// one command: a flag, a scenario field, or what the cluster runs. A field
// with an index (CNVCatalog[2]) is looked up without it.
type requestNames map[string]string

// The names of the request's fields for each way of giving them.
var (
	planNames = requestNames{"From.OCP": "--from", "From.CNV": "--from's OpenShift Virtualization part (--from OCP/CNV)",
		"To": "--to", "Via": "--via", "CNV": "--cnv", "CNVCatalog": "--cnv-catalog", "AcceptRisks": "--accept-risks", "Graph": "--graph"}
	liveNames = requestNames{"From.OCP": "the OpenShift version the cluster runs (its ClusterVersion)",
		"From.CNV": "the OpenShift Virtualization version the cluster runs (its HyperConverged)",
		"To":       "--to", "Via": "--via", "CNV": "--cnv", "CNVCatalog": "--cnv-catalog", "AcceptRisks": "--accept-risks", "Graph": "--graph",
		"Hops": "the checkpoint's recorded path"}
	scenarioNames = requestNames{"From.OCP": "the scenario's clusterVersion.version", "From.CNV": "the scenario's cnv.version",
		"To": "the scenario's update.to", "Via": "--via", "CNVCatalog": "the scenario's cnv.catalog", "AcceptRisks": "--accept-risks",
		"Graph": "--graph", "WithoutCNV": "the scenario (it has no cnv section)"}
)

// namedRefusal is a plan refusal told with the name the user gave the
// field: "--to: invalid version …; instead: …" rather than the request's
// field name. It unwraps to the refusal, so errors.As and errors.Is see it.
type namedRefusal struct {
	name string
	re   *update.RefusalError
}

func (e *namedRefusal) Error() string {
	s := e.name + ": "
	if !errors.Is(e.re.Err, update.ErrBadRequest) {
		s += e.re.Err.Error() + ": "
	}
	s += e.re.Detail
	if e.re.Instead != "" {
		s += "; instead: " + e.re.Instead
	}
	return s
}

func (e *namedRefusal) Unwrap() error { return e.re }

// name returns err with its refused field named as the user gave it; an
// error that is no refusal, or a field without a name here, is returned as
// it is.
func (n requestNames) name(err error) error {
	var re *update.RefusalError
	if !errors.As(err, &re) || re.Field == "" {
		return err
	}
	field, _, _ := strings.Cut(re.Field, "[")
	name := n[field]
	if name == "" {
		return err
	}
	return &namedRefusal{name: name, re: re}
}
