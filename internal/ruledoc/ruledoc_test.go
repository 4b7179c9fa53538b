package ruledoc_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/ruledoc"
	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/rules/builtin"
	"palisade.dev/palisade/internal/testfiles"
)

// rulesDoc is docs/rules.md, relative to this package.
const rulesDoc = "../../docs/rules.md"

// TestRulesDocIsCurrent fails when docs/rules.md is not what the catalog generates, so the
// reference can never drift from the rules.
func TestRulesDocIsCurrent(t *testing.T) {
	c, err := builtin.Catalog()
	if err != nil {
		t.Fatalf("building the catalog: %v", err)
	}
	var want bytes.Buffer
	if err := ruledoc.WriteMarkdown(&want, c.All()); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(rulesDoc)
	if err != nil {
		t.Fatalf("reading docs/rules.md: %v; generate it with: %s", err, ruledoc.GenerateCommand)
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Errorf("docs/rules.md is stale: it differs from the rule catalog (first difference at line %d).\n"+
			"Regenerate it from the module root with:\n\n\t%s\n", firstDifference(got, want.Bytes()), ruledoc.GenerateCommand)
	}
}

func firstDifference(a, b []byte) int {
	la, lb := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := range min(len(la), len(lb)) {
		if la[i] != lb[i] {
			return i + 1
		}
	}
	return min(len(la), len(lb)) + 1
}

// TestAnchorsAreUnique pins that every rule of the catalog has its own section anchor, since
// SARIF help links and the reference's index point at them.
func TestAnchorsAreUnique(t *testing.T) {
	c, err := builtin.Catalog()
	if err != nil {
		t.Fatalf("building the catalog: %v", err)
	}
	seen := map[string]string{}
	for _, r := range c.All() {
		a := ruledoc.Anchor(r.ID)
		if other, dup := seen[a]; dup {
			t.Errorf("rules %s and %s share the anchor %s", other, r.ID, a)
		}
		seen[a] = r.ID
	}
}

// sampleRules is a fixed catalog covering every shape of rule documentation: pod, object and
// namespace scopes, kinds, fields, allowed values, references with and without URLs,
// multi-paragraph prose with a list, and an area the reference has no title for.
func sampleRules() []*rules.Rule {
	return []*rules.Rule{
		{ID: "rbac/wildcard-verbs", Title: "Roles grant every verb", Severity: finding.High, Area: rules.AreaRBAC, Scope: rules.ScopeObject,
			Kinds:       []string{"Role", "ClusterRole"},
			Description: "A rule with verbs: [\"*\"] grants every verb, including ones added\nin later releases.",
			Fields:      []string{"rules[*].verbs"}, Allowed: []string{"explicit verbs"},
			Remedy: "List the verbs the subject needs."},
		{ID: "pod/run-as-non-root", Title: "Container may run as root", Severity: finding.High, Area: rules.AreaWorkload, Scope: rules.ScopePod,
			Description: "A container that may run as root is root on the node if it escapes.\n\nThe kubelet enforces runAsNonRoot:\n- it refuses a root user\n- it refuses an image without a numeric user",
			Fields:      []string{"securityContext.runAsNonRoot", "containers[*].securityContext.runAsNonRoot"},
			Allowed:     []string{"true (container value, else pod value)"},
			References: []rules.Reference{
				{Kind: "PSS", ID: "restricted/runAsNonRoot", Title: "Running as Non-root", URL: "https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted"},
				{Kind: "CIS", ID: "5.2.7", Title: "Minimize the admission of root containers"},
			},
			Remedy: "Set securityContext.runAsNonRoot: true.", AutoFix: rules.FixEdit},
		{ID: "namespace/limit-range", Title: "Namespace has no LimitRange", Severity: finding.Low, Area: rules.AreaNamespace, Scope: rules.ScopeNamespace,
			Description: "Without a LimitRange, containers that set no requests get none.",
			Remedy:      "Add a LimitRange | with defaults.", AutoFix: rules.FixNamespaceFile},
		{ID: "mesh/strict-mtls", Title: "Mesh traffic is not mutual TLS", Severity: finding.Medium, Area: "service-mesh", Scope: rules.ScopeObject,
			Kinds: []string{"*"}, Description: "Plain text inside the mesh.", Remedy: "Set mode: STRICT."},
	}
}

func TestGolden(t *testing.T) {
	rs := sampleRules()
	tests := []struct {
		golden string
		write  func(*bytes.Buffer) error
	}{
		{"table.golden", func(b *bytes.Buffer) error { return ruledoc.WriteTable(b, rs) }},
		{"catalog.json.golden", func(b *bytes.Buffer) error { return ruledoc.WriteJSON(b, rs) }},
		{"rules.md.golden", func(b *bytes.Buffer) error { return ruledoc.WriteMarkdown(b, rs) }},
		{"explain-pod.golden", func(b *bytes.Buffer) error { return ruledoc.WriteExplanation(b, rs[1]) }},
		{"explain-object.golden", func(b *bytes.Buffer) error { return ruledoc.WriteExplanation(b, rs[0]) }},
		{"help.txt.golden", func(b *bytes.Buffer) error { _, err := b.WriteString(ruledoc.HelpText(rs[1])); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			var b bytes.Buffer
			if err := tt.write(&b); err != nil {
				t.Fatal(err)
			}
			testfiles.Golden(t, filepath.Join("testdata", tt.golden), b.Bytes())
		})
	}
}

func TestByAreaOrder(t *testing.T) {
	var got []string
	for _, g := range ruledoc.ByArea(sampleRules()) {
		got = append(got, string(g.Area))
	}
	// Known areas in reference order, then unknown ones alphabetically.
	if want := "workload namespace rbac service-mesh"; strings.Join(got, " ") != want {
		t.Errorf("areas in order %q, want %q", strings.Join(got, " "), want)
	}
}

func TestExplanationWrapsAtEightyColumns(t *testing.T) {
	r := sampleRules()[1]
	r.Description = strings.Repeat("word ", 60)
	var b bytes.Buffer
	if err := ruledoc.WriteExplanation(&b, r); err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(b.String(), "\n") {
		// A URL may not be broken; it stands alone on its line.
		if len(line) > 80 && strings.Contains(strings.TrimSpace(line), " ") {
			t.Errorf("line of %d columns: %q", len(line), line)
		}
	}
}

func TestMarkdownEscapesTableCells(t *testing.T) {
	r := sampleRules()[2]
	r.Title = "a | b"
	var b bytes.Buffer
	if err := ruledoc.WriteMarkdown(&b, []*rules.Rule{r}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `| a \| b |`) {
		t.Errorf("the title's | is not escaped in the table:\n%s", b.String())
	}
}

func TestMarkdownEscapesProse(t *testing.T) {
	r := sampleRules()[2]
	r.Description = "Set `seccomp: <type>` in containers[*].securityContext and initContainers[*], or keep CAP_SYS_ADMIN _off_."
	r.Allowed = []string{"localhost/<profile>"}
	md := ruledoc.RuleMarkdown(r)
	for _, want := range []string{
		"`seccomp: <type>`",              // code spans are kept as written
		`containers[\*].securityContext`, // a lone * could start emphasis
		"CAP_SYS_ADMIN",                  // an underscore inside a word cannot
		`\_off\_`,
		"localhost/&lt;profile&gt;", // would vanish as an HTML tag
	} {
		if !strings.Contains(md, want) {
			t.Errorf("the Markdown lacks %q:\n%s", want, md)
		}
	}
}
