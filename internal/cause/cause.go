// Package cause folds the findings that share one cause into one finding: when several rules
// flag the same field of the same container of the same object (a missing seccomp profile is
// pod/seccomp and a check of pss/restricted; an image without a tag is pod/image-tag and
// pod/image-digest), the scan reports one finding that names the others in AlsoBreaks. It
// decides which rule speaks for a cause and nothing else: it judges no object and formats
// nothing.
//
// It runs on the active findings, after suppressions and severity overrides, so that a
// suppressed rule never hides one that is not, an override changes which rule is the most
// severe, and a rule that was not selected is not there to fold.
package cause

import (
	"cmp"
	"slices"
	"strings"
	"sync"

	"palisade.dev/palisade/internal/finding"
)

// Fold folds the findings of one cause into one and returns the findings that remain, in
// the storage of fs, sorted (finding.Sort). fs must be sorted, which keeps the findings of an
// object together.
//
// Two findings (or a finding and one check of a composite finding such as pss/restricted) have
// one cause when they are of different rules, about the same object and container (or one
// names no container), and at the same field: the same path, or a path and its direct member (seccompProfile and
// seccompProfile.type; capabilities.add and capabilities.add[1]). Findings linked that way,
// directly or through others, form one cause. The finding that speaks for it is the most
// severe; among equals a finding of its own before a check of a composite finding (it names
// one field), then the rule ID, then the order of the findings. The others are removed (a
// check is taken out of its composite finding, which is removed when no check remains) and
// named in its AlsoBreaks as "rule" or "rule:check". A finding of the same rule as the one
// that speaks stays on its own: it is another instance, not another rule.
func Fold(fs []finding.Finding) []finding.Finding {
	f := folders.Get().(*folder)
	defer f.release()
	moved := false
	for start := 0; start < len(fs); {
		end := start + 1
		for end < len(fs) && sameObject(&fs[start], &fs[end]) {
			end++
		}
		if end-start > 1 && f.object(fs[start:end]) {
			moved = true
		}
		start = end
	}
	if !moved {
		return fs
	}
	n := 0
	for i := range fs {
		if fs[i].RuleID == "" { // removed
			continue
		}
		fs[n] = fs[i]
		n++
	}
	clear(fs[n:])
	fs = fs[:n]
	finding.Sort(fs) // a composite finding that lost checks may have moved to another field
	return fs
}

func sameObject(a, b *finding.Finding) bool {
	return a.Object == b.Object && a.Location.File == b.Location.File && a.Location.Document == b.Location.Document &&
		a.Location.Cluster == b.Location.Cluster && a.Location.Host == b.Location.Host
}

// unit is one finding, or one check of a composite finding, that may share a cause.
type unit struct {
	finding   int // index in the object's findings
	check     int // index of the check, or -1 for the finding itself
	rule      string
	container string
	path      []string
	severity  finding.Severity
}

// folder keeps the buffers one object's folding needs, reused from object to object.
type folder struct {
	segs   []string // the units' path segments, one buffer for all
	units  []unit
	order  []int
	causes [][]int
}

// folders keeps folders and their buffers from one Fold to the next: an admission webhook
// folds one object's findings per review, thousands of times.
var folders = sync.Pool{New: func() any { return new(folder) }}

// release lets go of what the buffers point to (the findings' strings) and returns the folder
// to the pool.
func (f *folder) release() {
	clear(f.segs[:cap(f.segs)])
	clear(f.units[:cap(f.units)])
	f.segs, f.units = f.segs[:0], f.units[:0]
	folders.Put(f)
}

// object folds the findings of one object and reports whether any was changed.
func (f *folder) object(fs []finding.Finding) bool {
	f.units, f.segs = f.units[:0], f.segs[:0]
	split := func(path string) []string {
		start := len(f.segs)
		f.segs = finding.AppendPathSegments(f.segs, path)
		return f.segs[start:len(f.segs):len(f.segs)]
	}
	for i := range fs {
		x := &fs[i]
		if x.Related != nil && len(x.Related.Checks) > 0 {
			for j, c := range x.Related.Checks {
				if c.Field {
					f.units = append(f.units, unit{finding: i, check: j, rule: x.RuleID + ":" + c.ID, container: c.Container, path: split(c.Path), severity: x.Severity})
				}
			}
			continue
		}
		if x.Path != "" && x.Status == finding.Fail {
			f.units = append(f.units, unit{finding: i, check: -1, rule: x.RuleID, container: x.Container, path: split(x.Path), severity: x.Severity})
		}
	}
	us := f.units
	if len(us) < 2 {
		return false
	}
	// Causes are built in the order in which units speak: each unit joins the first cause whose
	// every member is at its field (and of another rule), or starts one. Requiring every member,
	// not one, keeps a parent field from bridging two different fields below it.
	f.order = f.order[:0]
	for i := range us {
		f.order = append(f.order, i)
	}
	slices.SortFunc(f.order, func(a, b int) int { return speaksFirst(&us[a], &us[b]) })
	f.causes = f.causes[:0]
	joined := false
	for _, i := range f.order {
		placed := false
		for c := range f.causes {
			if f.fits(fs, us, f.causes[c], i) {
				f.causes[c] = append(f.causes[c], i)
				placed, joined = true, true
				break
			}
		}
		if n := len(f.causes); !placed && n < cap(f.causes) {
			f.causes = f.causes[:n+1] // a cause of an earlier object: its storage is reused
			f.causes[n] = append(f.causes[n][:0], i)
		} else if !placed {
			f.causes = append(f.causes, []int{i})
		}
	}
	if !joined {
		return false
	}
	removedChecks := map[int][]bool{}
	for _, members := range f.causes {
		if len(members) < 2 {
			continue
		}
		p := &us[members[0]]
		also := make([]string, 0, len(members)-1)
		for _, m := range members[1:] {
			u := &us[m]
			also = append(also, u.rule)
			if u.check < 0 {
				addFix(&fs[p.finding], fs[u.finding].Fix)
				fs[u.finding].RuleID = "" // removed
				continue
			}
			if removedChecks[u.finding] == nil {
				removedChecks[u.finding] = make([]bool, len(fs[u.finding].Related.Checks))
			}
			removedChecks[u.finding][u.check] = true
		}
		addAlso(&fs[p.finding], also)
	}
	for i, removed := range removedChecks {
		dropChecks(&fs[i], removed)
	}
	return true
}

