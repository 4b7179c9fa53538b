package manifest

import (
	"bytes"
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"

	corev1 "k8s.io/api/core/v1"
)

// addSeeds adds every manifest under testdata/seeds and the bundled examples to the fuzz
// corpus, and a few inputs that are hard to write by hand.
func addSeeds(f *testing.F) {
	f.Helper()
	var found int
	for _, root := range []string{filepath.Join("testdata", "seeds"), filepath.Join("..", "..", "..", "examples")} {
		err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || !isManifestName(path) {
				return err
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			f.Add(data)
			found++
			return nil
		})
		if err != nil && !os.IsNotExist(err) {
			f.Fatal(err)
		}
	}
	if found == 0 {
		f.Fatal("no seed manifests in testdata/seeds")
	}
	for _, s := range []string{
		"",
		"\ufeff---\n...\n",
		"--- {apiVersion: v1, kind: ConfigMap, metadata: {name: m}}\n",
		"apiVersion: v1\r\nkind: ConfigMap\r\nmetadata:\r\n  name: crlf\r\n",
		"a: &a [x]\nb: &b [*a, *a]\nc: [*b, *b]\n",
		"apiVersion: v1\nkind: List\nitems: [{apiVersion: v1, kind: Pod, metadata: {name: p}}, 3, [1]]\n",
		"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: m}\ndata: {<<: [{a: b}, {c: d}], a: e}\n",
		"apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {k: !!binary c2VjcmV0}\n",
		"\x00binary",
		"{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"a\"}}{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\"," +
			"\"metadata\":{\"name\":\"b\"}}\n {\"kind\": \"x\"} trailing\n",
		"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---# Source: x.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n---x\n",
		"apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: List\n  items: [{apiVersion: v1, kind: Pod, metadata: {name: p}}, *x]\n",
		"\xff\xfea\x00:\x00 \x001\x00\n\x00",
		"\xfe\xff\x00a\x00:\x00 \x001\x00\n",
		"a: caf\xe9\n",
		"apiVersion: extensions/v1beta1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  rollbackTo: {revision: 1}\n  template:\n    spec:\n      containers: [{name: c, image: i, securityContex: {privileged: ture, privilegd: true}}]\n",
		"apiVersion: batch/v1beta1\nkind: CronJob\nmetadata: {name: c, annotation: {a: [1]}}\nspec: {jobTemplate: {spec: {template: {spec: {containers: [{name: c}]}}}}}\n",
		"apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringDat: {k: secret}\ndat: {k: c2VjcmV0}\n",
	} {
		f.Add([]byte(s))
	}
}

// FuzzLoad feeds arbitrary bytes to the loader as standard input. It must never panic or
// hang, and what it returns must be consistent: errors name the input, objects have a kind,
// a version and positions, Secret values are gone, and a second load gives the same result.
func FuzzLoad(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		load := func() *Result {
			return Load(context.Background(), []string{"-"}, Options{Stdin: bytes.NewReader(data), Workers: 1, MaxDocumentSize: 1 << 20})
		}
		res := load()
		for _, e := range res.Errors {
			if e.Location.File != "-" || e.Message == "" {
				t.Errorf("error without a place or a cause: %+v", e)
			}
		}
		for _, o := range res.Inventory.Objects() {
			if o.GVK.Kind == "" || o.GVK.Version == "" {
				t.Errorf("object without kind or version: %+v", o.GVK)
			}
			if o.Positions == nil || o.Origin.File != "-" || o.Origin.Document < 1 {
				t.Errorf("object %s without positions or origin: %+v", o.Ref(), o.Origin)
			}
			if o.Typed == nil && o.Content == nil {
				t.Errorf("object %s has neither typed nor plain content", o.Ref())
			}
			if s, ok := o.Typed.(*corev1.Secret); ok {
				for k, v := range s.Data {
					if len(v) > 0 {
						t.Errorf("secret %s keeps data[%s]", o.Name, k)
					}
				}
				for k, v := range s.StringData {
					if v != "" {
						t.Errorf("secret %s keeps stringData[%s]", o.Name, k)
					}
				}
			}
			for _, is := range o.Issues() {
				if is.Path == "" || is.Field == "" {
					t.Errorf("issue without a path: %+v", is)
				}
			}
			if m := o.AsMeant(); m != nil {
				if m.Object == nil || m.Object.Typed == nil || len(m.Renames) == 0 {
					t.Errorf("object %s as meant without content or renames", o.Ref())
				} else if s, ok := m.Object.Typed.(*corev1.Secret); ok && (len(s.Data) > 0 || len(s.StringData) > 0) {
					for k, v := range s.Data {
						if len(v) > 0 {
							t.Errorf("secret %s as meant keeps data[%s]", o.Name, k)
						}
					}
					for k, v := range s.StringData {
						if v != "" {
							t.Errorf("secret %s as meant keeps stringData[%s]", o.Name, k)
						}
					}
				}
			}
		}
		again := load()
		if !reflect.DeepEqual(summary(res), summary(again)) {
			t.Errorf("two loads of the same input differ:\n%v\n%v", summary(res), summary(again))
		}
	})
}

