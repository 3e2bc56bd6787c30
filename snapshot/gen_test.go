package snapshot

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"text/template"
)

// A generator of must-gathers in kubevirt/must-gather's layout
// (collection-scripts/gather_crs, gather_virtualmachines, gather_hco,
// gather_nodes, gather_vms_details), optionally with the default image's
// folder beside it (`oc adm inspect` layout), so that tests and benchmarks
// need no large files.

type genOpts struct {
	VMIs       int
	Workers    int
	Namespaces int
	// DefaultImage adds the folder of the default must-gather image:
	// ClusterVersion, pools, the nodes again, the CNV CSV and a copy of
	// it, and one VMI again (older) in a List.
	DefaultImage bool
}

const (
	genKubevirtImage = "quay-io-kubevirt-must-gather-sha256-5f7c9a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7"
	genDefaultImage  = "registry-redhat-io-openshift4-ose-must-gather-sha256-0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9"
	genCNV           = "4.18.3"
	genLauncher      = "registry.redhat.io/container-native-virtualization/virt-launcher-rhel9@sha256:4f2b6d0e8a1c3e5b7d9f1a3c5e7b9d1f3a5c7e9b1d3f5a7c9e1b3d5f7a9c1e3b"
	genOldLauncher   = "registry.redhat.io/container-native-virtualization/virt-launcher-rhel9@sha256:0000000000000000000000000000000000000000000000000000000000000001"
)

