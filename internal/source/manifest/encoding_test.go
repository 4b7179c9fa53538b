package manifest_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
	"testing"
	"unicode/utf16"

	"palisade.dev/palisade/internal/source/manifest"
)

// encodingPod is a manifest with characters outside ASCII before the fields whose positions
// are checked, so that columns count characters, not bytes.
const encodingPod = "# Bereitstellung für den Shop — «test»\napiVersion: v1\nkind: Pod\nmetadata:\n  name: enc\n" +
	"  annotations: {note: \"größe\", team: ops}\nspec:\n  containers:\n  - name: app\n    image: registry.example/app:1\n" +
	"    securityContext: {privileged: true}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: \"zwei—🙂\", namespace: x}\n"

func utf16Bytes(s string, order binary.ByteOrder, bom bool) []byte {
	units := utf16.Encode([]rune(s))
	if bom {
		units = append([]uint16{0xfeff}, units...)
	}
	out := make([]byte, 2*len(units))
	for i, u := range units {
		order.PutUint16(out[2*i:], u)
	}
	return out
}

func utf32Bytes(s string, order binary.ByteOrder) []byte {
	rs := append([]rune{0xfeff}, []rune(s)...)
	out := make([]byte, 4*len(rs))
	for i, r := range rs {
		order.PutUint32(out[4*i:], uint32(r))
	}
	return out
}

// TestLoadUnicodeEncodings pins that UTF-16 and UTF-32 with a byte order mark, and UTF-8 with
// one, are read as YAML allows, every object and field where it is in the UTF-8 text, and
// that UTF-16 without a mark is an error that says so.
func TestLoadUnicodeEncodings(t *testing.T) {
	positions := func(res *manifest.Result) []string {
		var out []string
		for _, o := range res.Inventory.Objects() {
			for _, p := range []string{"", "metadata.name", "metadata.annotations.team", "spec.containers[0].securityContext.privileged"} {
				loc := o.Locate(p)
				out = append(out, fmt.Sprintf("%s %s@%d:%d", o.Name, p, loc.Line, loc.Column))
			}
		}
		return out
	}
	want := positions(loadClean(t, []string{"-"}, manifest.Options{Stdin: strings.NewReader(encodingPod)}))
	if len(want) != 8 || !strings.Contains(want[3], "enc spec.containers[0].securityContext.privileged@11:23") ||
		!strings.Contains(want[5], "zwei—🙂 metadata.name@15:12") {
		t.Fatalf("positions of the UTF-8 text: %q", want)
	}
	tests := []struct {
		name string
		data []byte
		// err is a part of the one error's message, when the input must be refused.
		err string
	}{
		{name: "UTF-8 with a byte order mark", data: append([]byte("\xef\xbb\xbf"), encodingPod...)},
		{name: "UTF-16 little-endian with a byte order mark", data: utf16Bytes(encodingPod, binary.LittleEndian, true)},
		{name: "UTF-16 big-endian with a byte order mark", data: utf16Bytes(encodingPod, binary.BigEndian, true)},
		{name: "UTF-16 with a byte order mark and CRLF", data: utf16Bytes(strings.ReplaceAll(encodingPod, "\n", "\r\n"), binary.LittleEndian, true)},
		{name: "UTF-32 little-endian with a byte order mark", data: utf32Bytes(encodingPod, binary.LittleEndian)},
		{name: "UTF-32 big-endian with a byte order mark", data: utf32Bytes(encodingPod, binary.BigEndian)},
		{name: "UTF-16 without a byte order mark", data: utf16Bytes(encodingPod, binary.LittleEndian, false), err: "UTF-16 text without a byte order mark"},
		{name: "UTF-16 big-endian without a byte order mark", data: utf16Bytes(encodingPod, binary.BigEndian, false), err: "UTF-16 text without a byte order mark"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := manifest.Load(context.Background(), []string{"-"}, manifest.Options{Stdin: strings.NewReader(string(tt.data))})
			if tt.err != "" {
				if len(res.Errors) != 1 || !strings.Contains(res.Errors[0].Message, tt.err) || res.Inventory.Len() != 0 {
					t.Fatalf("errors %v, objects %d; want one error saying %q", res.Errors, res.Inventory.Len(), tt.err)
				}
				return
			}
			for _, e := range res.Errors {
				t.Errorf("unexpected error: %s: %s", e.Location, e.Message)
			}
			if got := positions(res); !slices.Equal(got, want) {
				t.Errorf("positions\n%q\nwant\n%q", got, want)
			}
		})
	}
}

// TestLoadLocatesInvalidText pins that text YAML does not allow (bytes that are not UTF-8,
// control characters) is reported at its line and column, not at the document's start.
func TestLoadLocatesInvalidText(t *testing.T) {
	runStreamCases(t, []streamCase{
		{
			name:   "invalid UTF-8 in a value",
			input:  configMap("before") + "---\n" + configMap("bad") + "data:\n  k: caf\xe9 au lait\n---\n" + configMap("after"),
			want:   []string{"before@1:1:1", "after@3:13:1"},
			errors: []string{"11:9:not valid UTF-8"},
		},
		{
			name:   "invalid UTF-8 after characters of several bytes",
			input:  configMap("bad") + "data:\n  k: «größe» \xff\n",
			errors: []string{"6:14:not valid UTF-8"},
		},
		{
			name:   "a control character",
			input:  configMap("bad") + "data:\n  k: bell\x07\n",
			errors: []string{"6:10:control character U+0007"},
		},
		{
			name:   "invalid UTF-8 in the second object of a JSON stream",
			input:  jsonConfigMap("one") + jsonConfigMap("tw\xffo"),
			want:   []string{"one@1:1:1"},
			errors: []string{"1:137:not valid UTF-8"},
		},
	})
}
