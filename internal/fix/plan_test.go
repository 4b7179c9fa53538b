package fix

import (
	"reflect"
	"testing"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/fix/remedytext"
)

func TestNewPlan(t *testing.T) {
	web := finding.ObjectRef{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "shop", Name: "web"}
	shop := finding.ObjectRef{APIVersion: "v1", Kind: "Namespace", Name: "shop"}
	at := func(file string) finding.Location { return finding.Location{File: file, Document: 1} }
	drop := template + "containers[0].securityContext.capabilities.drop"
	for _, c := range []struct {
		name     string
		findings []finding.Finding
		// edits are the patches planned for deploy/web.yaml; resolved the rules of the
		// findings they resolve; none the rules of those with no remedy in this plan.
		edits          []finding.Patch
		resolved, none []string
		newFiles       []string
	}{
		{
			name: "a field two findings set is set once, by the first",
			findings: []finding.Finding{
				{RuleID: "pod/a", Object: web, Location: at("deploy/web.yaml"), Fix: []finding.Patch{set(template+"hostPID", false)}},
				{RuleID: "pod/b", Object: web, Location: at("deploy/web.yaml"), Fix: []finding.Patch{set(template+"hostPID", false)}},
			},
			edits:    []finding.Patch{set(template+"hostPID", false)},
			resolved: []string{"pod/a", "pod/b"},
		},
		{
			name: "a list item's correction goes first and the whole list's remedy waits",
			findings: []finding.Finding{
				{RuleID: "pod/capabilities-drop-all", Object: web, Location: at("deploy/web.yaml"), Fix: []finding.Patch{set(drop, []string{"CAP_ALL", "ALL"})}},
				{RuleID: "manifest/invalid-value", Object: web, Location: at("deploy/web.yaml"), Fix: []finding.Patch{set(drop+"[0]", "ALL")}},
			},
			edits:    []finding.Patch{set(drop+"[0]", "ALL")},
			resolved: []string{"manifest/invalid-value"},
			none:     []string{"pod/capabilities-drop-all"},
		},
		{
			name: "a TODO note is planned but resolves nothing",
			findings: []finding.Finding{
				{RuleID: "pod/cpu-limit", Object: web, Location: at("deploy/web.yaml"), Fix: []finding.Patch{noteAt(template+"containers[0].resources", "TODO(palisade): set limits.cpu")}},
			},
			edits: []finding.Patch{noteAt(template+"containers[0].resources", "TODO(palisade): set limits.cpu")},
			none:  []string{"pod/cpu-limit"},
		},
		{
			name: "what a namespace lacks is one new file beside the file the findings name",
			findings: []finding.Finding{
				{RuleID: "namespace/resource-quota", Object: shop, Location: at("deploy/ns.yaml")},
				{RuleID: "namespace/limit-range", Object: shop, Location: at("deploy/ns.yaml")},
			},
			newFiles: []string{"deploy/namespace-shop.palisade.yaml"},
		},
		{
			name: "a namespace of a rendered chart gets no file",
			findings: []finding.Finding{
				{RuleID: "namespace/resource-quota", Object: shop, Location: finding.Location{File: "chart", Document: 1, Template: "templates/ns.yaml"}},
			},
			none: []string{"namespace/resource-quota"},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			rendered := func(f *finding.Finding) bool { return f.Location.Template != "" }
			p := NewPlan(c.findings, rendered)
			var edits []finding.Patch
			var resolved, none, newFiles []string
			for _, fp := range p.Files {
				for _, e := range fp.Edits {
					edits = append(edits, e.Patches...)
				}
				for _, f := range fp.Findings {
					resolved = append(resolved, f.RuleID)
				}
			}
			for _, f := range p.NoRemedy {
				none = append(none, f.RuleID)
			}
			for _, nf := range p.NewFiles {
				newFiles = append(newFiles, nf.File)
				want, _ := remedytext.NamespaceObjects("shop", remedytext.NamespaceOptions{HasDefaultDeny: true})
				if string(nf.Text) != string(want) {
					t.Errorf("%s holds:\n%s\nwant:\n%s", nf.File, nf.Text, want)
				}
			}
			for name, pair := range map[string][2]any{
				"edits": {edits, c.edits}, "resolved": {resolved, c.resolved}, "no remedy": {none, c.none}, "new files": {newFiles, c.newFiles},
			} {
				if !reflect.DeepEqual(pair[0], pair[1]) {
					t.Errorf("%s: %v, want %v", name, pair[0], pair[1])
				}
			}
		})
	}
}
