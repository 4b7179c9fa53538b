package cause_test

import (
	"slices"
	"strings"
	"testing"

	"palisade.dev/palisade/internal/cause"
	"palisade.dev/palisade/internal/finding"
)

const c0 = "spec.containers[0]"

func plain(rule string, sev finding.Severity, container, path string) finding.Finding {
	return finding.Finding{RuleID: rule, Severity: sev, Container: container, Path: path,
		Object: finding.ObjectRef{Kind: "Pod", Name: "p"}, Location: finding.Location{File: "a.yaml", Document: 1}}
}

func composite(rule string, sev finding.Severity, checks ...finding.Check) finding.Finding {
	rel := &finding.Related{Checks: checks, Lead: "fails: ", Tail: "."}
	f := plain(rule, sev, "", "")
	f.Related = rel
	f.Message, f.Evidence, f.Path, f.Container = rel.Describe()
	return f
}

func check(id, container, path string) finding.Check {
	return finding.Check{ID: id, Container: container, Path: path, Reason: id + " fails", Field: true}
}

// TestFold pins the folding rules: what is one cause, who speaks for it, and what is left of a
// composite finding whose checks others report.
func TestFold(t *testing.T) {
	tests := []struct {
		name string
		in   []finding.Finding
		// want lists the findings left, "rule path [alsoBreaks] message".
		want []string
	}{
		{name: "two rules at one field: the more severe speaks",
			in:   []finding.Finding{plain("pod/image-digest", finding.Low, "app", c0+".image"), plain("pod/image-tag", finding.Medium, "app", c0+".image")},
			want: []string{"pod/image-tag " + c0 + ".image [pod/image-digest]"}},
		{name: "equal severity: a finding of its own speaks before a composite's check, which leaves the composite",
			in: []finding.Finding{
				plain("pod/seccomp", finding.Medium, "app", c0+".securityContext.seccompProfile.type"),
				composite("pss/restricted", finding.Medium, check("seccompProfile_restricted", "app", c0+".securityContext.seccompProfile"), check("runAsUser", "app", c0+".securityContext.runAsUser")),
			},
			want: []string{
				"pod/seccomp " + c0 + ".securityContext.seccompProfile.type [pss/restricted:seccompProfile_restricted]",
				"pss/restricted " + c0 + ".securityContext.runAsUser [] fails: runAsUser fails.",
			}},
		{name: "a more severe composite speaks and names the rule it covers",
			in: []finding.Finding{
				plain("pod/host-path", finding.Medium, "", "spec.volumes[0].hostPath.path"),
				composite("pss/baseline", finding.High, check("hostPathVolumes", "", "spec.volumes[0].hostPath")),
			},
			want: []string{"pss/baseline spec.volumes[0].hostPath [pod/host-path] fails: hostPathVolumes fails."}},
		{name: "two instances of one rule stay two findings",
			in: []finding.Finding{
				plain("pod/dangerous-capabilities", finding.High, "app", c0+".securityContext.capabilities.add[0]"),
				plain("pod/dangerous-capabilities", finding.Critical, "app", c0+".securityContext.capabilities.add[1]"),
				composite("pss/baseline", finding.High, check("capabilities_baseline", "app", c0+".securityContext.capabilities.add")),
			},
			want: []string{
				"pod/dangerous-capabilities " + c0 + ".securityContext.capabilities.add[0] []",
				"pod/dangerous-capabilities " + c0 + ".securityContext.capabilities.add[1] [pss/baseline:capabilities_baseline]",
			}},
		{name: "a parent field does not bridge two different fields below it",
			in: []finding.Finding{
				plain("pod/capabilities-drop-all", finding.Medium, "app", c0+".securityContext.capabilities.drop"),
				plain("pod/dangerous-capabilities", finding.High, "app", c0+".securityContext.capabilities.add[0]"),
				plain("pod/other", finding.Low, "app", c0+".securityContext.capabilities"),
			},
			want: []string{
				"pod/dangerous-capabilities " + c0 + ".securityContext.capabilities.add[0] []",
				"pod/capabilities-drop-all " + c0 + ".securityContext.capabilities.drop [pod/other]",
			}},
		{name: "other containers, other fields and whole specs are other causes",
			in: []finding.Finding{
				plain("pod/image-tag", finding.Medium, "app", c0+".image"),
				plain("pod/image-digest", finding.Low, "sidecar", "spec.containers[1].image"),
				plain("pod/a", finding.Low, "", "spec"),
				plain("pod/b", finding.Low, "", "spec.hostNetwork"),
			},
			want: []string{"pod/a spec []", "pod/b spec.hostNetwork []", "pod/image-tag " + c0 + ".image []", "pod/image-digest spec.containers[1].image []"}},
		{name: "a check that is not located at its own field is never folded",
			in: []finding.Finding{
				plain("pod/host-network", finding.High, "", "spec.hostNetwork"),
				composite("pss/baseline", finding.High, finding.Check{ID: "hostNamespaces", Path: "spec", Reason: "host namespaces"}),
			},
			want: []string{"pod/host-network spec.hostNetwork []", "pss/baseline spec [] fails: host namespaces."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := slices.Clone(tt.in)
			finding.Sort(in)
			var got []string
			for _, f := range cause.Fold(in) {
				s := f.RuleID + " " + f.Path + " [" + strings.Join(f.AlsoBreaks(), " ") + "]"
				if f.Related != nil && len(f.Related.Checks) > 0 {
					s += " " + f.Message
				}
				got = append(got, s)
			}
			slices.Sort(got)
			want := slices.Sorted(slices.Values(tt.want))
			if !slices.Equal(got, want) {
				t.Errorf("Fold:\n got  %q\n want %q", got, want)
			}
		})
	}
}

