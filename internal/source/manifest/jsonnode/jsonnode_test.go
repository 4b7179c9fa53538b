package jsonnode

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"palisade.dev/palisade/internal/source/manifest/fastyaml"
)

// parse is Parse's value as plain data (fastyaml.Value: a superseded entry gives way).
func parse(data []byte) (any, error) {
	nodes, err := Parse(data)
	if err != nil {
		return nil, err
	}
	return fastyaml.Value(nodes, 0), nil
}

// reference parses data as encoding/json does (UseNumber, one value and nothing after it),
// with numbers resolved as Parse resolves them.
func reference(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, &Error{Kind: Truncated}
		}
		return nil, &Error{Kind: Syntax}
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, &Error{Kind: Trailing}
	}
	return resolve(v), nil
}

func resolve(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := strconv.ParseInt(string(x), 10, 64); err == nil {
			return i
		}
		f, _ := strconv.ParseFloat(string(x), 64)
		return f
	case map[string]any:
		for k, e := range x {
			x[k] = resolve(e)
		}
	case []any:
		for i, e := range x {
			x[i] = resolve(e)
		}
	}
	return v
}

func kindOf(err error) (ErrorKind, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind, true
	}
	return 0, false
}

func TestParse(t *testing.T) {
	for _, c := range []struct {
		name, doc string
		want      any
		err       ErrorKind
		fails     bool
	}{
		{"an object with every kind of value", `{"s":"x","i":-12,"f":1.5,"e":1e3,"t":true,"n":null,"l":[1,"a"],"o":{}}`,
			map[string]any{"s": "x", "i": int64(-12), "f": 1.5, "e": 1000.0, "t": true, "n": nil, "l": []any{int64(1), "a"}, "o": map[string]any{}}, 0, false},
		{"an integer too large for int64 is a float64", `18446744073709551616`, 18446744073709551616.0, 0, false},
		{"the smallest int64 is an int64", `-9223372036854775808`, int64(math.MinInt64), 0, false},
		{"one past the largest int64 is a float64", `9223372036854775808`, 9223372036854775808.0, 0, false},
		{"minus zero is the integer zero", `-0`, int64(0), 0, false},
		{"a number out of float range is infinite", `1e400`, math.Inf(1), 0, false},
		{"a repeated key keeps its last value", `{"a":1,"a":2}`, map[string]any{"a": int64(2)}, 0, false},
		{"escapes are unescaped", `"\"\\\/\b\f\n\r\t\u00e9"`, "\"\\/\b\f\n\r\t\u00e9", 0, false},
		{"a surrogate pair is one rune", `"\ud83d\ude00"`, "\U0001F600", 0, false},
		{"a lone surrogate is U+FFFD", `"\ud83dx"`, "\uFFFDx", 0, false},
		{"a high surrogate before a non-surrogate escape", `"\ud83d\u0041"`, "\uFFFDA", 0, false},
		{"an invalid UTF-8 byte is U+FFFD", "\"a\xffb\"", "a\uFFFDb", 0, false},
		{"white space around the value", " \t\r\n[ ] \n", []any{}, 0, false},
		{"an empty document ends too early", ``, nil, Truncated, true},
		{"an unclosed object ends too early", `{"a":1`, nil, Truncated, true},
		{"a number cut after its dot ends too early", `1.`, nil, Truncated, true},
		{"a literal cut short ends too early", `tru`, nil, Truncated, true},
		{"a control character in a string", "\"a\x01\"", nil, Syntax, true},
		{"a leading zero inside an array", `[01]`, nil, Syntax, true},
		{"a trailing comma", `[1,]`, nil, Syntax, true},
		{"a single-quoted string", `{'a':1}`, nil, Syntax, true},
		{"an unknown escape", `"\x"`, nil, Syntax, true},
		{"a second value", `{} {}`, nil, Trailing, true},
		{"a leading zero at the top is a second value", `01`, nil, Trailing, true},
		{"nesting as deep as encoding/json allows", strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth), nil, 0, false},
		{"nesting deeper than encoding/json allows", strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1), nil, Syntax, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := parse([]byte(c.doc))
			if c.fails {
				if k, ok := kindOf(err); !ok || k != c.err {
					t.Fatalf("Parse = %v, %v; want an error of kind %d", got, err, c.err)
				}
			} else if err != nil {
				t.Fatalf("Parse: %v", err)
			} else if c.want != nil && !reflect.DeepEqual(got, c.want) {
				t.Errorf("Parse = %#v, want %#v", got, c.want)
			}
			// encoding/json agrees.
			ref, refErr := reference([]byte(c.doc))
			if k, _ := kindOf(refErr); (refErr != nil) != c.fails || c.fails && k != c.err {
				t.Errorf("encoding/json: %v, want failure %v of kind %d", refErr, c.fails, c.err)
			}
			if !c.fails && !reflect.DeepEqual(got, ref) {
				t.Errorf("Parse and encoding/json differ")
			}
		})
	}
}

func TestErrorsDescribeNotQuote(t *testing.T) {
	_, err := parse([]byte(`{"hunter2": hunter2}`))
	if err == nil || strings.Contains(err.Error(), "hunter") {
		t.Errorf("error %q quotes the document", err)
	}
}