// summary is what must not change between two loads of the same input.
func summary(res *Result) []string {
	var out []string
	for _, o := range res.Inventory.Objects() {
		loc := o.Locate("")
		out = append(out, o.Ref().String()+"@"+loc.String())
	}
	for _, e := range res.Errors {
		out = append(out, e.Location.String()+": "+e.Message)
	}
	return out
}

// FuzzSplitStream checks the document splitter alone: documents are numbered from 1 and
// start on increasing lines (the objects of a JSON stream may share one); each holds exactly
// the input from where it starts, no more than the size limit, and no document marker but on
// its first line.
func FuzzSplitStream(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		const maxDoc = 512
		input := bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
		// lineStart[i] is the offset of line i+1 in input.
		lineStart := []int{0}
		for i, c := range input {
			if c == '\n' && i+1 < len(input) {
				lineStart = append(lineStart, i+1)
			}
		}
		var docs []Document
		err := splitStream(bytes.NewReader(data), "-", maxDoc, func(d Document) error {
			docs = append(docs, d)
			return nil
		})
		if err != nil {
			t.Fatalf("reading from memory failed: %v", err)
		}
		prevLine := 0
		for i, d := range docs {
			if d.Index != i+1 {
				t.Errorf("document %d has index %d", i+1, d.Index)
			}
			if d.Line < prevLine || d.Line == prevLine && d.Column <= 1 || d.Line < 1 {
				t.Errorf("document %d starts at line %d, after %d", d.Index, d.Line, prevLine)
			}
			prevLine = d.Line
			if d.Err != nil {
				continue
			}
			if len(d.Data) == 0 || len(d.Data) > maxDoc {
				t.Errorf("document %d holds %d bytes (limit %d)", d.Index, len(d.Data), maxDoc)
			}
			if d.Line > len(lineStart) {
				t.Fatalf("document %d starts on line %d of %d", d.Index, d.Line, len(lineStart))
			}
			// A document after the first object of a JSON stream starts where that ends.
			from := input[lineStart[d.Line-1]:]
			for range d.Column - 1 {
				_, size := utf8.DecodeRune(from)
				from = from[size:]
			}
			if !bytes.HasPrefix(from, d.Data) {
				t.Errorf("document %d is not the input from its line %d, column %d on: %q", d.Index, d.Line, d.Column, d.Data)
			}
			if d.Column > 1 && (i == 0 || docs[i-1].Line > d.Line) {
				t.Errorf("document %d starts in the middle of line %d, but not after another", d.Index, d.Line)
			}
			for j, l := range strings.SplitAfter(string(d.Data), "\n") {
				if m, _ := documentMarker([]byte(l)); m != "" && j > 0 {
					t.Errorf("document %d holds a %s marker on its line %d", d.Index, m, j+1)
				}
			}
		}
	})
}

// FuzzUnicodeEncodings loads any UTF-8 input, and the same text as UTF-16 (both byte orders)
// and UTF-32 with a byte order mark: the objects, their positions and the errors must be the
// same, as transcoding keeps every line and character where it was.
func FuzzUnicodeEncodings(f *testing.F) {
	addSeeds(f)
	f.Add([]byte("a: «größe»\n---\n{\"x\": \"🙂\"}{\"y\": 1}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if !utf8.Valid(data) || bytes.IndexByte(data, 0) >= 0 || len(data) > 64<<10 {
			return
		}
		load := func(in []byte) []string {
			return summary(Load(context.Background(), []string{"-"}, Options{Stdin: bytes.NewReader(in), Workers: 1, MaxDocumentSize: 1 << 20}))
		}
		want := load(data)
		runes := []rune(string(data))
		for _, enc := range []struct {
			name string
			data []byte
		}{
			{"UTF-16LE", encodeUTF16(runes, binary.LittleEndian)},
			{"UTF-16BE", encodeUTF16(runes, binary.BigEndian)},
			{"UTF-32LE", encodeUTF32(runes, binary.LittleEndian)},
		} {
			if got := load(enc.data); !reflect.DeepEqual(got, want) {
				t.Errorf("%s gives\n%q\nUTF-8 gives\n%q", enc.name, got, want)
			}
		}
	})
}

func encodeUTF16(rs []rune, order binary.ByteOrder) []byte {
	units := utf16.Encode(append([]rune{0xfeff}, rs...))
	out := make([]byte, 2*len(units))
	for i, u := range units {
		order.PutUint16(out[2*i:], u)
	}
	return out
}

func encodeUTF32(rs []rune, order binary.ByteOrder) []byte {
	rs = append([]rune{0xfeff}, rs...)
	out := make([]byte, 4*len(rs))
	for i, r := range rs {
		order.PutUint32(out[4*i:], uint32(r))
	}
	return out
}
