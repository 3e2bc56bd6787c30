package update

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/virtupdate/virtupdate/channel"
)

// Where the CVO keeps its admin-ack gates: the gates a release declares, and
// the administrator's acknowledgements.
const (
	AdminGatesNamespace = "openshift-config-managed"
	AdminGatesName      = "admin-gates"
	AdminAcksNamespace  = "openshift-config"
	AdminAcksName       = "admin-acks"
)

// CheckAdminAcks is the pre-flight check of the admin-ack gates a minor
// update needs acknowledged.
const CheckAdminAcks = "AdminAcks"

// AdminGates is what the CVO reads to decide whether an administrator must
// acknowledge something before a minor update: the data of the ConfigMap
// openshift-config-managed/admin-gates (gate name → what to acknowledge,
// written by the release) and of openshift-config/admin-acks (gate name →
// "true" once acknowledged, written by the administrator).
type AdminGates struct {
	// Gates is admin-gates' data.
	Gates map[string]string
	// Acks is admin-acks' data.
	Acks map[string]string
	// GatesMissing and AcksMissing say a ConfigMap does not exist; the CVO
	// then cannot tell whether a gate applies and holds minor updates back.
	GatesMissing, AcksMissing bool
}

// AdminGatesReader reads the admin-ack ConfigMaps. It is an optional port:
// Preflight checks the gates when the Cluster also implements it.
type AdminGatesReader interface {
	GetAdminGates(ctx context.Context) (AdminGates, error)
}

// AdminGate is a gate that holds a minor update back until acknowledged.
type AdminGate struct {
	// Name is the gate's key in admin-gates, e.g.
	// "ack-4.8-kube-1.22-api-removals-in-4.9"; "" when a ConfigMap is
	// missing.
	Name string
	// Message says what to acknowledge (the gate's value), or what is wrong
	// with the gate.
	Message string
	// URL is the first https link in the gate's value, else the product
	// documentation.
	URL string
}

// adminGateName is the form a gate's name must have: ack-<major>.<minor>-…
var adminGateName = regexp.MustCompile(`^ack-([4-5][.][0-9]{1,})-[^-]`)

var httpsLink = regexp.MustCompile(`https://[^[:space:]]*`)

const docsURL = "https://docs.redhat.com/en/documentation/openshift_container_platform/"

// Unacked returns the gates that hold back a minor or major update from
// the release current, by the CVO's rules, sorted by name:
//
//   - a missing ConfigMap holds the update back (one entry, no name),
//     admin-acks even when no gate applies;
//   - a gate applies when its name is ack-<major>.<minor>-… of current's
//     minor; a name of any other form is itself a gate (it is invalid);
//   - an applicable gate with an empty value is a gate (it must say what
//     to acknowledge);
//   - an applicable gate is acknowledged when admin-acks holds its name
//     with the value "true", exactly.
//
// Z-stream updates are never held back by these gates.
func (a AdminGates) Unacked(current string) []AdminGate {
	if a.GatesMissing {
		return []AdminGate{{Message: "the ConfigMap " + AdminGatesName + " in " + AdminGatesNamespace + " does not exist", URL: docsURL}}
	}
	v, err := channel.ParseVersion(current)
	if err != nil {
		return []AdminGate{{Message: fmt.Sprintf("the cluster's version %q is not a version, so no gate can be checked", current), URL: docsURL}}
	}
	var out []AdminGate
	for name, value := range a.Gates {
		m := adminGateName.FindStringSubmatch(name)
		if m == nil {
			out = append(out, AdminGate{Name: name, URL: docsURL,
				Message: fmt.Sprintf("the %s gate %q is invalid: a gate's name is ack-<major>.<minor>-<name>", AdminGatesName, name)})
			continue
		}
		gv, err := channel.ParseVersion(m[1] + ".0")
		if err != nil {
			out = append(out, AdminGate{Name: name, URL: docsURL, Message: fmt.Sprintf("the %s gate %q names no version: %v", AdminGatesName, name, err)})
			continue
		}
		if gv.MinorVersion() != v.MinorVersion() {
			continue
		}
		if value == "" {
			out = append(out, AdminGate{Name: name, URL: docsURL, Message: fmt.Sprintf("the %s gate %s must contain a non-empty value", AdminGatesName, name)})
			continue
		}
		if !a.AcksMissing && a.Acks[name] == "true" {
			continue
		}
		g := AdminGate{Name: name, Message: value, URL: docsURL}
		for _, link := range httpsLink.FindAllString(value, -1) {
			if _, err := url.Parse(link); err == nil {
				g.URL = link
				break
			}
		}
		out = append(out, g)
	}
	slices.SortFunc(out, func(x, y AdminGate) int { return strings.Compare(x.Name, y.Name) })
	if a.AcksMissing {
		// The CVO cannot read the acknowledgements at all: it holds the
		// update whether or not a gate applies.
		out = append([]AdminGate{{Message: "the ConfigMap " + AdminAcksName + " in " + AdminAcksNamespace + " does not exist", URL: docsURL}}, out...)
	}
	return out
}

// checkAdminAcks reports the gates a minor or EUS update needs
// acknowledged; a z-stream needs none.
func checkAdminAcks(a AdminGates, current string, o PreflightOptions) []Finding {
	if o.Kind == KindZStream {
		return nil
	}
	gates := a.Unacked(current)
	if len(gates) == 0 {
		return nil
	}
	var names, reasons, acks []string
	for _, g := range gates {
		if g.Name == "" {
			reasons = append(reasons, g.Message)
			continue
		}
		names = append(names, g.Name)
		reasons = append(reasons, g.Name+": "+g.Message)
		acks = append(acks, fmt.Sprintf("%q:\"true\"", g.Name))
	}
	if len(names) == 0 {
		return []Finding{{Check: CheckAdminAcks, Severity: SeverityError,
			Reason: strings.Join(reasons, "; ") + ": the CVO cannot tell which admin acknowledgements " + current + " needs and holds minor updates back",
			Remedy: "check the cluster-version operator, which creates " + AdminGatesNamespace + "/" + AdminGatesName + " (oc get clusteroperator version); create " +
				AdminAcksNamespace + "/" + AdminAcksName + " if it is missing (oc -n " + AdminAcksNamespace + " create configmap " + AdminAcksName + ")"}}
	}
	url := docsURL
	for _, g := range gates {
		if g.Name != "" && g.URL != docsURL {
			url = g.URL
			break
		}
	}
	return []Finding{{Check: CheckAdminAcks, Severity: SeverityError, Objects: objectList("ConfigMap", names),
		Reason: fmt.Sprintf("%s before leaving %s: %s", countOf(len(names), "admin acknowledgement is required", "admin acknowledgements are required"),
			current, strings.Join(reasons, "; ")),
		Remedy: "read each (" + url + ") and act on it, then acknowledge: oc -n " + AdminAcksNamespace + " patch configmap " + AdminAcksName +
			" --type=merge --patch '{\"data\":{" + strings.Join(acks, ",") + "}}'"}}
}

// objectList names gates as objects of the finding ("ConfigMap
// admin-gates/ack-…"); none when the ConfigMap itself is missing.
func objectList(kind string, names []string) []string {
	out := make([]string, 0, len(names))
	for _, n := range names {
		out = append(out, kind+" "+AdminGatesNamespace+"/"+AdminGatesName+" "+n)
	}
	return out
}
