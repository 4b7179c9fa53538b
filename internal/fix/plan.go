package fix

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"palisade.dev/palisade/internal/finding"
)

// Plan is what fixing a scan's findings takes: the edits of each file, and the findings no
// edit resolves.
type Plan struct {
	Files []FilePlan
	// Advice are the findings with a remedy in objects that a Helm chart or a kustomization
	// rendered and that no source file can take as it is (see Kustomizations): the user changes
	// their source (a value, a template line, a patch), never the rendered copy.
	Advice []finding.Finding
	// NoRemedy are the findings without an automatic remedy (their notes, TODO comments, are
	// still written).
	NoRemedy []finding.Finding
	// NewFiles are the files written beside the manifests: the objects each namespace lacks.
	NewFiles []NewFile
}

// FilePlan is the edits of one file and the findings they resolve.
type FilePlan struct {
	File     string
	Edits    []Edit
	Findings []finding.Finding
}

// NewPlan groups findings by file into edits. rendered reports whether a finding's object
// came from a rendering (a chart, a kustomization) rather than from the file it names.
// A field that several findings patch is patched once, by the first of them. A patch of a
// field inside another patch's field (a list item's value, where another remedy sets the
// whole list) goes first and the other waits: the whole-list value was computed from the item
// as written, and the item's correction alone may satisfy both.
func NewPlan(findings []finding.Finding, rendered func(*finding.Finding) bool) *Plan {
	p := &Plan{}
	byFile := map[string]*FilePlan{}
	type target struct {
		file string
		doc  int
		obj  finding.ObjectRef
		path string
	}
	seen := map[target]bool{}
	// inner holds, per object, the fields that some change patches set or remove.
	inner := map[target][]string{}
	changed := make([][]finding.Patch, len(findings))
	unchanged := 0
	for i := range findings {
		f := &findings[i]
		changed[i] = finding.Changes(f.Fix)
		if len(changed[i]) == 0 {
			unchanged++
			continue
		}
		t := target{f.Location.File, f.Location.Document, f.Object, ""}
		for _, patch := range changed[i] {
			inner[t] = append(inner[t], patch.Path)
		}
	}
	// Most findings without a change have no remedy: a large scan's list is made at its size.
	p.NoRemedy = make([]finding.Finding, 0, unchanged)
	encloses := func(f *finding.Finding, path string) bool {
		for _, other := range inner[target{f.Location.File, f.Location.Document, f.Object, ""}] {
			if rest, ok := strings.CutPrefix(other, path); ok && rest != "" && (rest[0] == '.' || rest[0] == '[') {
				return true
			}
		}
		return false
	}
	var lacking []*finding.Finding
	for i := range findings {
		f := &findings[i]
		changes := changed[i]
		switch {
		case lacksObject(f) && !rendered(f):
			lacking = append(lacking, f)
			continue
		case f.Location.File == "" || f.Location.Document < 1 || len(f.Fix) == 0:
			p.NoRemedy = append(p.NoRemedy, *f)
			continue
		case rendered(f):
			if len(changes) > 0 {
				p.Advice = append(p.Advice, *f)
			} else {
				p.NoRemedy = append(p.NoRemedy, *f)
			}
			continue
		}
		var patches []finding.Patch
		waits := false
		for _, patch := range f.Fix {
			if !patch.IsNote() && encloses(f, patch.Path) {
				waits = true
				continue
			}
			t := target{f.Location.File, f.Location.Document, f.Object, patch.Path}
			if patch.IsNote() {
				t.path = "#" + patch.Path + "#" + patch.Comment
			}
			if seen[t] {
				continue
			}
			seen[t] = true
			patches = append(patches, patch)
		}
		fp := byFile[f.Location.File]
		if fp == nil {
			fp = &FilePlan{File: f.Location.File}
			byFile[f.Location.File] = fp
		}
		if len(patches) > 0 {
			fp.Edits = append(fp.Edits, Edit{Document: f.Location.Document, Object: f.Object, Patches: patches})
		}
		if len(changes) > 0 && !waits {
			fp.Findings = append(fp.Findings, *f)
		} else {
			p.NoRemedy = append(p.NoRemedy, *f)
		}
	}
	for _, fp := range byFile {
		p.Files = append(p.Files, *fp)
	}
	var unresolved []finding.Finding
	p.NewFiles, unresolved = namespaceFiles(lacking)
	p.NoRemedy = append(p.NoRemedy, unresolved...)
	slices.SortFunc(p.Files, func(a, b FilePlan) int { return cmp.Compare(a.File, b.File) })
	return p
}

// Describe says what a patch does, for a person who makes the change by hand.
func Describe(p finding.Patch) string {
	switch {
	case p.Remove:
		return "remove " + p.Path
	case p.IsNote():
		return p.Path + ": " + p.Comment
	}
	v, err := json.Marshal(p.Value)
	if err != nil {
		v = []byte(fmt.Sprint(p.Value))
	}
	return "set " + p.Path + " to " + string(v)
}
