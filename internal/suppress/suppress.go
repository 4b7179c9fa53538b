// Package suppress decides which findings are not counted against a scan, and why: the
// palisade.dev/ignore annotation on an object, and the exemptions, rule selection and severity
// overrides of a .palisade.yaml config file. Suppressed findings are kept and counted, never
// dropped. An unknown rule ID anywhere is an error, never silently ignored. It judges no
// object's security and formats nothing.
package suppress

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/suggest"
)

// Suppression sources, as recorded in finding.Suppression.Source.
const (
	SourceAnnotation = "annotation"
	SourceConfig     = "config"
)

// Policy applies a config and, unless disabled, the objects' own annotations.
type Policy struct {
	Config  *Config
	Catalog *rules.Catalog
	// Annotations honours palisade.dev/ignore annotations on objects. When false (the
	// --no-annotation-exemptions flag) they are ignored entirely: neither honoured nor
	// validated, since they cannot change the result.
	Annotations bool
}

// Reads is what the policy reads of each object's labels and annotations once the scan has
// judged it: every label when an exemption selects labels, and the annotations that
// exemptions are read from (palisade.dev/ignore, and keys that look like misspellings of it,
// which are reported). A nil policy reads none.
func (p *Policy) Reads() inventory.Keep {
	if p == nil {
		return inventory.Keep{DropLabels: true, Annotation: readsNoAnnotation}
	}
	id := inventory.Keep{DropLabels: !p.Config.selectsLabels(), Annotation: readsNoAnnotation}
	if p.Annotations {
		id.Annotation = exemptionKey
	}
	return id
}

func readsNoAnnotation(string) bool { return false }

// exemptionKey reports whether an annotation key is read for exemptions.
func exemptionKey(k string) bool { return k == AnnotationKey || misspeltKey(k) }

// Apply overrides severities, then splits findings into active and suppressed ones. A finding
// that a config exemption matches is suppressed with that exemption's reason; otherwise one
// that its object's annotation names is suppressed with the annotation's reason. Problems in
// annotations (no reason, an unknown rule ID, a misspelt annotation key) are returned as scan
// errors located at the annotation, and such an annotation suppresses nothing.
//
// active reuses the storage of fs, which a large scan cannot afford to hold twice: the caller
// must not use fs afterwards.
func (p *Policy) Apply(fs []finding.Finding, inv *inventory.Inventory) (active, suppressed []finding.Finding, errs []finding.ScanError) {
	a, errs := p.Prepare(inv)
	active, suppressed = a.Apply(fs, nil)
	return active, suppressed, errs
}

// Applier is a policy ready to apply to the findings of one inventory, batch by batch: a
// scan that reads its findings back a file at a time reads the objects' annotations once.
type Applier struct {
	p       *Policy
	ignores annotationIndex
	objects map[objectKey]*inventory.Object
	// One suppression value per exemption and per annotation, shared by the findings they
	// suppress (reports only read them): a large scan may suppress many findings.
	exemptions []*finding.Suppression
}

// Prepare reads what the policy needs of inv: the objects' annotations (returning the
// problems in them, as Apply does) and, when an exemption selects labels, their labels.
func (p *Policy) Prepare(inv *inventory.Inventory) (*Applier, []finding.ScanError) {
	a := &Applier{p: p}
	var errs []finding.ScanError
	if p.Annotations && inv != nil {
		a.ignores, errs = p.readAnnotations(inv)
	}
	if p.Config.selectsLabels() && inv != nil {
		a.objects = indexObjects(inv)
	}
	if p.Config != nil {
		for _, e := range p.Config.Exemptions {
			a.exemptions = append(a.exemptions, &finding.Suppression{Source: SourceConfig, Reason: e.Reason})
		}
	}
	return a, errs
}

