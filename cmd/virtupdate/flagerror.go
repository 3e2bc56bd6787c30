package main

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/spf13/cobra"
)

// pflagInvalid is pflag's message for a value its type does not parse:
// `invalid argument "abc" for "-s, --seed" flag: strconv.ParseInt: …`.
var pflagInvalid = regexp.MustCompile(`^invalid argument "(.*)" for "(?:-[^,]+, )?(--[^"]+)" flag: (.*)$`)

// flagErrorFunc tells a flag value that does not parse in the user's words
// (`--seed "abc": not a whole number`) instead of the parser's; every
// flag error is bad usage (exit 2).
func flagErrorFunc(cmd *cobra.Command, err error) error {
	m := pflagInvalid.FindStringSubmatch(err.Error())
	if m == nil {
		return usageError(err)
	}
	value, name, cause := m[1], m[2], m[3]
	typ := ""
	if f := cmd.Flags().Lookup(strings.TrimPrefix(name, "--")); f != nil {
		typ = f.Value.Type()
	}
	what := ""
	switch {
	case strings.Contains(cause, "out of range"):
		what = "out of range"
	case strings.HasPrefix(typ, "uint"):
		what = "not a whole number of 0 or more"
	case strings.HasPrefix(typ, "int"):
		what = "not a whole number"
	case strings.HasPrefix(typ, "float"):
		what = "not a number"
	case typ == "duration":
		what = "not a duration such as 30s, 5m or 1h30m"
	case typ == "bool":
		what = "not true or false (give --" + strings.TrimPrefix(name, "--") + " alone for true, or --" + strings.TrimPrefix(name, "--") + "=false)"
	default:
		what = cause
	}
	return usageError(fmt.Errorf("%s %q: %s", name, value, what))
}
