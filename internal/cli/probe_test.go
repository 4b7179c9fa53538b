package cli_test

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

type probeJSON struct {
	jsonReport
	Passed struct {
		Results []struct {
			Rule     string `json:"rule"`
			Status   string `json:"status"`
			Evidence string `json:"evidence"`
			Message  string `json:"message"`
			Object   struct{ Kind, Name string }
		} `json:"results"`
	} `json:"passed"`
}

func probeReport(t *testing.T, args ...string) (int, probeJSON, string) {
	t.Helper()
	code, out, errOut := runWithStdin(t, "", append([]string{"probe", "-o", "json", "--show-passed"}, args...)...)
	var rep probeJSON
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("report is not JSON (%v); stderr: %s\n%s", err, errOut, out)
	}
	return code, rep, errOut
}

// verdicts are the report's verdicts by "rule object-name".
func (r probeJSON) verdicts() map[string]string {
	out := map[string]string{}
	for _, f := range r.Findings {
		out[f.Rule+" "+f.Object.Name] = f.Severity
	}
	for _, p := range r.Passed.Results {
		out[p.Rule+" "+p.Object.Name] = p.Status
	}
	return out
}

// TestProbeProvesTheTestClustersAPIServerClosedToAnonymousCallers probes the test cluster's API
// server (anonymous authentication off) found through its kubeconfig, then by address alone
// beside a closed port: the API server's rules pass, nothing passes on the closed port, exit
// code 0.
func TestProbeProvesTheTestClustersAPIServerClosedToAnonymousCallers(t *testing.T) {
	c := testCluster.Require(t)
	u, err := url.Parse(c.Server)
	if err != nil {
		t.Fatal(err)
	}
	api := u.Host
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	l.Close()

	code, rep, errOut := probeReport(t, "--from-cluster", "--kubeconfig", c.Kubeconfig())
	if code != 0 || len(rep.Errors) != 0 {
		t.Fatalf("exit %d, errors %v; stderr: %s", code, rep.Errors, errOut)
	}
	v := rep.verdicts()
	for _, rule := range []string{"apiserver/probe-anonymous-access", "apiserver/probe-plain-http"} {
		if v[rule+" "+api] != "pass" {
			t.Errorf("%s on %s: %q, want pass (verdicts %v)", rule, api, v[rule+" "+api], v)
		}
	}

	// Named by address only, on a port of its own, the API server is told from what it answers
	// and judged as the API server. Nothing on a closed port ever passes.
	code, rep, errOut = probeReport(t, api, closed, "--timeout", "2s")
	if code != 0 || len(rep.Errors) != 0 {
		t.Fatalf("exit %d, errors %v; stderr: %s", code, rep.Errors, errOut)
	}
	v = rep.verdicts()
	if v["apiserver/probe-anonymous-access "+api] != "pass" {
		t.Errorf("%s answers as the API server: its rules should judge it (verdicts %v)", api, v)
	}
	for key := range v {
		if strings.HasSuffix(key, " "+closed) && v[key] == "pass" {
			t.Errorf("%s passes on a closed port", key)
		}
	}
}

func TestProbeRefusesWhatItShouldNotDo(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"127.0.0.1:1", "--active"}, "confirm with --yes"},
		{[]string{"10.0.0.0/8"}, "more than the limit of 4096"},
		{[]string{"10.0.0.0/24", "--max-addresses", "100"}, "more than the limit of 100"},
		{nil, "no target given"},
		{[]string{"127.0.0.1", "--from-cluster"}, "not both"},
		{[]string{"127.0.0.1", "--context", "x"}, "go with --from-cluster"},
		{[]string{"127.0.0.1", "--etcd-cert", "c.crt"}, "--etcd-cert and --etcd-key go together"},
		{[]string{"127.0.0.1", "--etcd-cert", "missing.crt", "--etcd-key", "missing.key"}, "loading the etcd client certificate"},
		{[]string{"127.0.0.1", "--concurrency", "0"}, "--concurrency 0"},
	} {
		code, out, errOut := runWithStdin(t, "", append([]string{"probe"}, tc.args...)...)
		if code != 2 || out != "" || !strings.Contains(errOut, tc.want) {
			t.Errorf("palisade probe %v: exit %d, stdout %q, stderr %q; want 2 and %q", tc.args, code, out, errOut, tc.want)
		}
	}
}

func TestProbeReportsEndpointsTheDeadlineCameBeforeAsAnError(t *testing.T) {
	code, rep, _ := probeReport(t, "127.0.0.1:1", "127.0.0.1:2", "--deadline", "1ns")
	if code != 2 || len(rep.Errors) != 1 || !strings.Contains(rep.Errors[0].Message, "2 of 2 endpoints not probed") {
		t.Errorf("exit %d, errors %+v; want 2 and the endpoints not probed", code, rep.Errors)
	}
}

// TestProbeSaysWhenANamedPortAnswersAsNoComponent pins the exit code and message of an
// endpoint on a port the user named that answers as none of the components: an error naming
// the component= form, never "Passes".
func TestProbeSaysWhenANamedPortAnswersAsNoComponent(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "nonsense")
	}))
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")
	code, rep, errOut := probeReport(t, addr, "--timeout", "2s")
	if code != 2 || len(rep.Errors) != 1 || !strings.Contains(rep.Errors[0].Message, "COMPONENT="+addr) {
		t.Errorf("exit %d, errors %+v; stderr %s; want 2 and an error naming COMPONENT=%s", code, rep.Errors, errOut, addr)
	}
	// Named, it is judged as the component named, whatever it answers.
	code, rep, errOut = probeReport(t, "kubelet="+addr, "--timeout", "2s")
	if code == 2 || len(rep.Errors) != 0 {
		t.Errorf("named: exit %d, errors %+v; stderr %s; want the kubelet's rules to judge it", code, rep.Errors, errOut)
	}
}