var genTemplates = template.Must(template.New("").Funcs(template.FuncMap{"mod": func(a, b int) int { return a % b }}).Parse(`
{{define "node"}}---
apiVersion: v1
kind: Node
metadata:
  annotations:
    machineconfiguration.openshift.io/currentConfig: rendered-worker-5d1c
    machineconfiguration.openshift.io/state: Done
    volumes.kubernetes.io/controller-managed-attach-detach: "true"
  creationTimestamp: "2025-0{{.Month}}-01T00:00:00Z"
  labels:
    cpu-model.node.kubevirt.io/Skylake-Server: "true"
    kubernetes.io/hostname: {{.Name}}
    kubevirt.io/schedulable: "true"
    node-role.kubernetes.io/worker: ""
    topology.kubernetes.io/zone: {{.Zone}}
  managedFields:
  - apiVersion: v1
    fieldsType: FieldsV1
    manager: kubelet
    operation: Update
  name: {{.Name}}
  resourceVersion: "{{.RV}}"
  uid: 00000000-0000-4000-8000-0000000000{{printf "%02d" .I}}
spec:
  providerID: baremetalhost:///openshift-machine-api/{{.Name}}
status:
  addresses:
  - address: 192.168.10.{{.I}}
    type: InternalIP
  allocatable:
    cpu: 63500m
    memory: 256Gi
    pods: "250"
  capacity:
    cpu: "64"
    memory: 264Gi
  conditions:
  - lastHeartbeatTime: "2026-03-01T08:59:00Z"
    lastTransitionTime: "2026-02-01T00:00:00Z"
    message: kubelet is posting ready status
    reason: KubeletReady
    status: "True"
    type: Ready
  images:
  - names: [quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:aaaa]
    sizeBytes: 1000
  nodeInfo:
    architecture: amd64
    bootID: 3d1f
    kubeletVersion: v1.31.6
    machineID: 9a8b
    osImage: Red Hat Enterprise Linux CoreOS 418.94
    systemUUID: 1c2d
{{end}}
{{define "vmi"}}apiVersion: kubevirt.io/v1
kind: VirtualMachineInstance
metadata:
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: '{"apiVersion":"kubevirt.io/v1","kind":"VirtualMachineInstance"}'
    kubevirt.io/latest-observed-api-version: v1
  creationTimestamp: "2026-02-10T10:00:00Z"
  finalizers:
  - kubevirt.io/virtualMachineControllerFinalize
  generation: 12
  labels:
    app: {{.Name}}
    kubevirt.io/nodeName: {{.Node}}
{{- if .Outdated}}
    kubevirt.io/outdatedLauncherImage: ""
{{- end}}
    vm.kubevirt.io/name: {{.Name}}
  name: {{.Name}}
  namespace: {{.NS}}
  ownerReferences:
  - apiVersion: kubevirt.io/v1
    blockOwnerDeletion: true
    controller: true
    kind: VirtualMachine
    name: {{.Name}}
    uid: 10000000-0000-4000-8000-{{printf "%012d" .I}}
  resourceVersion: "{{.RV}}"
  uid: 20000000-0000-4000-8000-{{printf "%012d" .I}}
spec:
  architecture: amd64
  domain:
    cpu:
      cores: 1
      model: host-model
      sockets: 2
      threads: 1
    devices:
      disks:
      - disk:
          bus: virtio
        name: rootdisk
      - disk:
          bus: virtio
        name: cloudinitdisk
      interfaces:
      - masquerade: {}
        name: default
    firmware:
      serial: 5a6b7c8d-{{.I}}
      uuid: 30000000-0000-4000-8000-{{printf "%012d" .I}}
    machine:
      type: pc-q35-rhel9.4.0
    memory:
      guest: {{.Memory}}
    resources:
      requests:
        memory: {{.Memory}}
{{- if .Strategy}}
  evictionStrategy: {{.Strategy}}
{{- end}}
  networks:
  - name: default
    pod: {}
  terminationGracePeriodSeconds: 180
  volumes:
  - dataVolume:
      name: {{.Name}}-rootdisk
    name: rootdisk
  - cloudInitNoCloud:
      userData: |-
        #cloud-config
        user: cloud-user
        password: not-a-real-password
    name: cloudinitdisk
status:
  activePods:
    40000000-0000-4000-8000-{{printf "%012d" .I}}: {{.Node}}
  conditions:
  - lastProbeTime: null
    lastTransitionTime: "2026-02-10T10:01:00Z"
    status: "True"
    type: Ready
{{- if .Migratable}}
  - lastProbeTime: null
    lastTransitionTime: null
    status: "True"
    type: LiveMigratable
{{- else}}
  - lastProbeTime: null
    lastTransitionTime: null
    message: 'cannot migrate VMI: PVC {{.Name}}-rootdisk is not shared, live migration requires that all PVCs must be shared (using ReadWriteMany access mode)'
    reason: DisksNotLiveMigratable
    status: "False"
    type: LiveMigratable
{{- end}}
  guestOSInfo:
    id: rhel
    name: Red Hat Enterprise Linux
  interfaces:
  - infoSource: domain, guest-agent
    ipAddress: 10.131.{{mod .I 250}}.{{mod .I 200}}
    mac: 02:ab:cd:ef:00:01
    name: default
  launcherContainerImageVersion: {{.Launcher}}
  migrationMethod: BlockMigration
  migrationTransport: Unix
  nodeName: {{.Node}}
  phase: Running
  phaseTransitionTimestamps:
  - phase: Running
    phaseTransitionTimestamp: "2026-02-10T10:01:00Z"
  qosClass: Burstable
  runtimeUser: 107
  selinuxContext: system_u:object_r:container_file_t:s0:c1,c2
  volumeStatus:
  - name: rootdisk
    persistentVolumeClaimInfo:
      claimName: {{.Name}}-rootdisk
    target: vda
{{end}}
{{define "vm"}}apiVersion: kubevirt.io/v1
kind: VirtualMachine
metadata:
  creationTimestamp: "2026-01-10T10:00:00Z"
  generation: 3
  labels:
    app: {{.Name}}
{{- if .Template}}
    vm.kubevirt.io/template: rhel9-server-small
{{- end}}
  name: {{.Name}}
  namespace: {{.NS}}
  resourceVersion: "{{.RV}}"
  uid: 10000000-0000-4000-8000-{{printf "%012d" .I}}
spec:
  dataVolumeTemplates:
  - metadata:
      name: {{.Name}}-rootdisk
    spec:
      sourceRef:
        kind: DataSource
        name: rhel9
        namespace: openshift-virtualization-os-images
      storage:
        resources:
          requests:
            storage: 30Gi
  runStrategy: Always
  template:
    metadata:
      labels:
        kubevirt.io/domain: {{.Name}}
    spec:
      domain:
        devices: {}
        memory:
          guest: {{.Memory}}
      volumes:
      - cloudInitNoCloud:
          userData: "#cloud-config\npassword: not-a-real-password"
        name: cloudinitdisk
status:
  conditions:
  - lastProbeTime: null
    lastTransitionTime: "2026-02-10T10:01:00Z"
    status: "True"
    type: Ready
  created: true
  printableStatus: Running
  ready: true
{{end}}
{{define "migration"}}apiVersion: kubevirt.io/v1
kind: VirtualMachineInstanceMigration
metadata:
  annotations:
    kubevirt.io/latest-observed-api-version: v1
    kubevirt.io/workloadUpdateMigration: ""
  creationTimestamp: "2026-02-20T10:00:00Z"
  generateName: kubevirt-workload-update-
  labels:
    kubevirt.io/vmi-name: {{.Name}}
  name: kubevirt-workload-update-{{.I}}
  namespace: {{.NS}}
  resourceVersion: "{{.RV}}"
  uid: 50000000-0000-4000-8000-{{printf "%012d" .I}}
spec:
  vmiName: {{.Name}}
status:
  migrationState:
    completed: true
    endTimestamp: "2026-02-20T10:02:00Z"
    sourceNode: {{.Node}}
    startTimestamp: "2026-02-20T10:00:10Z"
    targetNode: {{.Target}}
    targetNodeAddress: 10.128.0.9
    targetPod: virt-launcher-{{.Name}}-abcde
  phase: Succeeded
  phaseTransitionTimestamps:
  - phase: Succeeded
    phaseTransitionTimestamp: "2026-02-20T10:02:00Z"
{{end}}
{{define "hco"}}apiVersion: hco.kubevirt.io/v1beta1
kind: HyperConverged
metadata:
  creationTimestamp: "2025-06-01T00:00:00Z"
  generation: 4
  name: kubevirt-hyperconverged
  namespace: openshift-cnv
  resourceVersion: "900"
  uid: 60000000-0000-4000-8000-000000000001
spec:
  evictionStrategy: LiveMigrate
  liveMigrationConfig:
    allowAutoConverge: false
    completionTimeoutPerGiB: 150
    parallelMigrationsPerCluster: 5
    parallelOutboundMigrationsPerNode: 2
    progressTimeout: 150
  workloadUpdateStrategy:
    batchEvictionInterval: 1m0s
    batchEvictionSize: 10
    workloadUpdateMethods:
    - LiveMigrate
status:
  conditions:
  - lastTransitionTime: "2026-02-01T00:00:00Z"
    message: Reconcile completed successfully
    observedGeneration: 4
    reason: ReconcileCompleted
    status: "True"
    type: Available
  - lastTransitionTime: "2026-02-01T00:00:00Z"
    message: Reconcile completed successfully
    observedGeneration: 4
    reason: ReconcileCompleted
    status: "True"
    type: Upgradeable
  observedGeneration: 4
  systemHealthStatus: healthy
  versions:
  - name: operator
    version: {{.CNV}}
{{end}}
{{define "kubevirt"}}apiVersion: kubevirt.io/v1
kind: KubeVirt
metadata:
  generation: 7
  name: kubevirt-kubevirt-hyperconverged
  namespace: openshift-cnv
  resourceVersion: "901"
  uid: 60000000-0000-4000-8000-000000000002
spec:
  configuration:
    evictionStrategy: LiveMigrate
    migrations:
      completionTimeoutPerGiB: 150
      parallelMigrationsPerCluster: 5
      parallelOutboundMigrationsPerNode: 2
  workloadUpdateStrategy:
    batchEvictionInterval: 1m0s
    batchEvictionSize: 10
    workloadUpdateMethods:
    - LiveMigrate
status:
  observedDeploymentConfig: '{"id":"abc","namespace":"openshift-cnv"}'
  observedKubeVirtVersion: v1.4.1
  outdatedVirtualMachineInstanceWorkloads: {{.Outdated}}
  phase: Deployed
  targetKubeVirtVersion: v1.4.1
{{end}}
{{define "subscription"}}apiVersion: operators.coreos.com/v1alpha1
kind: Subscription
metadata:
  name: {{.Name}}
  namespace: openshift-cnv
  resourceVersion: "700"
  uid: 70000000-0000-4000-8000-00000000000{{.I}}
spec:
  channel: stable
  installPlanApproval: Manual
  name: {{.Package}}
  source: redhat-operators
  sourceNamespace: openshift-marketplace
status:
  currentCSV: {{.Package}}-operator.v{{.CNV}}
  installedCSV: {{.Package}}-operator.v{{.CNV}}
  installPlanRef:
    name: install-{{.I}}abcd
    namespace: openshift-cnv
  state: AtLatestKnown
{{end}}
{{define "installplan"}}apiVersion: operators.coreos.com/v1alpha1
kind: InstallPlan
metadata:
  name: install-{{.I}}abcd
  namespace: openshift-cnv
  resourceVersion: "701"
  uid: 71000000-0000-4000-8000-00000000000{{.I}}
spec:
  approval: Manual
  approved: true
  clusterServiceVersionNames:
  - kubevirt-hyperconverged-operator.v{{.CNV}}
status:
  phase: Complete
{{end}}
{{define "csv"}}---
apiVersion: operators.coreos.com/v1alpha1
kind: ClusterServiceVersion
metadata:
  annotations:
    olm.operatorNamespace: openshift-cnv
    operatorframework.io/properties: '{"properties":[{"type":"olm.maxOpenShiftVersion","value":"4.19"},{"type":"olm.package","value":{"packageName":"kubevirt-hyperconverged","version":"{{.CNV}}"}}]}'
  labels:
{{- if .Copied}}
    olm.copiedFrom: openshift-cnv
{{- end}}
    operators.coreos.com/kubevirt-hyperconverged.openshift-cnv: ""
  name: kubevirt-hyperconverged-operator.v{{.CNV}}
  namespace: {{.NS}}
  resourceVersion: "800"
  uid: 80000000-0000-4000-8000-0000000000{{if .Copied}}02{{else}}01{{end}}
spec:
  displayName: OpenShift Virtualization
  replaces: kubevirt-hyperconverged-operator.v4.18.2
  version: {{.CNV}}
status:
  message: install strategy completed with no errors
  phase: Succeeded
  reason: {{if .Copied}}Copied{{else}}InstallSucceeded{{end}}
{{end}}
{{define "clusterversion"}}---
apiVersion: config.openshift.io/v1
kind: ClusterVersion
metadata:
  name: version
  resourceVersion: "500"
  uid: 90000000-0000-4000-8000-000000000001
spec:
  channel: stable-4.18
  clusterID: 11111111-2222-4333-8444-555555555555
status:
  availableUpdates:
  - channels: [stable-4.18]
    image: quay.io/openshift-release-dev/ocp-release@sha256:1234
    version: 4.18.9
  conditionalUpdates:
  - conditions:
    - lastTransitionTime: "2026-02-28T00:00:00Z"
      message: Some risk applies.
      reason: SomeRisk
      status: "False"
      type: Recommended
    release:
      image: quay.io/openshift-release-dev/ocp-release@sha256:5678
      version: 4.18.10
    risks:
    - matchingRules:
      - type: Always
      message: Some risk applies.
      name: SomeRisk
      url: https://issues.example/OCPBUGS-2
  conditions:
  - lastTransitionTime: "2026-02-01T00:00:00Z"
    message: Done applying 4.18.7
    status: "True"
    type: Available
  - lastTransitionTime: "2026-02-01T00:00:00Z"
    status: "True"
    type: Upgradeable
  desired:
    channels: [candidate-4.18, eus-4.18, fast-4.18, stable-4.18]
    image: quay.io/openshift-release-dev/ocp-release@sha256:9abc
    version: 4.18.7
  history:
  - completionTime: "2026-02-01T00:00:00Z"
    image: quay.io/openshift-release-dev/ocp-release@sha256:9abc
    startedTime: "2026-01-31T23:00:00Z"
    state: Completed
    verified: true
    version: 4.18.7
  observedGeneration: 2
  versionHash: abc=
{{end}}
{{define "pool"}}---
apiVersion: machineconfiguration.openshift.io/v1
kind: MachineConfigPool
metadata:
  name: {{.Name}}
  resourceVersion: "600"
  uid: 91000000-0000-4000-8000-00000000000{{.I}}
spec:
  maxUnavailable: {{.MaxUnavailable}}
  nodeSelector:
    matchLabels:
      node-role.kubernetes.io/{{.Name}}: ""
  paused: false
status:
  conditions:
  - lastTransitionTime: "2026-02-01T00:00:00Z"
    message: All nodes are updated
    reason: ""
    status: "True"
    type: Updated
  degradedMachineCount: 0
  machineCount: {{.Machines}}
  readyMachineCount: {{.Machines}}
  unavailableMachineCount: 0
  updatedMachineCount: {{.Machines}}
{{end}}
`))

