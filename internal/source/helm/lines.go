package helm

import (
	"regexp"
	"strings"
)

// A rendered template has lost the link between its lines and the template's: actions
// expand to any number of lines, conditions drop lines, loops repeat them. alignLines
// recovers what can be known honestly:
//
//   - a rendered line equal (ignoring indentation) to a template line without actions, or
//     whose text fits the literal parts of a template line with actions (`image: {{ .x }}`
//     fits `image: nginx:1.27`), is matched to that line; the matching keeps both files in
//     order and prefers exact matches (a longest common subsequence, weighted);
//   - a line repeated by a `range` loop is matched again to the loop body's lines;
//   - any other line (the output of an include or toYaml) is given the one template line
//     between its matched neighbours whose action writes text, when there is exactly one;
//   - else the nearest preceding matched line, the key it sits under.

// Match weights: an exact line is stronger evidence than a line that fits a pattern.
const (
	scoreExact   = 3
	scorePattern = 2
	// maxAlignCells bounds the alignment table; larger pairs fall back to a greedy alignment.
	maxAlignCells = 1 << 22
	// minLiteral is how much fixed text a line with actions needs to be matched at all.
	minLiteral = 2
)

// templateLine is what a template line can match.
type templateLine struct {
	exact    string   // the trimmed line, when it has no action
	literals []string // the fixed text between actions, when it has some
	anchored [2]bool  // the line starts / ends with fixed text
	loop     bool     // the line opens a range loop
	emits    bool     // an action on the line writes text (it is not only control flow)
}

var (
	rangeAction = regexp.MustCompile(`\{\{-?\s*range\b`)
	// actionStart finds each action and its first word.
	actionStart = regexp.MustCompile(`\{\{-?\s*(\S*)`)
	// quietWords open actions that write nothing themselves.
	quietWords = map[string]bool{"if": true, "else": true, "end": true, "range": true, "with": true, "define": true, "block": true, "break": true, "continue": true}
)

// emitsText reports whether any action on the line writes text: not control flow, a comment
// or a variable assignment.
func emitsText(t string) bool {
	for _, m := range actionStart.FindAllStringSubmatch(t, -1) {
		word := m[1]
		switch {
		case quietWords[word], strings.HasPrefix(word, "/*"), strings.HasPrefix(word, "$") && strings.Contains(t, "="):
			continue
		}
		return true
	}
	return false
}

func parseTemplateLine(s string) templateLine {
	t := strings.TrimSpace(s)
	var tl templateLine
	tl.loop = rangeAction.MatchString(t)
	tl.emits = emitsText(t)
	if t == "" {
		return tl
	}
	if !strings.Contains(t, "{{") {
		tl.exact = t
		return tl
	}
	tl.anchored = [2]bool{!strings.HasPrefix(t, "{{"), !strings.HasSuffix(t, "}}")}
	rest, fixed := t, 0
	for rest != "" {
		i := strings.Index(rest, "{{")
		if i < 0 {
			tl.literals = append(tl.literals, strings.TrimSpace(rest))
			fixed += len(strings.TrimSpace(rest))
			break
		}
		tl.literals = append(tl.literals, strings.TrimSpace(rest[:i]))
		fixed += len(strings.TrimSpace(rest[:i]))
		j := strings.Index(rest[i:], "}}")
		if j < 0 {
			// The action goes on over the next lines: what follows is unknown.
			tl.anchored[1] = false
			break
		}
		rest = rest[i+j+2:]
	}
	if fixed < minLiteral {
		tl.literals = nil
	}
	return tl
}

// score says how well rendered line r (trimmed) matches template line t; 0 is no match.
func (t *templateLine) score(r string) int {
	switch {
	case r == "":
		return 0
	case t.exact != "":
		if t.exact == r {
			return scoreExact
		}
		return 0
	case t.literals == nil:
		return 0
	}
	rest := r
	last := len(t.literals) - 1
	for i, lit := range t.literals {
		if lit == "" {
			continue
		}
		switch {
		case i == 0 && t.anchored[0]:
			if !strings.HasPrefix(rest, lit) {
				return 0
			}
			rest = rest[len(lit):]
		case i == last && t.anchored[1]:
			if !strings.HasSuffix(rest, lit) {
				return 0
			}
			rest = rest[:len(rest)-len(lit)]
		default:
			k := strings.Index(rest, lit)
			if k < 0 {
				return 0
			}
			rest = rest[k+len(lit):]
		}
	}
	return scorePattern
}

// alignLines returns, for every line of rendered (1-based, as index+1), the template line it
// is attributed to.
func alignLines(template, rendered []byte) []int {
	tmpl := make([]templateLine, 0, 64)
	for _, l := range strings.Split(string(template), "\n") {
		tmpl = append(tmpl, parseTemplateLine(l))
	}
	out := strings.Split(string(rendered), "\n")
	for i := range out {
		out[i] = strings.TrimSpace(out[i])
	}
	matched := matchInOrder(tmpl, out)
	return attribute(tmpl, out, matched)
}

