package manifest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"unicode/utf8"
)

// Document is one YAML or JSON document of a stream, with where it starts.
type Document struct {
	// File is the path the user named (or "-"); Template is the chart template that produced
	// the document, for rendered Helm charts.
	File     string
	Template string
	// Index is the 1-based position of the document in File.
	Index int
	// Line is the 1-based line of File where Data starts.
	Line int
	Data []byte
	// MapLine, when set, turns a line of Data's source (Line-based) into the line to report,
	// for rendered templates whose output lines differ from the template's.
	MapLine func(int) int
	// Column is the 1-based column of Line where Data starts: after the first object of a
	// JSON stream, the next may start in the middle of a line. 0 means 1.
	Column int
	// Err is set instead of Data when the document could not be read (too large, or an
	// invalid separator line).
	Err error
	// seq orders the file or rendering this document came from within one load.
	seq int
}

// streamBufferSize is the read buffer of a stream: large enough for the lines of most
// manifests and for the look at a file's start that tells binary files apart.
const streamBufferSize = 64 << 10

// splitStream reads a YAML stream and calls emit for every document in it. Documents are
// split where kubectl (k8s.io/apimachinery's YAML reader) splits them, which YAML 1.2 agrees
// with but for a few lines (see documentMarker): a line that begins with "---" ends the
// current document, wherever it appears, even inside a block or quoted scalar; so does YAML's
// "..." (kubectl drops what follows one up to the next "---"; Palisade judges it). That rule
// lets one malformed document be reported while the rest of the stream is still read, and
// lets documents be decoded in parallel. A document that is a stream of JSON objects ({...}
// {...}), as kubectl's YAMLOrJSONDecoder reads one, is split into one document per object
// (see splitJSON). A document larger than maxDoc is reported, skipped and never held in
// memory whole.
func splitStream(r io.Reader, file string, maxDoc int, emit func(Document) error) error {
	return splitStreamInto(r, file, maxDoc, nil, nil, emit)
}

// splitStreamInto is splitStream collecting the lines of each document in buf (a new buffer
// when nil): a caller that reads many streams passes the same one for all, so that it grows
// once, and each document is copied out of it by keep, or at its exact size when keep is nil.
func splitStreamInto(r io.Reader, file string, maxDoc int, buf *bytes.Buffer, keep func([]byte) []byte, emit func(Document) error) error {
	if keep == nil {
		keep = bytes.Clone
	}
	// A caller that reads many streams passes its own reader, reset for each.
	br, ok := r.(*bufio.Reader)
	if !ok || br.Size() < streamBufferSize {
		br = bufio.NewReaderSize(r, streamBufferSize)
	}
	if buf == nil {
		buf = new(bytes.Buffer)
	}
	buf.Reset()
	var (
		index     = 0
		line      = 0
		startLine = 1
		oversize  = false
		content   = false // the current document has a non-blank, non-comment line
	)
	flush := func() error {
		defer func() { buf.Reset(); oversize = false; content = false }()
		if oversize {
			index++
			return emit(Document{File: file, Index: index, Line: startLine,
				Err: fmt.Errorf("document is larger than %d bytes; skipped", maxDoc)})
		}
		if !content {
			return nil
		}
		return splitJSON(buf.Bytes(), startLine, func(data []byte, line, column int) error {
			index++
			return emit(Document{File: file, Index: index, Line: line, Column: column, Data: keep(data)})
		})
	}
	for {
		raw, err := readLine(br, maxDoc)
		if len(raw) == 0 && err != nil {
			if errors.Is(err, io.EOF) {
				return flush()
			}
			return err
		}
		line++
		if line == 1 {
			raw = bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf"))
		}
		if marker, rest := documentMarker(raw); marker != "" {
			if err := flush(); err != nil {
				return err
			}
			startLine = line
			switch {
			case marker == badMarker:
				// kubectl refuses the stream at such a line; report it there and read on.
				index++
				if err := emit(Document{File: file, Index: index, Line: line, Err: errBadSeparator}); err != nil {
					return err
				}
				startLine = line + 1
			case marker == "---" && len(bytes.TrimSpace(rest)) > 0 && !isComment(rest):
				// "--- value" or "--- !tag": the document starts on the marker line.
				if len(raw) > maxDoc {
					oversize = true
				} else {
					buf.Write(raw)
				}
				content = true
			default:
				startLine = line + 1
			}
			continue
		}
		if !content && buf.Len() == 0 && !oversize {
			startLine = line
		}
		if !oversize {
			if buf.Len()+len(raw) > maxDoc {
				oversize = true
				buf.Reset()
			} else {
				buf.Write(raw)
			}
		}
		if !content {
			t := bytes.TrimSpace(raw)
			if len(t) > 0 && !isComment(t) && t[0] != '%' {
				content = true
			}
		}
	}
}

