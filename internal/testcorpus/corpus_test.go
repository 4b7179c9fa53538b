package testcorpus

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestSameSeedSameCorpus pins determinism: the same size and seed give byte-identical
// files, another seed another corpus, and the corpus of 1000 objects from seed 1 is the one
// whose digest is pinned here. When a change to the generator is meant, bump Format and
// update the digest (and say in the change how the corpus moved: kinds, bytes, findings).
func TestSameSeedSameCorpus(t *testing.T) {
	collect := func(n int, seed uint64) (Summary, map[string][]byte) {
		files := map[string][]byte{}
		sum, err := Write(n, seed, func(name string, data []byte) error {
			if _, dup := files[name]; dup {
				t.Errorf("file %s written twice", name)
			}
			files[name] = bytes.Clone(data)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return sum, files
	}
	first, firstFiles := collect(1000, 1)
	second, secondFiles := collect(1000, 1)
	if !reflect.DeepEqual(first, second) || !reflect.DeepEqual(firstFiles, secondFiles) {
		t.Fatal("two corpora of the same size and seed differ")
	}
	if other, _ := collect(1000, 2); other.Digest == first.Digest {
		t.Error("seeds 1 and 2 gave the same corpus")
	}
	const wantDigest = "f0c736af277dc31de57e27af4b5457638b33e2e60b8084ea934a1a607b6259b7"
	if first.Digest != wantDigest {
		t.Errorf("the corpus of 1000 objects, seed 1, changed:\n%s\nwant sha256 %s", first, wantDigest)
	}
}

// TestExactlyNObjects pins that a corpus has the number of objects asked for, counted the
// way the summary counts them, for sizes that cut a namespace short and sizes that do not.
func TestExactlyNObjects(t *testing.T) {
	for _, n := range []int{0, 1, 3, 4, 57, 1000, 3001} {
		sum, err := Write(n, 1, func(string, []byte) error { return nil })
		if err != nil {
			t.Fatal(err)
		}
		total := 0
		for _, c := range sum.Kinds {
			total += c
		}
		if sum.Objects != n || total != n {
			t.Errorf("n=%d: %d objects, kinds add up to %d", n, sum.Objects, total)
		}
	}
}

// TestCorpusHasTheRealisticMix pins what the benchmarks rely on: every kind, and every
// style of writing, is in a corpus of a few thousand objects.
func TestCorpusHasTheRealisticMix(t *testing.T) {
	var all bytes.Buffer
	jsonFiles, yamlFiles := 0, 0
	sum, err := Write(5000, 1, func(name string, data []byte) error {
		if strings.HasSuffix(name, ".json") {
			jsonFiles++
		} else {
			yamlFiles++
		}
		all.Write(data)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, kind := range []string{"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job", "CronJob", "Pod", "PodTemplate", "Rollout",
		"Service", "Namespace", "ResourceQuota", "LimitRange", "NetworkPolicy", "ConfigMap", "ServiceAccount", "Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding",
		"PodDisruptionBudget", "HorizontalPodAutoscaler", "CustomResourceDefinition", "ServiceMonitor", "Certificate"} {
		if sum.Kinds[kind] == 0 {
			t.Errorf("no %s in the corpus", kind)
		}
	}
	text := all.String()
	for _, style := range []struct{ name, marker string }{
		{"comment", "\n# "}, {"helm source comment", "# Source: "}, {"trailing comment", "  # "},
		{"document start", "---\n"}, {"document start with a comment", "--- # "},
		{"anchor", "&labels\n"}, {"alias", "*labels\n"}, {"merge key", "<<: *"},
		{"flow map", ": {"}, {"flow list", ": ["}, {"literal block", ": |\n"}, {"literal block, stripped", "- |\n"}, {"folded block", ": >\n"},
		{"double-quoted", ": \""}, {"single-quoted", ": '"}, {"List", "kind: List"}, {"indented sequence", "\n    - "},
		{"indented JSON", "{\n  \"apiVersion\""}, {"one-line JSON", "{\"apiVersion\""},
	} {
		if !strings.Contains(text, style.marker) {
			t.Errorf("no %s (%q) in the corpus", style.name, style.marker)
		}
	}
	if jsonFiles == 0 || yamlFiles < 10*jsonFiles {
		t.Errorf("%d JSON and %d YAML files; want a few JSON files among many YAML ones", jsonFiles, yamlFiles)
	}
	if len(sum.General) == 0 || len(sum.General)*20 > sum.Documents {
		t.Errorf("%d of %d documents use anchors or JSON; want a few percent", len(sum.General), sum.Documents)
	}
}

// TestYAMLAndJSONSayTheSame pins the writers: every object, written as YAML in its chosen
// styles and as JSON, decodes to the same data (so quoting never turns a string into a
// number or a boolean, folded and literal blocks keep their text, aliases and merge keys
// give what they stand for), and every file of a corpus decodes.
func TestYAMLAndJSONSayTheSame(t *testing.T) {
	g := &gen{r: &source{state: 3}}
	var objs []mapping
	objs = append(objs, g.customResourceDefinitions()...)
	objs = append(objs, g.namespaceObjects("ops-prod-1", "ops", "prod")...)
	objs = append(objs, g.clusterObjects(1)...)
	for i := range 100 {
		objs = append(objs, g.appObjects("ops-prod-1", "ops", "prod", fmt.Sprintf("api-%d", i))...)
	}
	objs = append(objs, list(objs[:5]))
	for i, o := range objs {
		for _, indentLists := range []bool{false, true} {
			var y, j bytes.Buffer
			(&yamlWriter{b: &y, indentLists: indentLists}).document(o)
			(&jsonWriter{b: &j, indent: i%2 == 0}).document(o)
			var fromYAML, fromJSON any
			if err := yaml.Unmarshal(y.Bytes(), &fromYAML); err != nil {
				t.Fatalf("object %d: YAML does not decode: %v\n%s", i, err, y.Bytes())
			}
			if err := json.Unmarshal(j.Bytes(), &fromJSON); err != nil {
				t.Fatalf("object %d: JSON does not decode: %v\n%s", i, err, j.Bytes())
			}
			// Through JSON, so numbers compare as float64 on both sides.
			viaJSON, err := json.Marshal(fromYAML)
			if err != nil {
				t.Fatalf("object %d: %v", i, err)
			}
			var normalized any
			if err := json.Unmarshal(viaJSON, &normalized); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(normalized, fromJSON) {
				t.Fatalf("object %d: YAML and JSON differ:\n%s\n%s", i, y.Bytes(), j.Bytes())
			}
		}
	}
}

// TestPlainOnlyWhenUnambiguous pins the quoting rule on strings YAML would read as
// something else.
func TestPlainOnlyWhenUnambiguous(t *testing.T) {
	for _, s := range []string{"8080", "1.25.3", "0x1F", "1e3", "12:30", "2001-12-14", "true", "No", "on", "~", "null", "",
		"-Xmx512m", "a: b", "a #b", "x:", " lead", "trail ", "*", "&a", "!tag", "{a}", "[a]", "%x", "@x", "`x", "'x'", "\"x\"", "a\nb", ".inf", "+1"} {
		var v any
		if err := yaml.Unmarshal([]byte("k: "+scalarText(s, false)+"\n"), &v); err != nil {
			t.Errorf("%q written as %s: %v", s, scalarText(s, false), err)
			continue
		}
		if got := v.(map[string]any)["k"]; got != s {
			t.Errorf("%q written as %s reads back as %#v", s, scalarText(s, false), got)
		}
		if plainSafe(s, false) && (s == "8080" || s == "true" || s == "") {
			t.Errorf("%q is plain", s)
		}
	}
	for _, s := range []string{"500m", "10Gi", "v1.29.1", "nginx:1.25", "kubernetes.io/os", "a b", "a,b"} {
		if !plainSafe(s, false) {
			t.Errorf("%q is quoted though plain reads back the same", s)
		}
	}
}

// TestEnsureKeepsAndReplacesCorpora pins the cache the benchmarks use: a folder that holds
// the corpus is kept, one that holds another corpus (or an interrupted one) is replaced,
// and a folder of other files is never touched.
func TestEnsureKeepsAndReplacesCorpora(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "corpus")
	if err := Ensure(dir, 30, 1); err != nil {
		t.Fatal(err)
	}
	marker := filepath.Join(dir, "marker")
	if err := os.WriteFile(marker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Ensure(dir, 30, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(marker); err != nil {
		t.Error("the same corpus was generated again")
	}
	if err := Ensure(dir, 40, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(marker); !errors.Is(err, os.ErrNotExist) {
		t.Error("another corpus was kept")
	}
	if err := os.WriteFile(filepath.Join(dir, stampName), []byte("incomplete\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Ensure(dir, 40, 1); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, stampName)); !strings.Contains(string(got), "40 objects") {
		t.Errorf("an interrupted corpus was not regenerated; stamp %q", got)
	}
	other := t.TempDir()
	if err := os.WriteFile(filepath.Join(other, "notes.txt"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Ensure(other, 10, 1); err == nil {
		t.Error("a folder of other files was accepted")
	}
	if data, err := os.ReadFile(filepath.Join(other, "notes.txt")); err != nil || string(data) != "mine" {
		t.Error("a folder of other files was changed")
	}
}
