// Command gennetpol writes the deterministic cluster the NetworkPolicy reachability engine is
// benchmarked on (package internal/netpol/netpolcorpus) as one manifest file: N pods in N/10
// namespaces with N/5 NetworkPolicies.
//
// Usage: go run ./hack/gennetpol N FILE
package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"

	"sigs.k8s.io/yaml"

	"palisade.dev/palisade/internal/netpol/netpolcorpus"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: gennetpol N FILE")
		os.Exit(2)
	}
	n, err := strconv.Atoi(os.Args[1])
	if err != nil || n < 1 {
		fmt.Fprintf(os.Stderr, "error: pod count of %d bytes: not a positive number\n", len(os.Args[1]))
		os.Exit(2)
	}
	if err := write(os.Args[2], netpolcorpus.Generate(n)); err != nil {
		fmt.Fprintf(os.Stderr, "error: writing %s: %v\n", os.Args[2], err)
		os.Exit(1)
	}
}

func write(path string, c *netpolcorpus.Corpus) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	var objs []any
	for i := range c.Namespaces {
		objs = append(objs, &c.Namespaces[i])
	}
	for i := range c.Pods {
		objs = append(objs, &c.Pods[i])
	}
	for i := range c.Policies {
		objs = append(objs, &c.Policies[i])
	}
	for _, o := range objs {
		b, err := yaml.Marshal(o)
		if err != nil {
			f.Close()
			return err
		}
		w.WriteString("---\n")
		w.Write(b)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
