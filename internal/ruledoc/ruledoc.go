// Package ruledoc renders the rule catalog for people and programs: the table and the JSON
// catalog of `palisade rules`, the explanation of `palisade explain`, the Markdown reference
// in docs/rules.md and the help text that reports attach to a rule. It only reads rule values;
// it decides nothing and knows no particular rule, so the documentation is generated from the
// catalog and never written twice.
package ruledoc

import (
	"cmp"
	"slices"
	"strings"

	"palisade.dev/palisade/internal/rules"
)

// DocsURL is where the published rule reference (docs/rules.md) lives; a rule's own section is
// DocsURL + "#" + Anchor(id).
const DocsURL = "https://palisade.dev/docs/rules"

// HelpURL is the address of one rule's section in the published reference.
func HelpURL(id string) string { return DocsURL + "#" + Anchor(id) }

// RuleHelpURL is HelpURL for a built-in rule, and "" for a rule written elsewhere (a user's
// policy), which the published reference does not document.
func RuleHelpURL(r *rules.Rule) string {
	if r.Origin != "" {
		return ""
	}
	return HelpURL(r.ID)
}

// Anchor is the HTML id of a rule's section: its ID with the slash written as a dash
// (pod/run-as-non-root becomes pod-run-as-non-root), stable as long as the ID is.
func Anchor(id string) string { return strings.ReplaceAll(id, "/", "-") }

// areaOrder is the order areas appear in the reference: from the manifest itself, through the
// pod, to what surrounds it. Areas not listed follow, alphabetically.
var areaOrder = []rules.Area{
	rules.AreaGeneral,
	rules.AreaManifest,
	rules.AreaWorkload,
	rules.AreaPSS,
	rules.AreaNamespace,
	rules.AreaNetwork,
	rules.AreaRBAC,
}

// areaTitles are the headings of the areas in the reference.
var areaTitles = map[rules.Area]string{
	rules.AreaGeneral:   "General",
	rules.AreaManifest:  "Manifests",
	rules.AreaWorkload:  "Workloads",
	rules.AreaPSS:       "Pod Security Standards",
	rules.AreaNamespace: "Namespaces",
	rules.AreaNetwork:   "Network",
	rules.AreaRBAC:      "RBAC",
}

// AreaTitle is the heading of an area: a known title, else the area's name.
func AreaTitle(a rules.Area) string {
	if t, ok := areaTitles[a]; ok {
		return t
	}
	return string(a)
}

// AreaGroup is the rules of one area, sorted by ID.
type AreaGroup struct {
	Area  rules.Area
	Rules []*rules.Rule
}

// ByArea groups rules by area, areas in reference order, rules by ID.
func ByArea(rs []*rules.Rule) []AreaGroup {
	index := map[rules.Area]int{}
	var groups []AreaGroup
	for _, r := range rs {
		i, ok := index[r.Area]
		if !ok {
			i = len(groups)
			index[r.Area] = i
			groups = append(groups, AreaGroup{Area: r.Area})
		}
		groups[i].Rules = append(groups[i].Rules, r)
	}
	rank := func(a rules.Area) int {
		if i := slices.Index(areaOrder, a); i >= 0 {
			return i
		}
		return len(areaOrder)
	}
	slices.SortFunc(groups, func(a, b AreaGroup) int {
		return cmp.Or(cmp.Compare(rank(a.Area), rank(b.Area)), cmp.Compare(a.Area, b.Area))
	})
	for _, g := range groups {
		slices.SortFunc(g.Rules, func(a, b *rules.Rule) int { return cmp.Compare(a.ID, b.ID) })
	}
	return groups
}

// AppliesTo says in words which objects a rule evaluates.
func AppliesTo(r *rules.Rule) string {
	switch r.Scope {
	case rules.ScopePod:
		return "every object that runs a pod (Pod, PodTemplate, Deployment, ReplicaSet, ReplicationController, StatefulSet, DaemonSet, Job, CronJob and custom resources with a pod template)"
	case rules.ScopeNamespace:
		return "every namespace the input defines or uses"
	case rules.ScopeCluster:
		return "the live cluster itself (palisade cluster)"
	case rules.ScopeEndpoint:
		if len(r.EndpointComponents) == 0 {
			return "every endpoint a probe reaches (palisade probe)"
		}
		return "each " + strings.Join(r.EndpointComponents, ", ") + " endpoint a probe reaches (palisade probe)"
	case rules.ScopeNode:
		if len(r.Components) == 0 {
			return "the node as a whole (palisade node, and the control plane's mirror pods in palisade cluster)"
		}
		names := make([]string, len(r.Components))
		for i, c := range r.Components {
			names[i] = string(c)
		}
		return "each " + strings.Join(names, ", ") + " on a node (palisade node, and the control plane's mirror pods in palisade cluster)"
	}
	if slices.Contains(r.Kinds, "*") {
		return "objects of every kind"
	}
	return strings.Join(r.Kinds, ", ")
}

// ReferenceLabel renders a reference as one line of text: "CIS 5.2.6: title".
func ReferenceLabel(ref rules.Reference) string {
	label := ref.Kind
	if ref.ID != "" {
		label += " " + ref.ID
	}
	if ref.Title != "" {
		label += ": " + ref.Title
	}
	return label
}

// paragraphs splits prose on blank lines and joins the lines of each paragraph, so that text
// written with hard line breaks in Go source reflows in a terminal or a Markdown renderer. A
// line that starts a list item ("- ") keeps its own line.
func paragraphs(s string) []string {
	var out []string
	for _, p := range strings.Split(strings.TrimSpace(s), "\n\n") {
		var lines []string
		for _, line := range strings.Split(p, "\n") {
			line = strings.Join(strings.Fields(line), " ")
			switch {
			case line == "":
			case len(lines) == 0 || strings.HasPrefix(line, "- "):
				lines = append(lines, line)
			default:
				lines[len(lines)-1] += " " + line
			}
		}
		if len(lines) > 0 {
			out = append(out, strings.Join(lines, "\n"))
		}
	}
	return out
}
