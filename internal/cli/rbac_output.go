package cli

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	rbacv1 "k8s.io/api/rbac/v1"

	"palisade.dev/palisade/internal/rbac"
)

// The answers of the rbac commands, as -o json prints them (docs/rbac.md documents them).
type (
	whoCanAnswer struct {
		Request       rbac.Attributes `json:"request"`
		AllNamespaces bool            `json:"allNamespaces,omitempty"`
		Grants        []rbac.Grant    `json:"grants"`
		// Dangling bindings grant nothing now, and would once their role is created.
		Dangling []rbac.Dangling `json:"dangling,omitempty"`
	}
	canAnswer struct {
		Subject  rbac.Subject    `json:"subject"`
		Request  rbac.Attributes `json:"request"`
		Decision rbac.Decision   `json:"decision"`
	}
	permissionsAnswer struct {
		Subject     rbac.Subject      `json:"subject"`
		Permissions []rbac.Permission `json:"permissions"`
	}
	escalationsAnswer struct {
		// Subject is the one subject asked about, when one was.
		Subject string      `json:"subject,omitempty"`
		Paths   []rbac.Path `json:"paths"`
	}
)

// printRBAC writes an answer as a table, JSON or a Graphviz graph.
func printRBAC(w io.Writer, format string, answer any) error {
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(answer)
	case "dot":
		return writeDot(w, grantsOf(answer))
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	switch a := answer.(type) {
	case whoCanAnswer:
		fmt.Fprintf(tw, "# who can %s%s\n", a.Request, map[bool]string{true: " in any namespace"}[a.AllNamespaces])
		fmt.Fprintln(tw, "SUBJECT\tBINDING\tROLE\tRULE")
		for _, g := range a.Grants {
			fmt.Fprintf(tw, "%s\t%s\t%s\trules[%d] %s\n", rbac.SubjectName(g.Subject), g.Binding, g.Role, g.RuleIndex, ruleText(g.Rule))
		}
		fmt.Fprintf(tw, "# and every member of group %s\n", rbac.Masters)
		for _, d := range a.Dangling {
			fmt.Fprintf(tw, "# %s refers to %s, which does not exist: it grants nothing until it does\n", d.Binding, d.Role)
		}
	case canAnswer:
		switch {
		case a.Decision.Masters:
			fmt.Fprintf(tw, "yes: %s is in group %s, which is allowed everything\n", a.Subject, rbac.Masters)
		case a.Decision.Allowed:
			g := a.Decision.Grant
			fmt.Fprintf(tw, "yes: %s\n  rule: %s\n", g, ruleText(g.Rule))
		default:
			fmt.Fprintf(tw, "no: no binding allows %s to %s\n", a.Subject, a.Request)
		}
	case permissionsAnswer:
		fmt.Fprintf(tw, "# permissions of %s\n", a.Subject)
		fmt.Fprintln(tw, "NAMESPACE\tRULE\tGRANTED BY")
		for _, p := range a.Permissions {
			var by []string
			for _, g := range p.Grants {
				by = append(by, g.Binding.String()+" -> "+g.Role.String())
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\n", cmp.Or(p.Namespace, "*"), ruleText(p.Rule), strings.Join(by, ", "))
		}
	case escalationsAnswer:
		fmt.Fprintf(tw, "# paths to cluster-admin-equivalent rights%s\n", map[bool]string{true: " of " + a.Subject}[a.Subject != ""])
		fmt.Fprintln(tw, "SUBJECT\tSTEPS\tPATH")
		for _, p := range a.Paths {
			_, path, _ := strings.Cut(p.String(), " -> ")
			fmt.Fprintf(tw, "%s\t%d\t%s\n", p.Subject, len(p.Steps), path)
			for _, as := range p.Assumptions {
				fmt.Fprintf(tw, "#   %s\n", as)
			}
		}
	}
	return tw.Flush()
}

// ruleText is a rule in one line: verbs on resources (with their groups and names) or URLs.
func ruleText(r rbacv1.PolicyRule) string {
	verbs := strings.Join(r.Verbs, ",")
	if len(r.NonResourceURLs) > 0 {
		return verbs + " " + strings.Join(r.NonResourceURLs, ",")
	}
	groups := make([]string, len(r.APIGroups))
	for i, g := range r.APIGroups {
		groups[i] = cmp.Or(g, `""`)
	}
	s := fmt.Sprintf("%s %s (groups %s)", verbs, strings.Join(r.Resources, ","), strings.Join(groups, ","))
	if len(r.ResourceNames) > 0 {
		s += " named " + strings.Join(r.ResourceNames, ",")
	}
	return s
}

// grantsOf are the chains an answer holds.
func grantsOf(answer any) []rbac.Grant {
	switch a := answer.(type) {
	case whoCanAnswer:
		return a.Grants
	case canAnswer:
		if a.Decision.Grant != nil {
			return []rbac.Grant{*a.Decision.Grant}
		}
	case permissionsAnswer:
		var out []rbac.Grant
		for _, p := range a.Permissions {
			out = append(out, p.Grants...)
		}
		return out
	}
	return nil
}

// writeDot writes the subject -> binding -> role graph of the grants, each edge once.
func writeDot(w io.Writer, grants []rbac.Grant) error {
	var b strings.Builder
	b.WriteString("digraph rbac {\n  rankdir=LR;\n  node [shape=box];\n")
	seen := map[string]bool{}
	edge := func(from, to string) {
		line := fmt.Sprintf("  %q -> %q;\n", from, to)
		if !seen[line] {
			seen[line] = true
			b.WriteString(line)
		}
	}
	for _, g := range grants {
		edge(rbac.SubjectName(g.Subject), g.Binding.String())
		edge(g.Binding.String(), g.Role.String())
	}
	b.WriteString("}\n")
	_, err := io.WriteString(w, b.String())
	return err
}
