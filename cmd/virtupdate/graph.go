package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/virtupdate/virtupdate/channel"
)

func init() { subcommands = append(subcommands, newGraphCommand) }

// graphHTTPClient is the client that fetches graphs from an update service;
// tests point it at their own TLS server.
var graphHTTPClient = func() *http.Client {
	return &http.Client{Timeout: 60 * time.Second, CheckRedirect: refuseInsecureRedirect}
}

// refuseInsecureRedirect refuses a redirect that leaves https (a graph
// fetched over https must not come from an http server), and more than 10
// redirects, as net/http's default does.
func refuseInsecureRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > 0 && via[0].URL.Scheme == "https" && req.URL.Scheme != "https" {
		return fmt.Errorf("refused a redirect from %s to %s: it leaves https", via[len(via)-1].URL.Redacted(), req.URL.Redacted())
	}
	if len(via) >= 10 {
		return errors.New("stopped after 10 redirects")
	}
	return nil
}

// maxGraphBytes bounds a graph read from a file, standard input or a
// service: the same cap as every other input (maxInput).
var maxGraphBytes int64 = 256 << 20

func newGraphCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "graph",
		Short: "Read an OpenShift update graph: the updates from a version, and the path between two",
		Long: `Read an OpenShift update graph, as the OpenShift Update Service serves it, from a file
or from the service itself (--graph https://api.openshift.com/api/upgrades_info/v1/graph).`,
	}
	cmd.AddCommand(newGraphUpdatesCommand(), newGraphPathCommand())
	return cmd
}

// graphFlags are the flags every graph subcommand takes.
type graphFlags struct {
	graph, channel, arch, from string
	output                     *string
}

func (f *graphFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.graph, "graph", "", "the graph: a JSON file, - for standard input, or an https:// URL of an update service")
	cmd.Flags().StringVar(&f.channel, "channel", "", "the channel, e.g. stable-4.14 (required with a URL; with a file, keeps that channel's releases)")
	cmd.Flags().StringVar(&f.arch, "arch", "amd64", "the architecture to ask an update service for (amd64, arm64, s390x, ppc64le, multi)")
	cmd.Flags().StringVar(&f.from, "from", "", "the current version, e.g. 4.14.10")
	f.output = outputFlag(cmd)
}

func (f *graphFlags) check(cmd *cobra.Command) error {
	if err := checkOutput(*f.output); err != nil {
		return err
	}
	if f.graph == "" {
		return errors.New("--graph is required: a graph JSON file or an https:// URL of an update service")
	}
	if f.from == "" {
		return errors.New("--from is required: the version to start from, e.g. 4.14.10")
	}
	if _, err := channel.ParseVersion(f.from); err != nil {
		return fmt.Errorf("--from: %w", err)
	}
	if f.channel != "" {
		if _, err := channel.ParseChannel(f.channel); err != nil {
			return fmt.Errorf("--channel: %w", err)
		}
	}
	return checkArch(cmd, f.arch, f.graph)
}

// graphArches are the architectures an update service serves graphs for.
var graphArches = []string{"amd64", "arm64", "s390x", "ppc64le", "multi"}

// checkArch refuses an --arch the update service does not know, and an
// --arch given with a graph file, which it cannot apply to.
func checkArch(cmd *cobra.Command, arch, graph string) error {
	if !slices.Contains(graphArches, arch) {
		return usageError(fmt.Errorf("--arch %q: want one of %s", arch, strings.Join(graphArches, ", ")))
	}
	if cmd.Flags().Changed("arch") && !strings.HasPrefix(graph, "https://") {
		return usageError(fmt.Errorf("--arch %s applies only to an update service: give --graph https://…; a graph file holds the releases of the architecture it was saved for", arch))
	}
	return nil
}

// load reads the graph from a file, standard input or an update service.
func (f *graphFlags) load(cmd *cobra.Command) (*channel.Graph, error) {
	var (
		data []byte
		err  error
	)
	switch {
	case strings.HasPrefix(f.graph, "https://"):
		if f.channel == "" {
			return nil, errors.New("--channel is required with an update service URL: the service serves the graph of one channel")
		}
		data, err = fetchGraph(cmd.Context(), f.graph, f.channel, f.arch, f.from)
	case strings.HasPrefix(f.graph, "http://"):
		return nil, fmt.Errorf("--graph %s: use https:// to reach an update service", f.graph)
	default:
		data, err = readInput(cmd, f.graph)
		if err != nil {
			err = fmt.Errorf("--graph: %w", err)
		}
	}
	if err != nil {
		return nil, err
	}
	g, err := channel.ParseGraph(data)
	if err != nil {
		return nil, fmt.Errorf("reading the graph from %s: %w", inputName(f.graph), err)
	}
	// A service filters by channel itself; a file may hold several.
	if f.channel != "" && !strings.HasPrefix(f.graph, "https://") {
		g = g.Filter(f.channel)
		if g.Len() == 0 {
			return nil, fmt.Errorf("no release in %s is in channel %s: check the channel, or whether the graph's nodes carry channel metadata", f.graph, f.channel)
		}
	}
	return g, nil
}

