package fix

import (
	"bytes"
	"testing"
)

// FuzzTemplateValue pins that any template text is read without a crash, and that a value
// the reading finds has a key and a path of names.
func FuzzTemplateValue(f *testing.F) {
	f.Add("spec:\n  hostPID: {{ .Values.hostPID }}\n", uint8(1))
	f.Add("      securityContext:\n        {{- toYaml .Values.podSecurityContext | nindent 8 }}\n", uint8(0))
	f.Add("      securityContext:\n        {{- toYaml .Values.podSecurityContext | nindent 8 }}\n", uint8(1))
	f.Add("  - name: {{ .Values.a }}{{ .Values.b }}\n", uint8(0))
	f.Fuzz(func(t *testing.T, text string, line uint8) {
		key, ref, _, ok := templateValue(bytes.Split([]byte(text), []byte("\n")), int(line))
		if !ok {
			return
		}
		if key == "" || len(ref) == 0 {
			t.Errorf("a value of %d keys under a key of %d characters", len(ref), len(key))
		}
		for _, r := range ref {
			if r == "" {
				t.Error("an empty name in the value's path")
			}
		}
	})
}
