package report_test

import (
	"bytes"
	"context"
	"errors"
	"iter"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/finding/spool"
	"palisade.dev/palisade/internal/report"
	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/rules/builtin"
	"palisade.dev/palisade/internal/scan"
	"palisade.dev/palisade/internal/testcorpus"
)

// spooledInputs are inputs whose active findings are both held (Findings) and spooled
// (Active): the report samples, and a scan of the benchmark corpus, which reads its findings
// back from the spool the scan wrote.
func spooledInputs(t *testing.T) []struct {
	name          string
	held, spooled *report.Input
} {
	t.Helper()
	var out []struct {
		name          string
		held, spooled *report.Input
	}
	spoolOf := func(in *report.Input) *report.Input {
		q, err := spool.NewSequence(t.TempDir(), 2)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { q.Close() })
		// Written in pieces, in the last section, as a scan writes them.
		for fs := in.Findings; len(fs) > 0; fs = fs[min(len(fs), 2):] {
			q.Add(1, fs[:min(len(fs), 2)])
		}
		sp := *in
		sp.Findings, sp.Active = nil, q
		return &sp
	}
	for _, c := range []struct {
		name string
		in   func() *report.Input
	}{
		{"the sample scan", sampleInput},
		{"the sample scan, suppressed findings shown", func() *report.Input { in := sampleInput(); in.ShowSuppressed = true; return in }},
		{"the sample clusters", clusterInput},
	} {
		in := c.in()
		out = append(out, struct {
			name          string
			held, spooled *report.Input
		}{c.name, in, spoolOf(in)})
	}

	dir := filepath.Join(t.TempDir(), "corpus")
	if err := testcorpus.Ensure(dir, 1000, 1); err != nil {
		t.Fatal(err)
	}
	catalog, err := builtin.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	res := scan.Manifests(context.Background(), scan.Request{Paths: []string{dir}, Catalog: catalog,
		Rules: rules.Options{PSSVersion: "latest", Patches: rules.ChangePatches}, SpoolDir: t.TempDir()})
	t.Cleanup(func() { res.Close() })
	if _, ok := res.Active.(finding.Slice); ok {
		t.Fatal("the scan held its findings; it was given a folder to spool them in")
	}
	held, err := finding.Collect(res.Active)
	if err != nil {
		t.Fatal(err)
	}
	if len(held) < 1000 {
		t.Fatalf("the corpus gave %d findings; it is built to have many more", len(held))
	}
	corpus := &report.Input{Command: "scan", Targets: []string{"corpus"}, Version: "1.2.3", Suppressed: res.Suppressed,
		Errors: res.Errors, NotApplied: res.NotApplied, Rules: catalog.All(), FailOn: finding.High, ShowSuppressed: true,
		Stats: report.Stats{Files: res.Files, Documents: res.Documents, Objects: res.Objects}}
	spooled := *corpus
	spooled.Active = res.Active
	corpus.Findings = held
	out = append(out, struct {
		name          string
		held, spooled *report.Input
	}{"a scan of the benchmark corpus", corpus, &spooled})
	return out
}

// TestSpooledFindingsWriteWhatHeldFindingsWrite pins that every format writes, from findings
// read back from a spool, the very bytes it writes from the same findings held in memory.
func TestSpooledFindingsWriteWhatHeldFindingsWrite(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	for _, in := range spooledInputs(t) {
		for _, format := range report.Formats() {
			t.Run(in.name+"/"+format, func(t *testing.T) {
				var held, spooled bytes.Buffer
				in.held.Now, in.spooled.Now = now, now
				if err := report.Write(&held, format, in.held); err != nil {
					t.Fatal(err)
				}
				// Twice: a report may be written in several formats from one scan.
				for range 2 {
					spooled.Reset()
					if err := report.Write(&spooled, format, in.spooled); err != nil {
						t.Fatal(err)
					}
					if !bytes.Equal(held.Bytes(), spooled.Bytes()) {
						t.Fatalf("spooled findings give %d bytes, held ones %d; they differ", spooled.Len(), held.Len())
					}
				}
			})
		}
	}
}

// failingSeq is a sequence whose reading fails after its first findings, as a spool whose
// file went away would.
type failingSeq struct {
	finding.Slice
	after int
}

var errRead = errors.New("reading the findings spool back: input/output error")

func (s failingSeq) Chunks(n int) iter.Seq2[[]finding.Finding, error] {
	return func(yield func([]finding.Finding, error) bool) {
		if !yield(s.Slice[:min(s.after, n)], nil) {
			return
		}
		yield(nil, errRead)
	}
}

// TestAReadFailureFailsTheReport pins that a format that cannot read the active findings back
// fails with the error, in every format, and never writes a report of fewer findings.
func TestAReadFailureFailsTheReport(t *testing.T) {
	for _, format := range report.Formats() {
		t.Run(format, func(t *testing.T) {
			in := sampleInput()
			in.Active, in.Findings = failingSeq{Slice: in.Findings, after: 1}, nil
			var b bytes.Buffer
			err := report.Write(&b, format, in)
			if !errors.Is(err, errRead) {
				t.Fatalf("error %v, want the read error", err)
			}
			if strings.Contains(b.String(), "Summary") && format == "text" || strings.HasSuffix(b.String(), "}\n") && format == "json" {
				t.Errorf("a finished report of %d bytes", b.Len())
			}
		})
	}
}
