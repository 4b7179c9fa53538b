package cli_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"palisade.dev/palisade/internal/testbrowser"
)

// TestNetpolHTMLInHeadlessChromium opens the page of the shop example (two namespaces,
// ranges outside the cluster, and ops/Pod/debug denied to reach shop/StatefulSet/db) in
// headless Chromium and uses it as a reader would.
func TestNetpolHTMLInHeadlessChromium(t *testing.T) {
	b := testbrowser.Start(t)
	page, _, g := netpolHTML(t, "-f", netpolManifests)
	file := filepath.Join(t.TempDir(), "netpol.html")
	if err := os.WriteFile(file, []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := b.Open(file, `body[data-rendered="true"]`); err != nil {
		t.Fatalf("loading the page: %v", err)
	}
	count := func(sel string) int {
		n, err := chromedp.Run(b.Ctx, chromedp.Evaluate[int](fmt.Sprintf(`document.querySelectorAll(%q).length`, sel)))
		if err != nil {
			t.Fatalf("counting %s: %v", sel, err)
		}
		return n
	}
	// edgeCount counts the drawn edges whose title starts with prefix.
	edgeCount := func(prefix string) int {
		n, err := chromedp.Run(b.Ctx, chromedp.Evaluate[int](fmt.Sprintf(
			`Array.from(document.querySelectorAll("g.edge > title")).filter(t => t.textContent.startsWith(%q)).length`, prefix)))
		if err != nil {
			t.Fatalf("counting edges: %v", err)
		}
		return n
	}
	panel := func() string {
		s, err := chromedp.Run(b.Ctx, chromedp.Evaluate[string](`document.getElementById("panel").textContent`))
		if err != nil {
			t.Fatalf("reading the panel: %v", err)
		}
		return s
	}

	t.Run("the graph draws every node, edge and namespace of the data", func(t *testing.T) {
		for _, c := range []struct {
			sel  string
			want int
		}{
			{"g.node", len(g.Nodes)},
			{"g.edge", len(g.Edges)},
			{"g.ns", len(g.Groups)},
			{"g.ns.outside", 1},
			{"g.node.range", 3},
		} {
			if got := count(c.sel); got != c.want {
				t.Errorf("%d %s, want %d", got, c.sel, c.want)
			}
		}
		if n := edgeCount("shop/Deployment/web => shop/StatefulSet/db : TCP 5432"); n != 1 {
			t.Errorf("%d edges from web to db, want 1", n)
		}
		if n := edgeCount("ops/Pod/debug => shop/StatefulSet/db"); n != 0 {
			t.Errorf("the denied pair is drawn %d times", n)
		}
	})

	t.Run("a click on an edge shows the deciding policies and rules with file:line", func(t *testing.T) {
		// Click, as a reader does, at the middle of the edge's curve.
		xy, err := chromedp.Run(b.Ctx, chromedp.Evaluate[[]float64](`(() => {
			const t = Array.from(document.querySelectorAll("g.edge > title")).find(t => t.textContent.startsWith("shop/Deployment/web => shop/StatefulSet/db"));
			const p = t.parentNode.querySelector("path.hit"), pt = p.getPointAtLength(p.getTotalLength() / 2), m = p.getScreenCTM();
			return [pt.x * m.a + pt.y * m.c + m.e, pt.x * m.b + pt.y * m.d + m.f];
		})()`))
		if err != nil || len(xy) != 2 {
			t.Fatalf("locating the edge: %v", err)
		}
		if err := chromedp.Do(b.Ctx, chromedp.MouseClickXY(xy[0], xy[1])); err != nil {
			t.Fatalf("clicking: %v", err)
		}
		got := panel()
		for _, want := range []string{
			"shop/Deployment/web => shop/StatefulSet/db", "TCP 5432: allowed",
			"egress of shop/Deployment/web: allowed", "shop/default-deny (testdata/netpol/shop.yaml:61:1)",
			"shop/web spec.egress[0] (testdata/netpol/shop.yaml:82:5)",
			"ingress of shop/StatefulSet/db: allowed", "shop/db spec.ingress[0] (testdata/netpol/shop.yaml:104:5)",
		} {
			if !strings.Contains(got, want) {
				t.Errorf("the panel lacks %q:\n%s", want, got)
			}
		}
		b.Screenshot(t, "netpol-html-shop.png")
	})

	t.Run("the filter keeps the matching workloads and their connections", func(t *testing.T) {
		if err := chromedp.Do(b.Ctx, chromedp.SendKeys(chromedp.ID("filter"), "statefulset/db")); err != nil {
			t.Fatalf("typing: %v", err)
		}
		if nodes, edges := count("g.node:not(.gone)"), count("g.edge:not(.gone)"); nodes != 2 || edges != 1 {
			t.Errorf("%d nodes and %d edges shown, want db and web, and the edge between them", nodes, edges)
		}
	})

	t.Run("the page logs no error, throws nothing and requests nothing", func(t *testing.T) {
		if p := b.Problems(); len(p) > 0 {
			t.Errorf("the browser reported:\n%s", strings.Join(p, "\n"))
		}
	})
}
