package report_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/performance"
	"github.com/chromedp/chromedp"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/report"
	"palisade.dev/palisade/internal/testbrowser"
)

// openHTMLReport writes the report of in and opens it, waiting for its script to have run, and
// returns the time from navigation to the first rows, as the page measured it.
func openHTMLReport(t *testing.T, b *testbrowser.Browser, in *report.Input, name string) time.Duration {
	t.Helper()
	var page bytes.Buffer
	if err := report.Write(&page, "html", in); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(file, page.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := b.Open(file, `body[data-rendered="true"]`); err != nil {
		t.Fatalf("loading the page: %v", err)
	}
	ms := evaluate[float64](t, b, `performance.getEntriesByName("palisade-rendered")[0].startTime`)
	return time.Duration(ms * float64(time.Millisecond))
}

// evaluate runs a script in the page.
func evaluate[T any](t *testing.T, b *testbrowser.Browser, script string) T {
	t.Helper()
	v, err := chromedp.Run(b.Ctx, chromedp.Evaluate[T](script))
	if err != nil {
		t.Fatalf("evaluating %s: %v", script, err)
	}
	return v
}

// setFilter sets the filter of the findings tab with id to value, as a reader does, and
// returns how many findings the page says match.
func setFilter(t *testing.T, b *testbrowser.Browser, id, value string) int {
	t.Helper()
	return evaluate[int](t, b, fmt.Sprintf(`(() => {
		const e = document.getElementById(%q);
		e.value = %q;
		e.dispatchEvent(new Event(e.tagName === "INPUT" ? "input" : "change"));
		const m = document.getElementById("findings-count").textContent.match(/^(\d+)/);
		return Number(m[1]);
	})()`, id, value))
}

// TestHTMLInHeadlessChromium opens the sample report in headless Chromium and uses it as a
// reader would.
func TestHTMLInHeadlessChromium(t *testing.T) {
	b := testbrowser.Start(t)
	in := reachabilityInput()
	openHTMLReport(t, b, in, "report.html")
	b.Screenshot(t, "report-html-summary.png")

	t.Run("the findings tab lists every finding with its location, evidence and remedy", func(t *testing.T) {
		if err := chromedp.Do(b.Ctx, chromedp.Click(chromedp.CSS(`nav button[data-tab="findings"]`)), chromedp.WaitVisible(chromedp.CSS(`#findings-rows`))); err != nil {
			t.Fatalf("opening the findings tab: %v", err)
		}
		if n := evaluate[int](t, b, `document.querySelectorAll("#findings-rows tr").length`); n != len(in.Findings) {
			t.Errorf("%d rows, want %d", n, len(in.Findings))
		}
		text := evaluate[string](t, b, `document.getElementById("findings-rows").textContent`)
		for _, want := range []string{"deploy/web.yaml:24:13", "privileged: true", "Set securityContext.privileged to false.", "container app"} {
			if !strings.Contains(text, want) {
				t.Errorf("the table lacks %q", want)
			}
		}
		b.Screenshot(t, "report-html-findings.png")
	})

	t.Run("each filter narrows the table", func(t *testing.T) {
		all := len(in.Findings)
		for _, c := range []struct {
			id, value string
			want      int
		}{
			{"findings-ns", nsValue(t, b, "prod"), 1},
			{"findings-rule", ruleValue(t, b, "pod/privileged"), 1},
			{"findings-severity", fmt.Sprint(int(finding.Low)), 1},
			{"findings-area", "namespace", 1},
			{"findings-text", "log-shipper", 1},
		} {
			if got := setFilter(t, b, c.id, c.value); got != c.want {
				t.Errorf("%s=%s keeps %d findings, want %d", c.id, c.value, got, c.want)
			}
			if rows := evaluate[int](t, b, `document.querySelectorAll("#findings-rows tr").length`); rows != c.want {
				t.Errorf("%s=%s shows %d rows, want %d", c.id, c.value, rows, c.want)
			}
			if got := setFilter(t, b, c.id, ""); got != all {
				t.Errorf("clearing %s keeps %d findings, want %d", c.id, got, all)
			}
		}
	})

	t.Run("a click on a bar of the summary filters the findings", func(t *testing.T) {
		if err := chromedp.Do(b.Ctx, chromedp.Click(chromedp.CSS(`nav button[data-tab="summary"]`)), chromedp.Click(chromedp.CSS(`#chart-namespace g[data-key]:nth-of-type(2) rect`))); err != nil {
			t.Fatalf("clicking: %v", err)
		}
		if got := evaluate[string](t, b, `document.getElementById("findings-count").textContent`); got != "1 of 5 findings" {
			t.Errorf("the table says %q after a click on prod, want 1 of 5 findings", got)
		}
	})

	t.Run("the suppressed tab lists the suppressed finding and why", func(t *testing.T) {
		if err := chromedp.Do(b.Ctx, chromedp.Click(chromedp.CSS(`nav button[data-tab="suppressed"]`)), chromedp.WaitVisible(chromedp.CSS(`#suppressed-rows`))); err != nil {
			t.Fatal(err)
		}
		if text := evaluate[string](t, b, `document.getElementById("suppressed-rows").textContent`); !strings.Contains(text, "annotation: node-exporter reads") {
			t.Errorf("the suppressed tab lacks the reason: %s", text)
		}
	})

	t.Run("the errors are one click away", func(t *testing.T) {
		if err := chromedp.Do(b.Ctx, chromedp.Click(chromedp.CSS(`#errors-banner button`)), chromedp.WaitVisible(chromedp.CSS(`#errors`))); err != nil {
			t.Fatalf("showing the errors: %v", err)
		}
	})

	t.Run("the page logs no error, throws nothing and requests nothing", func(t *testing.T) {
		if p := b.Problems(); len(p) > 0 {
			t.Errorf("the browser reported:\n%s", strings.Join(p, "\n"))
		}
	})
}

// nsValue is the value of the namespace filter's option for ns.
func nsValue(t *testing.T, b *testbrowser.Browser, ns string) string {
	return optionValue(t, b, "findings-ns", ns)
}

// ruleValue is the value of the rule filter's option for a rule ID.
func ruleValue(t *testing.T, b *testbrowser.Browser, id string) string {
	return optionValue(t, b, "findings-rule", id)
}

func optionValue(t *testing.T, b *testbrowser.Browser, sel, label string) string {
	t.Helper()
	v := evaluate[string](t, b, fmt.Sprintf(`(Array.from(document.getElementById(%q).options).find(o => o.textContent === %q) || {value: "missing"}).value`, sel, label))
	if v == "missing" {
		t.Fatalf("%s has no option %q", sel, label)
	}
	return v
}

// rendererCPU is the CPU time the browser's renderer process has used so far, in seconds.
func rendererCPU(t *testing.T, b *testbrowser.Browser) float64 {
	t.Helper()
	target := chromedp.FromContext(b.Ctx).Target
	if _, err := cdp.Call(b.Ctx, target, performance.Enable, performance.EnableParams{}); err != nil {
		t.Fatalf("enabling the performance metrics: %v", err)
	}
	r, err := cdp.Call(b.Ctx, target, performance.GetMetrics, cdp.Empty{})
	if err != nil {
		t.Fatalf("reading the performance metrics: %v", err)
	}
	for _, m := range r.Metrics {
		if m.Name == "ProcessTime" {
			return m.Value
		}
	}
	t.Fatal("the browser reports no ProcessTime metric")
	return 0
}

// TestHTMLOpensAndFiltersALargeReport opens a report of 100,000 findings and filters it: the
// page must show its first rows, and each filter its result, in under 2 s. The browser opens
// the small sample first, so that its start is not counted against the page.
//
// The machine that runs the tests runs others beside them (make test runs every package at
// once), and a page's wall-clock time there is mostly waiting for a core. So the opening is
// held to 2 s of the renderer's CPU time (its ProcessTime metric), which is what the page
// costs a browser on a machine of its own, and its wall-clock time is logged beside it; a
// filter, well within its budget, is held to its wall-clock time. Each is the best of three
// tries.
func TestHTMLOpensAndFiltersALargeReport(t *testing.T) {
	const limit, tries = 2 * time.Second, 3
	b := testbrowser.Start(t)
	openHTMLReport(t, b, sampleInput(), "sample.html")
	in := largeInput(100_000)
	best := func(what string, times []time.Duration) {
		t.Helper()
		t.Logf("%s: %v", what, times)
		if m := slices.Min(times); m > limit {
			t.Errorf("%s took %v at best, want under %v", what, m, limit)
		}
	}
	walls, cpus := make([]time.Duration, tries), make([]time.Duration, tries)
	for i := range tries {
		before := rendererCPU(t, b)
		walls[i] = openHTMLReport(t, b, in, "large.html")
		used := rendererCPU(t, b) - before
		if used <= 0 {
			t.Fatalf("the renderer's CPU time went from %.2f s by %.2f s: the page opened in another process", before, used)
		}
		cpus[i] = time.Duration(used * float64(time.Second))
	}
	t.Logf("navigation to first rows, wall-clock: %v", walls)
	best("navigation to first rows, the renderer's CPU time", cpus)
	if err := chromedp.Do(b.Ctx, chromedp.Click(chromedp.CSS(`nav button[data-tab="findings"]`))); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ id, value string }{
		{"findings-ns", nsValue(t, b, "team-7")},
		{"findings-rule", ruleValue(t, b, "pod/privileged")},
		{"findings-severity", fmt.Sprint(int(finding.Critical))},
		{"findings-area", "workload"},
		{"findings-text", "web-4242"},
	} {
		times := make([]time.Duration, tries)
		for i := range times {
			start := time.Now()
			n := setFilter(t, b, c.id, c.value)
			times[i] = time.Since(start)
			if n == 0 || n >= len(in.Findings) {
				t.Errorf("%s keeps %d of %d findings", c.id, n, len(in.Findings))
			}
			setFilter(t, b, c.id, "")
		}
		best(c.id, times)
	}
	b.Screenshot(t, "report-html-100k.png")
	if p := b.Problems(); len(p) > 0 {
		t.Errorf("the browser reported:\n%s", strings.Join(p, "\n"))
	}
}

// largeInput is a scan of n findings of three rules over 97 namespaces.
func largeInput(n int) *report.Input {
	in := sampleInput()
	in.Findings = make([]finding.Finding, n)
	ids := []string{"pod/run-as-non-root", "pod/privileged", "namespace/default-deny"}
	for i := range in.Findings {
		rule := ids[i%3]
		in.Findings[i] = finding.Finding{RuleID: rule, Severity: finding.Severity(i % 5),
			Object:    finding.ObjectRef{APIVersion: "apps/v1", Kind: "Deployment", Namespace: fmt.Sprintf("team-%d", i%97), Name: fmt.Sprintf("web-%d", i)},
			Container: "app", Path: "spec.template.spec.containers[0].securityContext",
			Location: finding.Location{File: fmt.Sprintf("deploy/team-%d/web.yaml", i%97), Document: 1, Line: 20 + i%40, Column: 13},
			Message:  fmt.Sprintf("Container \"app\" of Deployment web-%d breaks %s.", i, rule),
			Evidence: "securityContext: {}", Remedy: "Set the securityContext."}
	}
	return in
}
