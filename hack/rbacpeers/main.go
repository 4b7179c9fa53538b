// Command rbacpeers times `palisade rbac who-can get secrets -A` beside other RBAC tools
// that read a live cluster (rbac-tool's and kubectl-who-can's who-can), on the same objects: it starts the test
// cluster (etcd, kube-apiserver and kube-controller-manager on loopback, as the tests do),
// creates the RBAC objects of each manifest folder given, then runs each tool once, as the
// cluster's admin, under /usr/bin/time, and prints wall time, peak memory and the number of
// lines each printed.
//
// Usage:
//
//	go test -run '^$' -bench BenchmarkFromFiles ./internal/rbac -rbac.keep=DIR
//	go run ./hack/rbacpeers -peer rbac-tool=PATH -peer kubectl-who-can=PATH DIR/bindings-1000 DIR/bindings-10000
//
// The folders are those the rbac benchmarks write with -rbac.keep. Loading takes about a
// minute per 10,000 objects on two cores; the cluster is removed at the end.
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"palisade.dev/palisade/internal/rbac"
	"palisade.dev/palisade/internal/source/manifest"
	"palisade.dev/palisade/internal/testcluster"
)

// peers are the other tools to run, by name, each with its path.
type peers map[string]string

func (p peers) String() string { return fmt.Sprint(map[string]string(p)) }

func (p peers) Set(v string) error {
	name, path, ok := strings.Cut(v, "=")
	if !ok || name == "" || path == "" {
		return errors.New("want NAME=PATH")
	}
	if _, known := peerArgs[name]; !known {
		return fmt.Errorf("unknown peer %q (known: rbac-tool, kubectl-who-can)", name)
	}
	p[name] = path
	return nil
}

// peerArgs are each peer's arguments for who-can get secrets in every namespace, given the
// kubeconfig context to use.
var peerArgs = map[string]func(context string) []string{
	"rbac-tool":       func(ctx string) []string { return []string{"who-can", "get", "secrets", "--cluster-context", ctx} },
	"kubectl-who-can": func(ctx string) []string { return []string{"get", "secrets", "-A", "--context", ctx} },
}

func main() {
	ps := peers{}
	flag.Var(ps, "peer", "another tool to time, as NAME=PATH (repeatable; known: rbac-tool, kubectl-who-can)")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: rbacpeers [-peer NAME=PATH]... MANIFEST-DIR...")
		os.Exit(2)
	}
	if err := run(ps, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "rbacpeers:", err)
		os.Exit(1)
	}
}

func run(ps peers, dirs []string) error {
	tools, err := os.MkdirTemp("", "rbacpeers-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tools)
	palisade := filepath.Join(tools, "palisade")
	if out, err := exec.Command("go", "build", "-o", palisade, "./cmd/palisade").CombinedOutput(); err != nil {
		return fmt.Errorf("building palisade: %v: %s", err, out)
	}
	fmt.Printf("%-22s %-16s %9s %10s %8s\n", "input", "tool", "seconds", "peak-MiB", "lines")
	for _, dir := range dirs {
		if err := compare(ps, palisade, dir); err != nil {
			return fmt.Errorf("%s: %w", dir, err)
		}
	}
	return nil
}

// compare loads one folder into a fresh cluster and times every tool on it.
func compare(ps peers, palisade, dir string) error {
	ctx := context.Background()
	c, err := testcluster.Start(ctx, testcluster.Options{ControllerManager: true})
	if err != nil {
		return fmt.Errorf("starting the test cluster: %w", err)
	}
	defer c.Stop()
	objs, err := read(dir)
	if err != nil {
		return err
	}
	start := time.Now()
	if err := load(ctx, c.Client(testcluster.Admin), objs); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "loaded %d objects from %s in %s\n", objs.Len(), dir, time.Since(start).Round(time.Second))
	env := append(os.Environ(), "KUBECONFIG="+c.Kubeconfig())
	runs := map[string][]string{"palisade": {palisade, "rbac", "who-can", "get", "secrets", "-A", "--kubeconfig", c.Kubeconfig(), "--context", testcluster.Admin}}
	order := []string{"palisade"}
	for _, name := range slices.Sorted(maps.Keys(ps)) {
		runs[name] = append([]string{ps[name]}, peerArgs[name](testcluster.Admin)...)
		order = append(order, name)
	}
	for _, name := range order {
		secs, kib, lines, err := timed(env, runs[name])
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		fmt.Printf("%-22s %-16s %9.2f %10.0f %8d\n", filepath.Base(dir), name, secs, kib/1024, lines)
	}
	return nil
}

