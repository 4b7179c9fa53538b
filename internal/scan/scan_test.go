package scan_test

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"palisade.dev/palisade/internal/cause"
	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/scan"
	"palisade.dev/palisade/internal/source/manifest"
	"palisade.dev/palisade/internal/suppress"
	"palisade.dev/palisade/internal/testcorpus"
	"palisade.dev/palisade/internal/testrules"
	"palisade.dev/palisade/internal/testscan"
)

// TestStreamingScanFindsWhatABatchScanFinds pins the streaming design: rules evaluated as each
// object is decoded, with objects released once no later rule reads them and their findings
// spooled out of the heap until the cross-object rules have run, find exactly what the same
// rules find over a complete inventory that keeps every object whole; and so does the scan
// that cannot spool (no temporary folder to write in) and holds its findings instead.
func TestStreamingScanFindsWhatABatchScanFinds(t *testing.T) {
	dir := t.TempDir()
	if _, err := testcorpus.Generate(dir, 1000, 1); err != nil {
		t.Fatal(err)
	}
	catalog := testrules.Builtin(t)
	opts := rules.Options{PSSVersion: "latest", FromManifests: true}
	loaded := manifest.Load(context.Background(), []string{dir}, manifest.Options{})
	batch := catalog.Evaluate(loaded.Inventory, &opts, nil)
	finding.Sort(batch)
	batch = cause.Fold(batch)
	if len(batch) == 0 {
		t.Fatal("the corpus gave no finding; it is built to have many")
	}

	for _, tmp := range []struct{ name, dir string }{
		{"spooled", t.TempDir()},
		{"held, when no spool can be made", filepath.Join(t.TempDir(), "missing")},
	} {
		t.Run(tmp.name, func(t *testing.T) {
			t.Setenv("TMPDIR", tmp.dir)
			streamed := scan.Manifests(context.Background(), scan.Request{Paths: []string{dir}, Catalog: catalog, Rules: opts, NamespacesComplete: true})
			if len(streamed.Errors) > 0 {
				t.Fatalf("scan errors: %v", streamed.Errors)
			}
			sameFindings(t, testscan.Active(t, streamed), batch)
			if streamed.Objects != loaded.Inventory.Len() {
				t.Errorf("streaming counted %d objects, the load %d", streamed.Objects, loaded.Inventory.Len())
			}
			if entries, _ := os.ReadDir(tmp.dir); len(entries) > 0 {
				t.Errorf("the scan left %s in the temporary folder", entries[0].Name())
			}
		})
	}
}

// sameFindings fails the test unless a streaming scan found exactly what a batch evaluation
// found, in the same order.
func sameFindings(t *testing.T, streamed, batch []finding.Finding) {
	t.Helper()
	if len(streamed) != len(batch) {
		t.Fatalf("streaming found %d, batch %d", len(streamed), len(batch))
	}
	for i := range batch {
		if !reflect.DeepEqual(streamed[i], batch[i]) {
			t.Fatalf("finding %d differs:\nstreamed %+v\nbatch    %+v", i, streamed[i], batch[i])
		}
	}
}

// TestEachRuleAloneStreamsAsItBatches pins each cross-object rule's Reads and ReadsReleased:
// selected alone (as --rule does), so that no other rule keeps the kinds it reads, a rule
// whose deferred or namespace checks read the inventory finds in a streaming scan, which
// releases every kind no selected rule reads, exactly what it finds over an inventory that
// keeps every object.
func TestEachRuleAloneStreamsAsItBatches(t *testing.T) {
	dir := t.TempDir()
	if _, err := testcorpus.Generate(dir, 300, 1); err != nil {
		t.Fatal(err)
	}
	inputs := []string{dir, filepath.Join("..", "rules", "rbac", "testdata"), filepath.Join("..", "rules", "podspec", "testdata")}
	catalog := testrules.Builtin(t)
	opts := rules.Options{PSSVersion: "latest", FromManifests: true}
	loaded := manifest.Load(context.Background(), inputs, manifest.Options{})
	judged := 0
	for _, r := range catalog.All() {
		if len(r.Reads)+len(r.ReadsReleased) == 0 || r.Scope != rules.ScopePod && r.Scope != rules.ScopeObject && r.Scope != rules.ScopeNamespace {
			continue
		}
		alone := func(x *rules.Rule) bool { return x.ID == r.ID }
		t.Run(r.ID, func(t *testing.T) {
			batch := catalog.Evaluate(loaded.Inventory, &opts, alone)
			finding.Sort(batch)
			batch = cause.Fold(batch)
			res := scan.Manifests(context.Background(), scan.Request{Paths: inputs, Catalog: catalog, Rules: opts, Selected: alone, NamespacesComplete: true})
			sameFindings(t, testscan.Active(t, res), batch)
			if len(batch) > 0 {
				judged++
			}
		})
	}
	if judged < 10 {
		t.Errorf("only %d rules found something in the input: it no longer tests what it should", judged)
	}
}

