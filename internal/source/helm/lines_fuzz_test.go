package helm

import (
	"bytes"
	"testing"
)

// FuzzAlignLines feeds arbitrary template and rendered text to the line attribution: it must
// never panic, attribute every rendered line, and only ever name a line the template has.
func FuzzAlignLines(f *testing.F) {
	f.Add([]byte("apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{ .Release.Name }}\n"), []byte("apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n"))
	f.Add([]byte("{{- range .Values.xs }}\n- {{ . }}\n{{- end }}\n"), []byte("- a\n- b\n- c\n"))
	f.Add([]byte("spec:\n{{ toYaml .Values.spec | indent 2 }}\n"), []byte("spec:\n  a: 1\n  b: 2\n"))
	f.Add([]byte(""), []byte("x: 1\n"))
	f.Fuzz(func(t *testing.T, template, rendered []byte) {
		if len(template) > 1<<14 || len(rendered) > 1<<14 {
			return
		}
		got := alignLines(template, rendered)
		if want := bytes.Count(rendered, []byte("\n")) + 1; len(got) != want {
			t.Fatalf("%d attributions for %d rendered lines", len(got), want)
		}
		lines := bytes.Count(template, []byte("\n")) + 1
		for i, l := range got {
			if l < 0 || l > lines {
				t.Fatalf("rendered line %d attributed to template line %d of %d", i+1, l, lines)
			}
		}
	})
}
