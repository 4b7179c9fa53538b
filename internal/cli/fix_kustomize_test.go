package cli_test

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestFixEditsTheFileAKustomizationTakesTheFieldFrom runs fix on the overlays of
// testdata/fix/kustomize: each edited file must read as its copy in kustomize-fixed byte for
// byte, every other file stay as it was, and a second fix change nothing.
func TestFixEditsTheFileAKustomizationTakesTheFieldFrom(t *testing.T) {
	cases := []struct {
		name    string
		overlay string
		edited  []string // files fix changes, relative to the kustomize folder
		advice  string   // a line the summary must hold
	}{
		{name: "an overlay without patches edits the base's resource file", overlay: "plain",
			edited: []string{"base/deployment.yaml"}},
		{name: "a strategic-merge patch that sets the field, or adds the container, is edited there; a JSON 6902 patch is advice at its line", overlay: "patched",
			edited: []string{"patched/escalation.yaml"},
			advice: "host-network.yaml:1:1: pod/host-network: remove spec.template.spec.hostNetwork"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			copyTree(t, filepath.Join("testdata", "fix", "kustomize"), dir)
			before := snapshot(t, dir)
			args := []string{"fix", "--rule", "pod/allow-privilege-escalation", "--rule", "pod/host-network", filepath.Join(dir, tc.overlay)}
			code, _, errOut := runWithStdin(t, "", args...)
			if code == 2 {
				t.Fatalf("fix failed: %s", errOut)
			}
			if !strings.Contains(errOut, tc.advice) {
				t.Errorf("the summary lacks %q:\n%s", tc.advice, errOut)
			}
			after := snapshot(t, dir)
			for path, data := range after {
				rel, _ := filepath.Rel(dir, path)
				rel = filepath.ToSlash(rel)
				if !slices.Contains(tc.edited, rel) {
					if !bytes.Equal(data, before[path]) {
						t.Errorf("fix changed %s:\n%s", rel, data)
					}
					continue
				}
				want, err := os.ReadFile(filepath.Join("testdata", "fix", "kustomize-fixed", tc.overlay, filepath.FromSlash(rel)))
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(data, want) {
					t.Errorf("%s after fix:\n%s\nwant:\n%s", rel, data, want)
				}
			}
			_, _, errOut = runWithStdin(t, "", args...)
			if !strings.Contains(errOut, "0 files changed") {
				t.Errorf("a second fix changed something:\n%s", errOut)
			}
			for path, data := range snapshot(t, dir) {
				if !bytes.Equal(data, after[path]) {
					t.Errorf("a second fix changed %s", path)
				}
			}
		})
	}
}
