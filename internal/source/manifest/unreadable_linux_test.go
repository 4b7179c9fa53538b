//go:build linux

package manifest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/source/manifest"
)

// loadAsUserEnv, when set, makes TestLoadAsOtherUser load the paths it holds (JSON) and print
// what it got, instead of doing nothing: the test binary serves as a loader run as another
// user.
const loadAsUserEnv = "PALISADE_TEST_LOAD_AS_USER"

// nobody is the user the loader runs as when the tests run as root (who may read anything).
const nobody = 65534

type loadOutcome struct {
	Errors   []finding.ScanError
	Objects  []string
	ExitCode int
}

// TestLoadAsOtherUser is not a test of its own: it is the child process of
// TestUnreadableFileAndFolder when the tests run as root.
func TestLoadAsOtherUser(t *testing.T) {
	arg := os.Getenv(loadAsUserEnv)
	if arg == "" {
		return
	}
	var paths []string
	if err := json.Unmarshal([]byte(arg), &paths); err != nil {
		t.Fatal(err)
	}
	out := loadOutcome{ExitCode: scanExitCode(t, paths...)}
	res := manifest.Load(context.Background(), paths, manifest.Options{})
	out.Errors, out.Objects = res.Errors, names(res.Inventory.Objects())
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		t.Fatal(err)
	}
}

// TestUnreadableFileAndFolder loads a folder holding a file and a folder that cannot be read
// for lack of permission. Root may read anything, so as root the load runs in a child process
// of this test binary with the identity of nobody: the permission error path is exercised
// either way.
func TestUnreadableFileAndFolder(t *testing.T) {
	tests := []struct {
		name string
		// make creates the unreadable entry in dir and returns its path.
		make  func(t *testing.T, dir string) string
		cause string
	}{
		{"a file without read permission", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "locked.yaml")
			writeMode(t, p, configMap("never-read"), 0o000)
			return p
		}, "cannot read: permission denied"},
		{"a folder without read permission", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "locked")
			if err := os.Mkdir(p, 0o755); err != nil {
				t.Fatal(err)
			}
			writeMode(t, filepath.Join(p, "inside.yaml"), configMap("never-read"), 0o644)
			if err := os.Chmod(p, 0o000); err != nil {
				t.Fatal(err)
			}
			return p
		}, "cannot read folder: permission denied"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := worldReadableDir(t)
			writeMode(t, filepath.Join(dir, "good.yaml"), goodObject, 0o644)
			bad := tt.make(t, dir)
			out := loadAsUnprivileged(t, dir)
			assertOneError(t, out.Errors, bad, 0, tt.cause)
			if len(out.Objects) != 1 || out.Objects[0] != "good" {
				t.Errorf("objects %v, want the good file's", out.Objects)
			}
			if out.ExitCode != 2 {
				t.Errorf("exit code %d, want 2", out.ExitCode)
			}
		})
	}
}

func writeMode(t *testing.T, path, data string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}

// worldReadableDir makes a folder that any user may enter (t.TempDir's parent is private to
// its owner), removed when the test ends: in the system's temporary folder, or in /tmp when
// that one (a TMPDIR of mode 0700, say) is closed to other users.
func worldReadableDir(t *testing.T) string {
	t.Helper()
	parent := ""
	if !othersMayEnter(os.TempDir()) {
		if !othersMayEnter("/tmp") {
			t.Fatalf("neither TMPDIR (%s) nor /tmp may be entered by other users: user %d cannot reach the files this test makes", os.TempDir(), nobody)
		}
		parent = "/tmp"
	}
	dir, err := os.MkdirTemp(parent, "palisade-unreadable-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// Give back the permissions taken away, so that the folder can be removed.
		_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			_ = os.Chmod(p, 0o755)
			return nil
		})
		_ = os.RemoveAll(dir)
	})
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// othersMayEnter reports whether a user other than the owner may enter dir: it and every
// folder above it let others search them.
func othersMayEnter(dir string) bool {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return false
	}
	for {
		fi, err := os.Stat(dir)
		if err != nil || !fi.IsDir() || fi.Mode().Perm()&0o001 == 0 {
			return false
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return true
		}
		dir = parent
	}
}

// loadAsUnprivileged loads dir as the current user, or, as root, as nobody in a child process.
func loadAsUnprivileged(t *testing.T, dir string) loadOutcome {
	t.Helper()
	if os.Geteuid() != 0 {
		res := manifest.Load(context.Background(), []string{dir}, manifest.Options{})
		return loadOutcome{Errors: res.Errors, Objects: names(res.Inventory.Objects()), ExitCode: scanExitCode(t, dir)}
	}
	// The test binary lives in a folder only root may enter: copy it where nobody can run it.
	exe := copyExecutable(t)
	arg, err := json.Marshal([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^TestLoadAsOtherUser$", "-test.count=1")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), loadAsUserEnv+"="+string(arg))
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("running the loader as user %d: %v\n%s%s", nobody, err, stdout.Bytes(), stderr.Bytes())
	}
	var out loadOutcome
	// The outcome is the first line; the test framework prints PASS after it.
	line, _, _ := bytes.Cut(stdout.Bytes(), []byte("\n"))
	if err := json.Unmarshal(line, &out); err != nil {
		t.Fatalf("reading the child's outcome: %v\n%s", err, stdout.Bytes())
	}
	return out
}

func copyExecutable(t *testing.T) string {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	in, err := os.Open(self)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	exe := filepath.Join(worldReadableDir(t), "manifest.test")
	out, err := os.OpenFile(exe, os.O_CREATE|os.O_WRONLY, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	return exe
}
