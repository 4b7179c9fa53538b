package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"palisade.dev/palisade/internal/netpol"
)

// connectionJSON is one connection in -o json (docs/netpol.md).
type connectionJSON struct {
	Src   string `json:"src"`
	Dst   string `json:"dst"`
	Conns string `json:"conns"`
	// Ports maps a protocol to its allowed port ranges, each [first, last].
	Ports map[string][][2]int32 `json:"ports"`
}

type connectionsJSON struct {
	Connections []connectionJSON `json:"connections"`
	Warnings    []string         `json:"warnings"`
	Errors      []string         `json:"errors"`
}

func printConnections(w io.Writer, format string, conns []netpol.Connection, in *netpolInput) error {
	if format == "json" {
		out := connectionsJSON{Connections: []connectionJSON{}, Warnings: append([]string{}, in.analysis.Problems...), Errors: []string{}}
		for _, e := range in.errors {
			out.Errors = append(out.Errors, e.Error())
		}
		for _, c := range conns {
			cj := connectionJSON{Src: c.Src, Dst: c.Dst, Conns: c.Conns.String(), Ports: map[string][][2]int32{}}
			for _, p := range []netpol.Protocol{netpol.TCP, netpol.UDP, netpol.SCTP} {
				for _, iv := range c.Conns.Ports(p) {
					cj.Ports[p.String()] = append(cj.Ports[p.String()], [2]int32{iv.Lo, iv.Hi})
				}
			}
			out.Connections = append(out.Connections, cj)
		}
		return writeJSON(w, out)
	}
	var b strings.Builder
	for _, c := range conns {
		fmt.Fprintf(&b, "%s => %s : %s\n", c.Src, c.Dst, c.Conns)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// explanationJSON is netpol explain's -o json (docs/netpol.md).
type explanationJSON struct {
	Verdict  string      `json:"verdict"`
	Src      string      `json:"src"`
	Dst      string      `json:"dst"`
	Port     int32       `json:"port"`
	Protocol string      `json:"protocol"`
	Egress   netpol.Side `json:"egress"`
	Ingress  netpol.Side `json:"ingress"`
}

func verdict(allowed bool) string {
	if allowed {
		return "allowed"
	}
	return "denied"
}

func printExplanation(w io.Writer, format string, e netpol.Explanation) error {
	if format == "json" {
		return writeJSON(w, explanationJSON{Verdict: verdict(e.Allowed), Src: e.Src, Dst: e.Dst, Port: e.Port, Protocol: e.Protocol.String(), Egress: e.Egress, Ingress: e.Ingress})
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s => %s : %s %d\n", verdict(e.Allowed), e.Src, e.Dst, e.Protocol, e.Port)
	writeSide(&b, "egress of "+e.Src, netpol.Egress, e.Egress)
	writeSide(&b, "ingress of "+e.Dst, netpol.Ingress, e.Ingress)
	_, err := io.WriteString(w, b.String())
	return err
}

func writeSide(b *strings.Builder, what string, d netpol.Direction, s netpol.Side) {
	fmt.Fprintf(b, "  %s: ", what)
	passed := func() {
		if s.Admin != nil {
			fmt.Fprintf(b, "    after %s passed it on\n", adminRule(s.Admin))
		}
	}
	switch {
	case s.Outside:
		b.WriteString("allowed, an address outside the cluster that no policy governs\n")
		return
	case s.Admin != nil && s.Admin.Action != "Pass":
		fmt.Fprintf(b, "%s by %s\n", verdict(s.Allowed), adminRule(s.Admin))
		return
	case s.Baseline != nil:
		fmt.Fprintf(b, "%s by %s, no NetworkPolicy selects the pod for %s\n", verdict(s.Allowed), adminRule(s.Baseline), d)
		passed()
		return
	case len(s.Isolating) == 0:
		fmt.Fprintf(b, "allowed by default, no policy selects the pod for %s\n", d)
		passed()
		return
	}
	fmt.Fprintf(b, "%s\n", verdict(s.Allowed))
	passed()
	fmt.Fprintf(b, "    isolated for %s by:\n", d)
	for _, p := range s.Isolating {
		fmt.Fprintf(b, "      %s%s\n", p.Policy, at(p.Where))
	}
	if len(s.Allowing) == 0 {
		b.WriteString("    and no rule of theirs allows it\n")
		return
	}
	b.WriteString("    allowed by:\n")
	for _, r := range s.Allowing {
		fmt.Fprintf(b, "      %s %s%s\n", r.Policy, r.Rule, at(r.Where))
	}
}

// adminRule names an admin policy's rule: kind, name, priority, rule, action and origin.
func adminRule(r *netpol.AdminRuleRef) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", r.Kind, r.Policy)
	if r.Priority != nil {
		fmt.Fprintf(&b, " (priority %d)", *r.Priority)
	}
	fmt.Fprintf(&b, " %s", r.Rule)
	if r.Name != "" {
		fmt.Fprintf(&b, " %q", r.Name)
	}
	fmt.Fprintf(&b, " %s%s", r.Action, at(r.Where))
	return b.String()
}

func at(where string) string {
	if where == "" {
		return ""
	}
	return " (" + where + ")"
}
