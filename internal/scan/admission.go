package scan

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"slices"
	"sync"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/rules/admissionpolicy"
	"palisade.dev/palisade/internal/source/manifest"
	"palisade.dev/palisade/internal/suggest"
)

// admissionPolicies collects, as a scan loads, the ValidatingAdmissionPolicies and bindings of
// the input (whole, before the evaluation releases them) and what the input's
// CustomResourceDefinitions say about their kinds. A scan whose input has none keeps nothing.
type admissionPolicies struct {
	mu      sync.Mutex
	objects []*inventory.Object
	custom  []admissionpolicy.CustomResource
}

// observe is called with every object as it is decoded, before its rules run.
func (a *admissionPolicies) observe(o *inventory.Object) {
	if admissionpolicy.IsPolicyObject(o) {
		kept := *o // the evaluation releases o's content; the copy keeps it
		a.mu.Lock()
		a.objects = append(a.objects, &kept)
		a.mu.Unlock()
		return
	}
	if cr, ok := admissionpolicy.CustomResourceOf(o); ok {
		a.mu.Lock()
		a.custom = append(a.custom, cr)
		a.mu.Unlock()
	}
}

// maxStdinReplay bounds the standard input kept to be read a second time, for the admission
// policies it may hold. It is kept in memory, never written to disk: it may hold Secrets.
const maxStdinReplay = 64 << 20

// stdinReplay keeps what a load reads of standard input, up to maxStdinReplay, so that it can
// be read again.
type stdinReplay struct {
	r        io.Reader
	buf      bytes.Buffer
	overflow bool
}

func (s *stdinReplay) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if n > 0 && !s.overflow {
		if s.buf.Len()+n > maxStdinReplay {
			s.overflow = true
			s.buf = bytes.Buffer{}
		} else {
			s.buf.Write(p[:n])
		}
	}
	return n, err
}

// judgeAdmissionPolicies evaluates the ValidatingAdmissionPolicies of the input, and those the
// request gives, on the objects of the input. Policies may come anywhere in the input, after
// the objects they judge, and the first load has released those objects' content by the time
// it has read them all: the input is read a second time, with only the policies' rules, so
// that a scan without policies neither keeps nor reads more than it did.
func judgeAdmissionPolicies(ctx context.Context, req Request, opts *rules.Options, selected func(*rules.Rule) bool,
	found *admissionPolicies, first *inventory.Inventory, stdin *stdinReplay) (fs []finding.Finding, errs []finding.ScanError, notes []finding.NotApplied, made []string) {
	inventory.Sort(found.objects) // they arrive in the order decoding goroutines finish
	set := admissionpolicy.Compile(slices.Concat(req.AdmissionPolicies, found.objects), admissionpolicy.Options{
		NamespacesComplete: req.NamespacesComplete,
		Resources:          found.custom,
		Input:              first,
	})
	for _, r := range set.Rules {
		made = append(made, r.ID)
	}
	set.Select(selected)
	errs = set.Errors
	if len(set.Rules) == 0 {
		return nil, errs, set.NotApplied(), made
	}
	catalog, err := rules.NewCatalog(set.Rules...)
	if err != nil {
		errs = append(errs, finding.ScanError{Message: "admission policies: " + err.Error()})
	}
	eval := catalog.NewEvaluation(opts, selected)
	eval.Release = true
	eval.Keep = req.Policy.Reads()
	load := req.Load
	load.OnObject = eval.Object
	if stdin != nil {
		if stdin.overflow {
			errs = append(errs, finding.ScanError{Location: finding.Location{File: "-"},
				Message: "the standard input is too large to be read again for the admission policies of the input " +
					"(over 64 MiB): give it as files"})
			return nil, errs, set.NotApplied(), made
		}
		load.Stdin = bytes.NewReader(stdin.buf.Bytes())
	}
	// The errors of this load are those of the first one, already reported.
	again := manifest.Load(ctx, req.Paths, load)
	if ctx.Err() != nil {
		errs = append(errs, finding.ScanError{Message: "admission policies: " + context.Cause(ctx).Error()})
	}
	return eval.Finish(again.Inventory), errs, set.NotApplied(), made
}

// unknownInputRules returns an error for each of ids (IDs, or prefixes ending in *) that
// selects no rule the policies made (made holds their IDs), with the closest such ID as a
// suggestion: a misspelt vap/<policy-name> must not select or skip nothing in silence.
func unknownInputRules(ids, made []string) []finding.ScanError {
	var errs []finding.ScanError
	for _, id := range ids {
		if slices.ContainsFunc(made, func(m string) bool { return rules.MatchID(id, m) }) {
			continue
		}
		msg := fmt.Sprintf("unknown rule %q: no ValidatingAdmissionPolicy of the input or of --policy has that name", id)
		if s := suggest.Closest(id, made); s != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", s)
		}
		errs = append(errs, finding.ScanError{Message: msg})
	}
	return errs
}
