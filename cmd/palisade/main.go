// Command palisade finds and stops insecure Kubernetes configuration. It only builds the root
// command; everything else lives in internal/cli.
package main

import (
	"context"
	"log"
	"os"
	"os/signal"
	"syscall"

	"palisade.dev/palisade/internal/cli"
)

func main() {
	// Libraries Palisade renders charts with (Helm) print their warnings through the standard
	// logger; on stderr they read like Palisade's own lines, without a timestamp.
	log.SetFlags(0)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Execute(ctx, os.Args[1:], cli.Streams{In: os.Stdin, Out: os.Stdout, Err: os.Stderr})
	stop()
	os.Exit(code)
}
