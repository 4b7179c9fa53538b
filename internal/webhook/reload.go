package webhook

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fsnotify/fsnotify"
)

// settle is how long a burst of file events must stay quiet before the files are read
// again: writing a file, or Kubernetes swapping a ConfigMap's files, is several events.
const settle = 100 * time.Millisecond

// resync is how often the files are read again without an event, in case one was missed
// (a watch limit reached, a folder replaced).
const resync = time.Minute

// WatchFiles calls changed after one of the files may have changed, and every minute, until
// ctx ends. It watches the folders that hold the files, not the files: Kubernetes updates a
// mounted ConfigMap or Secret by pointing its ..data symlink at a new folder, so the file's
// own name never sees an event, and an editor replaces a file by renaming another over it.
// changed must itself tell whether the contents differ.
func WatchFiles(ctx context.Context, paths []string, changed func()) error {
	return watchFiles(ctx, func() []string { return paths }, changed)
}

// watchFiles is WatchFiles of a set of paths that may change: paths is asked again after
// each call of changed. A path that is a folder is watched itself, for the files in it.
func watchFiles(ctx context.Context, paths func() []string, changed func()) error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("watching files: %w", err)
	}
	defer w.Close()
	watched := map[string]bool{}
	watch := func() error {
		want := map[string]bool{}
		for _, p := range paths() {
			if info, err := os.Stat(p); err == nil && info.IsDir() {
				want[filepath.Clean(p)] = true
			}
			want[filepath.Dir(p)] = true
		}
		var errs []error
		for dir := range want {
			if watched[dir] {
				continue
			}
			if err := w.Add(dir); err != nil {
				errs = append(errs, fmt.Errorf("watching folder %s: %w", dir, err))
				continue
			}
			watched[dir] = true
		}
		for dir := range watched {
			if !want[dir] {
				_ = w.Remove(dir) // gone already, or no longer named: either way not watched
				delete(watched, dir)
			}
		}
		return errors.Join(errs...)
	}
	if err := watch(); err != nil {
		return err
	}
	timer := time.NewTimer(resync)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case _, ok := <-w.Events:
			if !ok {
				return nil
			}
			timer.Reset(settle)
		case err, ok := <-w.Errors:
			if !ok {
				return nil
			}
			// An overflow loses events, not the watch: read the files again soon.
			_ = err
			timer.Reset(settle)
		case <-timer.C:
			changed()
			// A folder of the new set that cannot be watched yet (a policy folder not
			// made yet) is read again at the next resync.
			_ = watch()
			timer.Reset(resync)
		}
	}
}

// CertReloader serves the current certificate and key of two files, read again when they
// change: a rotated certificate is served from the next handshake on, without dropping a
// connection, and a new pair that does not load (a key that does not match, an expired
// certificate, a file half written) is refused and the old pair kept.
type CertReloader struct {
	certFile, keyFile string
	metrics           *Metrics
	log               *slog.Logger

	current atomic.Pointer[tls.Certificate]
	mu      sync.Mutex
	sum     [sha256.Size]byte
}

// NewCertReloader loads the pair; the first load must succeed.
func NewCertReloader(certFile, keyFile string, m *Metrics, log *slog.Logger) (*CertReloader, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := &CertReloader{certFile: certFile, keyFile: keyFile, metrics: m, log: log}
	if _, err := c.reload(time.Now()); err != nil {
		return nil, err
	}
	return c, nil
}

// GetCertificate is tls.Config.GetCertificate: the pair loaded last.
func (c *CertReloader) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	return c.current.Load(), nil
}

// Reload reads the pair again; when it changed and loads, it is served from now on. A pair
// that does not load is logged and counted, and the old one stays.
func (c *CertReloader) Reload() {
	changed, err := c.reload(time.Now())
	switch {
	case err != nil:
		c.metrics.CertReloaded(false)
		c.log.Error("serving certificate not reloaded, the previous one stays", "error", err.Error())
	case changed:
		c.metrics.CertReloaded(true)
		c.log.Info("serving certificate reloaded", "notAfter", c.current.Load().Leaf.NotAfter.UTC().Format(time.RFC3339))
	}
}

// Watch reloads the pair whenever its files change, until ctx ends.
func (c *CertReloader) Watch(ctx context.Context) error {
	return WatchFiles(ctx, []string{c.certFile, c.keyFile}, c.Reload)
}

