package webhook

import (
	"encoding/json"
	"fmt"
	"strings"

	admissionv1 "k8s.io/api/admission/v1"
)

// Defaults are the secure defaults /mutate sets where a pod leaves them unset. Each is off
// unless the configuration turns it on; a value the author wrote is never changed.
type Defaults struct {
	// AllowPrivilegeEscalation sets allowPrivilegeEscalation: false on every container and
	// init container that does not say, except a privileged one or one that adds
	// CAP_SYS_ADMIN (the API server refuses false with either).
	AllowPrivilegeEscalation bool
	// SeccompRuntimeDefault sets the pod's seccompProfile to RuntimeDefault when the pod sets
	// none (a container's own profile still applies to it).
	SeccompRuntimeDefault bool
	// RunAsNonRoot sets the pod's runAsNonRoot: true when unset, unless the pod or one of its
	// containers runs as user 0 explicitly (such a pod would then never start).
	RunAsNonRoot bool
}

// Enabled says whether any default is on.
func (d Defaults) Enabled() bool {
	return d.AllowPrivilegeEscalation || d.SeccompRuntimeDefault || d.RunAsNonRoot
}

// PatchOp is one JSONPatch (RFC 6902) operation.
type PatchOp struct {
	Op    string `json:"op"`
	Path  string `json:"path"`
	Value any    `json:"value,omitempty"`
}

// podSpecPaths is where each kind keeps the pod it runs. A Pod is patched on CREATE only:
// its security context cannot change afterwards.
var podSpecPaths = map[string][]string{
	"/Pod":                   {"spec"},
	"/PodTemplate":           {"template", "spec"},
	"/ReplicationController": {"spec", "template", "spec"},
	"apps/Deployment":        {"spec", "template", "spec"},
	"apps/StatefulSet":       {"spec", "template", "spec"},
	"apps/DaemonSet":         {"spec", "template", "spec"},
	"apps/ReplicaSet":        {"spec", "template", "spec"},
	"batch/Job":              {"spec", "template", "spec"},
	"batch/CronJob":          {"spec", "jobTemplate", "spec", "template", "spec"},
}

// mutate answers /mutate: admitted, with the patch of the policy's defaults if any.
func (s *Server) mutate(p *Policy, req *admissionv1.AdmissionRequest) (resp *admissionv1.AdmissionResponse) {
	defer func() {
		if v := recover(); v != nil {
			s.metrics.panics.WithLabelValues("").Inc()
			s.log.Error("panic while setting defaults", append(requestAttrs(req), "panic", describePanic(v))...)
			resp = failureResponse(p.FailClosed, "setting secure defaults failed with an internal error")
		}
	}()
	ops, err := p.Defaults.Patch(req)
	if err != nil {
		s.log.Warn("secure defaults not set", append(requestAttrs(req), "error", err.Error())...)
		return failureResponse(p.FailClosed, "secure defaults not set: "+err.Error())
	}
	resp = &admissionv1.AdmissionResponse{Allowed: true}
	if len(ops) == 0 {
		return resp
	}
	patch, err := json.Marshal(ops)
	if err != nil {
		return failureResponse(p.FailClosed, "encoding the patch failed")
	}
	pt := admissionv1.PatchTypeJSONPatch
	resp.Patch, resp.PatchType = patch, &pt
	return resp
}

