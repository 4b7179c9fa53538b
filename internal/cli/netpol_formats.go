package cli

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strings"

	"palisade.dev/palisade/internal/netpol"
)

// endpointParts splits a workload's name into namespace, kind and name; an address range
// has none.
func endpointParts(id string) (ns, kind, name string) {
	if strings.Count(id, "/") != 2 {
		return "", "", ""
	}
	ns, rest, _ := strings.Cut(id, "/")
	kind, name, _ = strings.Cut(rest, "/")
	return ns, kind, name
}

// csvHeader is -o csv's first record: the names and connections as the text prints them,
// then the names' parts (empty for an address range) and, per protocol, the port ranges
// ("80,8080-8090"; empty when the protocol is not allowed), for a spreadsheet's filters.
var csvHeader = []string{"src", "dst", "conns", "src_namespace", "src_kind", "src_name", "dst_namespace", "dst_kind", "dst_name", "tcp", "udp", "sctp"}

// writeConnectionsCSV writes -o csv (RFC 4180).
func writeConnectionsCSV(w io.Writer, conns []netpol.Connection) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return err
	}
	for _, c := range conns {
		sn, sk, sname := endpointParts(c.Src)
		dn, dk, dname := endpointParts(c.Dst)
		rec := []string{c.Src, c.Dst, c.Conns.String(), sn, sk, sname, dn, dk, dname}
		for _, p := range []netpol.Protocol{netpol.TCP, netpol.UDP, netpol.SCTP} {
			rec = append(rec, netpol.IntervalsString(c.Conns.Ports(p)))
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// mdCell escapes text for a Markdown table cell: the punctuation Markdown reads is
// backslash-escaped and line breaks become spaces, so a name cannot break the table.
func mdCell(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n' || r == '\r':
			b.WriteByte(' ')
		case strings.ContainsRune("\\`*_[]<>|#~&", r):
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// writeMarkdownTable writes a table with its header; cells are escaped.
func writeMarkdownTable(w io.Writer, header []string, rows [][]string) error {
	bw := bufio.NewWriter(w)
	line := func(cells []string) {
		bw.WriteString("|")
		for _, c := range cells {
			bw.WriteString(" " + mdCell(c) + " |")
		}
		bw.WriteString("\n")
	}
	line(header)
	bw.WriteString("|" + strings.Repeat("---|", len(header)) + "\n")
	for _, r := range rows {
		line(r)
	}
	return bw.Flush()
}

// writeConnectionsMarkdown writes -o md: one table row per connection.
func writeConnectionsMarkdown(w io.Writer, conns []netpol.Connection) error {
	rows := make([][]string, len(conns))
	for i, c := range conns {
		rows[i] = []string{c.Src, c.Dst, c.Conns.String()}
	}
	return writeMarkdownTable(w, []string{"Source", "Destination", "Connections"}, rows)
}

// dotString quotes s as a DOT ID. Graphviz's lexer reads \" inside quotes as a quote and
// keeps every other character, and labels read backslash escapes; so a quote is written \",
// a backslash \\ and a line break \n. A backslash before the closing quote would escape it
// (the lexer has no \\ pair): a string ending in one gets a newline after its last \\,
// which the lexer reads together with it as an escaped line break and keeps as \\. Any
// UTF-8 text is then a valid ID.
func dotString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
		default:
			b.WriteRune(r)
		}
	}
	if strings.HasSuffix(s, "\\") {
		b.WriteString("\n")
	}
	b.WriteByte('"')
	return b.String()
}

// writeConnectionsDot writes -o dot (Graphviz): workloads grouped by namespace in
// subgraphs cluster_<namespace>, labelled kind/name; address ranges as their own nodes
// outside every namespace; one edge per connection, labelled with what it allows. The
// nodes are the endpoints of the connections written.
func writeConnectionsDot(w io.Writer, conns []netpol.Connection) error {
	byNS := map[string][]string{}
	var ranges []string
	seen := map[string]bool{}
	for _, c := range conns {
		for _, id := range []string{c.Src, c.Dst} {
			if seen[id] {
				continue
			}
			seen[id] = true
			if ns, _, _ := endpointParts(id); ns != "" {
				byNS[ns] = append(byNS[ns], id)
			} else {
				ranges = append(ranges, id)
			}
		}
	}
	namespaces := make([]string, 0, len(byNS))
	for ns := range byNS {
		namespaces = append(namespaces, ns)
	}
	slices.Sort(namespaces)
	slices.Sort(ranges)
	bw := bufio.NewWriter(w)
	bw.WriteString("digraph netpol {\n  rankdir=LR;\n  node [shape=box];\n")
	for _, ns := range namespaces {
		fmt.Fprintf(bw, "  subgraph %s {\n    label=%s;\n", dotString("cluster_"+ns), dotString(ns))
		ids := byNS[ns]
		slices.Sort(ids)
		for _, id := range ids {
			_, kind, name := endpointParts(id)
			fmt.Fprintf(bw, "    %s [label=%s];\n", dotString(id), dotString(kind+"/"+name))
		}
		bw.WriteString("  }\n")
	}
	for _, r := range ranges {
		fmt.Fprintf(bw, "  %s [shape=ellipse];\n", dotString(r))
	}
	for _, c := range conns {
		fmt.Fprintf(bw, "  %s -> %s [label=%s];\n", dotString(c.Src), dotString(c.Dst), dotString(c.Conns.String()))
	}
	bw.WriteString("}\n")
	return bw.Flush()
}
