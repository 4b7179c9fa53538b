// Package suppress decides which findings are not counted against a scan, and why: the
// palisade.dev/ignore annotation on an object, and the exemptions, rule selection and severity
// overrides of a .palisade.yaml config file. Suppressed findings are kept and counted, never
// dropped. An unknown rule ID anywhere is an error, never silently ignored. It judges no
// object's security and formats nothing.
package suppress

import (
	"fmt"
	"path"
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

// Apply overrides severities, then splits findings into active and suppressed ones. A finding
// that a config exemption matches is suppressed with that exemption's reason; otherwise one
// that its object's annotation names is suppressed with the annotation's reason. Problems in
// annotations (no reason, an unknown rule ID, a misspelt annotation key) are returned as scan
// errors located at the annotation, and such an annotation suppresses nothing.
func (p *Policy) Apply(fs []finding.Finding, inv *inventory.Inventory) (active, suppressed []finding.Finding, errs []finding.ScanError) {
	var ignores map[objectKey][]Ignore
	if p.Annotations && inv != nil {
		ignores, errs = p.readAnnotations(inv)
	}
	var objects map[objectKey]*inventory.Object
	if p.Config.selectsLabels() && inv != nil {
		objects = indexObjects(inv)
	}
	active = make([]finding.Finding, 0, len(fs))
	for _, f := range fs {
		if sev, ok := p.Config.severityFor(f.RuleID); ok {
			f.Severity = sev
		}
		if f.Suppression == nil {
			key := findingKey(&f)
			var labels map[string]string
			if o := objects[key]; o != nil {
				labels = o.Labels
			}
			f.Suppression = p.Config.exempt(&f, labels)
			if f.Suppression == nil {
				f.Suppression = annotationSuppression(ignores[key], f.RuleID)
			}
		}
		if f.Suppression != nil {
			suppressed = append(suppressed, f)
		} else {
			active = append(active, f)
		}
	}
	return active, suppressed, errs
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
	return objectKey{ref: o.Ref(), file: o.Origin.File, document: o.Origin.Document}
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

// readAnnotations parses the palisade.dev/ignore annotations of every object (on its metadata
// and on its pod template's), reporting each invalid one and every misspelt Palisade annotation
// key. Only valid annotations are returned.
func (p *Policy) readAnnotations(inv *inventory.Inventory) (map[objectKey][]Ignore, []finding.ScanError) {
	out := map[objectKey][]Ignore{}
	var errs []finding.ScanError
	for _, o := range inv.Objects() {
		sites := []annotationSite{{o.Annotations, "metadata"}}
		if pod, ok := inventory.PodTemplateOf(o); ok && pod.Meta != nil && pod.MetaPath != "metadata" {
			sites = append(sites, annotationSite{pod.Meta.Annotations, pod.MetaPath})
		}
		for _, site := range sites {
			for k, v := range site.annotations {
				at := func(format string, args ...any) {
					errs = append(errs, finding.ScanError{
						Location: o.Locate(site.metaPath + ".annotations[" + k + "]"),
						Object:   o.Ref(),
						Message:  fmt.Sprintf(format, args...),
					})
				}
				if k != AnnotationKey {
					if misspeltKey(k) {
						at("unknown annotation %s (did you mean %s?); it exempts nothing", k, AnnotationKey)
					}
					continue
				}
				ig, ok := p.parseAnnotation(v, at)
				if ok {
					out[keyOf(o)] = append(out[keyOf(o)], ig)
				}
			}
		}
	}
	return out, errs
}

// parseAnnotation parses and validates one annotation value, reporting every problem through
// report.
func (p *Policy) parseAnnotation(value string, report func(format string, args ...any)) (Ignore, bool) {
	ig, err := ParseIgnore(value)
	if err != nil {
		report("annotation %s %v; it exempts nothing", AnnotationKey, err)
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

func annotationSuppression(ignores []Ignore, ruleID string) *finding.Suppression {
	for _, ig := range ignores {
		if matchesAny(ig.Rules, ruleID) {
			return &finding.Suppression{Source: SourceAnnotation, Reason: ig.Reason}
		}
	}
	return nil
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

// exempt returns the suppression of the first exemption that matches the finding.
func (c *Config) exempt(f *finding.Finding, labels map[string]string) *finding.Suppression {
	if c == nil {
		return nil
	}
	for i := range c.Exemptions {
		if c.Exemptions[i].Matches(f, labels) {
			return &finding.Suppression{Source: SourceConfig, Reason: c.Exemptions[i].Reason}
		}
	}
	return nil
}

// Matches reports whether the exemption covers a finding about an object with these labels.
func (e *Exemption) Matches(f *finding.Finding, labels map[string]string) bool {
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
	for k, v := range e.Labels {
		if got, ok := labels[k]; !ok || got != v {
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
