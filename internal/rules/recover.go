package rules

import (
	"fmt"
	"runtime"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
)

// RulePanic is one evaluation of a rule that panicked: a bug in the rule. The evaluation
// recovers it and goes on with the other rules and objects; the object was not judged by that
// rule, which the scan reports as an error (ScanError), never as a pass.
type RulePanic struct {
	RuleID   string
	Object   finding.ObjectRef
	Location finding.Location
	// Cause describes the panic: a runtime error's message (nil pointer dereference, index
	// out of range), else the type of the value the rule panicked with, which may hold what
	// it read and is not quoted.
	Cause string
}

func (p RulePanic) Error() string {
	return fmt.Sprintf("rule %s panicked (%s)", p.RuleID, p.Cause)
}

// ScanError is the scan error that reports the panic at the object.
func (p RulePanic) ScanError() finding.ScanError {
	what := "this object"
	if p.Object.Kind != "" {
		what = p.Object.Kind
		if p.Object.Name != "" {
			what += " " + p.Object.Name
		}
	}
	return finding.ScanError{
		Location: p.Location,
		Object:   p.Object,
		Message: fmt.Sprintf("rule %s failed on %s (it panicked: %s), so the rule did not judge it; this is a bug in the rule",
			p.RuleID, what, p.Cause),
	}
}

// describePanic says what a recovered value is without quoting it.
func describePanic(v any) string {
	if re, ok := v.(runtime.Error); ok {
		return re.Error()
	}
	return fmt.Sprintf("a value of type %T", v)
}

// guard runs one evaluation of rule r about object o (nil for what is not an object: a node, an
// endpoint, the cluster) and recovers its panic, which it records; ok is false when it
// panicked. fn does not escape, so the closure a caller passes costs no allocation.
func (e *Evaluation) guard(r *Rule, o *inventory.Object, fn func() []Violation) (vs []Violation, ok bool) {
	defer func() {
		if v := recover(); v != nil {
			e.recordPanic(r, o, v)
			vs, ok = nil, false
		}
	}()
	return fn(), true
}

func (e *Evaluation) recordPanic(r *Rule, o *inventory.Object, v any) {
	p := RulePanic{RuleID: r.ID, Cause: describePanic(v)}
	if o != nil {
		p.Object, p.Location = o.Ref(), o.Locate("")
	}
	e.panicMu.Lock()
	e.panics = append(e.panics, p)
	e.panicMu.Unlock()
}

// Panics returns the rule evaluations that panicked so far: after Finish, all of them.
func (e *Evaluation) Panics() []RulePanic {
	e.panicMu.Lock()
	defer e.panicMu.Unlock()
	return append([]RulePanic(nil), e.panics...)
}

// PanicErrors returns Panics as scan errors.
func (e *Evaluation) PanicErrors() []finding.ScanError {
	ps := e.Panics()
	if len(ps) == 0 {
		return nil
	}
	errs := make([]finding.ScanError, len(ps))
	for i, p := range ps {
		errs[i] = p.ScanError()
	}
	return errs
}
