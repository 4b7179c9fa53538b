package kubeletconfig

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	kubeletv1beta1 "k8s.io/kubelet/config/v1beta1"
	sigsjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

// The one apiVersion and kind of a kubelet config file or drop-in.
const (
	APIVersion = "kubelet.config.k8s.io/v1beta1"
	Kind       = "KubeletConfiguration"
)

// Decode reads a KubeletConfiguration file, YAML or JSON, as the kubelet does: it must name
// kubelet.config.k8s.io/v1beta1 KubeletConfiguration, and every known field must have a value
// of its type (k8s.io/kubelet/config/v1beta1), else err says why the kubelet refuses it. Unknown
// and duplicate fields are warnings: the kubelet's strict decoding fails on them and it falls
// back to lenient decoding of v1beta1, ignoring them with a log line. Field names are
// case-sensitive, as in the kubelet. obj is the document as JSON values (numbers as
// json.Number).
func Decode(data []byte) (obj map[string]any, warnings []string, err error) {
	js, strictErr := yaml.YAMLToJSONStrict(data)
	if strictErr != nil {
		var lenientErr error
		js, lenientErr = yaml.YAMLToJSON(data)
		if lenientErr != nil {
			return nil, nil, fmt.Errorf("malformed YAML or JSON: %v", lenientErr)
		}
		warnings = append(warnings, fmt.Sprintf("%v (the kubelet keeps one of the values)", strictErr))
	}
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return nil, warnings, fmt.Errorf("malformed YAML or JSON: %v", err)
	}
	obj, ok := doc.(map[string]any)
	if !ok {
		return nil, warnings, fmt.Errorf("not a KubeletConfiguration: the document is not an object")
	}
	apiVersion, _ := obj["apiVersion"].(string)
	kind, _ := obj["kind"].(string)
	switch {
	case apiVersion == "" || kind == "":
		return nil, warnings, fmt.Errorf("no apiVersion or kind: the kubelet wants apiVersion %s, kind %s", APIVersion, Kind)
	case apiVersion != APIVersion || kind != Kind:
		return nil, warnings, fmt.Errorf("apiVersion %s, kind %s: the kubelet reads only apiVersion %s, kind %s", apiVersion, kind, APIVersion, Kind)
	}
	var typed kubeletv1beta1.KubeletConfiguration
	strictErrs, err := sigsjson.UnmarshalStrict(js, &typed, sigsjson.DisallowDuplicateFields, sigsjson.DisallowUnknownFields)
	if err != nil {
		return nil, warnings, fmt.Errorf("invalid KubeletConfiguration: %v", err)
	}
	for _, e := range strictErrs {
		warnings = append(warnings, fmt.Sprintf("%v (ignored by the kubelet)", e))
	}
	return obj, warnings, nil
}

// render writes a file's value at path p as Field.Value does.
func render(p string, v any) string {
	if f := fieldsByPath[p]; f != nil && f.kind == kindDuration {
		if s, ok := v.(string); ok {
			if d, err := time.ParseDuration(s); err == nil {
				return d.String()
			}
		}
	}
	switch v := v.(type) {
	case string:
		return v
	case bool:
		return strconv.FormatBool(v)
	case json.Number:
		return v.String()
	case []any:
		parts := make([]string, len(v))
		for i, item := range v {
			switch item.(type) {
			case map[string]any, []any:
				b, _ := json.Marshal(v)
				return string(b)
			}
			parts[i] = render("", item)
		}
		return strings.Join(parts, ",")
	case nil:
		return ""
	}
	b, _ := json.Marshal(v)
	return string(b)
}
