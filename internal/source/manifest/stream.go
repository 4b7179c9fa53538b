package manifest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
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
	// Err is set instead of Data when the document could not be read (too large).
	Err error
	// seq orders the file or rendering this document came from within one load.
	seq int
}

// streamBufferSize is the read buffer of a stream: large enough for the lines of most
// manifests and for the look at a file's start that tells binary files apart.
const streamBufferSize = 64 << 10

// splitStream reads a YAML stream and calls emit for every document in it. Documents are
// separated the way YAML 1.2 defines it (l-document-prefix, c-forbidden): a line that begins
// with "---" or "..." followed by a space, a tab or the end of the line ends the current
// document, wherever it appears, even inside a block or quoted scalar. That rule lets one
// malformed document be reported while the rest of the stream is still read, and lets
// documents be decoded in parallel. A document larger than maxDoc is reported, skipped and
// never held in memory whole.
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
		index++
		data := keep(buf.Bytes())
		return emit(Document{File: file, Index: index, Line: startLine, Data: data})
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
			if marker == "---" && len(bytes.TrimSpace(rest)) > 0 && !isComment(rest) {
				// "--- value" or "--- !tag": the document starts on the marker line.
				if len(raw) > maxDoc {
					oversize = true
				} else {
					buf.Write(raw)
				}
				content = true
			} else {
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

// documentMarker reports whether the line is a document marker ("---" or "...") at column 0
// followed by white space or the end of the line, and returns what follows it.
func documentMarker(line []byte) (string, []byte) {
	if len(line) < 3 {
		return "", nil
	}
	m := string(line[:3])
	if m != "---" && m != "..." {
		return "", nil
	}
	rest := line[3:]
	if len(rest) == 0 || rest[0] == ' ' || rest[0] == '\t' || rest[0] == '\n' || rest[0] == '\r' {
		return m, rest
	}
	return "", nil
}

func isComment(b []byte) bool {
	b = bytes.TrimSpace(b)
	return len(b) > 0 && b[0] == '#'
}

// SplitDocuments splits rendered YAML (a chart template's output, say) into documents by the
// same rules as files, for Expanders. Each document's Line is where it starts in data.
func SplitDocuments(data []byte, file string) ([]Document, error) {
	var docs []Document
	err := splitStream(bytes.NewReader(data), file, DefaultMaxDocumentSize, func(d Document) error {
		docs = append(docs, d)
		return nil
	})
	return docs, err
}
