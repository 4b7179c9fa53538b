package admission

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	admissionv1 "k8s.io/api/admission/v1"
	sigsjson "sigs.k8s.io/json"
)

// MaxReviewSize is the largest AdmissionReview body Palisade reads (7 MiB), the one limit of
// the webhook server and of DecodeReview's callers. The API server refuses a request body over
// 3 MiB (k8s.io/apiserver pkg/server/config.go, MaxRequestBodyBytes), and the review of an
// UPDATE carries two objects, object and oldObject, each up to that, with userInfo and options
// beside them: 2 × 3 MiB and 1 MiB for the rest. A review over it is refused, never truncated.
const MaxReviewSize = 7 << 20

// DecodeReview reads an AdmissionReview body, strictly: only admission.k8s.io/v1, kind
// AdmissionReview, with a request that has a uid, no unknown or duplicate field, nothing after
// the object. The caller bounds the size (MaxReviewSize). Errors describe the body, never
// quote it.
func DecodeReview(body []byte) (*admissionv1.AdmissionReview, error) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return nil, errors.New("admission review: the body is empty")
	}
	if body[0] != '{' {
		return nil, fmt.Errorf("admission review: the body (%d bytes) is not a JSON object", len(body))
	}
	var review admissionv1.AdmissionReview
	strict, err := sigsjson.UnmarshalStrict(body, &review, sigsjson.DisallowDuplicateFields, sigsjson.DisallowUnknownFields)
	if err != nil {
		return nil, fmt.Errorf("admission review: the body (%d bytes) is not valid JSON for an AdmissionReview: %s", len(body), describeJSONError(err))
	}
	if len(strict) > 0 {
		return nil, fmt.Errorf("admission review: %s", describeStrictErrors(strict))
	}
	want := admissionv1.SchemeGroupVersion.String()
	switch {
	case review.APIVersion != want:
		return nil, fmt.Errorf("admission review: apiVersion must be %s (a string of %d characters was sent); only v1 reviews are served", want, len(review.APIVersion))
	case review.Kind != "AdmissionReview":
		return nil, fmt.Errorf("admission review: kind must be AdmissionReview (a string of %d characters was sent)", len(review.Kind))
	case review.Request == nil:
		return nil, errors.New("admission review: request is missing")
	case review.Request.UID == "":
		return nil, errors.New("admission review: request.uid is missing")
	case review.Response != nil:
		return nil, errors.New("admission review: a review sent to a webhook must not carry a response")
	}
	return &review, nil
}

// describeJSONError says what is wrong with a JSON body without quoting it.
func describeJSONError(err error) string {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return fmt.Sprintf("syntax error at byte %d", syn.Offset)
	}
	var ute *json.UnmarshalTypeError
	if errors.As(err, &ute) {
		return fmt.Sprintf("field %s holds a JSON %s where %s is expected", ute.Field, ute.Value, ute.Type)
	}
	return "it cannot be decoded"
}

// describeStrictErrors counts the unknown or duplicate fields; their names are the sender's
// keys, not quoted.
func describeStrictErrors(errs []error) string {
	if len(errs) == 1 {
		return "the body has an unknown or duplicate field"
	}
	return fmt.Sprintf("the body has %d unknown or duplicate fields", len(errs))
}
