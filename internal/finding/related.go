package finding

import "strings"

// Describe writes a composite finding from its checks: the message (Lead, each check's reason,
// Tail), the evidence (each check's ID, field and reason), the most specific field common to
// every check, and the container when one container alone is at fault. It then points Lead,
// Tail and the reasons into the message, so that a finding holds its text once.
func (r *Related) Describe() (message, evidence, path, container string) {
	return r.describe(true)
}

// DescribeMessage is Describe without the evidence, for a caller that prints none (an
// admission review): the message, path and container are Describe's.
func (r *Related) DescribeMessage() (message, path, container string) {
	message, _, path, container = r.describe(false)
	return message, path, container
}

func (r *Related) describe(withEvidence bool) (message, evidence, path, container string) {
	const sep, itemSep = ", ", "; "
	var pathsBuf [8]string // most composite findings have fewer checks: no allocation
	paths := pathsBuf[:0]
	if len(r.Checks) > 0 {
		container = r.Checks[0].Container
	}
	msgLen, evLen := len(r.Lead)+len(r.Tail), 0
	for i, c := range r.Checks {
		if i > 0 {
			msgLen += len(sep)
			evLen += len(itemSep)
		}
		msgLen += len(c.Reason)
		evLen += len(c.ID) + len(" at ") + len(c.Path) + len(": ") + len(c.Reason)
		paths = append(paths, c.Path)
		if c.Container != container {
			container = ""
		}
	}
	// Each text is written into one buffer of its exact size.
	var m, ev strings.Builder
	m.Grow(msgLen)
	m.WriteString(r.Lead)
	for i, c := range r.Checks {
		if i > 0 {
			m.WriteString(sep)
		}
		m.WriteString(c.Reason)
	}
	if withEvidence {
		ev.Grow(evLen)
		for i, c := range r.Checks {
			if i > 0 {
				ev.WriteString(itemSep)
			}
			ev.WriteString(c.ID)
			ev.WriteString(" at ")
			ev.WriteString(c.Path)
			ev.WriteString(": ")
			ev.WriteString(c.Reason)
		}
	}
	m.WriteString(r.Tail)
	message = m.String()
	at := len(r.Lead)
	r.Lead = message[:at]
	for i := range r.Checks {
		c := &r.Checks[i]
		c.Reason = message[at : at+len(c.Reason)]
		at += len(c.Reason) + len(sep)
	}
	r.Tail = message[len(message)-len(r.Tail):]
	return message, ev.String(), CommonPath(paths), container
}

// CommonPath returns the longest field path that every path starts with.
func CommonPath(paths []string) string {
	if len(paths) == 0 {
		return ""
	}
	var first, other [16]string // most paths have fewer segments: no allocation
	prefix := AppendPathSegments(first[:0], paths[0])
	for _, p := range paths[1:] {
		segs := AppendPathSegments(other[:0], p)
		n := 0
		for n < len(prefix) && n < len(segs) && prefix[n] == segs[n] {
			n++
		}
		prefix = prefix[:n]
	}
	if s, ok := joinedPrefix(paths[0], prefix); ok {
		return s
	}
	return JoinPath(prefix)
}

// joinedPrefix returns the start of path that JoinPath(segments) would write, when path
// starts with exactly that text (as a path written in the usual form does).
func joinedPrefix(path string, segments []string) (string, bool) {
	at := 0
	for i, s := range segments {
		if i > 0 && !strings.HasPrefix(s, "[") {
			if at >= len(path) || path[at] != '.' {
				return "", false
			}
			at++
		}
		if !strings.HasPrefix(path[at:], s) {
			return "", false
		}
		at += len(s)
	}
	return path[:at], true
}

// JoinPath writes field path segments back as a path.
func JoinPath(segments []string) string {
	var b strings.Builder
	for i, s := range segments {
		if i > 0 && !strings.HasPrefix(s, "[") {
			b.WriteByte('.')
		}
		b.WriteString(s)
	}
	return b.String()
}

// PathSegments splits a field path into its field names and [index] or [key] parts; a key may
// hold dots (metadata.annotations[container.apparmor.security.beta.kubernetes.io/app]).
func PathSegments(path string) []string { return AppendPathSegments(nil, path) }

// AppendPathSegments appends the segments of path to out, so that a caller splitting many
// paths reuses one buffer.
func AppendPathSegments(out []string, path string) []string {
	for i := 0; i < len(path); {
		switch path[i] {
		case '.':
			i++
		case '[':
			end := strings.IndexByte(path[i:], ']')
			if end < 0 {
				return append(out, path[i:])
			}
			out = append(out, path[i:i+end+1])
			i += end + 1
		default:
			end := i
			for end < len(path) && path[end] != '.' && path[end] != '[' {
				end++
			}
			out = append(out, path[i:end])
			i = end
		}
	}
	return out
}
