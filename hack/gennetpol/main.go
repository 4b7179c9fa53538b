// Command gennetpol writes the deterministic cluster the NetworkPolicy reachability engine is
// benchmarked on (package internal/netpol/netpolcorpus) as one manifest file: N pods in N/10
// namespaces with N/5 NetworkPolicies; with -admin M, also M AdminNetworkPolicies and a
// BaselineAdminNetworkPolicy.
//
// Usage: go run ./hack/gennetpol [-admin M] N FILE
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"strconv"

	"sigs.k8s.io/yaml"

	"palisade.dev/palisade/internal/netpol/netpolcorpus"
)

func main() {
	admin := flag.Int("admin", 0, "AdminNetworkPolicies to add, with a baseline (0: none)")
	flag.Parse()
	if flag.NArg() != 2 || *admin < 0 {
		fmt.Fprintln(os.Stderr, "usage: gennetpol [-admin M] N FILE")
		os.Exit(2)
	}
	n, err := strconv.Atoi(flag.Arg(0))
	if err != nil || n < 1 {
		fmt.Fprintf(os.Stderr, "error: pod count of %d bytes: not a positive number\n", len(flag.Arg(0)))
		os.Exit(2)
	}
	c := netpolcorpus.Generate(n)
	if *admin > 0 {
		netpolcorpus.AddAdminPolicies(c, *admin)
	}
	if err := write(flag.Arg(1), c); err != nil {
		fmt.Fprintf(os.Stderr, "error: writing %s: %v\n", flag.Arg(1), err)
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
	for i := range c.AdminPolicies {
		objs = append(objs, &c.AdminPolicies[i])
	}
	if c.Baseline != nil {
		objs = append(objs, c.Baseline)
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
