package forecast_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/virtupdate/virtupdate/fake"
	"github.com/virtupdate/virtupdate/forecast"
	"github.com/virtupdate/virtupdate/update"
)

// Forecast a z-stream update of OpenShift on a small cluster: five runs,
// each with its timing varied, and the details of the median one.
func Example() {
	s, err := fake.ParseScenario([]byte(`
seed: 1
clusterVersion: {version: 4.16.1}
cnv: {version: 4.16.2, catalog: [4.16.2]}
clusterEvictionStrategy: LiveMigrate
nodes:
  - {name: "master-{i}", count: 3, role: master}
  - {name: "worker-{i}", count: 2}
vms:
  - {namespace: prod, name: web, memory: 8Gi}
  - {namespace: prod, name: legacy, migratable: false, evictionStrategy: None, runStrategy: Always}
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	in, err := forecast.FromScenario(s)
	if err != nil {
		fmt.Println(err)
		return
	}
	f, err := forecast.Run(context.Background(), in, forecast.Options{Request: update.Request{To: "4.16.3"}, Runs: 5})
	if err != nil {
		fmt.Println(err)
		return
	}
	sum := f.Summary
	fmt.Printf("%s update in %d runs: P10 %s, P50 %s, P90 %s\n", sum.Kind, sum.Runs, sum.ETAP10, sum.ETAP50, sum.ETAP90)
	fmt.Printf("details from run %d; multipliers %+v\n", sum.MedianRun, sum.PerRun[sum.MedianRun].Multipliers)
	for _, vm := range f.VMs {
		moves := "moves"
		if vm.Moves == 1 {
			moves = "move"
		}
		fmt.Printf("%s/%s: %s after %d %s, down %s: %s\n", vm.Namespace, vm.Name, vm.Outcome.Label(), vm.Moves, moves, vm.Downtime, strings.Join(vm.MoveReasons, "; "))
	}
	// Output:
	// zstream update in 5 runs: P10 1h 19m, P50 1h 30m, P90 1h 32m
	// details from run 1; multipliers {MigrationBandwidth:0.54 PlatformUpdate:1.212 NodeReboot:1.144 OperatorInstall:1.159 TargetPodStart:1.717 VMRestart:1.385}
	// prod/legacy: shut down after 1 move, down 42s: node roll (worker-1 drained): evicted and shut down
	// prod/web: migrated after 2 moves, down 0s: node roll (worker-0 drained): live migration; node roll (worker-1 drained): live migration
}
