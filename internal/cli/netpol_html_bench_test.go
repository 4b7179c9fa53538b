package cli

import (
	"fmt"
	"io"
	"testing"

	"palisade.dev/palisade/internal/netpol"
	"palisade.dev/palisade/internal/netpol/netpolcorpus"
)

// byteCount is a writer that counts what it is given.
type byteCount int64

func (c *byteCount) Write(p []byte) (int, error) { *c += byteCount(len(p)); return len(p), nil }

// BenchmarkNetpolHTML times what `netpol -o html` adds to the summary, on the generated
// corpora (hack/gennetpol): from the listed connections, laying out the graph, explaining each
// kept connection's port ranges and writing the page. It reports the page's bytes.
func BenchmarkNetpolHTML(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		in := &netpolInput{analysis: netpol.Analyze(netpolcorpus.Generate(n).Input())}
		var conns []netpol.Connection
		for c := range in.analysis.Connections {
			conns = append(conns, c)
		}
		b.Run(fmt.Sprintf("pods=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			var size byteCount
			for b.Loop() {
				size = 0
				in.notes = nil
				if err := writeNetpolHTML(io.Writer(&size), conns, in); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(size), "page-bytes")
		})
	}
}
