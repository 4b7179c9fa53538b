package webhook

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writePair writes a new certificate and key for 127.0.0.1 into dir and returns the CA.
func writePair(t *testing.T, dir string) *CertSet {
	t.Helper()
	set, err := NewCertSet(CertRequest{Service: "w", Namespace: "n", IPs: []net.IP{net.IPv4(127, 0, 0, 1)}}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := set.WriteFiles(dir); err != nil {
		t.Fatal(err)
	}
	return set
}

func servedSerial(t *testing.T, c *CertReloader) string {
	t.Helper()
	pair, err := c.GetCertificate(nil)
	if err != nil {
		t.Fatal(err)
	}
	return pair.Leaf.SerialNumber.String()
}

func TestCertReloaderServesTheNewPairAndKeepsTheOldOneWhenTheNewOneIsBad(t *testing.T) {
	dir := t.TempDir()
	writePair(t, dir)
	m := NewMetrics()
	c, err := NewCertReloader(filepath.Join(dir, CertFile), filepath.Join(dir, KeyFile), m, nil)
	if err != nil {
		t.Fatal(err)
	}
	first := servedSerial(t, c)
	c.Reload()
	if servedSerial(t, c) != first || value(m.certReloads.WithLabelValues("ok")) != 0 {
		t.Error("reading unchanged files counted as a reload")
	}
	writePair(t, dir)
	c.Reload()
	second := servedSerial(t, c)
	if second == first || value(m.certReloads.WithLabelValues("ok")) != 1 {
		t.Fatalf("the rotated pair is not served")
	}
	// A certificate whose key is not the one beside it: refused, the pair in force stays.
	other := t.TempDir()
	writePair(t, other)
	cert, _ := os.ReadFile(filepath.Join(other, CertFile))
	if err := os.WriteFile(filepath.Join(dir, CertFile), cert, 0o644); err != nil {
		t.Fatal(err)
	}
	c.Reload()
	if servedSerial(t, c) != second || value(m.certReloads.WithLabelValues("failed")) != 1 {
		t.Error("a mismatched pair replaced the good one, or was not counted as failed")
	}
	if err := os.WriteFile(filepath.Join(dir, KeyFile), []byte(secret), 0o600); err != nil {
		t.Fatal(err)
	}
	c.Reload()
	if servedSerial(t, c) != second || value(m.certReloads.WithLabelValues("failed")) != 2 {
		t.Error("a garbled key replaced the good pair")
	}
}

func TestCertReloaderRefusesAnUnusablePairAtStart(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, CertFile), []byte(secret), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, KeyFile), []byte(secret), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := NewCertReloader(filepath.Join(dir, CertFile), filepath.Join(dir, KeyFile), NewMetrics(), nil)
	if err == nil || strings.Contains(err.Error(), secret) {
		t.Errorf("error %v, want one that does not quote the files", err)
	}
}

// mountedFiles lays files out as the kubelet mounts a ConfigMap or Secret: each name a
// symlink through ..data to a timestamped folder; swap points ..data at a new folder.
type mountedFiles struct {
	dir string
	gen int
}

func (m *mountedFiles) swap(t *testing.T, files map[string]string) {
	t.Helper()
	m.gen++
	ts := filepath.Join(m.dir, "..2026_12_06_"+string(rune('a'+m.gen)))
	if err := os.Mkdir(ts, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(ts, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		link := filepath.Join(m.dir, name)
		if _, err := os.Lstat(link); errors.Is(err, os.ErrNotExist) {
			if err := os.Symlink(filepath.Join("..data", name), link); err != nil {
				t.Fatal(err)
			}
		}
	}
	tmp := filepath.Join(m.dir, "..data_tmp")
	if err := os.Symlink(filepath.Base(ts), tmp); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(m.dir, "..data")); err != nil {
		t.Fatal(err)
	}
}

// waitFor polls cond for up to 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

// namedReviewer is a reviewer that says which configuration built it.
type namedReviewer struct {
	reviewerFunc
	name string
}

