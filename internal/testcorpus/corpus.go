// Package testcorpus owns generating realistic, deterministic corpora of Kubernetes
// manifests for Palisade's tests and benchmarks.
//
// A corpus looks like the manifests of a platform run by a few dozen teams: namespaces with
// their quotas, limit ranges and default-deny policies; applications made of a workload of
// every kind (Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job,
// CronJob, bare Pod, PodTemplate, and an Argo Rollout custom resource with a pod template),
// with their service accounts, ConfigMaps, Services, disruption budgets, autoscalers,
// network policies, roles and ServiceMonitors; cluster roles and bindings; and the custom
// resource definitions of the custom kinds. About a third of the workloads are hardened, the
// rest carry one to five security or hygiene problems. The files use the YAML that charts
// and hand-written manifests use: comments, document markers, quoted and plain strings,
// flow and block collections, literal and folded block scalars, anchors, aliases and merge
// keys, Lists, and some JSON files.
//
// The same number of objects and seed always give byte-identical files, on every platform
// and Go release: the package has its own random number generator and never iterates a map.
// It must not depend on any Palisade package, so that what it writes never changes with
// the code under test.
package testcorpus

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// Format is the version of what Generate writes; it changes whenever the output for a given
// size and seed does, so that cached corpora are regenerated.
const Format = 3

// Summary describes a generated corpus.
type Summary struct {
	Objects   int
	Documents int
	Files     int
	Bytes     int64
	// Kinds counts the objects of each kind (the items of a List counted as objects).
	Kinds map[string]int
	// General lists the documents written in more of YAML than block collections,
	// single-line flow collections and scalars: those with anchors, aliases or merge keys,
	// and JSON documents. Readers limited to that common subset hand these to a general
	// YAML parser.
	General []DocumentRef
	// Digest is the SHA-256 of every file's name and content, in the order written.
	Digest string
}

// DocumentRef names one document: its file, relative to the corpus folder with forward
// slashes, and its 1-based position in that file.
type DocumentRef struct {
	File  string
	Index int
}

