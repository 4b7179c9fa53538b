package scan_test

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/probe"
	"palisade.dev/palisade/internal/probe/apiserver"
	probers "palisade.dev/palisade/internal/probe/builtin"
	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/rules/apiserverprobe"
	"palisade.dev/palisade/internal/rules/builtin"
	"palisade.dev/palisade/internal/scan"
)

// TestProbeJudgesWhatEndpointsAnswered probes an API server that serves everything on a plain
// HTTP port, and a closed port: one critical finding, the closed port not applicable, no error.
func TestProbeJudgesWhatEndpointsAnswered(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/version":
			_, _ = io.WriteString(w, `{"gitVersion":"v1.19.16"}`)
		case "/api/v1/namespaces/default/pods":
			_, _ = io.WriteString(w, `{"kind":"PodList","metadata":{},"items":[{}]}`)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	host, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))
	p, _ := strconv.Atoi(port)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().(*net.TCPAddr).Port
	l.Close()
	catalog, err := rules.NewCatalog(apiserverprobe.Rules()...)
	if err != nil {
		t.Fatal(err)
	}
	res := scan.Probe(context.Background(), scan.ProbeRequest{
		Catalog: catalog,
		Probe: probe.Request{
			Targets: []probe.Target{{Host: host, Port: p, Component: probe.APIServerInsecure}, {Host: "127.0.0.1", Port: closed, Component: probe.APIServerInsecure}},
			Probers: map[string]probe.Prober{probe.APIServerInsecure: apiserver.Probe},
			Timeout: time.Second,
		},
	})
	if len(res.Endpoints) != 2 || res.Objects != 2 || len(res.Errors) != 0 {
		t.Fatalf("endpoints %d, objects %d, errors %v", len(res.Endpoints), res.Objects, res.Errors)
	}
	if len(res.Findings) != 1 || res.Findings[0].RuleID != "apiserver/probe-insecure-port" || res.Findings[0].Severity != finding.Critical ||
		!strings.Contains(res.Findings[0].Evidence, "/version: 200 (version v1.19.16)") {
		t.Errorf("findings = %+v", res.Findings)
	}
	if len(res.Passed) != 1 || res.Passed[0].Status != finding.NotApplicable || !strings.Contains(res.Passed[0].Message, "connection refused") {
		t.Errorf("passed = %+v", res.Passed)
	}
	if code := res.ExitCode(finding.High); code != 1 {
		t.Errorf("exit code %d, want 1", code)
	}
}

// TestProbeReportsAnEndpointThatAnswersAsNoComponentOnANamedPort pins that an endpoint on a
// port the user named that answers, but as none of the components, is an error naming the
// component= form, never a clean result; on a default port of a host it is only not a
// component; an endpoint that does not answer stays not applicable.
func TestProbeReportsAnEndpointThatAnswersAsNoComponentOnANamedPort(t *testing.T) {
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "<html><body>GITHUB_TOKEN=ghp_0123456789</body></html>")
	}))
	defer web.Close()
	mtls := httptest.NewUnstartedServer(http.NotFoundHandler())
	mtls.TLS = &tls.Config{ClientAuth: tls.RequireAnyClientCert}
	mtls.StartTLS()
	defer mtls.Close()
	ssh := listenWith(t, func(c net.Conn) { _, _ = io.WriteString(c, "SSH-2.0-OpenSSH_9.6\r\n") })
	silent := listenWith(t, func(c net.Conn) { _, _ = io.Copy(io.Discard, c) })
	closed := closedAddress(t)
	catalog, err := builtin.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		target probe.Target
		err    string // "" for no error
	}{
		{"a web page on a named port", at(t, web.URL, probe.Unknown, true), "answers, but as none of the components Palisade probes (GET /version: 200, text/html"},
		{"a web page on a named kubelet port", at(t, web.URL, probe.Kubelet, true), "COMPONENT=" + strings.TrimPrefix(web.URL, "http://") + " with COMPONENT one of kubelet, kubelet-read-only, etcd"},
		{"a web page on a default port of a host", at(t, web.URL, probe.APIServer, false), ""},
		{"TLS requiring a client certificate on a named port", at(t, mtls.URL, probe.Unknown, true), "requires a client certificate, so what it answers cannot tell which component it is"},
		{"TLS requiring a client certificate on etcd's port", at(t, mtls.URL, probe.EtcdPeer, true), ""},
		{"SSH on a named port", at(t, ssh, probe.Unknown, true), "answers, but as none of the components Palisade probes (neither a TLS nor an HTTP answer)"},
		{"a listener that never answers", at(t, silent, probe.Unknown, true), ""},
		{"a closed port", at(t, closed, probe.Unknown, true), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := scan.Probe(context.Background(), scan.ProbeRequest{
				Catalog: catalog,
				Probe:   probe.Request{Targets: []probe.Target{tc.target}, Probers: allProbers(), Timeout: 500 * time.Millisecond},
			})
			if tc.err == "" {
				if len(res.Errors) != 0 {
					t.Errorf("errors %v, want none", res.Errors)
				}
				return
			}
			if len(res.Errors) != 1 || !strings.Contains(res.Errors[0].Message, tc.err) || res.Errors[0].Location.Host != tc.target.Address() {
				t.Fatalf("errors %+v, want one at %s with %q", res.Errors, tc.target.Address(), tc.err)
			}
			if strings.Contains(res.Errors[0].Message, "ghp_") || strings.Contains(res.Errors[0].Message, "OpenSSH") {
				t.Errorf("the error quotes the answer: %s", res.Errors[0].Message)
			}
			if code := res.ExitCode(finding.Critical); code != 2 {
				t.Errorf("exit code %d, want 2", code)
			}
			for _, f := range res.Findings {
				if !strings.HasPrefix(f.RuleID, "tls/") {
					t.Errorf("%s judged an endpoint of no known component", f.RuleID)
				}
			}
		})
	}
}

// allProbers are palisade probe's.
func allProbers() map[string]probe.Prober {
	return probers.Request(probers.DefaultEtcdPrefix).Probers
}

// at is the endpoint at url as a target expected to be component (a hint), its port named by
// the user or not.
func at(t testing.TB, url, component string, portNamed bool) probe.Target {
	t.Helper()
	host, port, err := net.SplitHostPort(strings.TrimPrefix(strings.TrimPrefix(url, "https://"), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	p, _ := strconv.Atoi(port)
	return probe.Target{Host: host, Port: p, Component: component, PortNamed: portNamed}
}

// listenWith serves every connection of a loopback listener with serve until the test ends.
func listenWith(t testing.TB, serve func(net.Conn)) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { close(done); l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				serve(c)
				<-done
			}()
		}
	}()
	return l.Addr().String()
}

// closedAddress is a loopback address nothing listens on.
func closedAddress(t testing.TB) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}
