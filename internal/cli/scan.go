package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/policy"
	regopolicy "palisade.dev/palisade/internal/policy/rego"
	"palisade.dev/palisade/internal/report"
	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/rules/builtin"
	"palisade.dev/palisade/internal/rules/pss"
	"palisade.dev/palisade/internal/scan"
	"palisade.dev/palisade/internal/source/manifest"
	"palisade.dev/palisade/internal/suppress"
	"palisade.dev/palisade/internal/version"
)

// outputFlags are the report flags every scanning command shares.
type outputFlags struct {
	formats        []string
	output         string
	failOn         string
	showSuppressed bool
	reportAPI      string
	linkBase       string
}

func (o *outputFlags) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringArrayVarP(&o.formats, "output-format", "o", nil,
		"report format: text, compact (one line per finding), json, sarif, junit, policyreport (Kubernetes PolicyReport objects, see --report-api), markdown (a pull request comment) or html (a self-contained page to open in a browser); repeat for several reports, and write one to a file with FORMAT=FILE (default text)")
	f.StringVar(&o.output, "output", "", "write the report to this file instead of standard output")
	f.StringVar(&o.reportAPI, "report-api", string(report.PolicyReportAPI), "API of -o policyreport: wgpolicyk8s (wgpolicyk8s.io/v1alpha2 PolicyReport and ClusterPolicyReport) or openreports (openreports.io/v1alpha1 Report and ClusterReport)")
	f.StringVar(&o.linkBase, "link-base", "", "URL of the scanned tree for -o markdown's file links, such as https://github.com/ORG/REPO/blob/COMMIT (a finding's path and #L<line> are added)")
	f.StringVar(&o.failOn, "fail-on", "high", "exit with 1 when a finding is at or above this severity: critical, high, medium, low, info, or none")
	f.BoolVar(&o.showSuppressed, "show-suppressed", false, "list suppressed findings too (they are always counted)")
}

// reportTarget is one report to write.
type reportTarget struct {
	format string
	file   string // "" for standard output
}

func (o *outputFlags) targets() ([]reportTarget, error) {
	formats := o.formats
	if len(formats) == 0 {
		formats = []string{"text"}
	}
	var out []reportTarget
	toStdout := 0
	for _, spec := range formats {
		format, file, _ := strings.Cut(spec, "=")
		if !slices.Contains(report.Formats(), strings.ToLower(format)) {
			return nil, fmt.Errorf("unknown output format %q (want one of %s)", format, strings.Join(report.Formats(), ", "))
		}
		if file == "" {
			file = o.output
			toStdout++
		}
		out = append(out, reportTarget{format: strings.ToLower(format), file: file})
	}
	if toStdout > 1 {
		return nil, fmt.Errorf("%d reports would go to the same place; give each a file with -o FORMAT=FILE", toStdout)
	}
	if _, err := report.ParseReportAPI(o.reportAPI); err != nil {
		return nil, fmt.Errorf("--report-api: %w", err)
	}
	if o.linkBase != "" && !report.SafeLinkBase(o.linkBase) {
		return nil, fmt.Errorf("--link-base: want an http or https URL without spaces, quotes, brackets or parentheses (got %d bytes)", len(o.linkBase))
	}
	return out, nil
}

func (o *outputFlags) failSeverity() (finding.Severity, error) {
	if strings.EqualFold(o.failOn, "none") {
		return finding.Critical + 1, nil
	}
	return finding.ParseSeverity(o.failOn)
}

// write writes every report; stdout gets colour only when it is a terminal. The reports are
// stamped with the time they are written unless the caller set one.
func (o *outputFlags) write(stdout io.Writer, in *report.Input) error {
	targets, err := o.targets()
	if err != nil {
		return err
	}
	api, err := report.ParseReportAPI(o.reportAPI)
	if err != nil {
		return fmt.Errorf("--report-api: %w", err)
	}
	for _, t := range targets {
		in := *in
		in.ReportAPI, in.LinkBase = api, o.linkBase
		if in.Now.IsZero() {
			in.Now = time.Now()
		}
		if t.file == "" {
			in.Color = t.format == "text" && isTerminal(stdout) && os.Getenv("NO_COLOR") == ""
			if err := report.Write(stdout, t.format, &in); err != nil {
				return fmt.Errorf("writing %s report: %w", t.format, err)
			}
			continue
		}
		if err := writeFile(t.file, func(w io.Writer) error { return report.Write(w, t.format, &in) }); err != nil {
			return fmt.Errorf("writing %s report to %s: %w", t.format, t.file, err)
		}
	}
	return nil
}

