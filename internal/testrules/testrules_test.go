package testrules

import (
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/rules"
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
			checkProblems(t, Check(c, filepath.Join("testdata", tc.file), nil), tc.want)
		})
	}
}

// checkProblems fails the test unless got holds one problem containing each of want, in
// order.
func checkProblems(t *testing.T, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d problems, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
	for i, w := range want {
		if !strings.Contains(got[i], w) {
			t.Errorf("problem %d = %q, want it to contain %q", i, got[i], w)
		}
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

// harnessRules are one rule of each live scope, each failing on a thing named "bad".
func harnessRules() []rules.Rule {
	base := func(id string, scope rules.Scope) rules.Rule {
		return rules.Rule{ID: id, Title: id, Severity: finding.High, Area: "test", Scope: scope,
			Description: "A rule of the harness's tests.", Remedy: "None."}
	}
	node := base("test/node", rules.ScopeNode)
	node.Components = []inventory.ComponentKind{inventory.KubeAPIServer}
	node.Node = func(c *rules.NodeContext) []rules.Violation {
		if c.Node.Host == "bad" {
			return []rules.Violation{{Path: "--flag", Message: "The flag is bad.", Evidence: "--flag=bad"}}
		}
		c.Pass("--flag=good")
		return nil
	}
	ep := base("test/endpoint", rules.ScopeEndpoint)
	ep.Endpoint = func(c *rules.EndpointContext) []rules.Violation {
		if !c.Endpoint.Reachable {
			c.NotApplicable("The endpoint did not answer.")
			return nil
		}
		return []rules.Violation{{Message: "The endpoint answers."}}
	}
	cl := base("test/cluster", rules.ScopeCluster)
	cl.Cluster = func(c *rules.ClusterContext) []rules.Violation {
		if c.Cluster.Context == "bad" {
			return []rules.Violation{{Message: "The cluster is bad."}}
		}
		return nil
	}
	return []rules.Rule{node, ep, cl}
}

// recorder is a test that records its failures; Fatalf ends the goroutine, as testing's does.
type recorder struct {
	testing.TB
	mu     sync.Mutex
	failed []string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failed = append(r.failed, format)
}
func (r *recorder) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	runtime.Goexit()
}

// record runs fn as the test t and returns what it recorded, on a goroutine of its own for
// Fatalf to end.
func record(t testing.TB, fn func(testing.TB)) []string {
	rec := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(rec)
	}()
	<-done
	return rec.failed
}

// TestVerdicts pins the verdicts the harness returns for each live scope, and that a rule ID
// the catalog does not have fails the test instead of judging nothing.
func TestVerdicts(t *testing.T) {
	apiserver := func(host string) *inventory.Node {
		return &inventory.Node{Host: host, Components: []*inventory.Component{{Kind: inventory.KubeAPIServer, Path: "/etc/kubernetes/manifests/kube-apiserver.yaml"}}}
	}
	for _, tc := range []struct {
		name   string
		judge  func(testing.TB, *rules.Catalog) []Verdict
		want   []Verdict // Finding left out of the comparison
		failed string    // the failure the test records, if any
	}{
		{"a node rule that holds passes with its evidence", func(t testing.TB, c *rules.Catalog) []Verdict {
			return Node(t, c, "test/node", apiserver("good"), nil)
		}, []Verdict{{Rule: "test/node", Status: finding.Pass, Severity: finding.High, Message: "Passed.", Evidence: "--flag=good", Kind: "kube-apiserver", Name: "good", File: "/etc/kubernetes/manifests/kube-apiserver.yaml"}}, ""},
		{"a node rule that does not hold fails with its path and evidence", func(t testing.TB, c *rules.Catalog) []Verdict {
			return Node(t, c, "", apiserver("bad"), nil)
		}, []Verdict{{Rule: "test/node", Status: finding.Fail, Severity: finding.High, Message: "The flag is bad.", Path: "--flag", Evidence: "--flag=bad", Kind: "kube-apiserver", Name: "bad", File: "/etc/kubernetes/manifests/kube-apiserver.yaml"}}, ""},
		{"a node without the rule's component is not applicable", func(t testing.TB, c *rules.Catalog) []Verdict {
			return Node(t, c, "test/node", &inventory.Node{Host: "worker"}, nil)
		}, []Verdict{{Rule: "test/node", Status: finding.NotApplicable, Severity: finding.High, Message: "No kube-apiserver was found on this node.", Kind: "Node", Name: "worker"}}, ""},
		{"an endpoint rule says why it does not apply", func(t testing.TB, c *rules.Catalog) []Verdict {
			return Endpoints(t, c, "test/endpoint", nil, &inventory.Endpoint{Address: "10.0.0.1:10250", Component: "kubelet"})
		}, []Verdict{{Rule: "test/endpoint", Status: finding.NotApplicable, Severity: finding.High, Message: "The endpoint did not answer.", Kind: "kubelet", Name: "10.0.0.1:10250"}}, ""},
		{"an endpoint rule fails on each endpoint it judges", func(t testing.TB, c *rules.Catalog) []Verdict {
			return Endpoints(t, c, "", nil, &inventory.Endpoint{Address: "10.0.0.1:10250", Component: "kubelet", Reachable: true})
		}, []Verdict{{Rule: "test/endpoint", Status: finding.Fail, Severity: finding.High, Message: "The endpoint answers.", Kind: "kubelet", Name: "10.0.0.1:10250"}}, ""},
		{"a cluster rule fails on the cluster", func(t testing.TB, c *rules.Catalog) []Verdict {
			return Cluster(t, c, "test/cluster", &inventory.Cluster{Context: "bad"}, nil)
		}, []Verdict{{Rule: "test/cluster", Status: finding.Fail, Severity: finding.High, Message: "The cluster is bad.", Kind: rules.ClusterKind, Name: "bad"}}, ""},
		{"a cluster rule that holds reports nothing", func(t testing.TB, c *rules.Catalog) []Verdict {
			return Cluster(t, c, "test/cluster", &inventory.Cluster{Context: "good"}, nil)
		}, nil, ""},
		{"a rule ID not in the catalog fails the test", func(t testing.TB, c *rules.Catalog) []Verdict {
			return Node(t, c, "test/nod", apiserver("good"), nil)
		}, nil, "testrules: %v"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := Rules(t, harnessRules()...)
			var got []Verdict
			recorded := record(t, func(t testing.TB) { got = tc.judge(t, c) })
			if failed := strings.Join(recorded, "; "); failed != tc.failed {
				t.Errorf("the test recorded %q, want %q", failed, tc.failed)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("%d verdicts, want %d: %+v", len(got), len(tc.want), got)
			}
			for i, v := range got {
				if v.Finding.RuleID != v.Rule {
					t.Errorf("verdict %d: its finding is of %s", i, v.Finding.RuleID)
				}
				v.Finding = finding.Finding{}
				if !reflect.DeepEqual(v, tc.want[i]) {
					t.Errorf("verdict %d:\n got %+v\nwant %+v", i, v, tc.want[i])
				}
			}
		})
	}
}

