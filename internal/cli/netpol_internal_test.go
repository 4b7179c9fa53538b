package cli

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"palisade.dev/palisade/internal/netpol"
)

func FuzzConnFilter(f *testing.F) {
	for _, s := range []string{"", "x/*/*", "10.0.0.1", "[", "x/Pod/a", "::1", "*"} {
		f.Add(s, "80/TCP")
	}
	conns := []netpol.Connection{
		{Src: "x/Pod/a", Dst: "0.0.0.0-9.255.255.255", Conns: netpol.AllConns()},
		{Src: "::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", Dst: "x/Pod/a", Conns: netpol.PortRange(netpol.UDP, 53, 53)},
		{Src: "bad-range", Dst: "x/Pod/a", Conns: netpol.NoConns()},
	}
	f.Fuzz(func(t *testing.T, pattern, port string) {
		filter, err := parseConnFilter(pattern, pattern, port)
		if err != nil {
			return
		}
		for _, c := range conns {
			_ = filter.keeps(c)
		}
	})
}

// dotTokens splits DOT text as Graphviz's lexer does (lib/cgraph/scan.l): in a quoted
// string \" is a quote, backslash-newline is dropped (a backslash before it is kept),
// and every other character stands; outside, identifiers and punctuation. It returns the
// tokens, quoted strings by their text, and an error for an unterminated string.
func dotTokens(src string) ([]string, error) {
	var toks []string
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == ' ' || c == '\n' || c == '\t':
			i++
		case c == '"':
			var text strings.Builder
			j := i + 1
			for ; ; j++ {
				if j >= len(src) {
					return nil, fmt.Errorf("a string opened at byte %d is not closed", i)
				}
				if src[j] == '"' {
					break
				}
				switch {
				case strings.HasPrefix(src[j:], "\\\""):
					text.WriteByte('"')
					j++
				case strings.HasPrefix(src[j:], "\\\\\n"):
					text.WriteString("\\\\")
					j += 2
				case strings.HasPrefix(src[j:], "\\\n"):
					j++
				default:
					text.WriteByte(src[j])
				}
			}
			toks = append(toks, "\""+text.String())
			i = j + 1
		case c == '-' && strings.HasPrefix(src[i:], "->"):
			toks = append(toks, "->")
			i += 2
		case strings.IndexByte("{}[];=,", c) >= 0:
			toks = append(toks, string(c))
			i++
		default:
			j := i
			for j < len(src) && (src[j] == '_' || src[j] >= 'a' && src[j] <= 'z' || src[j] >= 'A' && src[j] <= 'Z' || src[j] >= '0' && src[j] <= '9') {
				j++
			}
			if j == i {
				return nil, fmt.Errorf("byte %d (%q) starts no token", i, c)
			}
			toks = append(toks, src[i:j])
			i = j
		}
	}
	return toks, nil
}

// parseDot checks the statements writeConnectionsDot writes (digraph, subgraph, node,
// edge, attribute statements) and returns the node IDs by cluster ("" outside) and the
// edges as "src -> dst : label".
func parseDot(t *testing.T, src string) (map[string][]string, []string) {
	t.Helper()
	toks, err := dotTokens(src)
	if err != nil {
		t.Fatal(err)
	}
	pos := 0
	next := func() string {
		if pos >= len(toks) {
			t.Fatalf("the graph ends early")
		}
		pos++
		return toks[pos-1]
	}
	expect := func(want string) {
		if got := next(); got != want {
			t.Fatalf("token %d is %q, want %q", pos-1, got, want)
		}
	}
	id := func() string {
		tok := next()
		if strings.HasPrefix(tok, "\"") {
			return tok[1:]
		}
		if tok == "" || strings.ContainsAny(tok, "{}[];=,\"") || tok == "->" {
			t.Fatalf("token %d (%q) is no ID", pos-1, tok)
		}
		return tok
	}
	attrs := func() map[string]string {
		out := map[string]string{}
		if pos < len(toks) && toks[pos] == "[" {
			next()
			for toks[pos] != "]" {
				k := id()
				expect("=")
				out[k] = id()
				if toks[pos] == "," {
					next()
				}
			}
			next()
		}
		return out
	}
	clusters := map[string][]string{}
	var edges []string
	var stmts func(cluster string)
	stmts = func(cluster string) {
		for toks[pos] != "}" {
			switch toks[pos] {
			case "subgraph":
				next()
				name := id()
				if !strings.HasPrefix(name, "cluster") {
					t.Fatalf("subgraph %q is not a cluster", name)
				}
				expect("{")
				stmts(name)
				expect("}")
				continue
			case "node", "edge", "graph":
				next()
				attrs()
			default:
				a := id()
				switch toks[pos] {
				case "=":
					next()
					id()
				case "->":
					next()
					b := id()
					edges = append(edges, a+" -> "+b+" : "+attrs()["label"])
				default:
					attrs()
					clusters[cluster] = append(clusters[cluster], a)
				}
			}
			expect(";")
		}
	}
	expect("digraph")
	id()
	expect("{")
	stmts("")
	expect("}")
	if pos != len(toks) {
		t.Fatalf("%d tokens after the graph", len(toks)-pos)
	}
	return clusters, edges
}

func TestDotKeepsAnyNameOneValidID(t *testing.T) {
	names := []string{`ns/Pod/plain`, `q"ns/Pod/a "quoted" name`, `ünï/Pod/名前`, `back\slash/Pod/ends\`, `x/Pod/two\\`, `nl/Pod/line` + "\n" + `break`, `x/Pod/\"`}
	for _, src := range names {
		for _, dst := range append(names, "0.0.0.0-255.255.255.255") {
			if src == dst {
				continue
			}
			t.Run(src+" -> "+dst, func(t *testing.T) {
				var b strings.Builder
				conns := []netpol.Connection{{Src: src, Dst: dst, Conns: netpol.PortRange(netpol.TCP, 80, 81)}}
				if err := writeConnectionsDot(&b, conns); err != nil {
					t.Fatal(err)
				}
				clusters, edges := parseDot(t, b.String())
				// The ID's text as the lexer reads it: backslashes doubled, line breaks \n.
				esc := func(s string) string { return strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), "\n", `\n`) }
				if want := esc(src) + " -> " + esc(dst) + " : TCP 80-81"; len(edges) != 1 || edges[0] != want {
					t.Errorf("edges %q, want %q\n%s", edges, want, b.String())
				}
				srcNS, _, _ := endpointParts(src)
				if !slices.Contains(clusters[esc("cluster_"+srcNS)], esc(src)) {
					t.Errorf("the source is not in its namespace's cluster: %q\n%s", clusters, b.String())
				}
			})
		}
	}
}