// Apply is Policy.Apply on one batch of the inventory's findings: active reuses the storage of
// fs, and suppressed is appended to the given slice.
func (a *Applier) Apply(fs, suppressed []finding.Finding) (active, suppressedOut []finding.Finding) {
	p := a.p
	// First decide every finding in place, then move the suppressed ones out; findings are
	// large, and growing a second slice of them one append at a time would copy them again
	// and again.
	n := 0
	for i := range fs {
		f := &fs[i]
		if sev, ok := p.Config.severityFor(f.RuleID); ok {
			f.Severity = sev
		}
		if f.Suppression == nil {
			labels := func() map[string]string {
				if o := a.objects[findingKey(f)]; o != nil {
					return o.Labels
				}
				return nil
			}
			if i := p.Config.exemption(f, labels); i >= 0 {
				f.Suppression = a.exemptions[i]
			} else {
				f.Suppression = a.ignores.suppression(f)
			}
		}
		if f.Suppression != nil {
			n++
		}
	}
	if n > 0 {
		suppressed = slices.Grow(suppressed, n)
	}
	active = fs[:0]
	for i := range fs {
		// active never gets ahead of i, so appending overwrites only findings already moved.
		if fs[i].Suppression != nil {
			suppressed = append(suppressed, fs[i])
		} else {
			active = append(active, fs[i])
		}
	}
	clear(fs[len(active):]) // drop the references the moved findings still hold
	return active, suppressed
}

// objectKey identifies the object a finding is about. Findings carry the object's reference
// and the file and document it was read from, which together tell apart objects of the same
// name read from different files.
type objectKey struct {
	ref      finding.ObjectRef
	file     string
	document int
}

func findingKey(f *finding.Finding) objectKey {
	return objectKey{ref: f.Object, file: f.Location.File, document: f.Location.Document}
}

func keyOf(o *inventory.Object) objectKey {
	return objectKey{ref: o.Ref(), file: o.Origin.File, document: int(o.Origin.Document)}
}

func indexObjects(inv *inventory.Inventory) map[objectKey]*inventory.Object {
	out := make(map[objectKey]*inventory.Object, inv.Len())
	for _, o := range inv.Objects() {
		if _, dup := out[keyOf(o)]; !dup {
			out[keyOf(o)] = o
		}
	}
	return out
}

// annotationSite is a metadata block that may carry the annotation: the object's own, or its
// pod template's.
type annotationSite struct {
	annotations map[string]string
	metaPath    string
}

// annotationIndex holds the valid annotations by object. names lets the common case, a
// finding about an object without annotation, skip building and hashing the full key.
type annotationIndex struct {
	names   map[string]bool
	objects map[objectKey][]annotationEntry
}

type annotationEntry struct {
	rules       []string
	suppression *finding.Suppression
}

func (x annotationIndex) add(o *inventory.Object, ig Ignore) {
	x.names[o.Name] = true
	e := annotationEntry{rules: ig.Rules, suppression: &finding.Suppression{Source: SourceAnnotation, Reason: ig.Reason}}
	x.objects[keyOf(o)] = append(x.objects[keyOf(o)], e)
}

// suppression returns the suppression of the first annotation on the finding's object that
// names its rule.
func (x annotationIndex) suppression(f *finding.Finding) *finding.Suppression {
	if !x.names[f.Object.Name] {
		return nil
	}
	for _, e := range x.objects[findingKey(f)] {
		if matchesAny(e.rules, f.RuleID) {
			return e.suppression
		}
	}
	return nil
}

