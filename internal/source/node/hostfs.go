package node

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"
)

// maxLinks bounds the symbolic links followed while resolving one path, as the kernel's
// MAXSYMLINKS (40) does.
const maxLinks = 40

// hostFS reads the node's files under a root: a path on the node, /etc/kubernetes/admin.conf,
// is read at root/etc/kubernetes/admin.conf, and symbolic links are resolved as the node
// would resolve them, an absolute target from the root, ".." never above it.
type hostFS struct {
	root string
}

// onHost is where a path on the node is in this process's view.
func (h hostFS) onHost(p string) string {
	if h.root == "/" {
		return p
	}
	return filepath.Join(h.root, filepath.FromSlash(p))
}

// resolve returns the path on the node that p names once every symbolic link in it is
// followed (the last element's too when followLast), without leaving the root. A path
// whose element is missing resolves to itself from there on: its Lstat then says it is
// missing.
func (h hostFS) resolve(p string, followLast bool) (string, error) {
	if h.root == "/" {
		// The machine's own namespace: the kernel resolves links, and none can leave /.
		return path.Clean(p), nil
	}
	resolved := "/"
	rest := splitPath(p)
	links := 0
	for len(rest) > 0 {
		elem := rest[0]
		rest = rest[1:]
		switch elem {
		case "", ".":
			continue
		case "..":
			resolved = path.Dir(resolved)
			continue
		}
		next := path.Join(resolved, elem)
		if len(rest) == 0 && !followLast {
			return next, nil
		}
		fi, err := os.Lstat(h.onHost(next))
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
				return path.Join(append([]string{next}, rest...)...), nil
			}
			return "", err
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			resolved = next
			continue
		}
		if links++; links > maxLinks {
			return "", syscall.ELOOP
		}
		target, err := os.Readlink(h.onHost(next))
		if err != nil {
			return "", err
		}
		if path.IsAbs(target) {
			resolved = "/"
		}
		rest = append(splitPath(target), rest...)
	}
	return resolved, nil
}

func splitPath(p string) []string {
	return strings.Split(strings.Trim(filepath.ToSlash(p), "/"), "/")
}

// stat returns the file p names, links followed under the root.
func (h hostFS) stat(p string) (real string, fi fs.FileInfo, err error) {
	real, err = h.resolve(p, true)
	if err != nil {
		return "", nil, err
	}
	fi, err = os.Stat(h.onHost(real))
	return real, fi, err
}

// readFile reads a regular file that resolve already resolved, up to limit bytes; truncated
// says there was more.
func (h hostFS) readFile(real string, limit int64) (data []byte, truncated bool, err error) {
	f, err := os.Open(h.onHost(real))
	if err != nil {
		return nil, false, err
	}
	defer f.Close()
	// The file may have been replaced since it was stat'ed: never read a FIFO or a device.
	if fi, err := f.Stat(); err != nil {
		return nil, false, err
	} else if !fi.Mode().IsRegular() {
		return nil, false, fmt.Errorf("not a regular file")
	}
	data, err = io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, false, err
	}
	if int64(len(data)) > limit {
		return data[:limit], true, nil
	}
	return data, false, nil
}

// readSmall reads a small regular file by its path on the node.
func (h hostFS) readSmall(p string, limit int64) ([]byte, error) {
	real, fi, err := h.stat(p)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", p)
	}
	data, _, err := h.readFile(real, limit)
	return data, err
}

// exists reports whether a path on the node exists.
func (h hostFS) exists(p string) bool {
	_, _, err := h.stat(p)
	return err == nil
}

// readDir lists a directory that resolve already resolved, sorted by name.
func (h hostFS) readDir(real string) ([]fs.DirEntry, error) {
	return os.ReadDir(h.onHost(real))
}