// TestFoldKeepsTheRemediesOfTheFindingsItFolds pins that the finding that speaks for a cause
// carries the patches of the findings it folds, once per field, so that fixing it resolves
// every rule it names.
func TestFoldKeepsTheRemediesOfTheFindingsItFolds(t *testing.T) {
	priv := c0 + ".securityContext.privileged"
	ape := c0 + ".securityContext.allowPrivilegeEscalation"
	withFix := func(f finding.Finding, fix ...finding.Patch) finding.Finding { f.Fix = fix; return f }
	tests := []struct {
		name string
		in   []finding.Finding
		want []finding.Patch
	}{
		{name: "a folded finding's patch at another field is added",
			in: []finding.Finding{
				withFix(plain("pod/privileged", finding.Critical, "app", priv), finding.Patch{Path: priv, Remove: true}),
				withFix(plain("pod/allow-privilege-escalation", finding.High, "app", priv),
					finding.Patch{Path: priv, Remove: true}, finding.Patch{Path: ape, Value: false}),
			},
			want: []finding.Patch{{Path: priv, Remove: true}, {Path: ape, Value: false}}},
		{name: "the speaker's patch at a field wins over a folded one's",
			in: []finding.Finding{
				withFix(plain("pod/image-tag", finding.Medium, "app", c0+".image"), finding.Patch{Path: c0 + ".image", Comment: "TODO(palisade): pin a tag"}),
				withFix(plain("pod/image-digest", finding.Low, "app", c0+".image"), finding.Patch{Path: c0 + ".image", Comment: "TODO(palisade): pin a digest"}),
			},
			want: []finding.Patch{{Path: c0 + ".image", Comment: "TODO(palisade): pin a tag"}}},
		{name: "a speaker without a remedy takes the folded finding's",
			in: []finding.Finding{
				plain("pod/privileged", finding.Critical, "app", priv),
				withFix(plain("pod/allow-privilege-escalation", finding.High, "app", priv), finding.Patch{Path: ape, Value: false}),
			},
			want: []finding.Patch{{Path: ape, Value: false}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			speakerFix := slices.Clone(tt.in[0].Fix)
			in := slices.Clone(tt.in)
			finding.Sort(in)
			got := cause.Fold(in)
			if len(got) != 1 {
				t.Fatalf("got %d findings, want 1", len(got))
			}
			if !slices.EqualFunc(got[0].Fix, tt.want, func(a, b finding.Patch) bool {
				return a.Path == b.Path && a.Remove == b.Remove && a.Value == b.Value && a.Comment == b.Comment
			}) {
				t.Errorf("Fix = %+v, want %+v", got[0].Fix, tt.want)
			}
			if !slices.EqualFunc(tt.in[0].Fix, speakerFix, func(a, b finding.Patch) bool { return a == b }) {
				t.Errorf("the speaker's own Fix slice was changed: %+v", tt.in[0].Fix)
			}
		})
	}
}
