package cli

import (
	"cmp"
	"context"
	"fmt"
	"net/netip"
	"path"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/netpol"
	"palisade.dev/palisade/internal/source/cluster"
)

// netpolKinds are what the reachability engine reads from a cluster; the admin network
// policies only where the cluster defines them.
var netpolKinds = []string{"Namespace", "Pod", "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "CronJob", "ReplicationController", "NetworkPolicy",
	"AdminNetworkPolicy", "BaselineAdminNetworkPolicy", "Service"}

// netpolFlags are how the netpol commands read their input and print their answer.
type netpolFlags struct {
	sourceFlags
	output  string
	formats []string
}

// register adds the source flags and -o, which takes one of formats (the first is the
// default).
func (f *netpolFlags) register(cmd *cobra.Command, formats ...string) {
	f.sourceFlags.register(cmd, "Namespaces, workloads and NetworkPolicies")
	registerOutput(cmd, &f.output, formats)
	f.formats = formats
}

// registerOutput adds -o with its formats, the first the default.
func registerOutput(cmd *cobra.Command, output *string, formats []string) {
	cmd.Flags().StringVarP(output, "output", "o", formats[0], strings.Join(formats, ", ")+" (see docs/netpol.md)")
}

// checkOutput reports an -o that is not one of formats.
func checkOutput(output string, formats []string) error {
	if !slices.Contains(formats, output) {
		return fmt.Errorf("--output %d bytes long: want one of %s", len(output), strings.Join(formats, ", "))
	}
	return nil
}

// netpolInput is the analysis and what reading its input went wrong.
type netpolInput struct {
	analysis *netpol.Analysis
	errors   []finding.ScanError
	// filter is what --from, --to and --port kept; notes are what printing the answer
	// left out, for stderr.
	filter connFilter
	notes  []string
}

// load reads the input and analyses it.
func (f *netpolFlags) load(ctx context.Context, s Streams) (*netpolInput, error) {
	if err := checkOutput(f.output, f.formats); err != nil {
		return nil, err
	}
	files, err := f.fromManifests()
	if err != nil {
		return nil, err
	}
	if files {
		res := f.manifests(ctx, s)
		return &netpolInput{analysis: netpol.Analyze(netpol.FromInventory(res.Inventory)), errors: res.Errors}, nil
	}
	cc, cfg, err := f.cluster()
	if err != nil {
		return nil, err
	}
	name := f.context
	if raw, err := cc.RawConfig(); err == nil && name == "" {
		name = raw.CurrentContext
	}
	res := cluster.Scan(ctx, cfg, cluster.Options{Context: cmp.Or(name, inClusterContext), Kinds: netpolKinds, SkipAnonymous: true})
	return &netpolInput{analysis: netpol.Analyze(netpol.FromInventory(res.Inventory)), errors: res.Errors}, nil
}

// report prints the input's errors and the policies' problems on stderr; input errors make
// the exit code 2.
func (in *netpolInput) report(s Streams) error {
	return reportInput(s, slices.Concat(in.analysis.Problems, in.notes), in.errors)
}

func reportInput(s Streams, warnings []string, errs []finding.ScanError) error {
	for _, p := range warnings {
		fmt.Fprintf(s.Err, "warning: %s\n", p)
	}
	for _, e := range errs {
		fmt.Fprintf(s.Err, "error: %v\n", e)
	}
	if len(errs) > 0 {
		return exitError{2}
	}
	return nil
}