// String gives the summary in one line per fact, kinds sorted by name.
func (s Summary) String() string {
	kinds := make([]string, 0, len(s.Kinds))
	for k := range s.Kinds {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	var b strings.Builder
	fmt.Fprintf(&b, "%d objects, %d documents (%d in general YAML or JSON), %d files, %d bytes\n", s.Objects, s.Documents, len(s.General), s.Files, s.Bytes)
	for i, k := range kinds {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s=%d", k, s.Kinds[k])
	}
	fmt.Fprintf(&b, "\nsha256 %s\n", s.Digest)
	return b.String()
}

// Write generates a corpus of exactly n objects from seed and hands each file to emit, with
// its path relative to the corpus folder (forward slashes). It stops at emit's first error.
func Write(n int, seed uint64, emit func(name string, data []byte) error) (Summary, error) {
	c := &corpusWriter{gen: gen{r: &source{state: seed}}, emit: emit, sum: Summary{Kinds: map[string]int{}}}
	hash := sha256.New()
	c.hash = func(name string, data []byte) {
		hash.Write([]byte(name))
		hash.Write([]byte{0})
		hash.Write(data)
	}
	written, namespaces, clusterRoles := 0, 0, 0
	group := func(dir string, objs []mapping) error {
		objs = objs[:min(len(objs), n-written)]
		written += len(objs)
		return c.files(dir, objs)
	}
	if err := group("_crds", c.gen.customResourceDefinitions()); err != nil {
		return c.sum, err
	}
	g := &c.gen
	for written < n {
		// Cluster RBAC after the first namespace, then now and then.
		if clusterRoles == 0 && namespaces == 1 || g.r.chance(0.03) {
			var objs []mapping
			for range g.r.between(1, 6) {
				objs = append(objs, g.clusterObjects(clusterRoles)...)
				clusterRoles++
			}
			if err := group("_cluster", objs); err != nil {
				return c.sum, err
			}
			continue
		}
		team, stage := pick(g.r, teams), pick(g.r, stages)
		ns := fmt.Sprintf("%s-%s-%d", team, stage, namespaces)
		namespaces++
		objs := g.namespaceObjects(ns, team, stage)
		target := g.r.between(20, 280)
		for i := 0; len(objs) < target; i++ {
			objs = append(objs, g.appObjects(ns, team, stage, fmt.Sprintf("%s-%d", pick(g.r, appNames), i))...)
		}
		if err := group(ns, objs); err != nil {
			return c.sum, err
		}
	}
	c.sum.Digest = hex.EncodeToString(hash.Sum(nil))
	return c.sum, nil
}

// corpusWriter lays objects out in files.
type corpusWriter struct {
	gen  gen
	emit func(string, []byte) error
	hash func(string, []byte)
	sum  Summary
	buf  bytes.Buffer
}

// files writes the objects of one folder as files of 1 to 20 documents.
func (c *corpusWriter) files(dir string, objs []mapping) error {
	r := c.gen.r
	for len(objs) > 0 {
		ext := pick(r, []string{".yaml", ".yaml", ".yaml", ".yaml", ".yaml", ".yaml", ".yaml", ".yaml", ".yaml", ".yml"})
		size := r.between(1, 20)
		if r.chance(0.03) {
			ext = ".json"
			if r.chance(0.7) {
				size = 1 // one object, as kubectl get -o json writes it; else a List
			}
		}
		chunk := objs[:min(len(objs), size)]
		objs = objs[len(chunk):]
		for _, o := range chunk {
			c.sum.Kinds[o.get("kind").(string)]++
		}
		c.sum.Objects += len(chunk)
		name := fmt.Sprintf("%s/%05d-%s%s", dir, c.sum.Files, strings.ToLower(chunk[0].get("kind").(string)), ext)
		c.buf.Reset()
		if ext == ".json" {
			c.json(name, chunk)
		} else {
			c.yaml(name, chunk)
		}
		data := c.buf.Bytes()
		c.sum.Files++
		c.sum.Bytes += int64(len(data))
		c.hash(name, data)
		if err := c.emit(name, data); err != nil {
			return err
		}
	}
	return nil
}

// list wraps objects in a List, as kubectl get writes several objects.
func list(objs []mapping) mapping {
	items := make(sequence, len(objs))
	for i, o := range objs {
		items[i] = o
	}
	return mapping{{key: "apiVersion", value: "v1"}, {key: "items", value: items}, {key: "kind", value: "List"},
		{key: "metadata", value: mapping{{key: "resourceVersion", value: ""}}}}
}

// json writes one object, or several as a List, as JSON: mostly indented as kubectl writes
// it, sometimes on one line as tools that post to the API write it.
func (c *corpusWriter) json(name string, objs []mapping) {
	doc := objs[0]
	if len(objs) > 1 {
		doc = list(objs)
	}
	j := jsonWriter{b: &c.buf, indent: c.gen.r.chance(0.7)}
	j.document(doc)
	c.sum.Documents++
	c.sum.General = append(c.sum.General, DocumentRef{File: name, Index: 1})
}

// yaml writes objects as a YAML stream the way one of several tools would: helm template
// (a Source comment before each document), kubectl get (one List), or a person.
func (c *corpusWriter) yaml(name string, objs []mapping) {
	r := c.gen.r
	w := yamlWriter{b: &c.buf, indentLists: r.chance(0.3)}
	docs := objs
	if len(objs) > 1 && r.chance(0.01) && !slices.ContainsFunc(objs, usesAnchors) {
		docs = []mapping{list(objs)}
	}
	helm := r.chance(0.3)
	if !helm && r.chance(0.3) {
		w.comment("", "Generated by palisade's testcorpus; do not edit.")
	}
	for i, doc := range docs {
		switch {
		case helm:
			c.buf.WriteString("---\n")
			w.comment("", fmt.Sprintf("Source: %s/templates/%s.yaml", strings.SplitN(path.Base(path.Dir(name)), "-", 2)[0], strings.ToLower(doc.get("kind").(string))))
		case i > 0 && r.chance(0.03):
			c.buf.WriteString("--- # " + strings.ToLower(doc.get("kind").(string)) + "\n")
		case i > 0 || r.chance(0.4):
			c.buf.WriteString("---\n")
		}
		w.general = false
		w.document(doc)
		c.sum.Documents++
		if w.general {
			c.sum.General = append(c.sum.General, DocumentRef{File: name, Index: i + 1})
		}
	}
}

func usesAnchors(v mapping) bool {
	var walk func(any) bool
	walk = func(v any) bool {
		switch v := v.(type) {
		case anchored, alias:
			return true
		case flow:
			return walk(v.v)
		case mapping:
			return slices.ContainsFunc(v, func(f field) bool { return walk(f.value) })
		case sequence:
			return slices.ContainsFunc(v, walk)
		}
		return false
	}
	return walk(v)
}

// Generate writes a corpus of n objects from seed into dir, which it creates when missing.
func Generate(dir string, n int, seed uint64) (Summary, error) {
	made := map[string]bool{}
	return Write(n, seed, func(name string, data []byte) error {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if d := filepath.Dir(p); !made[d] {
			if err := os.MkdirAll(d, 0o755); err != nil {
				return fmt.Errorf("creating corpus folder: %w", err)
			}
			made[d] = true
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return fmt.Errorf("writing corpus file: %w", err)
		}
		return nil
	})
}

// stampName is the file that marks a folder as a complete corpus, and says which one.
const stampName = ".palisade-testcorpus"

// Ensure makes dir hold the corpus of n objects from seed, generating it only when dir does
// not already hold exactly that corpus (complete, of this Format). It replaces a folder that
// holds another corpus, but refuses a folder that holds anything else.
func Ensure(dir string, n int, seed uint64) error {
	stamp := fmt.Sprintf("testcorpus format %d, %d objects, seed %d\n", Format, n, seed)
	old, err := os.ReadFile(filepath.Join(dir, stampName))
	switch {
	case err == nil && string(old) == stamp:
		return nil
	case err == nil:
		if err := os.RemoveAll(dir); err != nil {
			return fmt.Errorf("removing an outdated corpus: %w", err)
		}
	case errors.Is(err, fs.ErrNotExist):
		entries, err := os.ReadDir(dir)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("reading the corpus folder: %w", err)
		}
		if len(entries) > 0 {
			return fmt.Errorf("corpus folder %s holds %d entries and no corpus stamp; not overwriting it", dir, len(entries))
		}
	default:
		return fmt.Errorf("reading the corpus stamp: %w", err)
	}
	// A stamp that matches no corpus first, so that an interrupted run is regenerated.
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating the corpus folder: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, stampName), []byte("incomplete\n"), 0o644); err != nil {
		return fmt.Errorf("writing the corpus stamp: %w", err)
	}
	if _, err := Generate(dir, n, seed); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, stampName), []byte(stamp), 0o644); err != nil {
		return fmt.Errorf("writing the corpus stamp: %w", err)
	}
	return nil
}
