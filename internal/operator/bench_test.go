package operator_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/dynamic"

	"palisade.dev/palisade/internal/testapply"
	"palisade.dev/palisade/internal/testcluster"
	"palisade.dev/palisade/internal/testcorpus"
)

// BenchmarkOperator loads the 10k-object corpus into a test cluster and runs the palisade
// binary against it, as a user would: `palisade cluster` (the baseline), then `palisade
// operator`. It reports the time from the operator's start to its first scan done (informers
// listed, cluster judged) as a ratio of the cluster scan's time, and logs when every report
// was written, the operator's peak RSS after a minute of changes, and the
// time from a change through the API to the change in the namespace's PolicyReport, at the
// 50th and 99th percentiles, with 10 changes per second going on for 30 seconds.
func BenchmarkOperator(b *testing.B) {
	n := 10000
	if s := os.Getenv("PALISADE_BENCH_OBJECTS"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("palisade-testcorpus-%d", n))
	if err := testcorpus.Ensure(dir, n, 1); err != nil {
		b.Fatal(err)
	}
	// As for the cluster scan's benchmark: without a controller manager, quotas have no usage
	// and priority classes are not made, and the corpus breaks Pod Security on purpose.
	c := testcluster.New(b, testcluster.Options{ExtraAPIServerFlags: []string{
		"--disable-admission-plugins=Priority,ResourceQuota,PodSecurity",
		"--service-cluster-ip-range=10.96.0.0/16",
	}})
	ctx := context.Background()
	if _, err := testapply.Apply(ctx, c.Config(testcluster.Admin), []string{dir}, 16); err != nil {
		b.Fatal(err)
	}
	var crdFiles []string
	for _, f := range []string{"wgpolicyk8s.io_policyreports.yaml", "wgpolicyk8s.io_clusterpolicyreports.yaml"} {
		crdFiles = append(crdFiles, filepath.Join("..", "..", "deploy", "operator", "crds", f))
	}
	if _, err := testapply.Apply(ctx, c.Config(testcluster.Admin), crdFiles, 2); err != nil {
		b.Fatal(err)
	}
	bin := filepath.Join(b.TempDir(), "palisade")
	if out, err := exec.Command("go", "build", "-o", bin, "../../cmd/palisade").CombinedOutput(); err != nil {
		b.Fatalf("building palisade: %v\n%s", err, out)
	}
	kube := []string{"--kubeconfig", c.Kubeconfig(), "--context", testcluster.Admin}

	var scans []time.Duration
	for range 3 {
		start := time.Now()
		cmd := exec.Command(bin, append([]string{"cluster", "-o", "json", "--output", os.DevNull, "--fail-on", "none"}, kube...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("palisade cluster: %v\n%s", err, out)
		}
		scans = append(scans, time.Since(start))
	}
	slices.Sort(scans)
	clusterScan := scans[1]

	// The namespace whose report the latency is read from, with workloads to change.
	const workloads = 20
	latencyNS := "bench-latency"
	admin := c.Client(testcluster.Admin)
	if _, err := admin.CoreV1().Namespaces().Create(ctx, namespace(latencyNS), metav1.CreateOptions{}); err != nil {
		b.Fatal(err)
	}
	apps := admin.AppsV1().Deployments(latencyNS)
	for i := range workloads {
		if _, err := apps.Create(ctx, deployment(fmt.Sprintf("w%02d", i), false), metav1.CreateOptions{}); err != nil {
			b.Fatal(err)
		}
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	start := time.Now()
	op := exec.Command(bin, append([]string{"operator", "--listen", addr, "--lease-namespace", "default", "--identity", "bench"}, kube...)...)
	var logs bytes.Buffer
	op.Stderr = &logs
	if err := op.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() {
		_ = op.Process.Kill()
		_ = op.Wait()
	}()
	// The first scan: the informers' lists and the evaluation, what palisade cluster does.
	var scanned time.Duration
	for scanned == 0 {
		if v, ok := tryScrape(addr, `palisade_scan_duration_seconds_count{trigger="start"}`); ok && v >= 1 {
			scanned = time.Since(start)
		}
		if time.Since(start) > 5*time.Minute {
			b.Fatalf("the operator did not scan within 5 minutes:\n%s", logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	for {
		if resp, err := http.Get("http://" + addr + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Since(start) > 5*time.Minute {
			b.Fatalf("the operator was not ready within 5 minutes:\n%s", logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	ready := time.Since(start)
	writing := scrape(b, addr, "palisade_report_write_duration_seconds_sum")

	latencies := changeLatencies(b, c, latencyNS, workloads)
	slices.Sort(latencies)
	pct := func(p float64) time.Duration { return latencies[min(len(latencies)-1, int(p*float64(len(latencies))))] }
	rss := peakRSSOf(b, op.Process.Pid)

	b.ReportMetric(float64(scanned)/float64(clusterScan), "initial/cluster")
	b.ReportMetric(float64(pct(0.99).Milliseconds()), "p99-change-ms")
	b.ReportMetric(rss, "peak-RSS-MiB")
	b.Logf("palisade cluster: %s (median of 3); operator: first scan done %s after start (%.2f× palisade cluster), every report written after %s (%.1f s writing)",
		clusterScan.Round(time.Millisecond), scanned.Round(time.Millisecond), float64(scanned)/float64(clusterScan), ready.Round(time.Millisecond), writing)
	cycles := scrape(b, addr, `palisade_scan_duration_seconds_count{trigger="change"}`)
	writes := scrape(b, addr, "palisade_report_write_duration_seconds_count")
	b.Logf("change to report, %d changes at 10/s: p50 %s, p99 %s, max %s, in %.0f scans of %.0f ms on average, each followed by %.0f ms of writing; operator peak RSS %.0f MiB; objects watched %.0f",
		len(latencies), pct(0.50).Round(time.Millisecond), pct(0.99).Round(time.Millisecond), latencies[len(latencies)-1].Round(time.Millisecond),
		cycles, 1000*scrape(b, addr, `palisade_scan_duration_seconds_sum{trigger="change"}`)/cycles,
		1000*(scrape(b, addr, "palisade_report_write_duration_seconds_sum")-writing)/(writes-1), rss, scrape(b, addr, "palisade_objects_watched "))
}

// changeLatencies flips privileged on the namespace's Deployments, one every 100 ms for 30 s,
// and measures for each change the time until the namespace's PolicyReport shows it.
func changeLatencies(b *testing.B, c *testcluster.Cluster, ns string, workloads int) []time.Duration {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dyn := dynamic.NewForConfigOrDie(c.Config(testcluster.Admin))
	type pending struct {
		privileged bool
		at         time.Time
	}
	var (
		mu        sync.Mutex
		waiting   = map[string]pending{}
		latencies []time.Duration
		missed    int
	)
	watcher, err := dyn.Resource(policyReports).Namespace(ns).Watch(ctx, metav1.ListOptions{FieldSelector: "metadata.name=palisade-" + ns})
	if err != nil {
		b.Fatal(err)
	}
	go func() {
		for ev := range watcher.ResultChan() {
			now := time.Now()
			rs, err := reportResults(ctx, dyn, policyReports, ns)
			if err != nil {
				continue
			}
			mu.Lock()
			for name, p := range waiting {
				if hasRule(about(rs, "Deployment", name), "pod/privileged") == p.privileged {
					latencies = append(latencies, now.Sub(p.at))
					delete(waiting, name)
				}
			}
			mu.Unlock()
			_ = ev
		}
	}()
	apps := c.Client(testcluster.Admin).AppsV1().Deployments(ns)
	state := make([]bool, workloads)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for i := range 300 {
		<-tick.C
		w := i % workloads
		name := fmt.Sprintf("w%02d", w)
		d, err := apps.Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			b.Fatal(err)
		}
		state[w] = !state[w]
		d.Spec.Template.Spec.Containers[0].SecurityContext.Privileged = new(state[w])
		mu.Lock()
		if _, ok := waiting[name]; ok {
			missed++ // not reported before the next change of the same object, 2 s later
		}
		mu.Unlock()
		if _, err := apps.Update(ctx, d, metav1.UpdateOptions{}); err != nil {
			b.Fatal(err)
		}
		mu.Lock()
		waiting[name] = pending{privileged: state[w], at: time.Now()}
		mu.Unlock()
	}
	time.Sleep(5 * time.Second)
	mu.Lock()
	defer mu.Unlock()
	missed += len(waiting)
	if missed > 0 {
		b.Errorf("%d of 300 changes were not in the report within 2 s (before the next change of the same object)", missed)
	}
	if len(latencies) == 0 {
		b.Fatal("no change reached the report")
	}
	return slices.Clone(latencies)
}

// scrape reads one sample of the operator's metrics.
func scrape(b *testing.B, addr, series string) float64 {
	v, ok := tryScrape(addr, series)
	if !ok {
		b.Fatalf("no metric %s", series)
	}
	return v
}

// tryScrape reads one sample of the operator's metrics, if it is there.
func tryScrape(addr, series string) (float64, bool) {
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		return 0, false
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if line := sc.Text(); strings.HasPrefix(line, series) {
			v, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimPrefix(line, series)), 64)
			return v, err == nil
		}
	}
	return 0, false
}

// peakRSSOf reads the peak resident memory of a running process (Linux), in MiB.
func peakRSSOf(b *testing.B, pid int) float64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Logf("peak RSS not measured: %v", err)
		return 0
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kib, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 64)
			if err == nil {
				return kib / 1024
			}
		}
	}
	return 0
}

func namespace(name string) *corev1.Namespace {
	return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
}