func writeFile(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// run is what every scanning command settles before it reads anything: the --fail-on
// threshold, the rule settings, the catalog, the selection and the suppression policy. All
// flags are checked at once, before any work, so a typo fails in a second, not after a scan.
type run struct {
	failOn      finding.Severity
	kubeVersion string
	catalog     *rules.Catalog
	selected    func(*rules.Rule) bool
	policy      *suppress.Policy
	// admissionPolicies are the ValidatingAdmissionPolicies and bindings of the policy files,
	// for the commands that judge them (ruleFlags.admissionPolicies).
	admissionPolicies []*inventory.Object
}

// prepare checks the output and rule flags and loads the catalog (joined by the policies of
// --policy and of the config) and the config (found upward from configFrom[0], or given by
// --config).
// prepareManifests is what scan and fix do before they load manifests: refuse standard input
// named twice, read the configuration and select the rules, and set up the chart and
// kustomization renderers.
func prepareManifests(cmd *cobra.Command, out *outputFlags, rf *ruleFlags, ex *expanderFlags, namespace string, args []string) (*run, []manifest.Expander, error) {
	if n := countStdin(args); n > 1 {
		return nil, nil, fmt.Errorf("standard input (-) is given %d times; it can be read only once\nSee '%s --help'.", n, cmd.CommandPath())
	}
	r, err := prepare(cmd.Context(), out, rf, args)
	if err != nil {
		return nil, nil, err
	}
	expanders, err := ex.expanders(namespace)
	if err != nil {
		return nil, nil, err
	}
	return r, expanders, nil
}

func prepare(ctx context.Context, out *outputFlags, rf *ruleFlags, configFrom []string) (*run, error) {
	failOn, err := out.failSeverity()
	if err != nil {
		return nil, err
	}
	if _, err := pss.ParseVersion(rf.pssVersion); err != nil {
		return nil, fmt.Errorf("--pss-version: %w", err)
	}
	kubeVersion, err := rules.ParseKubernetesVersion(rf.kubeVersion)
	if err != nil {
		return nil, fmt.Errorf("--kubernetes-version: %w", err)
	}
	if _, err := out.targets(); err != nil {
		return nil, err
	}
	configPath := rf.configPath(configFrom)
	paths := rf.policies
	if configPath != "" {
		fromConfig, err := suppress.ConfigPolicies(configPath)
		if err != nil {
			return nil, err
		}
		paths = append(slices.Clone(paths), fromConfig...)
	}
	var admission []*inventory.Object
	var keepAdmission func([]*inventory.Object)
	if rf.admissionPolicies {
		keepAdmission = func(docs []*inventory.Object) { admission = docs }
	}
	catalog, err := catalogWith(ctx, paths, rf.policyTimeout, keepAdmission)
	if err != nil {
		return nil, err
	}
	selected, err := rf.selection(catalog)
	if err != nil {
		return nil, err
	}
	policy, err := rf.policy(catalog, configPath)
	if err != nil {
		return nil, err
	}
	return &run{failOn: failOn, kubeVersion: kubeVersion, catalog: catalog, selected: selected, policy: policy, admissionPolicies: admission}, nil
}

// options are the rule settings of the flags.
func (r *run) options(rf *ruleFlags) rules.Options {
	return rules.Options{PSSVersion: rf.pssVersion, KubernetesVersion: r.kubeVersion}
}

// reportOptions are the rule options of a command that only reports: findings keep the
// remedy patches its reports print, and no more.
func (r *run) reportOptions(rf *ruleFlags, out *outputFlags) rules.Options {
	o := r.options(rf)
	o.Patches = rules.NoPatches
	targets, err := out.targets()
	if err != nil {
		o.Patches = rules.ChangePatches
	}
	for _, t := range targets {
		if report.PrintsPatches(t.format) {
			o.Patches = rules.ChangePatches
		}
	}
	return o
}

// evaluated lists the rules that ran (those keep admits, all when keep is nil), for the
// reports that describe them.
func (r *run) evaluated(keep func(*rules.Rule) bool) []*rules.Rule {
	var out []*rules.Rule
	for _, rule := range r.catalog.All() {
		if r.selected(rule) && r.policy.Config.Selected(rule) && (keep == nil || keep(rule)) {
			out = append(out, rule)
		}
	}
	return out
}

// finish writes the reports and turns a non-zero exit code into the command's result.
func (o *outputFlags) finish(stdout io.Writer, in *report.Input, code int) error {
	if err := o.write(stdout, in); err != nil {
		return err
	}
	if code != 0 {
		return exitError{code}
	}
	return nil
}

// ruleFlags select rules and the Pod Security Standards version.
type ruleFlags struct {
	only, skip       []string
	pssVersion       string
	kubeVersion      string
	config           string
	noAnnotationExem bool
	policies         []string
	policyTimeout    time.Duration
	// admissionPolicies is set by the commands that judge the ValidatingAdmissionPolicies of
	// policy files (scan); the others refuse them.
	admissionPolicies bool
}

// registerPolicies adds the flags of the user's own policies, for the commands that run them.
func (r *ruleFlags) registerPolicies(cmd *cobra.Command) {
	registerPolicyFlags(cmd, &r.policies, &r.policyTimeout)
}

func registerPolicyFlags(cmd *cobra.Command, paths *[]string, timeout *time.Duration) {
	f := cmd.Flags()
	f.StringArrayVar(paths, "policy", nil, "run your own policies too: a Rego file, a Gatekeeper ConstraintTemplate and Constraint file, ValidatingAdmissionPolicies and bindings (scan), or a folder of them (repeatable; see docs/policies.md)")
	if timeout != nil {
		f.DurationVar(timeout, "policy-timeout", regopolicy.DefaultTimeout, "longest time one policy may take to judge one object; longer is a scan error on the object")
	}
}

// catalogWith is the built-in catalog joined by the rules of the policies at paths. The
// ValidatingAdmissionPolicies and bindings of those files are handed to admission, the command
// that judges them (a manifest scan, with the API server's CEL libraries); with a nil admission
// they are an error naming the first one: a command that would not judge them must not look as
// if it had.
func catalogWith(ctx context.Context, paths []string, timeout time.Duration, admission func([]*inventory.Object)) (*rules.Catalog, error) {
	base, err := builtin.Catalog()
	if err != nil {
		return nil, fmt.Errorf("building the rule catalog: %w", err)
	}
	opts := policy.Options{Timeout: timeout}
	if admission != nil {
		opts.AdmissionPolicyRules = func(docs []*inventory.Object) ([]rules.Rule, error) {
			admission(docs)
			return nil, nil
		}
	}
	c, err := policy.Catalog(ctx, base, paths, opts)
	if err != nil {
		return nil, fmt.Errorf("loading policies: %w", err)
	}
	return c, nil
}

func (r *ruleFlags) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringSliceVar(&r.only, "rule", nil, "run only these rules (IDs, or area/* prefixes)")
	f.StringSliceVar(&r.skip, "skip-rule", nil, "do not run these rules (IDs, or area/* prefixes)")
	f.StringVar(&r.pssVersion, "pss-version", "latest", "Pod Security Standards version to evaluate (latest or v1.N)")
	f.StringVar(&r.kubeVersion, "kubernetes-version", "", "Kubernetes version the manifests are for (v1.N; default: the newest Palisade knows), for rules whose verdict depends on it (seccomp annotations, API versions no longer served)")
	f.StringVar(&r.config, "config", "", "config file (default: .palisade.yaml in the scanned folder or a parent)")
	f.BoolVar(&r.noAnnotationExem, "no-annotation-exemptions", false, "ignore palisade.dev/ignore annotations on objects (anyone who can edit a workload can add one)")
}

