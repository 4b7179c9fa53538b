package fix

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v3"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/source/manifest"
	"palisade.dev/palisade/internal/testcorpus"
)

// sameTree reports where two node trees differ in what the editor reads of them: kind, style,
// tag, value, anchor, alias, line and column, and their content in order. The place of a null
// written as nothing is not compared: the editor places it from its key.
func sameTree(a, b *yaml.Node, path string) error {
	if a.Kind != b.Kind || a.Style != b.Style || a.Tag != b.Tag || a.Value != b.Value ||
		a.Anchor != b.Anchor || (a.Alias == nil) != (b.Alias == nil) {
		return fmt.Errorf("%s: kind %v/%v, style %v/%v, tag %s/%s, value of %d/%d characters, anchored %v/%v",
			path, a.Kind, b.Kind, a.Style, b.Style, a.Tag, b.Tag, len(a.Value), len(b.Value), a.Anchor != "", b.Anchor != "")
	}
	emptyNull := a.Kind == yaml.ScalarNode && a.Tag == "!!null" && a.Value == "" && a.Style == 0
	if !emptyNull && (a.Line != b.Line || a.Column != b.Column) {
		return fmt.Errorf("%s: at %d:%d, yaml.v3 at %d:%d", path, a.Line, a.Column, b.Line, b.Column)
	}
	if len(a.Content) != len(b.Content) {
		return fmt.Errorf("%s: %d nodes inside, yaml.v3 %d", path, len(a.Content), len(b.Content))
	}
	for i := range a.Content {
		if err := sameTree(a.Content[i], b.Content[i], fmt.Sprintf("%s/%d", path, i)); err != nil {
			return err
		}
	}
	return nil
}

// checkFastTree holds fastTree to yaml.v3 on one document, read in room (which may hold
// the trees of other documents): when the fast decoder reads it, the trees must be the same.
// It reports whether the fast decoder read it.
func checkFastTree(t *testing.T, room *treeRoom, text []byte) bool {
	t.Helper()
	if otherLineBreaks(text) {
		return false // parseText refuses these before reading any tree
	}
	lines := lineStarts(text)
	fast, ok := fastTree(text, lines, room)
	if !ok {
		return false
	}
	full, err := yamlTree(text, lines)
	if err != nil {
		t.Fatalf("the fast decoder reads a document of %d bytes that yaml.v3 refuses: %v", len(text), err)
	}
	if err := sameTree(fast, full, "root"); err != nil {
		t.Fatalf("the trees of a document of %d bytes differ: %v", len(text), err)
	}
	return true
}

