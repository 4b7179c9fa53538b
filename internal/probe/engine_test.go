package probe

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/probe/conn"
)

// target is the test server at url (http://127.0.0.1:PORT) as a target of component, named
// unless it is Unknown.
func target(t testing.TB, address, component string) Target {
	t.Helper()
	tg := hinted(t, address, component)
	tg.Named = component != Unknown
	return tg
}

// hinted is the test server at url as a target expected to be component, as a port's
// default makes it: its answers decide.
func hinted(t testing.TB, address, component string) Target {
	t.Helper()
	address = strings.TrimPrefix(strings.TrimPrefix(address, "https://"), "http://")
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := strconv.Atoi(port)
	return Target{Host: host, Port: p, Component: component}
}

// listen runs serve on every connection of a loopback listener until the test ends.
func listen(t testing.TB, serve func(net.Conn)) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { l.Close(); wg.Wait() })
	wg.Go(func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			wg.Go(func() { defer c.Close(); serve(c) })
		}
	})
	return l.Addr().String()
}

// closedPort is a loopback port nothing listens on.
func closedPort(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// silent accepts connections and never answers, until the test ends.
func silent(t testing.TB) string {
	done := make(chan struct{})
	addr := listen(t, func(c net.Conn) {
		_, _ = io.Copy(io.Discard, c) // reads until the prober gives up
		<-done
	})
	t.Cleanup(func() { close(done) })
	return addr
}

// tlsServer is an HTTPS test server whose TLS is configured by tune.
func tlsServer(t testing.TB, tune func(*tls.Config)) string {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "ok")
	}))
	srv.TLS = &tls.Config{}
	tune(srv.TLS)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestRunTellsWhatEachEndpointSpeaks(t *testing.T) {
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer plain.Close()
	cases := []struct {
		name      string
		address   string
		reachable bool
		protocol  string
		certReq   bool
		errPart   string
	}{
		{"an HTTPS server", tlsServer(t, func(*tls.Config) {}), true, "https", false, ""},
		{"a plain HTTP server", plain.URL, true, "http", false, ""},
		{"a TLS 1.3 server requiring a client certificate", tlsServer(t, func(c *tls.Config) { c.ClientAuth = tls.RequireAnyClientCert }), true, "https", true, ""},
		{"a TLS 1.2 server requiring a client certificate", tlsServer(t, func(c *tls.Config) {
			c.ClientAuth, c.MaxVersion = tls.RequireAnyClientCert, tls.VersionTLS12
		}), true, "https", true, ""},
		{"a server asking for a client certificate it does not require", tlsServer(t, func(c *tls.Config) { c.ClientAuth = tls.VerifyClientCertIfGiven }), true, "https", false, ""},
		{"a closed port", closedPort(t), false, "", false, "connection refused"},
		{"a listener that never answers", silent(t), true, "", false, "no answer: timed out"},
		{"a listener that speaks nonsense", listen(t, func(c net.Conn) {
			_, _ = io.WriteString(c, "SSH-2.0-nonsense\r\n")
		}), true, "", false, "unexpected answer: an SSH banner (18 bytes read)"},
		{"a listener whose banner carries a secret is described, never quoted", listen(t, func(c net.Conn) {
			_, _ = io.WriteString(c, "220 token=s3cr3t-banner-value ready\r\n")
		}), true, "", false, "unexpected answer: 37 bytes of text, not HTTP"},
		{"a listener that reads and writes nonsense", listen(t, func(c net.Conn) {
			buf := make([]byte, 64)
			_, _ = c.Read(buf)
			_, _ = io.WriteString(c, "\x00\x01garbage")
		}), true, "", false, "unexpected answer: 9 bytes of binary data, neither TLS nor HTTP"},
		{"a listener that hangs up at once", listen(t, func(c net.Conn) {}), true, "", false, "no answer: connection closed"},
		{"a listener that answers TLS records of nonsense", listen(t, func(c net.Conn) {
			_, _ = c.Write([]byte{0x16, 0x03, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5})
		}), true, "", false, "unexpected answer"},
	}
	var targets []Target
	for _, c := range cases {
		targets = append(targets, target(t, c.address, Unknown))
	}
	before := time.Now()
	// The timeout bounds the silent listener's case; it is long enough for a TLS handshake
	// under the race detector on a loaded machine, where 500 ms was not.
	eps := Run(context.Background(), Request{Targets: targets, Timeout: 3 * time.Second, Deadline: 20 * time.Second})
	if len(eps) != len(cases) {
		t.Fatalf("%d endpoints for %d targets", len(eps), len(cases))
	}
	for i, c := range cases {
		ep := eps[i]
		t.Run(c.name, func(t *testing.T) {
			if ep.Address != targets[i].Address() || ep.ProbedAt.Before(before) {
				t.Errorf("endpoint %s probed at %v, want %s", ep.Address, ep.ProbedAt, targets[i].Address())
			}
			if ep.Reachable != c.reachable || ep.Protocol != c.protocol || !strings.Contains(ep.Error, c.errPart) || (c.errPart == "") != (ep.Error == "") {
				t.Errorf("reachable %v, protocol %q, error %q; want %v, %q, error with %q", ep.Reachable, ep.Protocol, ep.Error, c.reachable, c.protocol, c.errPart)
			}
			// Never a false "secure": TLS facts only for what spoke TLS.
			if (ep.TLS != nil) != (c.protocol == "https") {
				t.Fatalf("TLS facts %+v for protocol %q", ep.TLS, c.protocol)
			}
			if ep.TLS != nil {
				if ep.TLS.ClientCertRequired != c.certReq {
					t.Errorf("client certificate required = %v, want %v", ep.TLS.ClientCertRequired, c.certReq)
				}
				if len(ep.TLS.Chain) != 1 || !strings.HasPrefix(string(ep.TLS.Chain[0]), "-----BEGIN CERTIFICATE-----") {
					t.Errorf("chain = %q, want the test server's certificate as PEM", ep.TLS.Chain)
				}
			}
		})
	}
}

