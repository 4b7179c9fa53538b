package testbrowser

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// recordingTB records how a test would have ended instead of ending it.
type recordingTB struct {
	testing.TB
	skipped, failed string
}

func (r *recordingTB) Helper()                           {}
func (r *recordingTB) Skipf(format string, args ...any)  { r.skipped = fmt.Sprintf(format, args...) }
func (r *recordingTB) Fatalf(format string, args ...any) { r.failed = fmt.Sprintf(format, args...) }

func TestMissingBrowserSkipsOutsideCIAndFailsInCI(t *testing.T) {
	for _, tc := range []struct {
		name     string
		ci       string
		wantFail bool
	}{
		{"CI=true fails", "true", true},
		{"no CI skips", "", false},
		{"CI=false skips", "false", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("CI", tc.ci)
			r := &recordingTB{TB: t}
			unavailable(r, errors.New("no Chromium at /x"))
			got := r.skipped
			if tc.wantFail {
				got = r.failed
			}
			if !strings.Contains(got, "no Chromium at /x") || !strings.Contains(got, "apt-get install") || (r.skipped != "") == (r.failed != "") {
				t.Errorf("skipped %q, failed %q; want the reason and the install command in the %s message only", r.skipped, r.failed,
					map[bool]string{true: "failure", false: "skip"}[tc.wantFail])
			}
		})
	}
}

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
