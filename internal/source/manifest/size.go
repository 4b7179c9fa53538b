package manifest

import (
	"os"
	"path/filepath"
	"strings"
)

// InputSize estimates how many bytes of manifests a load of paths reads, from the sizes the
// file system gives, without reading a file: every file named, and the manifests in the
// folders named, leaving out what a walk leaves out (hidden entries). Links are not followed,
// charts and kustomizations not rendered, standard input not counted. It stops counting at
// upTo, so that a caller who only needs to know whether the input reaches a size does not walk
// a large tree to the end.
func InputSize(paths []string, upTo int64) int64 {
	var total int64
	for _, p := range paths {
		if p == "-" || total >= upTo {
			continue
		}
		info, err := os.Lstat(p)
		switch {
		case err != nil:
		case info.IsDir():
			total = folderSize(p, total, upTo)
		case info.Mode().IsRegular():
			total += info.Size()
		}
	}
	return min(total, upTo)
}

// folderSize adds the sizes of the manifests under dir to total, until it reaches upTo.
func folderSize(dir string, total, upTo int64) int64 {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return total
	}
	for _, e := range entries {
		if total >= upTo {
			break
		}
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		switch t := e.Type(); {
		case t.IsDir():
			total = folderSize(filepath.Join(dir, e.Name()), total, upTo)
		case t.IsRegular() && isManifestName(e.Name()):
			if info, err := e.Info(); err == nil {
				total += info.Size()
			}
		}
	}
	return total
}