// fits reports whether unit i shares the cause of every member: another rule, not another
// check of the same composite finding, the same container and the same field.
func (f *folder) fits(fs []finding.Finding, us []unit, members []int, i int) bool {
	u := &us[i]
	for _, m := range members {
		v := &us[m]
		if u.rule == v.rule || u.finding == v.finding || !sameContainer(u.container, v.container) || !sameField(u.path, v.path) {
			return false
		}
	}
	return true
}

// speaksFirst orders the units of one cause: the one that speaks for it first.
func speaksFirst(a, b *unit) int {
	return cmp.Or(
		-cmp.Compare(a.severity, b.severity),
		cmp.Compare(min(a.check, 0), min(b.check, 0)), // a finding of its own (-1) before a check (0)
		strings.Compare(a.rule, b.rule),
		cmp.Compare(a.finding, b.finding),
		cmp.Compare(a.check, b.check),
	)
}

// sameContainer reports whether two findings at the same field are about the same container:
// the same one, or one names none (a pod's annotation that configures one container, say).
func sameContainer(a, b string) bool { return a == b || a == "" || b == "" }

// sameField reports whether two paths name the same field: equal, or one the direct member of
// the other, which must itself be a field (not a list item, not a whole spec, template or
// metadata, which hold every field below them).
func sameField(a, b []string) bool {
	if len(a) > len(b) {
		a, b = b, a
	}
	switch len(b) - len(a) {
	case 0:
		return equalFromEnd(a, b)
	case 1:
		if len(a) == 0 || !equalFromEnd(a, b[:len(a)]) {
			return false
		}
		last := a[len(a)-1]
		return !strings.HasPrefix(last, "[") && last != "spec" && last != "template" && last != "metadata"
	}
	return false
}

// equalFromEnd reports whether two paths of the same length are equal, comparing their last
// segments first: the paths of one object's findings share their start (spec.template.spec,
// containers[0]) and differ at the field.
func equalFromEnd(a, b []string) bool {
	for i := len(a) - 1; i >= 0; i-- {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// addAlso names more rules the finding's cause breaks, sorted and once each. Related may be
// shared with other findings of the same violation, so it is copied, not changed.
func addAlso(x *finding.Finding, also []string) {
	rel := finding.Related{}
	if x.Related != nil {
		rel = *x.Related
	}
	merged := slices.Concat(rel.AlsoBreaks, also)
	slices.Sort(merged)
	rel.AlsoBreaks = slices.Compact(merged)
	x.Related = &rel
}

// addFix adds to the finding that speaks for a cause the patches of a finding it folds that
// are at fields its own patches leave alone, so that applying the remedy of the one finding
// reported resolves every rule it names (pod/privileged's removal of privileged: true and
// pod/allow-privilege-escalation's allowPrivilegeEscalation: false). The finding's Fix may be
// shared with other findings of the same violation, so it is copied, not appended to.
func addFix(x *finding.Finding, more []finding.Patch) {
	var fix []finding.Patch
	for _, p := range more {
		if !slices.ContainsFunc(x.Fix, func(q finding.Patch) bool { return q.Path == p.Path }) &&
			!slices.ContainsFunc(fix, func(q finding.Patch) bool { return q.Path == p.Path }) {
			fix = append(fix, p)
		}
	}
	if len(fix) > 0 {
		x.Fix = slices.Concat(x.Fix, fix)
	}
}

// dropChecks takes the removed checks out of a composite finding and writes it anew from the
// checks that remain; it removes the finding when none remains (each is reported elsewhere).
// With one check left the finding is at that check's field; with several it keeps its field,
// a parent of theirs.
func dropChecks(x *finding.Finding, removed []bool) {
	if x.RuleID == "" {
		return
	}
	rel := *x.Related
	rel.Checks = nil
	for i, c := range x.Related.Checks {
		if !removed[i] {
			rel.Checks = append(rel.Checks, c)
		}
	}
	if len(rel.Checks) == 0 {
		x.RuleID = ""
		return
	}
	x.Related = &rel
	var path string
	x.Message, x.Evidence, path, x.Container = rel.Describe()
	if len(rel.Checks) == 1 {
		x.Path, x.Location = path, rel.Checks[0].At.In(x.Location)
	}
}
