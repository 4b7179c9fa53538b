package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"

	"palisade.dev/palisade/internal/admission"
	"palisade.dev/palisade/internal/testio"
)

// reviewerFunc is a Reviewer made of a function.
type reviewerFunc func(context.Context, *admissionv1.AdmissionRequest) admission.Decision

func (f reviewerFunc) Review(ctx context.Context, req *admissionv1.AdmissionRequest) admission.Decision {
	return f(ctx, req)
}

// secret stands in an object's contents: no answer or log line may quote it.
const secret = "s3cr3t-v4lue"

// denyPrivileged refuses every object with one hit, warns with another and audits a third.
var denyPrivileged = reviewerFunc(func(_ context.Context, req *admissionv1.AdmissionRequest) admission.Decision {
	return admission.Decision{
		Kind: req.Kind.Kind,
		Response: &admissionv1.AdmissionResponse{UID: req.UID, Allowed: false, Result: &metav1.Status{
			Message: "pod/privileged spec.containers[0].securityContext.privileged: privileged container",
		}, Warnings: []string{"pod/image-tag spec.containers[0].image: no tag"}},
		Hits: []admission.Hit{
			{RuleID: "pod/privileged", Action: admission.Deny},
			{RuleID: "pod/image-tag", Action: admission.Warn},
			{RuleID: "pod/resources", Action: admission.Audit},
		},
	}
})

var allowAll = reviewerFunc(func(_ context.Context, req *admissionv1.AdmissionRequest) admission.Decision {
	return admission.Decision{Kind: req.Kind.Kind, Response: &admissionv1.AdmissionResponse{UID: req.UID, Allowed: true}}
})

var panicking = reviewerFunc(func(context.Context, *admissionv1.AdmissionRequest) admission.Decision {
	panic(secret)
})

var unjudged = reviewerFunc(func(context.Context, *admissionv1.AdmissionRequest) admission.Decision {
	return admission.Decision{Err: errors.New("the object could not be read")}
})

// podReview is a review of a Pod CREATE whose object holds secret.
func podReview(uid string, dryRun bool) admissionv1.AdmissionReview {
	obj := fmt.Sprintf(`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","annotations":{"token":%q}},"spec":{"containers":[{"name":"c","image":"nginx"}]}}`, secret)
	r := admissionv1.AdmissionReview{Request: &admissionv1.AdmissionRequest{
		UID:       types.UID(uid),
		Kind:      metav1.GroupVersionKind{Version: "v1", Kind: "Pod"},
		Resource:  metav1.GroupVersionResource{Version: "v1", Resource: "pods"},
		Namespace: "team", Name: "p", Operation: admissionv1.Create,
		Object: runtime.RawExtension{Raw: []byte(obj)},
		DryRun: &dryRun,
	}}
	r.APIVersion, r.Kind = "admission.k8s.io/v1", "AdmissionReview"
	return r
}

