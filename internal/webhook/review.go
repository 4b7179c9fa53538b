package webhook

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	admissionv1 "k8s.io/api/admission/v1"
)

// reviewAPIVersion and reviewKind are the one AdmissionReview the server speaks: the
// ValidatingWebhookConfiguration asks for admissionReviewVersions [v1].
const (
	reviewAPIVersion = "admission.k8s.io/v1"
	reviewKind       = "AdmissionReview"
)

// decodeReview reads an AdmissionReview v1 request. Its errors describe where the body went
// wrong (a byte offset, a field, a JSON type), never what it says: reviews carry Secrets too.
func decodeReview(body []byte) (*admissionv1.AdmissionReview, error) {
	review, ok := readReview(body)
	if !ok {
		review = new(admissionv1.AdmissionReview)
		dec := json.NewDecoder(bytes.NewReader(body))
		if err := dec.Decode(review); err != nil {
			return nil, fmt.Errorf("reading the AdmissionReview (%d bytes): %s", len(body), describeJSONError(err))
		}
		if _, err := dec.Token(); !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("reading the AdmissionReview (%d bytes): more data after the review, at byte %d", len(body), dec.InputOffset())
		}
	}
	if review.APIVersion != reviewAPIVersion || review.Kind != reviewKind {
		return nil, fmt.Errorf("the body (%d bytes) is not an %s %s (apiVersion of %d bytes, kind of %d bytes)",
			len(body), reviewAPIVersion, reviewKind, len(review.APIVersion), len(review.Kind))
	}
	if review.Request == nil {
		return nil, errors.New("the AdmissionReview has no request")
	}
	if review.Request.UID == "" {
		return nil, errors.New("the AdmissionReview's request has no uid")
	}
	return review, nil
}

// describeJSONError words a decoding error without the text of the input: encoding/json
// quotes the offending character or number in its own messages.
func describeJSONError(err error) string {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF):
		return "the body is empty"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "the JSON ends early"
	case errors.As(err, &syntax):
		return fmt.Sprintf("invalid JSON at byte %d", syntax.Offset)
	case errors.As(err, &typ):
		// typ.Value is "string", "number 12", ...: its first word is the JSON type only.
		kind, _, _ := strings.Cut(typ.Value, " ")
		field := typ.Field
		if field == "" {
			field = "the review"
		}
		return fmt.Sprintf("%s: a JSON %s where %s is expected, at byte %d", field, kind, typ.Type, typ.Offset)
	default:
		return fmt.Sprintf("invalid JSON (%T)", err)
	}
}

// encodeReview is the answer to a review: the response, its uid the request's.
func encodeReview(req *admissionv1.AdmissionRequest, resp *admissionv1.AdmissionResponse) ([]byte, error) {
	resp.UID = req.UID
	out := admissionv1.AdmissionReview{Response: resp}
	out.APIVersion, out.Kind = reviewAPIVersion, reviewKind
	return json.Marshal(&out)
}
