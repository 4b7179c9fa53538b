package webhook

import (
	"encoding/json"
	"net/http"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"
)

// FuzzValidate sends any body to /validate: the server answers 200 with a review whose uid
// is the request's, or 400, and never panics.
func FuzzValidate(f *testing.F) {
	f.Add(body(f, podReview("u", false)))
	f.Add(body(f, podReview("u", true)))
	f.Add([]byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"x","object":null}}`))
	f.Add([]byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"x"}} trailing`))
	f.Add([]byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":1}}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(``))
	f.Add([]byte("\xff\xfe{"))
	s, _ := testServer(denyPrivileged, true)
	s.SetPolicy(&Policy{Reviewer: denyPrivileged, Defaults: allDefaults, FailClosed: true})
	h := s.Handler()
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, path := range []string{"/validate", "/mutate"} {
			rec := post(h, path, "application/json", b)
			switch rec.Code {
			case http.StatusBadRequest:
			case http.StatusOK:
				var in, out admissionv1.AdmissionReview
				if err := json.Unmarshal(b, &in); err != nil {
					t.Fatalf("%s answered 200 to a body that is not JSON", path)
				}
				if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || out.Response == nil {
					t.Fatalf("%s answered 200 without a review: %v", path, err)
				}
				if out.Response.UID != in.Request.UID {
					t.Fatalf("%s answered uid %q to request %q", path, out.Response.UID, in.Request.UID)
				}
			default:
				t.Fatalf("%s answered %d", path, rec.Code)
			}
		}
	})
}
