package testcluster

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestModuleReadsTheModulePathOfAGoMod(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ content, want string }{
		{"module palisade.dev/palisade\n\ngo 1.26\n", "palisade.dev/palisade"},
		{"// comment\nmodule \"palisade.dev/palisade/hack/testbin\"\n", "palisade.dev/palisade/hack/testbin"},
		{"go 1.26\n", ""},
	} {
		p := filepath.Join(dir, "go.mod")
		if err := os.WriteFile(p, []byte(tc.content), 0o644); err != nil {
			t.Fatal(err)
		}
		if got := module(p); got != tc.want {
			t.Errorf("module(%q) = %q, want %q", tc.content, got, tc.want)
		}
	}
	if got := module(filepath.Join(dir, "missing")); got != "" {
		t.Errorf("module of a missing file = %q, want empty", got)
	}
}

func TestRepoRootIsTheProductModule(t *testing.T) {
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "hack", "testbin", "build.sh")); err != nil {
		t.Errorf("repo root %s has no hack/testbin/build.sh: %v", root, err)
	}
}

func TestBuildLockIsExclusiveAcrossOpenFiles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lock")
	logf := func(string, ...any) {}
	unlock, err := lockFile(context.Background(), path, logf)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	if _, err := lockFile(ctx, path, logf); err == nil || !strings.Contains(err.Error(), "deadline") {
		t.Fatalf("second lock while held: %v, want a deadline error", err)
	}
	unlock()
	unlock2, err := lockFile(context.Background(), path, logf)
	if err != nil {
		t.Fatalf("lock after unlock: %v", err)
	}
	unlock2()
}

func TestTokenFileGivesEachUserItsGroups(t *testing.T) {
	c := &Cluster{Dir: t.TempDir(), tokens: map[string]string{}}
	path, err := c.writeTokenFile(Options{Kubelet: true, ControllerManager: true})
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		Admin:                          `,admin,admin,"system:masters"`,
		User:                           `,user,user`,
		Auditor:                        `,auditor,auditor`,
		"system:node:testcluster-node": `,system:node:testcluster-node,system:node:testcluster-node,"system:nodes"`,
		ControllerManagerUser:          `,testcluster-controller-manager,testcluster-controller-manager,"system:masters"`,
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) != len(want) {
		t.Fatalf("token file has %d lines, want %d:\n%s", len(lines), len(want), data)
	}
	for user, rest := range want {
		line := c.Token(user) + rest
		if len(c.Token(user)) != 32 || !strings.Contains(string(data), line+"\n") {
			t.Errorf("token file lacks line %q:\n%s", line, data)
		}
	}
}

func FuzzModule(f *testing.F) {
	f.Add("module palisade.dev/palisade\n")
	f.Add("module \"x\"\ngo 1.2\n")
	f.Add("\n\nmodule   \n")
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, content string) {
		p := filepath.Join(dir, "go.mod")
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		got := module(p)
		if got != strings.TrimSpace(got) || strings.Contains(got, "\n") {
			t.Errorf("module(%q) = %q: not one trimmed line", content, got)
		}
	})
}
