package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"palisade.dev/palisade/internal/finding"
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
	switch format {
	case "html":
		return writeNetpolHTML(w, conns, in)
	case "json":
		out := connectionsJSON{Connections: connectionsJSONOf(conns), Warnings: append([]string{}, in.analysis.Problems...), Errors: errorStrings(in.errors)}
		return writeJSON(w, out)
	case "csv":
		return writeConnectionsCSV(w, conns)
	case "md":
		return writeConnectionsMarkdown(w, conns)
	case "dot":
		return writeConnectionsDot(w, conns)
	}
	var b strings.Builder
	for _, c := range conns {
		fmt.Fprintf(&b, "%s => %s : %s\n", c.Src, c.Dst, c.Conns)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// connectionsJSONOf is conns as -o json writes them (never null).
func connectionsJSONOf(conns []netpol.Connection) []connectionJSON {
	out := make([]connectionJSON, 0, len(conns))
	for _, c := range conns {
		cj := connectionJSON{Src: c.Src, Dst: c.Dst, Conns: c.Conns.String(), Ports: map[string][][2]int32{}}
		for _, p := range []netpol.Protocol{netpol.TCP, netpol.UDP, netpol.SCTP} {
			for _, iv := range c.Conns.Ports(p) {
				cj.Ports[p.String()] = append(cj.Ports[p.String()], [2]int32{iv.Lo, iv.Hi})
			}
		}
		out = append(out, cj)
	}
	return out
}

func errorStrings(errs []finding.ScanError) []string {
	out := make([]string, 0, len(errs))
	for _, e := range errs {
		out = append(out, e.Error())
	}
	return out
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

func toExplanationJSON(e netpol.Explanation) explanationJSON {
	return explanationJSON{Verdict: verdict(e.Allowed), Src: e.Src, Dst: e.Dst, Port: e.Port, Protocol: e.Protocol.String(), Egress: e.Egress, Ingress: e.Ingress}
}

func verdict(allowed bool) string {
	if allowed {
		return "allowed"
	}
	return "denied"
}

func printExplanation(w io.Writer, format string, e netpol.Explanation) error {
	if format == "json" {
		return writeJSON(w, toExplanationJSON(e))
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

// explainService explains the connection from src to each workload a Service port leads
// to; it is allowed when it is allowed to every one of them (and there is one).
func explainService(s Streams, format string, in *netpolInput, src netpol.Endpoint, svc, port string) error {
	a := in.analysis
	targets, unresolved, err := a.ServiceTargets(svc, port)
	if err != nil {
		return fmt.Errorf("DST: %w", err)
	}
	allowed := len(targets) > 0
	var exps []netpol.Explanation
	for _, t := range targets {
		e := a.Explain(src, netpol.Endpoint{Workload: t.Workload}, t.Protocol, t.Port)
		allowed = allowed && e.Allowed
		exps = append(exps, e)
	}
	var missing []string
	for _, w := range unresolved {
		missing = append(missing, a.Workloads[w].ID())
	}
	if err := printServiceExplanation(s.Out, format, verdict(allowed)+": "+a.Name(src)+" => "+svc+" : "+port, exps, missing); err != nil {
		return err
	}
	if err := in.report(s); err != nil {
		return err
	}
	if !allowed {
		return exitError{1}
	}
	return nil
}

func printServiceExplanation(w io.Writer, format, head string, exps []netpol.Explanation, missing []string) error {
	if format == "json" {
		verdict, rest, _ := strings.Cut(head, ": ")
		out := struct {
			Verdict    string            `json:"verdict"`
			Connection string            `json:"connection"`
			Targets    []explanationJSON `json:"targets"`
			Unresolved []string          `json:"unresolved,omitempty"`
		}{Verdict: verdict, Connection: rest, Targets: []explanationJSON{}, Unresolved: missing}
		for _, e := range exps {
			out.Targets = append(out.Targets, toExplanationJSON(e))
		}
		return writeJSON(w, out)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%d workloads)\n", head, len(exps))
	for _, id := range missing {
		fmt.Fprintf(&b, "  %s: the target port resolves on none of its container ports\n", id)
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return err
	}
	for _, e := range exps {
		if err := printExplanation(w, format, e); err != nil {
			return err
		}
	}
	return nil
}