func TestRunHandsEachEndpointToItsComponentsProber(t *testing.T) {
	var paths sync.Map
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" {
			t.Errorf("a probe sent credentials: %s", r.Header.Get("Authorization"))
		}
		paths.Store(r.URL.Path, true)
		http.Redirect(w, r, "/elsewhere", http.StatusFound)
	})
	plain := httptest.NewServer(handler)
	defer plain.Close()
	secure := httptest.NewTLSServer(handler)
	defer secure.Close()
	etcdTLS := &tls.Config{ServerName: "etcd"}
	var postureCalls atomic.Int32
	seen := map[string]*conn.Conn{}
	var mu sync.Mutex
	prober := func(ctx context.Context, c *conn.Conn) {
		mu.Lock()
		seen[c.Endpoint.Address] = c
		mu.Unlock()
		status, _, i, err := c.Do(ctx, "GET", "/probed", nil, nil, 0)
		if err != nil || status != http.StatusFound {
			t.Errorf("GET %s/probed = %d, %v; want the redirect itself, not followed", c.BaseURL, status, err)
		}
		c.Summarise(i, "asked")
	}
	eps := Run(context.Background(), Request{
		Targets: []Target{target(t, plain.URL, Etcd), target(t, secure.URL, Etcd), target(t, closedPort(t), Etcd), target(t, secure.URL, Kubelet)},
		Probers: map[string]Prober{
			Etcd:    prober,
			Kubelet: func(context.Context, *conn.Conn) { panic("kaputt") },
		},
		ClientTLS: map[string]*tls.Config{Etcd: etcdTLS},
		Active:    true,
		Posture: func(_ context.Context, host string, port int, _ time.Duration) *inventory.TLSFacts {
			postureCalls.Add(1)
			return &inventory.TLSFacts{Versions: []string{"TLS 1.2", "TLS 1.3"}, WeakCiphers: []string{"TLS_RSA_WITH_RC4_128_SHA"}}
		},
	})
	if c := seen[eps[0].Address]; c == nil || c.BaseURL != plain.URL || c.ClientTLS != etcdTLS || !c.Active || c.Timeout != DefaultTimeout {
		t.Errorf("plain endpoint's connection = %+v", c)
	}
	if c := seen[eps[1].Address]; c == nil || c.BaseURL != secure.URL {
		t.Errorf("TLS endpoint's connection = %+v", c)
	}
	if _, ok := seen[eps[2].Address]; ok {
		t.Error("the prober was called for a closed port")
	}
	if a := eps[1].Answer("GET", "/probed"); a == nil || a.Status != http.StatusFound || a.Summary != "asked" {
		t.Errorf("answers = %+v", eps[1].Answers)
	}
	if _, ok := paths.Load("/elsewhere"); ok {
		t.Error("a redirect was followed")
	}
	if got := eps[3].Error; !strings.Contains(got, "probing failed: kaputt") {
		t.Errorf("a panicking prober's endpoint has error %q", got)
	}
	if n := postureCalls.Load(); n != 2 {
		t.Errorf("posture scanned %d endpoints, want the 2 TLS ones", n)
	}
	if tl := eps[1].TLS; tl == nil || len(tl.Versions) != 2 || len(tl.WeakCiphers) != 1 || len(tl.Chain) != 1 {
		t.Errorf("TLS facts = %+v, want the posture's versions and ciphers beside the handshake's chain", tl)
	}
	if eps[0].TLS != nil {
		t.Errorf("plain HTTP endpoint has TLS facts %+v", eps[0].TLS)
	}
}

