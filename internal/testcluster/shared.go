package testcluster

import (
	"context"
	"flag"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"palisade.dev/palisade/internal/testprereq"
)

// startTimeout bounds starting a cluster for a test, the build of the programs excepted.
const startTimeout = 3 * time.Minute

// Shared is the one cluster of a test package. The package declares it with its options
// and runs its tests through Main; each test that needs the cluster gets it from Require:
//
//	var cluster = testcluster.Shared{Options: testcluster.Options{Kubelet: true}}
//
//	func TestMain(m *testing.M) { os.Exit(cluster.Main(m)) }
//
//	func TestSomething(t *testing.T) {
//		c := cluster.Require(t)
//		ns := c.NewNamespace(t)
//		...
//	}
//
// Main builds the programs when they are missing, before the tests and so outside their
// -timeout (but go test still kills a test binary one minute after -timeout: a first build
// takes about 10 minutes, so CI should run hack/testbin/build.sh beforehand). The cluster
// starts with the first Require, so that a run selecting no such test costs nothing, and
// Main stops it after the tests.
//
// When the cluster cannot be had, Require skips the test, or fails it when the environment
// variable CI is "true": in CI a missing cluster is an error, never a reason to test less.
// A test that panics kills the test process, and the kernel then kills the cluster's
// processes (Linux), leaving only its folder behind.
type Shared struct {
	Options Options

	bins     binaries
	binsErr  error
	once     sync.Once
	mu       sync.Mutex
	cluster  *Cluster
	startErr error
}

// Main builds the programs if needed, runs the tests and stops the cluster; its result is
// the exit code for os.Exit.
func (s *Shared) Main(m *testing.M) int {
	// The flags first: a Logf that asks testing.Verbose, called while the programs build
	// (before m.Run), would otherwise panic.
	if !flag.Parsed() {
		flag.Parse()
	}
	logf := s.Options.Logf
	if logf == nil {
		// A build can take minutes: say so rather than hang silently.
		logf = func(format string, args ...any) { fmt.Fprintf(os.Stderr, format+"\n", args...) }
	}
	s.bins, s.binsErr = findBinaries(context.Background(), logf)
	if s.binsErr != nil {
		fmt.Fprintf(os.Stderr, "testcluster: no test cluster for this package: %v\n", s.binsErr)
	}
	code := m.Run()
	s.mu.Lock()
	c := s.cluster
	s.mu.Unlock()
	if c != nil {
		if err := c.Stop(); err != nil {
			fmt.Fprintf(os.Stderr, "testcluster: stopping the cluster: %v\n", err)
			if code == 0 {
				code = 1
			}
		}
	}
	return code
}

// Require returns the package's cluster, starting it on first use; when it cannot be had it
// skips t, or fails t in CI (CI=true).
func (s *Shared) Require(t testing.TB) *Cluster {
	t.Helper()
	s.once.Do(func() {
		err := s.binsErr
		if err == nil && !s.bins.present() {
			err = fmt.Errorf("testcluster.Shared.Require called without Shared.Main in TestMain")
		}
		var c *Cluster
		if err == nil {
			ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
			defer cancel()
			c, err = Start(ctx, s.Options)
		}
		s.mu.Lock()
		s.cluster, s.startErr = c, err
		s.mu.Unlock()
	})
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.startErr != nil {
		unavailable(t, s.startErr)
	}
	return s.cluster
}

// New starts a cluster of its own for one test, with options the package's shared cluster
// does not have, and stops it when the test ends. When the cluster cannot be had it skips
// t, or fails t in CI, as Shared.Require does.
func New(t testing.TB, opts Options) *Cluster {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	if opts.Logf == nil {
		opts.Logf = t.Logf
	}
	c, err := Start(ctx, opts)
	if err != nil {
		unavailable(t, err)
	}
	t.Cleanup(func() {
		if err := c.Stop(); err != nil {
			t.Errorf("stopping the test cluster: %v", err)
		}
	})
	return c
}

// unavailable ends a test that needs a cluster it cannot have.
func unavailable(t testing.TB, err error) {
	t.Helper()
	testprereq.Missing(t, "test cluster", err)
}

var notNameChars = regexp.MustCompile(`[^a-z0-9-]+`)

// NewNamespace creates a namespace named after the test, with what kube-controller-manager
// would add to it: a "default" ServiceAccount (without which the ServiceAccount admission
// plugin rejects Pods) and the "kube-root-ca.crt" ConfigMap (without which the kubelet cannot
// mount a Pod's service account token). It is left in place: without the namespace
// controller a deleted namespace would only stay Terminating.
func (c *Cluster) NewNamespace(t testing.TB) string {
	t.Helper()
	name := notNameChars.ReplaceAllString(strings.ToLower(t.Name()), "-")
	if len(name) > 50 {
		name = name[:50]
	}
	name = strings.Trim(name, "-") + "-" + randomToken()[:6]
	ctx := context.Background()
	core := c.Client(Admin).CoreV1()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if _, err := core.Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil {
		t.Fatalf("creating namespace %s: %v", name, err)
	}
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default"}}
	if _, err := core.ServiceAccounts(name).Create(ctx, sa, metav1.CreateOptions{}); err != nil {
		t.Fatalf("creating ServiceAccount default in namespace %s: %v", name, err)
	}
	ca := &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "kube-root-ca.crt"},
		Data:       map[string]string{"ca.crt": string(c.caPEM)},
	}
	if _, err := core.ConfigMaps(name).Create(ctx, ca, metav1.CreateOptions{}); err != nil {
		t.Fatalf("creating ConfigMap kube-root-ca.crt in namespace %s: %v", name, err)
	}
	return name
}
