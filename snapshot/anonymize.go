package snapshot

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"maps"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	kubevirtv1 "kubevirt.io/api/core/v1"

	"github.com/virtupdate/virtupdate/scenario"
)

// Anonymize returns a copy of o that can be shared: every name that could
// tell whose cluster it is, is replaced, consistently across every
// reference, so the copy behaves as the original in a forecast.
//
// Replaced (each by a prefix and a keyed hash of the name, the same for
// the same seed): namespaces other than the system ones (default, kube-*,
// openshift, openshift-*); node names, and every reference to a node (a
// VMI's status.nodeName and evacuationNodeName, its active pods, migration
// states' source and target nodes, NodeMaintenances' nodeName, the
// kubernetes.io/hostname and kubevirt.io/nodeName labels, node selectors
// and affinities on metadata.name); VM and VMI names (a VMI shares its
// VM's) and every reference to them (a migration's spec.vmiName, owner
// references, the vm.kubevirt.io/name, kubevirt.io/vm and kubevirt.io/domain
// labels); migration, PodDisruptionBudget and NodeMaintenance names;
// custom pool names and custom node roles (master, worker, infra and
// control-plane stay); zones and regions; UIDs (and owner references'
// UIDs); custom catalog source names; the label keys of unknown domains and
// the values of labels outside the system domains, in labels, selectors,
// affinities, tolerations and taints alike, so selectors still match;
// private image registries and repository paths (public registries such
// as registry.redhat.io and quay.io stay); and, in condition messages and
// other free text, every word that is one of the names replaced. The
// source's name is removed; the machine-config annotations naming rendered
// configurations are dropped.
//
// Kept: sizes (memory, CPU, allocatable), counts, versions, channels,
// phases, conditions' types, statuses and reasons, strategies (eviction,
// run, workload update, live migration), images' names, tags and digests
// on public registries, creation and transition times, operators' and
// CSVs' names, and the system labels (node roles, CPU models and features,
// architecture, OS).
//
// The seed keys the hash: the same seed maps the same name to the same
// replacement, so two snapshots of one cluster can be compared; anyone
// who knows the seed can test a guess of a name, so share a snapshot
// anonymised with a seed kept private.
func Anonymize(o *scenario.Objects, seed int64) *scenario.Objects {
	data, err := json.Marshal(o)
	if err != nil {
		panic("snapshot: marshal objects: " + err.Error()) // the types always marshal
	}
	out := new(scenario.Objects)
	if err := json.Unmarshal(data, out); err != nil {
		panic("snapshot: copy objects: " + err.Error())
	}
	var key [8]byte
	binary.BigEndian.PutUint64(key[:], uint64(seed))
	a := &anonymizer{key: key[:], collect: true, seen: map[string]map[string]bool{}}
	a.walk(out) // collect every name first, so assignment does not depend on order
	a.assign()
	a.collect = false
	a.walk(out)
	out.Source.Name = ""
	out.Source.Anonymized = true
	out.Sort()
	return out
}

// Name classes: each has its own mapping and prefix.
const (
	clsNamespace = "ns"
	clsNode      = "node"
	clsVM        = "vm"
	clsMigration = "migration"
	clsPDB       = "pdb"
	clsNM        = "nm"
	clsPool      = "pool"
	clsZone      = "zone"
	clsUID       = "uid"
	clsLabelKey  = "label"
	clsValue     = "value"
	clsRegistry  = "registry"
	clsPath      = "path"
	clsCatalog   = "catalog"
	clsPod       = "pod"
	clsOwner     = "owner"
)

type anonymizer struct {
	key     []byte
	collect bool                       // the first walk: record names, change nothing
	seen    map[string]map[string]bool // class → names found
	to      map[string]map[string]string
	text    map[string]string // every replaced name → its replacement, for free text
}

// name maps a name of a class. "" stays "".
func (a *anonymizer) name(class, orig string) string {
	if orig == "" {
		return ""
	}
	if a.collect {
		if a.seen[class] == nil {
			a.seen[class] = map[string]bool{}
		}
		a.seen[class][orig] = true
		return orig
	}
	if r, ok := a.to[class][orig]; ok {
		return r
	}
	return orig // not seen in the first walk: cannot happen
}

