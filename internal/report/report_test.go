package report_test

import (
	"bytes"
	"path/filepath"
	"testing"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/report"
	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/testfiles"
)

// sampleRules are the rules the sample scan evaluated; pod/host-network found nothing.
func sampleRules() []*rules.Rule {
	cisRoot := rules.Reference{Kind: "CIS", ID: "5.2.7", Title: "Minimize the admission of root containers"}
	pss := rules.Reference{Kind: "PSS", ID: "restricted/runAsNonRoot", Title: "Running as Non-root", URL: "https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted"}
	return []*rules.Rule{
		{ID: "namespace/default-deny", Title: "Namespaces deny traffic by default", Severity: finding.Medium, Area: rules.AreaNamespace, Scope: rules.ScopeNamespace,
			Description: "A namespace without a NetworkPolicy that selects every pod admits all traffic.",
			Remedy:      "Add a NetworkPolicy with an empty podSelector and both policy types."},
		{ID: "pod/cpu-limit", Title: "Containers set a CPU limit", Severity: finding.Low, Area: rules.AreaWorkload, Scope: rules.ScopePod,
			Description: "A container without a CPU limit can starve its neighbours.",
			Fields:      []string{"spec.containers[*].resources.limits.cpu"}, Allowed: []string{"any quantity"},
			Remedy: "Set resources.limits.cpu."},
		{ID: "pod/host-network", Title: "Pods do not share the host network", Severity: finding.High, Area: rules.AreaWorkload, Scope: rules.ScopePod,
			Description: "A pod on the host network sees every interface of the node.",
			Fields:      []string{"spec.hostNetwork"}, Allowed: []string{"false", "unset"},
			Remedy: "Remove spec.hostNetwork."},
		{ID: "pod/host-path", Title: "Pods do not mount host paths", Severity: finding.High, Area: rules.AreaWorkload, Scope: rules.ScopePod,
			Description: "A hostPath volume gives a container the node's files.",
			Fields:      []string{"spec.volumes[*].hostPath"}, Remedy: "Use another volume type."},
		{ID: "pod/image-digest", Title: "Images are pinned by digest", Severity: finding.Info, Area: rules.AreaWorkload, Scope: rules.ScopePod,
			Description: "A tag can be moved to another image; a digest cannot.",
			Fields:      []string{"spec.containers[*].image"}, Remedy: "Reference the image by digest (name@sha256:...)."},
		{ID: "pod/privileged", Title: "Containers are not privileged", Severity: finding.Critical, Area: rules.AreaWorkload, Scope: rules.ScopePod,
			Description: "A privileged container has every capability and every device of the node.\n\nIt is root on the node in all but name.",
			Fields:      []string{"spec.containers[*].securityContext.privileged"}, Allowed: []string{"false", "unset"},
			References: []rules.Reference{pss}, Remedy: "Set securityContext.privileged to false."},
		{ID: "pod/run-as-non-root", Title: "Containers run as a non-root user", Severity: finding.High, Area: rules.AreaWorkload, Scope: rules.ScopePod,
			Description: "A container that may run as root turns any escape into root on the node.",
			Fields:      []string{"spec.securityContext.runAsNonRoot", "spec.containers[*].securityContext.runAsNonRoot"},
			Allowed:     []string{"true"}, References: []rules.Reference{cisRoot, pss},
			Remedy: "Set runAsNonRoot: true in the pod or container securityContext."},
	}
}

