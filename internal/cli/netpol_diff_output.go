package cli

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/netpol"
)

// changeJSON is netpol diff's -o json (docs/netpol.md).
type changeJSON struct {
	Opened   []connectionJSON      `json:"opened"`
	Closed   []connectionJSON      `json:"closed"`
	Added    []changedWorkloadJSON `json:"added"`
	Removed  []changedWorkloadJSON `json:"removed"`
	Warnings []string              `json:"warnings"`
	Errors   []string              `json:"errors"`
}

type changedWorkloadJSON struct {
	Workload    string           `json:"workload"`
	Where       string           `json:"where,omitempty"`
	Connections []connectionJSON `json:"connections,omitempty"`
}

func changedWorkloadsJSON(ws []netpol.ChangedWorkload, withConns bool) []changedWorkloadJSON {
	out := make([]changedWorkloadJSON, 0, len(ws))
	for _, w := range ws {
		cw := changedWorkloadJSON{Workload: w.ID, Where: w.Where}
		if withConns {
			cw.Connections = connectionsJSONOf(w.Connections)
		}
		out = append(out, cw)
	}
	return out
}

// mdMaxRows bounds the table of -o md, which is meant for a pull request's comment.
const mdMaxRows = 100

func printChange(w io.Writer, format string, ch *netpol.Change, warnings []string, errs []finding.ScanError) error {
	switch format {
	case "json":
		return writeJSON(w, changeJSON{
			Opened: connectionsJSONOf(ch.Opened), Closed: connectionsJSONOf(ch.Closed),
			Added: changedWorkloadsJSON(ch.Added, true), Removed: changedWorkloadsJSON(ch.Removed, false),
			Warnings: append([]string{}, warnings...), Errors: errorStrings(errs),
		})
	case "md":
		return writeChangeMarkdown(w, ch, errs)
	}
	var b strings.Builder
	for _, c := range ch.Opened {
		fmt.Fprintf(&b, "+ %s => %s : %s\n", c.Src, c.Dst, c.Conns)
	}
	for _, c := range ch.Closed {
		fmt.Fprintf(&b, "- %s => %s : %s\n", c.Src, c.Dst, c.Conns)
	}
	for _, a := range ch.Added {
		fmt.Fprintf(&b, "new %s%s\n", a.ID, at(a.Where))
		for _, c := range a.Connections {
			fmt.Fprintf(&b, "  %s => %s : %s\n", c.Src, c.Dst, c.Conns)
		}
	}
	for _, r := range ch.Removed {
		fmt.Fprintf(&b, "removed %s%s\n", r.ID, at(r.Where))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeChangeMarkdown writes the pull request comment: a summary line, then one table row
// per opened or closed connection, per new workload (followed by its connections, their
// Change cell empty) and per removed workload, at most mdMaxRows of them.
func writeChangeMarkdown(w io.Writer, ch *netpol.Change, errs []finding.ScanError) error {
	var rows [][]string
	for _, c := range ch.Opened {
		rows = append(rows, []string{"opens", c.Src, c.Dst, c.Conns.String()})
	}
	for _, c := range ch.Closed {
		rows = append(rows, []string{"closes", c.Src, c.Dst, c.Conns.String()})
	}
	for _, a := range ch.Added {
		rows = append(rows, []string{"new workload", a.ID, "", strconv.Itoa(len(a.Connections)) + " connection(s):"})
		for _, c := range a.Connections {
			rows = append(rows, []string{"", c.Src, c.Dst, c.Conns.String()})
		}
	}
	for _, r := range ch.Removed {
		rows = append(rows, []string{"removed workload", r.ID, "", ""})
	}
	var head strings.Builder
	head.WriteString("**palisade netpol diff**: " + changeSummary(ch) + ".\n")
	if len(errs) > 0 {
		head.WriteString("\n**Incomplete**: " + strconv.Itoa(len(errs)) + " error(s) reading the input; see the command's output.\n")
	}
	if len(rows) == 0 {
		_, err := io.WriteString(w, head.String())
		return err
	}
	head.WriteString("\n")
	if _, err := io.WriteString(w, head.String()); err != nil {
		return err
	}
	more := len(rows) - mdMaxRows
	if more > 0 {
		rows = rows[:mdMaxRows]
	}
	if err := writeMarkdownTable(w, []string{"Change", "Source", "Destination", "Connections"}, rows); err != nil {
		return err
	}
	if more > 0 {
		_, err := fmt.Fprintf(w, "\n%d more row(s): see `palisade netpol diff` without -o md.\n", more)
		return err
	}
	return nil
}