func newNetpolCommand(s Streams) *cobra.Command {
	var (
		f        netpolFlags
		from, to string
		port     string
	)
	cmd := &cobra.Command{
		Use:   "netpol",
		Short: "List the connections NetworkPolicies allow between workloads and to and from outside",
		Long: `List, for every ordered pair of workloads (namespace/kind/name) and between workloads and
address ranges outside the cluster, the connections the NetworkPolicies allow, as
"src => dst : conns". Connections need the source's egress and the destination's ingress;
a direction no policy isolates allows everything. Pod addresses are unknown in manifests, so
ipBlocks only match the ranges outside the cluster there, and pods of a live cluster by
their address. Exit code 2 when a document could not be read (the rest is analysed).`,
		Example: `  palisade netpol -f manifests/
  palisade netpol -f manifests/ --from 'payments/*/*' --port 5432/TCP
  palisade netpol --context prod -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			filter, err := parseConnFilter(from, to, port)
			if err != nil {
				return err
			}
			in, err := f.load(cmd.Context(), s)
			if err != nil {
				return err
			}
			in.filter = filter
			var conns []netpol.Connection
			for c := range in.analysis.Connections {
				if filter.keeps(c) {
					conns = append(conns, c)
				}
			}
			if err := printConnections(s.Out, f.output, conns, in); err != nil {
				return err
			}
			return in.report(s)
		},
	}
	f.register(cmd, "text", "json", "csv", "md", "dot", "html")
	registerConnFilter(cmd, &from, &to, &port)
	cmd.AddCommand(newNetpolExplainCommand(s), newNetpolDiffCommand(s))
	return cmd
}

// registerConnFilter adds --from, --to and --port.
func registerConnFilter(cmd *cobra.Command, from, to, port *string) {
	cmd.Flags().StringVar(from, "from", "", "only sources matching this pattern (namespace/kind/name, * within a segment) or holding this IP address")
	cmd.Flags().StringVar(to, "to", "", "only destinations matching this pattern or holding this IP address")
	cmd.Flags().StringVar(port, "port", "", "only connections that allow PORT[/PROTOCOL] (protocol TCP by default)")
}

// connFilter keeps the connections that --from, --to and --port select.
type connFilter struct {
	from, to endpointPattern
	port     int32
	proto    netpol.Protocol
}

// endpointPattern matches an endpoint's name with path.Match, or, for an IP address, the
// address ranges that hold it. The empty pattern matches everything.
type endpointPattern struct {
	glob string
	addr netip.Addr
}

func parseEndpointPattern(flag, s string) (endpointPattern, error) {
	if ip, err := netip.ParseAddr(s); err == nil {
		return endpointPattern{addr: ip.Unmap()}, nil
	}
	if _, err := path.Match(s, ""); err != nil {
		return endpointPattern{}, fmt.Errorf("--%s: a pattern of %d bytes is malformed: %v", flag, len(s), err)
	}
	return endpointPattern{glob: s}, nil
}

// set reports whether the pattern was given.
func (p endpointPattern) set() bool { return p.glob != "" || p.addr.IsValid() }

func (p endpointPattern) matches(name string) bool {
	if p.addr.IsValid() {
		lo, hi, ok := strings.Cut(name, "-")
		if !ok {
			return false
		}
		a, errA := netip.ParseAddr(lo)
		b, errB := netip.ParseAddr(hi)
		return errA == nil && errB == nil && (netpol.AddressRange{Lo: a, Hi: b}).Contains(p.addr)
	}
	if p.glob == "" {
		return true
	}
	ok, _ := path.Match(p.glob, name)
	return ok
}

func parseConnFilter(from, to, port string) (connFilter, error) {
	var f connFilter
	var err error
	if f.from, err = parseEndpointPattern("from", from); err != nil {
		return f, err
	}
	if f.to, err = parseEndpointPattern("to", to); err != nil {
		return f, err
	}
	if port != "" {
		if f.port, f.proto, err = netpol.ParsePortProtocol(port); err != nil {
			return f, fmt.Errorf("--port: %w", err)
		}
	}
	return f, nil
}

func (f connFilter) keeps(c netpol.Connection) bool {
	return f.from.matches(c.Src) && f.to.matches(c.Dst) && (f.port == 0 || c.Conns.Contains(f.proto, f.port))
}

func newNetpolExplainCommand(s Streams) *cobra.Command {
	var f netpolFlags
	cmd := &cobra.Command{
		Use:   "explain SRC DST PORT[/PROTOCOL]",
		Short: "Say whether one connection is allowed, and which policies and rules decide it (exit 0 allowed, 1 denied)",
		Long: `Say whether SRC may connect to DST on PORT/PROTOCOL, and why: on the egress side of SRC and
on the ingress side of DST, the policies that isolate the pod and the rules (file:line) that
allow the connection, or that no policy selects the pod. SRC and DST are workloads
(namespace/kind/name, as 'palisade netpol' prints them) or IP addresses outside the cluster;
DST may also be a Service (namespace/Service/name, PORT its port's number or name): each
workload its selector selects is explained on the target port, and the connection is
allowed when it is allowed to every one of them.
Exit code 0 means allowed, 1 denied, 2 an error (with -f, a document that could not be read).`,
		Example: `  palisade netpol explain shop/Deployment/web shop/StatefulSet/db 5432/TCP -f manifests/
  palisade netpol explain shop/Deployment/web shop/Service/db postgres -f manifests/
  palisade netpol explain 203.0.113.7 shop/Deployment/web 443 -f manifests/`,
		Args: cobra.ExactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			service := strings.Count(args[1], "/") == 2 && strings.Contains(args[1], "/Service/")
			var port int32
			var proto netpol.Protocol
			if !service {
				var err error
				if port, proto, err = netpol.ParsePortProtocol(args[2]); err != nil {
					return err
				}
			}
			in, err := f.load(cmd.Context(), s)
			if err != nil {
				return err
			}
			src, err := in.analysis.ParseEndpoint(args[0])
			if err != nil {
				return fmt.Errorf("SRC: %w", err)
			}
			if service {
				return explainService(s, f.output, in, src, args[1], args[2])
			}
			dst, err := in.analysis.ParseEndpoint(args[1])
			if err != nil {
				return fmt.Errorf("DST: %w", err)
			}
			e := in.analysis.Explain(src, dst, proto, port)
			if err := printExplanation(s.Out, f.output, e); err != nil {
				return err
			}
			if err := in.report(s); err != nil {
				return err
			}
			if !e.Allowed {
				return exitError{1}
			}
			return nil
		},
	}
	f.register(cmd, "text", "json")
	return cmd
}
