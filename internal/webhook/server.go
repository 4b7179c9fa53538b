// Package webhook owns Palisade's admission webhook server: HTTPS for AdmissionReview v1
// (/validate, /mutate), health and readiness, Prometheus metrics, the reload of its
// configuration and serving certificate, and the certificates it can make for itself. It
// decides nothing about security: a Reviewer (internal/admission) judges each request, and the
// server carries the decision, counts it and logs it. It never logs or quotes an object's
// contents.
package webhook

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"palisade.dev/palisade/internal/admission"
)

// Policy is what the server judges with at one moment. A configuration reload builds a new
// one and swaps it whole, so a request is judged by one configuration from start to end.
type Policy struct {
	// Reviewer judges /validate requests.
	Reviewer Reviewer
	// Defaults are the secure defaults /mutate sets; the zero value sets none.
	Defaults Defaults
	// FailClosed says how a request is answered when reviewing it panicked outside any
	// rule or could not be done: refused when true, admitted with a warning when false,
	// as the webhook's failurePolicy (Fail, Ignore) would have the API server do.
	FailClosed bool
	// Sources are the files and folders, besides the configuration, that the policy was
	// built from (the policies it names): a change to any of them builds it again.
	Sources []string
}

// Options configure a Server.
type Options struct {
	// Synced reports whether the cluster context (informers) has synced; nil means there is
	// none to wait for.
	Synced func() bool
	// Metrics receive the server's counts; nil makes a new set.
	Metrics *Metrics
	// Logger receives one line per decision that is not a plain admission; nil discards.
	Logger *slog.Logger
}

// Server answers admission reviews with the current Policy.
type Server struct {
	policy  atomic.Pointer[Policy]
	synced  func() bool
	metrics *Metrics
	log     *slog.Logger
}

// New makes a server without a policy: it is not ready, and answers reviews with 503,
// until SetPolicy.
func New(opts Options) *Server {
	s := &Server{synced: opts.Synced, metrics: opts.Metrics, log: opts.Logger}
	if s.metrics == nil {
		s.metrics = NewMetrics()
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	return s
}

// SetPolicy makes p the policy of the requests that arrive from now on.
func (s *Server) SetPolicy(p *Policy) { s.policy.Store(p) }

// Metrics are the server's metrics.
func (s *Server) Metrics() *Metrics { return s.metrics }

// Ready says why the server cannot judge requests yet, or nil when it can: a policy is
// loaded and the cluster context has synced.
func (s *Server) Ready() error {
	if s.policy.Load() == nil {
		return errors.New("no configuration loaded")
	}
	if s.synced != nil && !s.synced() {
		return errors.New("the cluster context has not synced")
	}
	return nil
}

// endpoint is what a review path answers.
type endpoint int

const (
	// validateAll answers the whole decision: denials and warnings.
	validateAll endpoint = iota
	// validateDeny answers the denials only, for a webhook entry with failurePolicy Fail:
	// its warnings are the other entry's.
	validateDeny
	// validateWarn answers the warnings only and never denies, for a webhook entry with
	// failurePolicy Ignore.
	validateWarn
	// mutateDefaults answers the secure defaults' patch.
	mutateDefaults
)

func (ep endpoint) String() string {
	return [...]string{"validate", "validate/deny", "validate/warn", "mutate"}[ep]
}

// Handler routes /validate, /validate/deny, /validate/warn, /mutate, /healthz, /readyz and
// /metrics.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	for path, ep := range map[string]endpoint{
		"/validate": validateAll, "/validate/deny": validateDeny, "/validate/warn": validateWarn, "/mutate": mutateDefaults,
	} {
		mux.Handle(path, s.instrument(path, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s.serveReview(w, r, ep)
		})))
	}
	mux.Handle("/healthz", s.instrument("/healthz", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "ok")
	})))
	mux.Handle("/readyz", s.instrument("/readyz", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := s.Ready(); err != nil {
			http.Error(w, "not ready: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	})))
	mux.Handle("/metrics", s.instrument("/metrics", s.metrics.Handler()))
	mux.Handle("/", s.instrument("other", http.NotFoundHandler()))
	return mux
}

// instrument counts a route's requests by status code and times them; path is a fixed label,
// never the request's own path, so that no caller can grow the metrics.
func (s *Server) instrument(path string, h http.Handler) http.Handler {
	// The series of an answered request are resolved once, not looked up (labels hashed,
	// a map read under a lock) on every request; other codes are rare.
	latency := s.metrics.latency.WithLabelValues(path)
	answered := s.metrics.requests.WithLabelValues(path, "200")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		began := time.Now()
		rec := &statusRecorder{ResponseWriter: w, code: http.StatusOK}
		defer func() {
			// A panic in a handler other than a review's (those recover themselves) is
			// answered 500 and counted; net/http would otherwise drop the connection.
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.metrics.panics.WithLabelValues("").Inc()
				s.log.Error("panic while serving", "path", path, "panic", describePanic(v))
				if !rec.wrote {
					http.Error(rec, "internal error", http.StatusInternalServerError)
				}
			}
			latency.Observe(time.Since(began).Seconds())
			if rec.code == http.StatusOK {
				answered.Inc()
			} else {
				s.metrics.requests.WithLabelValues(path, strconv.Itoa(rec.code)).Inc()
			}
		}()
		h.ServeHTTP(rec, r)
	})
}

