package rego_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"palisade.dev/palisade/internal/policy/rego"
)

// FuzzLoadPolicy feeds arbitrary text to the Rego module and METADATA parsing: it must never
// panic, every error must name the file, and every rule it returns must be a valid rule.
func FuzzLoadPolicy(f *testing.F) {
	f.Add(podPolicy)
	f.Add(objectPolicy)
	f.Add(header)
	f.Add("# METADATA\n# custom:\n#   id: [1, 2]\n#   kinds: {a: b}\npackage p\nviolation contains 1 if true\n")
	f.Add("# METADATA\n# title: \"\n")
	f.Add("package p\n")
	paths, _ := filepath.Glob(filepath.Join("testdata", "bench", "*.rego"))
	for _, p := range paths[:3] {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(data))
	}
	f.Fuzz(func(t *testing.T, src string) {
		rs, err := rego.Rules(context.Background(), []rego.File{{Name: "fuzz.rego", Data: []byte(src)}}, rego.Options{})
		if err != nil {
			for _, line := range strings.Split(err.Error(), "\n") {
				if !strings.HasPrefix(line, "fuzz.rego") {
					t.Fatalf("error line does not name the file: %q", line)
				}
			}
			return
		}
		for i := range rs {
			if err := rs[i].Validate(); err != nil {
				t.Fatalf("invalid rule: %v", err)
			}
			if !strings.HasPrefix(rs[i].ID, rego.IDPrefix) {
				t.Fatalf("rule ID %q outside %s", rs[i].ID, rego.IDPrefix)
			}
		}
	})
}
