package cli_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// htmlGraph is the part of the page's embedded data these tests read.
type htmlGraph struct {
	Groups []htmlGroup
	Nodes  []htmlNode
	Edges  []struct {
		Src, Dst int
		Conns    string
		Why      []struct {
			Protocol, Ports string
			Port            int32
			Src, Dst        string
			Allowed         bool
			Egress, Ingress int
		}
		MoreWhy int
	}
	Sides    []htmlSide
	Omitted  struct{ Nodes, Edges int }
	Warnings []string
	Errors   []string
}

type htmlGroup struct {
	Name    string
	Outside bool
}

type htmlNode struct {
	ID, Label string
	Group     int
}

type htmlSide struct {
	Direction string
	Outside   bool
	Isolating []struct{ Policy, Where string }
	Allowing  []struct{ Policy, Rule, Where string }
	Allowed   bool
}

// netpolHTML runs `palisade netpol -o html` with args and returns the page, its parsed
// document and its embedded data.
func netpolHTML(t *testing.T, args ...string) (page string, doc *html.Node, g htmlGraph) {
	t.Helper()
	code, out, errOut := runWithStdin(t, "", append([]string{"netpol", "-o", "html"}, args...)...)
	if code != 0 {
		t.Fatalf("exit code %d; stderr: %s", code, errOut)
	}
	doc, err := html.Parse(strings.NewReader(out))
	if err != nil {
		t.Fatalf("the page does not parse: %v", err)
	}
	var scripts []*html.Node
	for n := range doc.Descendants() {
		if n.Type == html.ElementNode && n.Data == "script" {
			scripts = append(scripts, n)
		}
	}
	// The data element and the page's script, nothing else: a name that closed the data
	// element would add text or elements here.
	if len(scripts) != 2 || attr(scripts[0], "type") != "application/json" || attr(scripts[0], "id") != "graph-data" || attr(scripts[1], "type") != "" {
		t.Fatalf("the page has %d script elements, want the data and the script", len(scripts))
	}
	if err := json.Unmarshal([]byte(text(scripts[0])), &g); err != nil {
		t.Fatalf("the embedded data is not JSON: %v", err)
	}
	return out, doc, g
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func text(n *html.Node) string {
	var b strings.Builder
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.TextNode {
			b.WriteString(c.Data)
		}
	}
	return b.String()
}

// edgeLines writes the page's edges as `palisade netpol` writes connections.
func (g htmlGraph) edgeLines() []string {
	var lines []string
	for _, e := range g.Edges {
		lines = append(lines, fmt.Sprintf("%s => %s : %s", g.Nodes[e.Src].ID, g.Nodes[e.Dst].ID, e.Conns))
	}
	return lines
}

func TestNetpolHTMLDataEqualsTheConnections(t *testing.T) {
	tests := []struct {
		name      string
		args      []string
		wantNodes []string // every node, in no particular order
	}{
		{"without a filter, every connection and every workload",
			nil, []string{"ops/Pod/debug", "shop/Deployment/web", "shop/StatefulSet/db", "0.0.0.0-255.255.255.255", "0.0.0.0-9.255.255.255", "11.0.0.0-255.255.255.255"}},
		{"--from keeps the connections of the sources and shows the workloads the filter names",
			[]string{"--from", "shop/*/*"}, []string{"ops/Pod/debug", "shop/Deployment/web", "shop/StatefulSet/db", "0.0.0.0-9.255.255.255", "11.0.0.0-255.255.255.255"}},
		{"--port keeps the connections that allow the port",
			[]string{"--port", "5432"}, []string{"ops/Pod/debug", "shop/Deployment/web", "shop/StatefulSet/db", "0.0.0.0-255.255.255.255"}},
		{"--to with an address keeps the ranges that hold it and shows every workload, a possible source",
			[]string{"--to", "10.1.2.3"}, []string{"ops/Pod/debug", "shop/Deployment/web", "shop/StatefulSet/db", "0.0.0.0-255.255.255.255"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"-f", netpolManifests}, tt.args...)
			_, _, g := netpolHTML(t, args...)
			code, out, _ := runWithStdin(t, "", append([]string{"netpol"}, args...)...)
			if code != 0 {
				t.Fatalf("netpol: exit code %d", code)
			}
			want := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
			if got := g.edgeLines(); !slices.Equal(got, want) {
				t.Errorf("edges:\n%s\nwant the connections:\n%s", strings.Join(got, "\n"), out)
			}
			var nodes []string
			for _, n := range g.Nodes {
				nodes = append(nodes, n.ID)
				if gr := g.Groups[n.Group]; gr.Outside != !strings.Contains(n.ID, "/") || (!gr.Outside && n.ID != gr.Name+"/"+n.Label) {
					t.Errorf("node %s is in group %q (outside %v)", n.ID, gr.Name, gr.Outside)
				}
			}
			slices.Sort(nodes)
			slices.Sort(tt.wantNodes)
			if !slices.Equal(nodes, tt.wantNodes) {
				t.Errorf("nodes %q, want %q", nodes, tt.wantNodes)
			}
		})
	}
}