// assign gives every name found a replacement, in sorted order, so that a
// collision of short hashes is settled the same way every time.
func (a *anonymizer) assign() {
	a.to = map[string]map[string]string{}
	a.text = map[string]string{}
	a.collect = false
	for _, class := range slices.Sorted(maps.Keys(a.seen)) {
		used := map[string]bool{}
		m := map[string]string{}
		for _, orig := range slices.Sorted(maps.Keys(a.seen[class])) {
			mac := hmac.New(sha256.New, a.key)
			mac.Write([]byte(class + "\x00" + orig))
			sum := hex.EncodeToString(mac.Sum(nil))
			var r string
			for n := 8; ; n += 4 {
				r = prefixOf(class) + sum[:min(n, len(sum))]
				if !used[r] || n >= len(sum) {
					break
				}
			}
			used[r] = true
			m[orig] = r
			switch class {
			case clsNamespace, clsNode, clsVM, clsMigration, clsPDB, clsNM, clsPool, clsZone, clsPod, clsCatalog:
				// A name of one or two letters is too likely a word of its own.
				if len(orig) >= 3 {
					a.text[orig] = r
				}
			}
		}
		a.to[class] = m
	}
}

func prefixOf(class string) string {
	switch class {
	case clsUID:
		return "uid-"
	case clsLabelKey:
		return "label-"
	case clsRegistry:
		return "registry-"
	case clsPath:
		return "repo-"
	}
	return class + "-"
}

// words replaces, in free text, every word that is a name replaced. A
// word is a run of letters, digits, '.', '-' and '_'; a trailing '.' (the
// end of a sentence) is not part of it.
func (a *anonymizer) words(s string) string {
	if a.collect || s == "" {
		return s
	}
	var b strings.Builder
	i := 0
	for i < len(s) {
		if !isNameByte(s[i]) {
			b.WriteByte(s[i])
			i++
			continue
		}
		j := i
		for j < len(s) && isNameByte(s[j]) {
			j++
		}
		w := s[i:j]
		trail := ""
		for strings.HasSuffix(w, ".") {
			w, trail = w[:len(w)-1], trail+"."
		}
		if r, ok := a.text[w]; ok {
			w = r
		}
		b.WriteString(w + trail)
		i = j
	}
	return b.String()
}

// exact maps a value that is a name replaced, whole, and keeps any other.
func (a *anonymizer) exact(s string) string {
	if a.collect {
		return s
	}
	if r, ok := a.text[s]; ok {
		return r
	}
	return s
}

func isNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_'
}

func systemNamespace(ns string) bool {
	return ns == "default" || ns == "openshift" || strings.HasPrefix(ns, "openshift-") || strings.HasPrefix(ns, "kube-")
}

func (a *anonymizer) namespace(ns string) string {
	if systemNamespace(ns) {
		return ns
	}
	return a.name(clsNamespace, ns)
}

func (a *anonymizer) uid(u types.UID) types.UID { return types.UID(a.name(clsUID, string(u))) }

// Node roles and pools everyone has.
var standardRoles = map[string]bool{"master": true, "worker": true, "infra": true, "control-plane": true, "arbiter": true}

func (a *anonymizer) pool(name string) string {
	if standardRoles[name] {
		return name
	}
	return a.name(clsPool, name)
}

// The domains of labels whose values are kept, and the keys of those
// domains whose values name something.
var systemDomains = []string{"kubernetes.io", "k8s.io", "kubevirt.io", "openshift.io", "coreos.com"}

func systemKey(k string) bool {
	domain, _, ok := strings.Cut(k, "/")
	if !ok {
		return false
	}
	for _, d := range systemDomains {
		if domain == d || strings.HasSuffix(domain, "."+d) {
			return true
		}
	}
	return strings.HasPrefix(domain, "olm.") || domain == "olm"
}

// label maps one label (or selector requirement) key and value.
func (a *anonymizer) label(k, v string) (string, string) {
	switch k {
	case scenario.LabelHostname, kubevirtv1.NodeNameLabel, kubevirtv1.MigrationTargetNodeNameLabel:
		return k, a.name(clsNode, v)
	case scenario.LabelZone, "topology.kubernetes.io/region", "failure-domain.beta.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/region":
		return k, a.name(clsZone, v)
	case kubevirtv1.DeprecatedVirtualMachineNameLabel, "kubevirt.io/vm", "kubevirt.io/vmi-name", kubevirtv1.DomainAnnotation, kubevirtv1.VirtualMachineInstanceIDLabel:
		return k, a.name(clsVM, v)
	case kubevirtv1.CreatedByLabel, kubevirtv1.MigrationJobLabel:
		return k, string(a.uid(types.UID(v)))
	}
	if role, ok := strings.CutPrefix(k, scenario.LabelRolePrefix); ok {
		return scenario.LabelRolePrefix + a.pool(role), v
	}
	if systemKey(k) && !strings.HasPrefix(k, "app.kubernetes.io/") {
		return k, a.exact(v) // a system label's value is kept, unless it is a name replaced
	}
	if strings.Contains(k, "/") && !strings.HasPrefix(k, "app.kubernetes.io/") {
		k = a.name(clsLabelKey, k)
	}
	return k, a.name(clsValue, v)
}

