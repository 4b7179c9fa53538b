package fix

import (
	"cmp"
	"fmt"
	"path/filepath"
	"slices"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/fix/remedytext"
)

// The namespace rules whose remedy is an object the namespace lacks. Their findings are
// attached to the Namespace (the input's, or one located at the namespace's first object).
const (
	ruleDefaultDeny   = "namespace/default-deny-network-policy"
	ruleResourceQuota = "namespace/resource-quota"
	ruleLimitRange    = "namespace/limit-range"
)

// NewFile is a file that fix writes beside the manifests rather than an edit of one: the
// objects a namespace lacks.
type NewFile struct {
	// File is the new file's path: remedytext.NamespaceFile in the folder of the file that
	// defines the namespace, or holds its first object. "-" when that is standard input, whose
	// output the objects are appended to.
	File      string
	Namespace string
	// Text is the objects, from remedytext.NamespaceObjects.
	Text []byte
	// Findings are the findings the objects resolve.
	Findings []finding.Finding
}

// lacksObject reports whether f is a namespace finding that a new object resolves.
func lacksObject(f *finding.Finding) bool {
	switch f.RuleID {
	case ruleDefaultDeny, ruleResourceQuota, ruleLimitRange:
		return f.Object.Kind == "Namespace" && f.Object.Name != "" && f.Suppression == nil
	}
	return false
}

// namespaceFiles turns the findings of lacksObject into one new file per namespace. A
// namespace whose name cannot be a file's (an invalid namespace name) gets no file; its
// findings are returned as having no remedy.
func namespaceFiles(findings []*finding.Finding) (files []NewFile, unresolved []finding.Finding) {
	type group struct {
		file     string
		lacks    map[string]bool
		findings []finding.Finding
	}
	byNamespace := map[string]*group{}
	var order []string
	for _, f := range findings {
		ns := f.Object.Name
		g := byNamespace[ns]
		if g == nil {
			file := "-"
			if f.Location.File != "-" {
				file = filepath.Join(filepath.Dir(f.Location.File), remedytext.NamespaceFile(ns))
			}
			g = &group{file: file, lacks: map[string]bool{}}
			byNamespace[ns] = g
			order = append(order, ns)
		}
		g.lacks[f.RuleID] = true
		g.findings = append(g.findings, *f)
	}
	for _, ns := range order {
		g := byNamespace[ns]
		text, err := remedytext.NamespaceObjects(ns, remedytext.NamespaceOptions{
			HasDefaultDeny:   !g.lacks[ruleDefaultDeny],
			HasResourceQuota: !g.lacks[ruleResourceQuota],
			HasLimitRange:    !g.lacks[ruleLimitRange],
		})
		if err != nil || len(text) == 0 {
			unresolved = append(unresolved, g.findings...)
			continue
		}
		files = append(files, NewFile{File: g.file, Namespace: ns, Text: text, Findings: g.findings})
	}
	slices.SortFunc(files, func(a, b NewFile) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Namespace, b.Namespace))
	})
	return files, unresolved
}

// String names the new file and what it holds, for the summary.
func (n NewFile) String() string {
	return fmt.Sprintf("%s (what namespace %s lacks)", n.File, n.Namespace)
}