// read loads the RBAC objects of a folder of manifests.
func read(dir string) (*rbac.Objects, error) {
	res := manifest.Load(context.Background(), []string{dir}, manifest.Options{})
	if len(res.Errors) > 0 {
		return nil, fmt.Errorf("reading the manifests: %d documents could not be read, the first: %v", len(res.Errors), res.Errors[0])
	}
	objs := &rbac.Objects{}
	for _, o := range res.Inventory.Objects() {
		objs.AddInventory(o)
	}
	return objs, nil
}

// load creates the objects, namespaces first, on a few connections at once.
func load(ctx context.Context, cs kubernetes.Interface, objs *rbac.Objects) error {
	namespaces := map[string]bool{}
	for _, r := range objs.Roles {
		namespaces[r.Namespace] = true
	}
	for _, b := range objs.RoleBindings {
		namespaces[b.Namespace] = true
	}
	var creates []func() error
	for ns := range namespaces {
		creates = append(creates, func() error {
			_, err := cs.CoreV1().Namespaces().Create(ctx, namespace(ns), metav1.CreateOptions{})
			return err
		})
	}
	if err := parallel(creates); err != nil {
		return fmt.Errorf("creating namespaces: %w", err)
	}
	creates = creates[:0]
	rb := cs.RbacV1()
	for _, r := range objs.ClusterRoles {
		creates = append(creates, func() error { _, err := rb.ClusterRoles().Create(ctx, r, metav1.CreateOptions{}); return err })
	}
	for _, r := range objs.Roles {
		creates = append(creates, func() error { _, err := rb.Roles(r.Namespace).Create(ctx, r, metav1.CreateOptions{}); return err })
	}
	for _, b := range objs.ClusterRoleBindings {
		creates = append(creates, func() error {
			_, err := rb.ClusterRoleBindings().Create(ctx, b, metav1.CreateOptions{})
			return err
		})
	}
	for _, b := range objs.RoleBindings {
		creates = append(creates, func() error {
			_, err := rb.RoleBindings(b.Namespace).Create(ctx, b, metav1.CreateOptions{})
			return err
		})
	}
	if err := parallel(creates); err != nil {
		return fmt.Errorf("creating RBAC objects: %w", err)
	}
	return nil
}

// parallel runs fs on 8 goroutines and returns the first error.
func parallel(fs []func() error) error {
	work := make(chan func() error)
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	for range 8 {
		wg.Go(func() {
			for f := range work {
				if err := f(); err != nil {
					mu.Lock()
					first = cmp.Or(first, err)
					mu.Unlock()
				}
			}
		})
	}
	for _, f := range fs {
		work <- f
	}
	close(work)
	wg.Wait()
	return first
}

// timed runs a command under /usr/bin/time and returns its wall time, peak memory (KiB) and
// how many lines it printed. Exit status 1 (an answer of "no") is not an error.
func timed(env, args []string) (secs, kib float64, lines int, err error) {
	stats, err := os.CreateTemp("", "rbacpeers-time-")
	if err != nil {
		return 0, 0, 0, err
	}
	defer os.Remove(stats.Name())
	stats.Close()
	cmd := exec.Command("/usr/bin/time", append([]string{"-o", stats.Name(), "-f", "%e %M"}, args...)...)
	cmd.Env = env
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var exit *exec.ExitError
	if err != nil && !(errors.As(err, &exit) && exit.ExitCode() == 1) {
		return 0, 0, 0, fmt.Errorf("%v: %s", err, strings.TrimSpace(stderr.String()))
	}
	data, err := os.ReadFile(stats.Name())
	if err != nil {
		return 0, 0, 0, err
	}
	f := strings.Fields(string(data))
	if len(f) < 2 {
		return 0, 0, 0, fmt.Errorf("/usr/bin/time wrote %d fields", len(f))
	}
	fmt.Sscan(f[len(f)-2], &secs)
	fmt.Sscan(f[len(f)-1], &kib)
	return secs, kib, strings.Count(string(out), "\n"), nil
}

func namespace(name string) *corev1.Namespace {
	return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
}
