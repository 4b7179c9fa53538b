package webhook

import (
	admissionv1 "k8s.io/api/admission/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"palisade.dev/palisade/internal/source/manifest/fastyaml"
	"palisade.dev/palisade/internal/source/manifest/jsonnode"
)

// readReview reads a review as the API server writes it, in one pass over the body and
// without reflection; ok is false for anything else (a field it does not know, a null where a
// value belongs, a repeated key, a key in another case, a value of another JSON type), which
// decodeReview then reads with encoding/json, whose result readReview's is whenever ok
// (FuzzReadReview). The objects under review are left as they are in the body.
func readReview(body []byte) (review *admissionv1.AdmissionReview, ok bool) {
	nodes, err := jsonnode.ParseKeeping(body, rawFields)
	if err != nil {
		return nil, false
	}
	r := reviewReader{nodes: nodes, body: body, ok: true}
	review = new(admissionv1.AdmissionReview)
	r.fields(0, func(key string, i int) {
		switch key {
		case "apiVersion":
			review.APIVersion = r.str(i)
		case "kind":
			review.Kind = r.str(i)
		case "request":
			review.Request = r.request(i)
		default:
			r.ok = false
		}
	})
	return review, r.ok
}

// rawFields are the request's RawExtensions, which the review keeps as bytes.
func rawFields(depth int, key string) bool {
	return depth == 2 && (key == "object" || key == "oldObject" || key == "options")
}

// reviewReader reads the nodes of a review; ok turns false at the first thing it does not
// read exactly as encoding/json would.
type reviewReader struct {
	nodes []fastyaml.Node
	body  []byte
	ok    bool
}

// fields calls f with the key and node of each entry of the object at node i.
func (r *reviewReader) fields(i int, f func(key string, node int)) {
	n := &r.nodes[i]
	if n.Kind != fastyaml.Map {
		r.ok = false
		return
	}
	for j, c := i+1, 0; c < int(n.Len) && r.ok; c++ {
		if r.nodes[j].Superseded {
			r.ok = false
			return
		}
		f(r.nodes[j].Key, j)
		j = int(r.nodes[j].End)
	}
}

func (r *reviewReader) str(i int) string {
	if r.nodes[i].Kind != fastyaml.String {
		r.ok = false
		return ""
	}
	return r.nodes[i].Str
}

func (r *reviewReader) strings(i int) []string {
	n := &r.nodes[i]
	if n.Kind != fastyaml.List {
		r.ok = false
		return nil
	}
	out := make([]string, 0, n.Len)
	for j, c := i+1, 0; c < int(n.Len); c++ {
		out = append(out, r.str(j))
		j = int(r.nodes[j].End)
	}
	return out
}

// raw is a RawExtension's bytes: the value as it is in the body, nil for null.
func (r *reviewReader) raw(i int) []byte {
	switch v := r.nodes[i].Value.(type) {
	case jsonnode.Raw:
		return r.body[v.Start:v.End:v.End]
	case nil:
		return nil
	}
	// Not kept: the request is not at the depth of an AdmissionReview's.
	r.ok = false
	return nil
}

func (r *reviewReader) gvk(i int) (gvk metav1.GroupVersionKind) {
	r.fields(i, func(key string, j int) {
		switch key {
		case "group":
			gvk.Group = r.str(j)
		case "version":
			gvk.Version = r.str(j)
		case "kind":
			gvk.Kind = r.str(j)
		default:
			r.ok = false
		}
	})
	return gvk
}

func (r *reviewReader) gvr(i int) (gvr metav1.GroupVersionResource) {
	r.fields(i, func(key string, j int) {
		switch key {
		case "group":
			gvr.Group = r.str(j)
		case "version":
			gvr.Version = r.str(j)
		case "resource":
			gvr.Resource = r.str(j)
		default:
			r.ok = false
		}
	})
	return gvr
}

func (r *reviewReader) userInfo(i int) (u authenticationv1.UserInfo) {
	r.fields(i, func(key string, j int) {
		switch key {
		case "username":
			u.Username = r.str(j)
		case "uid":
			u.UID = r.str(j)
		case "groups":
			u.Groups = r.strings(j)
		case "extra":
			u.Extra = map[string]authenticationv1.ExtraValue{}
			r.fields(j, func(k string, l int) { u.Extra[k] = r.strings(l) })
		default:
			r.ok = false
		}
	})
	return u
}

func (r *reviewReader) request(i int) *admissionv1.AdmissionRequest {
	req := new(admissionv1.AdmissionRequest)
	r.fields(i, func(key string, j int) {
		switch key {
		case "uid":
			req.UID = types.UID(r.str(j))
		case "kind":
			req.Kind = r.gvk(j)
		case "resource":
			req.Resource = r.gvr(j)
		case "subResource":
			req.SubResource = r.str(j)
		case "requestKind":
			gvk := r.gvk(j)
			req.RequestKind = &gvk
		case "requestResource":
			gvr := r.gvr(j)
			req.RequestResource = &gvr
		case "requestSubResource":
			req.RequestSubResource = r.str(j)
		case "name":
			req.Name = r.str(j)
		case "namespace":
			req.Namespace = r.str(j)
		case "operation":
			req.Operation = admissionv1.Operation(r.str(j))
		case "userInfo":
			req.UserInfo = r.userInfo(j)
		case "object":
			req.Object.Raw = r.raw(j)
		case "oldObject":
			req.OldObject.Raw = r.raw(j)
		case "options":
			req.Options.Raw = r.raw(j)
		case "dryRun":
			v, isBool := r.nodes[j].Value.(bool)
			if r.nodes[j].Kind != fastyaml.Scalar || !isBool {
				r.ok = false
			}
			req.DryRun = &v
		default:
			r.ok = false
		}
	})
	return req
}
