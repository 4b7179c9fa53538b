// Package gitrev reads the manifests of a file or folder as a git revision holds them, with
// the manifest reader that reads them from disk, and names their origins REV:path:line so
// that what is reported names the revision.
//
// It runs git itself (rev-parse, ls-tree, cat-file) and no other program; it reads blobs,
// not an archive, so .gitattributes' export-ignore and export-subst, which git archive
// honours, can neither hide a manifest nor rewrite one. It must not decide exit codes or
// print.
package gitrev

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"palisade.dev/palisade/internal/source/manifest"
)

// Spec names a path in a revision: REV:PATH, or a bare REV for the current folder.
type Spec struct {
	// Rev is what git rev-parse reads: a branch, a tag, a commit, HEAD~1.
	Rev string
	// Path is relative to the current folder, slash-separated and clean ("." for the folder
	// itself), unlike git's REV:path, which is relative to the repository's root: so
	// `main:deploy` and `deploy` name the same folder wherever the command runs.
	Path string
}

func (s Spec) String() string { return s.Rev + ":" + s.Path }

// Parse reads REV:PATH or REV. The first colon splits, so a revision that holds a colon
// (HEAD^{/fix: x}) cannot be named. Errors give lengths, not the argument.
func Parse(arg string) (Spec, error) {
	rev, p, hasPath := strings.Cut(arg, ":")
	switch {
	case strings.ContainsRune(arg, 0):
		return Spec{}, fmt.Errorf("an argument of %d bytes holds a NUL byte", len(arg))
	case rev == "":
		return Spec{}, fmt.Errorf("an argument of %d bytes names no revision before its colon", len(arg))
	case strings.HasPrefix(rev, "-"):
		return Spec{}, fmt.Errorf("a revision of %d bytes starts with '-'", len(rev))
	case !hasPath || p == "":
		p = "."
	}
	if path.IsAbs(p) {
		return Spec{}, fmt.Errorf("a path of %d bytes is absolute: a revision's path is relative to the current folder", len(p))
	}
	return Spec{Rev: rev, Path: path.Clean(p)}, nil
}

// Load reads spec from the repository that holds the folder dir, as manifest.Load reads a
// path on disk. The error is what prevents reading at all (no repository there, an unknown
// revision, a path the revision does not hold); a document that cannot be read is an error
// of the result, named REV:path:line, and the rest is read.
func Load(ctx context.Context, dir string, spec Spec, opts manifest.Options) (*manifest.Result, error) {
	prefix, err := git(ctx, dir, "rev-parse", "--show-prefix")
	if err != nil {
		return nil, errors.New("the current folder is not in a git repository")
	}
	tree, err := git(ctx, dir, "rev-parse", "--verify", "--quiet", "--end-of-options", spec.Rev+"^{tree}")
	if err != nil {
		return nil, fmt.Errorf("a revision of %d bytes that the repository does not know", len(spec.Rev))
	}
	full := path.Clean(path.Join(strings.TrimSpace(string(prefix)), spec.Path))
	if full == ".." || strings.HasPrefix(full, "../") {
		return nil, fmt.Errorf("a path of %d bytes outside the repository", len(spec.Path))
	}
	args := []string{"--literal-pathspecs", "ls-tree", "-r", "-z", "--full-tree", strings.TrimSpace(string(tree))}
	if full != "." {
		args = append(args, "--", full)
	}
	listing, err := git(ctx, dir, args...)
	if err != nil {
		return nil, fmt.Errorf("listing the revision's tree failed: %w", err)
	}
	entries := parseTree(listing, full)
	if len(entries) == 0 {
		return nil, fmt.Errorf("the revision holds no file under a path of %d bytes", len(spec.Path))
	}
	tmp, err := os.MkdirTemp("", "palisade-rev-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	if err := writeBlobs(ctx, dir, tmp, entries); err != nil {
		return nil, err
	}
	root := filepath.Join(tmp, filepath.FromSlash(full))
	res := manifest.Load(ctx, []string{root}, opts)
	rename(res, root, spec)
	return res, nil
}

// treeEntry is one file of a revision: its mode, object and path from the root.
type treeEntry struct{ mode, object, name string }

