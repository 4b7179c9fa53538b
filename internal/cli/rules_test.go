package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"palisade.dev/palisade/internal/cli"
	"palisade.dev/palisade/internal/ruledoc"
	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/rules/builtin"
)

// run executes a command line the way main does and returns its exit code and streams.
func run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = cli.Execute(context.Background(), args, cli.Streams{In: strings.NewReader(""), Out: &out, Err: &errOut})
	return code, out.String(), errOut.String()
}

func catalogRules(t *testing.T) []*rules.Rule {
	t.Helper()
	c, err := builtin.Catalog()
	if err != nil {
		t.Fatalf("building the catalog: %v", err)
	}
	if len(c.All()) == 0 {
		t.Fatal("the built-in catalog has no rules")
	}
	return c.All()
}

func TestRulesTableListsEveryRule(t *testing.T) {
	all := catalogRules(t)
	code, out, errOut := run(t, "rules")
	if code != 0 {
		t.Fatalf("exit code %d, stderr: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if got := strings.Fields(lines[0]); strings.Join(got, " ") != "ID SEVERITY AREA SCOPE TITLE" {
		t.Errorf("header = %q", lines[0])
	}
	if len(lines) != len(all)+1 {
		t.Fatalf("%d lines for %d rules:\n%s", len(lines), len(all), out)
	}
	for i, r := range all {
		f := strings.Fields(lines[i+1])
		if len(f) < 5 || f[0] != r.ID || f[1] != r.Severity.String() || f[2] != string(r.Area) || f[3] != string(r.Scope) {
			t.Errorf("line %d = %q; want %s %s %s %s ...", i+1, lines[i+1], r.ID, r.Severity, r.Area, r.Scope)
		}
		if !strings.HasSuffix(lines[i+1], r.Title) {
			t.Errorf("line %d = %q; want it to end with the title %q", i+1, lines[i+1], r.Title)
		}
	}
}

func TestRulesJSONHasTheWholeContract(t *testing.T) {
	all := catalogRules(t)
	code, out, errOut := run(t, "rules", "-o", "json")
	if code != 0 {
		t.Fatalf("exit code %d, stderr: %s", code, errOut)
	}
	var got struct {
		SchemaVersion string `json:"schemaVersion"`
		Rules         []struct {
			ID, Title, Severity, Area, Scope, Description, Remedy, HelpURI string
			Kinds, Fields, Allowed                                         []string
			References                                                     []rules.Reference
		} `json:"rules"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if got.SchemaVersion == "" || len(got.Rules) != len(all) {
		t.Fatalf("schemaVersion %q, %d rules; want a version and %d rules", got.SchemaVersion, len(got.Rules), len(all))
	}
	for i, r := range all {
		g := got.Rules[i]
		if g.ID != r.ID || g.Title != r.Title || g.Severity != r.Severity.String() || g.Area != string(r.Area) ||
			g.Scope != string(r.Scope) || g.Description != r.Description || g.Remedy != r.Remedy ||
			len(g.Fields) != len(r.Fields) || len(g.Allowed) != len(r.Allowed) || len(g.References) != len(r.References) ||
			len(g.Kinds) != len(r.Kinds) || !strings.HasSuffix(g.HelpURI, "#"+strings.ReplaceAll(r.ID, "/", "-")) {
			t.Errorf("rule %d: JSON %+v does not restate the catalog's %s", i, g, r.ID)
		}
	}
}

func TestRulesAreaFilter(t *testing.T) {
	all := catalogRules(t)
	area := string(all[0].Area)
	want := 0
	for _, r := range all {
		if string(r.Area) == area {
			want++
		}
	}
	code, out, _ := run(t, "rules", "--area", area)
	if code != 0 || strings.Count(out, "\n") != want+1 {
		t.Errorf("--area %s: exit %d, %d lines; want %d rules:\n%s", area, code, strings.Count(out, "\n")-1, want, out)
	}
	code, _, errOut := run(t, "rules", "--area", area+"s")
	if code != 2 || !strings.Contains(errOut, `unknown area "`+area+`s" (did you mean "`+area+`"?)`) {
		t.Errorf("a misspelt area: exit %d, stderr %q; want 2 and a suggestion", code, errOut)
	}
}

func TestRulesUnknownFormat(t *testing.T) {
	code, _, errOut := run(t, "rules", "-o", "yamlish")
	if code != 2 || !strings.Contains(errOut, `unknown output format "yamlish"`) {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}

func TestExplainPrintsTheContract(t *testing.T) {
	for _, r := range catalogRules(t) {
		t.Run(r.ID, func(t *testing.T) {
			code, out, errOut := run(t, "explain", r.ID)
			if code != 0 {
				t.Fatalf("exit code %d, stderr: %s", code, errOut)
			}
			want := []string{r.ID + ": " + r.Title, "Severity:  " + r.Severity.String(), "Area:      " + string(r.Area),
				"Scope:     " + string(r.Scope), "Kinds:", "Remedy:"}
			if len(r.Fields) > 0 {
				want = append(want, "Restricted fields:")
			}
			if len(r.Allowed) > 0 {
				want = append(want, "Allowed values:")
			}
			if len(r.References) > 0 {
				want = append(want, "References:")
			}
			for _, w := range want {
				if !strings.Contains(out, w) {
					t.Errorf("the explanation lacks %q:\n%s", w, out)
				}
			}
			// Prose is wrapped, so compare words, not lines.
			words := strings.Join(strings.Fields(out), " ")
			texts := map[string]string{"description": r.Description, "kinds": ruledoc.AppliesTo(r), "remedy": r.Remedy}
			if len(r.Fields) > 0 {
				texts["first restricted field"] = r.Fields[0]
			}
			for what, text := range texts {
				if !strings.Contains(words, strings.Join(strings.Fields(text), " ")) {
					t.Errorf("the explanation lacks the %s:\n%s", what, out)
				}
			}
		})
	}
}

func TestExplainUnknownRuleSuggests(t *testing.T) {
	id := catalogRules(t)[0].ID
	typo := id[:len(id)-1]
	code, out, errOut := run(t, "explain", typo)
	if code != 2 || out != "" {
		t.Errorf("exit %d, stdout %q; want 2 and nothing on stdout", code, out)
	}
	if want := `unknown rule "` + typo + `" (did you mean "` + id + `"?)`; !strings.Contains(errOut, want) {
		t.Errorf("stderr %q lacks %q", errOut, want)
	}
	if !strings.Contains(errOut, "palisade rules") {
		t.Errorf("stderr %q does not say how to list the rules", errOut)
	}
}

func TestExplainArea(t *testing.T) {
	all := catalogRules(t)
	area, _, _ := strings.Cut(all[0].ID, "/")
	want := 0
	for _, r := range all {
		if strings.HasPrefix(r.ID, area+"/") {
			want++
		}
	}
	code, out, errOut := run(t, "explain", area+"/*", "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d, stderr %s", code, errOut)
	}
	var got struct{ Rules []struct{ ID string } }
	if err := json.Unmarshal([]byte(out), &got); err != nil || len(got.Rules) != want {
		t.Errorf("explain %s/* -o json: %d rules (err %v), want %d", area, len(got.Rules), err, want)
	}
}

func TestExplainJSON(t *testing.T) {
	r := catalogRules(t)[0]
	code, out, _ := run(t, "explain", r.ID, "-o", "json")
	var got struct{ ID, Remedy string }
	if code != 0 || json.Unmarshal([]byte(out), &got) != nil || got.ID != r.ID || got.Remedy != r.Remedy {
		t.Errorf("explain -o json: exit %d, %q", code, out)
	}
}

func TestExplainNeedsOneRule(t *testing.T) {
	if code, _, _ := run(t, "explain"); code != 2 {
		t.Errorf("explain without a rule: exit %d, want 2", code)
	}
}
