package manifest

import (
	"fmt"
	"strconv"

	"palisade.dev/palisade/internal/finding"
)

// maxErrorKindsPerFile bounds how many different errors of one file are listed; the others
// are counted in one last error. No reader goes through more, and a file of a million
// malformed documents must not give a report of a million lines.
const maxErrorKindsPerFile = 1000

// errorGroups gathers the errors of a load as they are produced, in document order: identical
// errors of a file (same message) are one error, at the first occurrence, that says how many
// more there were. It holds one entry per distinct error, never one per occurrence.
type errorGroups struct {
	groups []*errorGroup
	byKey  map[errorKey]*errorGroup
	files  map[string]*fileErrors
}

type errorKey struct{ file, message string }

type errorGroup struct {
	first finding.ScanError
	more  int
}

// fileErrors is what is known of one file's errors: how many kinds are listed, and the
// errors past the bound.
type fileErrors struct {
	kinds    int
	overflow *errorGroup // the first error not listed; more counts the others
}

func newErrorGroups() *errorGroups {
	return &errorGroups{byKey: map[errorKey]*errorGroup{}, files: map[string]*fileErrors{}}
}

// add records one error; errors must come in document order.
func (g *errorGroups) add(e finding.ScanError) {
	key := errorKey{e.Location.File, e.Message}
	if grp, ok := g.byKey[key]; ok {
		grp.more++
		return
	}
	f := g.files[e.Location.File]
	if f == nil {
		f = &fileErrors{}
		g.files[e.Location.File] = f
	}
	if f.kinds >= maxErrorKindsPerFile {
		if f.overflow == nil {
			f.overflow = &errorGroup{first: e}
		} else {
			f.overflow.more++
		}
		return
	}
	f.kinds++
	grp := &errorGroup{first: e}
	g.byKey[key] = grp
	g.groups = append(g.groups, grp)
}

// list returns one error per group, saying how many more it stands for.
func (g *errorGroups) list() []finding.ScanError {
	out := make([]finding.ScanError, 0, len(g.groups))
	for _, grp := range g.groups {
		e := grp.first
		if grp.more > 0 {
			e.Message += fmt.Sprintf(" (and %s more with the same error in this file)", thousands(grp.more))
		}
		out = append(out, e)
	}
	for _, f := range g.files {
		if o := f.overflow; o != nil {
			e := o.first
			e.Object = finding.ObjectRef{}
			e.Message = fmt.Sprintf("%s more errors in this file of more than %d different kinds were not listed; the first is here",
				thousands(o.more+1), maxErrorKindsPerFile)
			out = append(out, e)
		}
	}
	return out
}

// thousands writes n with thousands separators: 999,990.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