// parseTree reads ls-tree -z output, keeping the blobs (files and symbolic links) at or
// under full; submodules (commits) hold no manifests of this repository.
func parseTree(listing []byte, full string) []treeEntry {
	var out []treeEntry
	for _, rec := range bytes.Split(listing, []byte{0}) {
		meta, name, ok := bytes.Cut(rec, []byte{'\t'})
		f := strings.Fields(string(meta))
		if !ok || len(f) != 3 || f[1] != "blob" {
			continue
		}
		n := string(name)
		if full == "." || n == full || strings.HasPrefix(n, full+"/") {
			out = append(out, treeEntry{f[0], f[2], n})
		}
	}
	return out
}

// writeBlobs writes the entries under tmp, reading every blob through one git cat-file.
func writeBlobs(ctx context.Context, dir, tmp string, entries []treeEntry) error {
	var ids bytes.Buffer
	for _, e := range entries {
		ids.WriteString(e.object)
		ids.WriteByte('\n')
	}
	cmd := exec.CommandContext(ctx, "git", "cat-file", "--batch")
	cmd.Dir = dir
	cmd.Stdin = &ids
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("running git: %w", err)
	}
	r := bufio.NewReader(out)
	werr := func() error {
		for _, e := range entries {
			data, err := nextBlob(r)
			if err != nil {
				return err
			}
			// git never lists ".." or absolute names; refuse them all the same.
			if !filepath.IsLocal(filepath.FromSlash(e.name)) {
				return fmt.Errorf("the revision lists a path of %d bytes outside its tree", len(e.name))
			}
			dst := filepath.Join(tmp, filepath.FromSlash(e.name))
			if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
				return err
			}
			if e.mode == "120000" {
				// A link is written only when it stays in the revision's tree: one to an
				// absolute path or above the tree would make a revision of someone else's
				// pull request read files of the machine running the diff.
				target := filepath.FromSlash(string(data))
				if filepath.IsAbs(target) || !filepath.IsLocal(filepath.Join(filepath.Dir(filepath.FromSlash(e.name)), target)) {
					continue
				}
				err = os.Symlink(target, dst)
			} else {
				err = os.WriteFile(dst, data, 0o600)
			}
			if err != nil {
				return err
			}
		}
		return nil
	}()
	io.Copy(io.Discard, r)
	if err := cmd.Wait(); err != nil && werr == nil {
		werr = fmt.Errorf("git cat-file: %w", err)
	}
	return werr
}

// nextBlob reads one "<object> blob <size>\n<data>\n" record of git cat-file --batch.
func nextBlob(r *bufio.Reader) ([]byte, error) {
	head, err := r.ReadString('\n')
	if err != nil {
		return nil, fmt.Errorf("git cat-file ended early: %w", err)
	}
	f := strings.Fields(head)
	if len(f) != 3 || f[1] != "blob" {
		return nil, fmt.Errorf("git cat-file answered a header of %d bytes that names no blob", len(head))
	}
	size, err := strconv.Atoi(f[2])
	if err != nil || size < 0 {
		return nil, fmt.Errorf("git cat-file answered a size of %d bytes that is not a number", len(f[2]))
	}
	data := make([]byte, size+1)
	if _, err := io.ReadFull(r, data); err != nil {
		return nil, fmt.Errorf("git cat-file ended within a blob: %w", err)
	}
	return data[:size], nil
}

// rename gives the objects and errors of a load from root the origins REV:path.
func rename(res *manifest.Result, root string, spec Spec) {
	display := func(file string) string {
		rel, err := filepath.Rel(root, file)
		if err != nil || !filepath.IsLocal(rel) {
			return file
		}
		return spec.Rev + ":" + path.Join(spec.Path, filepath.ToSlash(rel))
	}
	for _, o := range res.Inventory.Objects() {
		if o.Origin.File != "" {
			o.Origin.File = display(o.Origin.File)
		}
	}
	for i := range res.Errors {
		e := &res.Errors[i]
		if e.Location.File != "" {
			e.Location.File = display(e.Location.File)
		}
		e.Message = strings.ReplaceAll(e.Message, root, spec.String())
	}
}

// git runs git in dir and returns its output; its error output is not kept, as it may
// quote what the repository holds.
func git(ctx context.Context, dir string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return nil, fmt.Errorf("git %s exited with status %d", args[0], ee.ExitCode())
		}
		return nil, fmt.Errorf("running git: %w", err)
	}
	return out, nil
}
