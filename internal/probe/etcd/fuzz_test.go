package etcd

import (
	"bytes"
	"strings"
	"testing"
)

// FuzzClassify pins that Classify never panics and shows nothing of a value but the names of
// a provider and key, and those only when they stand in the value's encryption prefix.
func FuzzClassify(f *testing.F) {
	for _, seed := range []string{
		"k8s:enc:aescbc:v1:key1:\x8f", "k8s:enc:kms:v2:vault:", "k8s:enc:kms:", "k8s:enc:", "k8s:enc:secretbox:v1:a b:",
		"k8s\x00\n\x02v1", "{}", "", "k8s", "\xff\xfe",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, value []byte) {
		s := Classify(value)
		for _, name := range []string{s.Key, strings.TrimPrefix(strings.TrimPrefix(s.Provider, "kms "), "an unnamed provider")} {
			if name != "" && (!isName([]byte(name)) || !bytes.Contains(value, []byte(":"+name+":"))) {
				t.Fatalf("Classify(%q) = %+v: %q is not a name standing in the prefix", value, s, name)
			}
		}
		if (s.Kind == Encrypted) != bytes.HasPrefix(value, encryptedPrefix) {
			t.Fatalf("Classify(%q) = %+v", value, s)
		}
	})
}

// FuzzParseRange pins that the parser of range answers never panics, keeps one stored form
// per key and shows no more of a value than Classify does.
func FuzzParseRange(f *testing.F) {
	for _, seed := range []string{
		`{"header":{"revision":"2"}, "count":"1"}`,
		`{"header":{}, "kvs":[{"key":"L3JlZ2lzdHJ5L3NlY3JldHMvYS9i", "value":"azhzAGFiYw=="}], "count":"1", "more":true}`,
		`{"header":{}, "kvs":[{"key":"YQ==", "value":"azhzOmVuYzphZXNjYmM6djE6a2V5MTp4eHg="}], "count":2}`,
		`{"header":{}, "kvs":[{"key":"YQ==", "value":"not base64!"}]}`,
		`{"header":{}, "kvs":[{"key":"YQ==", "value":null}]}`,
		`{"code":3, "message":"etcdserver: user name is empty"}`,
		`{"header":null}`, `{"count":"-1","header":{}}`, `[]`, ``, `404 page not found`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := parseRange(data)
		if err != nil {
			return
		}
		if len(r.Keys) != len(r.Stored) || r.Count < 0 {
			t.Fatalf("parseRange(%q) = %+v", data, r)
		}
		for _, s := range r.Stored {
			if s.Key != "" && !isName([]byte(s.Key)) {
				t.Fatalf("parseRange(%q) shows key name %q", data, s.Key)
			}
		}
		_, _ = etcdError(data)
	})
}