// fetchGraph asks an update service for the graph of a channel, as the CVO
// does: GET with channel, arch and version, Accept: application/json.
func fetchGraph(ctx context.Context, rawURL, ch, arch, version string) ([]byte, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("--graph %q is not a URL: %w", rawURL, err)
	}
	q := u.Query()
	q.Set("channel", ch)
	q.Set("arch", arch)
	q.Set("version", version)
	u.RawQuery = q.Encode()
	if ctx == nil {
		ctx = context.Background()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("--graph %s: %w", rawURL, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := graphHTTPClient().Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL is said once, below
		}
		return nil, fmt.Errorf("fetching the update graph of channel %s (arch %s, from %s) from the update service at %s: %w; "+
			"check the URL and that this machine reaches it (a proxy is set with HTTPS_PROXY), or save the graph to a file and give --graph FILE",
			ch, arch, version, u.Redacted(), err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxGraphBytes+1))
	if err != nil {
		return nil, fmt.Errorf("fetching the graph from %s: %w", u.Redacted(), err)
	}
	if int64(len(body)) > maxGraphBytes {
		return nil, fmt.Errorf("fetching the graph from %s: the answer is larger than the limit of %d MiB, which no update graph is", u.Redacted(), maxGraphBytes>>20)
	}
	if resp.StatusCode != http.StatusOK {
		// The service explains errors as {"kind": ..., "value": ...}.
		var se struct{ Kind, Value string }
		detail := strings.TrimSpace(string(body))
		if json.Unmarshal(body, &se) == nil && se.Kind != "" {
			detail = se.Kind + ": " + se.Value
		}
		if len(detail) > 300 {
			detail = detail[:300] + "…"
		}
		return nil, fmt.Errorf("the update service at %s answered %s: %s", u.Redacted(), resp.Status, detail)
	}
	return body, nil
}

// updatesJSON is the public JSON shape of `graph updates`.
type updatesJSON struct {
	From        string            `json:"from"`
	Channel     string            `json:"channel"`
	Recommended []string          `json:"recommended"`
	Conditional []conditionalJSON `json:"conditional"`
}

type conditionalJSON struct {
	Version string   `json:"version"`
	Risks   []string `json:"risks"`
}

