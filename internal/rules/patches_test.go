package rules

import (
	"reflect"
	"testing"

	"palisade.dev/palisade/internal/finding"
)

func TestFindingsKeepThePatchesTheCallerUses(t *testing.T) {
	change := finding.Patch{Path: "spec.hostPID", Remove: true}
	note := finding.Patch{Path: "spec.containers[0].image", Comment: "TODO(palisade): pin the image by digest"}
	for _, c := range []struct {
		name      string
		opts      *Options
		fix, want []finding.Patch
	}{
		{"without options every patch is kept", nil, []finding.Patch{change, note}, []finding.Patch{change, note}},
		{"fix keeps every patch, notes included", &Options{Patches: AllPatches}, []finding.Patch{change, note}, []finding.Patch{change, note}},
		{"a report that prints remedies keeps the changes", &Options{Patches: ChangePatches}, []finding.Patch{note, change}, []finding.Patch{change}},
		{"a note alone is not kept for a report", &Options{Patches: ChangePatches}, []finding.Patch{note}, nil},
		{"a report that prints no remedy keeps none", &Options{Patches: NoPatches}, []finding.Patch{change, note}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := &Evaluation{opts: c.opts}
			if got := e.patches(c.fix); !reflect.DeepEqual(got, c.want) {
				t.Errorf("patches %+v, want %+v", got, c.want)
			}
		})
	}
}
