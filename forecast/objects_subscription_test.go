package forecast

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/virtupdate/virtupdate/scenario"
	"github.com/virtupdate/virtupdate/update"
)

// A cluster whose OpenShift Virtualization Subscription has a name of its
// own is forecast through that Subscription: the input carries its name to
// the plan, and the forecast is the one of the same cluster with the
// default name. OLM resolves a Subscription by its package, whatever its
// name (operator-lifecycle-manager
// pkg/controller/registry/resolver/resolver.go).
func TestFromObjectsOwnSubscriptionName(t *testing.T) {
	raw, err := os.ReadFile("testdata/objects.yaml")
	if err != nil {
		t.Fatal(err)
	}
	data := string(raw)
	renamed := strings.Replace(data, "{namespace: openshift-cnv, name: kubevirt-hyperconverged, package:", "{namespace: openshift-cnv, name: hco-operatorhub, package:", 1)
	if renamed == data {
		t.Fatal("testdata/objects.yaml has no Subscription kubevirt-hyperconverged to rename")
	}
	forecastOf := func(src string) (*Forecast, Input) {
		o, err := scenario.Parse([]byte(src))
		if err != nil {
			t.Fatal(err)
		}
		in, err := FromObjects(o, []string{"4.16.5"})
		if err != nil {
			t.Fatal(err)
		}
		f, err := Run(context.Background(), in, Options{Request: update.Request{To: "4.16.3"}, Runs: 2})
		if err != nil {
			t.Fatal(err)
		}
		return f, in
	}
	own, in := forecastOf(renamed)
	if in.Subscription != "hco-operatorhub" {
		t.Errorf("Input.Subscription %q, want hco-operatorhub", in.Subscription)
	}
	if own.Stopped() || own.Summary.To.CNV != "4.16.5" {
		t.Fatalf("through Subscription hco-operatorhub: %s, to %+v; want OpenShift Virtualization 4.16.5", own.Summary.Result, own.Summary.To)
	}
	def, in := forecastOf(data)
	if in.Subscription != "" {
		t.Errorf("Input.Subscription %q for the default name, want empty", in.Subscription)
	}
	a, _ := json.Marshal(own.Summary)
	b, _ := json.Marshal(def.Summary)
	if string(a) != string(b) {
		t.Errorf("the forecast depends on the Subscription's name:\nhco-operatorhub %s\ndefault %s", a, b)
	}
}