func body(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// testServer is a server with rev under the given failure policy, logging into a buffer.
func testServer(rev Reviewer, failClosed bool) (*Server, *testio.Buffer) {
	logs := &testio.Buffer{}
	s := New(Options{Logger: slog.New(slog.NewJSONHandler(logs, nil))})
	if rev != nil {
		s.SetPolicy(&Policy{Reviewer: rev, FailClosed: failClosed})
	}
	return s, logs
}

func post(h http.Handler, path, contentType string, b []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(b))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// largestUpdate is the review of an UPDATE of a ConfigMap whose object and old object are
// each as large as the API server accepts a request body (3 MiB, k8s.io/apiserver's
// MaxRequestBodyBytes).
func largestUpdate(t *testing.T) []byte {
	const apiServerLimit = 3 << 20
	obj := func(fill byte) []byte {
		head := `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"big","namespace":"team"},"data":{"k":"`
		tail := `"}}`
		return []byte(head + strings.Repeat(string(fill), apiServerLimit-len(head)-len(tail)) + tail)
	}
	r := podReview("uid-1", false)
	r.Request.Kind = metav1.GroupVersionKind{Version: "v1", Kind: "ConfigMap"}
	r.Request.Resource = metav1.GroupVersionResource{Version: "v1", Resource: "configmaps"}
	r.Request.Operation, r.Request.Name = admissionv1.Update, "big"
	r.Request.Object.Raw, r.Request.OldObject.Raw = obj('a'), obj('b')
	return body(t, r)
}

func TestValidate(t *testing.T) {
	review := body(t, podReview("uid-1", false))
	tests := []struct {
		name        string
		reviewer    Reviewer
		failClosed  bool
		method      string
		contentType string
		body        []byte
		wantCode    int
		wantAllowed *bool // for 200s
		wantText    string
	}{
		{name: "a denial carries the reviewer's message and the request's uid", reviewer: denyPrivileged, body: review, wantCode: 200, wantAllowed: new(false), wantText: "pod/privileged"},
		{name: "an admission is answered allowed", reviewer: allowAll, body: review, wantCode: 200, wantAllowed: new(true)},
		{name: "a content type with parameters is accepted", reviewer: allowAll, contentType: "application/json; charset=utf-8", body: review, wantCode: 200, wantAllowed: new(true)},
		{name: "a GET is refused", reviewer: allowAll, method: http.MethodGet, wantCode: 405},
		{name: "a body that is not JSON by its content type is refused with 415", reviewer: allowAll, contentType: "application/yaml", body: review, wantCode: 415},
		{name: "a body without a content type is refused with 415", reviewer: allowAll, contentType: "-", body: review, wantCode: 415},
		{name: "a body over the limit is refused with 400 naming the limit", reviewer: allowAll, body: append(bytes.Repeat([]byte(" "), admission.MaxReviewSize), review...), wantCode: 400, wantText: "larger than 7340032 bytes"},
		{name: "an UPDATE whose object and old object each have the API server's largest size is judged", reviewer: allowAll, body: largestUpdate(t), wantCode: 200, wantAllowed: new(true)},
		{name: "malformed JSON is refused with 400 and a byte offset", reviewer: allowAll, body: []byte(`{"apiVersion": ` + secret + `}`), wantCode: 400, wantText: "invalid JSON at byte"},
		{name: "a wrong JSON type is refused with 400 naming the field", reviewer: allowAll, body: []byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":7}}`), wantCode: 400, wantText: "request.uid: a JSON number"},
		{name: "an empty body is refused with 400", reviewer: allowAll, body: nil, wantCode: 400, wantText: "empty"},
		{name: "a v1beta1 review is refused with 400", reviewer: allowAll, body: bytes.Replace(review, []byte("admission.k8s.io/v1"), []byte("admission.k8s.io/v1beta1"), 1), wantCode: 400, wantText: "not an admission.k8s.io/v1 AdmissionReview"},
		{name: "a review without a request is refused with 400", reviewer: allowAll, body: []byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}`), wantCode: 400, wantText: "no request"},
		{name: "a request without a uid is refused with 400", reviewer: allowAll, body: []byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{}}`), wantCode: 400, wantText: "no uid"},
		{name: "data after the review is refused with 400", reviewer: allowAll, body: append(bytes.Clone(review), []byte(` {"x":1}`)...), wantCode: 400, wantText: "more data after the review"},
		{name: "with no configuration loaded the answer is 503, for the API server's failure policy", reviewer: nil, body: review, wantCode: 503},
		{name: "a panic under failure policy Fail refuses", reviewer: panicking, failClosed: true, body: review, wantCode: 200, wantAllowed: new(false), wantText: "failure policy: Fail"},
		{name: "a panic under failure policy Ignore admits with a warning", reviewer: panicking, body: review, wantCode: 200, wantAllowed: new(true), wantText: "failure policy: Ignore"},
		{name: "a review that could not be done follows failure policy Fail", reviewer: unjudged, failClosed: true, body: review, wantCode: 200, wantAllowed: new(false), wantText: "could not be read"},
		{name: "a review that could not be done follows failure policy Ignore", reviewer: unjudged, body: review, wantCode: 200, wantAllowed: new(true), wantText: "could not be read"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, logs := testServer(tt.reviewer, tt.failClosed)
			method := tt.method
			if method == "" {
				method = http.MethodPost
			}
			req := httptest.NewRequest(method, "/validate", bytes.NewReader(tt.body))
			switch tt.contentType {
			case "":
				req.Header.Set("Content-Type", "application/json")
			case "-":
			default:
				req.Header.Set("Content-Type", tt.contentType)
			}
			rec := httptest.NewRecorder()
			s.Handler().ServeHTTP(rec, req)
			if rec.Code != tt.wantCode {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.wantCode, rec.Body)
			}
			if strings.Contains(rec.Body.String(), secret) || strings.Contains(logs.String(), secret) {
				t.Errorf("the answer or the log quotes the object:\n%s\n%s", rec.Body, logs)
			}
			if !strings.Contains(rec.Body.String(), tt.wantText) {
				t.Errorf("answer %s, want it to contain %q", rec.Body, tt.wantText)
			}
			if tt.wantAllowed == nil {
				return
			}
			var out admissionv1.AdmissionReview
			if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
				t.Fatalf("answer is not a review: %v", err)
			}
			if out.APIVersion != "admission.k8s.io/v1" || out.Kind != "AdmissionReview" || out.Response == nil {
				t.Fatalf("answer %s is not an AdmissionReview v1 with a response", rec.Body)
			}
			if out.Response.UID != "uid-1" {
				t.Errorf("uid %q, want the request's", out.Response.UID)
			}
			if out.Response.Allowed != *tt.wantAllowed {
				t.Errorf("allowed %v, want %v", out.Response.Allowed, *tt.wantAllowed)
			}
		})
	}
}