// fastTreeCases are documents in the subset the fast decoder reads (fast) or outside it,
// each written the way some manifest writes it.
var fastTreeCases = []struct {
	name string
	text string
	fast bool
}{
	{"block mappings and lists", "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: a\n    image: x\n  - name: b\n", true},
	{"lists indented below their key", "spec:\n  containers:\n    - name: a\n      args:\n        - -c\n        - run\n", true},
	{"a document marker and comments", "# head\n---\n# about kind\nkind: Pod # trailing\n\nspec: # more\n  # inside\n  hostPID: true\n", true},
	{"quoted keys and values", "\"kind\": 'Pod'\nmetadata:\n  'name': \"a\\tb\"\n  labels:\n    \"app.kubernetes.io/name\": 'it''s'\n", true},
	{"scalars of every tag", "a: true\nb: 10\nc: 0x1F\nd: 1.5e3\ne: .inf\nf: ~\ng: null\nh:\ni: yes\nj: 2024-01-02\nk: \"10\"\nl: 1.27.0-alpine\nm: 100m\n", true},
	{"keys that resolve to other tags", "true: a\n10: b\nnull: c\n", true},
	{"words that begin as a boolean, a null or a number might", "nothing: nope\nTrue: On\noff: Ohio\n~: x\n<<x: y\n.5: -x\n+1: -.inf\nétat: über\n", true},
	{"flow collections on one line", "metadata:\n  labels: {app: web, \"tier\": 'front'}\nspec:\n  drop: [ALL, NET_RAW]\n  empty: {}\n  none: []\n  nested: {a: [1, {b: c}]}\n", true},
	{"literal and folded block scalars", "data:\n  script: |\n    echo a\n\n    echo b\n  text: >-\n    one\n    two\n  keep: |+\n    x\n\nkind: ConfigMap\n", true},
	{"nested lists", "matrix:\n- - a\n  - b\n- - c\n", true},
	{"a list item holding a quoted key", "items:\n- \"name\": a\n  value: b\n", true},
	{"characters beyond ASCII before a value", "metadata:\n  annotations:\n    déscription: \"été\"\n    über: {schön: ja}\n", true},
	{"a key repeated", "kind: Pod\nkind: Pod\nspec:\n  hostPID: false\n", true},
	{"no final line break", "kind: Pod\nspec:\n  hostPID: false", true},
	{"a value after a key on a long line", "metadata:\n  name: a-very-long-name-of-a-deployment-that-goes-on # and a comment\n", true},
	{"an anchor and an alias", "a: &x {b: 1}\nc: *x\n", false},
	{"a merge key", "base: &b\n  x: 1\nmine:\n  <<: *b\n", false},
	{"a tag", "a: !!str 10\n", false},
	{"a multi-line flow collection", "a: [1,\n  2]\n", false},
	{"a multi-line plain scalar", "a: one\n  two\n", false},
	{"JSON", "{\"kind\": \"Pod\", \"spec\": {\"hostPID\": true}}\n", true},
	{"JSON as kubectl writes it", "{\n  \"apiVersion\": \"v1\",\n  \"items\": [\n    {\n      \"data\": {\"a\": \"x\\ny\\t\\\"q\\\" \\u00e9\"},\n      \"n\": [1, -2.5, 3e4, 0, -0, 1E-2, true, false, null, [], {}]\n    }\n  ],\n  \"kind\": \"List\"\n}\n", true},
	{"JSON without spaces", "{\"a\":1,\"b\":[\"c\",{\"d\":null}],\"e\":{}}", true},
	{"JSON with a key repeated", "{\"a\": 1, \"a\": 2}\n", true},
	{"JSON escaping a slash", "{\"a\": \"b\\/c\"}\n", false},
	{"JSON with a surrogate pair", "{\"a\": \"\\ud83d\\ude00\"}\n", false},
	{"JSON with tabs", "{\t\"a\": 1}\n", false},
	{"JSON with a key on the line before its colon", "{\"a\"\n: 1}\n", false},
	{"tabs", "a:\t1\n", false},
}

// TestFastTreeIsYAMLsTree pins that the tree fastTree builds for a document is the tree
// yaml.v3 builds for it, on the documents the fast decoder reads, and that it leaves the
// rest to yaml.v3.
func TestFastTreeIsYAMLsTree(t *testing.T) {
	for _, tc := range fastTreeCases {
		t.Run(tc.name, func(t *testing.T) {
			if got := checkFastTree(t, new(treeRoom), []byte(tc.text)); got != tc.fast {
				t.Errorf("the fast decoder reads the document: %v, want %v", got, tc.fast)
			}
		})
	}
	// One room for every document, as one for every document of a file: what a tree left
	// in it never shows in the next.
	room := new(treeRoom)
	t.Run("the golden files", func(t *testing.T) {
		files, _ := filepath.Glob(filepath.Join("testdata", "*.yaml"))
		for _, name := range files {
			for _, d := range documents(t, name) {
				checkFastTree(t, room, d)
			}
		}
	})
	t.Run("the corpus", func(t *testing.T) {
		read, all := 0, 0
		eachCorpusFile(t, 1000, func(name string, data []byte) {
			for _, d := range splitData(t, data) {
				all++
				if checkFastTree(t, room, d) {
					read++
				}
			}
		})
		t.Logf("the fast decoder reads %d of %d documents", read, all)
		// Most manifests are in the subset: the fast reading is the one that counts.
		if read < all*3/4 {
			t.Errorf("the fast decoder reads %d of the corpus's %d documents", read, all)
		}
	})
}