// matchInOrder matches rendered lines to template lines, both in order, maximizing the
// total score. It returns matched[j] = template index for rendered line j, or -1.
func matchInOrder(tmpl []templateLine, out []string) []int {
	matched := make([]int, len(out))
	for i := range matched {
		matched[i] = -1
	}
	// Only lines that can match take part.
	var ti, ri []int
	for i := range tmpl {
		if tmpl[i].exact != "" || tmpl[i].literals != nil {
			ti = append(ti, i)
		}
	}
	for j, r := range out {
		if r != "" {
			ri = append(ri, j)
		}
	}
	n, m := len(ti), len(ri)
	if n == 0 || m == 0 {
		return matched
	}
	if (n+1)*(m+1) > maxAlignCells {
		matchGreedy(tmpl, out, ti, ri, matched)
		return matched
	}
	// best[i*(m+1)+j] is the best score aligning ti[i:] with ri[j:].
	w := m + 1
	best := make([]int32, (n+1)*w)
	for i := n - 1; i >= 0; i-- {
		t := &tmpl[ti[i]]
		for j := m - 1; j >= 0; j-- {
			b := max(best[(i+1)*w+j], best[i*w+j+1])
			if s := int32(t.score(out[ri[j]])); s > 0 {
				b = max(b, s+best[(i+1)*w+j+1])
			}
			best[i*w+j] = b
		}
	}
	for i, j := 0, 0; i < n && j < m; {
		cur := best[i*w+j]
		if s := int32(tmpl[ti[i]].score(out[ri[j]])); s > 0 && cur == s+best[(i+1)*w+j+1] {
			matched[ri[j]] = ti[i]
			i, j = i+1, j+1
			continue
		}
		if cur == best[(i+1)*w+j] {
			i++
		} else {
			j++
		}
	}
	return matched
}

// matchGreedy is the fallback for very large templates or outputs: each rendered line takes
// the next template line that matches it within a window.
func matchGreedy(tmpl []templateLine, out []string, ti, ri []int, matched []int) {
	const window = 64
	i := 0
	for _, j := range ri {
		for k := i; k < len(ti) && k < i+window; k++ {
			if tmpl[ti[k]].score(out[j]) > 0 {
				matched[j] = ti[k]
				i = k + 1
				break
			}
		}
	}
}

// attribute gives every rendered line a template line (1-based): its match; for a line
// repeated by a loop, the loop body line it matches; for the output of an action, the one
// text-writing action between its matched neighbours; else the nearest preceding match (the
// first match when there is none before it).
func attribute(tmpl []templateLine, out []string, matched []int) []int {
	// loopStart[i] is the nearest template line at or before i that opens a range, or -1.
	loopStart := make([]int, len(tmpl))
	open := -1
	for i := range tmpl {
		if tmpl[i].loop {
			open = i
		}
		loopStart[i] = open
	}
	first := 0
	for _, t := range matched {
		if t >= 0 {
			first = t
			break
		}
	}
	lines := make([]int, len(out))
	last, cursor := -1, -1
	for j, r := range out {
		if t := matched[j]; t >= 0 {
			last, cursor = t, t
			lines[j] = t + 1
			continue
		}
		lines[j] = max(last, first) + 1
		if r == "" {
			continue
		}
		next := len(tmpl)
		for k := j + 1; k < len(matched); k++ {
			if matched[k] >= 0 {
				next = matched[k]
				break
			}
		}
		if last >= 0 && loopStart[last] >= 0 {
			if t := matchInLoop(tmpl, r, loopStart[last], cursor, next); t >= 0 {
				lines[j] = t + 1
				cursor = t
				continue
			}
		}
		if t := soleWriter(tmpl, last, next); t >= 0 {
			lines[j] = t + 1
		}
	}
	return lines
}

// soleWriter returns the only template line strictly between after and before whose action
// writes text, or -1 when there is none or more than one.
func soleWriter(tmpl []templateLine, after, before int) int {
	found := -1
	for k := after + 1; k < before && k < len(tmpl); k++ {
		if tmpl[k].emits {
			if found >= 0 {
				return -1
			}
			found = k
		}
	}
	return found
}

// matchInLoop looks for the template line that a repeated line came from: after the cursor
// up to the next matched line, then from the loop's start up to the cursor.
func matchInLoop(tmpl []templateLine, r string, start, cursor, next int) int {
	for k := cursor + 1; k < next && k < len(tmpl); k++ {
		if tmpl[k].score(r) > 0 {
			return k
		}
	}
	for k := start + 1; k <= cursor && k < len(tmpl); k++ {
		if tmpl[k].score(r) > 0 {
			return k
		}
	}
	return -1
}
