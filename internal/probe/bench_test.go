package probe

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"palisade.dev/palisade/internal/probe/conn"
)

// BenchmarkRunClosedAndOpenPorts probes 256 closed loopback ports and 10 open ones (5 HTTPS,
// 5 plain HTTP) on which a kubelet is expected, as a port's default makes it, 32 at a time,
// within a deadline of 60s. The open ones answer as a kubelet does (a pod list at /pods, 404
// elsewhere): each is identified from its answers, then asked one request by its prober.
func BenchmarkRunClosedAndOpenPorts(b *testing.B) {
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/pods" {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write([]byte(`{"kind":"PodList","apiVersion":"v1","metadata":{},"items":[]}`))
	})
	// The servers listen first, so that no closed port is one of theirs.
	var open []Target
	for i := range 10 {
		srv := httptest.NewUnstartedServer(handler)
		if i%2 == 0 {
			srv.StartTLS()
		} else {
			srv.Start()
		}
		b.Cleanup(srv.Close)
		open = append(open, hinted(b, srv.URL, Kubelet))
	}
	var targets []Target
	for range 256 {
		targets = append(targets, hinted(b, closedPort(b), Kubelet))
	}
	targets = append(targets, open...)
	var now, peak, probed atomic.Int32
	prober := func(ctx context.Context, c *conn.Conn) {
		n := now.Add(1)
		defer now.Add(-1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		probed.Add(1)
		_, _, _, _ = c.Do(ctx, "GET", "/pods", nil, nil, 0)
	}
	req := Request{Targets: targets, Concurrency: 32, Deadline: DefaultDeadline, Probers: map[string]Prober{Kubelet: prober}}
	var slowest time.Duration
	b.ResetTimer()
	for b.Loop() {
		began := time.Now()
		eps := Run(context.Background(), req)
		slowest = max(slowest, time.Since(began))
		open := 0
		for _, ep := range eps {
			if ep.Error == NotProbed {
				b.Fatalf("%s not probed before the deadline", ep.Address)
			}
			if ep.Reachable {
				open++
			}
		}
		if open != 10 {
			b.Fatalf("%d endpoints answered, want 10", open)
		}
		if n := probed.Swap(0); n != 10 {
			b.Fatalf("%d endpoints probed as kubelets, want 10", n)
		}
	}
	if slowest >= DefaultDeadline {
		b.Fatalf("a run took %v, past the deadline", slowest)
	}
	if p := peak.Load(); p > 32 {
		b.Fatalf("%d endpoints probed at once, more than the concurrency of 32", p)
	}
	b.ReportMetric(float64(slowest.Milliseconds()), "slowest-ms")
	b.ReportMetric(float64(len(targets)), "endpoints/op")
}