// genWriter writes a generated must-gather.
type genWriter struct {
	t    testing.TB
	root string
}

func (w genWriter) write(rel, tmpl string, data any) {
	var b strings.Builder
	if err := genTemplates.ExecuteTemplate(&b, tmpl, data); err != nil {
		w.t.Fatal(err)
	}
	w.raw(rel, b.String())
}

func (w genWriter) raw(rel, content string) {
	p := filepath.Join(w.root, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		w.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		w.t.Fatal(err)
	}
}

func (w genWriter) render(tmpl string, data any) string {
	var b strings.Builder
	if err := genTemplates.ExecuteTemplate(&b, tmpl, data); err != nil {
		w.t.Fatal(err)
	}
	return b.String()
}

type genVMI struct {
	I                              int
	NS, Name, Node, Target         string
	Memory, Strategy, Launcher     string
	RV                             int
	Migratable, Outdated, Template bool
}

// genVMIs describes the generated VMIs: every 10th is not migratable,
// every 7th has eviction strategy None, every 25th runs an outdated
// launcher.
func genVMIs(g genOpts) []genVMI {
	out := make([]genVMI, g.VMIs)
	for i := range out {
		v := genVMI{I: i, NS: fmt.Sprintf("tenant-%d", i%g.Namespaces), Name: fmt.Sprintf("vm-%05d", i),
			Node: fmt.Sprintf("worker-%d", i%g.Workers), Target: fmt.Sprintf("worker-%d", (i+1)%g.Workers),
			Memory: []string{"4Gi", "8Gi", "16Gi"}[i%3], Launcher: genLauncher, RV: 10000 + i,
			Migratable: i%10 != 9, Template: i%2 == 0}
		if i%7 == 6 {
			v.Strategy = "None"
		}
		if i%25 == 24 {
			v.Outdated, v.Launcher = true, genOldLauncher
		}
		out[i] = v
	}
	return out
}

