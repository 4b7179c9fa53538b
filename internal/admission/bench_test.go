package admission

import (
	"context"
	"encoding/json"
	"slices"
	"syscall"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	psaapi "k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"

	"palisade.dev/palisade/internal/heap"
)

// webhookMemoryLimit is the memory limit of the webhook's container in deploy/webhook.
const webhookMemoryLimit = 256 << 20

// processCPU is the CPU time the process has used, user and system.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU adds the process CPU time per operation since start, which, unlike the wall
// time, other loads of a shared machine do not inflate (the collector's work is counted).
func reportCPU(b *testing.B, start time.Duration, n int) {
	if n > 0 {
		b.ReportMetric(float64((processCPU()-start).Nanoseconds())/float64(n)/1e3, "cpu-µs/op")
	}
}

// reportPercentiles adds the p50, p90, p95, p99 and p99.9 of durations to b's metrics: the
// middle percentiles tell a review's own spread (allocation, cache) from the rare stalls.
func reportPercentiles(b *testing.B, durations []time.Duration) {
	if len(durations) == 0 {
		return
	}
	slices.Sort(durations)
	at := func(q float64) float64 {
		return float64(durations[min(len(durations)-1, int(q*float64(len(durations))))].Nanoseconds()) / 1e3
	}
	b.ReportMetric(at(0.50), "p50-µs")
	b.ReportMetric(at(0.90), "p90-µs")
	b.ReportMetric(at(0.95), "p95-µs")
	b.ReportMetric(at(0.99), "p99-µs")
	b.ReportMetric(at(0.999), "p99.9-µs")
}

// BenchmarkReview reviews one Pod and one Deployment in process with the whole built-in catalog
// (decoding the raw object, the cluster context, every pod and object rule, folding, the
// response), and, for comparison, k8s.io/pod-security-admission alone on the same pod (its
// restricted level, with and without decoding the pod from JSON). Run it with
// -benchtime=10000x for percentiles over 10,000 reviews.
//
// The reviews run twice: under Go's default collection (GOGC=100: with a live heap of a few
// MB the collector runs every hundred reviews or so and is in the tail), and under the policy
// `palisade webhook` runs with (package heap, in a container limited to 256 MiB as in
// deploy/webhook), after a warm-up to its steady state. machine/fixed-arithmetic times a
// computation as long as a review that neither allocates nor reads memory: the spread the
// machine itself adds.
func BenchmarkReview(b *testing.B) {
	cc := newFakeContext()
	e := engine(b, nil, cc)
	ctx := context.Background()
	for _, gc := range []struct {
		name   string
		policy *heap.Policy
	}{
		{"go-default-gc", nil},
		{"webhook-gc", new(heap.Server(webhookMemoryLimit))},
	} {
		for _, c := range []struct{ name, object string }{
			{"Pod/privileged", privilegedPod},
			{"Pod/hardened", hardenedPod},
			{"Deployment/root", rootDeployment},
		} {
			req := request(b, admissionv1.Create, c.object)
			b.Run(gc.name+"/"+c.name, func(b *testing.B) {
				if gc.policy != nil {
					defer heap.Apply(*gc.policy)()
					// A server that has run a while: its heap has reached the budget once, so
					// the pages it reuses are the process's already.
					heap.Settle(func() { e.Review(ctx, req) })
				}
				b.ReportAllocs()
				durations := make([]time.Duration, 0, b.N)
				cpu := processCPU()
				for b.Loop() {
					start := time.Now()
					d := e.Review(ctx, req)
					durations = append(durations, time.Since(start))
					if d.Err != nil {
						b.Fatal(d.Err)
					}
				}
				reportCPU(b, cpu, len(durations))
				reportPercentiles(b, durations)
			})
		}
	}

	evaluator, err := policy.NewEvaluator(policy.DefaultChecks(), nil)
	if err != nil {
		b.Fatal(err)
	}
	lv := psaapi.LevelVersion{Level: psaapi.LevelRestricted, Version: psaapi.LatestVersion()}
	raw := request(b, admissionv1.Create, privilegedPod).Object.Raw
	for _, decode := range []bool{false, true} {
		name := "pod-security-admission/evaluate"
		if decode {
			name = "pod-security-admission/decode+evaluate"
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			var pod corev1.Pod
			if err := json.Unmarshal(raw, &pod); err != nil {
				b.Fatal(err)
			}
			durations := make([]time.Duration, 0, b.N)
			cpu := processCPU()
			for b.Loop() {
				start := time.Now()
				p := &pod
				if decode {
					p = new(corev1.Pod)
					if err := json.Unmarshal(raw, p); err != nil {
						b.Fatal(err)
					}
				}
				if res := policy.AggregateCheckResults(evaluator.EvaluatePod(lv, &p.ObjectMeta, &p.Spec)); res.Allowed {
					b.Fatal("the privileged pod passes restricted")
				}
				durations = append(durations, time.Since(start))
			}
			reportCPU(b, cpu, len(durations))
			reportPercentiles(b, durations)
		})
	}

	// The machine's own spread: a computation that allocates nothing and takes about as long
	// as a review, timed the same way. Its p99 over its p50 is what the machine (timer
	// interrupts, the hypervisor, other processes) adds to any review, whatever its code.
	b.Run("machine/fixed-arithmetic", func(b *testing.B) {
		durations := make([]time.Duration, 0, b.N)
		x := uint64(1)
		for b.Loop() {
			start := time.Now()
			for range 35000 {
				x = x*6364136223846793005 + 1442695040888963407
			}
			durations = append(durations, time.Since(start))
		}
		if x == 0 {
			b.Log(x) // keeps the loop
		}
		reportPercentiles(b, durations)
	})
}