// TestVerdictIndexAndText pins how a table reads verdicts: by rule and name, a second verdict
// of the same rule on the same thing failing the test, and what each status tells.
func TestVerdictIndexAndText(t *testing.T) {
	fail := Verdict{Rule: "r", Name: "a", Status: finding.Fail, Severity: finding.High, Message: "m", Evidence: "e"}
	pass := Verdict{Rule: "r", Name: "b", Status: finding.Pass, Message: "Passed.", Evidence: "e"}
	na := Verdict{Rule: "r", Name: "c", Status: finding.NotApplicable, Message: "why"}
	for _, tc := range []struct {
		name          string
		vs            []Verdict
		keys          []string
		failed        bool
		outcome, text string // of the first verdict
		said          string // its String
	}{
		{"a failure tells its message and evidence", []Verdict{fail, pass}, []string{"r a", "r b"}, false, "fail high", "m | e", "r on a: fail high"},
		{"a pass tells its evidence", []Verdict{pass}, []string{"r b"}, false, "pass", "e", "r on b: pass"},
		{"a not-applicable verdict tells its reason", []Verdict{na}, []string{"r c"}, false, "not-applicable", "why", "r on c: not-applicable"},
		{"two verdicts of a rule on one thing fail the test", []Verdict{fail, fail}, []string{"r a"}, true, "fail high", "m | e", "r on a: fail high"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{TB: t}
			got := Index(rec, tc.vs)
			if len(rec.failed) > 0 != tc.failed {
				t.Errorf("the test recorded %q, want a failure: %v", rec.failed, tc.failed)
			}
			if len(got) != len(tc.keys) {
				t.Errorf("%d verdicts indexed, want %d", len(got), len(tc.keys))
			}
			for _, k := range tc.keys {
				if _, ok := got[k]; !ok {
					t.Errorf("no verdict at %q", k)
				}
			}
			v := tc.vs[0]
			if v.Outcome() != tc.outcome || v.Text() != tc.text || v.String() != tc.said {
				t.Errorf("%q, %q, %q; want %q, %q, %q", v.Outcome(), v.Text(), v.String(), tc.outcome, tc.text, tc.said)
			}
		})
	}
}