func (a *anonymizer) labels(m map[string]string) map[string]string {
	if len(m) == 0 {
		return m
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		k2, v2 := a.label(k, v)
		out[k2] = v2
	}
	return out
}

func (a *anonymizer) values(k string, vs []string) (string, []string) {
	out := make([]string, len(vs))
	k2 := k
	for i, v := range vs {
		k2, out[i] = a.label(k, v)
	}
	if len(vs) == 0 {
		k2, _ = a.label(k, "")
	}
	return k2, out
}

func (a *anonymizer) selector(s *metav1.LabelSelector) {
	if s == nil {
		return
	}
	s.MatchLabels = a.labels(s.MatchLabels)
	for i := range s.MatchExpressions {
		e := &s.MatchExpressions[i]
		e.Key, e.Values = a.values(e.Key, e.Values)
	}
}

func (a *anonymizer) nodeSelector(s *corev1.NodeSelector) {
	if s == nil {
		return
	}
	for i := range s.NodeSelectorTerms {
		a.nodeSelectorTerm(&s.NodeSelectorTerms[i])
	}
}

func (a *anonymizer) nodeSelectorTerm(t *corev1.NodeSelectorTerm) {
	for i := range t.MatchExpressions {
		e := &t.MatchExpressions[i]
		e.Key, e.Values = a.values(e.Key, e.Values)
	}
	for i := range t.MatchFields {
		e := &t.MatchFields[i]
		if e.Key == "metadata.name" {
			for j := range e.Values {
				e.Values[j] = a.name(clsNode, e.Values[j])
			}
		}
	}
}

func (a *anonymizer) podAffinityTerm(t *corev1.PodAffinityTerm) {
	a.selector(t.LabelSelector)
	a.selector(t.NamespaceSelector)
	for i := range t.Namespaces {
		t.Namespaces[i] = a.namespace(t.Namespaces[i])
	}
	t.TopologyKey, _ = a.label(t.TopologyKey, "")
}

func (a *anonymizer) affinity(af *corev1.Affinity) {
	if af == nil {
		return
	}
	if na := af.NodeAffinity; na != nil {
		a.nodeSelector(na.RequiredDuringSchedulingIgnoredDuringExecution)
		for i := range na.PreferredDuringSchedulingIgnoredDuringExecution {
			a.nodeSelectorTerm(&na.PreferredDuringSchedulingIgnoredDuringExecution[i].Preference)
		}
	}
	for _, pa := range []*corev1.PodAffinity{af.PodAffinity} {
		if pa == nil {
			continue
		}
		for i := range pa.RequiredDuringSchedulingIgnoredDuringExecution {
			a.podAffinityTerm(&pa.RequiredDuringSchedulingIgnoredDuringExecution[i])
		}
		for i := range pa.PreferredDuringSchedulingIgnoredDuringExecution {
			a.podAffinityTerm(&pa.PreferredDuringSchedulingIgnoredDuringExecution[i].PodAffinityTerm)
		}
	}
	if pa := af.PodAntiAffinity; pa != nil {
		for i := range pa.RequiredDuringSchedulingIgnoredDuringExecution {
			a.podAffinityTerm(&pa.RequiredDuringSchedulingIgnoredDuringExecution[i])
		}
		for i := range pa.PreferredDuringSchedulingIgnoredDuringExecution {
			a.podAffinityTerm(&pa.PreferredDuringSchedulingIgnoredDuringExecution[i].PodAffinityTerm)
		}
	}
}

func (a *anonymizer) tolerations(ts []corev1.Toleration) {
	for i := range ts {
		ts[i].Key, ts[i].Value = a.label(ts[i].Key, ts[i].Value)
	}
}

func (a *anonymizer) spread(cs []corev1.TopologySpreadConstraint) {
	for i := range cs {
		a.selector(cs[i].LabelSelector)
		cs[i].TopologyKey, _ = a.label(cs[i].TopologyKey, "")
	}
}

// publicRegistries keep their image paths.
var publicRegistries = map[string]bool{"registry.redhat.io": true, "registry.access.redhat.com": true, "quay.io": true,
	"docker.io": true, "registry.k8s.io": true, "gcr.io": true, "ghcr.io": true, "registry.ci.openshift.org": true}