func (c *CertReloader) reload(now time.Time) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	certPEM, err := os.ReadFile(c.certFile)
	if err != nil {
		return false, fmt.Errorf("reading the serving certificate: %w", err)
	}
	keyPEM, err := os.ReadFile(c.keyFile)
	if err != nil {
		return false, fmt.Errorf("reading the serving key: %w", err)
	}
	sum := sha256.Sum256(append(append(bytes.Clone(certPEM), 0), keyPEM...))
	if c.current.Load() != nil && sum == c.sum {
		return false, nil
	}
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		// crypto/tls words these errors without the files' contents.
		return false, fmt.Errorf("loading the serving certificate %s (%d bytes) and key %s (%d bytes): %w",
			c.certFile, len(certPEM), c.keyFile, len(keyPEM), err)
	}
	if pair.Leaf == nil {
		if pair.Leaf, err = x509.ParseCertificate(pair.Certificate[0]); err != nil {
			return false, fmt.Errorf("reading the serving certificate %s: %w", c.certFile, err)
		}
	}
	if now.After(pair.Leaf.NotAfter) {
		return false, fmt.Errorf("the serving certificate %s expired on %s", c.certFile, pair.Leaf.NotAfter.UTC().Format(time.RFC3339))
	}
	c.current.Store(&pair)
	c.sum = sum
	return true, nil
}

// ConfigReloader keeps a server's policy built from a configuration file: built again when
// the file changes, and a file that does not build is refused with a log line while the
// policy in force stays.
type ConfigReloader struct {
	path    string
	build   func(path string) (*Policy, error)
	server  *Server
	metrics *Metrics
	log     *slog.Logger

	mu      sync.Mutex
	sum     [sha256.Size]byte
	sources []string // of the policy in force
}

// NewConfigReloader builds the policy from path and sets it on server; this first build
// must succeed.
func NewConfigReloader(path string, build func(string) (*Policy, error), server *Server, log *slog.Logger) (*ConfigReloader, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	r := &ConfigReloader{path: path, build: build, server: server, metrics: server.Metrics(), log: log}
	if _, err := r.reload(); err != nil {
		return nil, err
	}
	return r, nil
}

// Reload builds the policy again if the file changed.
func (r *ConfigReloader) Reload() {
	changed, err := r.reload()
	switch {
	case err != nil:
		r.metrics.ConfigReloaded(false)
		r.log.Error("configuration not reloaded, the previous one stays in force", "file", r.path, "error", err.Error())
	case changed:
		r.metrics.ConfigReloaded(true)
		r.log.Info("configuration reloaded", "file", r.path)
	}
}

// Watch reloads the configuration whenever its file or one of the policies it names
// changes, until ctx ends.
func (r *ConfigReloader) Watch(ctx context.Context) error {
	return watchFiles(ctx, func() []string {
		r.mu.Lock()
		defer r.mu.Unlock()
		return append([]string{r.path}, r.sources...)
	}, r.Reload)
}

func (r *ConfigReloader) reload() (bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	data, err := os.ReadFile(r.path)
	if err != nil {
		return false, fmt.Errorf("reading the configuration: %w", err)
	}
	before := digest(data, r.sources)
	if r.server.policy.Load() != nil && before == r.sum {
		return false, nil
	}
	p, err := r.build(r.path)
	if err != nil {
		return false, err
	}
	// The sum is of the files as they were before the build read them, so that a policy
	// edited during the build is built again. A configuration that names other sources
	// than the one in force is built twice: its sources are summed after the first build
	// names them, then built again from what was summed.
	sources := r.sources
	if p != nil && !slices.Equal(p.Sources, r.sources) {
		sources = slices.Clone(p.Sources)
		before = digest(data, sources)
		if p, err = r.build(r.path); err != nil {
			return false, err
		}
	}
	if p == nil || p.Reviewer == nil {
		return false, errors.New("the configuration built no reviewer")
	}
	r.server.SetPolicy(p)
	r.sources, r.sum = sources, before
	return true, nil
}

// digest sums a configuration and the files of its sources (folders read recursively,
// hidden entries skipped as the policy loader skips them): names and contents, and what
// could not be read, so that a file added, removed or edited changes the sum.
func digest(config []byte, sources []string) [sha256.Size]byte {
	h := sha256.New()
	h.Write(config)
	file := func(p string) {
		fmt.Fprintf(h, "\x00%s\x00", p)
		data, err := os.ReadFile(p)
		if err != nil {
			fmt.Fprintf(h, "unreadable: %v", err)
			return
		}
		fmt.Fprintf(h, "%d\x00", len(data))
		h.Write(data)
	}
	for _, root := range sources {
		if info, err := os.Stat(root); err != nil || !info.IsDir() {
			file(root)
			continue
		}
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			switch {
			case err != nil:
				fmt.Fprintf(h, "\x00%s\x00unreadable: %v", p, err)
			case p != root && strings.HasPrefix(d.Name(), "."):
				if d.IsDir() {
					return filepath.SkipDir
				}
			case !d.IsDir():
				file(p)
			}
			return nil
		})
		if err != nil {
			fmt.Fprintf(h, "\x00%s\x00unreadable: %v", root, err)
		}
	}
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	return sum
}
