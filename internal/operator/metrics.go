package operator

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"palisade.dev/palisade/internal/finding"
)

// Metrics are the operator's Prometheus metrics, in a registry of their own (never the client
// library's global one), so that two operators in one process, as in tests, never share one.
type Metrics struct {
	registry *prometheus.Registry
	findings *prometheus.GaugeVec
	duration *prometheus.HistogramVec
	// writeDuration is the time to bring the reports up to date after an evaluation.
	writeDuration prometheus.Histogram
	objects       prometheus.Gauge
	writes        *prometheus.CounterVec
	writeErrors   *prometheus.CounterVec
	leader        prometheus.Gauge
	scanErrors    prometheus.Gauge
}

// NewMetrics makes the operator's metrics, with the Go runtime's and the process's.
func NewMetrics() *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		findings: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "palisade_findings",
			Help: "Active findings of the last evaluation, by rule, severity and namespace (\"\" for cluster-scoped objects).",
		}, []string{"rule", "severity", "namespace"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "palisade_scan_duration_seconds",
			Help:    "Time to judge the cluster from the informers' caches, by trigger (start, change, schedule, retry).",
			Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120},
		}, []string{"trigger"}),
		writeDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "palisade_report_write_duration_seconds",
			Help:    "Time to bring the policy reports up to date after a scan: every report built and its digest taken, those that changed applied, those left over deleted.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120},
		}),
		objects: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "palisade_objects_watched",
			Help: "Objects the informers hold.",
		}),
		writes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "palisade_report_writes_total",
			Help: "Policy reports written (apply) or deleted, by operation.",
		}, []string{"operation"}),
		writeErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "palisade_report_write_errors_total",
			Help: "Policy report writes that failed, by operation (apply, delete, list).",
		}, []string{"operation"}),
		leader: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "palisade_leader",
			Help: "1 while this replica holds the lease and writes the reports, else 0.",
		}),
		scanErrors: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "palisade_scan_errors",
			Help: "What the last evaluation could not judge: coverage gaps and errors, each an error result in the reports.",
		}),
	}
	m.registry.MustRegister(m.findings, m.duration, m.writeDuration, m.objects, m.writes, m.writeErrors, m.leader, m.scanErrors,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	// Series that alerts watch exist from the start, at zero.
	for _, op := range []string{"apply", "delete", "list"} {
		m.writeErrors.WithLabelValues(op)
	}
	return m
}

// Registry is where the metrics are registered, for serving them.
func (m *Metrics) Registry() *prometheus.Registry { return m.registry }

// setFindings replaces the findings gauge with the counts of fs.
func (m *Metrics) setFindings(fs []finding.Finding) {
	type key struct{ rule, severity, namespace string }
	counts := map[key]int{}
	for i := range fs {
		f := &fs[i]
		counts[key{f.RuleID, f.Severity.String(), f.Object.Namespace}]++
	}
	m.findings.Reset()
	for k, n := range counts {
		m.findings.WithLabelValues(k.rule, k.severity, k.namespace).Set(float64(n))
	}
}
