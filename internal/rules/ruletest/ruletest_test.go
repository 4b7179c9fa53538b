package ruletest

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestCheck pins that a fixture fails when its comments do not hold exactly: a misspelt ID,
// a finding wanted too few or too many times, a message that does not match.
func TestCheck(t *testing.T) {
	c := Builtin(t)
	for _, tc := range []struct {
		name, file string
		want       []string // one problem containing each, in order; none: the fixture holds
	}{
		{"a fixture whose wants match its findings holds", "holds.yaml", nil},
		{"a prefix selector holds when it selects rules", "prefix-selector.yaml", nil},
		{"a misspelt rules ID fails instead of selecting nothing", "misspelt-selector.yaml", []string{
			"`# rules:` rule: unknown rule \"pod/run-as-root-usr\" (did you mean \"pod/run-as-root-user\"?)",
			":9: want pod/run-as-root-user, a rule the `# rules:` line does not select",
			":9: want pod/run-as-root-user, a rule the `# rules:` line does not select",
			":9: want pod/run-as-root-user, got no such finding",
			":9: want pod/run-as-root-user, got no such finding",
		}},
		{"a misspelt want ID fails", "misspelt-want.yaml", []string{
			":9: want pod/run-as-root-usr: rule: unknown rule",
			":9: want pod/run-as-root-usr, got no such finding",
		}},
		{"a second finding on a line wanted once fails", "missing-second-want.yaml", []string{
			":9: unexpected pod/run-as-root-user",
		}},
		{"a finding wanted more often than found fails", "one-want-too-many.yaml", []string{
			":9: want pod/run-as-root-user, got no such finding (3 wanted on the line, 2 found",
		}},
		{"a message pattern no finding matches fails", "message-mismatch.yaml", []string{
			`:9: unexpected pod/run-as-root-user (spec.securityContext.runAsUser: container "sidecar"`,
			`:9: want pod/run-as-root-user "container \"init\"", got no such finding`,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Check(c, filepath.Join("testdata", tc.file), nil)
			if len(got) != len(tc.want) {
				t.Fatalf("got %d problems, want %d:\n%s", len(got), len(tc.want), strings.Join(got, "\n"))
			}
			for i, w := range tc.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("problem %d = %q, want it to contain %q", i, got[i], w)
				}
			}
		})
	}
}

// TestParseWants pins the syntax of a `# want:` list.
func TestParseWants(t *testing.T) {
	for _, tc := range []struct {
		name, list string
		want       []string
		err        bool
	}{
		{"IDs separated by commas", "a/b, a/c,a/b", []string{"a/b", "a/c", "a/b"}, false},
		{"an ID with a message pattern", `a/b "runs \"root\"", a/c`, []string{`a/b "runs \"root\""`, "a/c"}, false},
		{"a pattern with a comma", `a/b "x, y"`, []string{`a/b "x, y"`}, false},
		{"an unclosed pattern is an error", `a/b "x`, nil, true},
		{"a bad regular expression is an error", `a/b "("`, nil, true},
		{"an empty ID is an error", "a/b,", []string{"a/b"}, true},
		{"two IDs without a comma are an error", "a/b a/c", []string{"a/b"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ws, err := parseWants(1, tc.list)
			if (err != nil) != tc.err {
				t.Fatalf("error %v, want error %t", err, tc.err)
			}
			var got []string
			for _, w := range ws {
				got = append(got, w.String())
			}
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}
