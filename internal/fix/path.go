package fix

import (
	"fmt"
	"strconv"
)

// segment is one step of a field path: a mapping key, or a list index when isIndex.
type segment struct {
	key     string
	index   int
	isIndex bool
}

func (s segment) String() string {
	if s.isIndex {
		return "[" + strconv.Itoa(s.index) + "]"
	}
	return s.key
}

// parsePath splits a path in field.Path form (spec.containers[0].securityContext, or
// metadata.annotations[a.b/c] for a key holding dots) into its segments. A bracket holding a
// whole number is a list index, anything else a mapping key.
func parsePath(path string) ([]segment, error) {
	var out []segment
	for i := 0; i < len(path); {
		switch path[i] {
		case '.':
			i++
			if i == len(path) || path[i] == '.' || path[i] == '[' {
				return nil, fmt.Errorf("path of %d characters has an empty field name", len(path))
			}
		case '[':
			end := i + 1
			for end < len(path) && path[end] != ']' {
				end++
			}
			if end == len(path) || end == i+1 {
				return nil, fmt.Errorf("path of %d characters has an unclosed or empty bracket", len(path))
			}
			seg := path[i+1 : end]
			if n, err := strconv.Atoi(seg); err == nil && n >= 0 {
				out = append(out, segment{index: n, isIndex: true})
			} else {
				out = append(out, segment{key: seg})
			}
			i = end + 1
		default:
			end := i
			for end < len(path) && path[end] != '.' && path[end] != '[' {
				end++
			}
			out = append(out, segment{key: path[i:end]})
			i = end
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("empty path")
	}
	return out, nil
}
