package forecast

import (
	"strconv"
	"strings"
)

// The fake's event log says which VMI a migration moves, between which
// nodes, and why an eviction happened, in its messages; these read them.
// Each format is pinned by a test that runs the fake (parse_test.go), so
// a change of wording there fails here rather than silently miscounting.

// parseMigrationCreated reads "migration of VMI NAME".
func parseMigrationCreated(msg string) (vmi string, ok bool) {
	vmi, ok = strings.CutPrefix(msg, "migration of VMI ")
	if !ok || vmi == "" {
		return "", false
	}
	return vmi, true
}

// parseWorkloadMigration reads "created migration NAME: REASON".
func parseWorkloadMigration(msg string) (migration string, ok bool) {
	rest, ok := strings.CutPrefix(msg, "created migration ")
	if !ok {
		return "", false
	}
	migration, _, ok = strings.Cut(rest, ": ")
	return migration, ok && migration != ""
}

// parseMigrationSucceeded reads "VMI NAME moved FROM → TO onto IMAGE".
func parseMigrationSucceeded(msg string) (from, to string, ok bool) {
	_, rest, ok := strings.Cut(msg, " moved ")
	if !ok {
		return "", "", false
	}
	from, rest, ok = strings.Cut(rest, " → ")
	if !ok {
		return "", "", false
	}
	to, _, _ = strings.Cut(rest, " onto ")
	return from, to, from != "" && to != ""
}

// parseRestarted reads "runStrategy X: new VMI on NODE with IMAGE".
func parseRestarted(msg string) (node string, ok bool) {
	_, rest, ok := strings.Cut(msg, "new VMI on ")
	if !ok {
		return "", false
	}
	node, _, _ = strings.Cut(rest, " with ")
	return node, node != ""
}

// parseDrainBlocked reads "cannot evict VMI NAMESPACE/NAME: ERROR".
func parseDrainBlocked(msg string) (k vkey, why string, ok bool) {
	rest, ok := strings.CutPrefix(msg, "cannot evict VMI ")
	if !ok {
		return k, "", false
	}
	obj, why, ok := strings.Cut(rest, ": ")
	if !ok {
		return k, "", false
	}
	ns, name, ok := strings.Cut(obj, "/")
	return vkey{ns, name}, why, ok && name != ""
}

// parseDraining reads "pool POOL: cordoned; draining for CONFIG".
func parseDraining(msg string) (pool string, ok bool) {
	rest, ok := strings.CutPrefix(msg, "pool ")
	if !ok {
		return "", false
	}
	pool, _, ok = strings.Cut(rest, ":")
	return pool, ok && pool != ""
}

// parseMaintenanceDone reads "NodeMaintenance G/N: node NODE is cordoned
// and drained".
func parseMaintenanceDone(msg string) (node string, ok bool) {
	_, rest, ok := strings.Cut(msg, ": node ")
	if !ok {
		return "", false
	}
	node, ok = strings.CutSuffix(rest, " is cordoned and drained")
	return node, ok && node != ""
}

// parseNotUpdated reads the verify step's report "VMI NAMESPACE/NAME does
// not run the new virt-launcher: WHY".
func parseNotUpdated(msg string) (k vkey, why string, ok bool) {
	rest, ok := strings.CutPrefix(msg, "VMI ")
	if !ok {
		return k, "", false
	}
	obj, why, ok := strings.Cut(rest, " does not run the new virt-launcher: ")
	if !ok {
		return k, "", false
	}
	ns, name, ok := strings.Cut(obj, "/")
	return vkey{ns, name}, why, ok && name != ""
}

func itoa(n int) string { return strconv.Itoa(n) }