// FuzzParse holds Parse to encoding/json: the same documents accepted, with the same values,
// and the same refused, for the same kind of reason.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"nginx:1.27","securityContext":{"privileged":true,"runAsUser":0}}]}}`,
		`[1,-0,0.5,1e-7,-2E+3,123456789012345678901234567890]`, `"\ud800\udc00\ud800\u0041\udfff"`, "\"\xed\xa0\x80\"",
		`{"a":{"b":[{},[],null,true,false]}}`, `{"a":1,"a":{}}`, ` 7 `, `[`, `{"a"`, `"\u12`, `{} x`, `[1 2]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := parse(data)
		ref, refErr := reference(data)
		if (err == nil) != (refErr == nil) {
			t.Fatalf("Parse error %v, encoding/json error %v", err, refErr)
		}
		if err != nil {
			k, _ := kindOf(err)
			rk, _ := kindOf(refErr)
			if k != rk {
				t.Fatalf("Parse error kind %d (%v), encoding/json %d", k, err, rk)
			}
			return
		}
		if !reflect.DeepEqual(got, ref) {
			t.Fatalf("Parse = %#v, encoding/json = %#v", got, ref)
		}
	})
}

// deployment is the object of a typical review: a Deployment of one hardened container.
const deployment = `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"shop","labels":{"app":"web"}},
"spec":{"replicas":2,"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},
"spec":{"serviceAccountName":"web","automountServiceAccountToken":false,
"securityContext":{"runAsNonRoot":true,"runAsUser":10001,"seccompProfile":{"type":"RuntimeDefault"}},
"containers":[{"name":"web","image":"registry.example/web:1.4.2@sha256:0000000000000000000000000000000000000000000000000000000000000000",
"ports":[{"containerPort":8080}],"securityContext":{"allowPrivilegeEscalation":false,"readOnlyRootFilesystem":true,"runAsUser":0,"capabilities":{"drop":["ALL"]}},
"resources":{"requests":{"cpu":"100m","memory":"128Mi"},"limits":{"cpu":"500m","memory":"256Mi"}}}]}}}}`

// BenchmarkParse parses a Deployment into nodes with Parse and, for comparison, with
// encoding/json as manifest.Decoder.DecodeJSON did before (a Decoder, UseNumber, numbers
// resolved after, then fastyaml.AppendValue).
func BenchmarkParse(b *testing.B) {
	data := []byte(deployment)
	b.Run("jsonnode", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if _, err := Parse(data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			v, err := reference(data)
			if err != nil {
				b.Fatal(err)
			}
			fastyaml.AppendValue(nil, "", v)
		}
	})
}

func TestNodesKeepTheOrderWrittenAndMarkRepeatedKeys(t *testing.T) {
	nodes, err := Parse([]byte(`{"b":1,"a":[true,null],"b":"x"}`))
	if err != nil {
		t.Fatal(err)
	}
	want := []fastyaml.Node{
		{Kind: fastyaml.Map, Len: 3, End: 6},
		{Key: "b", Kind: fastyaml.Scalar, Value: int64(1), End: 2, Superseded: true},
		{Key: "a", Kind: fastyaml.List, Len: 2, End: 5},
		{Kind: fastyaml.Scalar, Value: true, End: 4},
		{Kind: fastyaml.Scalar, End: 5},
		{Key: "b", Kind: fastyaml.String, Str: "x", End: 6},
	}
	if !reflect.DeepEqual(nodes, want) {
		t.Errorf("Parse =\n%+v\nwant\n%+v", nodes, want)
	}
}

func TestManyRepeatedKeysAreFoundWithAnIndex(t *testing.T) {
	// More keys than fastyaml.Keys searches one by one: the map's index finds the repeats.
	const keys = 64
	var doc strings.Builder
	doc.WriteString("{")
	for i := range 3 * keys {
		fmt.Fprintf(&doc, `"k%d":%d,`, i%(2*keys), i)
	}
	doc.WriteString(`"end":0}`)
	got, err := parse([]byte(doc.String()))
	if err != nil {
		t.Fatal(err)
	}
	ref, _ := reference([]byte(doc.String()))
	if !reflect.DeepEqual(got, ref) {
		t.Errorf("Parse = %v, encoding/json = %v", got, ref)
	}
}

func TestKeptValuesStayAsTheyAre(t *testing.T) {
	doc := []byte(` {"a": [1, {"b":"x"}], "o": {"a": {"k": 1}}, "c" :null, "d": 2} `)
	keep := func(depth int, key string) bool { return depth == 1 && key != "d" || depth == 2 && key == "a" }
	nodes, err := ParseKeeping(doc, keep)
	if err != nil {
		t.Fatal(err)
	}
	raw := func(i int) string {
		r, ok := nodes[i].Value.(Raw)
		if !ok {
			return fmt.Sprintf("not kept: %+v", nodes[i])
		}
		return string(doc[r.Start:r.End])
	}
	if got := raw(1); got != `[1, {"b":"x"}]` {
		t.Errorf("a = %s", got)
	}
	// o is kept whole at depth 1 (its own a at depth 2 is inside it).
	if got := raw(2); got != `{"a": {"k": 1}}` {
		t.Errorf("o = %s", got)
	}
	if nodes[3].Key != "c" || nodes[3].Value != nil {
		t.Errorf("a kept null stays null: %+v", nodes[3])
	}
	if nodes[4].Key != "d" || nodes[4].Value != int64(2) {
		t.Errorf("d is not kept: %+v", nodes[4])
	}
	if nodes[0].Len != 4 || nodes[0].End != 5 {
		t.Errorf("the document's node = %+v, want 4 entries ending at 5", nodes[0])
	}
	if _, err := ParseKeeping([]byte(`{"a": [1,}`), keep); err == nil {
		t.Error("a kept value is checked as any other")
	}
}
