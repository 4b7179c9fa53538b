package kustomize

import (
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
)

// Which entries of a kustomization Kustomize fetches rather than reads from disk. Kustomize
// keeps its own rules in internal packages (api/internal/loader, api/internal/git) that cannot
// be imported, so they are restated here, read from kustomize/api v0.21.2 and the rules it
// documents in examples/remoteBuild.md
// (https://github.com/kubernetes-sigs/kustomize/blob/master/examples/remoteBuild.md):
//
//   - A file (a resource, a patch, a generator's file, a CRD ...) is fetched with an HTTP GET
//     when its URL has the scheme http or https (FileLoader.Load).
//   - A kustomization root (a resource or base that is not a file, a component) is cloned with
//     git when it reads as a repository URL (FileLoader.New, git.NewRepoSpecFromURL): an
//     ssh://, https://, http:// or file:// URL, an scp-like user@host:path, or a path that
//     starts with github.com/ or github.com:, each with a repository path Kustomize can split
//     from the folder inside it.

// isRemoteFile reports whether Kustomize fetches entry over HTTP when it loads it as a file.
func isRemoteFile(entry string) bool {
	u, err := url.Parse(entry)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https")
}

// gitSchemes are the URL schemes Kustomize hands to git clone. file:// is among them: it
// reads a repository on this disk, but git then follows the repository's submodules wherever
// they point.
var gitSchemes = []string{"ssh://", "https://", "http://", "file://"}

// gitUser is the user part of an scp-like URL (git@host:org/repo).
var gitUser = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9-]*@`)

// isGitRepository reports whether Kustomize clones entry with git when it loads it as a
// kustomization root.
func isGitRepository(entry string) bool {
	if filepath.IsAbs(entry) {
		return false
	}
	rest, _, _ := strings.Cut(entry, "?") // the query holds ref, timeout and submodules
	rest, _ = cutPrefixFold(rest, "git::")
	scheme := ""
	for _, s := range gitSchemes {
		if r, ok := cutPrefixFold(rest, s); ok {
			scheme, rest = s, r
			break
		}
	}
	user := gitUser.FindString(rest)
	rest = rest[len(user):]
	github := hasPrefixFold(rest, "github.com/") || hasPrefixFold(rest, "github.com:")
	scpLike := scheme == "" && (user != "" || github)
	if scheme == "" && !scpLike {
		return false
	}
	if scheme == "file://" {
		// Everything after file:// is the path; without a marker all of it is the repository.
		return splitsIntoRepository(user+rest, true)
	}
	sep := strings.Index(rest, "/")
	if scpLike {
		// In user@host:org/repo the colon ends the host, unless a slash comes first.
		if c := strings.Index(rest, ":"); c > 0 && (sep < 0 || c < sep) {
			sep = c
		}
	}
	if sep < 0 {
		return false // a host with no repository path
	}
	return splitsIntoRepository(rest[sep+1:], false)
}

// splitsIntoRepository reports whether the path after the host names a repository and,
// optionally, a folder inside it that does not climb out of it: the repository ends at
// _git/NAME (Azure DevOps), at //, or at .git; without such a marker it is the first two
// segments (org/repo), or the whole path for file://.
func splitsIntoRepository(path string, whole bool) bool {
	var repo, folder string
	switch {
	case strings.Contains(path, "_git/"):
		i := strings.Index(path, "_git/") + len("_git/")
		name, sub, _ := strings.Cut(path[i:], "/")
		repo, folder = path[:i]+name, sub
	case strings.Contains(path, "//"):
		repo, folder, _ = strings.Cut(path, "//")
	case strings.Contains(path, ".git"):
		i := strings.Index(path, ".git") + len(".git")
		repo, folder = path[:i], path[i:]
	case whole:
		repo = path
	default:
		segments := strings.Split(path, "/")
		if len(segments) < 2 {
			return false
		}
		repo, folder = strings.Join(segments[:2], "/"), strings.Join(segments[2:], "/")
	}
	if repo == "" {
		return false
	}
	first, _, _ := strings.Cut(filepath.ToSlash(filepath.Clean(strings.TrimPrefix(folder, "/"))), "/")
	return first != ".."
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if hasPrefixFold(s, prefix) {
		return s[len(prefix):], true
	}
	return s, false
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// shownEntry is entry as a scan error may show it: a password in a URL is masked, since
// errors end up in reports that are shared (a SARIF upload, a CI log).
func shownEntry(entry string) string {
	if u, err := url.Parse(entry); err == nil && u.User != nil {
		if _, ok := u.User.Password(); ok {
			return u.Redacted()
		}
	}
	return entry
}
