package webhook

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strconv"
	"sync"
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

// BenchmarkLoopbackHTTPS sends Pod reviews over loopback HTTPS at a fixed rate (an open
// loop: a request is sent at its scheduled time whether or not earlier ones were answered,
// and its latency counts from that time, so a stall is not hidden) to a server judging with
// the whole built-in catalog (catalog), and with 20 Rego policies besides (catalog+20-rego),
// and reports the latency percentiles, the errors, the connections the server accepted (each a
// TLS handshake: the client keeps 25 idle, as the API server does, so a stall that piles up
// reviews opens more) and the CPU time per review of the process (server and load generator
// both). The process collects as `palisade webhook` does (package heap), from its steady
// state. Each runs its load once, whatever b.N:
//
//	go test -run '^$' -bench LoopbackHTTPS -benchtime 1x ./internal/webhook
//	PALISADE_LOAD_DURATION=30s go test -run '^$' -bench LoopbackHTTPS -benchtime 1x -timeout 5m ./internal/webhook
func BenchmarkLoopbackHTTPS(b *testing.B) {
	b.Run("catalog", func(b *testing.B) { loopbackHTTPS(b, benchEngine(b, false)) })
	b.Run("catalog+20-rego", func(b *testing.B) { loopbackHTTPS(b, benchEngine(b, true)) })
}

func loopbackHTTPS(b *testing.B, engine *admission.Engine) {
	rate, duration := loadSettings(b)
	// The process collects as `palisade webhook` does in its container (package heap); the
	// load generator shares the process, and its garbage counts against the same budget.
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
	// The server's goroutines (and those it starts, per connection) carry the label
	// side=server, so that a CPU profile tells the server's share from the load generator's:
	//	go tool pprof -tagfocus side=server -top webhook.test cpu.out
	go pprof.Do(ctx, pprof.Labels("side", "server"), func(ctx context.Context) {
		served <- s.Serve(ctx, ln, TLSConfig(certs.GetCertificate))
	})
	defer func() {
		cancel()
		if err := <-served; err != nil {
			b.Error(err)
		}
	}()
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(set.CA)
	const workers = 128
	// The client behaves as the API server's webhook client (k8s.io/apiserver
	// pkg/util/webhook/client.go, over client-go's transport): HTTP/1.1 only, which it forces
	// for webhooks so that concurrent reviews spread over a Service's endpoints
	// (kubernetes/kubernetes#75791), with keep-alive connections of which 25 are kept idle.
	client := &http.Client{
		Transport: &http.Transport{
			TLSClientConfig:     &tls.Config{RootCAs: roots, NextProtos: []string{"http/1.1"}},
			MaxIdleConnsPerHost: 25,
		},
		Timeout: 10 * time.Second,
	}
	url := "https://" + ln.Addr().String() + "/validate"
	review := body(b, benchReview())
	send := func() error {
		resp, err := client.Post(url, "application/json", bytes.NewReader(review))
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if _, err := io.Copy(io.Discard, resp.Body); err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("status %d", resp.StatusCode)
		}
		if resp.ProtoMajor != 1 {
			return fmt.Errorf("answered over %s, want HTTP/1.1 as the API server asks", resp.Proto)
		}
		return nil
	}
	// Connections and caches warm, and the heap at its steady state.
	var warmErr error
	heap.Settle(func() {
		if err := send(); err != nil && warmErr == nil {
			warmErr = err
		}
	})
	if warmErr != nil {
		b.Fatal(warmErr)
	}

	total := int(float64(rate) * duration.Seconds())
	latencies := make([]time.Duration, total)
	var errs atomic.Int64
	var firstErr atomic.Value
	due := make(chan int, total)
	var wg sync.WaitGroup
	start := time.Now()
	interval := time.Second / time.Duration(rate)
	for range workers {
		wg.Go(func() {
			for i := range due {
				at := start.Add(time.Duration(i) * interval)
				time.Sleep(time.Until(at))
				if err := send(); err != nil {
					errs.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
				}
				latencies[i] = time.Since(at)
			}
		})
	}
	before := cpuTime(b)
	b.ResetTimer()
	for i := range total {
		due <- i
	}
	close(due)
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	cpu := cpuTime(b) - before

	b.ReportMetric(float64(ln.accepted.Load()), "connections")
	slices.Sort(latencies)
	pct := func(p float64) time.Duration { return latencies[min(len(latencies)-1, int(p*float64(len(latencies))))] }
	b.ReportMetric(float64(pct(0.50).Microseconds()), "p50-µs")
	b.ReportMetric(float64(pct(0.99).Microseconds()), "p99-µs")
	b.ReportMetric(float64(pct(0.999).Microseconds()), "p99.9-µs")
	b.ReportMetric(float64(latencies[len(latencies)-1].Microseconds()), "max-µs")
	b.ReportMetric(float64(cpu.Microseconds())/float64(total), "cpu-µs/review")
	b.ReportMetric(float64(total)/elapsed.Seconds(), "reviews/s")
	b.ReportMetric(float64(errs.Load()), "errors")
	if n := errs.Load(); n > 0 {
		b.Errorf("%d of %d reviews failed, the first: %v", n, total, firstErr.Load())
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
