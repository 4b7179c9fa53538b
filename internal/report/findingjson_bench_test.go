package report

import (
	"bytes"
	"fmt"
	"io"
	"testing"

	"palisade.dev/palisade/internal/finding"
)

// manyFindings are n findings as a large scan reports them: every field a pod finding has,
// one in four with a fix, one in ten suppressed.
func manyFindings(n int) []finding.Finding {
	fs := make([]finding.Finding, n)
	for i := range fs {
		f := finding.Finding{
			RuleID: "pod/run-as-non-root", Title: "Containers must not run as root", Severity: finding.High,
			Object:    finding.ObjectRef{APIVersion: "apps/v1", Kind: "Deployment", Namespace: fmt.Sprintf("team-%d", i%97), Name: fmt.Sprintf("web-%d", i)},
			Container: "app", Path: "spec.template.spec.containers[0].securityContext.runAsNonRoot",
			Location: finding.Location{File: fmt.Sprintf("deploy/team-%d/web.yaml", i%97), Document: i % 5, Line: 20 + i%40, Column: 13},
			ObjectAt: finding.Position{Line: 1, Column: 1, Known: true},
			Message:  fmt.Sprintf("Container \"app\" of Deployment web-%d may run as root: runAsNonRoot is not set.", i),
			Evidence: "securityContext: {}", Remedy: "Set securityContext.runAsNonRoot: true and a non-zero runAsUser.",
		}
		if i%4 == 0 {
			f.Fix = []finding.Patch{{Path: f.Path, Value: true}, {Path: "spec.template.spec.containers[0].securityContext.runAsUser", Value: 10001}}
		}
		if i%10 == 0 {
			f.Suppression = &finding.Suppression{Source: "annotation", Reason: "reviewed"}
		}
		fs[i] = f
	}
	return fs
}

// encodings are the two ways of writing the findings array of a report: the hand-written
// encoder, and encoding/json on the same values.
var encodings = []struct {
	name  string
	write func(js *jsonStream, fs []finding.Finding)
}{
	{"hand-written", func(js *jsonStream, fs []finding.Finding) { js.findings(fs, "  ") }},
	{"encoding-json", func(js *jsonStream, fs []finding.Finding) {
		js.array(len(fs), "  ", func(i int) any { return toJSONFinding(&fs[i]) })
	}},
}

func TestFindingsArrayIsTheSameEitherWay(t *testing.T) {
	for _, n := range []int{0, 1, arrayChunk + 1, 3*arrayChunk + 7} {
		t.Run(fmt.Sprintf("%d findings", n), func(t *testing.T) {
			fs := manyFindings(n)
			var out [2]bytes.Buffer
			for i, e := range encodings {
				js := newJSONStream(&out[i])
				e.write(js, fs)
				if err := js.flush(); err != nil {
					t.Fatal(err)
				}
			}
			if !bytes.Equal(out[0].Bytes(), out[1].Bytes()) {
				t.Errorf("the hand-written encoder wrote %d bytes, encoding/json %d, not the same", out[0].Len(), out[1].Len())
			}
		})
	}
}

// BenchmarkFindingsJSON writes the findings array of a report of 100k findings.
func BenchmarkFindingsJSON(b *testing.B) {
	fs := manyFindings(100_000)
	for _, e := range encodings {
		b.Run(e.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				js := newJSONStream(io.Discard)
				e.write(js, fs)
				if err := js.flush(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
