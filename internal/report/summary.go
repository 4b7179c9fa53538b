package report

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"palisade.dev/palisade/internal/finding"
)

// summary counts what every format reports: findings by severity, those at or above
// --fail-on, suppressed findings by reason, and errors.
type summary struct {
	total      int
	bySeverity map[finding.Severity]int
	// failing counts the findings at or above FailOn: the ones that make the scan fail.
	failing    int
	suppressed int
	reasons    []suppressionReason
	errors     int
	// passed and notApplicable count the recorded verdicts of node rules.
	passed, notApplicable int
}

// suppressionReason is one distinct reason findings were suppressed for, with how many.
type suppressionReason struct {
	Source string `json:"source"`
	Reason string `json:"reason"`
	Count  int    `json:"count"`
}

func summarize(in *Input) summary {
	active := in.active()
	tally := active.Tally()
	s := summary{total: active.Len(), bySeverity: map[finding.Severity]int{}, suppressed: len(in.Suppressed), errors: len(in.Errors)}
	for sev, n := range tally.BySeverity {
		s.bySeverity[sev] = n
	}
	s.failing = tally.AtLeast(in.FailOn)
	for _, f := range in.Passed {
		if f.Status == finding.NotApplicable {
			s.notApplicable++
		} else {
			s.passed++
		}
	}
	index := map[suppressionReason]int{}
	for _, f := range in.Suppressed {
		key := suppressionReason{Source: "unknown"}
		if f.Suppression != nil {
			key = suppressionReason{Source: f.Suppression.Source, Reason: f.Suppression.Reason}
		}
		i, ok := index[key]
		if !ok {
			i = len(s.reasons)
			index[key] = i
			s.reasons = append(s.reasons, key)
		}
		s.reasons[i].Count++
	}
	slices.SortFunc(s.reasons, func(a, b suppressionReason) int {
		return cmp.Or(cmp.Compare(a.Source, b.Source), cmp.Compare(a.Reason, b.Reason))
	})
	return s
}

// fails reports whether a finding is at or above --fail-on, the threshold the caller chose;
// the report only restates that threshold, it sets none of its own.
func fails(in *Input, f finding.Finding) bool { return f.Severity >= in.FailOn }

// failOnName is the --fail-on value: a severity, or "none" when no finding fails a scan.
func failOnName(s finding.Severity) string {
	if s > finding.Critical {
		return "none"
	}
	return s.String()
}

// fingerprint identifies a finding across runs: the rule, the file (and chart template), the
// object, the container and the field, but not the line, so that editing a manifest above an
// object does not turn its findings into new ones.
func fingerprint(f finding.Finding) string {
	var buf [2 + 2*fingerprintBytes]byte
	b := appendFingerprint(buf[:0], &f)
	return string(b[1 : len(b)-1])
}

// fingerprintBytes is how many bytes of the SHA-256 a fingerprint keeps.
const fingerprintBytes = 16

// appendFingerprint appends f's fingerprint to b as a JSON string, without allocating: a
// report of a hundred thousand findings writes one per finding.
func appendFingerprint(b []byte, f *finding.Finding) []byte {
	var text [512]byte
	t := text[:0]
	for _, part := range [...]string{
		"v1", f.RuleID, f.Location.File, f.Location.Template, f.Location.Host, f.Location.Cluster,
		f.Object.Kind, f.Object.Namespace, f.Object.Name, f.Container, f.Path,
	} {
		t = append(append(t, part...), 0)
	}
	sum := sha256.Sum256(t)
	var hexed [2 * fingerprintBytes]byte
	hex.Encode(hexed[:], sum[:fingerprintBytes])
	b = append(b, '"')
	b = append(b, hexed[:]...)
	return append(b, '"')
}

