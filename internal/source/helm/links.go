package helm

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"palisade.dev/palisade/internal/source/manifest"
)

// Helm's chart loader follows every symbolic link in a chart folder, to any file or folder
// (a link to / makes it read the whole host) and with no loop detection (a link to a folder
// that holds it makes it walk without end). checkLinks looks at the links first, without
// following any, and refuses the chart when one would take Helm out of what the scan may
// read or round in a loop.
//
// A link may lead anywhere inside the chart, and inside the paths the scan was given (a
// _helpers.tpl shared by the charts of a repository). With --follow-symlinks a link to a
// file may lead anywhere; a link to a folder out there is still refused, for Helm would
// walk it without loop detection.
func checkLinks(ctx context.Context, dir string) error {
	scope, _ := manifest.ScopeOf(ctx)
	real, err := realPath(dir)
	if err != nil {
		return err
	}
	w := linkWalk{scope: scope, chart: manifest.Scope{Roots: []string{real}}, walking: map[string]bool{}}
	return w.folder(dir, real)
}

// linkWalk walks a chart folder as Helm's loader does, following links, to find the links
// it must not follow; walking holds the real paths of the folders being walked.
type linkWalk struct {
	scope, chart manifest.Scope
	walking      map[string]bool
}

func (w *linkWalk) folder(dir, real string) error {
	w.walking[real] = true
	defer delete(w.walking, real)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil // Helm reports what it cannot read
	}
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		if e.Type()&fs.ModeSymlink == 0 {
			if e.IsDir() {
				if err := w.folder(p, filepath.Join(real, e.Name())); err != nil {
					return err
				}
			}
			continue
		}
		target, err := realPath(p)
		if err != nil {
			return fmt.Errorf("%s: cannot follow symbolic link: %w", p, unwrapPath(err))
		}
		info, err := os.Stat(target)
		if err != nil {
			return fmt.Errorf("%s: cannot follow symbolic link: %w", p, unwrapPath(err))
		}
		inside := w.chart.Contains(target) || w.scope.Contains(target)
		switch {
		case info.IsDir() && w.walking[target]:
			return fmt.Errorf("%s: symbolic link loop: it leads back to a folder that holds it, which Helm would walk without end", p)
		case info.IsDir() && !inside:
			return fmt.Errorf("%s points outside the chart and the scanned folders; not followed (Helm would walk that folder without loop detection)", p)
		case info.IsDir():
			if err := w.folder(p, target); err != nil {
				return err
			}
		case !inside && !w.scope.FollowSymlinks:
			return fmt.Errorf("%s points outside the chart and the scanned folders; not followed (scan its target too, or pass --follow-symlinks)", p)
		}
	}
	return nil
}

// realPath is p absolute, every symbolic link in it resolved.
func realPath(p string) (string, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	return filepath.EvalSymlinks(abs)
}

func unwrapPath(err error) error {
	if pe, ok := errors.AsType[*fs.PathError](err); ok {
		return pe.Err
	}
	return err
}
