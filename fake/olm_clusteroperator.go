package fake

import (
	"cmp"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	configv1 "github.com/openshift/api/config/v1"

	"github.com/virtupdate/virtupdate/channel"
	"github.com/virtupdate/virtupdate/conditions"
	"github.com/virtupdate/virtupdate/update"
)

// MaxOpenShiftVersionProperty is the CSV property (in its olm.properties
// annotation) by which an operator declares the newest OpenShift minor it
// runs on. OLM's ClusterOperator is Upgradeable=False while an installed
// CSV's value is below the next minor.
const MaxOpenShiftVersionProperty = "olm.maxOpenShiftVersion"

// Reasons of OLM's ClusterOperator Upgradeable=False.
const (
	ReasonIncompatibleOperatorsInstalled     = "IncompatibleOperatorsInstalled"
	ReasonErrorCheckingOperatorCompatibility = "ErrorCheckingOperatorCompatibility"
)

// SetCSVMaxOpenShiftVersion sets the olm.maxOpenShiftVersion property of a
// CSV ("4.16"); "" removes it. The value is stored as given: OLM reads a
// value that is not MAJOR.MINOR as an invalid property, which blocks minor
// updates too. Without a call, the fake's OpenShift Virtualization CSVs
// declare the minor after their own (CNV 4.14 runs up to OCP 4.15: OCP goes
// first, and CNV must follow before OCP goes further), and other CSVs
// declare nothing.
func (c *Cluster) SetCSVMaxOpenShiftVersion(namespace, csv, version string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	k := key{namespace, csv}
	if _, ok := c.csvs[k]; !ok {
		return update.NotFound("set "+MaxOpenShiftVersionProperty+" of", KindCSV, namespace, csv)
	}
	if c.cnv.maxOpenShift == nil {
		c.cnv.maxOpenShift = map[key]string{}
	}
	c.cnv.maxOpenShift[k] = version
	c.record(KindCSV, namespace, csv, "PropertiesChanged", MaxOpenShiftVersionProperty+" = "+strconv.Quote(version))
	return nil
}

// csvMaxOpenShiftVersion is the CSV's olm.maxOpenShiftVersion value and
// whether it declares one.
func (c *Cluster) csvMaxOpenShiftVersion(k key, csv *conditions.CSV) (string, bool) {
	if v, ok := c.cnv.maxOpenShift[k]; ok {
		return v, v != ""
	}
	if strings.HasPrefix(csv.Name, update.HyperConvergedPackage+"-operator.v") {
		if v, err := c.parseVersion(csv.Version); err == nil {
			return v.MinorVersion().Next().String(), true
		}
	}
	return "", false
}

// parsedVersion is a version string as channel.ParseVersion read it.
type parsedVersion struct {
	v   channel.Version
	err error
}

// parsedMinor is an olm.maxOpenShiftVersion as parseMaxOpenShiftVersion
// read it.
type parsedMinor struct {
	m   channel.Minor
	err error
}

// parseVersion is channel.ParseVersion, remembered: OLM's ClusterOperator
// reads the same few versions at every reconcile.
func (c *Cluster) parseVersion(s string) (channel.Version, error) {
	if p, ok := c.cnv.versions[s]; ok {
		return p.v, p.err
	}
	v, err := channel.ParseVersion(s)
	if c.cnv.versions == nil || len(c.cnv.versions) > 1024 {
		c.cnv.versions = map[string]parsedVersion{}
	}
	c.cnv.versions[s] = parsedVersion{v, err}
	return v, err
}

// parseMaxOpenShiftVersion is the package's parseMaxOpenShiftVersion,
// remembered.
func (c *Cluster) parseMaxOpenShiftVersion(value string) (channel.Minor, error) {
	if p, ok := c.cnv.minors[value]; ok {
		return p.m, p.err
	}
	m, err := parseMaxOpenShiftVersion(value)
	if c.cnv.minors == nil || len(c.cnv.minors) > 1024 {
		c.cnv.minors = map[string]parsedMinor{}
	}
	c.cnv.minors[value] = parsedMinor{m, err}
	return m, err
}

// parseMaxOpenShiftVersion reads a property value as OLM does: quotes
// trimmed, a tolerant semantic version ("4.16", "v4.16", "4.16.0") that
// must name a minor only.
func parseMaxOpenShiftVersion(value string) (channel.Minor, error) {
	value = strings.Trim(value, `"`)
	if value == "" {
		return channel.Minor{}, errors.New(`value cannot be "" (an empty string)`)
	}
	s := strings.TrimPrefix(value, "v")
	if minor, patch, ok := cutLast(s, "."); ok && strings.Count(s, ".") == 2 {
		if patch != "0" {
			if _, err := channel.ParseVersion(s); err == nil {
				return channel.Minor{}, fmt.Errorf("property %s must specify only <major>.<minor> version, got invalid value %s", MaxOpenShiftVersionProperty, s)
			}
		}
		s = minor
	}
	m, err := channel.ParseMinor(s)
	if err != nil {
		return channel.Minor{}, fmt.Errorf(`failed to parse "%s" as semver: %v`, value, err)
	}
	return m, nil
}

