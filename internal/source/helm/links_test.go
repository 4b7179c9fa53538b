package helm_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"palisade.dev/palisade/internal/source/helm"
	"palisade.dev/palisade/internal/source/manifest"
	"palisade.dev/palisade/internal/testfiles"
)

// TestChartSymbolicLinks pins that a chart folder cannot use symbolic links to make Helm's
// loader, which follows every link and detects no loop, read outside what the scan may read
// or walk without end: the chart is an error, named by the link.
func TestChartSymbolicLinks(t *testing.T) {
	const helper = `{{- define "web.name" -}}web{{- end -}}` + "\n"
	tests := []struct {
		name   string
		links  map[string]string // link (under the base folder) -> target
		scan   string            // the path scanned, under the base folder
		follow bool
		want   string // in the one error; "" when the chart renders
	}{
		{
			name:  "a template link out of the chart and the scanned folder is refused",
			links: map[string]string{"repo/web/templates/_helpers.tpl": "../../../outside/_helpers.tpl"},
			scan:  "repo/web", want: "points outside the chart and the scanned folders",
		},
		{
			name:  "a folder link to the filesystem root is refused",
			links: map[string]string{"repo/web/templates/host": "/"},
			scan:  "repo", want: "points outside the chart and the scanned folders",
		},
		{
			name:  "a folder link to a folder that holds it is a loop",
			links: map[string]string{"repo/web/templates/again": ".."},
			scan:  "repo", want: "symbolic link loop",
		},
		{
			name:  "two folder links leading to each other are a loop",
			links: map[string]string{"repo/web/a/to-b": "../b", "repo/web/b/to-a": "../a"},
			scan:  "repo", want: "symbolic link loop",
		},
		{
			name:  "a link to a file elsewhere in the scanned folder is followed",
			links: map[string]string{"repo/web/templates/_helpers.tpl": "../../common/_helpers.tpl"},
			scan:  "repo",
		},
		{
			name:   "with --follow-symlinks a link to a file out of the scanned folder is followed",
			links:  map[string]string{"repo/web/templates/_helpers.tpl": "../../../outside/_helpers.tpl"},
			scan:   "repo/web",
			follow: true,
		},
		{
			name:   "with --follow-symlinks a link to a folder out of the scanned folder is still refused",
			links:  map[string]string{"repo/web/templates/more": "../../../outside"},
			scan:   "repo/web",
			follow: true, want: "Helm would walk that folder without loop detection",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := t.TempDir()
			testfiles.Write(t, base, map[string]string{
				"repo/web/Chart.yaml":        "apiVersion: v2\nname: web\nversion: 1.0.0\n",
				"repo/web/templates/sa.yaml": "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: {{ include \"web.name\" . }}\n",
				"repo/web/a/.keep":           "",
				"repo/web/b/.keep":           "",
				"repo/common/_helpers.tpl":   helper,
				"outside/_helpers.tpl":       helper,
			})
			if _, ok := tt.links["repo/web/templates/_helpers.tpl"]; !ok {
				if err := os.WriteFile(filepath.Join(base, "repo/web/templates/_helpers.tpl"), []byte(helper), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			for link, target := range tt.links {
				if err := os.Symlink(target, filepath.Join(base, filepath.FromSlash(link))); err != nil {
					t.Fatal(err)
				}
			}
			c := newChart(t, helm.Options{})
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			res := manifest.Load(ctx, []string{filepath.Join(base, filepath.FromSlash(tt.scan))},
				manifest.Options{Expanders: []manifest.Expander{c}, FollowSymlinks: tt.follow})
			if tt.want == "" {
				for _, e := range res.Errors {
					t.Errorf("error: %s: %s", e.Location, e.Message)
				}
				if res.Inventory.Len() != 1 {
					t.Errorf("%d objects, want the chart's ServiceAccount", res.Inventory.Len())
				}
				return
			}
			if len(res.Errors) != 1 || !strings.Contains(res.Errors[0].Message, tt.want) {
				t.Fatalf("errors %v, want one that says %q", res.Errors, tt.want)
			}
		})
	}
}
