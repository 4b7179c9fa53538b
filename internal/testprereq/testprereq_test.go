package testprereq

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

func TestMissingSkipsOutsideCIAndFailsInCI(t *testing.T) {
	for _, tc := range []struct {
		ci       string
		wantFail bool
	}{
		{"true", true},
		{"", false},
		{"false", false},
	} {
		t.Run("CI="+tc.ci, func(t *testing.T) {
			t.Setenv("CI", tc.ci)
			r := &recordingTB{TB: t}
			Missing(r, "test cluster", errors.New("no kube-apiserver"))
			got := r.skipped
			if tc.wantFail {
				got = r.failed
			}
			if !strings.Contains(got, "test cluster unavailable") || !strings.Contains(got, "no kube-apiserver") || (r.skipped != "") == (r.failed != "") {
				t.Errorf("skipped %q, failed %q; want the prerequisite and the reason in the %s message only", r.skipped, r.failed,
					map[bool]string{true: "failure", false: "skip"}[tc.wantFail])
			}
		})
	}
}