// TestFastAndYAMLTreesEditAlike pins that fix writes the same bytes, and refuses the same
// edits, whether it reads documents through the fast decoder or through yaml.v3 alone, on
// the corpus with the remedies rules attach most often.
func TestFastAndYAMLTreesEditAlike(t *testing.T) {
	paths := []string{
		template + "containers[0].securityContext.runAsNonRoot",
		template + "containers[0].securityContext.capabilities.drop",
		template + "containers[1].securityContext.allowPrivilegeEscalation",
		template + "securityContext.seccompProfile.type",
		template + "hostNetwork",
		template + "automountServiceAccountToken",
		container + "securityContext.readOnlyRootFilesystem",
		container + "resources.limits",
		pod + "volumes",
		"metadata.labels[app.kubernetes.io/name]",
		"metadata.annotations",
		"spec.jobTemplate.spec.template.spec.containers[0].securityContext.privileged",
	}
	edited := 0
	eachCorpusFile(t, 300, func(name string, data []byte) {
		for doc := 1; doc <= 3; doc++ {
			for i, path := range paths {
				edits := []Edit{{Document: doc, Patches: []finding.Patch{fuzzPatches[i%len(fuzzPatches)](path)}}}
				fast, n, errFast := apply(data, edits, new(treeRoom).read)
				full, m, errFull := apply(data, edits, yamlTree)
				if !bytes.Equal(fast, full) || n != m || fmt.Sprint(errFast) != fmt.Sprint(errFull) {
					t.Fatalf("%s, document %d, %s: the fast reading writes %d bytes (%d patches, %v), yaml.v3 %d bytes (%d patches, %v)",
						name, doc, path, len(fast), n, errFast, len(full), m, errFull)
				}
				if n > 0 {
					edited++
				}
			}
		}
	})
	t.Logf("%d edits applied alike", edited)
	if edited == 0 {
		t.Fatal("no edit applied: the test compares nothing")
	}
}

// FuzzFastTree pins fastTree to yaml.v3 on any text: a document the fast decoder reads has
// yaml.v3's tree.
func FuzzFastTree(f *testing.F) {
	for _, tc := range fastTreeCases {
		f.Add([]byte(tc.text))
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "*.yaml"))
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkFastTree(t, new(treeRoom), data)
	})
}

// FuzzFastApply pins that an edit through the fast reading writes what the edit through
// yaml.v3 alone writes, byte for byte, or is refused alike.
func FuzzFastApply(f *testing.F) {
	for _, tc := range fastTreeCases {
		f.Add([]byte(tc.text), "spec.containers[0].securityContext.runAsNonRoot", uint8(0), uint8(0))
		f.Add([]byte(tc.text), "metadata.labels", uint8(1), uint8(0))
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "*.in.yaml"))
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, "spec.containers[0].securityContext.runAsNonRoot", uint8(0), uint8(0))
		f.Add(data, "spec.hostPID", uint8(2), uint8(0))
		f.Add(data, "spec.containers[1].securityContext.capabilities.drop", uint8(3), uint8(0))
		f.Add(data, "spec.template.spec.volumes", uint8(5), uint8(1))
		f.Add(data, "metadata.annotation", uint8(6), uint8(0))
	}
	f.Fuzz(func(t *testing.T, data []byte, path string, shape, document uint8) {
		edits := []Edit{{Document: int(document%4) + 1, Patches: []finding.Patch{fuzzPatches[int(shape)%len(fuzzPatches)](path)}}}
		fast, n, errFast := apply(data, edits, new(treeRoom).read)
		full, m, errFull := apply(data, edits, yamlTree)
		if !bytes.Equal(fast, full) || n != m || fmt.Sprint(errFast) != fmt.Sprint(errFull) {
			t.Fatalf("the fast reading writes %d bytes (%d patches, %v), yaml.v3 %d bytes (%d patches, %v)",
				len(fast), n, errFast, len(full), m, errFull)
		}
	})
}

// documents are the documents of a file.
func documents(t *testing.T, name string) [][]byte {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return splitData(t, data)
}

func splitData(t *testing.T, data []byte) [][]byte {
	t.Helper()
	docs, err := manifest.SplitDocuments(data, "")
	if err != nil {
		return nil
	}
	out := make([][]byte, 0, len(docs))
	for _, d := range docs {
		if d.Err == nil {
			out = append(out, d.Data)
		}
	}
	return out
}