func TestDecisionsAreCountedAndLogged(t *testing.T) {
	tests := []struct {
		name          string
		reviewer      Reviewer
		dryRun        bool
		wantDecisions map[string]float64 // rule=action -> count
		wantLog       []string
		wantNoLog     bool
	}{
		{
			name: "a denial counts every hit by rule and action and logs one line naming them", reviewer: denyPrivileged,
			wantDecisions: map[string]float64{"pod/privileged=deny": 1, "pod/image-tag=warn": 1, "pod/resources=audit": 1},
			wantLog:       []string{`"allowed":false`, "pod/privileged=deny", "pod/resources=audit", `"uid":"uid-1"`, `"level":"WARN"`},
		},
		{
			name: "a dry run has no audit side effects: its audit hits are neither counted nor logged", reviewer: denyPrivileged, dryRun: true,
			wantDecisions: map[string]float64{"pod/privileged=deny": 1, "pod/image-tag=warn": 1, "pod/resources=audit": 0},
			wantLog:       []string{`"dryRun":true`, "pod/privileged=deny"},
		},
		{name: "a plain admission is not logged", reviewer: allowAll, wantNoLog: true},
		{name: "a panic is counted and logged without its value", reviewer: panicking, wantLog: []string{"panic while reviewing", "a panic with a string"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, logs := testServer(tt.reviewer, true)
			rec := post(s.Handler(), "/validate", "application/json", body(t, podReview("uid-1", tt.dryRun)))
			if rec.Code != 200 {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			for k, want := range tt.wantDecisions {
				rule, action, _ := strings.Cut(k, "=")
				if got := value(s.metrics.decisions.WithLabelValues(rule, action)); got != want {
					t.Errorf("decisions{rule=%s,action=%s} = %v, want %v", rule, action, got, want)
				}
			}
			for _, w := range tt.wantLog {
				if !strings.Contains(logs.String(), w) {
					t.Errorf("log %s lacks %s", logs, w)
				}
			}
			if tt.wantNoLog && logs.Len() > 0 {
				t.Errorf("a plain admission was logged: %s", logs)
			}
			if got := value(s.metrics.requests.WithLabelValues("/validate", "200")); got != 1 {
				t.Errorf("requests{path=/validate,code=200} = %v, want 1", got)
			}
			if strings.HasPrefix(tt.name, "a panic") {
				if got := value(s.metrics.panics.WithLabelValues("")); got != 1 {
					t.Errorf("panics = %v, want 1", got)
				}
			}
		})
	}
}

func TestEngineRulePanicsAreCountedByRule(t *testing.T) {
	rev := reviewerFunc(func(_ context.Context, req *admissionv1.AdmissionRequest) admission.Decision {
		return admission.Decision{Panics: []string{"pod/privileged"}, Response: &admissionv1.AdmissionResponse{Allowed: false}}
	})
	s, logs := testServer(rev, true)
	post(s.Handler(), "/validate", "application/json", body(t, podReview("u", false)))
	if got := value(s.metrics.panics.WithLabelValues("pod/privileged")); got != 1 {
		t.Errorf("panics{rule=pod/privileged} = %v, want 1", got)
	}
	if !strings.Contains(logs.String(), `"panickedRules":"pod/privileged"`) {
		t.Errorf("the log does not name the rule that panicked: %s", logs)
	}
}

func TestReadiness(t *testing.T) {
	tests := []struct {
		name     string
		policy   bool
		synced   func() bool
		wantCode int
	}{
		{name: "not ready before a configuration is loaded", policy: false, wantCode: 503},
		{name: "not ready before the cluster context has synced", policy: true, synced: func() bool { return false }, wantCode: 503},
		{name: "ready with a configuration and a synced cluster context", policy: true, synced: func() bool { return true }, wantCode: 200},
		{name: "ready with a configuration and no cluster context to wait for", policy: true, wantCode: 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New(Options{Synced: tt.synced})
			if tt.policy {
				s.SetPolicy(&Policy{Reviewer: allowAll})
			}
			rec := httptest.NewRecorder()
			s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
			if rec.Code != tt.wantCode {
				t.Errorf("/readyz %d, want %d: %s", rec.Code, tt.wantCode, rec.Body)
			}
			rec = httptest.NewRecorder()
			s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
			if rec.Code != 200 {
				t.Errorf("/healthz %d, want 200 whatever the readiness", rec.Code)
			}
		})
	}
}