func cutLast(s, sep string) (before, after string, ok bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}

// normalizeOCP maps 4.23 to 5.0, which OLM treats as the same release.
func normalizeOCP(m channel.Minor) channel.Minor {
	if m.Major == 4 && m.Minor == channel.LastMinorOf4+1 {
		return channel.Minor{Major: 5}
	}
	return m
}

type skew struct {
	namespace, name, max string
	err                  error
}

// syncOLMClusterOperator plays OLM's ClusterOperator controller: it is
// Upgradeable=False (IncompatibleOperatorsInstalled) while an installed
// CSV declares an olm.maxOpenShiftVersion below the minor after the release
// OLM runs (the release the CVO applies), or declares an invalid one.
func (c *Cluster) syncOLMClusterOperator(now time.Time) {
	if c.cv == nil || len(c.cv.History) == 0 {
		return
	}
	cond := configv1.ClusterOperatorStatusCondition{Type: configv1.OperatorUpgradeable, Status: configv1.ConditionTrue}
	release, err := c.parseVersion(c.cv.History[0].Version)
	if err != nil {
		cond.Status, cond.Reason = configv1.ConditionFalse, ReasonErrorCheckingOperatorCompatibility
		cond.Message = "Encountered errors while checking compatibility with the next minor version of OpenShift: cluster version has invalid desired release version: " + err.Error()
	} else {
		cur := normalizeOCP(release.MinorVersion())
		next := channel.Minor{Major: cur.Major, Minor: cur.Minor + 1}
		var skews []skew
		for _, k := range sortedKeys(c.csvs) {
			value, ok := c.csvMaxOpenShiftVersion(k, c.csvs[k])
			if !ok {
				continue
			}
			m, err := c.parseMaxOpenShiftVersion(value)
			if err != nil {
				skews = append(skews, skew{namespace: k.namespace, name: k.name, err: err})
				continue
			}
			if normalizeOCP(m).Compare(next) >= 0 {
				continue
			}
			skews = append(skews, skew{namespace: k.namespace, name: k.name, max: m.String()})
		}
		if len(skews) > 0 {
			cond.Status, cond.Reason, cond.Message = configv1.ConditionFalse, ReasonIncompatibleOperatorsInstalled, skewsMessage(skews, release.MinorVersion())
		}
	}
	old := ""
	if co := c.cvo.operators[ClusterOperatorOLM]; co != nil {
		if up := operatorCondition(co, configv1.OperatorUpgradeable); up != nil {
			old = string(up.Status) + up.Message
		}
	}
	if old == string(cond.Status)+cond.Message {
		return
	}
	c.setOperatorCondition(ClusterOperatorOLM, cond, now)
	if old != "" || cond.Status != configv1.ConditionTrue {
		c.record(KindClusterOperator, "", ClusterOperatorOLM, "Upgradeable"+string(cond.Status), cmp.Or(cond.Message, "no installed operator blocks the next minor"))
	}
}

// skewsMessage renders the incompatible CSVs as OLM does: invalid
// properties first, then the others.
func skewsMessage(skews []skew, release channel.Minor) string {
	lines := make([]string, len(skews))
	i, j := 0, len(skews)-1
	for _, s := range skews {
		if s.err != nil {
			lines[i] = fmt.Sprintf("- %s/%s has invalid %s properties: %s", s.namespace, s.name, MaxOpenShiftVersionProperty, s.err)
			i++
			continue
		}
		lines[j] = fmt.Sprintf("- maximum supported OCP version for %s/%s is %s", s.namespace, s.name, s.max)
		j--
	}
	if release.Major == 4 && release.Minor == channel.LastMinorOf4 {
		return "ClusterServiceVersions blocking minor version upgrades to 4.23 or major version upgrades to 5.0:\n" + strings.Join(lines, "\n")
	}
	// The first skew's maximum, plus one minor; an invalid one reads as 0.0.
	var first channel.Minor
	if m, err := parseMaxOpenShiftVersion(skews[0].max); skews[0].err == nil && err == nil {
		first = m
	}
	return fmt.Sprintf("ClusterServiceVersions blocking minor version upgrades to %d.%d.0 or higher:\n%s", first.Major, first.Minor+1, strings.Join(lines, "\n"))
}
