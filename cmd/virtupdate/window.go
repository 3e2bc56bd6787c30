package main

import (
	"fmt"
	_ "time/tzdata" // time zones of --window load on a machine without zoneinfo

	"github.com/spf13/cobra"

	"github.com/virtupdate/virtupdate/window"
)

// windowFlag registers --window on cmd and returns where its values land.
func windowFlag(cmd *cobra.Command) *[]string {
	w := new([]string)
	cmd.Flags().StringArrayVar(w, "window", nil, `a maintenance window: steps that change the cluster start only inside one (repeatable: any of them). Syntax: [DAYS] START-END [ZONE] or [DAYS] START+DURATION [ZONE], e.g. "Mon-Fri 22:00-05:00 Europe/Berlin", "Sat,Sun 00:00+24h UTC"`)
	return w
}

// gateOf parses the --window values into one gate; nil when none is given
// (always open).
func gateOf(values []string) (window.Gate, error) {
	if len(values) == 0 {
		return nil, nil
	}
	var any window.Any
	for _, v := range values {
		w, err := window.Parse(v)
		if err != nil {
			return nil, usageError(fmt.Errorf("--window: %w", err))
		}
		any = append(any, w)
	}
	if len(any) == 1 {
		return any[0], nil
	}
	return any, nil
}
