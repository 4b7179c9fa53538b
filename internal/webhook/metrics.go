package webhook

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the webhook's Prometheus metrics, in a registry of their own (never the
// client library's global one), so that two servers in one process, as in tests, never share
// a count.
type Metrics struct {
	registry      *prometheus.Registry
	requests      *prometheus.CounterVec
	latency       *prometheus.HistogramVec
	decisions     *prometheus.CounterVec
	panics        *prometheus.CounterVec
	configReloads *prometheus.CounterVec
	certReloads   *prometheus.CounterVec
}

// NewMetrics makes the webhook's metrics, with the Go runtime's and the process's.
func NewMetrics() *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "palisade_webhook_requests_total",
			Help: "HTTP requests answered, by path and status code.",
		}, []string{"path", "code"}),
		// Buckets from 250µs: an answer is expected in a few milliseconds, and the API
		// server gives up after the webhook's timeoutSeconds (at most 30 s).
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "palisade_webhook_request_duration_seconds",
			Help:    "Time from reading a request to answering it, by path.",
			Buckets: []float64{.00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"path"}),
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "palisade_webhook_decisions_total",
			Help: "Rules broken by reviewed objects, by rule and the action taken (deny, warn, audit, exempt).",
		}, []string{"rule", "action"}),
		panics: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "palisade_webhook_panics_total",
			Help: "Panics recovered while reviewing, by rule (\"\" when outside any rule).",
		}, []string{"rule"}),
		configReloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "palisade_webhook_config_reloads_total",
			Help: "Configuration reloads, by result (ok, failed).",
		}, []string{"result"}),
		certReloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "palisade_webhook_cert_reloads_total",
			Help: "Serving certificate reloads, by result (ok, failed).",
		}, []string{"result"}),
	}
	m.registry.MustRegister(m.requests, m.latency, m.decisions, m.panics, m.configReloads, m.certReloads,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	// Series that alerts watch exist from the start, at zero.
	m.panics.WithLabelValues("")
	for _, r := range []string{"ok", "failed"} {
		m.configReloads.WithLabelValues(r)
		m.certReloads.WithLabelValues(r)
	}
	return m
}

// Registry is where the metrics are registered, for tests and for more collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.registry }

// Handler serves the metrics in Prometheus's exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{Registry: m.registry})
}

// ConfigReloaded counts a configuration reload.
func (m *Metrics) ConfigReloaded(ok bool) { m.configReloads.WithLabelValues(result(ok)).Inc() }

// CertReloaded counts a serving certificate reload.
func (m *Metrics) CertReloaded(ok bool) { m.certReloads.WithLabelValues(result(ok)).Inc() }

func result(ok bool) string {
	if ok {
		return "ok"
	}
	return "failed"
}
