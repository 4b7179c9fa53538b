package scan

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
)

// TestSpooledActiveFindingsAreThoseHeld pins that the active findings a spooled scan writes
// to its sequence are, in order, those of a scan that held them all: sorted and folded, and,
// for a live cluster, the findings of marked objects first (as rbac.PodUse.Rank moves them),
// the mark made a group at a time.
func TestSpooledActiveFindingsAreThoseHeld(t *testing.T) {
	var all []finding.Finding
	for i := range 40 {
		ns := fmt.Sprint("ns-", i%4)
		name := fmt.Sprint("app-", i%5)
		if i%7 == 0 {
			name = fmt.Sprint("used-", i%3)
		}
		all = append(all, finding.Finding{RuleID: fmt.Sprint("pod/rule-", i%3), Severity: finding.Severity(i % 5),
			Object:   finding.ObjectRef{Kind: "Deployment", Namespace: ns, Name: name},
			Location: finding.Location{Cluster: "prod", Line: i}, Message: fmt.Sprint("finding ", i)})
	}
	// mark marks the objects named used-*, adding to their first rule's evidence, as
	// rbac.PodUse.Mark does for the bindings of ServiceAccounts that pods use.
	mark := func(fs []finding.Finding) map[finding.ObjectRef]bool {
		used := map[finding.ObjectRef]bool{}
		for i := range fs {
			if strings.HasPrefix(fs[i].Object.Name, "used-") {
				if fs[i].RuleID == "pod/rule-0" {
					fs[i].Evidence += "; used"
				}
				used[fs[i].Object] = true
			}
		}
		return used
	}
	for _, c := range []struct {
		name string
		mark func([]finding.Finding) map[finding.ObjectRef]bool
	}{
		{"manifests: sorted and folded", nil},
		{"a live cluster: marked objects first", mark},
	} {
		t.Run(c.name, func(t *testing.T) {
			held := &Result{}
			want := held.applyFolding(append([]finding.Finding(nil), all...), inventory.New(), nil, true)
			if c.mark != nil {
				used := c.mark(want)
				var first, rest []finding.Finding
				for _, f := range want {
					if used[f.Object] {
						first = append(first, f)
					} else {
						rest = append(rest, f)
					}
				}
				want = append(first, rest...)
			}

			s := newSpooler(t.TempDir())
			if s == nil {
				t.Fatal("no spool in a temporary folder")
			}
			s.add(nil, all[:25]) // spooled as judged; the rest come from Finish
			res := &Result{}
			s.finish(res, append([]finding.Finding(nil), all[25:]...), inventory.New(), nil, c.mark)
			defer res.Close()
			if _, held := res.Active.(finding.Slice); held {
				t.Fatal("the active findings were held, not spooled")
			}
			got, err := finding.Collect(res.Active)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("spooled:\n%v\nheld:\n%v", got, want)
			}
		})
	}
}