// TestWantCheck pins what Want.Check accepts and what it reports.
func TestWantCheck(t *testing.T) {
	failed := Verdict{Status: finding.Fail, Severity: finding.High, Message: "etcd serves plain HTTP", Evidence: "--listen-client-urls=http://0.0.0.0:2379", File: "/etc/kubernetes/manifests/etcd.yaml"}
	for _, tc := range []struct {
		name string
		want Want
		v    Verdict
		errs []string
	}{
		{"a verdict as expected passes", Want{Status: finding.Fail, Severity: finding.High, Message: "plain HTTP", Evidence: "0.0.0.0", File: failed.File}, failed, nil},
		{"another status ends the test", Want{Status: finding.Pass, Message: "never checked"}, failed, []string{"status %q, want %q (%s | %s)"}},
		{"another severity of a failure is reported", Want{Status: finding.Fail, Severity: finding.Low}, failed, []string{"severity %s, want %s"}},
		{"a message, evidence or file that differs is reported, each", Want{Status: finding.Fail, Severity: finding.High, Message: "TLS", Evidence: "127.0.0.1", File: "/other"}, failed,
			[]string{"message %q does not contain %q", "evidence %q does not contain %q", "finding located at %q, want %q"}},
		{"the severity of a pass is not compared", Want{Status: finding.Pass, Severity: finding.High}, Verdict{Status: finding.Pass}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			recorded := record(t, func(t testing.TB) { tc.want.Check(t, tc.v) })
			if !slices.Equal(recorded, tc.errs) {
				t.Errorf("recorded %q, want %q", recorded, tc.errs)
			}
		})
	}
}

// TestCheckNodeTree pins that a node tree fails when its want.txt does not hold exactly: a
// misspelt ID, a verdict nobody wanted, a want of another outcome or text, a line that does
// not read.
func TestCheckNodeTree(t *testing.T) {
	c := Builtin(t)
	for _, tc := range []struct {
		name, tree string
		want       []string // one problem containing each, in order; none: the tree holds
	}{
		{"a tree whose wants match its verdicts holds", "holds", nil},
		{"a tree without processes is read with none", "no-proc", nil},
		{"a misspelt want ID fails", "misspelt-want", []string{
			`want.txt:1: want kube-proxy/metrics-bind-adress fail: rule: unknown rule "kube-proxy/metrics-bind-adress" (did you mean "kube-proxy/metrics-bind-address"?)`,
			"want.txt:1: want kube-proxy/metrics-bind-adress fail, got no such verdict",
		}},
		{"a misspelt selector fails instead of selecting nothing", "misspelt-selector", []string{
			"`# rules:` rule: unknown rule \"kube-prxy/*\"",
			"want.txt:2: want kube-proxy/metrics-bind-address, a rule the `# rules:` line does not select",
			"want.txt:2: want kube-proxy/metrics-bind-address fail, got no such verdict",
		}},
		{"a verdict no line wants fails", "missing-want", []string{
			"want.txt: unexpected kube-proxy/metrics-bind-address fail low: kube-proxy serves its metrics without authentication on 0.0.0.0:10249",
		}},
		{"a want of another outcome fails, naming the verdict left", "wrong-outcome", []string{
			`want.txt:1: want kube-proxy/metrics-bind-address pass, got no such verdict (its verdicts left: fail low "kube-proxy serves`,
			"want.txt: unexpected kube-proxy/metrics-bind-address fail low",
		}},
		{"a text pattern no verdict matches fails", "text-mismatch", []string{
			`want.txt:1: want kube-proxy/metrics-bind-address fail "127\\.0\\.0\\.1", got no such verdict`,
			"want.txt: unexpected kube-proxy/metrics-bind-address fail low",
		}},
		{"a tree that asserts nothing fails", "asserts-nothing", []string{
			"want.txt: asserts no rule: write a `# rules:` line or a verdict",
		}},
		{"a line that does not read fails", "bad-line", []string{
			"want.txt:1: kube-proxy/metrics-bind-address: only a failure has a severity",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkProblems(t, CheckNodeTree(c, filepath.Join("testdata", "trees", tc.tree), nil), tc.want)
		})
	}
}

// TestParseVerdictWant pins the syntax of a want.txt line.
func TestParseVerdictWant(t *testing.T) {
	for _, tc := range []struct {
		name, line, want string
		err              bool
	}{
		{"a pass", "a/b pass", "a/b pass", false},
		{"a not-applicable verdict with its text", `a/b n/a "no \"x\""`, `a/b n/a "no \"x\""`, false},
		{"a failure of a severity", "a/b fail high", "a/b fail high", false},
		{"a pattern with spaces", `a/b fail "x, y z"`, `a/b fail "x, y z"`, false},
		{"an unknown outcome is an error", "a/b failed", "", true},
		{"a severity on a pass is an error", "a/b pass high", "", true},
		{"an unknown severity is an error", "a/b fail severe", "", true},
		{"an unclosed pattern is an error", `a/b fail "x`, "", true},
		{"words after the pattern are an error", `a/b fail "x" y`, "", true},
		{"a bad regular expression is an error", `a/b fail "("`, "", true},
		{"a rule without an outcome is an error", "a/b", "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w, err := parseVerdictWant(1, tc.line)
			if (err != nil) != tc.err {
				t.Fatalf("error %v, want an error: %t", err, tc.err)
			}
			if err == nil && w.String() != tc.want {
				t.Errorf("read as %q, want %q", w.String(), tc.want)
			}
		})
	}
}
