package scan

import (
	"cmp"
	"slices"
	"strings"

	"palisade.dev/palisade/internal/cause"
	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/finding/spool"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/suppress"
)

// spooler keeps the findings of a scan's pod and object rules out of the heap while the scan
// reads the rest of its input: they go to a spool as each object is judged, grouped by the
// file (or, for live objects, the namespace) they are about, and come back one group at a time
// once every object is judged.
type spooler struct {
	spool *spool.Spool
	dir   string // where the spools are made ("" for the system's temporary folder)
}

// newSpooler makes a spooler; nil when no spool can be made (no temporary folder to write
// in), and the scan keeps its findings in memory as it would without one.
func newSpooler(dir string) *spooler {
	s, err := spool.New(dir)
	if err != nil {
		return nil
	}
	return &spooler{spool: s, dir: dir}
}

// groupOf is the spool group of a finding: its file; for a finding in no file (about a live
// object), its namespace, after a NUL that sorts before every file name. Groups in the order
// of their names are the findings' order (finding.Compare): file, then namespace.
func groupOf(f *finding.Finding) string {
	if f.Location.File != "" {
		return f.Location.File
	}
	return "\x00" + f.Object.Namespace
}

// add is the evaluation's Sink: it spools the findings of one object, each run of one group
// at once.
func (s *spooler) add(_ *inventory.Object, fs []finding.Finding) {
	for len(fs) > 0 {
		g := groupOf(&fs[0])
		n := 1
		for n < len(fs) && groupOf(&fs[n]) == g {
			n++
		}
		s.spool.Add(g, fs[:n])
		fs = fs[n:]
	}
}

// finish joins the spooled findings with the rest (rest, from Finish and the admission
// policies) group by group, in the order of the groups, and suppresses, orders and folds them as
// applyFolding does: the same findings in the same order as a scan that held them all, for
// the heap of one group's findings at a time. The active findings go on to a second spool, in
// their final order, which the reports read (res.Active); when none can be made, they are
// kept in memory. mark, when set, marks the findings of a group that go first (a live
// cluster's findings about what running pods use, rbac.PodUse.Mark): every object's findings
// are in one group, so that a group marked whole ranks them as a whole scan would. The
// inventory is read only to prepare the policy and to mark.
func (s *spooler) finish(res *Result, rest []finding.Finding, inv *inventory.Inventory, policy *suppress.Policy, mark func([]finding.Finding) map[finding.ObjectRef]bool) {
	defer s.spool.Close()
	var applier *suppress.Applier
	if policy != nil {
		var errs []finding.ScanError
		applier, errs = policy.Prepare(inv)
		res.Errors = append(res.Errors, errs...)
	}
	// The findings not spooled, by group, in their order.
	byGroup := map[string][]finding.Finding{}
	for i := range rest {
		g := groupOf(&rest[i])
		byGroup[g] = append(byGroup[g], rest[i])
	}
	groups := s.spool.Groups()
	spooled := make(map[string]bool, len(groups))
	for _, g := range groups {
		spooled[g] = true
	}
	for g := range byGroup {
		if !spooled[g] {
			groups = append(groups, g)
		}
	}
	slices.SortFunc(groups, cmp.Compare)

	// Two sections: the marked findings, then the others. A group's findings are written on
	// another goroutine while the next group is read, sorted and folded.
	out := newActive(s.dir)
	for _, g := range groups {
		fs, err := s.spool.Read(g, out.buffer())
		if err != nil {
			// The group's findings cannot be reported: the scan says so, never passes.
			e := finding.ScanError{Location: finding.Location{File: g}, Message: err.Error()}
			if ns, live := strings.CutPrefix(g, "\x00"); live {
				e = finding.ScanError{Message: "namespace " + ns + ": " + err.Error()}
			}
			res.Errors = append(res.Errors, e)
		}
		fs = append(fs, byGroup[g]...)
		active := fs
		if applier != nil {
			active, res.Suppressed = applier.Apply(fs, res.Suppressed)
		}
		finding.Sort(active)
		active = cause.Fold(active)
		var used map[finding.ObjectRef]bool
		if mark != nil {
			used = mark(active)
		}
		if len(used) == 0 {
			out.add(1, active, fs)
			continue
		}
		var marked, others []finding.Finding
		for _, f := range active {
			if used[f.Object] {
				marked = append(marked, f)
			} else {
				others = append(others, f)
			}
		}
		out.add(0, marked, nil)
		out.add(1, others, nil)
		out.recycle(fs)
	}
	res.Active = out.seq()
	finding.Sort(res.Suppressed)
	finding.SortErrors(res.Errors)
}

// active is where finish writes the active findings: a spool's sequence, written on a
// goroutine of its own, or memory when no spool can be made.
type active struct {
	spooled  *spool.Sequence
	sections [2][]finding.Finding
	work     chan activeWork
	done     chan struct{}
	free     chan []finding.Finding // buffers written, for the next groups
}

// activeWork is findings to write in a section, and the buffer they lie in, to hand back
// once they are written (nil for none).
type activeWork struct {
	section int
	fs, buf []finding.Finding
}

func newActive(dir string) *active {
	q, err := spool.NewSequence(dir, 2)
	if err != nil {
		return &active{}
	}
	a := &active{spooled: q, work: make(chan activeWork, 2), done: make(chan struct{}), free: make(chan []finding.Finding, 4)}
	go func() {
		defer close(a.done)
		for w := range a.work {
			q.Add(w.section, w.fs)
			a.recycle(w.buf)
		}
	}()
	return a
}

// buffer is an empty buffer for a group's findings.
func (a *active) buffer() []finding.Finding {
	select {
	case b := <-a.free:
		return b
	default:
		return nil
	}
}

// recycle hands back a buffer whose findings are written; buf is the whole of what was
// used of it.
func (a *active) recycle(buf []finding.Finding) {
	if buf == nil || a.free == nil {
		return
	}
	clear(buf) // what lies past it was cleared when it was handed back before
	select {
	case a.free <- buf[:0]:
	default:
	}
}

// add writes fs, which lie in buf, in a section; buf is not to be used again until buffer
// hands it back.
func (a *active) add(section int, fs, buf []finding.Finding) {
	if a.spooled == nil {
		a.sections[section] = append(a.sections[section], fs...)
		return
	}
	if len(fs) == 0 {
		a.recycle(buf)
		return
	}
	a.work <- activeWork{section: section, fs: fs, buf: buf}
}

// seq waits for the last findings to be written and returns them.
func (a *active) seq() finding.Seq {
	if a.spooled == nil {
		return finding.Slice(append(a.sections[0], a.sections[1]...))
	}
	close(a.work)
	<-a.done
	return a.spooled
}
