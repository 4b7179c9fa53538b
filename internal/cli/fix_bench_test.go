//go:build unix

package cli_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"palisade.dev/palisade/internal/cli"
	"palisade.dev/palisade/internal/testcorpus"
)

// BenchmarkFix runs palisade fix in place on a fresh copy of the generated corpus, beside
// palisade scan on the same copy, so that the two costs can be compared: fix scans once, then
// edits the files that carry remedies. Beside the time it reports the processor time the
// command took (cpu-s/op, user and system, every goroutine's), which other work on the
// machine changes far less than the time.
func BenchmarkFix(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		src := filepath.Join(os.TempDir(), fmt.Sprintf("palisade-testcorpus-%d", n))
		if err := testcorpus.Ensure(src, n, 1); err != nil {
			b.Fatal(err)
		}
		for _, command := range [][]string{{"scan", "-o", "compact", "--fail-on", "none"}, {"fix"}} {
			b.Run(fmt.Sprintf("%s/objects=%d", command[0], n), func(b *testing.B) {
				var cpu time.Duration
				for b.Loop() {
					b.StopTimer()
					dir := b.TempDir()
					copyTree(b, src, dir)
					b.StartTimer()
					before := processorTime(b)
					var errOut strings.Builder
					code := cli.Execute(context.Background(), append(command, dir), cli.Streams{In: strings.NewReader(""), Out: io.Discard, Err: &errOut})
					if code == 2 {
						b.Fatalf("%s failed: %s", command[0], errOut.String())
					}
					cpu += processorTime(b) - before
				}
				b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
			})
		}
	}
}

// processorTime is the user and system time the process has taken so far.
func processorTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
