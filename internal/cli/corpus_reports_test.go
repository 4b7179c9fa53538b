package cli_test

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"palisade.dev/palisade/internal/testcorpus"
	"palisade.dev/palisade/internal/testfiles"
)

// TestCorpusReportsStayTheSame pins what a scan of the 1,000-object benchmark corpus reports,
// in every format a large scan is written in: testdata/corpus-1000/findings.golden lists the
// findings one line each (rule, severity, object, where), and digests.golden holds the SHA-256
// of each whole report. A change meant only to make scans faster or leaner (decoding, the
// streaming of findings, the report writers) must leave both as they are; a change of what
// the rules find rewrites them with -update, and the listing's diff shows what moved.
func TestCorpusReportsStayTheSame(t *testing.T) {
	dir := t.TempDir()
	if _, err := testcorpus.Generate(dir, 1000, 1); err != nil {
		t.Fatal(err)
	}
	// The scans run in the corpus's folder, so that the reports name relative paths that do
	// not depend on where it was written.
	outs := map[string]string{}
	formats := []string{"text", "json", "sarif", "junit"}
	t.Run("scan", func(t *testing.T) {
		t.Chdir(dir)
		for _, format := range formats {
			code, out, errOut := run(t, "scan", ".", "-o", format, "--fail-on", "none")
			if code != 0 {
				t.Fatalf("-o %s: exit code %d, stderr: %s", format, code, errOut)
			}
			outs[format] = out
		}
	})
	if t.Failed() {
		return
	}
	var digests strings.Builder
	for _, format := range formats {
		fmt.Fprintf(&digests, "%-6s %x\n", format, sha256.Sum256([]byte(outs[format])))
	}
	var report struct {
		Findings []jsonFinding `json:"findings"`
	}
	if err := json.Unmarshal([]byte(outs["json"]), &report); err != nil {
		t.Fatalf("reading the JSON report: %v", err)
	}
	if len(report.Findings) == 0 {
		t.Fatal("the corpus gave no finding; it is built to have many")
	}
	var listing strings.Builder
	for _, f := range report.Findings {
		l := f.Location
		fmt.Fprintf(&listing, "%s %s %s/%s/%s %s %s %s:%d:%d:%d\n", f.Rule, f.Severity, f.Object.Kind, f.Object.Namespace, f.Object.Name,
			f.Container, f.Path, l.File, l.Document, l.Line, l.Column)
	}
	testfiles.Golden(t, filepath.Join("testdata", "corpus-1000", "findings.golden"), []byte(listing.String()))
	testfiles.Golden(t, filepath.Join("testdata", "corpus-1000", "digests.golden"), []byte(digests.String()))
}