func TestConfigReloaderFollowsAConfigMapSwapAndKeepsTheOldConfigWhenTheNewOneIsBad(t *testing.T) {
	m := &mountedFiles{dir: t.TempDir()}
	m.swap(t, map[string]string{"config.yaml": "one"})
	build := func(path string) (*Policy, error) {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		if strings.HasPrefix(string(data), "bad") {
			return nil, errors.New("config.yaml:1:1: a bad configuration")
		}
		return &Policy{Reviewer: namedReviewer{allowAll, string(data)}}, nil
	}
	s, logs := testServer(nil, true)
	r, err := NewConfigReloader(filepath.Join(m.dir, "config.yaml"), build, s, s.log)
	if err != nil {
		t.Fatal(err)
	}
	current := func() string { return s.policy.Load().Reviewer.(namedReviewer).name }
	if current() != "one" {
		t.Fatalf("policy %q, want the first configuration", current())
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- r.Watch(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	time.Sleep(50 * time.Millisecond) // the watch is set up
	m.swap(t, map[string]string{"config.yaml": "two"})
	waitFor(t, "the second configuration", func() bool { return current() == "two" })
	m.swap(t, map[string]string{"config.yaml": "bad " + secret})
	// The refusal is counted, then logged: wait for both.
	waitFor(t, "the bad configuration to be refused", func() bool {
		return value(s.metrics.configReloads.WithLabelValues("failed")) == 1 && strings.Contains(logs.String(), "configuration not reloaded")
	})
	if current() != "two" {
		t.Errorf("policy %q after a bad configuration, want the previous one in force", current())
	}
	if !strings.Contains(logs.String(), "configuration not reloaded") || strings.Contains(logs.String(), secret) {
		t.Errorf("log %s: want the refusal logged without the file's contents", logs)
	}
	m.swap(t, map[string]string{"config.yaml": "three"})
	waitFor(t, "the third configuration", func() bool { return current() == "three" })
	if got := value(s.metrics.configReloads.WithLabelValues("ok")); got != 2 {
		t.Errorf("%v reloads counted ok, want 2", got)
	}
}

func TestCertReloaderFollowsAFileRewrittenInPlace(t *testing.T) {
	dir := t.TempDir()
	writePair(t, dir)
	c, err := NewCertReloader(filepath.Join(dir, CertFile), filepath.Join(dir, KeyFile), NewMetrics(), nil)
	if err != nil {
		t.Fatal(err)
	}
	first := servedSerial(t, c)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = c.Watch(ctx) }()
	time.Sleep(50 * time.Millisecond)
	writePair(t, dir)
	waitFor(t, "the rotated certificate", func() bool { return servedSerial(t, c) != first })
}

// Check that TLSConfig needs no static certificate: the handshake asks GetCertificate.
var _ = TLSConfig(func(*tls.ClientHelloInfo) (*tls.Certificate, error) { return nil, nil })

func TestConfigReloaderFollowsThePoliciesItNames(t *testing.T) {
	configs, policies := &mountedFiles{dir: t.TempDir()}, &mountedFiles{dir: t.TempDir()}
	configs.swap(t, map[string]string{"config.yaml": "policies"})
	policies.swap(t, map[string]string{"a.rego": "one"})
	loose := filepath.Join(t.TempDir(), "loose.rego")
	if err := os.WriteFile(loose, []byte("loose"), 0o644); err != nil {
		t.Fatal(err)
	}
	// The policy is named by what its sources hold, in name order.
	build := func(path string) (*Policy, error) {
		var name []string
		for _, p := range []string{filepath.Join(policies.dir, "a.rego"), filepath.Join(policies.dir, "b.rego"), loose} {
			if data, err := os.ReadFile(p); err == nil {
				name = append(name, string(data))
			}
		}
		return &Policy{Reviewer: namedReviewer{allowAll, strings.Join(name, "+")}, Sources: []string{policies.dir, loose}}, nil
	}
	s, _ := testServer(nil, true)
	r, err := NewConfigReloader(filepath.Join(configs.dir, "config.yaml"), build, s, s.log)
	if err != nil {
		t.Fatal(err)
	}
	current := func() string { return s.policy.Load().Reviewer.(namedReviewer).name }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- r.Watch(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	time.Sleep(50 * time.Millisecond) // the watch is set up
	for _, step := range []struct {
		name   string
		change func()
		want   string
	}{
		{"a policy of a mounted folder edited, the configuration unchanged", func() { policies.swap(t, map[string]string{"a.rego": "two"}) }, "two+loose"},
		{"a policy added to the folder", func() { policies.swap(t, map[string]string{"a.rego": "two", "b.rego": "three"}) }, "two+three+loose"},
		{"a policy file named by the configuration rewritten in place", func() {
			if err := os.WriteFile(loose, []byte("tight"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, "two+three+tight"},
	} {
		step.change()
		waitFor(t, step.name, func() bool { return current() == step.want })
	}
	// Nothing changed: the reload is not done again.
	reloads := value(s.metrics.configReloads.WithLabelValues("ok"))
	r.Reload()
	if got := value(s.metrics.configReloads.WithLabelValues("ok")); got != reloads {
		t.Errorf("%v reloads counted after a reload of unchanged files, want %v", got, reloads)
	}
}

func TestConfigReloaderBuildsAgainAPolicyEditedWhileItWasBuilt(t *testing.T) {
	dir := t.TempDir()
	config, policy := filepath.Join(dir, "config.yaml"), filepath.Join(dir, "policy.rego")
	for path, data := range map[string]string{config: "policies: [policy.rego]", policy: "one"} {
		if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// Builds 2 and 3 read the policy, then someone edits it before the build ends.
	edits := map[int]string{2: "two", 3: "three"}
	builds := 0
	build := func(string) (*Policy, error) {
		builds++
		data, err := os.ReadFile(policy)
		if err != nil {
			return nil, err
		}
		if next, ok := edits[builds]; ok {
			if err := os.WriteFile(policy, []byte(next), 0o644); err != nil {
				return nil, err
			}
		}
		return &Policy{Reviewer: namedReviewer{allowAll, string(data)}, Sources: []string{policy}}, nil
	}
	s, _ := testServer(nil, true)
	r, err := NewConfigReloader(config, build, s, s.log)
	if err != nil {
		t.Fatal(err)
	}
	current := func() string { return s.policy.Load().Reviewer.(namedReviewer).name }
	for _, want := range []string{
		"two",   // edited during the second build of the first load, which named the policy
		"three", // edited during the build of that reload, the sources unchanged
		"three", // nothing changed since
	} {
		r.Reload()
		if current() != want {
			t.Fatalf("policy %q after reload, want %q", current(), want)
		}
	}
	if builds != 4 {
		t.Errorf("%d builds, want 4: twice at the first load, which named new sources, then once per change", builds)
	}
}
