package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"k8s.io/client-go/tools/clientcmd"
)

// emptyKubeconfigError says why a kubeconfig that was found gives no
// cluster: the files it read and what each lacks (clusters, contexts, a
// current context). It returns nil when no kubeconfig file exists at all.
func emptyKubeconfigError(rules *clientcmd.ClientConfigLoadingRules, context string) error {
	files := rules.GetLoadingPrecedence()
	if rules.ExplicitPath != "" {
		files = []string{rules.ExplicitPath}
	}
	var found []string
	for _, f := range files {
		if _, err := os.Stat(f); err != nil {
			continue
		}
		cfg, err := clientcmd.LoadFromFile(f)
		if err != nil {
			continue
		}
		var lacks []string
		if len(cfg.Clusters) == 0 {
			lacks = append(lacks, "no clusters")
		}
		if len(cfg.Contexts) == 0 {
			lacks = append(lacks, "no contexts")
		}
		switch {
		case context != "":
			if _, ok := cfg.Contexts[context]; !ok {
				lacks = append(lacks, fmt.Sprintf("no context %q (--context)", context))
			}
		case cfg.CurrentContext == "":
			lacks = append(lacks, "no current-context")
		case cfg.Contexts[cfg.CurrentContext] == nil:
			lacks = append(lacks, fmt.Sprintf("no context %q (its current-context)", cfg.CurrentContext))
		}
		if len(lacks) == 0 {
			lacks = append(lacks, "no usable cluster")
		}
		found = append(found, f+" has "+strings.Join(lacks, ", "))
	}
	if len(found) == 0 {
		return nil
	}
	return errors.New("kubeconfig " + strings.Join(found, "; ") +
		": give --kubeconfig FILE of a cluster (with --context NAME when it has several), or log in first (oc login writes the cluster and its current context)")
}
