package report

import (
	"bufio"
	"crypto/sha256"
	"reflect"
	"testing"
)

// digestOf is the digest of one report.
func digestOf(r *prReport) [32]byte {
	h := sha256.New()
	bw := bufio.NewWriter(h)
	r.writeDigest(bw)
	_ = bw.Flush()
	return [32]byte(h.Sum(nil))
}

// TestDigestCoversEveryField changes each field a report is written with, one at a time,
// down to a result's resource and properties: each change changes the digest, but for the
// results' time, which it leaves out. A field added to the report and not to writeDigest
// fails here.
func TestDigestCoversEveryField(t *testing.T) {
	sample := func() *prReport {
		return &prReport{
			APIVersion: "wgpolicyk8s.io/v1alpha2", Kind: "PolicyReport", Source: "palisade",
			Metadata: prMetadata{Name: "palisade-shop", Namespace: "shop", Labels: map[string]string{"a": "b"}},
			Summary:  prSummary{1, 2, 3, 4, 5},
			Results: []prResult{{
				Policy: "p", Rule: "r", Result: "fail", Severity: "high", Category: "c", Message: "m", Source: "palisade", Scored: true,
				Timestamp:  &prTimestamp{Seconds: 1, Nanos: 2},
				Resources:  []prObjectRef{{APIVersion: "v1", Kind: "Pod", Namespace: "shop", Name: "web", UID: "u"}},
				Properties: map[string]string{"k": "v"},
			}},
		}
	}
	base := digestOf(sample())
	// change sets every settable leaf of v, one at a time, calling check after each.
	var change func(path string, v reflect.Value, check func(path string, timestamp bool))
	change = func(path string, v reflect.Value, check func(string, bool)) {
		switch v.Kind() {
		case reflect.String:
			old := v.String()
			v.SetString(old + "x")
			check(path, false)
			v.SetString(old)
		case reflect.Int, reflect.Int32, reflect.Int64:
			old := v.Int()
			v.SetInt(old + 1)
			check(path, path == "Results[0].Timestamp.Seconds" || path == "Results[0].Timestamp.Nanos")
			v.SetInt(old)
		case reflect.Bool:
			v.SetBool(!v.Bool())
			check(path, false)
			v.SetBool(!v.Bool())
		case reflect.Struct:
			for i := range v.NumField() {
				change(path+sep(path)+v.Type().Field(i).Name, v.Field(i), check)
			}
		case reflect.Pointer:
			if !v.IsNil() {
				change(path, v.Elem(), check)
			}
		case reflect.Slice:
			for i := range v.Len() {
				change(path+"["+string(rune('0'+i))+"]", v.Index(i), check)
			}
		case reflect.Map:
			if v.IsNil() {
				return // Metadata.Annotations: written only with the digest itself
			}
			for _, k := range v.MapKeys() {
				old := v.MapIndex(k)
				v.SetMapIndex(k, reflect.ValueOf(old.String()+"x"))
				check(path+"["+k.String()+"]", false)
				v.SetMapIndex(k, old)
			}
			v.SetMapIndex(reflect.ValueOf("new"), reflect.ValueOf(""))
			check(path+"[new]", false)
			v.SetMapIndex(reflect.ValueOf("new"), reflect.Value{})
		default:
			t.Fatalf("%s: a field of kind %s the test does not know", path, v.Kind())
		}
	}
	r := sample()
	fields := 0
	change("", reflect.ValueOf(r).Elem(), func(path string, timestamp bool) {
		fields++
		if got := digestOf(r); (got == base) != timestamp {
			t.Errorf("changing %s: digest changed %v, want %v", path, got != base, !timestamp)
		}
	})
	if fields < 25 {
		t.Errorf("changed %d fields, fewer than a report has", fields)
	}
}

func sep(path string) string {
	if path == "" {
		return ""
	}
	return "."
}
