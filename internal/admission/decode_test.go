package admission

import (
	"strings"
	"testing"
)

const validReview = `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u-1",` +
	`"kind":{"group":"","version":"v1","kind":"Pod"},"resource":{"group":"","version":"v1","resource":"pods"},` +
	`"namespace":"apps","operation":"CREATE","userInfo":{"username":"alice"},` +
	`"object":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"x"}]}}}}`

func TestDecodeReview(t *testing.T) {
	cases := []struct {
		name string
		body string
		want string // substring of the error; "" for success
	}{
		{"valid v1 review", validReview, ""},
		{"empty body", "  ", "empty"},
		{"not an object", `[1,2]`, "not a JSON object"},
		{"malformed JSON", `{"apiVersion":`, "not valid JSON"},
		{"trailing data", validReview + `{"x":1}`, "not valid JSON"},
		{"v1beta1 refused", strings.Replace(validReview, "admission.k8s.io/v1", "admission.k8s.io/v1beta1", 1), "only v1"},
		{"wrong kind", strings.Replace(validReview, `"kind":"AdmissionReview"`, `"kind":"Review"`, 1), "kind must be AdmissionReview"},
		{"no request", `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}`, "request is missing"},
		{"no uid", strings.Replace(validReview, `"uid":"u-1",`, "", 1), "uid is missing"},
		{"unknown field", strings.Replace(validReview, `"uid":"u-1",`, `"uid":"u-1","secretField":"s3cr3t",`, 1), "unknown or duplicate field"},
		{"duplicate field", strings.Replace(validReview, `"uid":"u-1",`, `"uid":"u-1","uid":"u-2",`, 1), "unknown or duplicate field"},
		{"wrong type", strings.Replace(validReview, `"operation":"CREATE"`, `"operation":7`, 1), "holds a JSON number"},
		{"response sent to the webhook", strings.Replace(validReview, `}}}}`, `}}},"response":{"uid":"u-1","allowed":true}}`, 1), "must not carry a response"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := DecodeReview([]byte(c.body))
			if c.want == "" {
				if err != nil || r.Request.UID != "u-1" || len(r.Request.Object.Raw) == 0 {
					t.Fatalf("DecodeReview: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one saying %q", err, c.want)
			}
			if strings.Contains(err.Error(), "s3cr3t") || strings.Contains(err.Error(), "secretField") {
				t.Errorf("error quotes the body: %v", err)
			}
		})
	}
}

// FuzzDecodeReview pins that no body makes decoding panic, and that a review it accepts has
// what the engine relies on.
func FuzzDecodeReview(f *testing.F) {
	f.Add([]byte(validReview))
	f.Add([]byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"x","object":null}}`))
	f.Add([]byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"x","object":{"a":[1,{"b":null}]}}}`))
	f.Add([]byte(`{}`))
	f.Add([]byte("\xff\xfe{"))
	e := engine(f, nil, nil)
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := DecodeReview(body)
		if err != nil {
			return
		}
		if r.Request == nil || r.Request.UID == "" {
			t.Fatal("accepted a review without request or uid")
		}
		d := e.Review(t.Context(), r.Request)
		if d.Response == nil || d.Response.UID != r.Request.UID {
			t.Fatal("the decision does not echo the uid")
		}
	})
}