// selection validates the rule IDs the flags name and returns the selector.
func (r *ruleFlags) selection(c *rules.Catalog) (func(*rules.Rule) bool, error) {
	if err := c.CheckIDs("--rule", r.only); err != nil {
		return nil, err
	}
	if err := c.CheckIDs("--skip-rule", r.skip); err != nil {
		return nil, err
	}
	match := func(patterns []string, id string) bool {
		return slices.ContainsFunc(patterns, func(p string) bool { return rules.MatchID(p, id) })
	}
	return func(rule *rules.Rule) bool {
		if len(r.only) > 0 && !match(r.only, rule.ID) {
			return false
		}
		return !match(r.skip, rule.ID)
	}, nil
}

// inputRules are the IDs the flags name that only the input's ValidatingAdmissionPolicies
// can make (vap/<policy-name>), which the scan checks once it has read them; vap/* selects
// the whole family, whatever there is of it.
func (r *ruleFlags) inputRules() []string {
	var ids []string
	for _, id := range slices.Concat(r.only, r.skip) {
		if strings.HasPrefix(id, rules.InputPrefix) && id != rules.InputPrefix+"*" {
			ids = append(ids, id)
		}
	}
	return ids
}

// configPath is the config file: given, or found upward from the first path; "" for none.
func (r *ruleFlags) configPath(paths []string) string {
	path := r.config
	if path == "" && len(paths) > 0 && paths[0] != "-" {
		start := paths[0]
		if info, err := os.Stat(start); err == nil && !info.IsDir() {
			start = filepath.Dir(start)
		}
		if found, ok := suppress.FindConfig(start); ok {
			path = found
		}
	}
	return path
}

