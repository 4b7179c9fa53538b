package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"palisade.dev/palisade/internal/fix"
)

// writeNewFiles writes the files of plan.NewFiles: the objects a namespace lacks, in a new
// file beside its manifests, or after the output when the namespace came from standard input.
// A file of that name that already holds the same objects is left as it is (a second fix
// changes nothing); one that holds anything else is never overwritten.
func writeNewFiles(s Streams, plan *fix.Plan, sum *fixSummary, dryRun bool) {
	for _, nf := range plan.NewFiles {
		if sum.failed != nil {
			return
		}
		switch {
		case nf.File == "-" && dryRun:
			writeCreationDiff(s.Out, "-", nf.Text)
		case nf.File == "-":
			io.WriteString(s.Out, "---\n")
			s.Out.Write(nf.Text)
		default:
			old, err := os.ReadFile(nf.File)
			switch {
			case err == nil && bytes.Equal(old, nf.Text):
				sum.fixed = append(sum.fixed, nf.Findings...)
				continue
			case err == nil:
				sum.leftAlone = append(sum.leftAlone, leftAlone{nf.File, fmt.Sprintf("already exists (%d bytes) with other content; not overwritten, so namespace %s still lacks what it would hold", len(old), nf.Namespace)})
				continue
			case !errors.Is(err, fs.ErrNotExist):
				if pe, ok := errors.AsType[*fs.PathError](err); ok {
					err = pe.Err
				}
				sum.leftAlone = append(sum.leftAlone, leftAlone{nf.File, "cannot be read: " + err.Error()})
				continue
			case dryRun:
				writeCreationDiff(s.Out, nf.File, nf.Text)
			default:
				if err := createFile(nf.File, nf.Text); err != nil {
					sum.failed = fmt.Errorf("writing %s: %w", nf.File, err)
					return
				}
			}
		}
		sum.created = append(sum.created, nf)
		sum.fixed = append(sum.fixed, nf.Findings...)
	}
}

// writeCreationDiff writes the unified diff that creates a file (git's form, from
// /dev/null); text ends with a line break, as NamespaceObjects' does.
func writeCreationDiff(w io.Writer, name string, text []byte) {
	lines := bytes.SplitAfter(text, []byte("\n"))
	if len(lines[len(lines)-1]) == 0 {
		lines = lines[:len(lines)-1]
	}
	fmt.Fprintf(w, "--- /dev/null\n+++ %s\n@@ -0,0 +1,%d @@\n", name, len(lines))
	for _, l := range lines {
		w.Write([]byte{'+'})
		w.Write(l)
	}
}

// createFile writes a new file, readable by all as manifests are; it never replaces one
// that appeared in the meantime.
func createFile(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	return f.Close()
}

// printNewFiles adds the new files to the summary.
func (sum *fixSummary) printNewFiles(w io.Writer, dryRun bool) {
	if len(sum.created) == 0 {
		return
	}
	verb := "written"
	if dryRun {
		verb = "would be written"
	}
	fmt.Fprintf(w, "palisade fix: %d new files %s:\n", len(sum.created), verb)
	for _, nf := range sum.created {
		fmt.Fprintf(w, "  %s\n", nf)
	}
}