// sampleInput is a fixed scan: findings of every severity in three objects of two files and a
// chart template, one suppressed finding and one error.
func sampleInput() *report.Input {
	web := finding.ObjectRef{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "shop", Name: "web"}
	webStart := finding.Location{File: "deploy/web.yaml", Document: 1, Line: 1, Column: 1}
	at := func(file string, doc, line, col int) finding.Location {
		return finding.Location{File: file, Document: doc, Line: line, Column: col}
	}
	findings := []finding.Finding{
		{RuleID: "pod/run-as-non-root", Title: "Containers run as a non-root user", Severity: finding.High, Object: web, Container: "app",
			Path: "spec.template.spec.containers[0].securityContext.runAsNonRoot", Location: at("deploy/web.yaml", 1, 22, 11), ObjectAt: finding.PositionOf(webStart),
			Message:  `Container "app" may run as root: securityContext.runAsNonRoot is not set in the container or the pod.`,
			Related:  &finding.Related{AlsoBreaks: []string{"pss/restricted:runAsNonRoot"}},
			Evidence: "runAsNonRoot unset; runAsUser unset", Remedy: "Set runAsNonRoot: true in the pod or container securityContext.",
			Fix: []finding.Patch{{Path: "spec.template.spec.containers[0].securityContext.runAsNonRoot", Value: true}}},
		{RuleID: "pod/privileged", Title: "Containers are not privileged", Severity: finding.Critical, Object: web, Container: "app",
			Path: "spec.template.spec.containers[0].securityContext.privileged", Location: at("deploy/web.yaml", 1, 24, 13), ObjectAt: finding.PositionOf(webStart),
			Message:  `Container "app" runs privileged: securityContext.privileged is true.`,
			Evidence: "privileged: true", Remedy: "Set securityContext.privileged to false.",
			Fix: []finding.Patch{{Path: "spec.template.spec.containers[0].securityContext.privileged", Remove: true}}},
		{RuleID: "pod/cpu-limit", Title: "Containers set a CPU limit", Severity: finding.Low, Object: web, Container: "log-shipper",
			Path: "spec.template.spec.containers[1].resources.limits.cpu", Location: at("deploy/web.yaml", 1, 31, 9), ObjectAt: finding.PositionOf(webStart),
			Message: `Container "log-shipper" sets no CPU limit (resources.limits.cpu).`, Remedy: "Set resources.limits.cpu."},
		{RuleID: "namespace/default-deny", Title: "Namespaces deny traffic by default", Severity: finding.Medium,
			Object:   finding.ObjectRef{APIVersion: "v1", Kind: "Namespace", Name: "shop"},
			Location: at("deploy/namespace.yaml", 1, 4, 9), ObjectAt: finding.PositionOf(at("deploy/namespace.yaml", 1, 1, 1)),
			Message: `Namespace "shop" has no NetworkPolicy that denies ingress and egress by default (judged from the input alone).`,
			Remedy:  "Add a NetworkPolicy with an empty podSelector and both policy types."},
		{RuleID: "pod/image-digest", Title: "Images are pinned by digest", Severity: finding.Info,
			Object: finding.ObjectRef{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "prod", Name: "api"}, Container: "api",
			Path:     "spec.template.spec.containers[0].image",
			Location: finding.Location{File: "charts/api/templates/deployment.yaml", Document: 1, Line: 19, Column: 18, Template: "api/templates/deployment.yaml"},
			ObjectAt: finding.Position{Line: 1, Column: 1, Known: true},
			Message:  `Container "api" refers to image "registry.example/api:1.4" by tag, not by digest.`,
			Evidence: "image: registry.example/api:1.4", Remedy: "Reference the image by digest (name@sha256:...)."},
	}
	suppressed := []finding.Finding{
		{RuleID: "pod/host-path", Title: "Pods do not mount host paths", Severity: finding.High,
			Object: finding.ObjectRef{APIVersion: "apps/v1", Kind: "DaemonSet", Namespace: "monitoring", Name: "node-exporter"},
			Path:   "spec.template.spec.volumes[0].hostPath", Location: at("deploy/monitoring.yaml", 1, 30, 11), ObjectAt: finding.PositionOf(at("deploy/monitoring.yaml", 1, 1, 1)),
			Message:  `Volume "proc" mounts the host path /proc.`,
			Evidence: "hostPath.path: /proc", Remedy: "Use another volume type.",
			Suppression: &finding.Suppression{Source: "annotation", Reason: "node-exporter reads the node's /proc by design"}},
	}
	finding.Sort(findings)
	finding.Sort(suppressed)
	return &report.Input{
		Command:    "scan",
		Targets:    []string{"deploy/", "charts/api"},
		Version:    "1.2.3",
		Findings:   findings,
		Suppressed: suppressed,
		Errors: []finding.ScanError{
			{Location: finding.Location{File: "deploy/broken.yaml", Document: 2, Line: 3, Column: 7}, Message: "yaml: mapping values are not allowed in this context"},
		},
		NotApplied: []finding.NotApplied{{Rules: []string{"namespace/default-deny"}, Namespaces: []string{"prod"},
			Reason: "the input does not define namespace prod (no Namespace object); pass --namespaces-complete to judge it from the input alone"}},
		Rules:  sampleRules(),
		FailOn: finding.High,
		Stats:  report.Stats{Files: 5, Documents: 6, Objects: 4},
	}
}

// render writes the sample in one format, with changes made by adjust.
func render(t *testing.T, format string, adjust func(*report.Input)) []byte {
	t.Helper()
	in := sampleInput()
	if adjust != nil {
		adjust(in)
	}
	var b bytes.Buffer
	if err := report.Write(&b, format, in); err != nil {
		t.Fatalf("writing the %s report: %v", format, err)
	}
	return b.Bytes()
}

func TestGolden(t *testing.T) {
	showSuppressed := func(in *report.Input) { in.ShowSuppressed = true }
	tests := []struct {
		golden string
		format string
		adjust func(*report.Input)
	}{
		{"text.golden", "text", nil},
		{"text-show-suppressed.golden", "text", showSuppressed},
		{"text-color.golden", "text", func(in *report.Input) { in.Color = true }},
		{"json.golden", "json", nil},
		{"json-show-suppressed.golden", "json", showSuppressed},
		{"sarif.golden", "sarif", nil},
		{"junit.golden", "junit", nil},
		{"compact.golden", "compact", nil},
		{"compact-show-suppressed.golden", "compact", showSuppressed},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			got := render(t, tt.format, tt.adjust)
			testfiles.Golden(t, filepath.Join("testdata", tt.golden), got)
			if again := render(t, tt.format, tt.adjust); !bytes.Equal(got, again) {
				t.Errorf("two renderings of the same input differ: the %s report is not deterministic", tt.format)
			}
		})
	}
}

// goldenInput is a golden file and the input whose report it holds.
type goldenInput struct {
	golden string
	in     func() *report.Input
}

// testGoldenInputs compares the report of each input in format with its golden file, and
// holds two renderings of it to the same bytes.
func testGoldenInputs(t *testing.T, format string, tests []goldenInput) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			got := render(t, format, func(in *report.Input) { *in = *tt.in() })
			testfiles.Golden(t, filepath.Join("testdata", tt.golden), got)
			if again := render(t, format, func(in *report.Input) { *in = *tt.in() }); !bytes.Equal(got, again) {
				t.Errorf("two renderings of the same input differ: the %s report is not deterministic", format)
			}
		})
	}
}

func TestUnknownFormat(t *testing.T) {
	err := report.Write(&bytes.Buffer{}, "pdf", sampleInput())
	if err == nil {
		t.Fatal("writing an unknown format succeeded")
	}
}