// writeCNVMustGather writes a must-gather under root and returns the path
// to give ReadMustGather (root itself).
func writeCNVMustGather(t testing.TB, root string, g genOpts) {
	if g.Workers == 0 {
		g.Workers = 3
	}
	if g.Namespaces == 0 {
		g.Namespaces = 2
	}
	mg := genWriter{t, filepath.Join(root, "must-gather.local.4817263500")}
	mg.raw("timestamp", "2026-03-01 09:00:00.123456789 +0000 UTC m=+0.012345678\n2026-03-01 09:14:02.5 +0000 UTC m=+842.3\n")
	kv := genWriter{t, filepath.Join(mg.root, genKubevirtImage)}
	kv.raw("version", "kubevirt/must-gather\nv4.18.3\n")
	kv.raw("timestamp", "2026-03-01 09:00:05.5 +0000 UTC m=+0.1\n")
	for i := range g.Workers {
		name := fmt.Sprintf("worker-%d", i)
		kv.write("cluster-scoped-resources/core/nodes/"+name+".yaml", "node", map[string]any{"Name": name, "I": i, "RV": 100 + i,
			"Zone": []string{"zone-a", "zone-b"}[i%2], "Month": 1 + i%9})
		kv.raw("nodes/"+name+"/dmesg", "[    0.000000] Linux version 5.14.0 kind: Node of text, not YAML: {[\n")
		kv.raw("nodes/"+name+"/bridge", "2: br-ex: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500\n")
	}
	kv.write("namespaces/openshift-cnv/crs/hyperconvergeds.hco.kubevirt.io/kubevirt-hyperconverged.yaml", "hco", map[string]any{"CNV": genCNV})
	outdated := 0
	vmis := genVMIs(g)
	for _, v := range vmis {
		if v.Outdated {
			outdated++
		}
	}
	kv.write("namespaces/openshift-cnv/crs/kubevirts.kubevirt.io/kubevirt-kubevirt-hyperconverged.yaml", "kubevirt", map[string]any{"Outdated": outdated})
	// gather_hco: documents appended to one file, each followed by a line
	// of dashes, in files without an extension.
	kv.raw("namespaces/openshift-cnv/subscriptions",
		kv.render("subscription", map[string]any{"Name": "hco-operatorhub", "Package": "kubevirt-hyperconverged", "CNV": genCNV, "I": 1})+"---------------\n")
	kv.raw("namespaces/openshift-cnv/installplans",
		kv.render("installplan", map[string]any{"CNV": "4.18.2", "I": 1})+"---------------\n"+
			kv.render("installplan", map[string]any{"CNV": genCNV, "I": 2})+"---------------\n")
	kv.raw("namespaces/openshift-cnv/packagemanifests", "apiVersion: v1\nitems: []\nkind: List\nmetadata:\n  resourceVersion: \"\"\n")
	var vmList strings.Builder
	vmList.WriteString("apiVersion: v1\nitems:\n")
	for _, v := range vmis {
		kv.write(fmt.Sprintf("namespaces/%s/crs/virtualmachineinstances.kubevirt.io/%s.yaml", v.NS, v.Name), "vmi", v)
		kind := "custom"
		if v.Template {
			kind = "template-based"
		}
		kv.write(fmt.Sprintf("namespaces/%s/kubevirt.io/virtualmachines/%s/%s.yaml", v.NS, kind, v.Name), "vm", v)
		if v.I%5 == 0 {
			kv.write(fmt.Sprintf("namespaces/%s/crs/virtualmachineinstancemigrations.kubevirt.io/kubevirt-workload-update-%d.yaml", v.NS, v.I), "migration", v)
		}
		if v.I < 3 { // gather_vms_details: a List next to the virtualmachines/ folder
			vmList.WriteString(indentItem(kv.render("vm", v)))
		}
		if v.I < 2 {
			kv.raw(fmt.Sprintf("namespaces/%s/vms/%s/virt-launcher-%s-abcde.list.txt", v.NS, v.Name, v.Name), " Id   Name   State\n 1    vm     running\n")
		}
	}
	vmList.WriteString("kind: List\nmetadata:\n  resourceVersion: \"\"\n")
	if len(vmis) > 0 {
		kv.raw(fmt.Sprintf("namespaces/%s/kubevirt.io/virtualmachines.yaml", vmis[0].NS), vmList.String())
	}
	kv.raw("namespaces/openshift-cnv/logs/virt-controller.log.gz", "\x1f\x8b not really")
	kv.raw("virtualization/running_vms_count.txt", fmt.Sprintf("%d\n", len(vmis)))

	if !g.DefaultImage {
		return
	}
	d := genWriter{t, filepath.Join(mg.root, genDefaultImage)}
	d.raw("version", "openshift/must-gather\n4.18.7\n")
	d.raw("timestamp", "2026-03-01 09:00:02 +0000 UTC m=+0.1\n")
	d.write("cluster-scoped-resources/config.openshift.io/clusterversions/version.yaml", "clusterversion", nil)
	d.write("cluster-scoped-resources/machineconfiguration.openshift.io/machineconfigpools/master.yaml", "pool",
		map[string]any{"Name": "master", "I": 1, "Machines": 0, "MaxUnavailable": 1})
	d.write("cluster-scoped-resources/machineconfiguration.openshift.io/machineconfigpools/worker.yaml", "pool",
		map[string]any{"Name": "worker", "I": 2, "Machines": g.Workers, "MaxUnavailable": `"50%"`})
	for i := range g.Workers {
		name := fmt.Sprintf("worker-%d", i)
		d.write("cluster-scoped-resources/core/nodes/"+name+".yaml", "node", map[string]any{"Name": name, "I": i, "RV": 100 + i,
			"Zone": []string{"zone-a", "zone-b"}[i%2], "Month": 1 + i%9})
	}
	d.write("namespaces/openshift-cnv/operators.coreos.com/clusterserviceversions/kubevirt-hyperconverged-operator.v"+genCNV+".yaml", "csv",
		map[string]any{"CNV": genCNV, "NS": "openshift-cnv"})
	d.write("namespaces/tenant-0/operators.coreos.com/clusterserviceversions/kubevirt-hyperconverged-operator.v"+genCNV+".yaml", "csv",
		map[string]any{"CNV": genCNV, "NS": "tenant-0", "Copied": true})
	d.raw("namespaces/openshift-cnv/core/pods.yaml", "---\napiVersion: v1\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: virt-handler-x\n    namespace: openshift-cnv\n    ownerReferences:\n    - kind: Node\n      name: worker-0\nkind: PodList\nmetadata:\n  resourceVersion: \"1\"\n")
	if len(vmis) > 0 {
		// The same VMI as found by the default image, older: a List in
		// oc adm inspect's layout.
		old := vmis[0]
		old.RV, old.Node = 5, "worker-9"
		d.raw("namespaces/"+old.NS+"/kubevirt.io/virtualmachineinstances.yaml",
			"---\napiVersion: kubevirt.io/v1\nitems:\n"+indentItem(d.render("vmi", old))+"kind: VirtualMachineInstanceList\nmetadata:\n  resourceVersion: \"1\"\n")
	}
}

// indentItem makes a document an item of a List's items.
func indentItem(doc string) string {
	var b strings.Builder
	for i, line := range strings.Split(strings.TrimRight(doc, "\n"), "\n") {
		if i == 0 {
			b.WriteString("- " + line + "\n")
		} else {
			b.WriteString("  " + line + "\n")
		}
	}
	return b.String()
}