// TestNamespaceRulesJudgeOnlyDefinedNamespaces pins the scope of namespace rules on manifests:
// a namespace the input names but does not define is not judged (a chart cannot say what the
// cluster has there) and a coverage note names it; one the input defines is judged; and
// --namespaces-complete makes the input the whole truth again.
func TestNamespaceRulesJudgeOnlyDefinedNamespaces(t *testing.T) {
	const pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: app, namespace: %s}\nspec:\n  containers: [{name: app, image: app:1}]\n"
	const ns = "apiVersion: v1\nkind: Namespace\nmetadata: {name: %s}\n"
	tests := []struct {
		name     string
		docs     []string
		complete bool
		// judged are the namespaces with a namespace/limit-range finding; notApplied those the
		// coverage note names.
		judged, notApplied []string
	}{
		{name: "a namespace the input only names is not judged and is named in the note",
			docs: []string{fmt.Sprintf(pod, "shop")}, notApplied: []string{"shop"}},
		{name: "a namespace the input defines is judged",
			docs: []string{fmt.Sprintf(ns, "shop"), fmt.Sprintf(pod, "shop")}, judged: []string{"shop"}},
		{name: "defined and undefined namespaces side by side",
			docs:   []string{fmt.Sprintf(ns, "shop"), fmt.Sprintf(pod, "shop"), fmt.Sprintf(pod, "web")},
			judged: []string{"shop"}, notApplied: []string{"web"}},
		{name: "--namespaces-complete judges every namespace the input names",
			docs: []string{fmt.Sprintf(pod, "shop"), fmt.Sprintf(pod, "web")}, complete: true, judged: []string{"shop", "web"}},
	}
	catalog := testrules.Builtin(t)
	namespaceRules := 0
	for _, r := range catalog.All() {
		if r.Scope == rules.ScopeNamespace {
			namespaceRules++
		}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "in.yaml")
			if err := os.WriteFile(file, []byte(strings.Join(tt.docs, "---\n")), 0o600); err != nil {
				t.Fatal(err)
			}
			res := scan.Manifests(context.Background(), scan.Request{
				Paths: []string{file}, Catalog: catalog, Rules: rules.Options{PSSVersion: "latest"},
				Selected:           func(r *rules.Rule) bool { return r.Scope == rules.ScopeNamespace },
				NamespacesComplete: tt.complete,
			})
			if len(res.Errors) > 0 {
				t.Fatalf("scan errors: %v", res.Errors)
			}
			var judged []string
			for _, f := range testscan.Active(t, res) {
				if f.RuleID == "namespace/limit-range" {
					judged = append(judged, f.Object.Name)
				}
			}
			if !slices.Equal(judged, tt.judged) {
				t.Errorf("namespaces judged = %v, want %v", judged, tt.judged)
			}
			var noted []string
			for _, n := range res.NotApplied {
				noted = append(noted, n.Namespaces...)
				if len(n.Rules) != namespaceRules || !strings.Contains(n.Reason, "--namespaces-complete") {
					t.Errorf("coverage note %+v should name the %d namespace rules (namespace/ and network/) and the flag", n, namespaceRules)
				}
			}
			if !slices.Equal(noted, tt.notApplied) {
				t.Errorf("namespaces not applied = %v, want %v", noted, tt.notApplied)
			}
			if code := res.ExitCode(finding.Critical + 1); code != 0 {
				t.Errorf("exit code %d with --fail-on=none: a coverage note is not an error", code)
			}
		})
	}
}