// errBadSeparator is the error of a line that starts with "---" and holds more than a
// document separator.
var errBadSeparator = errors.New("invalid document separator: a line that starts with --- may hold only a comment after it " +
	"(kubectl refuses the file here); the line was skipped")

// readLine returns the next line including its newline. Of a line longer than limit it
// returns only the first limit+1 bytes (and reads past the rest), so that one huge line costs
// bounded memory and the caller still sees that it is too long.
func readLine(br *bufio.Reader, limit int) ([]byte, error) {
	line, err := br.ReadSlice('\n')
	if err == nil || !errors.Is(err, bufio.ErrBufferFull) {
		return line, err
	}
	full := bytes.Clone(line)
	for errors.Is(err, bufio.ErrBufferFull) {
		line, err = br.ReadSlice('\n')
		if room := limit + 1 - len(full); room > 0 {
			full = append(full, line[:min(room, len(line))]...)
		}
	}
	return full, err
}

// badMarker is what documentMarker returns for a line that starts with "---" followed by
// something that is neither white space nor a comment.
const badMarker = "---?"

// documentMarker reports whether the line ends a document, and returns what follows the
// marker. kubectl's reader (k8s.io/apimachinery/pkg/util/yaml.YAMLReader) splits at every
// line that begins with "---" and refuses the stream unless what follows, trimmed of
// (Unicode) white space, is empty or a comment: so "---", "--- # c", "---# c" and "---\t"
// are separators ("---" for them), and "---x" or "----" is badMarker. YAML itself allows
// content after "--- " ("--- {a: 1}", "--- !tag"), which Helm renders and Palisade reads as
// the start of a document ("---" with that rest); kubectl refuses it. "..." followed by white
// space or the end of the line is YAML's document end ("..."); kubectl does not split there
// but ignores what follows it up to the next "---", which Palisade judges.
func documentMarker(line []byte) (string, []byte) {
	if len(line) < 3 {
		return "", nil
	}
	// The marker is returned as a constant: a string made of the line would be allocated for
	// every line of every file.
	var m string
	switch string(line[:3]) {
	case "---":
		m = "---"
	case "...":
		m = "..."
	default:
		return "", nil
	}
	rest := line[3:]
	if len(rest) == 0 || rest[0] == ' ' || rest[0] == '\t' || rest[0] == '\n' || rest[0] == '\r' {
		return m, rest
	}
	if m == "---" {
		if t := bytes.TrimSpace(rest); len(t) == 0 || t[0] == '#' {
			return m, rest
		}
		return badMarker, rest
	}
	return "", nil
}

func isComment(b []byte) bool {
	b = bytes.TrimSpace(b)
	return len(b) > 0 && b[0] == '#'
}

// splitReaders keep the read buffers of SplitDocuments, which the editor calls twice for
// every file it changes: a buffer of streamBufferSize each time would outweigh the documents.
// splitBuffers keep the buffers a document's lines are collected in, for the same reason.
var (
	splitReaders = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, streamBufferSize) }}
	splitBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}
)

// maxPooledSplitBuffer is the largest collecting buffer kept for the next split: one that
// grew for a large document is left to the collector.
const maxPooledSplitBuffer = 1 << 20

// SplitDocuments splits rendered YAML (a chart template's output, say) into documents by the
// same rules as files, for Expanders. Each document's Line is where it starts in data.
func SplitDocuments(data []byte, file string) ([]Document, error) {
	var docs []Document
	err := splitData(data, file, nil, func(d Document) error {
		docs = append(docs, d)
		return nil
	})
	return docs, err
}

