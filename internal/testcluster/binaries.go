package testcluster

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// productModule is the module whose root holds hack/testbin.
const productModule = "palisade.dev/palisade"

// binaries are the paths of the programs a cluster runs.
type binaries struct {
	etcd, apiserver, controllerManager, kubemark string
}

// repoRoot walks up from the working directory to the folder whose go.mod declares the
// product module (the one holding hack/testbin/build.sh).
func repoRoot() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("finding the repository root: %w", err)
	}
	for dir := wd; ; {
		if module(filepath.Join(dir, "go.mod")) == productModule {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("finding the repository root: no go.mod of module %s above %s", productModule, wd)
		}
		dir = parent
	}
}

// module is the module path a go.mod declares, or "" when the file is missing or has none.
func module(goMod string) string {
	f, err := os.Open(goMod)
	if err != nil {
		return ""
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(s.Text()), "module "); ok {
			return strings.TrimSpace(strings.Trim(strings.TrimSpace(rest), `"`))
		}
	}
	return ""
}

// findBinaries returns the programs from the cache folder of hack/testbin/build.sh, building
// them first when any is missing. Concurrent test processes wait for one another's build
// through a lock file in the cache folder, so only one of them compiles.
func findBinaries(ctx context.Context, logf func(string, ...any)) (binaries, error) {
	root, err := repoRoot()
	if err != nil {
		return binaries{}, err
	}
	script := filepath.Join(root, "hack", "testbin", "build.sh")
	out, err := runScript(ctx, script, "--dir")
	if err != nil {
		return binaries{}, err
	}
	dir := lastLine(out)
	if dir == "" {
		return binaries{}, fmt.Errorf("running %s --dir: printed no folder", script)
	}
	bins := binaries{
		etcd:              filepath.Join(dir, "etcd"),
		apiserver:         filepath.Join(dir, "kube-apiserver"),
		controllerManager: filepath.Join(dir, "kube-controller-manager"),
		kubemark:          filepath.Join(dir, "kubemark"),
	}
	if bins.present() {
		return bins, nil
	}

	if err := os.MkdirAll(dir, 0o755); err != nil {
		return binaries{}, fmt.Errorf("creating the test binaries folder: %w", err)
	}
	unlock, err := lockFile(ctx, filepath.Join(dir, ".build.lock"), logf)
	if err != nil {
		return binaries{}, err
	}
	defer unlock()
	if bins.present() { // another process built them while we waited
		return bins, nil
	}
	logf("testcluster: building etcd, kube-apiserver, kube-controller-manager and kubemark into %s (a first build takes about 10 minutes)", dir)
	start := time.Now()
	if _, err := runScript(ctx, script); err != nil {
		return binaries{}, err
	}
	if !bins.present() {
		return binaries{}, fmt.Errorf("running %s: finished without building all of etcd, kube-apiserver, kube-controller-manager and kubemark in %s", script, dir)
	}
	logf("testcluster: built the test binaries in %s", time.Since(start).Round(time.Second))
	return bins, nil
}

func (b binaries) present() bool {
	for _, p := range []string{b.etcd, b.apiserver, b.controllerManager, b.kubemark} {
		fi, err := os.Stat(p)
		if err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
			return false
		}
	}
	return true
}

// runScript runs a bash script and returns its standard output; its error carries the tail
// of what the script printed.
func runScript(ctx context.Context, script string, args ...string) (string, error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "bash", append([]string{script}, args...)...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("running %s %s: %w\n%s", script, strings.Join(args, " "), err,
			tail(stderr.String()+stdout.String(), 40))
	}
	return stdout.String(), nil
}

// lockFile takes an exclusive flock on path, polling so that ctx can end the wait.
func lockFile(ctx context.Context, path string, logf func(string, ...any)) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("opening the build lock %s: %w", path, err)
	}
	for waited := false; ; waited = true {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() {
				_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
				f.Close()
			}, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			return nil, fmt.Errorf("locking %s: %w", path, err)
		}
		if !waited {
			logf("testcluster: waiting for another process building the test binaries (lock %s)", path)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("waiting for the build lock %s: %w", path, ctx.Err())
		case <-time.After(time.Second):
		}
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// tail is the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
