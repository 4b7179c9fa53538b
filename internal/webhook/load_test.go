package webhook

import (
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"palisade.dev/palisade/internal/admission"
	"palisade.dev/palisade/internal/heap"
	"palisade.dev/palisade/internal/policy"
	"palisade.dev/palisade/internal/rules/builtin"
)

// loadSettings are the load generator's rate and duration: 2,000 reviews per second for 3 s
// by default; PALISADE_LOAD_RATE and PALISADE_LOAD_DURATION (a Go duration, such as 30s)
// change them.
func loadSettings(b *testing.B) (rate int, duration time.Duration) {
	rate, duration = 2000, 3*time.Second
	if v := os.Getenv("PALISADE_LOAD_RATE"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			b.Fatalf("PALISADE_LOAD_RATE: want a positive number of reviews per second")
		}
		rate = n
	}
	if v := os.Getenv("PALISADE_LOAD_DURATION"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			b.Fatalf("PALISADE_LOAD_DURATION: want a positive Go duration")
		}
		duration = d
	}
	return rate, duration
}

// regoBenchPolicies are 20 Rego policies in Palisade's format covering the pod-security checks
// (privileged, host namespaces and ports, capabilities, volume types, procMount, seccomp,
// SELinux, runAsNonRoot, privilege escalation, read-only root, image tags, resources ...).
const regoBenchPolicies = "../policy/rego/testdata/bench"

