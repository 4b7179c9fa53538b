package manifest

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"

	k8syaml "k8s.io/apimachinery/pkg/util/yaml"
)

// kubectlDocuments splits data as kubectl does (k8s.io/apimachinery's YAML reader), keeping
// the documents that hold more than blank lines, comments and directives, with CRLF line ends
// made LF and the last line ended (the reader's line ends are not the splitter's concern). failed says the reader refused a line after those.
//
// The reader keeps a separator line that follows another (or starts the stream) as the first
// line of the next document; it is dropped here, as the loader drops it. For "---" or "--- #c"
// that is YAML's own reading; for "---#c" YAML reads a scalar, and kubectl then refuses the
// document, which the loader judges.
func kubectlDocuments(data []byte) (docs []string, failed bool) {
	r := k8syaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	for {
		chunk, err := r.Read()
		for {
			l, rest, ok := bytes.Cut(chunk, []byte("\n"))
			if m, _ := documentMarker(l); !ok || m != "---" {
				break
			}
			chunk = rest
		}
		if len(chunk) > 0 && hasContent(chunk) {
			docs = append(docs, normalizeLines(chunk))
		}
		if errors.Is(err, io.EOF) {
			return docs, false
		}
		if err != nil {
			return docs, true
		}
	}
}

func hasContent(doc []byte) bool {
	for _, l := range strings.Split(string(doc), "\n") {
		t := strings.TrimSpace(l)
		if t != "" && t[0] != '#' && t[0] != '%' {
			return true
		}
	}
	return false
}

func normalizeLines(b []byte) string {
	// bufio.Reader.ReadLine, which kubectl's reader uses, drops each line's "\r\n" or "\n",
	// and a last line's "\r"; the reader then ends every line with "\n".
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, "\r")
	}
	return strings.Join(lines, "\n") + "\n"
}

