package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"

	"github.com/spf13/cobra"

	"palisade.dev/palisade/internal/netpol"
	"palisade.dev/palisade/internal/source/gitrev"
	"palisade.dev/palisade/internal/source/manifest"
)

var netpolDiffFormats = []string{"text", "json", "md"}

func newNetpolDiffCommand(s Streams) *cobra.Command {
	var (
		output, from, to, port string
		failOnOpen             bool
	)
	cmd := &cobra.Command{
		Use:   "diff OLD NEW",
		Short: "List the connections a change of the manifests opens and closes (for pull requests)",
		Long: `Compare the connections NetworkPolicies allow in two versions of the manifests: "+ src => dst :
conns" for what the change opens, "- src => dst : conns" for what it closes, only the
difference (TCP 80 becoming TCP 80,443 opens TCP 443). Workloads that appear are listed as
"new" with every connection they have; workloads that disappear as "removed". A new
workload's connections are not counted as opened: a new deployment is told apart from a
policy that opens a path between workloads that were already there.

OLD and NEW are each a path (a file or folder, read as -f reads it, - for stdin) or a git
revision of the repository of the current folder: REV:PATH (PATH relative to the current
folder) or a bare REV for the current folder itself. An existing path wins: to name the
revision "main" when a folder main exists, write main:. (main:PATH).

Exit code 0 when the change opens nothing (or without --fail-on-open), 1 when it opens a
connection and --fail-on-open is set, 2 on an error: an OLD or NEW that is neither a path
nor a revision, no repository, or a document that could not be read (the rest is compared,
and the exit code is 2 even when nothing opens).`,
		Example: `  palisade netpol diff main:deploy deploy --fail-on-open
  palisade netpol diff HEAD~1 HEAD -o md > comment.md
  palisade netpol diff old/ new/ --to 'shop/*/*' --port 5432`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOutput(output, netpolDiffFormats); err != nil {
				return err
			}
			filter, err := parseConnFilter(from, to, port)
			if err != nil {
				return err
			}
			if args[0] == "-" && args[1] == "-" {
				return errors.New("OLD and NEW cannot both be stdin")
			}
			old, err := readNetpolSide(cmd.Context(), "OLD", args[0], s)
			if err != nil {
				return err
			}
			cur, err := readNetpolSide(cmd.Context(), "NEW", args[1], s)
			if err != nil {
				return err
			}
			ch := filter.change(netpol.Diff(old.analysis, cur.analysis))
			warnings, errs := slices.Concat(old.analysis.Problems, cur.analysis.Problems), slices.Concat(old.errors, cur.errors)
			if err := printChange(s.Out, output, ch, warnings, errs); err != nil {
				return err
			}
			summary := changeSummary(ch)
			if len(errs) > 0 {
				summary += fmt.Sprintf("; incomplete, %d error(s) reading the input", len(errs))
			}
			fmt.Fprintf(s.Err, "netpol diff: %s\n", summary)
			if err := reportInput(s, warnings, errs); err != nil {
				return err
			}
			if failOnOpen && len(ch.Opened) > 0 {
				return exitError{1}
			}
			return nil
		},
	}
	registerOutput(cmd, &output, netpolDiffFormats)
	registerConnFilter(cmd, &from, &to, &port)
	cmd.Flags().BoolVar(&failOnOpen, "fail-on-open", false, "exit 1 when the change opens a connection between workloads present on both sides or with an address range")
	return cmd
}

// readNetpolSide reads OLD or NEW: an existing path (or - for stdin) as -f reads it, else
// a git revision.
func readNetpolSide(ctx context.Context, which, arg string, s Streams) (*netpolInput, error) {
	var res *manifest.Result
	if _, err := os.Lstat(arg); err == nil || arg == "-" {
		res = manifest.Load(ctx, []string{arg}, manifestOptions(s))
	} else {
		spec, err := gitrev.Parse(arg)
		if err != nil {
			return nil, fmt.Errorf("%s is not an existing path, nor a revision: %w", which, err)
		}
		dir, err := os.Getwd()
		if err != nil {
			return nil, err
		}
		if res, err = gitrev.Load(ctx, dir, spec, manifestOptions(s)); err != nil {
			return nil, fmt.Errorf("%s is not an existing path, nor a revision: %w", which, err)
		}
	}
	return &netpolInput{analysis: netpol.Analyze(netpol.FromInventory(res.Inventory)), errors: res.Errors}, nil
}

// change keeps what the filter selects: the opened and closed connections it keeps; the
// workloads that appear or disappear when no filter is set, when a set --from or --to
// matches their name, or (new ones) when one of their connections passes; a new
// workload's connections that pass.
func (f connFilter) change(ch *netpol.Change) *netpol.Change {
	out := &netpol.Change{Opened: f.connections(ch.Opened), Closed: f.connections(ch.Closed)}
	named := func(id string) bool {
		none := !f.from.set() && !f.to.set() && f.port == 0
		return none || (f.from.set() && f.from.matches(id)) || (f.to.set() && f.to.matches(id))
	}
	for _, w := range ch.Added {
		w.Connections = f.connections(w.Connections)
		if named(w.ID) || len(w.Connections) > 0 {
			out.Added = append(out.Added, w)
		}
	}
	for _, w := range ch.Removed {
		if named(w.ID) {
			out.Removed = append(out.Removed, w)
		}
	}
	return out
}

func (f connFilter) connections(conns []netpol.Connection) []netpol.Connection {
	var out []netpol.Connection
	for _, c := range conns {
		if f.keeps(c) {
			out = append(out, c)
		}
	}
	return out
}

// changeSummary counts what a change does, for stderr and the md heading.
func changeSummary(ch *netpol.Change) string {
	return fmt.Sprintf("opens %d, closes %d connection(s); %d new workload(s), %d removed", len(ch.Opened), len(ch.Closed), len(ch.Added), len(ch.Removed))
}
