package report

import (
	"strconv"

	"palisade.dev/palisade/internal/finding"
)

// sarifEncoder writes the results of a SARIF log, exactly as json.Encoder with
// SetEscapeHTML(false) and SetIndent(indent, "  ") writes sarifResultOf(f, index), without
// its reflection, its maps sorted at every result and the re-indenting pass: a log of a hundred
// thousand results spends most of its time there otherwise (BenchmarkSARIFResults).
// TestSARIFResultEncoderMatchesEncodingJSON and FuzzSARIFResultEncoder hold the two to the
// same bytes. One encoder serves one goroutine: it remembers the artifact location of the last
// file, which consecutive results usually share.
type sarifEncoder struct {
	index map[string]int

	file        string
	artifact    sarifArtifact
	hasArtifact bool
	remembered  bool
}

// artifactOf is sarifArtifactOf, remembered for the last file.
func (e *sarifEncoder) artifactOf(file string) (sarifArtifact, bool) {
	if file != e.file || !e.remembered {
		e.file, e.remembered = file, true
		e.artifact, e.hasArtifact = sarifArtifactOf(file)
	}
	return e.artifact, e.hasArtifact
}

// appendResult appends the indented JSON of f's result to b.
func (e *sarifEncoder) appendResult(b []byte, f *finding.Finding, indent string) []byte {
	w := objWriter{b: append(b, '{'), indent: deeper(indent)}
	w.str("ruleId", f.RuleID, false)
	w.key("ruleIndex")
	w.b = strconv.AppendInt(w.b, int64(e.index[f.RuleID]), 10)
	kind, level := "", sarifLevel(f.Severity)
	switch f.Status {
	case finding.Pass:
		kind, level = "pass", "none"
	case finding.NotApplicable:
		kind, level = "notApplicable", "none"
	}
	w.str("kind", kind, true)
	w.str("level", level, false)

	w.key("message")
	msg := objWriter{b: append(w.b, '{'), indent: deeper(w.indent)}
	msg.str("text", sarifMessage(*f), false)
	w.b = msg.close()

	// One location: the file, when there is one, and the object, when there is one.
	w.key("locations")
	items := deeper(w.indent)
	w.b = append(append(append(w.b, '[', '\n'), items...), '{')
	loc := objWriter{b: w.b, indent: deeper(items)}
	if art, ok := e.artifactOf(f.Location.File); ok {
		loc.key("physicalLocation")
		pl := objWriter{b: append(loc.b, '{'), indent: deeper(loc.indent)}
		pl.key("artifactLocation")
		a := objWriter{b: append(pl.b, '{'), indent: deeper(pl.indent)}
		a.str("uri", art.URI, false)
		a.str("uriBaseId", art.URIBaseID, true)
		pl.b = a.close()
		if l := f.Location; l.Line > 0 {
			pl.key("region")
			r := objWriter{b: append(pl.b, '{'), indent: deeper(pl.indent)}
			r.int("startLine", l.Line)
			r.int("startColumn", max(l.Column, 1))
			pl.b = r.close()
		}
		loc.b = pl.close()
	}
	if name := f.Object.String(); name != "" {
		loc.key("logicalLocations")
		inner := deeper(loc.indent)
		loc.b = append(append(append(loc.b, '[', '\n'), inner...), '{')
		l := objWriter{b: loc.b, indent: deeper(inner)}
		l.str("name", f.Object.Name, true)
		l.str("fullyQualifiedName", name, false)
		l.str("kind", "object", false)
		loc.b = append(append(append(l.close(), '\n'), loc.indent...), ']')
	}
	w.b = append(append(append(loc.close(), '\n'), w.indent...), ']')

	w.key("partialFingerprints")
	fp := objWriter{b: append(w.b, '{'), indent: deeper(w.indent)}
	fp.key(fingerprintKey)
	fp.b = appendFingerprint(fp.b, f)
	w.b = fp.close()

	if s := f.Suppression; s != nil {
		// An annotation on the object is written in the manifest itself; a config exemption
		// lives outside it.
		kind := "external"
		if s.Source == "annotation" {
			kind = "inSource"
		}
		w.key("suppressions")
		inner := deeper(w.indent)
		w.b = append(append(append(w.b, '[', '\n'), inner...), '{')
		sw := objWriter{b: w.b, indent: deeper(inner)}
		sw.str("kind", kind, false)
		sw.str("status", "accepted", false)
		sw.str("justification", s.Reason, true)
		w.b = append(append(append(sw.close(), '\n'), w.indent...), ']')
	}

	// The properties, in the order encoding/json writes a map: by key.
	w.key("properties")
	p := objWriter{b: append(w.b, '{'), indent: deeper(w.indent)}
	if also := f.AlsoBreaks(); len(also) > 0 {
		p.key("palisade/alsoBreaks")
		p.b = appendStrings(p.b, also, p.indent)
	}
	p.str("palisade/apiVersion", f.Object.APIVersion, true)
	p.str("palisade/container", f.Container, true)
	p.str("palisade/evidence", f.Evidence, true)
	p.str("palisade/path", f.Path, true)
	p.str("palisade/severity", f.Severity.String(), false)
	w.b = p.close()
	return w.close()
}