// TestOneCauseOneFinding pins how findings of one cause are folded: the most severe rule speaks
// and names the others; a rule that was not selected, or is suppressed, is not folded in (and
// never swallows one that is active); severity overrides decide who speaks; the exit code is
// the one the unfolded findings give.
func TestOneCauseOneFinding(t *testing.T) {
	const pod = `apiVersion: v1
kind: Pod
metadata: {name: app, namespace: shop}
spec:
  automountServiceAccountToken: false
  securityContext: {runAsNonRoot: true}
  containers:
  - name: app
    image: registry.example/app:latest
    resources: {requests: {cpu: 10m, memory: 10Mi}, limits: {cpu: 10m, memory: 10Mi}}
    securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}}
`
	tests := []struct {
		name     string
		rules    []string
		config   string
		failOn   finding.Severity
		want     []string // active findings at the seccomp and image fields, "rule [also...]"
		wantSupp []string // suppressed findings' rules
		wantExit int
	}{
		{name: "every rule: the pod rule speaks and names the pss check and the other image rule",
			rules: []string{"pod/seccomp", "pss/restricted", "pod/image-tag", "pod/image-digest"}, failOn: finding.Medium,
			want:     []string{"pod/image-tag [pod/image-digest]", "pod/seccomp [pss/restricted:seccompProfile_restricted]"},
			wantExit: 1},
		{name: "only pss/restricted selected: its finding stands on its own",
			rules: []string{"pss/restricted"}, failOn: finding.High,
			want: []string{"pss/restricted []"}},
		{name: "pod/seccomp suppressed: the pss check is reported, not swallowed",
			rules:    []string{"pod/seccomp", "pss/restricted"},
			config:   "version: 1\nexemptions:\n- rules: [pod/seccomp]\n  namespaces: [shop]\n  reason: runtime default set on the nodes\n",
			failOn:   finding.Medium,
			want:     []string{"pss/restricted []"},
			wantSupp: []string{"pod/seccomp"}, wantExit: 1},
		{name: "an override makes pss/restricted the most severe: it speaks and names pod/seccomp",
			rules:  []string{"pod/seccomp", "pss/restricted"},
			config: "version: 1\nseverity:\n  pss/restricted: critical\n", failOn: finding.Critical,
			want: []string{"pss/restricted [pod/seccomp]"}, wantExit: 1},
		{name: "an override lowers the speaker: --fail-on still sees the most severe rule of the cause",
			rules:  []string{"pod/seccomp", "pss/restricted"},
			config: "version: 1\nseverity:\n  pod/seccomp: low\n", failOn: finding.Medium,
			want: []string{"pss/restricted [pod/seccomp]"}, wantExit: 1},
	}
	catalog := testrules.Builtin(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			file := filepath.Join(dir, "pod.yaml")
			if err := os.WriteFile(file, []byte(pod), 0o600); err != nil {
				t.Fatal(err)
			}
			cfg := &suppress.Config{}
			if tt.config != "" {
				path := filepath.Join(dir, ".palisade.yaml")
				if err := os.WriteFile(path, []byte(tt.config), 0o600); err != nil {
					t.Fatal(err)
				}
				var err error
				if cfg, err = suppress.LoadConfig(path, catalog); err != nil {
					t.Fatal(err)
				}
			}
			res := scan.Manifests(context.Background(), scan.Request{
				Paths: []string{file}, Catalog: catalog, Rules: rules.Options{PSSVersion: "latest"},
				Policy:   &suppress.Policy{Config: cfg, Catalog: catalog, Annotations: true},
				Selected: func(r *rules.Rule) bool { return slices.Contains(tt.rules, r.ID) },
			})
			if len(res.Errors) > 0 {
				t.Fatalf("scan errors: %v", res.Errors)
			}
			var got []string
			for _, f := range testscan.Active(t, res) {
				got = append(got, f.RuleID+" ["+strings.Join(f.AlsoBreaks(), " ")+"]")
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("findings = %q, want %q", got, tt.want)
			}
			var supp []string
			for _, f := range res.Suppressed {
				supp = append(supp, f.RuleID)
			}
			if !slices.Equal(supp, tt.wantSupp) {
				t.Errorf("suppressed = %q, want %q", supp, tt.wantSupp)
			}
			if code := res.ExitCode(tt.failOn); code != tt.wantExit {
				t.Errorf("exit code %d at --fail-on=%s, want %d", code, tt.failOn, tt.wantExit)
			}
		})
	}
}

// TestARulePanicIsAScanErrorNotACrash pins that a rule that panics on an object makes the scan
// report an error there (exit code 2) while the other rules and objects are still judged.
func TestARulePanicIsAScanErrorNotACrash(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "pods.yaml")
	pods := "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {containers: [{name: c, image: x}]}\n---\n" +
		"apiVersion: v1\nkind: Pod\nmetadata: {name: b}\nspec: {containers: [{name: c, image: x}]}\n"
	if err := os.WriteFile(file, []byte(pods), 0o600); err != nil {
		t.Fatal(err)
	}
	rule := func(id string, check func(*rules.PodContext) []rules.Violation) rules.Rule {
		return rules.Rule{ID: id, Title: "t", Description: "d", Remedy: "r", Area: rules.AreaWorkload, Scope: rules.ScopePod, Severity: finding.High, Pod: check}
	}
	catalog, err := rules.NewCatalog(
		rule("pod/boom", func(ctx *rules.PodContext) []rules.Violation {
			if ctx.Object.Name == "a" {
				var p *rules.Violation
				return []rules.Violation{*p}
			}
			return nil
		}),
		rule("pod/fine", func(*rules.PodContext) []rules.Violation { return []rules.Violation{{Message: "seen"}} }),
	)
	if err != nil {
		t.Fatal(err)
	}
	res := scan.Manifests(context.Background(), scan.Request{Paths: []string{file}, Catalog: catalog})
	if len(testscan.Active(t, res)) != 2 {
		t.Errorf("got %d findings, want pod/fine on both pods", len(testscan.Active(t, res)))
	}
	if len(res.Errors) != 1 || !strings.Contains(res.Errors[0].Message, "pod/boom") || res.Errors[0].Object.Name != "a" || res.Errors[0].Location.Line != 1 {
		t.Fatalf("errors = %+v, want one naming pod/boom at pod a", res.Errors)
	}
	if code := res.ExitCode(finding.Critical); code != 2 {
		t.Errorf("exit code %d, want 2", code)
	}
}

