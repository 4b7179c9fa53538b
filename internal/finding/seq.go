package finding

import "iter"

// Seq is a scan's active findings in report order, which reports read as many times as they
// need: held in memory (Slice) for the commands that find few, or read back from a spool
// (package spool) for those that may find millions. Reading may fail (a spool's file could
// not be read): each method that reads says so with an error, and a report that meets one
// must fail, never end with fewer findings.
type Seq interface {
	// Len is how many findings there are.
	Len() int
	// Tally is what reports need to know of all the findings before they write the first:
	// counts by severity, the rules they name.
	Tally() *Tally
	// Chunks yields the findings in order, at most n at a time, each chunk a slice of its
	// own that the caller may keep but must not change. When the findings cannot be read it
	// yields the error (and no chunk) and stops.
	Chunks(n int) iter.Seq2[[]Finding, error]
}

// Tally counts a sequence of findings.
type Tally struct {
	// BySeverity counts the findings of each severity.
	BySeverity map[Severity]int
	// Rules are the rules the findings name, in the order of each rule's first finding, and
	// described as that finding describes it (title, severity, remedy).
	Rules []RuleSeen
	// Clusters are the clusters the findings name (Location.Cluster), in the order of each
	// one's first finding.
	Clusters []string
	seen     map[string]bool
	clusters map[string]bool
}

// RuleSeen is a rule as the first finding of it describes it.
type RuleSeen struct {
	ID, Title, Remedy string
	Severity          Severity
}

// Count adds f to the tally.
func (t *Tally) Count(f *Finding) {
	if t.BySeverity == nil {
		t.BySeverity = map[Severity]int{}
	}
	t.BySeverity[f.Severity]++
	t.cluster(f.Location.Cluster)
	if t.seen[f.RuleID] {
		return
	}
	if t.seen == nil {
		t.seen = map[string]bool{}
	}
	t.seen[f.RuleID] = true
	t.Rules = append(t.Rules, RuleSeen{ID: f.RuleID, Title: f.Title, Remedy: f.Remedy, Severity: f.Severity})
}

// Join adds the tally of the findings that follow t's.
func (t *Tally) Join(o *Tally) {
	for s, n := range o.BySeverity {
		if t.BySeverity == nil {
			t.BySeverity = map[Severity]int{}
		}
		t.BySeverity[s] += n
	}
	for _, c := range o.Clusters {
		t.cluster(c)
	}
	for _, r := range o.Rules {
		if t.seen[r.ID] {
			continue
		}
		if t.seen == nil {
			t.seen = map[string]bool{}
		}
		t.seen[r.ID] = true
		t.Rules = append(t.Rules, r)
	}
}

func (t *Tally) cluster(c string) {
	if t.clusters[c] {
		return
	}
	if t.clusters == nil {
		t.clusters = map[string]bool{}
	}
	t.clusters[c] = true
	t.Clusters = append(t.Clusters, c)
}

// AtLeast counts the findings at or above a severity.
func (t *Tally) AtLeast(s Severity) int {
	n := 0
	for sev, c := range t.BySeverity {
		if sev >= s {
			n += c
		}
	}
	return n
}

// Slice is a Seq held in memory.
type Slice []Finding

// Len is how many findings the slice holds.
func (s Slice) Len() int { return len(s) }

// Tally counts the slice's findings.
func (s Slice) Tally() *Tally {
	t := &Tally{}
	for i := range s {
		t.Count(&s[i])
	}
	return t
}

// Chunks yields the slice in pieces of at most n; it never fails.
func (s Slice) Chunks(n int) iter.Seq2[[]Finding, error] {
	return func(yield func([]Finding, error) bool) {
		for from := 0; from < len(s); from += n {
			if !yield(s[from:min(len(s), from+n)], nil) {
				return
			}
		}
	}
}

// All yields the findings of seq one at a time, in order; when they cannot be read, the
// error, once, last.
func All(seq Seq) iter.Seq2[*Finding, error] {
	return func(yield func(*Finding, error) bool) {
		for chunk, err := range seq.Chunks(512) {
			if err != nil {
				yield(nil, err)
				return
			}
			for i := range chunk {
				if !yield(&chunk[i], nil) {
					return
				}
			}
		}
	}
}

// Collect reads every finding of seq into memory.
func Collect(seq Seq) ([]Finding, error) {
	if s, ok := seq.(Slice); ok {
		return s, nil
	}
	out := make([]Finding, 0, seq.Len())
	for chunk, err := range seq.Chunks(4096) {
		if err != nil {
			return out, err
		}
		out = append(out, chunk...)
	}
	return out, nil
}

// Concat is the findings of seqs, one after the other.
func Concat(seqs ...Seq) Seq {
	if len(seqs) == 1 {
		return seqs[0]
	}
	return concat(seqs)
}

type concat []Seq

func (c concat) Len() int {
	n := 0
	for _, s := range c {
		n += s.Len()
	}
	return n
}

func (c concat) Tally() *Tally {
	t := &Tally{}
	for _, s := range c {
		t.Join(s.Tally())
	}
	return t
}

func (c concat) Chunks(n int) iter.Seq2[[]Finding, error] {
	return func(yield func([]Finding, error) bool) {
		for _, s := range c {
			for chunk, err := range s.Chunks(n) {
				if !yield(chunk, err) || err != nil {
					return
				}
			}
		}
	}
}