func TestMetricsEndpointServesTheServersOwnRegistry(t *testing.T) {
	s, _ := testServer(denyPrivileged, true)
	post(s.Handler(), "/validate", "application/json", body(t, podReview("u", false)))
	post(s.Handler(), "/nowhere/"+secret, "application/json", nil)
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	for _, want := range []string{
		`palisade_webhook_requests_total{code="200",path="/validate"} 1`,
		`palisade_webhook_requests_total{code="404",path="other"} 1`,
		`palisade_webhook_decisions_total{action="deny",rule="pod/privileged"} 1`,
		`palisade_webhook_request_duration_seconds_bucket{path="/validate"`,
		`palisade_webhook_config_reloads_total{result="failed"} 0`,
		`palisade_webhook_cert_reloads_total{result="ok"} 0`,
		`palisade_webhook_panics_total`,
		`go_goroutines`,
	} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if strings.Contains(rec.Body.String(), secret) {
		t.Error("a request's own path became a metric label")
	}
	// Two servers never share a count.
	other, _ := testServer(allowAll, true)
	if got := value(other.metrics.requests.WithLabelValues("/validate", "200")); got != 0 {
		t.Errorf("a new server starts with %v requests", got)
	}
}

// value is a counter's count.
func value(c prometheus.Counter) float64 {
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		panic(err)
	}
	return m.GetCounter().GetValue()
}