type statusRecorder struct {
	http.ResponseWriter
	code  int
	wrote bool
}

func (r *statusRecorder) WriteHeader(code int) {
	if !r.wrote {
		r.code, r.wrote = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	r.wrote = true
	return r.ResponseWriter.Write(b)
}

// serveReview reads, judges and answers one AdmissionReview.
func (s *Server) serveReview(w http.ResponseWriter, r *http.Request, ep endpoint) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "an AdmissionReview is sent with POST", http.StatusMethodNotAllowed)
		return
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		http.Error(w, "an AdmissionReview is sent as application/json", http.StatusUnsupportedMediaType)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, admission.MaxReviewSize))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			http.Error(w, fmt.Sprintf("the review is larger than %d bytes", admission.MaxReviewSize), http.StatusBadRequest)
			return
		}
		http.Error(w, "reading the review: the connection failed", http.StatusBadRequest)
		return
	}
	review, err := decodeReview(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	p := s.policy.Load()
	if p == nil {
		// The API server applies the webhook's failurePolicy to this answer.
		http.Error(w, "no configuration loaded yet", http.StatusServiceUnavailable)
		return
	}
	req := review.Request
	var resp *admissionv1.AdmissionResponse
	if ep == mutateDefaults {
		resp = s.mutate(p, req)
	} else {
		resp = s.validate(r.Context(), p, req, ep)
	}
	out, err := encodeReview(req, resp)
	if err != nil {
		http.Error(w, "encoding the response failed", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(out)
}

// validate judges a request with the policy's reviewer, recovering from a panic, and
// answers the part of the decision the endpoint serves.
func (s *Server) validate(ctx context.Context, p *Policy, req *admissionv1.AdmissionRequest, ep endpoint) *admissionv1.AdmissionResponse {
	failClosed := p.FailClosed && ep != validateWarn
	d := s.decide(ctx, p, req, failClosed)
	if d.Response == nil {
		msg := "the review could not be done"
		if d.Err != nil {
			msg += ": " + d.Err.Error()
		}
		d.Response = failureResponse(failClosed, msg)
	}
	s.record(req, d, ep)
	resp := *d.Response
	switch ep {
	case validateDeny:
		resp.Warnings = nil
	case validateWarn:
		resp.Allowed, resp.Result = true, nil
	}
	return &resp
}

// decide runs the reviewer; a panic is counted, logged and answered as the policy says.
func (s *Server) decide(ctx context.Context, p *Policy, req *admissionv1.AdmissionRequest, failClosed bool) (d admission.Decision) {
	defer func() {
		if v := recover(); v != nil {
			s.metrics.panics.WithLabelValues("").Inc()
			s.log.Error("panic while reviewing", append(requestAttrs(req), "panic", describePanic(v))...)
			d = admission.Decision{Response: failureResponse(failClosed, "the review failed with an internal error")}
		}
	}()
	return p.Reviewer.Review(ctx, req)
}

// failureResponse answers a request that could not be judged.
func failureResponse(failClosed bool, msg string) *admissionv1.AdmissionResponse {
	if failClosed {
		return &admissionv1.AdmissionResponse{Allowed: false, Result: &metav1.Status{
			Status: metav1.StatusFailure, Code: http.StatusInternalServerError, Reason: metav1.StatusReasonInternalError,
			Message: "palisade: " + msg + " (failure policy: Fail)",
		}}
	}
	return &admissionv1.AdmissionResponse{Allowed: true, Warnings: []string{"palisade: " + msg + " (failure policy: Ignore): admitted unjudged"}}
}

// record counts a decision and logs it unless it is a plain admission. A dry run has no
// audit side effects: its audit-only hits are neither counted nor logged. The two entries
// of a split webhook configuration review the same request: the deny endpoint records the
// denials, panics and errors, the warn endpoint the rest, so that nothing counts twice.
func (s *Server) record(req *admissionv1.AdmissionRequest, d admission.Decision, ep endpoint) {
	dryRun := d.DryRun || req.DryRun != nil && *req.DryRun
	var rules []string
	for _, h := range d.Hits {
		action := effectiveAction(h)
		if ep == validateDeny && action != string(admission.Deny) || ep == validateWarn && action == string(admission.Deny) {
			continue
		}
		if dryRun && (action == string(admission.Audit) || action == "exempt") {
			continue
		}
		s.metrics.decisions.WithLabelValues(h.RuleID, action).Inc()
		rules = append(rules, h.RuleID+"="+action)
	}
	resp := *d.Response
	panics, failed := d.Panics, d.Err
	switch ep {
	case validateDeny:
		resp.Warnings = nil
	case validateWarn:
		resp.Allowed = true
		panics, failed = nil, nil
	}
	for _, id := range panics {
		s.metrics.panics.WithLabelValues(id).Inc()
	}
	if resp.Allowed && len(resp.Warnings) == 0 && len(rules) == 0 && len(panics) == 0 && failed == nil &&
		(d.Skipped == "" || ep == validateWarn) && (len(d.Unjudged) == 0 || ep == validateWarn) {
		return
	}
	slices.Sort(rules)
	rules = slices.Compact(rules)
	attrs := append(requestAttrs(req), "endpoint", ep.String(), "allowed", resp.Allowed, "rules", strings.Join(rules, ","))
	if dryRun {
		attrs = append(attrs, "dryRun", true)
	}
	if len(panics) > 0 {
		attrs = append(attrs, "panickedRules", strings.Join(panics, ","))
	}
	if failed != nil {
		attrs = append(attrs, "error", failed.Error())
	}
	if d.Skipped != "" {
		// An unknown kind, an exempt namespace: admitted unjudged, and said so.
		attrs = append(attrs, "skipped", d.Skipped)
	}
	if len(d.Unjudged) > 0 {
		attrs = append(attrs, "unjudged", strings.Join(d.Unjudged, "; "))
	}
	level := slog.LevelInfo
	if !resp.Allowed || len(panics) > 0 || failed != nil || len(d.Unjudged) > 0 {
		level = slog.LevelWarn
	}
	s.log.Log(context.Background(), level, "admission decision", attrs...)
}

// effectiveAction is what a hit did: "exempt" when an exemption covered it, "warn" for a
// denial the old object already had under updates: onlyWorse.
func effectiveAction(h admission.Hit) string {
	switch {
	case h.Exempt != "":
		return "exempt"
	case h.Existing && h.Action == admission.Deny:
		return string(admission.Warn)
	}
	return string(h.Action)
}

// requestAttrs name a request in a log line: who asked what of which object, never the
// object's contents.
func requestAttrs(req *admissionv1.AdmissionRequest) []any {
	return []any{
		"uid", string(req.UID), "operation", string(req.Operation),
		"kind", req.Kind.Group + "/" + req.Kind.Version + "/" + req.Kind.Kind,
		"namespace", req.Namespace, "name", req.Name, "user", req.UserInfo.Username,
	}
}

// describePanic names a panic without its value when that could be data: a runtime error's
// message (an index out of range, a nil dereference) says nothing of the input.
func describePanic(v any) string {
	if err, ok := v.(runtime.Error); ok {
		return err.Error()
	}
	return fmt.Sprintf("a panic with a %T", v)
}

// Timeouts of the HTTPS server. The API server waits at most 30 s (timeoutSeconds) for a
// webhook; a client slower than that to send its request or read its answer is not one.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 15 * time.Second
	writeTimeout      = 30 * time.Second
	idleTimeout       = 90 * time.Second
	// DrainTimeout is how long Serve waits for in-flight reviews once asked to stop.
	DrainTimeout = 25 * time.Second
)

// TLSConfig is the server's TLS configuration: TLS 1.2 and later, the certificate from
// cert (read at every handshake, so a rotated certificate is served without a restart).
// Cipher suites are Go's defaults, which offer only AEAD suites with forward secrecy for TLS
// 1.2 and let the server, not the client, choose among them (crypto/tls ignores the client's
// preference order), so a client cannot downgrade the suite.
func TLSConfig(cert func(*tls.ClientHelloInfo) (*tls.Certificate, error)) *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: cert}
}

// Serve answers HTTPS on ln until ctx ends, then stops accepting connections and waits up
// to DrainTimeout for the requests in flight to be answered.
func (s *Server) Serve(ctx context.Context, ln net.Listener, tlsConfig *tls.Config) error {
	srv := &http.Server{
		Handler:           s.Handler(),
		TLSConfig:         tlsConfig,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	served := make(chan error, 1)
	go func() { served <- srv.ServeTLS(ln, "", "") }()
	select {
	case err := <-served:
		return fmt.Errorf("serving HTTPS on %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}
	drain, cancel := context.WithTimeout(context.Background(), DrainTimeout)
	defer cancel()
	if err := srv.Shutdown(drain); err != nil {
		return fmt.Errorf("draining the reviews in flight: %w", err)
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serving HTTPS on %s: %w", ln.Addr(), err)
	}
	return nil
}
