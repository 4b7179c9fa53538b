// Package pss evaluates the Pod Security Standards (baseline and restricted) with
// k8s.io/pod-security-admission, the reference implementation the API server's PodSecurity
// admission itself runs, at the version the scan asks for (--pss-version). It owns the two
// pss/* rules and the parsing of that version; it never re-implements a check: it names the
// library's failing checks, locates the fields that make them fail, and evaluates the pod as
// the API server would store it.
//
// The two levels do not repeat each other: restricted includes baseline, so a pod that fails a
// baseline check fails restricted too, but that check is reported once, by pss/baseline.
// pss/restricted names the checks that the restricted level adds (or tightens) and mentions
// that the pod also fails baseline. Select both rules to judge pods against restricted.
package pss

import (
	"fmt"

	"k8s.io/pod-security-admission/api"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/rules"
)

// Rules returns the package's rules. They share one table of checks, built here once per catalog.
func Rules() []rules.Rule {
	s, err := newStandards()
	if err != nil {
		// The checks are the library's own built-in list; an invalid list is a build defect,
		// like a regular expression that does not compile.
		panic(err)
	}
	return []rules.Rule{baselineRule(s), restrictedRule(s)}
}

// ParseVersion reads a Pod Security Standards version the way the pod-security.kubernetes.io
// labels write it: "latest" or "v1.N" (the empty string means latest). A version newer than
// the newest check the library knows evaluates as that newest version, as the API server does.
// The CLI calls it to reject an invalid --pss-version before scanning.
func ParseVersion(text string) (api.Version, error) {
	if text == "" {
		return api.LatestVersion(), nil
	}
	v, err := api.ParseVersion(text)
	if err != nil {
		return v, fmt.Errorf("invalid Pod Security Standards version %q: %w", text, err)
	}
	return v, nil
}

// evaluation is one pod's failing checks at both levels with a locator for them, shared by
// the two rules of the pod's object.
type evaluation struct {
	results
	l *locator
}

// evaluatePod evaluates the pod of ctx as the API server would store it, once per object.
func (s *standards) evaluatePod(ctx *rules.PodContext, v api.Version) *evaluation {
	return ctx.Shared(s, func() any {
		spec := storedSpec(ctx.Object, ctx.Pod.Spec)
		l := newLocator(ctx.Pod, spec)
		return &evaluation{results: s.evaluate(v, l.meta, spec), l: l}
	}).(*evaluation)
}

// requested returns the version the scan asks for, or a violation that says why the pod was
// not evaluated.
func (s *standards) requested(ctx *rules.PodContext) (api.Version, []rules.Violation) {
	text := ""
	if ctx.Options != nil {
		text = ctx.Options.PSSVersion
	}
	v, err := s.version(text)
	if err != nil {
		return v, []rules.Violation{{
			Path:    ctx.Pod.SpecPath,
			Message: fmt.Sprintf("the pod was not evaluated against the Pod Security Standards: %v", err),
		}}
	}
	return v, nil
}

// versionLabel writes the requested version and, when it differs, the version whose checks
// evaluated it: "latest (v1.37 checks)", "v1.24".
func (s *standards) versionLabel(v api.Version) string {
	if l, ok := s.labels.Load(v); ok {
		return l.(string)
	}
	label := v.String()
	if e := s.effective(v); e != v {
		label = fmt.Sprintf("%s (%s checks)", v, e)
	}
	s.labels.Store(v, label)
	return label
}

// violation folds the failures of one level into one violation: the message names every
// failing check with its reason and detail, the path is the most specific field common to
// all of them, and the evidence gives each check's own field.
func violation(ctx *rules.PodContext, level api.Level, version string, fs []failure, l *locator, note string) rules.Violation {
	related := &finding.Related{Checks: make([]finding.Check, len(fs))}
	for i, f := range fs {
		loc := l.locate(f.check)
		related.Checks[i] = finding.Check{ID: string(f.check.ID), Container: loc.container, Path: loc.path, Reason: describe(f), Field: loc.field}
	}
	subject := "the pods of this " + ctx.Object.GVK.Kind + " fail"
	rejected := "them"
	if isPod(ctx.Object) {
		subject, rejected = "the pod fails", "it"
	}
	related.Lead = subject + " the Pod Security Standards " + string(level) + " level at " + version + ": "
	related.Tail = "; a namespace that enforces " + string(level) + " rejects " + rejected + note
	v := rules.Violation{Related: related}
	if ctx.Options != nil && ctx.Options.NoEvidence {
		v.Message, v.Path, v.Container = related.DescribeMessage()
		return v
	}
	v.Message, v.Evidence, v.Path, v.Container = related.Describe()
	return v
}

// describe writes a check result as the API server's admission message does: the reason,
// then the detail in parentheses.
func describe(f failure) string {
	if f.result.ForbiddenDetail == "" {
		return f.result.ForbiddenReason
	}
	return f.result.ForbiddenReason + " (" + f.result.ForbiddenDetail + ")"
}
