package webhook

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"
)

// slowReview reads body with encoding/json as decodeReview does when readReview declines.
func slowReview(body []byte) (*admissionv1.AdmissionReview, error) {
	review := new(admissionv1.AdmissionReview)
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(review); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("more than one value")
	}
	return review, nil
}

const fullReview = `{"kind":"AdmissionReview","apiVersion":"admission.k8s.io/v1","request":{"uid":"705ab4f5-6393-11e8-b7cc-42010a800002",
"kind":{"group":"apps","version":"v1","kind":"Deployment"},"resource":{"group":"apps","version":"v1","resource":"deployments"},
"subResource":"","requestKind":{"group":"apps","version":"v1","kind":"Deployment"},"requestResource":{"group":"apps","version":"v1","resource":"deployments"},
"requestSubResource":"","name":"web","namespace":"shop","operation":"UPDATE",
"userInfo":{"username":"admin","uid":"014fbff9a07c","groups":["system:authenticated","my-admin-group"],"extra":{"some-key":["some-value1","some-value2"]}},
"object":{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"}},"oldObject":{"apiVersion":"apps/v1","kind":"Deployment"},
"dryRun":false,"options":{"apiVersion":"meta.k8s.io/v1","kind":"UpdateOptions"}}}`

func TestReadReview(t *testing.T) {
	for _, c := range []struct {
		name, body string
		ok         bool
	}{
		{"a review as the API server writes it", fullReview, true},
		{"a DELETE, whose object is null", `{"kind":"AdmissionReview","apiVersion":"admission.k8s.io/v1","request":{"uid":"u","operation":"DELETE","object":null,"oldObject":{"kind":"Pod"}}}`, true},
		{"a field it does not know is left to encoding/json", `{"kind":"AdmissionReview","apiVersion":"admission.k8s.io/v1","request":{"uid":"u","extraField":1}}`, false},
		{"a key in another case is left to encoding/json", `{"Kind":"AdmissionReview","apiVersion":"admission.k8s.io/v1","request":{"uid":"u"}}`, false},
		{"a repeated key is left to encoding/json", `{"kind":"AdmissionReview","kind":"AdmissionReview","request":{"uid":"u"}}`, false},
		{"a value of another type is left to encoding/json", `{"kind":"AdmissionReview","apiVersion":"admission.k8s.io/v1","request":{"uid":5}}`, false},
		{"a null where a value belongs is left to encoding/json", `{"kind":"AdmissionReview","apiVersion":"admission.k8s.io/v1","request":{"uid":"u","userInfo":{"groups":null}}}`, false},
		{"a response is left to encoding/json", `{"kind":"AdmissionReview","apiVersion":"admission.k8s.io/v1","response":{"uid":"u","allowed":true}}`, false},
		{"malformed JSON is left to encoding/json, which words the error", `{"kind":`, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, ok := readReview([]byte(c.body))
			if ok != c.ok {
				t.Fatalf("readReview ok = %v, want %v", ok, c.ok)
			}
			if !ok {
				return
			}
			want, err := slowReview([]byte(c.body))
			if err != nil {
				t.Fatalf("encoding/json: %v", err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("readReview =\n%+v\nencoding/json =\n%+v", got.Request, want.Request)
			}
		})
	}
}

// FuzzReadReview holds readReview to encoding/json: whatever it reads, encoding/json reads the
// same.
func FuzzReadReview(f *testing.F) {
	f.Add([]byte(fullReview))
	f.Add([]byte(`{"kind":"AdmissionReview","request":{"uid":"u","object":null,"dryRun":true,"userInfo":{"extra":{}}}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		got, ok := readReview(body)
		if !ok {
			return
		}
		want, err := slowReview(body)
		if err != nil {
			t.Fatalf("readReview read a body encoding/json refuses (%v)", err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("readReview =\n%+v\nencoding/json =\n%+v", got, want)
		}
	})
}

// BenchmarkDecodeReview reads the review of a Deployment, as the API server writes it, with
// readReview and with encoding/json.
func BenchmarkDecodeReview(b *testing.B) {
	data := body(b, benchReview())
	b.Run("readReview", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, ok := readReview(data); !ok {
				b.Fatal("declined")
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := slowReview(data); err != nil {
				b.Fatal(err)
			}
		}
	})
}
