package helm

import (
	"slices"
	"strings"
	"testing"
)

func TestAlignLines(t *testing.T) {
	tests := []struct {
		name     string
		template []string
		rendered []string
		want     []int
	}{
		{
			name:     "identical lines map one to one",
			template: []string{"apiVersion: v1", "kind: Service", "metadata:", "  name: web"},
			rendered: []string{"apiVersion: v1", "kind: Service", "metadata:", "  name: web"},
			want:     []int{1, 2, 3, 4},
		},
		{
			name:     "a value written by an action fits the line's fixed text",
			template: []string{"spec:", "  replicas: {{ .Values.replicas }}", "  paused: false"},
			rendered: []string{"spec:", "  replicas: 3", "  paused: false"},
			want:     []int{1, 2, 3},
		},
		{
			name:     "lines dropped by a condition leave the rest in place",
			template: []string{"a: 1", "{{- if .Values.b }}", "b: 2", "{{- end }}", "c: 3"},
			rendered: []string{"a: 1", "c: 3"},
			want:     []int{1, 5},
		},
		{
			name:     "the output of an include goes to the include's line",
			template: []string{"metadata:", "  labels:", "    {{- include \"labels\" . | nindent 4 }}", "spec:"},
			rendered: []string{"metadata:", "  labels:", "    app: web", "    tier: frontend", "spec:"},
			want:     []int{1, 2, 3, 3, 4},
		},
		{
			name: "with two writers between matches, output goes to the key above",
			template: []string{"labels:", "  {{- include \"a\" . | nindent 2 }}", "  {{- include \"b\" . | nindent 2 }}",
				"spec:"},
			rendered: []string{"labels:", "  a: 1", "  b: 2", "spec:"},
			want:     []int{1, 1, 1, 4},
		},
		{
			name: "a loop's repeated lines go back to the loop body",
			template: []string{"ports:", "{{- range .Values.ports }}", "  - name: {{ .name }}", "    port: {{ .port }}",
				"{{- end }}", "type: ClusterIP"},
			rendered: []string{"ports:", "  - name: http", "    port: 80", "  - name: https", "    port: 443", "type: ClusterIP"},
			want:     []int{1, 3, 4, 3, 4, 6},
		},
		{
			name:     "an exact line is preferred to one that only fits a pattern",
			template: []string{"name: {{ .Values.name }}", "name: web"},
			rendered: []string{"name: web"},
			want:     []int{2},
		},
		{
			name:     "lines before any match go to the first match",
			template: []string{"{{ .Values.header }}", "kind: ConfigMap"},
			rendered: []string{"# generated", "kind: ConfigMap"},
			want:     []int{1, 2},
		},
		{
			name:     "nothing matches: every line goes to the first",
			template: []string{"{{ .Values.everything }}"},
			rendered: []string{"a: 1", "b: 2"},
			want:     []int{1, 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := alignLines([]byte(strings.Join(tt.template, "\n")), []byte(strings.Join(tt.rendered, "\n")))
			if !slices.Equal(got, tt.want) {
				t.Errorf("alignLines = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestAlignLinesLargeFallsBackInOrder pins the greedy alignment used past the table bound: it
// still keeps lines in order.
func TestAlignLinesLargeFallsBackInOrder(t *testing.T) {
	var tmpl, out []string
	for i := range 3000 {
		tmpl = append(tmpl, "key"+strings.Repeat("x", i%7)+": {{ .v }}")
	}
	for i := range 3000 {
		out = append(out, "key"+strings.Repeat("x", i%7)+": 1")
	}
	got := alignLines([]byte(strings.Join(tmpl, "\n")), []byte(strings.Join(out, "\n")))
	for i, l := range got {
		if l != i+1 {
			t.Fatalf("line %d attributed to %d, want %d", i+1, l, i+1)
		}
	}
}