func TestNetpolHTMLExplainsEveryPortRangeAsExplainDoes(t *testing.T) {
	_, _, g := netpolHTML(t, "-f", netpolManifests, "--from", "shop/Deployment/web")
	type side struct{ policy, rule, where string }
	tests := []struct {
		name            string
		edge            string
		ports           []string // protocol and ports of each explained range
		egress, ingress side     // of the first range: its first allowing rule
		explainedSrc    string
		explainedDst    string
	}{
		{"a workload pair names the egress and the ingress rule with their lines",
			"shop/Deployment/web => shop/StatefulSet/db : TCP 5432", []string{"TCP 5432"},
			side{"shop/web", "spec.egress[0]", "testdata/netpol/shop.yaml:82:5"}, side{"shop/db", "spec.ingress[0]", "testdata/netpol/shop.yaml:104:5"}, "", ""},
		{"each protocol's range is explained, an address range at its first address",
			"shop/Deployment/web => 0.0.0.0-9.255.255.255 : TCP 443; UDP 53", []string{"TCP 443", "UDP 53"},
			side{"shop/web", "spec.egress[1]", "testdata/netpol/shop.yaml:87:5"}, side{}, "", "0.0.0.0"},
	}
	lines := g.edgeLines()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			i := slices.Index(lines, tt.edge)
			if i < 0 {
				t.Fatalf("no edge %q in %q", tt.edge, lines)
			}
			e := g.Edges[i]
			var ports []string
			for _, w := range e.Why {
				ports = append(ports, w.Protocol+" "+w.Ports)
				if !w.Allowed || !g.Sides[w.Egress].Allowed || !g.Sides[w.Ingress].Allowed {
					t.Errorf("%s %s is not allowed on both sides", w.Protocol, w.Ports)
				}
			}
			if !slices.Equal(ports, tt.ports) {
				t.Errorf("explained ranges %q, want %q", ports, tt.ports)
			}
			w := e.Why[0]
			if w.Src != tt.explainedSrc || w.Dst != tt.explainedDst {
				t.Errorf("explained %q => %q, want %q => %q", w.Src, w.Dst, tt.explainedSrc, tt.explainedDst)
			}
			for _, c := range []struct {
				name string
				si   int
				dir  string
				want side
			}{{"egress", w.Egress, "Egress", tt.egress}, {"ingress", w.Ingress, "Ingress", tt.ingress}} {
				s := g.Sides[c.si]
				if s.Direction != c.dir {
					t.Errorf("%s side has direction %q", c.name, s.Direction)
				}
				if c.want == (side{}) {
					if !s.Outside {
						t.Errorf("%s side is not the outside's: %+v", c.name, s)
					}
					continue
				}
				if len(s.Allowing) == 0 || (side{s.Allowing[0].Policy, s.Allowing[0].Rule, s.Allowing[0].Where}) != c.want {
					t.Errorf("%s side allowed by %+v, want %+v", c.name, s.Allowing, c.want)
				}
				if !slices.ContainsFunc(s.Isolating, func(p struct{ Policy, Where string }) bool {
					return p.Policy == "shop/default-deny" && p.Where == "testdata/netpol/shop.yaml:61:1"
				}) {
					t.Errorf("%s side isolated by %+v, want shop/default-deny among them", c.name, s.Isolating)
				}
			}
		})
	}
}

// resourceRef finds what would make a browser fetch: an attribute naming a URL of another
// origin, a CSS import or url() of one, and the script APIs that fetch.
var resourceRef = regexp.MustCompile(`(?i)(\b(src|href|action|poster|srcset|data)\s*=\s*["']?\s*([a-z][a-z0-9+.-]*:|//)` +
	`|@import|url\(\s*["']?\s*([a-z][a-z0-9+.-]*:|//)|\bfetch\(|XMLHttpRequest|WebSocket|EventSource|\bimport\(|sendBeacon)`)

func TestNetpolHTMLFetchesNothing(t *testing.T) {
	page, doc, _ := netpolHTML(t, "-f", netpolManifests)
	tests := []struct {
		name string
		bad  func() []string
	}{
		{"no attribute names a URL other than the page's own data: icon", func() []string {
			var bad []string
			for n := range doc.Descendants() {
				for _, a := range n.Attr {
					if v := strings.ToLower(strings.TrimSpace(a.Val)); (a.Key == "src" || a.Key == "href" || a.Key == "action") && v != "data:," {
						bad = append(bad, a.Key+"="+a.Val)
					}
				}
			}
			return bad
		}},
		{"neither the CSS nor the script imports, links or fetches", func() []string {
			var bad []string
			for _, m := range resourceRef.FindAllString(page, -1) {
				if m != `href="data:` {
					bad = append(bad, m)
				}
			}
			return bad
		}},
		{"the Content-Security-Policy forbids every fetch", func() []string {
			for n := range doc.Descendants() {
				if n.Type == html.ElementNode && n.Data == "meta" && attr(n, "http-equiv") == "Content-Security-Policy" &&
					strings.HasPrefix(attr(n, "content"), "default-src 'none';") && !strings.Contains(attr(n, "content"), "http") {
					return nil
				}
			}
			return []string{"no meta Content-Security-Policy with default-src 'none'"}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if bad := tt.bad(); len(bad) > 0 {
				t.Errorf("found %q", bad)
			}
		})
	}
}