// plural writes a count and a noun, "1 error", "2 errors".
func plural(n int, noun string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// objectKey groups findings by object: the same object in the same document of the same file.
type objectKey struct {
	ref      finding.ObjectRef
	file     string
	document int
	template string
	cluster  string
	host     string
}

func keyOf(f finding.Finding) objectKey {
	return objectKey{ref: f.Object, file: f.Location.File, document: f.Location.Document,
		template: f.Location.Template, cluster: f.Location.Cluster, host: f.Location.Host}
}

// objectGroup is the findings of one object, in report order.
type objectGroup struct {
	key      objectKey
	findings []finding.Finding
}

// groupByObject groups findings by object. Findings arrive sorted (finding.Sort), which keeps
// an object's findings together, so a group is a run of the slice and nothing is copied; an
// object whose findings were not together still gets one group, in the order it first appears.
func groupByObject(fs []finding.Finding) []objectGroup {
	runs := 0
	for i := range fs {
		if i == 0 || keyOf(fs[i]) != keyOf(fs[i-1]) {
			runs++
		}
	}
	// At most one group per run, made at that size: grown, the groups of a report of a
	// hundred thousand objects cost ten times as much.
	groups := make([]objectGroup, 0, runs)
	index := make(map[objectKey]int, runs)
	for start := 0; start < len(fs); {
		k := keyOf(fs[start])
		end := start + 1
		for end < len(fs) && keyOf(fs[end]) == k {
			end++
		}
		if i, ok := index[k]; ok {
			groups[i].findings = append(slices.Clip(groups[i].findings), fs[start:end]...)
		} else {
			index[k] = len(groups)
			groups = append(groups, objectGroup{key: k, findings: fs[start:end]})
		}
		start = end
	}
	return groups
}

// eachObjectGroup calls group with each object's findings, in the order groupByObject gives
// them. Findings in memory are grouped as a whole. Findings read back from a spool are
// sorted (finding.Sort), or ranked by rbac.PodUse in runs of whole objects, so an object's
// findings all lie within one run of findings of the same file, cluster, host, document and
// object name (samePlace): they are grouped one such run at a time, and a report of a
// million findings holds the findings of one object.
func eachObjectGroup(seq finding.Seq, group func(objectGroup)) error {
	if fs, ok := seq.(finding.Slice); ok {
		for _, g := range groupByObject(fs) {
			group(g)
		}
		return nil
	}
	var run []finding.Finding
	flush := func() {
		if len(run) == 0 {
			return
		}
		// Nearly always one object: its group, without grouping.
		k, one := keyOf(run[0]), true
		for i := 1; i < len(run) && one; i++ {
			one = keyOf(run[i]) == k
		}
		if one {
			group(objectGroup{key: k, findings: run})
		} else {
			for _, g := range groupByObject(run) {
				group(g)
			}
		}
		clear(run)
		run = run[:0]
	}
	for f, err := range finding.All(seq) {
		if err != nil {
			return err
		}
		if len(run) > 0 && !samePlace(&run[0], f) {
			flush()
		}
		run = append(run, *f)
	}
	flush()
	return nil
}

// samePlace reports whether two findings agree on every part of their order (finding.Compare)
// that comes before the line, all of which are parts of their object's group (objectKey).
func samePlace(a, b *finding.Finding) bool {
	return a.Location.File == b.Location.File && a.Location.Cluster == b.Location.Cluster &&
		a.Location.Host == b.Location.Host && a.Location.Document == b.Location.Document &&
		a.Object.Namespace == b.Object.Namespace && a.Object.Kind == b.Object.Kind && a.Object.Name == b.Object.Name
}

// oneLine collapses the line breaks and runs of spaces of a text into single spaces. Most
// texts are on one line already, and are returned as they are, without a copy.
func oneLine(s string) string {
	if isOneLine(s) {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}

// isOneLine reports whether strings.Fields would find s's words separated by single spaces,
// with none before or after them.
func isOneLine(s string) bool {
	prevSpace := true // a space at the start is one too many
	i := 0
	// ASCII a byte at a time, the rest a rune at a time.
	for ; i < len(s) && s[i] < utf8.RuneSelf; i++ {
		c := s[i]
		space := c == ' '
		if space && prevSpace || c >= '\t' && c <= '\r' {
			return false
		}
		prevSpace = space
	}
	for _, r := range s[i:] {
		space := r == ' '
		if space && prevSpace || !space && unicode.IsSpace(r) {
			return false
		}
		prevSpace = space
	}
	return !prevSpace || s == ""
}