// palisadeDocuments splits data as the loader does and joins again the pieces of a JSON
// stream (which kubectl's YAML reader leaves to its JSON decoder). failed says a separator
// line was refused.
func palisadeDocuments(t *testing.T, data []byte) (docs []string, failed bool) {
	err := splitStream(bytes.NewReader(data), "-", 1<<20, func(d Document) error {
		switch {
		case errors.Is(d.Err, errBadSeparator):
			failed = true
		case failed:
		case d.Err != nil:
			t.Fatalf("document %d: %v", d.Index, d.Err)
		case d.Column > 1:
			docs[len(docs)-1] += string(d.Data)
		default:
			docs = append(docs, string(d.Data))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for i := range docs {
		docs[i] = normalizeLines([]byte(docs[i]))
	}
	return docs, failed
}

// comparable reports whether data is a stream where the loader must split exactly as kubectl
// does: it departs from kubectl's reader only, on purpose, at YAML's "..." (where kubectl
// ignores the rest up to the next "---" and Palisade reads it) and at "--- value" (which YAML
// and Helm read and kubectl refuses), at a byte order mark (which the loader drops) and in
// documents over the size limit.
func comparable(data []byte) bool {
	if bytes.HasPrefix(data, []byte("\xef\xbb\xbf")) || len(data) > 1<<20 {
		return false
	}
	for _, l := range strings.Split(string(data), "\n") {
		m, rest := documentMarker([]byte(l))
		if m == "..." || m == "---" && len(bytes.TrimSpace(rest)) > 0 && !isComment(rest) {
			return false
		}
	}
	return true
}

// splitVariants are separator lines and what surrounds them, each a case where the loader
// once split differently from kubectl, or could.
var splitVariants = []string{
	"a: 1\n---\nb: 2\n",
	"a: 1\n---# text\nb: 2\n",
	"a: 1\n--- # text\nb: 2\n",
	"a: 1\n---\t\nb: 2\n",
	"a: 1\n---\t# text\nb: 2\n",
	"a: 1\n---   \r\nb: 2\r\n",
	"a: 1\n---\u00a0# text\nb: 2\n",
	"a: 1\n---\u0085\nb: 2\n",
	"a: 1\n---x\nb: 2\n",
	"a: 1\n----\nb: 2\n",
	"a: 1\n---#\n---#\n---\nb: 2\n",
	"a: 1\n ---\nb: 2\n",
	"a: |\n  x\n---\n  y\n",
	"---\n---\n",
	"---",
	"a: 1\n---",
	"a: 1\n--- #",
	"# only\n---\n# comments\n",
	"{\"a\": 1}\n---# c\n{\"b\": 2}{\"c\": 3}\n",
	"%YAML 1.2\n---\na: 1\n",
	"a: 1\n\n\n---\n\n\nb: 2\n\n",
}

// TestSplitWhereKubectlSplits pins every separator variant against what kubectl's reader does
// with it.
func TestSplitWhereKubectlSplits(t *testing.T) {
	for _, v := range splitVariants {
		t.Run(strings.ReplaceAll(v, "\n", `\n`), func(t *testing.T) {
			if !comparable([]byte(v)) {
				t.Fatalf("variant is not comparable")
			}
			checkSplitLikeKubectl(t, []byte(v))
		})
	}
}

func checkSplitLikeKubectl(t *testing.T, data []byte) {
	t.Helper()
	want, wantFailed := kubectlDocuments(data)
	got, gotFailed := palisadeDocuments(t, data)
	if gotFailed != wantFailed {
		t.Errorf("refused a separator: %v, kubectl: %v", gotFailed, wantFailed)
	}
	if wantFailed && len(got) == len(want)+1 {
		// kubectl drops the document the refused line ends; the loader judges it.
		got = got[:len(want)]
	}
	if !slices.Equal(got, want) {
		t.Errorf("documents\n%q\nkubectl's\n%q", got, want)
	}
}

// FuzzSplitMatchesKubectl holds the splitter to kubectl's reader on any input where they must
// agree (see comparable): the same documents up to the first separator line kubectl refuses,
// which the loader reports.
func FuzzSplitMatchesKubectl(f *testing.F) {
	for _, v := range splitVariants {
		f.Add([]byte(v))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if !comparable(data) {
			return
		}
		checkSplitLikeKubectl(t, data)
	})
}

// checkSplitsAgree holds SplitDocumentsTogether and CountDocuments to SplitDocuments: the same
// documents (index, line, column, data, error), and their number.
func checkSplitsAgree(t *testing.T, data []byte) {
	t.Helper()
	want, wantErr := SplitDocuments(data, "f.yaml")
	got, gotErr := SplitDocumentsTogether(data, "f.yaml")
	if (gotErr == nil) != (wantErr == nil) || len(got) != len(want) {
		t.Fatalf("SplitDocumentsTogether: %d documents (error %v), SplitDocuments %d (error %v)", len(got), gotErr, len(want), wantErr)
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.File != w.File || g.Index != w.Index || g.Line != w.Line || g.Column != w.Column ||
			!bytes.Equal(g.Data, w.Data) || (g.Err == nil) != (w.Err == nil) {
			t.Errorf("document %d: index %d at %d:%d, %d bytes; SplitDocuments: index %d at %d:%d, %d bytes",
				i+1, g.Index, g.Line, g.Column, len(g.Data), w.Index, w.Line, w.Column, len(w.Data))
		}
	}
	if n, err := CountDocuments(data); n != len(want) || (err == nil) != (wantErr == nil) {
		t.Errorf("CountDocuments = %d (error %v), SplitDocuments splits %d (error %v)", n, err, len(want), wantErr)
	}
}

// TestSplitsAgree pins the splits for fix on every separator variant, a file of several
// documents and one whose documents' data fill the file.
func TestSplitsAgree(t *testing.T) {
	cases := append(slices.Clone(splitVariants),
		"\xef\xbb\xbfa: 1\n---\nb: 2\n--- c\n...\nd: [1]\n",
		"a: 1\n---\nb: 2\n---\n{\"c\": 3}{\"d\": 4}\n---\n",
		"",
	)
	for _, v := range cases {
		t.Run(strings.ReplaceAll(v, "\n", `\n`), func(t *testing.T) {
			checkSplitsAgree(t, []byte(v))
		})
	}
}

func FuzzSplitsAgree(f *testing.F) {
	for _, v := range splitVariants {
		f.Add([]byte(v))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkSplitsAgree(t, data)
	})
}
