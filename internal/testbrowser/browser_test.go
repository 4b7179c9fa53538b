package testbrowser

import (
	"testing"
)

func TestArtifactDirIsTheVariableOrTheTemporaryFolder(t *testing.T) {
	for _, tc := range []struct {
		name, env, want string
	}{
		{"PALISADE_TEST_ARTIFACTS names it", "set", "set"},
		{"else palisade-test-artifacts in TMPDIR", "", "palisade-test-artifacts"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tmp := t.TempDir()
			t.Setenv("TMPDIR", tmp)
			env := ""
			if tc.env != "" {
				env = tmp + "/" + tc.env
			}
			t.Setenv("PALISADE_TEST_ARTIFACTS", env)
			if got := ArtifactDir(t); got != tmp+"/"+tc.want {
				t.Errorf("ArtifactDir() = %q, want %q", got, tmp+"/"+tc.want)
			}
		})
	}
}