// eachCorpusFile calls fn with each manifest file of a generated corpus of n objects.
func eachCorpusFile(t *testing.T, n int, fn func(name string, data []byte)) {
	t.Helper()
	if _, err := testcorpus.Write(n, 1, func(name string, data []byte) error {
		if strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml") || strings.HasSuffix(name, ".json") {
			fn(name, data)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// plainScalars are plain scalars on each side of plainTag's quick paths: words, the booleans
// and nulls yaml.v3's resolveMap names and the words that begin as they do, decimal numbers
// and what only looks like one.
var plainScalars = []string{
	"nginx", "name", "namespace", "nodeSelector", "true", "True", "TRUE", "tRue", "false",
	"False", "FALSE", "falsey", "null", "Null", "NULL", "nil", "y", "Y", "yes", "n", "no", "on",
	"On", "off", "OFF", "o", "~", "<<", "<", "0", "00", "07", "08", "0x1F", "0o17", "0b101",
	"1", "9", "80", "8080", "123456789012345678", "1234567890123456789", "99999999999999999999",
	"1_000", "1.5", "1e3", "1Gi", "100m", "2001-12-14", "2001-12-14T21:59:43.10-05:00", "1:20",
	"+1", "-1", ".5", ".inf", "-.inf", "+.INF", ".nan", "-", "+", ".", "1 2", "12 ",
	"128Mi", "100m", "1Gi", "-1Gi", "500M", "0.5", "1e-3", "0x1p-2", "+Inf", "-infinity",
	"1_000_000", "0o777", "-0b11", "2001-12-14 21:59:43.10", "2001-12-14t21:59:43.10Z",
	"1h30m", "10s", "3.14.15", "1,2", "1/2", "10%", "1é", "-nan", "+yes",
}

// TestPlainTagIsYAMLsTag holds plainTag to the tag yaml.v3 gives a plain scalar.
func TestPlainTagIsYAMLsTag(t *testing.T) {
	for _, v := range plainScalars {
		t.Run(v, func(t *testing.T) {
			n := &yaml.Node{Kind: yaml.ScalarNode, Value: v}
			if got, want := plainTag(n), n.ShortTag(); got != want {
				t.Errorf("plainTag = %s, yaml.v3 resolves %s", got, want)
			}
		})
	}
}

func FuzzPlainTag(f *testing.F) {
	for _, v := range plainScalars {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v string) {
		n := &yaml.Node{Kind: yaml.ScalarNode, Value: v}
		if got, want := plainTag(n), n.ShortTag(); got != want {
			t.Errorf("plainTag of %d bytes = %s, yaml.v3 resolves %s", len(v), got, want)
		}
	})
}

// plainWords are words on each side of plainSafe's quick path.
var plainWords = []string{
	"securityContext", "runAsNonRoot", "RuntimeDefault", "ALL", "NET_RAW", "app.kubernetes.io/name",
	"true", "True", "false", "FALSE", "null", "Null", "NULL", "yes", "no", "on", "off", "y", "n",
	"tmp", "a", "a-", "a.", "a/", "x_y", "e1", "nan", "inf", "Infinity", "o", "t", "f",
	"a b", "a:", "a: b", "a#b", "a,b", "1a", "-a", ".a", "_a", "/a", "é", "a\tb", "<<", "~",
}

// TestPlainSafeIsYAMLs holds plainSafe's quick path to yaml.v3's reading back.
func TestPlainSafeIsYAMLs(t *testing.T) {
	for _, w := range append(plainWords, plainScalars...) {
		t.Run(w, func(t *testing.T) {
			if got, want := plainSafe(w), yamlPlainSafe(w); got != want {
				t.Errorf("plainSafe = %v, yaml.v3 reads back: %v", got, want)
			}
		})
	}
}

func FuzzPlainSafe(f *testing.F) {
	for _, w := range plainWords {
		f.Add(w)
	}
	f.Fuzz(func(t *testing.T, w string) {
		if got, want := plainSafe(w), yamlPlainSafe(w); got != want {
			t.Errorf("plainSafe of %d bytes = %v, yaml.v3 reads back: %v", len(w), got, want)
		}
	})
}