// hostile are names that would break a page that pasted them as markup or script.
const hostileNS = `ns</script><script>alert(1)</script>`
const hostilePod = `"pod'><img src=x onerror=alert(2)>&amp;`
const hostilePolicy = "</SCRIPT><!--\u2028policy"

func TestNetpolHTMLEscapesHostileNames(t *testing.T) {
	// A file name cannot hold a slash; its directory's name and its own hold the rest. -f
	// names the folder above them (the flag reads commas and quotes as a list).
	top := t.TempDir()
	dir := filepath.Join(top, `dir<script>"q'`)
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	manifest := fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata: {name: %q, namespace: %q, labels: {app: a}}
spec: {containers: [{name: c, image: x, ports: [{containerPort: 80}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: other, namespace: %q, labels: {app: b}}
spec: {containers: [{name: c, image: x}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: %q, namespace: %q}
spec:
  podSelector: {matchLabels: {app: a}}
  ingress:
  - from: [{podSelector: {matchLabels: {app: b}}}]
    ports: [{port: 80}]
`, hostilePod, hostileNS, hostileNS, hostilePolicy, hostileNS)
	file := filepath.Join(dir, "a<!--\"'&\u2028.yaml")
	if err := os.WriteFile(file, []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	page, _, g := netpolHTML(t, "-f", top)
	tests := []struct {
		name string
		ok   bool
	}{
		{"the raw page holds no hostile name unescaped", !strings.Contains(page, hostileNS) && !strings.Contains(page, hostilePod) && !strings.Contains(strings.ToLower(page), "</script><") && !strings.Contains(page, "\u2028")},
		{"the data decodes to the names as written", slices.ContainsFunc(g.Nodes, func(n htmlNode) bool {
			return n.ID == hostileNS+"/Pod/"+hostilePod && n.Label == "Pod/"+hostilePod
		}) && slices.ContainsFunc(g.Groups, func(gr htmlGroup) bool { return gr.Name == hostileNS })},
		{"the explanation names the policy and its file as written", slices.ContainsFunc(g.Sides, func(s htmlSide) bool {
			return len(s.Allowing) == 1 && s.Allowing[0].Policy == hostileNS+"/"+hostilePolicy && strings.HasPrefix(s.Allowing[0].Where, file+":")
		})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !tt.ok {
				t.Errorf("does not hold; data: %+v", g)
			}
		})
	}
}

func TestNetpolHTMLLeavesOutWhatPassesItsLimits(t *testing.T) {
	// 130 pods that no policy isolates: 130*129 = 16,770 connections between them, past the
	// page's 15,000, and as many to and from outside.
	var b strings.Builder
	for i := range 130 {
		fmt.Fprintf(&b, "apiVersion: v1\nkind: Pod\nmetadata: {name: p%03d, namespace: n%d}\nspec: {containers: [{name: c, image: x}]}\n---\n", i, i%7)
	}
	file := filepath.Join(t.TempDir(), "many.yaml")
	if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runWithStdin(t, "", "netpol", "-o", "html", "-f", file)
	if code != 0 {
		t.Fatalf("exit code %d; stderr: %s", code, errOut)
	}
	start := strings.Index(out, `<script type="application/json" id="graph-data">`)
	end := strings.Index(out[start:], "</script>")
	var g htmlGraph
	if start < 0 || end < 0 || json.Unmarshal([]byte(out[start+len(`<script type="application/json" id="graph-data">`):start+end]), &g) != nil {
		t.Fatal("no data in the page")
	}
	total := 130*129 + 2*130
	if len(g.Edges) != 15000 || g.Omitted.Edges != total-15000 || len(g.Nodes) != 130 {
		t.Errorf("%d edges, %d left out, %d nodes; want 15000, %d, 130", len(g.Edges), g.Omitted.Edges, len(g.Nodes), total-15000)
	}
	if !strings.Contains(errOut, fmt.Sprintf("warning: the page leaves out %d of %d connections", total-15000, total)) {
		t.Errorf("stderr does not say what the page leaves out: %s", errOut)
	}
}

func TestNetpolExplainRefusesHTML(t *testing.T) {
	code, out, errOut := runWithStdin(t, "", "netpol", "explain", "shop/Deployment/web", "shop/StatefulSet/db", "5432", "-f", netpolManifests, "-o", "html")
	if code != 2 || out != "" || !strings.Contains(errOut, "want one of text, json") {
		t.Errorf("exit code %d, stdout %q, stderr %q; want 2 and the formats explain writes", code, out, errOut)
	}
}
