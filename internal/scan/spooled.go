package scan

import (
	"cmp"
	"slices"

	"palisade.dev/palisade/internal/cause"
	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/finding/spool"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/suppress"
)

// spooler keeps the findings of a manifest scan's pod and object rules out of the heap while
// the scan reads the rest of its input: they go to a spool as each object is judged, grouped
// by the file they are about, and come back one file at a time once every object is judged.
type spooler struct {
	spool *spool.Spool
}

// newSpooler makes a spooler; nil when no spool can be made (no temporary folder to write
// in), and the scan keeps its findings in memory as it would without one.
func newSpooler() *spooler {
	s, err := spool.New("")
	if err != nil {
		return nil
	}
	return &spooler{spool: s}
}

// add is the evaluation's Sink: it spools the findings of one object, each run of one file as
// one group's.
func (s *spooler) add(_ *inventory.Object, fs []finding.Finding) {
	for len(fs) > 0 {
		n := 1
		for n < len(fs) && fs[n].Location.File == fs[0].Location.File {
			n++
		}
		s.spool.Add(fs[0].Location.File, fs[:n])
		fs = fs[n:]
	}
}

// finish joins the spooled findings with the rest (rest, from Finish and the admission
// policies) file by file, in the order of the files, and suppresses, orders and folds them as
// applyFolding does: the same findings in the same order as a scan that held them all, for
// the heap of one file's findings at a time. The inventory is read only to prepare the policy.
func (s *spooler) finish(res *Result, rest []finding.Finding, inv *inventory.Inventory, policy *suppress.Policy) {
	defer s.spool.Close()
	var applier *suppress.Applier
	if policy != nil {
		var errs []finding.ScanError
		applier, errs = policy.Prepare(inv)
		res.Errors = append(res.Errors, errs...)
	}
	// The findings not spooled, by file, in their order.
	byFile := map[string][]finding.Finding{}
	for _, f := range rest {
		byFile[f.Location.File] = append(byFile[f.Location.File], f)
	}
	files := s.spool.Groups()
	for file := range byFile {
		if !slices.Contains(files, file) {
			files = append(files, file)
		}
	}
	slices.SortFunc(files, cmp.Compare)

	res.Findings = slices.Grow(res.Findings, s.spool.Count()+len(rest))
	var fs []finding.Finding
	for _, file := range files {
		var err error
		if fs, err = s.spool.Read(file, fs[:0]); err != nil {
			// The file's findings cannot be reported: the scan says so, never passes.
			res.Errors = append(res.Errors, finding.ScanError{Location: finding.Location{File: file}, Message: err.Error()})
		}
		fs = append(fs, byFile[file]...)
		active := fs
		if applier != nil {
			active, res.Suppressed = applier.Apply(fs, res.Suppressed)
		}
		finding.Sort(active)
		active = cause.Fold(active)
		res.Findings = append(res.Findings, active...)
		clear(fs)
	}
	finding.Sort(res.Suppressed)
	finding.SortErrors(res.Errors)
}
