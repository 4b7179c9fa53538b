package kustomize

import "testing"

// TestIsGitRepository pins which entries Kustomize would clone, from the forms its
// remoteBuild documentation and its own tests name.
func TestIsGitRepository(t *testing.T) {
	tests := []struct {
		entry string
		want  bool
	}{
		{"github.com/example/platform//base?ref=v1.2.0", true},
		{"github.com/example/platform/base", true},
		{"GitHub.com:example/platform", true},
		{"git@github.com:example/platform.git//base", true},
		{"git@gitlab.example.com:infra/base.git?ref=v1", true},
		{"ssh://git@git.example.com/platform/base.git?ref=v1", true},
		{"ssh://git@ssh.github.com:443/example/platform.git", true},
		{"https://github.com/example/platform//base?ref=v1", true},
		{"http://git.example.com/org/repo/sub/dir", true},
		{"https://dev.azure.com/org/project/_git/repo/path/to/root", true},
		{"git::https://gitlab.com/org/repo", true},
		{"file:///srv/git/platform.git//base", true},

		{"../base", false},
		{"base", false},
		{"deployment.yaml", false},
		{"/srv/manifests/base", false},
		{"gitlab.com/org/repo", false},                         // no scheme, user or github.com: a local path
		{"github.com", false},                                  // a folder named github.com
		{"git@host", false},                                    // no repository path
		{"ssh://git.example.com", false},                       // no repository path
		{"https://github.com/only", false},                     // one segment is not org/repo
		{"https://github.com/org/repo.git//a/../../up", false}, // leaves the repository
	}
	for _, tt := range tests {
		if got := isGitRepository(tt.entry); got != tt.want {
			t.Errorf("isGitRepository(%q) = %v, want %v", tt.entry, got, tt.want)
		}
	}
}

// TestIsRemoteFile pins which file entries Kustomize would fetch with an HTTP GET.
func TestIsRemoteFile(t *testing.T) {
	tests := []struct {
		entry string
		want  bool
	}{
		{"https://raw.githubusercontent.com/example/platform/v1/deploy.yaml", true},
		{"HTTP://example.com/patch.yaml", true},
		{"http://127.0.0.1:8080/cm.yaml", true},
		{"ftp://example.com/patch.yaml", false},
		{"patch.yaml", false},
		{"github.com/example/platform/patch.yaml", false},
		{"file:///tmp/patch.yaml", false},
	}
	for _, tt := range tests {
		if got := isRemoteFile(tt.entry); got != tt.want {
			t.Errorf("isRemoteFile(%q) = %v, want %v", tt.entry, got, tt.want)
		}
	}
}

// TestShownEntryMasksPassword pins that a token written into a URL does not reach reports.
func TestShownEntryMasksPassword(t *testing.T) {
	if got, want := shownEntry("https://deploy:s3cret@git.example.com/org/repo"), "https://deploy:xxxxx@git.example.com/org/repo"; got != want {
		t.Errorf("shownEntry = %q, want %q", got, want)
	}
	if got, want := shownEntry("git@github.com:org/repo"), "git@github.com:org/repo"; got != want {
		t.Errorf("shownEntry = %q, want %q", got, want)
	}
}
