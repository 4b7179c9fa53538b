// Package cli builds Palisade's commands: flags, wiring and exit codes only. It decides
// nothing about security; it connects sources, the catalog, suppression and reports.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"palisade.dev/palisade/internal/heap"
	"palisade.dev/palisade/internal/source/manifest"
	"palisade.dev/palisade/internal/version"
)

// Streams are the command's standard streams: stdout carries the report only, stderr is for
// people.
type Streams struct {
	In  io.Reader
	Out io.Writer
	Err io.Writer
}

// exitError carries an exit code out of a command that already reported what happened.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// Execute runs the command line and returns the process exit code: 0 clean, 1 findings at or
// above --fail-on, 2 errors (bad usage, unreadable input, an unreachable cluster).
func Execute(ctx context.Context, args []string, s Streams) int {
	root := NewRootCommand(s)
	root.SetArgs(args)
	return exitCode(root.ExecuteContext(ctx), s.Err)
}

// exitCode is the exit code of a command's result; an error that is not an exit code is
// written to stderr, and is 2.
func exitCode(err error, stderr io.Writer) int {
	var ee exitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.code
	default:
		fmt.Fprintf(stderr, "error: %v\n", err)
		return 2
	}
}

// NewRootCommand builds the palisade command tree.
func NewRootCommand(s Streams) *cobra.Command {
	root := &cobra.Command{
		Use:           "palisade",
		Short:         "Find and stop insecure Kubernetes configuration",
		Long:          "Palisade finds insecure Kubernetes configuration in manifests, Helm charts and kustomizations,\nin live clusters, on control-plane and worker nodes, and on the network endpoints a cluster\nexposes, with one rule catalog and one finding format.",
		Version:       version.Version,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	// Installed as kubectl-palisade (by krew, or by hand) it is a kubectl plugin, run as
	// `kubectl palisade scan ...`: usage lines, help and --version say so. Cobra takes a
	// command's name from the first word of Use, so the name stays palisade and only the
	// displayed name changes.
	if name := pluginName(os.Args[0]); name != "" {
		root.Annotations = map[string]string{cobra.CommandDisplayNameAnnotation: name}
	}
	root.SetIn(s.In)
	root.SetOut(s.Out)
	root.SetErr(s.Err)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return fmt.Errorf("%w\nSee '%s --help'.", err, c.CommandPath())
	})
	root.AddCommand(
		newScanCommand(s),
		newFixCommand(s),
		newClusterCommand(s),
		newNodeCommand(s),
		newProbeCommand(s),
		newRulesCommand(s),
		newExplainCommand(s),
		newPolicyCommand(s),
		newWebhookCommand(s),
		newOperatorCommand(s),
		newVAPCommand(s),
		newRBACCommand(s),
		newNetpolCommand(s),
	)
	return root
}

// pluginName is the name kubectl users type for a binary installed as kubectl-NAME
// ("kubectl NAME"), or "" when the program was not started under such a name. kubectl finds
// plugins by that prefix, with ".exe" on Windows (kubectl's plugin handler).
func pluginName(arg0 string) string {
	base := strings.TrimSuffix(filepath.Base(arg0), ".exe")
	name, ok := strings.CutPrefix(base, "kubectl-")
	if !ok || name == "" {
		return ""
	}
	return "kubectl " + name
}

// isTerminal reports whether w is a terminal, for colour and progress.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// HeapPolicy is the garbage-collection policy of the command that args run: the webhook's for
// `palisade webhook` (a long-running server whose reviews must not wait for the collector), the
// operator's for `palisade operator`, a scan's for everything else. A scan of manifests lets
// its heap grow to the size of its input before it collects: at its peak it holds about twice
// that anyway. Finding the size walks the folders named, so call it beside the command, not
// before it.
func HeapPolicy(args []string) heap.Policy {
	cmd, rest, err := NewRootCommand(Streams{In: strings.NewReader(""), Out: io.Discard, Err: io.Discard}).Find(args)
	if err != nil || cmd.Parent() == nil || cmd.Parent().HasParent() {
		return heap.Scan
	}
	switch cmd.Name() {
	case "webhook":
		return heap.Server(heap.ContainerLimit())
	case "operator":
		return heap.Operator(heap.ContainerLimit())
	case "scan":
		p := heap.Scan
		if cmd.ParseFlags(rest) == nil {
			p.Floor = manifest.InputSize(cmd.Flags().Args(), p.Budget/2)
		}
		return p
	}
	return heap.Scan
}