// image maps an image reference (or a registry path): a private
// registry's host and repository path are replaced, the image's own name,
// tag and digest kept.
func (a *anonymizer) image(ref string) string {
	if ref == "" {
		return ""
	}
	host, rest, ok := strings.Cut(ref, "/")
	if !ok || !(strings.ContainsAny(host, ".:") || host == "localhost") || publicRegistries[host] {
		return ref
	}
	// rest: org/path/name[:tag|@digest]
	dir, last := "", rest
	if i := strings.LastIndex(rest, "/"); i >= 0 {
		dir, last = rest[:i], rest[i+1:]
	}
	if a.collect {
		a.name(clsRegistry, host)
		a.name(clsPath, dir)
		return ref
	}
	host = a.name(clsRegistry, host) + ".invalid"
	if dir != "" {
		return host + "/" + a.name(clsPath, dir) + "/" + last
	}
	return host + "/" + last
}

func (a *anonymizer) owners(refs []metav1.OwnerReference) {
	for i := range refs {
		r := &refs[i]
		r.UID = a.uid(r.UID)
		switch r.Kind {
		case "VirtualMachine", "VirtualMachineInstance":
			r.Name = a.name(clsVM, r.Name)
		case "Node":
			r.Name = a.name(clsNode, r.Name)
		case "VirtualMachineInstanceMigration":
			r.Name = a.name(clsMigration, r.Name)
		default:
			r.Name = a.name(clsOwner, r.Name)
		}
	}
}

// meta maps an object's metadata; nameClass is how its own name is
// mapped ("" keeps it).
func (a *anonymizer) meta(m *metav1.ObjectMeta, nameClass string) {
	if nameClass != "" {
		if nameClass == clsPDB && systemNamespace(m.Namespace) {
			// a system component's budget keeps its name
		} else {
			m.Name = a.name(nameClass, m.Name)
		}
	}
	m.Namespace = a.namespace(m.Namespace)
	m.UID = a.uid(m.UID)
	m.GenerateName = ""
	m.Labels = a.labels(m.Labels)
	a.owners(m.OwnerReferences)
	for k, v := range m.Annotations {
		m.Annotations[k] = a.words(v)
	}
	delete(m.Annotations, "machineconfiguration.openshift.io/currentConfig")
	delete(m.Annotations, "machineconfiguration.openshift.io/desiredConfig")
	delete(m.Annotations, "machineconfiguration.openshift.io/reason")
}

func (a *anonymizer) conditions(cs []metav1.Condition) {
	for i := range cs {
		cs[i].Message = a.words(cs[i].Message)
	}
}

func (a *anonymizer) vmiSpec(s *kubevirtv1.VirtualMachineInstanceSpec) {
	s.NodeSelector = a.labels(s.NodeSelector)
	a.affinity(s.Affinity)
	a.tolerations(s.Tolerations)
	a.spread(s.TopologySpreadConstraints)
}

func (a *anonymizer) migrationState(ms *kubevirtv1.VirtualMachineInstanceMigrationState) {
	if ms == nil {
		return
	}
	ms.SourceNode = a.name(clsNode, ms.SourceNode)
	ms.TargetNode = a.name(clsNode, ms.TargetNode)
	ms.SourcePod = a.name(clsPod, ms.SourcePod)
	ms.TargetPod = a.name(clsPod, ms.TargetPod)
	ms.MigrationUID = a.uid(ms.MigrationUID)
	ms.TargetAttachmentPodUID = a.uid(ms.TargetAttachmentPodUID)
	ms.FailureReason = a.words(ms.FailureReason)
}

