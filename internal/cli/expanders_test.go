package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"palisade.dev/palisade/internal/cli"
)

var exampleChart = filepath.Join("..", "..", "examples", "helm", "web")

// scanJSON runs `palisade scan ... -o json --fail-on none` and decodes the findings.
func scanJSON(t *testing.T, args ...string) (code int, findings []reportFinding, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	args = append([]string{"scan"}, append(args, "-o", "json", "--fail-on", "none")...)
	code = cli.Execute(context.Background(), args, cli.Streams{In: strings.NewReader(""), Out: &out, Err: &errOut})
	if code == 0 || out.Len() > 0 {
		var report struct {
			Findings []reportFinding `json:"findings"`
		}
		if err := json.Unmarshal(out.Bytes(), &report); err != nil {
			t.Fatalf("decoding the JSON report: %v\n%s", err, out.String())
		}
		findings = report.Findings
	}
	return code, findings, errOut.String()
}

type reportFinding struct {
	Rule   string `json:"rule"`
	Object struct {
		Kind, Namespace, Name string
	} `json:"object"`
	Location struct {
		File     string `json:"file"`
		Line     int    `json:"line"`
		Template string `json:"template"`
	} `json:"location"`
}

func TestChartFlags(t *testing.T) {
	deployment := filepath.Join(exampleChart, "templates", "deployment.yaml")
	tests := []struct {
		name string
		args []string
		want func(f reportFinding) bool
	}{
		{
			name: "--set loosens a value and the finding points into the template",
			args: []string{"--set", "image.digest="},
			want: func(f reportFinding) bool {
				return f.Rule == "pod/image-digest" && f.Location.File == deployment && f.Location.Template == "web/templates/deployment.yaml"
			},
		},
		{
			name: "--set-string is applied",
			args: []string{"--set-string", "image.tag=latest", "--set", "image.digest="},
			want: func(f reportFinding) bool { return f.Rule == "pod/image-tag" },
		},
		{
			name: "--release-name and --namespace name the objects",
			args: []string{"--release-name", "shop", "-n", "prod", "--set", "securityContext.readOnlyRootFilesystem=false"},
			want: func(f reportFinding) bool {
				return f.Rule == "pod/read-only-root-filesystem" && f.Object.Namespace == "prod" && f.Object.Name == "shop-web"
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, findings, stderr := scanJSON(t, append([]string{exampleChart}, tt.args...)...)
			if code != 0 {
				t.Fatalf("exit code %d: %s", code, stderr)
			}
			for _, f := range findings {
				if tt.want(f) {
					return
				}
			}
			t.Errorf("no expected finding among %+v", findings)
		})
	}
}

func TestChartFlagErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"values file that does not exist", []string{"--values", "no-such-file.yaml"}, "no-such-file.yaml"},
		{"kube version that does not parse", []string{"--kube-version", "latest"}, "kube version"},
		{"release name that is not valid", []string{"--release-name", "Shop_1"}, "release name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := scanJSON(t, append([]string{exampleChart}, tt.args...)...)
			if code != 2 || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit code %d, stderr %q; want 2 and a message mentioning %q", code, stderr, tt.want)
			}
		})
	}
}
