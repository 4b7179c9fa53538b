package cli

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/netip"
	"slices"
	"strings"

	"palisade.dev/palisade/internal/netpol"
)

// The page of `netpol -o html`: its CSS and script are inline, and its Content-Security-Policy
// forbids every fetch. The script replaces its marker once; the graph's data replaces
// netpolPageData, inside the page's application/json script element, on every write.
var (
	//go:embed netpol_html/page.html
	netpolPageHTML string
	//go:embed netpol_html/page.js
	netpolPageJS string

	netpolPage = strings.Replace(netpolPageHTML, "/*SCRIPT*/", netpolPageJS, 1)
)

const netpolPageData = "/*GRAPH*/"

// The limits of one page: beyond them a browser lays out and draws slowly (tens of thousands
// of SVG elements) and the file grows past what one opens comfortably. What does not fit is
// counted, named on stderr and in the page's banner, and left out; --from, --to and --port
// narrow the graph.
const (
	maxHTMLNodes = 3000
	maxHTMLEdges = 15000
	// maxHTMLWhys are the port ranges explained per connection (at their first port).
	maxHTMLWhys = 12
)

// The geometry of the layout, in SVG user units: workloads sit in a grid inside their
// namespace's box, and the boxes are packed in rows.
const (
	htmlCellW, htmlCellH = 190, 44
	htmlPad, htmlHeader  = 12, 26
	htmlGap              = 36
)

// graphJSON is the data the page draws: groups (namespaces and the outside), nodes
// (workloads and address ranges) with their positions, and edges (allowed connections) with
// the explanations of their ports. Sides are interned: an explanation names them by index.
type graphJSON struct {
	Width    int          `json:"width"`
	Height   int          `json:"height"`
	Groups   []groupJSON  `json:"groups"`
	Nodes    []nodeJSON   `json:"nodes"`
	Edges    []edgeJSON   `json:"edges"`
	Sides    []sideJSON   `json:"sides"`
	Omitted  omittedJSON  `json:"omitted"`
	Warnings []string     `json:"warnings"`
	Errors   []string     `json:"errors"`
	Filter   []filterJSON `json:"filter"`
}

type groupJSON struct {
	Name    string `json:"name"`
	Outside bool   `json:"outside,omitempty"`
	X       int    `json:"x"`
	Y       int    `json:"y"`
	W       int    `json:"w"`
	H       int    `json:"h"`
}

type nodeJSON struct {
	ID    string `json:"id"`
	Label string `json:"label"`
	Group int    `json:"group"`
	X     int    `json:"x"`
	Y     int    `json:"y"`
}

type edgeJSON struct {
	Src   int       `json:"src"`
	Dst   int       `json:"dst"`
	Conns string    `json:"conns"`
	Why   []whyJSON `json:"why"`
	// MoreWhy counts the port ranges past maxHTMLWhys that are not explained.
	MoreWhy int `json:"moreWhy,omitempty"`
}

// whyJSON explains one port range of a connection at its first port. Src and Dst name the
// address explained for an end that is an address range (its first address), and are empty
// for a workload.
type whyJSON struct {
	Protocol string `json:"protocol"`
	Ports    string `json:"ports"`
	Port     int32  `json:"port"`
	Src      string `json:"src,omitempty"`
	Dst      string `json:"dst,omitempty"`
	Allowed  bool   `json:"allowed"`
	Egress   int    `json:"egress"`
	Ingress  int    `json:"ingress"`
}

// sideJSON is one direction's verdict, as `netpol explain -o json` writes it, with its
// direction's name.
type sideJSON struct {
	Direction string `json:"direction"`
	netpol.Side
}

type omittedJSON struct {
	Nodes int `json:"nodes"`
	Edges int `json:"edges"`
}

type filterJSON struct {
	Flag  string `json:"flag"`
	Value string `json:"value"`
}

// netpolGraph builds the page's data from the connections the filter kept.
type netpolGraph struct {
	a      *netpol.Analysis
	g      graphJSON
	nodeOf map[string]int
	sideOf map[string]int
	// verdicts memoises explanations: workloads of one class have the same policies and
	// peers (netpol.Analysis.Class), so their explanations differ only by name.
	verdicts map[verdictKey]whyJSON
}

// verdictKey is one explained port between two ends, each a class or an address.
type verdictKey struct {
	srcClass, dstClass int // -1 for an address
	srcAddr, dstAddr   netip.Addr
	proto              netpol.Protocol
	port               int32
}