// TestReleasedObjectsKeepWhatSuppressionReads pins what a streaming scan keeps of an object's
// labels and annotations once its rules have run (the labels only when an exemption selects
// labels, and only the annotations exemptions are read from): every exemption still applies, and
// a misspelt exemption annotation is still reported where it is written.
func TestReleasedObjectsKeepWhatSuppressionReads(t *testing.T) {
	const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: %s
  namespace: shop
  labels: {app: %s, tier: web}
  annotations:
    description: a web server
%[3]s
spec:
  selector: {matchLabels: {app: %[2]s}}
  template:
    metadata:
      labels: {app: %[2]s}
      annotations:
        prometheus.io/scrape: "true"
%[4]s
    spec:
      containers:
      - name: app
        image: registry.example/app:1.0
        securityContext: {privileged: true}
`
	doc := func(name, app, annotation, podAnnotation string) string {
		return fmt.Sprintf(deployment, name, app, annotation, podAnnotation)
	}
	tests := []struct {
		name       string
		manifest   string
		config     string
		wantActive []string // objects with an active pod/privileged finding
		wantSupp   []string // objects whose finding is suppressed
		wantErrors []string // "line: message"
	}{
		{name: "an exemption that selects labels matches the labels of the object",
			manifest:   doc("cni", "cilium", "", "") + "---\n" + doc("web", "shop", "", ""),
			config:     "version: 1\nexemptions:\n- rules: [pod/privileged]\n  labels: {app: cilium}\n  reason: the CNI needs it\n",
			wantActive: []string{"web"}, wantSupp: []string{"cni"}},
		{name: "an exemption annotation on the object applies",
			manifest:   doc("cni", "cilium", "    palisade.dev/ignore: pod/privileged the CNI needs it", "") + "---\n" + doc("web", "shop", "", ""),
			wantActive: []string{"web"}, wantSupp: []string{"cni"}},
		{name: "an exemption annotation on the pod template applies",
			manifest: doc("cni", "cilium", "", "        palisade.dev/ignore: pod/privileged the CNI needs it"),
			wantSupp: []string{"cni"}},
		{name: "a misspelt exemption annotation is reported at its line, and exempts nothing",
			manifest:   doc("cni", "cilium", "    palisade.dev/ingore: pod/privileged the CNI needs it", ""),
			wantActive: []string{"cni"},
			wantErrors: []string{"9: unknown annotation palisade.dev/ingore (did you mean palisade.dev/ignore?); it exempts nothing"}},
	}
	catalog := testrules.Builtin(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			file := filepath.Join(dir, "app.yaml")
			if err := os.WriteFile(file, []byte(tt.manifest), 0o600); err != nil {
				t.Fatal(err)
			}
			cfg, err := suppress.ParseConfig(".palisade.yaml", []byte(cmp.Or(tt.config, "version: 1\n")), catalog)
			if err != nil {
				t.Fatal(err)
			}
			res := scan.Manifests(context.Background(), scan.Request{
				Paths: []string{file}, Catalog: catalog, Rules: rules.Options{PSSVersion: "latest"},
				Policy:   &suppress.Policy{Config: cfg, Catalog: catalog, Annotations: true},
				Selected: func(r *rules.Rule) bool { return r.ID == "pod/privileged" },
			})
			names := func(fs []finding.Finding) []string {
				var out []string
				for _, f := range fs {
					out = append(out, f.Object.Name)
				}
				return out
			}
			if got := names(testscan.Active(t, res)); !slices.Equal(got, tt.wantActive) {
				t.Errorf("active findings on %q, want %q", got, tt.wantActive)
			}
			if got := names(res.Suppressed); !slices.Equal(got, tt.wantSupp) {
				t.Errorf("suppressed findings on %q, want %q", got, tt.wantSupp)
			}
			var errs []string
			for _, e := range res.Errors {
				errs = append(errs, fmt.Sprintf("%d: %s", e.Location.Line, e.Message))
			}
			if !slices.Equal(errs, tt.wantErrors) {
				t.Errorf("errors = %q, want %q", errs, tt.wantErrors)
			}
		})
	}
}
