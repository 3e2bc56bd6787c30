package fake

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// What one simulation of a count-form scenario may hold. A scenario is a few
// lines that multiply (count: 1000000 in one group of VMs), so ParseScenario
// and Scenario.NewCluster check these before they build anything: a
// scenario too large for the machine is refused with an error, never
// simulated into an out-of-memory kill.
//
// The limits are Kubernetes' own scalability envelope with some headroom,
// and what a 24 GiB machine simulates with room to spare: Kubernetes is
// tested up to 5,000 nodes and 150,000 pods per cluster (every VMI runs in
// a virt-launcher pod, so a real cluster stays below 150,000 VMIs), and a
// simulated z-stream of 100,000 VMIs on 500 nodes peaks at about 1.2 GB, so
// 200,000 VMIs take about 2.5 GB, and a forecast's runs side by side a few
// times that. The object form (package scenario) holds the same numbers.
const (
	// MaxScenarioVMs is the most VMs (or standalone VMIs) of a scenario,
	// all its vms groups together.
	MaxScenarioVMs = 200_000
	// MaxScenarioNodes is the most nodes of a scenario, all its nodes
	// groups together.
	MaxScenarioNodes = 5_000
	// MaxScenarioBytes is the largest scenario file ParseScenario reads:
	// a count-form scenario is a few kilobytes; even one that lists every
	// VM of the largest scenario on its own line stays below it.
	MaxScenarioBytes = 64 << 20
	// maxNameLength is the longest object name Kubernetes accepts (a
	// DNS-1123 subdomain), and maxNamespaceLength the longest namespace (a
	// DNS-1123 label).
	maxNameLength      = 253
	maxNamespaceLength = 63
)

// MinScenarioDuration is the shortest duration of a scenario's timing and
// of the HyperConverged's batchEvictionInterval. The fake runs its
// controllers at each instant one of them asks for: an interval of a
// nanosecond would make a simulated day billions of instants (a resync that
// finds nothing new, a batch of evictions that are denied again), and no
// real operator install, node reboot, pod start, VM restart or controller
// resync takes less than a second.
const MinScenarioDuration = time.Second

// checkSize refuses a scenario whose groups ask for more nodes or VMs than a
// simulation holds, or whose names are longer than Kubernetes allows,
// before a single name is expanded.
func (s *Scenario) checkSize() error {
	var nodes, vms int64
	for i, g := range s.Nodes {
		f := fmt.Sprintf("nodes[%d]", i)
		if err := checkCount(f, g.Count); err != nil {
			return err
		}
		if err := checkNameLength(f+".name", g.Name, g.Count, maxNameLength); err != nil {
			return err
		}
		nodes += int64(max(g.Count, 1))
	}
	if nodes > MaxScenarioNodes {
		return invalid("nodes", "the %d groups ask for %d nodes in all (the sum of nodes[].count), more than the %d a scenario may have: describe fewer nodes",
			len(s.Nodes), nodes, MaxScenarioNodes)
	}
	for i, g := range s.VMs {
		f := fmt.Sprintf("vms[%d]", i)
		if err := checkCount(f, g.Count); err != nil {
			return err
		}
		if err := checkNameLength(f+".name", g.Name, g.Count, maxNameLength); err != nil {
			return err
		}
		if len(g.Namespace) > maxNamespaceLength {
			return invalid(f+".namespace", "is %d characters long, more than the %d of a Kubernetes namespace", len(g.Namespace), maxNamespaceLength)
		}
		vms += int64(max(g.Count, 1))
	}
	if vms > MaxScenarioVMs {
		return invalid("vms", "the %d groups ask for %d VMs in all (the sum of vms[].count), more than the %d a scenario may have: describe fewer VMs",
			len(s.VMs), vms, MaxScenarioVMs)
	}
	return nil
}

func checkCount(field string, count int) error {
	if count < 0 || count > maxGroup {
		return invalid(field+".count", "must be between 0 and %d, got %d", maxGroup, count)
	}
	return nil
}

// checkNameLength checks the longest name a group expands to.
func checkNameLength(field, name string, count, limit int) error {
	longest := len(name)
	if strings.Contains(name, "{i}") {
		longest += strings.Count(name, "{i}") * (len(strconv.Itoa(max(count-1, 0))) - len("{i}"))
	}
	if longest > limit {
		return invalid(field, "names of %d characters, more than the %d Kubernetes allows", longest, limit)
	}
	return nil
}

// checkMinDuration refuses a duration below MinScenarioDuration.
func checkMinDuration(field, value string, d time.Duration) error {
	if d < MinScenarioDuration {
		return invalid(field, "%q is shorter than %s, the shortest the simulation takes: give %s or more, or leave the field out for the default",
			value, MinScenarioDuration, MinScenarioDuration)
	}
	return nil
}