func TestSplitEndpointsAnswerAndCountTheirOwnPart(t *testing.T) {
	tests := []struct {
		name          string
		path          string
		reviewer      Reviewer
		wantAllowed   bool
		wantWarnings  int
		wantDecisions map[string]float64
		wantPanics    float64
	}{
		{
			name: "the deny endpoint answers the denial without the warnings and counts only denials", path: "/validate/deny", reviewer: denyPrivileged,
			wantAllowed: false, wantWarnings: 0,
			wantDecisions: map[string]float64{"pod/privileged=deny": 1, "pod/image-tag=warn": 0, "pod/resources=audit": 0},
		},
		{
			name: "the warn endpoint never denies, answers the warnings and counts all but denials", path: "/validate/warn", reviewer: denyPrivileged,
			wantAllowed: true, wantWarnings: 1,
			wantDecisions: map[string]float64{"pod/privileged=deny": 0, "pod/image-tag=warn": 1, "pod/resources=audit": 1},
		},
		{
			name: "the whole endpoint answers and counts everything", path: "/validate", reviewer: denyPrivileged,
			wantAllowed: false, wantWarnings: 1,
			wantDecisions: map[string]float64{"pod/privileged=deny": 1, "pod/image-tag=warn": 1, "pod/resources=audit": 1},
		},
		{name: "a panic on the deny endpoint follows failure policy Fail", path: "/validate/deny", reviewer: panicking, wantAllowed: false, wantPanics: 1},
		{name: "a panic on the warn endpoint admits whatever the failure policy", path: "/validate/warn", reviewer: panicking, wantAllowed: true, wantWarnings: 1, wantPanics: 1},
		{name: "an error on the warn endpoint admits whatever the failure policy", path: "/validate/warn", reviewer: unjudged, wantAllowed: true, wantWarnings: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := testServer(tt.reviewer, true)
			rec := post(s.Handler(), tt.path, "application/json", body(t, podReview("u", false)))
			var out admissionv1.AdmissionReview
			if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || out.Response == nil {
				t.Fatalf("answer %d %s: %v", rec.Code, rec.Body, err)
			}
			if out.Response.Allowed != tt.wantAllowed || len(out.Response.Warnings) != tt.wantWarnings {
				t.Errorf("allowed %v with %d warnings, want %v with %d", out.Response.Allowed, len(out.Response.Warnings), tt.wantAllowed, tt.wantWarnings)
			}
			if tt.path == "/validate/warn" && out.Response.Result != nil {
				t.Errorf("the warn endpoint answered a status %+v", out.Response.Result)
			}
			for k, want := range tt.wantDecisions {
				rule, action, _ := strings.Cut(k, "=")
				if got := value(s.metrics.decisions.WithLabelValues(rule, action)); got != want {
					t.Errorf("decisions{rule=%s,action=%s} = %v, want %v", rule, action, got, want)
				}
			}
			if got := value(s.metrics.panics.WithLabelValues("")); got != tt.wantPanics {
				t.Errorf("panics = %v, want %v", got, tt.wantPanics)
			}
		})
	}
}

func TestExemptAndExistingHitsAreCountedAsWhatTheyDid(t *testing.T) {
	rev := reviewerFunc(func(_ context.Context, req *admissionv1.AdmissionRequest) admission.Decision {
		return admission.Decision{Response: &admissionv1.AdmissionResponse{Allowed: true}, Hits: []admission.Hit{
			{RuleID: "pod/privileged", Action: admission.Deny, Exempt: "break-glass namespace"},
			{RuleID: "pod/host-network", Action: admission.Deny, Existing: true},
		}}
	})
	s, _ := testServer(rev, true)
	post(s.Handler(), "/validate", "application/json", body(t, podReview("u", false)))
	if got := value(s.metrics.decisions.WithLabelValues("pod/privileged", "exempt")); got != 1 {
		t.Errorf("exempt hit counted %v times as exempt, want 1", got)
	}
	if got := value(s.metrics.decisions.WithLabelValues("pod/host-network", "warn")); got != 1 {
		t.Errorf("a denial the old object had counted %v times as warn, want 1", got)
	}
}
