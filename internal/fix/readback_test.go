package fix

import (
	"testing"

	"palisade.dev/palisade/internal/finding"
)

// TestReadsBackAgreesWithTheFullReading pins the quick read-back check: it accepts only what
// the full check (a node tree and verify) accepts, and leaves what it cannot tell to it.
func TestReadsBackAgreesWithTheFullReading(t *testing.T) {
	const deployment = "apiVersion: apps/v1\nkind: Deployment\nspec:\n  containers:\n    - name: app\n      securityContext:\n"
	cases := []struct {
		name  string
		text  string
		patch finding.Patch
		quick bool // readsBack tells
		holds bool // the full check accepts
	}{
		{"a value set reads back", deployment + "        runAsNonRoot: true\n",
			set(container+"securityContext.runAsNonRoot", true), true, true},
		{"a quoted string is not the boolean", deployment + "        runAsNonRoot: \"true\"\n",
			set(container+"securityContext.runAsNonRoot", true), false, false},
		{"a number reads back as the patch's integer", deployment + "        runAsUser: 10001\n",
			set(container+"securityContext.runAsUser", 10001), true, true},
		{"a list holding the item", deployment + "        capabilities:\n          drop: [ALL, NET_RAW]\n",
			set(container+"securityContext.capabilities.drop", []string{"ALL"}), true, true},
		{"a list lacking the item", deployment + "        capabilities:\n          drop: [NET_RAW]\n",
			set(container+"securityContext.capabilities.drop", []string{"ALL"}), false, false},
		{"a list item found by its name", deployment + "        runAsNonRoot: true\n  volumes:\n    - name: tmp\n      emptyDir: {}\n",
			set(pod+"volumes", []any{map[string]any{"name": "tmp", "emptyDir": map[string]any{}}}), true, true},
		{"an empty mapping", deployment + "        runAsNonRoot: true\n  volumes:\n    - name: tmp\n      emptyDir: {}\n",
			set(pod+"volumes[0].emptyDir", map[string]any{}), true, true},
		{"a removed field is gone", deployment + "        runAsNonRoot: true\n",
			drop(container + "securityContext.privileged"), true, true},
		{"a removed field still there", deployment + "        privileged: true\n",
			drop(container + "securityContext.privileged"), false, false},
		{"a renamed field", deployment + "        runAsNonRoot: true\n",
			finding.Patch{Path: container + "securityContext.runAsNonRot", Rename: "runAsNonRoot"}, true, true},
		{"an item past the list's end", deployment + "        runAsNonRoot: true\n",
			set("spec.containers[1].securityContext.runAsNonRoot", true), false, false},
		{"a List is left to the full reading", "apiVersion: v1\nkind: List\nitems: []\nspec:\n  hostPID: false\n",
			set(pod+"hostPID", false), false, false},
		{"an anchor is left to the full reading", deployment + "        runAsNonRoot: &yes true\n",
			set(container+"securityContext.runAsNonRoot", true), false, false},
		{"a duplicate key is left to the full reading", "kind: Pod\nkind: Pod\nspec:\n  hostPID: false\n",
			set(pod+"hostPID", false), false, true},
		{"CRLF line breaks are left to the full reading", "kind: Pod\r\nspec:\r\n  hostPID: false\r\n",
			set(pod+"hostPID", false), false, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			segs, err := parsePath(tc.patch.Path)
			if err != nil {
				t.Fatal(err)
			}
			pt := pending{e: Edit{Document: 1}, p: tc.patch, segs: segs}
			if got := readsBack([]byte(tc.text), []pending{pt}); got != tc.quick {
				t.Errorf("readsBack = %v, want %v", got, tc.quick)
			}
			d, root, err := parseText([]byte(tc.text), new(treeRoom).read)
			holds := err == nil && verify(d, root, pt) == nil
			if holds != tc.holds {
				t.Errorf("the full check accepts: %v, want %v", holds, tc.holds)
			}
		})
	}
}
