// Command gencorpus writes the deterministic corpus of Kubernetes manifests that Palisade's
// benchmarks scan (package internal/testcorpus), and prints its summary to standard error.
//
// Usage: go run ./hack/gencorpus [-seed S] [-cached] N DIR
//
// With -cached, a DIR that already holds the corpus of N objects and seed S is left as it is.
package main

import (
	"flag"
	"fmt"
	"os"
	"strconv"

	"palisade.dev/palisade/internal/testcorpus"
)

func main() {
	seed := flag.Uint64("seed", 1, "seed of the corpus")
	cached := flag.Bool("cached", false, "keep DIR when it already holds this corpus")
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(), "usage: gencorpus [-seed S] [-cached] N DIR")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 2 {
		flag.Usage()
		os.Exit(2)
	}
	n, err := strconv.Atoi(flag.Arg(0))
	if err != nil || n < 0 {
		fmt.Fprintf(os.Stderr, "error: object count %q: not a non-negative number\n", flag.Arg(0))
		os.Exit(2)
	}
	dir := flag.Arg(1)
	if *cached {
		if err := testcorpus.Ensure(dir, n, *seed); err != nil {
			fmt.Fprintf(os.Stderr, "error: generating the corpus in %s: %v\n", dir, err)
			os.Exit(1)
		}
		return
	}
	sum, err := testcorpus.Generate(dir, n, *seed)
	if err != nil {
		fmt.Fprintf(os.Stderr, "error: generating the corpus in %s: %v\n", dir, err)
		os.Exit(1)
	}
	fmt.Fprint(os.Stderr, sum)
}