func TestRunBoundsConcurrencyAndHonoursTheDeadline(t *testing.T) {
	var now, peak atomic.Int32
	hold := func(ctx context.Context, c *conn.Conn) {
		n := now.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		select {
		case <-time.After(200 * time.Millisecond):
		case <-ctx.Done():
		}
		now.Add(-1)
	}
	// Enough targets and time that a loaded machine (the race detector, CI) still probes two
	// rounds of three before the deadline and leaves several targets unprobed after it.
	targets := make([]Target, 30)
	for i := range targets {
		plain := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
		defer plain.Close()
		targets[i] = target(t, plain.URL, Kubelet)
	}
	began := time.Now()
	eps := Run(context.Background(), Request{Targets: targets, Concurrency: 3, Deadline: 1200 * time.Millisecond, Probers: map[string]Prober{Kubelet: hold}})
	took := time.Since(began)
	if p := peak.Load(); p != 3 {
		t.Errorf("at most %d endpoints probed at once, want 3", p)
	}
	if took > 3*time.Second {
		t.Errorf("the run took %v, past its deadline of 1.2s", took)
	}
	probed, notProbed := 0, 0
	for _, ep := range eps {
		switch {
		case ep.Error == NotProbed && !ep.Reachable && ep.ProbedAt.IsZero():
			notProbed++
		case ep.Reachable && ep.Protocol == "http":
			probed++
		default:
			t.Errorf("endpoint %s: %+v", ep.Address, ep)
		}
	}
	if probed < 6 || notProbed < 5 || probed+notProbed != len(targets) {
		t.Errorf("%d probed and %d not before the deadline, want at least 6 and 5", probed, notProbed)
	}
}

// TestRunIdentifiesEachEndpointFromItsAnswers pins that an endpoint not named is judged as
// what it answers: its port's default only decides between components its answers fit
// alike, an endpoint whose answers fit none is Unknown and asked by no prober, and one that
// gives no HTTP answer keeps its port's default.
func TestRunIdentifiesEachEndpointFromItsAnswers(t *testing.T) {
	kubeletHandler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/pods" {
			_, _ = io.WriteString(w, `{"kind":"PodList","apiVersion":"v1","metadata":{},"items":[]}`)
			return
		}
		http.NotFound(w, r)
	})
	etcdHandler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/version" {
			_, _ = io.WriteString(w, `{"etcdserver":"3.7.0","etcdcluster":"3.7.0"}`)
			return
		}
		http.NotFound(w, r)
	})
	nonsense := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "<html>hello</html>") })
	serve := func(h http.Handler, tls bool) string {
		srv := httptest.NewUnstartedServer(h)
		if tls {
			srv.StartTLS()
		} else {
			srv.Start()
		}
		t.Cleanup(srv.Close)
		return srv.URL
	}
	etcdURL := serve(etcdHandler, false)
	cases := []struct {
		name       string
		target     Target
		want       string
		identified string
		probedBy   string
	}{
		{"a kubelet over TLS on a port of its own", hinted(t, serve(kubeletHandler, true), Unknown), Kubelet, "GET /pods: 200, a pod list", Kubelet},
		{"a plain-HTTP kubelet without debugging handlers, on no default port: its read-only port", hinted(t, serve(kubeletHandler, false), Unknown), KubeletReadOnly, "GET /runningpods/: 404", KubeletReadOnly},
		{"the same on the kubelet's main port: the port's default decides", hinted(t, serve(kubeletHandler, false), Kubelet), Kubelet, "GET /pods: 200", Kubelet},
		{"etcd where the API server was expected", hinted(t, etcdURL, APIServer), Etcd, "etcd's version", Etcd},
		{"nonsense where etcd was expected", hinted(t, serve(nonsense, false), Etcd), Unknown, "GET /version: 200, text/html", ""},
		{"named, it is not identified", target(t, serve(etcdHandler, false), Kubelet), Kubelet, "", Kubelet},
		{"a TLS endpoint with no HTTP answer keeps its port's default", hinted(t, listen(t, func(c net.Conn) {
			srv := tls.Server(c, &tls.Config{Certificates: testCertificate(t)})
			_ = srv.Handshake()
		}), Etcd), Etcd, "", Etcd},
	}
	var targets []Target
	for _, c := range cases {
		targets = append(targets, c.target)
	}
	var mu sync.Mutex
	probedBy := map[string]string{}
	prober := func(component string) Prober {
		return func(_ context.Context, c *conn.Conn) {
			mu.Lock()
			defer mu.Unlock()
			probedBy[c.Endpoint.Address] = component
		}
	}
	probers := map[string]Prober{}
	for _, c := range Components() {
		probers[c] = prober(c)
	}
	eps := Run(context.Background(), Request{Targets: targets, Probers: probers, Timeout: 2 * time.Second})
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ep := eps[i]
			if ep.Component != c.want || !strings.Contains(ep.Identified, c.identified) || (c.identified == "") != (ep.Identified == "") {
				t.Errorf("component %q identified by %q, want %q by %q", ep.Component, ep.Identified, c.want, c.identified)
			}
			if probedBy[ep.Address] != c.probedBy {
				t.Errorf("probed by the %q prober, want %q", probedBy[ep.Address], c.probedBy)
			}
			why, unidentified := Unidentified(ep)
			if unidentified != (c.want == Unknown) || unidentified && !strings.Contains(why, "COMPONENT="+ep.Address) {
				t.Errorf("Unidentified = %q, %v", why, unidentified)
			}
		})
	}
}

// testCertificate is the certificate of httptest's TLS servers.
func testCertificate(t testing.TB) []tls.Certificate {
	srv := httptest.NewTLSServer(http.NotFoundHandler())
	defer srv.Close()
	return srv.TLS.Certificates
}