// writeNetpolHTML writes the self-contained page of the connections.
func writeNetpolHTML(w io.Writer, conns []netpol.Connection, in *netpolInput) error {
	g := buildNetpolGraph(conns, in)
	if g.Omitted.Nodes > 0 || g.Omitted.Edges > 0 {
		in.notes = append(in.notes, fmt.Sprintf("the page leaves out %d of %d connections and %d workloads past its limits (%d nodes, %d edges); narrow it with --from, --to or --port",
			g.Omitted.Edges, len(conns), g.Omitted.Nodes, maxHTMLNodes, maxHTMLEdges))
	}
	data, err := json.Marshal(g)
	if err != nil {
		return err
	}
	head, tail, ok := strings.Cut(netpolPage, netpolPageData)
	if !ok {
		return fmt.Errorf("the embedded page of %d bytes has no data marker", len(netpolPage))
	}
	// encoding/json escapes <, > and & (and U+2028, U+2029), so no name can close the
	// script element or start a comment in it.
	for _, part := range []string{head, string(data), tail} {
		if _, err := io.WriteString(w, part); err != nil {
			return err
		}
	}
	return nil
}

func buildNetpolGraph(conns []netpol.Connection, in *netpolInput) graphJSON {
	b := &netpolGraph{a: in.analysis, nodeOf: map[string]int{}, sideOf: map[string]int{}, verdicts: map[verdictKey]whyJSON{}}
	b.g = graphJSON{Groups: []groupJSON{}, Nodes: []nodeJSON{}, Edges: []edgeJSON{}, Sides: []sideJSON{},
		Warnings: append([]string{}, in.analysis.Problems...), Errors: []string{}, Filter: in.filter.flags()}
	for _, e := range in.errors {
		b.g.Errors = append(b.g.Errors, e.Error())
	}
	var nodes []string
	var kept []netpol.Connection
	added := map[string]bool{}
	for _, c := range conns {
		fresh := 0
		for _, n := range []string{c.Src, c.Dst} {
			if !added[n] {
				fresh++
			}
		}
		if len(kept) >= maxHTMLEdges || len(nodes)+fresh > maxHTMLNodes {
			b.g.Omitted.Edges++
			continue
		}
		for _, n := range []string{c.Src, c.Dst} {
			if !added[n] {
				added[n] = true
				nodes = append(nodes, n)
			}
		}
		kept = append(kept, c)
	}
	// Workloads the filter names but no kept connection touches are shown alone: that no
	// connection reaches them is the answer.
	for i := range in.analysis.Workloads {
		id := in.analysis.Workloads[i].ID()
		if added[id] || !(in.filter.from.matches(id) || in.filter.to.matches(id)) {
			continue
		}
		if len(nodes) >= maxHTMLNodes {
			b.g.Omitted.Nodes++
			continue
		}
		added[id] = true
		nodes = append(nodes, id)
	}
	b.layout(nodes)
	for _, c := range kept {
		why, more := b.explain(c)
		b.g.Edges = append(b.g.Edges, edgeJSON{Src: b.nodeOf[c.Src], Dst: b.nodeOf[c.Dst], Conns: c.Conns.String(), Why: why, MoreWhy: more})
	}
	return b.g
}

// layout groups the nodes by namespace (address ranges in a group of their own, first),
// places each group's nodes in a near-square grid and packs the groups in rows of about
// the same width.
func (b *netpolGraph) layout(nodes []string) {
	type group struct {
		name    string
		outside bool
		members []string
	}
	var groups []*group
	byName := map[string]*group{}
	for _, n := range nodes {
		ns, _, outside := b.splitNode(n)
		key := "\x00" + ns
		if !outside {
			key = ns
		}
		gr := byName[key]
		if gr == nil {
			gr = &group{name: ns, outside: outside}
			byName[key] = gr
			groups = append(groups, gr)
		}
		gr.members = append(gr.members, n)
	}
	for _, gr := range groups {
		slices.Sort(gr.members)
	}
	slices.SortStableFunc(groups, func(x, y *group) int {
		if x.outside != y.outside {
			if x.outside {
				return -1
			}
			return 1
		}
		return strings.Compare(x.name, y.name)
	})
	area := 0
	sizes := make([][2]int, len(groups))
	for i, gr := range groups {
		cols := int(math.Ceil(math.Sqrt(float64(len(gr.members)))))
		rows := (len(gr.members) + cols - 1) / cols
		sizes[i] = [2]int{cols*htmlCellW + 2*htmlPad, rows*htmlCellH + htmlHeader + htmlPad}
		area += (sizes[i][0] + htmlGap) * (sizes[i][1] + htmlGap)
	}
	rowWidth := int(math.Sqrt(float64(area)) * 1.4)
	x, y, rowH := htmlGap, htmlGap, 0
	for i, gr := range groups {
		w, h := sizes[i][0], sizes[i][1]
		if x > htmlGap && x+w > rowWidth {
			x, y, rowH = htmlGap, y+rowH+htmlGap, 0
		}
		gi := len(b.g.Groups)
		b.g.Groups = append(b.g.Groups, groupJSON{Name: gr.name, Outside: gr.outside, X: x, Y: y, W: w, H: h})
		cols := (w - 2*htmlPad) / htmlCellW
		for j, n := range gr.members {
			_, label, _ := b.splitNode(n)
			b.nodeOf[n] = len(b.g.Nodes)
			b.g.Nodes = append(b.g.Nodes, nodeJSON{ID: n, Label: label, Group: gi,
				X: x + htmlPad + (j%cols)*htmlCellW + htmlCellW/2, Y: y + htmlHeader + (j/cols)*htmlCellH + htmlCellH/2})
		}
		b.g.Width = max(b.g.Width, x+w+htmlGap)
		b.g.Height = max(b.g.Height, y+h+htmlGap)
		x += w + htmlGap
		rowH = max(rowH, h)
	}
}