// Patch is the JSONPatch that sets d's defaults on the pod the request's object runs; none
// when d is off, the kind runs no pod, or the request is not one to patch.
func (d Defaults) Patch(req *admissionv1.AdmissionRequest) ([]PatchOp, error) {
	if !d.Enabled() || req.SubResource != "" || len(req.Object.Raw) == 0 {
		return nil, nil
	}
	path, ok := podSpecPaths[req.Kind.Group+"/"+req.Kind.Kind]
	if !ok || req.Operation != admissionv1.Create && (req.Operation != admissionv1.Update || req.Kind.Kind == "Pod") {
		return nil, nil
	}
	var obj map[string]any
	if err := json.Unmarshal(req.Object.Raw, &obj); err != nil {
		return nil, fmt.Errorf("reading the %s object (%d bytes): %s", req.Kind.Kind, len(req.Object.Raw), describeJSONError(err))
	}
	spec := obj
	for _, key := range path {
		if spec, ok = spec[key].(map[string]any); !ok {
			return nil, nil
		}
	}
	if os, _ := spec["os"].(map[string]any); os["name"] == "windows" {
		// The API server refuses these Linux settings on a Windows pod.
		return nil, nil
	}
	var ops []PatchOp
	base := pointer(path)
	podSC, _ := spec["securityContext"].(map[string]any)
	add := map[string]any{}
	if d.SeccompRuntimeDefault && podSC["seccompProfile"] == nil {
		add["seccompProfile"] = map[string]any{"type": "RuntimeDefault"}
	}
	if d.RunAsNonRoot && podSC["runAsNonRoot"] == nil && !runsAsRoot(spec, podSC) {
		add["runAsNonRoot"] = true
	}
	ops = appendAdds(ops, base+"/securityContext", podSC, add)
	if d.AllowPrivilegeEscalation {
		for _, list := range []string{"initContainers", "containers"} {
			containers, _ := spec[list].([]any)
			for i, c := range containers {
				c, _ := c.(map[string]any)
				if c == nil {
					continue
				}
				sc, _ := c["securityContext"].(map[string]any)
				if sc["allowPrivilegeEscalation"] != nil || sc["privileged"] == true || addsSysAdmin(sc) {
					continue
				}
				at := fmt.Sprintf("%s/%s/%d/securityContext", base, list, i)
				ops = appendAdds(ops, at, sc, map[string]any{"allowPrivilegeEscalation": false})
			}
		}
	}
	return ops, nil
}

// appendAdds adds the fields of add to the object at path: the whole object when there is
// none, else one field at a time, in name order.
func appendAdds(ops []PatchOp, path string, existing, add map[string]any) []PatchOp {
	if len(add) == 0 {
		return ops
	}
	if existing == nil {
		return append(ops, PatchOp{Op: "add", Path: path, Value: add})
	}
	for _, k := range []string{"allowPrivilegeEscalation", "runAsNonRoot", "seccompProfile"} {
		if v, ok := add[k]; ok {
			ops = append(ops, PatchOp{Op: "add", Path: path + "/" + k, Value: v})
		}
	}
	return ops
}

// runsAsRoot says whether the pod or a container asks for user 0 explicitly.
func runsAsRoot(spec, podSC map[string]any) bool {
	if isZero(podSC["runAsUser"]) {
		return true
	}
	for _, list := range []string{"initContainers", "containers", "ephemeralContainers"} {
		containers, _ := spec[list].([]any)
		for _, c := range containers {
			c, _ := c.(map[string]any)
			sc, _ := c["securityContext"].(map[string]any)
			if isZero(sc["runAsUser"]) {
				return true
			}
		}
	}
	return false
}

func isZero(v any) bool { f, ok := v.(float64); return ok && f == 0 }

// addsSysAdmin says whether a container adds CAP_SYS_ADMIN, which the API server checks by
// that exact name, as the container runtimes accept it with or without the prefix.
func addsSysAdmin(sc map[string]any) bool {
	caps, _ := sc["capabilities"].(map[string]any)
	added, _ := caps["add"].([]any)
	for _, c := range added {
		if c == "SYS_ADMIN" || c == "CAP_SYS_ADMIN" {
			return true
		}
	}
	return false
}

// pointer is the JSON pointer (RFC 6901) of a path of keys.
func pointer(keys []string) string {
	var b strings.Builder
	for _, k := range keys {
		b.WriteByte('/')
		b.WriteString(strings.NewReplacer("~", "~0", "/", "~1").Replace(k))
	}
	return b.String()
}
