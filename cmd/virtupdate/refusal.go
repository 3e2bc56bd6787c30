package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/virtupdate/virtupdate/channel"
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
	// forecastScenarioNames and forecastSnapshotNames name the fields of a
	// forecast's request: the cluster's versions come from the file, the
	// rest from flags.
	forecastScenarioNames = requestNames{"From.OCP": "the scenario's clusterVersion.version", "From.CNV": "the scenario's cnv.version",
		"To": "--to", "Via": "--via", "CNV": "the scenario's cnv.catalog", "CNVCatalog": "the scenario's cnv.catalog",
		"AcceptRisks": "--accept-risks", "Graph": "--graph", "WithoutCNV": "the scenario (it has no cnv section)"}
	forecastSnapshotNames = requestNames{"From.OCP": "the snapshot's ClusterVersion", "From.CNV": "the snapshot's HyperConverged",
		"To": "--to", "Via": "--via", "CNV": "--cnv-catalog (or the snapshot's PackageManifest)", "CNVCatalog": "--cnv-catalog (or the snapshot's PackageManifest)",
		"AcceptRisks": "--accept-risks", "Graph": "--graph", "WithoutCNV": "the snapshot (it has no HyperConverged)"}
)

// namedRefusal is a plan refusal told with the name the user gave the
// field: "--to: invalid version …; instead: …" rather than the request's
// field name. It unwraps to the refusal, so errors.As and errors.Is see it.
type namedRefusal struct {
	name string
	re   *update.RefusalError
	// missing is set when the refusal's cause is a version the graph does
	// not hold, and name is then the source of that version.
	missing *channel.VersionNotFoundError
	// field is the request field whose value is missing.Version.
	field string
}

// missingError tells a version the graph lacks by where it came from:
// "the cluster runs V (the snapshot's ClusterVersion), which is not in
// the update graph …; instead: …".
func (e *namedRefusal) missingError() string {
	nf := e.missing
	var s string
	if e.field == "From.OCP" && !strings.HasPrefix(e.name, "--") {
		s = fmt.Sprintf("the cluster runs %s (%s), which is not in the update graph", nf.Version, e.name)
	} else {
		s = fmt.Sprintf("%s %s: not in the update graph", e.name, nf.Version)
	}
	if nf.Channel != "" {
		s += fmt.Sprintf(" of channel %q", nf.Channel)
	}
	if nf.Newest != "" {
		s += " (its newest release of that minor is " + nf.Newest + ")"
	}
	if e.field == "From.OCP" {
		return s + "; instead: give a --graph of the channel and architecture the cluster follows, one that holds " + nf.Version +
			" (a nightly or CI build is in no published channel's graph), or leave --graph out to follow the updates the ClusterVersion offers"
	}
	return s + "; instead: pick a version the graph holds (virtupdate graph updates --graph FILE --from VERSION lists the updates)"
}

func (e *namedRefusal) Error() string {
	if e.missing != nil {
		return e.missingError()
	}
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

// nameIn is name for a refusal of req: when the refusal's cause is a
// version the graph does not hold, it names where that version came from
// (the refusal's field may be another: "To" for an unreachable target
// whose source version is missing).
func (n requestNames) nameIn(err error, req update.Request) error {
	var re *update.RefusalError
	var nf *channel.VersionNotFoundError
	if errors.As(err, &re) && errors.As(re.Err, &nf) {
		field := ""
		switch nf.Version {
		case req.From.OCP:
			field = "From.OCP"
		case req.Via:
			field = "Via"
		case req.To:
			field = "To"
		}
		if name := n[field]; name != "" {
			return &namedRefusal{name: name, re: re, missing: nf, field: field}
		}
	}
	return n.name(err)
}