// SplitDocumentsTogether is SplitDocuments with every document's data in one block the size
// of data, made once, rather than a block each: for a caller that keeps the documents of data
// together (fix, which splits every file it changes).
func SplitDocumentsTogether(data []byte, file string) ([]Document, error) {
	block := make([]byte, 0, len(data))
	keep := func(b []byte) []byte {
		at := len(block)
		block = append(block, b...)
		return block[at:len(block):len(block)]
	}
	var docs []Document
	err := splitData(data, file, keep, func(d Document) error {
		docs = append(docs, d)
		return nil
	})
	return docs, err
}

// CountDocuments is the number of documents SplitDocuments splits data into, without their
// data.
func CountDocuments(data []byte) (int, error) {
	n := 0
	err := splitData(data, "", func([]byte) []byte { return nil }, func(Document) error {
		n++
		return nil
	})
	return n, err
}

// splitData splits data as splitStream does, with keep as splitStreamInto's.
func splitData(data []byte, file string, keep func([]byte) []byte, emit func(Document) error) error {
	br := splitReaders.Get().(*bufio.Reader)
	br.Reset(bytes.NewReader(data))
	buf := splitBuffers.Get().(*bytes.Buffer)
	defer func() {
		br.Reset(nil)
		splitReaders.Put(br)
		if buf.Cap() <= maxPooledSplitBuffer {
			splitBuffers.Put(buf)
		}
	}()
	return splitStreamInto(br, file, DefaultMaxDocumentSize, buf, keep, emit)
}

// splitJSON hands emit a document's data, split into one document per object when it is a
// stream of JSON objects: kubectl's YAMLOrJSONDecoder reads {...}{...} or {...}\n{...} as
// several objects and creates each, so Palisade judges each. The split is made only after an
// object that is valid JSON (what the JSON decoder would have read) and that something
// follows; what follows and is not another object is the rest of the document, read as YAML
// as kubectl then does, and reported if it is not an object. Nothing is copied: the pieces are
// parts of data, each with the line and column where it starts.
func splitJSON(data []byte, line int, emit func(data []byte, line, column int) error) error {
	column := 1
	for {
		s := skipBlank(data, 0)
		if s == len(data) || data[s] != '{' {
			return emit(data, line, column)
		}
		e := jsonObjectEnd(data, s)
		if e < 0 || skipBlank(data, e) == len(data) || !json.Valid(data[s:e]) {
			return emit(data, line, column)
		}
		if err := emit(data[:e], line, column); err != nil {
			return err
		}
		if nl := bytes.LastIndexByte(data[:e], '\n'); nl >= 0 {
			line += bytes.Count(data[:e], []byte("\n"))
			column = 1 + utf8.RuneCount(data[nl+1:e])
		} else {
			column += utf8.RuneCount(data[:e])
		}
		data = data[e:]
	}
}

// skipBlank returns the offset of the first byte from i on that is neither white space nor
// in a comment (data's length if there is none).
func skipBlank(data []byte, i int) int {
	for i < len(data) {
		switch data[i] {
		case ' ', '\t', '\r', '\n':
			i++
		case '#':
			if i > 0 && data[i-1] != ' ' && data[i-1] != '\t' && data[i-1] != '\n' && data[i-1] != '\r' {
				return i // "x#" does not start a comment
			}
			nl := bytes.IndexByte(data[i:], '\n')
			if nl < 0 {
				return len(data)
			}
			i += nl + 1
		default:
			return i
		}
	}
	return i
}

// jsonObjectEnd returns the offset just past the "}" that closes the "{" at data[start], by
// JSON's rules for strings, or -1 if it is not closed.
func jsonObjectEnd(data []byte, start int) int {
	depth := 0
	for i := start; i < len(data); i++ {
		switch data[i] {
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				return i + 1
			}
		case '"':
			for i++; i < len(data) && data[i] != '"'; i++ {
				if data[i] == '\\' {
					i++
				}
			}
		}
	}
	return -1
}