// readAnnotations parses the palisade.dev/ignore annotations of every object (on its metadata
// and on its pod template's), reporting each invalid one and every misspelt Palisade annotation
// key. Only valid annotations are indexed.
func (p *Policy) readAnnotations(inv *inventory.Inventory) (annotationIndex, []finding.ScanError) {
	x := annotationIndex{names: map[string]bool{}, objects: map[objectKey][]annotationEntry{}}
	var errs []finding.ScanError
	for _, o := range inv.Objects() {
		var sites [2]annotationSite
		sites[0] = annotationSite{o.Annotations, "metadata"}
		n := 1
		// From the summary, which a streaming scan keeps when it lets the pod template go.
		if pod, ok := o.PodSummary(); ok && pod.MetaPath != "metadata" {
			sites[1] = annotationSite{pod.Annotations, pod.MetaPath}
			n = 2
		}
		for _, site := range sites[:n] {
			for k, v := range site.annotations {
				if !exemptionKey(k) {
					continue
				}
				at := func(format string, args ...any) {
					errs = append(errs, finding.ScanError{
						Location: o.Locate(site.metaPath + ".annotations[" + k + "]"),
						Object:   o.Ref(),
						Message:  fmt.Sprintf(format, args...),
					})
				}
				if k != AnnotationKey {
					at("unknown annotation %s (did you mean %s?); it exempts nothing", k, AnnotationKey)
					continue
				}
				if ig, ok := p.parseAnnotation(v, at); ok {
					x.add(o, ig)
				}
			}
		}
	}
	return x, errs
}

// parseAnnotation parses and validates one annotation value, reporting every problem through
// report.
func (p *Policy) parseAnnotation(value string, report func(format string, args ...any)) (Ignore, bool) {
	ig, err := ParseIgnore(value)
	if err != nil {
		report("annotation %s %v; it exempts nothing", AnnotationKey, err)
		return Ignore{}, false
	}
	if p.Catalog == nil {
		report("annotation %s: no rule catalog to check its rule IDs against; it exempts nothing", AnnotationKey)
		return Ignore{}, false
	}
	ok := true
	for _, id := range ig.Rules {
		if err := p.Catalog.CheckIDs("annotation "+AnnotationKey, []string{id}); err != nil {
			report("%v; the annotation exempts nothing", err)
			ok = false
		}
	}
	return ig, ok
}

// misspeltKey reports whether an annotation key looks like a botched palisade.dev/ignore: any
// other key in Palisade's domain, or one a few edits away from it (palisade.io/ignore).
func misspeltKey(k string) bool {
	if strings.HasPrefix(k, annotationDomain) {
		return true
	}
	if d := len(k) - len(AnnotationKey); d < -3 || d > 3 {
		return false
	}
	return suggest.Closest(k, []string{AnnotationKey}) != ""
}

func (c *Config) selectsLabels() bool {
	if c == nil {
		return false
	}
	for _, e := range c.Exemptions {
		if len(e.Labels) > 0 {
			return true
		}
	}
	return false
}

// exemption returns the index of the first exemption that matches the finding, or -1. labels
// gives the labels of the finding's object, and is asked only when an exemption selects by
// label and everything else matches.
func (c *Config) exemption(f *finding.Finding, labels func() map[string]string) int {
	if c == nil {
		return -1
	}
	for i := range c.Exemptions {
		if c.Exemptions[i].matches(f, labels) {
			return i
		}
	}
	return -1
}

func (e *Exemption) matches(f *finding.Finding, labels func() map[string]string) bool {
	if !matchesAny(e.Rules, f.RuleID) {
		return false
	}
	namespace := f.Object.Namespace
	if f.Object.Kind == "Namespace" {
		namespace = f.Object.Name
	}
	if len(e.Namespaces) > 0 && !anyGlob(e.Namespaces, namespace) {
		return false
	}
	if len(e.Kinds) > 0 && !anyFold(e.Kinds, f.Object.Kind) {
		return false
	}
	if len(e.Names) > 0 && !anyGlob(e.Names, f.Object.Name) {
		return false
	}
	if len(e.Labels) == 0 {
		return true
	}
	have := labels()
	for k, v := range e.Labels {
		if got, ok := have[k]; !ok || got != v {
			return false
		}
	}
	return true
}

func anyGlob(globs []string, s string) bool {
	if s == "" {
		return false
	}
	for _, g := range globs {
		if ok, _ := path.Match(g, s); ok {
			return true
		}
	}
	return false
}

func anyFold(values []string, s string) bool {
	for _, v := range values {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

func didYouMean(name string, candidates []string) string {
	if s := suggest.Closest(name, candidates); s != "" {
		return fmt.Sprintf(" (did you mean %q?)", s)
	}
	return ""
}