// splitNode names a node's group and its label within it: namespace and kind/name for a
// workload, "outside the cluster" and the range for an address range. It asks the analysis
// rather than counting slashes, which a hostile name may hold.
func (b *netpolGraph) splitNode(n string) (group, label string, outside bool) {
	if i := b.a.Workload(n); i >= 0 {
		w := &b.a.Workloads[i]
		return w.Namespace, w.Kind + "/" + w.Name, false
	}
	return "outside the cluster", n, true
}

// explain decides each port range of a connection at its first port, as `netpol explain`
// does, and interns the two sides.
func (b *netpolGraph) explain(c netpol.Connection) ([]whyJSON, int) {
	src, okS := b.endpoint(c.Src)
	dst, okD := b.endpoint(c.Dst)
	if !okS || !okD {
		return []whyJSON{}, 0
	}
	whys := []whyJSON{}
	more := 0
	for _, p := range []netpol.Protocol{netpol.TCP, netpol.UDP, netpol.SCTP} {
		for _, iv := range c.Conns.Ports(p) {
			if len(whys) == maxHTMLWhys {
				more++
				continue
			}
			why := b.verdict(src, dst, p, iv.Lo)
			why.Ports = netpol.IntervalsString([]netpol.Interval{iv})
			whys = append(whys, why)
		}
	}
	return whys, more
}

// verdict explains one port, once per pair of classes.
func (b *netpolGraph) verdict(src, dst netpol.Endpoint, p netpol.Protocol, port int32) whyJSON {
	k := verdictKey{srcClass: -1, dstClass: -1, srcAddr: src.Addr, dstAddr: dst.Addr, proto: p, port: port}
	if src.Workload >= 0 {
		k.srcClass = b.a.Class(src.Workload)
	}
	if dst.Workload >= 0 {
		k.dstClass = b.a.Class(dst.Workload)
	}
	if why, ok := b.verdicts[k]; ok {
		return why
	}
	e := b.a.Explain(src, dst, p, port)
	why := whyJSON{Protocol: p.String(), Port: port, Allowed: e.Allowed, Egress: b.side(netpol.Egress, e.Egress), Ingress: b.side(netpol.Ingress, e.Ingress)}
	if src.Workload < 0 {
		why.Src = e.Src
	}
	if dst.Workload < 0 {
		why.Dst = e.Dst
	}
	b.verdicts[k] = why
	return why
}

// endpoint reads a node's name: a workload, or an address range by its first address.
func (b *netpolGraph) endpoint(n string) (netpol.Endpoint, bool) {
	if i := b.a.Workload(n); i >= 0 {
		return netpol.Endpoint{Workload: i}, true
	}
	lo, _, _ := strings.Cut(n, "-")
	ip, err := netip.ParseAddr(lo)
	return netpol.Endpoint{Workload: -1, Addr: ip}, err == nil
}

func (b *netpolGraph) side(d netpol.Direction, s netpol.Side) int {
	sj := sideJSON{Direction: d.String(), Side: s}
	key, _ := json.Marshal(sj)
	if i, ok := b.sideOf[string(key)]; ok {
		return i
	}
	b.sideOf[string(key)] = len(b.g.Sides)
	b.g.Sides = append(b.g.Sides, sj)
	return len(b.g.Sides) - 1
}

// flags are the filter's flags as given, for the page's heading.
func (f connFilter) flags() []filterJSON {
	out := []filterJSON{}
	for _, fl := range []struct {
		name string
		p    endpointPattern
	}{{"from", f.from}, {"to", f.to}} {
		if fl.p.addr.IsValid() {
			out = append(out, filterJSON{fl.name, fl.p.addr.String()})
		} else if fl.p.glob != "" {
			out = append(out, filterJSON{fl.name, fl.p.glob})
		}
	}
	if f.port != 0 {
		out = append(out, filterJSON{"port", fmt.Sprintf("%d/%s", f.port, f.proto)})
	}
	return out
}