func newGraphUpdatesCommand() *cobra.Command {
	var f graphFlags
	cmd := &cobra.Command{
		Use:   "updates --graph FILE|URL --from VERSION [--channel NAME]",
		Short: "List the updates the cluster version operator offers from a version",
		Long: `List the updates the cluster version operator offers from a version: recommended ones, and
conditional ones (supported, but recommended only for clusters their risks do not apply to),
newest first.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := f.check(cmd); err != nil {
				return err
			}
			g, err := f.load(cmd)
			if err != nil {
				return err
			}
			u, err := g.Updates(f.from)
			if err != nil {
				return versionFlagError(err, f.from, "")
			}
			out := updatesJSON{From: u.From.Version.String(), Channel: f.channel, Recommended: []string{}, Conditional: []conditionalJSON{}}
			for _, n := range u.Recommended {
				out.Recommended = append(out.Recommended, n.Version.String())
			}
			for _, c := range u.Conditional {
				out.Conditional = append(out.Conditional, conditionalJSON{Version: c.Release.Version.String(), Risks: c.RiskNames()})
			}
			if *f.output != outputText {
				return writeData(*f.output, cmd.OutOrStdout(), out)
			}
			return writeUpdatesText(cmd.OutOrStdout(), out)
		},
	}
	f.register(cmd)
	return cmd
}

func writeUpdatesText(w io.Writer, u updatesJSON) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	in := ""
	if u.Channel != "" {
		in = " in " + u.Channel
	}
	fmt.Fprintf(tw, "Updates from %s%s\n", u.From, in)
	fmt.Fprintf(tw, "Recommended (%d):\n", len(u.Recommended))
	for _, v := range u.Recommended {
		fmt.Fprintf(tw, "  %s\n", v)
	}
	if len(u.Recommended) == 0 {
		fmt.Fprintln(tw, "  none")
	}
	fmt.Fprintf(tw, "Conditional (%d), supported but not recommended until their risks are evaluated for the cluster:\n", len(u.Conditional))
	for _, c := range u.Conditional {
		fmt.Fprintf(tw, "  %s\trisks: %s\n", c.Version, strings.Join(c.Risks, ", "))
	}
	if len(u.Conditional) == 0 {
		fmt.Fprintln(tw, "  none")
	}
	return tw.Flush()
}

// pathJSON is the public JSON shape of `graph path`.
type pathJSON struct {
	From  string   `json:"from"`
	To    string   `json:"to"`
	Hops  []string `json:"hops"`
	Risks []string `json:"risks"`
	// Updates are the path's updates, one per pair of consecutive hops,
	// with what the text output says of each: added beside the
	// contract's fields.
	Updates []pathUpdate `json:"updates"`
}

// pathUpdate is one update of a path: hops[i] → hops[i+1].
type pathUpdate struct {
	From string `json:"from"`
	To   string `json:"to"`
	// Kind is the update's kind by the versions (channel.Classify).
	Kind string `json:"kind"`
	// Conditional is true for a conditional update, one with risks.
	Conditional bool `json:"conditional"`
}

// pathUpdates lists a path's updates with their kinds.
func pathUpdates(p channel.Path) []pathUpdate {
	out := make([]pathUpdate, 0, len(p.Hops))
	for i := 0; i+1 < len(p.Hops); i++ {
		out = append(out, pathUpdate{From: p.Hops[i].Version.String(), To: p.Hops[i+1].Version.String(),
			Kind: channel.Classify(p.Hops[i].Version, p.Hops[i+1].Version).String(), Conditional: p.Conditional[i]})
	}
	return out
}

// versionFlagError names the flag of a version the graph lacks.
func versionFlagError(err error, from, to string) error {
	var nf *channel.VersionNotFoundError
	if !errors.As(err, &nf) {
		return err
	}
	switch nf.Version {
	case from:
		return fmt.Errorf("--from: %w", err)
	case to:
		return fmt.Errorf("--to: %w", err)
	}
	return err
}

func newGraphPathCommand() *cobra.Command {
	var (
		f     graphFlags
		to    string
		allow bool
	)
	cmd := &cobra.Command{
		Use:   "path --graph FILE|URL --from VERSION --to VERSION [--channel NAME] [--allow-conditional]",
		Short: "Find the best update path between two versions",
		Long: `Find the best update path between two versions: every hop an update of the graph, minor
versions one at a time (4.22 is followed by 5.0), the fewest hops, then the newest releases
along the way. Conditional updates are used only with --allow-conditional, and the risks
they carry are listed. When no path exists the command fails and says which hop is missing.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := f.check(cmd); err != nil {
				return err
			}
			if to == "" {
				return errors.New("--to is required: the version to update to")
			}
			if _, err := channel.ParseVersion(to); err != nil {
				return fmt.Errorf("--to: %w", err)
			}
			g, err := f.load(cmd)
			if err != nil {
				return err
			}
			p, err := g.FindPath(f.from, to, channel.PathOptions{AllowConditional: allow})
			if err != nil {
				if np := (*channel.NoPathError)(nil); errors.As(err, &np) && np.ConditionalPath {
					return fmt.Errorf("%w (add --allow-conditional)", err)
				}
				return versionFlagError(err, f.from, to)
			}
			hops := p.Versions()
			out := pathJSON{From: hops[0], To: hops[len(hops)-1], Hops: hops, Risks: p.RiskNames(), Updates: pathUpdates(p)}
			if *f.output != outputText {
				return writeData(*f.output, cmd.OutOrStdout(), out)
			}
			return writePathText(cmd.OutOrStdout(), out)
		},
	}
	f.register(cmd)
	cmd.Flags().StringVar(&to, "to", "", "the version to update to")
	cmd.Flags().BoolVar(&allow, "allow-conditional", false, "let the path take conditional updates, and list the risks it crosses")
	return cmd
}

func writePathText(w io.Writer, out pathJSON) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	n := len(out.Hops) - 1
	plural := "s"
	if n == 1 {
		plural = ""
	}
	fmt.Fprintf(tw, "Path from %s to %s: %d update%s\n", out.From, out.To, n, plural)
	for _, u := range out.Updates {
		kind := u.Kind
		if u.Conditional {
			kind += ", conditional"
		}
		fmt.Fprintf(tw, "  %s\t→ %s\t%s\n", u.From, u.To, kind)
	}
	if len(out.Risks) == 0 {
		fmt.Fprintln(tw, "Risks crossed: none")
	} else {
		fmt.Fprintf(tw, "Risks crossed: %s\n", strings.Join(out.Risks, ", "))
	}
	return tw.Flush()
}
