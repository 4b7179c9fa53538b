package cli_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"palisade.dev/palisade/internal/cli"
	"palisade.dev/palisade/internal/testcorpus"
)

// BenchmarkFix runs palisade fix in place on a fresh copy of the generated corpus, beside
// palisade scan on the same copy, so that the two costs can be compared: fix scans once, then
// edits the files that carry remedies.
func BenchmarkFix(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		src := filepath.Join(os.TempDir(), fmt.Sprintf("palisade-testcorpus-%d", n))
		if err := testcorpus.Ensure(src, n, 1); err != nil {
			b.Fatal(err)
		}
		for _, command := range [][]string{{"scan", "-o", "compact", "--fail-on", "none"}, {"fix"}} {
			b.Run(fmt.Sprintf("%s/objects=%d", command[0], n), func(b *testing.B) {
				for b.Loop() {
					b.StopTimer()
					dir := b.TempDir()
					copyTree(b, src, dir)
					b.StartTimer()
					var errOut strings.Builder
					code := cli.Execute(context.Background(), append(command, dir), cli.Streams{In: strings.NewReader(""), Out: io.Discard, Err: &errOut})
					if code == 2 {
						b.Fatalf("%s failed: %s", command[0], errOut.String())
					}
				}
			})
		}
	}
}
