// Command palisade finds and stops insecure Kubernetes configuration. It only builds the root
// command; everything else lives in internal/cli.
package main

import (
	"context"
	"log"
	"os"
	"os/signal"
	"syscall"
	"time"

	"palisade.dev/palisade/internal/cli"
	"palisade.dev/palisade/internal/heap"
)

func main() {
	// Libraries Palisade renders charts with (Helm) print their warnings through the standard
	// logger; on stderr they read like Palisade's own lines, without a timestamp.
	log.SetFlags(0)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// The policy is worked out beside the command: a scan's walks the folders it names.
	go func() { heap.Bound(ctx, cli.HeapPolicy(os.Args[1:]), 50*time.Millisecond) }()
	code := cli.Execute(ctx, os.Args[1:], cli.Streams{In: os.Stdin, Out: os.Stdout, Err: os.Stderr})
	stop()
	os.Exit(code)
}
