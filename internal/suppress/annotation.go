package suppress

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
)

// AnnotationKey is the annotation by which an object exempts itself from rules:
//
//	palisade.dev/ignore: "<rule-id>[,<rule-id>...] <reason>"
//
// It is read on the object's own metadata and, for workloads, on the metadata of the pod
// template too (many Helm charts expose only podAnnotations, and the pods a controller creates
// carry the template's annotations, so a scan of those pods agrees with a scan of the
// controller).
const AnnotationKey = "palisade.dev/ignore"

// annotationDomain is the prefix of every annotation Palisade reads; an unknown key under it is
// a typo that would otherwise exempt nothing without a word.
const annotationDomain = "palisade.dev/"

// Ignore is a parsed palisade.dev/ignore annotation.
type Ignore struct {
	// Rules are rule IDs or area/* patterns, as written.
	Rules []string
	// Reason is the explanation, with runs of whitespace collapsed to one space.
	Reason string
}

// ParseIgnore reads the value of a palisade.dev/ignore annotation: a comma-separated list of
// rule IDs (whitespace around the commas is allowed), then whitespace, then the reason, which
// is required. It checks the syntax only; whether the rules exist is the catalog's to say.
func ParseIgnore(value string) (Ignore, error) {
	rest := strings.TrimSpace(value)
	if rest == "" {
		return Ignore{}, errors.New(`names no rule; write "<rule-id>[,<rule-id>...] <reason>"`)
	}
	var ig Ignore
	for {
		id, after := cutRuleToken(rest)
		if id == "" {
			return Ignore{}, fmt.Errorf("empty rule ID in the list %q", value)
		}
		if !strings.Contains(id, "/") {
			return Ignore{}, fmt.Errorf("%q is not a rule ID (rule IDs look like area/name, or area/* for a whole area)", id)
		}
		ig.Rules = append(ig.Rules, id)
		after = strings.TrimLeftFunc(after, unicode.IsSpace)
		next, more := strings.CutPrefix(after, ",")
		if !more {
			rest = after
			break
		}
		rest = strings.TrimLeftFunc(next, unicode.IsSpace)
	}
	ig.Reason = strings.Join(strings.Fields(rest), " ")
	if ig.Reason == "" {
		return Ignore{}, fmt.Errorf("gives no reason after %s; an exemption must say why", strings.Join(ig.Rules, ","))
	}
	return ig, nil
}

// cutRuleToken splits s at the first comma or whitespace.
func cutRuleToken(s string) (token, rest string) {
	end := strings.IndexFunc(s, func(r rune) bool { return r == ',' || unicode.IsSpace(r) })
	if end < 0 {
		return s, ""
	}
	return s[:end], s[end:]
}