// walk maps every object of o; run twice (collect, then rewrite).
func (a *anonymizer) walk(o *scenario.Objects) {
	if cv := o.ClusterVersion; cv != nil {
		a.conditions(cv.Conditions)
	}
	for i := range o.ClusterOperators {
		a.conditions(o.ClusterOperators[i].Conditions)
	}
	for i := range o.Pools {
		p := &o.Pools[i]
		p.Name = a.pool(p.Name)
		a.selector(p.NodeSelector)
		a.conditions(p.Conditions)
	}
	for i := range o.Nodes {
		n := &o.Nodes[i]
		a.meta(&n.ObjectMeta, clsNode)
		for j := range n.Spec.Taints {
			t := &n.Spec.Taints[j]
			t.Key, t.Value = a.label(t.Key, t.Value)
		}
		for j := range n.Status.Conditions {
			n.Status.Conditions[j].Message = a.words(n.Status.Conditions[j].Message)
		}
	}
	for i := range o.NodeMaintenances {
		nm := &o.NodeMaintenances[i]
		nm.Name = a.name(clsNM, nm.Name)
		nm.NodeName = a.name(clsNode, nm.NodeName)
		nm.Reason = a.words(nm.Reason)
	}
	for i := range o.Subscriptions {
		s := &o.Subscriptions[i]
		s.Namespace = a.namespace(s.Namespace)
		s.SourceNamespace = a.namespace(s.SourceNamespace)
		switch s.Source {
		case "", "redhat-operators", "certified-operators", "community-operators", "redhat-marketplace":
		default:
			s.Source = a.name(clsCatalog, s.Source)
		}
	}
	for i := range o.CSVs {
		c := &o.CSVs[i]
		c.Namespace = a.namespace(c.Namespace)
		c.Message = a.words(c.Message)
	}
	for i := range o.InstallPlans {
		o.InstallPlans[i].Namespace = a.namespace(o.InstallPlans[i].Namespace)
	}
	if hc := o.HyperConverged; hc != nil {
		hc.Namespace = a.namespace(hc.Namespace)
		a.conditions(hc.Status.Conditions)
	}
	if kv := o.KubeVirt; kv != nil {
		a.meta(&kv.ObjectMeta, "")
		kv.Spec.ImageRegistry = a.image(kv.Spec.ImageRegistry)
		kv.Status.TargetKubeVirtRegistry = a.image(kv.Status.TargetKubeVirtRegistry)
		kv.Status.ObservedKubeVirtRegistry = a.image(kv.Status.ObservedKubeVirtRegistry)
		for _, p := range []*kubevirtv1.ComponentConfig{kv.Spec.Infra, kv.Spec.Workloads} {
			if p == nil || p.NodePlacement == nil {
				continue
			}
			p.NodePlacement.NodeSelector = a.labels(p.NodePlacement.NodeSelector)
			a.affinity(p.NodePlacement.Affinity)
			a.tolerations(p.NodePlacement.Tolerations)
		}
		for i := range kv.Status.Conditions {
			kv.Status.Conditions[i].Message = a.words(kv.Status.Conditions[i].Message)
		}
	}
	for i := range o.VirtualMachines {
		vm := &o.VirtualMachines[i]
		a.meta(&vm.ObjectMeta, clsVM)
		if t := vm.Spec.Template; t != nil {
			t.ObjectMeta.Labels = a.labels(t.ObjectMeta.Labels)
			a.vmiSpec(&t.Spec)
		}
		for j := range vm.Status.Conditions {
			vm.Status.Conditions[j].Message = a.words(vm.Status.Conditions[j].Message)
		}
	}
	for i := range o.VMIs {
		v := &o.VMIs[i]
		a.meta(&v.ObjectMeta, clsVM)
		a.vmiSpec(&v.Spec)
		v.Status.NodeName = a.name(clsNode, v.Status.NodeName)
		v.Status.EvacuationNodeName = a.name(clsNode, v.Status.EvacuationNodeName)
		v.Status.LauncherContainerImageVersion = a.image(v.Status.LauncherContainerImageVersion)
		if len(v.Status.ActivePods) > 0 {
			pods := make(map[types.UID]string, len(v.Status.ActivePods))
			for uid, node := range v.Status.ActivePods {
				pods[a.uid(uid)] = a.name(clsNode, node)
			}
			v.Status.ActivePods = pods
		}
		a.migrationState(v.Status.MigrationState)
		for j := range v.Status.Conditions {
			v.Status.Conditions[j].Message = a.words(v.Status.Conditions[j].Message)
		}
	}
	for i := range o.Migrations {
		m := &o.Migrations[i]
		a.meta(&m.ObjectMeta, clsMigration)
		m.Spec.VMIName = a.name(clsVM, m.Spec.VMIName)
		a.migrationState(m.Status.MigrationState)
		for j := range m.Status.Conditions {
			m.Status.Conditions[j].Message = a.words(m.Status.Conditions[j].Message)
		}
	}
	for i := range o.PodDisruptionBudgets {
		p := &o.PodDisruptionBudgets[i]
		a.meta(&p.ObjectMeta, clsPDB)
		a.selector(p.Spec.Selector)
		for j := range p.Status.Conditions {
			p.Status.Conditions[j].Message = a.words(p.Status.Conditions[j].Message)
		}
	}
}