// policy loads the config at path ("" for none) and builds the suppression policy.
func (r *ruleFlags) policy(c *rules.Catalog, path string) (*suppress.Policy, error) {
	cfg := &suppress.Config{}
	if path != "" {
		var err error
		if cfg, err = suppress.LoadConfig(path, c); err != nil {
			return nil, err
		}
	}
	return &suppress.Policy{Config: cfg, Catalog: c, Annotations: !r.noAnnotationExem}, nil
}

func newScanCommand(s Streams) *cobra.Command {
	var (
		out            outputFlags
		rf             ruleFlags
		namespace      string
		complete       bool
		ex             expanderFlags
		followSymlinks bool
	)
	cmd := &cobra.Command{
		Use:   "scan PATH...",
		Short: "Scan manifests, Helm charts and kustomizations (files, folders, - for stdin)",
		Example: `  palisade scan examples/
  palisade scan deploy/ -o sarif=palisade.sarif -o text
  helm template my-chart | palisade scan -
  palisade scan charts/web --values prod.yaml --set image.tag=1.2.3`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			r, expanders, err := prepareManifests(cmd, &out, &rf, &ex, namespace, args)
			if err != nil {
				return err
			}
			var progress atomic.Int64
			reach := reachabilityFor(&out)
			stopProgress := showProgress(s.Err, func() string { return fmt.Sprintf("scanning: %d objects", progress.Load()) })
			res := scan.Manifests(cmd.Context(), scan.Request{
				Progress: &progress,
				Paths:    args,
				Load:     manifest.Options{Namespace: namespace, Stdin: s.In, Expanders: expanders, FollowSymlinks: followSymlinks},
				Catalog:  r.catalog,
				Rules:    r.reportOptions(&rf, &out),
				Policy:   r.policy,
				Selected: r.selected,

				AdmissionPolicies:  r.admissionPolicies,
				InputRules:         rf.inputRules(),
				NamespacesComplete: complete,
				Observe:            reach.observer(),
			})
			stopProgress()
			defer res.Close()
			in := &report.Input{
				Command: "scan", Targets: args, Version: version.Version,
				Active: res.ActiveFindings(), Suppressed: res.Suppressed, ShowSuppressed: out.showSuppressed,
				Errors: res.Errors, NotApplied: res.NotApplied, Rules: r.evaluated(nil), FailOn: r.failOn,
				Stats:        report.Stats{Files: res.Files, Documents: res.Documents, Objects: res.Objects},
				Reachability: reach.summary(),
			}
			return out.finish(s.Out, in, res.ExitCode(r.failOn))
		},
	}
	out.register(cmd)
	rf.register(cmd)
	rf.registerPolicies(cmd)
	rf.admissionPolicies = true
	ex.register(cmd)
	cmd.Flags().BoolVar(&complete, "namespaces-complete", false, "judge every namespace the input names with the namespace rules, as if the input were all the cluster holds (by default they judge only the namespaces the input defines)")
	cmd.Flags().StringVarP(&namespace, "namespace", "n", "default", "namespace of objects that name none (as kubectl apply would place them), and the Helm release namespace")
	cmd.Flags().BoolVar(&followSymlinks, "follow-symlinks", false, "follow symbolic links in scanned folders that lead outside the paths given (without it they are reported and not followed)")
	return cmd
}

// countStdin counts the paths that name standard input.
func countStdin(args []string) int {
	n := 0
	for _, a := range args {
		if a == "-" {
			n++
		}
	}
	return n
}
