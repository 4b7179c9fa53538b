package distfiles_test

import (
	"regexp"
	"strings"
	"testing"
)

// preCommitHook is a hook of .pre-commit-hooks.yaml, with the fields of pre-commit's manifest
// (https://pre-commit.com/#creating-new-hooks) that Palisade's hooks use.
type preCommitHook struct {
	ID            string   `yaml:"id"`
	Name          string   `yaml:"name"`
	Description   string   `yaml:"description"`
	Entry         string   `yaml:"entry"`
	Language      string   `yaml:"language"`
	Files         string   `yaml:"files"`
	Exclude       string   `yaml:"exclude"`
	Args          []string `yaml:"args"`
	PassFilenames *bool    `yaml:"pass_filenames"`
}

func TestPreCommitHooks(t *testing.T) {
	var hooks []preCommitHook
	decodeStrict(t, ".pre-commit-hooks.yaml", &hooks)
	languages := map[string]string{}
	for _, h := range hooks {
		languages[h.ID] = h.Language
	}
	if len(hooks) != 2 || languages["palisade-scan"] != "golang" || languages["palisade-scan-system"] != "system" {
		t.Fatalf("hooks and their languages: %v; want palisade-scan (golang) and palisade-scan-system (system)", languages)
	}
	for _, h := range hooks {
		t.Run(h.ID, func(t *testing.T) {
			if h.Name == "" || h.Description == "" {
				t.Error("the hook has no name or description")
			}
			entry := strings.Fields(h.Entry)
			if len(entry) < 2 || entry[0] != "palisade" || entry[1] != "scan" {
				t.Fatalf("entry %q does not run palisade scan", h.Entry)
			}
			// pre-commit runs the entry, then args, then the staged files that match.
			checkCommandLine(t, h.ID, append(append(entry[1:], h.Args...), "deploy/web.yaml"))
			if !strings.Contains(strings.Join(h.Args, " "), "--fail-on high") {
				t.Errorf("args %q do not fail the commit at high", h.Args)
			}
			if h.PassFilenames == nil || !*h.PassFilenames {
				t.Error("pass_filenames is not true: palisade would scan nothing")
			}
			files, err := regexp.Compile(h.Files)
			if err != nil {
				t.Fatalf("files: %v", err)
			}
			exclude, err := regexp.Compile(h.Exclude)
			if err != nil {
				t.Fatalf("exclude: %v", err)
			}
			// pre-commit matches both with Python's re.search; these patterns mean the same
			// in Go's syntax.
			cases := []struct {
				path string
				want bool
			}{
				{"deploy/web.yaml", true},
				{"k8s/base/deployment.yml", true},
				{"manifests/list.json", true},
				{"kustomization.yaml", true},
				{"main.go", false},
				{"deploy/web.yaml.orig", false},
				{".github/workflows/ci.yml", false},
				{".pre-commit-config.yaml", false},
				{".goreleaser.yaml", false},
				{"action.yml", false},
				{"charts/web/Chart.yaml", false},
				{"charts/web/values-prod.yaml", false},
				{"charts/web/templates/deployment.yaml", false},
				{"web/package.json", false},
			}
			for _, tc := range cases {
				if got := files.MatchString(tc.path) && !exclude.MatchString(tc.path); got != tc.want {
					t.Errorf("the hook runs on %s: %v, want %v", tc.path, got, tc.want)
				}
			}
		})
	}
}
