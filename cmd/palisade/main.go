// Command palisade finds and stops insecure Kubernetes configuration. It only builds the root
// command; everything else lives in internal/cli.
package main

import (
	"context"
	"log"
	"os"
	"os/signal"
	"runtime/debug"
	"runtime/metrics"
	"syscall"
	"time"

	"palisade.dev/palisade/internal/cli"
)

func main() {
	// Libraries Palisade renders charts with (Helm) print their warnings through the standard
	// logger; on stderr they read like Palisade's own lines, without a timestamp.
	log.SetFlags(0)
	if os.Getenv("GOMEMLIMIT") == "" {
		go boundHeap(memoryTarget)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Execute(ctx, os.Args[1:], cli.Streams{In: os.Stdin, Out: os.Stdout, Err: os.Stderr})
	stop()
	os.Exit(code)
}

// memoryTarget is the heap a scan tries to stay within (unless GOMEMLIMIT says otherwise). A
// scan's live data grows with its input (findings, and the identity of every object), and with
// the default GOGC the heap may reach twice that; within this target a 100,000-object scan
// stays under 600 MB of memory for a little more collection work.
const memoryTarget = 480 << 20

// boundHeap sets a soft memory limit of target, raised to half again the live heap whenever
// that is more: an input whose live data alone nears the target then gets more room instead of
// a collector running without pause. It runs for the life of the process.
func boundHeap(target int64) {
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	limit := target
	debug.SetMemoryLimit(limit)
	for range time.Tick(50 * time.Millisecond) {
		metrics.Read(sample)
		if sample[0].Value.Kind() != metrics.KindUint64 {
			return
		}
		if want := max(target, int64(sample[0].Value.Uint64())*3/2); want != limit {
			limit = want
			debug.SetMemoryLimit(limit)
		}
	}
}
