package report

import (
	"io"
	"testing"
	"time"

	"palisade.dev/palisade/internal/finding"
)

// benchInput is a scan of n findings over 97 namespaces, the suppressed ones (one in ten)
// apart, failing at high, as the policy and markdown benchmarks write it.
func benchInput(n int) *Input {
	in := &Input{Command: "scan", Targets: []string{"deploy/"}, Version: "bench", FailOn: finding.High,
		Now: time.Date(2026, time.December, 7, 8, 0, 0, 0, time.UTC)}
	for _, f := range manyFindings(n) {
		if f.Suppression != nil {
			in.Suppressed = append(in.Suppressed, f)
		} else {
			in.Findings = append(in.Findings, f)
		}
	}
	return in
}

// countingWriter counts what a report writes.
type countingWriter struct{ n int }

func (c *countingWriter) Write(p []byte) (int, error) { c.n += len(p); return len(p), nil }

func benchmarkFormat(b *testing.B, format string, n int) {
	in := benchInput(n)
	var size countingWriter
	if err := Write(&size, format, in); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := Write(io.Discard, format, in); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(size.n), "bytes/report")
}

// BenchmarkPolicyReport writes the policy reports of 10k findings (9k failing, 1k suppressed).
func BenchmarkPolicyReport(b *testing.B) { benchmarkFormat(b, "policyreport", 10_000) }

// BenchmarkMarkdown writes the markdown summary of 10k findings, which it cuts at 65,000
// characters.
func BenchmarkMarkdown(b *testing.B) { benchmarkFormat(b, "markdown", 10_000) }

// BenchmarkHTML writes the HTML page of 100k findings (90k active, 10k suppressed), every one
// of which it embeds.
func BenchmarkHTML(b *testing.B) { benchmarkFormat(b, "html", 100_000) }

// BenchmarkPolicyReportDigests builds the reports of 10k findings with their digests, as the
// operator does on every change (it renders only the reports whose digest changed).
func BenchmarkPolicyReportDigests(b *testing.B) {
	in := benchInput(10_000)
	b.ReportAllocs()
	for b.Loop() {
		BuildPolicyReports(in)
	}
}

// BenchmarkSARIFResults writes the SARIF log of 100k findings (90k active, 10k suppressed),
// every one of which is a result.
func BenchmarkSARIFResults(b *testing.B) { benchmarkFormat(b, "sarif", 100_000) }

// BenchmarkJUnit writes the JUnit document of 100k findings (90k active, 10k suppressed), a
// case each.
func BenchmarkJUnit(b *testing.B) { benchmarkFormat(b, "junit", 100_000) }