// benchEngine is the admission engine over the built-in catalog, joined by the 20 Rego
// policies when withRego.
func benchEngine(b *testing.B, withRego bool) *admission.Engine {
	b.Helper()
	catalog, err := builtin.Catalog()
	if err != nil {
		b.Fatal(err)
	}
	if withRego {
		if catalog, err = policy.Catalog(context.Background(), catalog, []string{regoBenchPolicies}, policy.Options{}); err != nil {
			b.Fatal(err)
		}
	}
	engine, err := admission.New(catalog, nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	return engine
}

// BenchmarkLoopbackHTTPS sends reviews over loopback HTTPS at a fixed rate (an open loop: a
// review is sent at its scheduled time whether or not earlier ones were answered, and its
// latency counts from that time, so a stall is not hidden) to a server judging with the whole
// built-in catalog (catalog), and with 20 Rego policies besides (catalog+20-rego). The load
// generator runs in a process of its own, as the API server does (see loadGenerator), on the
// same cores. It reports the latency percentiles, the errors, the connections the server
// accepted (each a TLS handshake: the generator warms 25 and keeps 25 idle, as the API server
// does, so a stall that piles up reviews opens more), the server's CPU time per review, and
// the CPU time per review of both processes. The server collects as `palisade webhook` does
// (package heap), from its steady state. Each runs its load once, whatever b.N:
//
//	go test -run '^$' -bench LoopbackHTTPS -benchtime 1x ./internal/webhook
//	PALISADE_LOAD_DURATION=30s go test -run '^$' -bench LoopbackHTTPS -benchtime 1x -timeout 5m ./internal/webhook
func BenchmarkLoopbackHTTPS(b *testing.B) {
	b.Run("catalog", func(b *testing.B) { loopbackHTTPS(b, benchEngine(b, false)) })
	b.Run("catalog+20-rego", func(b *testing.B) { loopbackHTTPS(b, benchEngine(b, true)) })
}

func loopbackHTTPS(b *testing.B, engine *admission.Engine) {
	rate, duration := loadSettings(b)
	// The server collects as `palisade webhook` does in its container (package heap).
	defer heap.Apply(heap.Server(webhookMemoryLimit))()
	s := New(Options{})
	s.SetPolicy(&Policy{Reviewer: engine, FailClosed: true})
	dir := b.TempDir()
	set, err := NewCertSet(CertRequest{IPs: []net.IP{net.IPv4(127, 0, 0, 1)}}, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	if err := set.WriteFiles(dir); err != nil {
		b.Fatal(err)
	}
	certs, err := NewCertReloader(filepath.Join(dir, CertFile), filepath.Join(dir, KeyFile), s.Metrics(), nil)
	if err != nil {
		b.Fatal(err)
	}
	tcp, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	ln := &countingListener{Listener: tcp}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	// A CPU profile of the benchmark (-cpuprofile) is the server's: the load is another
	// process's.
	go func() { served <- s.Serve(ctx, ln, TLSConfig(certs.GetCertificate)) }()
	defer func() {
		cancel()
		if err := <-served; err != nil {
			b.Error(err)
		}
	}()
	caFile := filepath.Join(dir, "ca.crt")
	reviewFile := filepath.Join(dir, "review.json")
	if err := os.WriteFile(caFile, set.CA, 0o600); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(reviewFile, body(b, benchReview()), 0o600); err != nil {
		b.Fatal(err)
	}
	gen := loadGenerator{URL: "https://" + ln.Addr().String() + "/validate", CAFile: caFile, ReviewFile: reviewFile}
	// Connections and caches warm, and the server's heap at its steady state: reviews sent
	// from this process until the server has collected twice.
	client, send, err := gen.client()
	if err != nil {
		b.Fatal(err)
	}
	var warmErr error
	heap.Settle(func() {
		if err := send(); err != nil && warmErr == nil {
			warmErr = err
		}
	})
	client.CloseIdleConnections()
	if warmErr != nil {
		b.Fatal(warmErr)
	}
	ln.accepted.Store(0)

	// The load comes from another process, as the API server's reviews do: the generator's
	// garbage and collections are its own, not the server's.
	gen.Rate, gen.Duration, gen.Out = rate, duration, filepath.Join(dir, "latencies")
	before := cpuTime(b)
	b.ResetTimer()
	res, err := gen.run()
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	server := cpuTime(b) - before
	latencies := res.Latencies

	b.ReportMetric(float64(ln.accepted.Load()), "connections")
	slices.Sort(latencies)
	pct := func(p float64) time.Duration { return latencies[min(len(latencies)-1, int(p*float64(len(latencies))))] }
	b.ReportMetric(float64(pct(0.50).Microseconds()), "p50-µs")
	b.ReportMetric(float64(pct(0.99).Microseconds()), "p99-µs")
	b.ReportMetric(float64(pct(0.999).Microseconds()), "p99.9-µs")
	b.ReportMetric(float64(latencies[len(latencies)-1].Microseconds()), "max-µs")
	total := float64(len(latencies))
	b.ReportMetric(float64(server.Microseconds())/total, "server-cpu-µs/review")
	b.ReportMetric(float64((server+res.CPU).Microseconds())/total, "cpu-µs/review")
	b.ReportMetric(total/res.Elapsed.Seconds(), "reviews/s")
	b.ReportMetric(float64(res.Errors), "errors")
	if res.Errors > 0 {
		b.Errorf("%d of %d reviews failed, the first: %s", res.Errors, len(latencies), res.FirstError)
	}
}

// countingListener counts the connections it accepts: each is a TLS handshake.
type countingListener struct {
	net.Listener
	accepted atomic.Int64
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.accepted.Add(1)
	}
	return c, err
}

// cpuTime is the user and system CPU time of the process so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// webhookMemoryLimit is the memory limit of the webhook's container in deploy/webhook.
const webhookMemoryLimit = 256 << 20

// benchReview is a review of a Deployment like the examples' (hardened but for a root
// container, so that the catalog has something to say).
func benchReview() any {
	r := podReview("bench", false)
	r.Request.Kind.Group, r.Request.Kind.Kind = "apps", "Deployment"
	r.Request.Resource.Group, r.Request.Resource.Resource = "apps", "deployments"
	r.Request.Object.Raw = []byte(`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"shop","labels":{"app":"web"}},
"spec":{"replicas":2,"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},
"spec":{"serviceAccountName":"web","automountServiceAccountToken":false,
"securityContext":{"runAsNonRoot":true,"runAsUser":10001,"seccompProfile":{"type":"RuntimeDefault"}},
"containers":[{"name":"web","image":"registry.example/web:1.4.2@sha256:0000000000000000000000000000000000000000000000000000000000000000",
"ports":[{"containerPort":8080}],"securityContext":{"allowPrivilegeEscalation":false,"readOnlyRootFilesystem":true,"runAsUser":0,"capabilities":{"drop":["ALL"]}},
"resources":{"requests":{"cpu":"100m","memory":"128Mi"},"limits":{"cpu":"500m","memory":"256Mi"}}}]}}}}`)
	return r
}

// BenchmarkValidateHandler is the cost of one review in the handler alone (decoding,
// judging with the whole built-in catalog, encoding), without HTTP or TLS.
func BenchmarkValidateHandler(b *testing.B) {
	b.Run("catalog", func(b *testing.B) { validateHandler(b, benchEngine(b, false)) })
	b.Run("catalog+20-rego", func(b *testing.B) { validateHandler(b, benchEngine(b, true)) })
}

func validateHandler(b *testing.B, engine *admission.Engine) {
	s := New(Options{})
	s.SetPolicy(&Policy{Reviewer: engine, FailClosed: true})
	h := s.Handler()
	review := body(b, benchReview())
	b.ReportAllocs()
	for b.Loop() {
		if rec := post(h, "/validate", "application/json", review); rec.Code != http.StatusOK {
			b.Fatalf("status %d", rec.Code)
		}
	}
}
