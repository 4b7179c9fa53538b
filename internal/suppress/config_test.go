package suppress_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/suppress"
)

const validConfig = `version: 1
rules:
  enable: [pod/*, namespace/network-policy]
  disable: [pod/cpu-limit]
severity:
  pod/image-digest: info
  pod/*: high
exemptions:
  - rules: [pod/host-network, pod/privileged]
    namespaces: [kube-system]
    kinds: [DaemonSet, rollout, ScaledObject]
    names: [cilium*]
    labels: {app: cilium}
    reason: >-
      CNI needs the host network
      and raw sockets
`

func TestParseConfigValid(t *testing.T) {
	cfg, err := suppress.ParseConfig(".palisade.yaml", []byte(validConfig), testCatalog(t))
	if err != nil {
		t.Fatalf("ParseConfig: %v", err)
	}
	if !slices.Equal(cfg.Enable, []string{"pod/*", "namespace/network-policy"}) || !slices.Equal(cfg.Disable, []string{"pod/cpu-limit"}) {
		t.Errorf("selection = %q / %q", cfg.Enable, cfg.Disable)
	}
	wantSev := []suppress.SeverityOverride{{Rule: "pod/image-digest", Severity: finding.Info}, {Rule: "pod/*", Severity: finding.High}}
	if !slices.Equal(cfg.Severities, wantSev) {
		t.Errorf("severities = %v, want %v", cfg.Severities, wantSev)
	}
	if len(cfg.Exemptions) != 1 {
		t.Fatalf("exemptions = %v, want one", cfg.Exemptions)
	}
	e := cfg.Exemptions[0]
	if e.Reason != "CNI needs the host network and raw sockets" || e.Line != 9 || e.Labels["app"] != "cilium" ||
		!slices.Equal(e.Kinds, []string{"DaemonSet", "rollout", "ScaledObject"}) || !slices.Equal(e.Names, []string{"cilium*"}) {
		t.Errorf("exemption = %+v", e)
	}
}

func TestParseConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		text string
		// want are substrings the error must contain, each with its position.
		want []string
	}{
		{name: "unknown top-level key with line and suggestion",
			text: "version: 1\nexemption: []\n",
			want: []string{`.palisade.yaml:2:1: config: unknown key "exemption" (did you mean "exemptions"?)`}},
		{name: "unknown key in an exemption",
			text: "version: 1\nexemptions:\n  - rules: [pod/privileged]\n    namespace: [kube-system]\n    reason: x\n",
			want: []string{`.palisade.yaml:4:5: exemptions[0]: unknown key "namespace" (did you mean "namespaces"?)`}},
		{name: "unknown key under rules",
			text: "version: 1\nrules:\n  disabled: [pod/privileged]\n",
			want: []string{`.palisade.yaml:3:3: rules: unknown key "disabled" (did you mean "disable"?)`}},
		{name: "unknown rule ID with suggestion",
			text: "version: 1\nrules:\n  disable: [pod/cpu-limt]\n",
			want: []string{`.palisade.yaml:3:13: rules.disable: unknown rule "pod/cpu-limt" (did you mean "pod/cpu-limit"?)`}},
		{name: "unknown area pattern",
			text: "version: 1\nrules:\n  enable: [rbac/*]\n",
			want: []string{`.palisade.yaml:3:12: rules.enable: unknown rule "rbac/*"`}},
		{name: "unknown rule ID in an exemption",
			text: "version: 1\nexemptions:\n  - rules: [pod/host-netwrok]\n    kinds: [DaemonSet]\n    reason: CNI\n",
			want: []string{`.palisade.yaml:3:13: exemptions[0].rules: unknown rule "pod/host-netwrok" (did you mean "pod/host-network"?)`}},
		{name: "unknown rule ID as a severity key",
			text: "version: 1\nseverity:\n  pod/image-digst: low\n",
			want: []string{`.palisade.yaml:3:3: severity: unknown rule "pod/image-digst" (did you mean "pod/image-digest"?)`}},
		{name: "bad severity name",
			text: "version: 1\nseverity:\n  pod/image-digest: hihg\n",
			want: []string{`.palisade.yaml:3:21: severity of pod/image-digest: unknown severity "hihg"`}},
		{name: "exemption without reason",
			text: "version: 1\nexemptions:\n  - rules: [pod/privileged]\n    namespaces: [kube-system]\n",
			want: []string{`.palisade.yaml:3:5: exemptions[0] has no reason`}},
		{name: "exemption with a blank reason",
			text: "version: 1\nexemptions:\n  - rules: [pod/privileged]\n    namespaces: [kube-system]\n    reason: \"  \"\n",
			want: []string{`exemptions[0] has no reason`}},
		{name: "exemption without a selector",
			text: "version: 1\nexemptions:\n  - rules: [pod/privileged]\n    reason: everywhere\n",
			want: []string{`.palisade.yaml:3:5: exemptions[0] selects no object`}},
		{name: "exemption without rules",
			text: "version: 1\nexemptions:\n  - namespaces: [kube-system]\n    reason: system\n",
			want: []string{`.palisade.yaml:3:5: exemptions[0] names no rule`}},
		{name: "misspelt built-in kind",
			text: "version: 1\nexemptions:\n  - rules: [pod/privileged]\n    kinds: [DeamonSet, Rollout]\n    reason: CNI\n",
			want: []string{`.palisade.yaml:4:13: exemptions[0].kinds: unknown kind "DeamonSet" (did you mean "DaemonSet"?)`}},
		{name: "plural kind",
			text: "version: 1\nexemptions:\n  - rules: [pod/privileged]\n    kinds: [Deployments]\n    reason: CNI\n",
			want: []string{`unknown kind "Deployments" (did you mean "Deployment"?)`}},
		{name: "bad glob",
			text: "version: 1\nexemptions:\n  - rules: [pod/privileged]\n    names: [\"cilium[\"]\n    reason: CNI\n",
			want: []string{`.palisade.yaml:4:13: exemptions[0].names: "cilium[" is not a valid glob`}},
		{name: "missing version",
			text: "rules:\n  disable: [pod/privileged]\n",
			want: []string{`.palisade.yaml:1:1: version is missing`}},
		{name: "unsupported version",
			text: "version: 2\n",
			want: []string{`.palisade.yaml:1:10: unsupported version "2"`}},
		{name: "empty file",
			text: "# nothing yet\n",
			want: []string{`config .palisade.yaml: empty`}},
		{name: "key written twice",
			text: "version: 1\nrules:\n  disable: [pod/privileged]\nrules:\n  enable: [pod/*]\n",
			want: []string{`.palisade.yaml:4:1: config: key "rules" is written twice (first on line 2)`}},
		{name: "wrong type",
			text: "version: 1\nrules:\n  disable: pod/privileged\n",
			want: []string{`.palisade.yaml:3:12: rules.disable must be a list`}},
		{name: "two documents",
			text: "version: 1\n---\nversion: 1\n",
			want: []string{`more than one YAML document`}},
		{name: "malformed YAML",
			text: "version: 1\nrules: [\n",
			want: []string{`config .palisade.yaml: yaml:`}},
		{name: "every problem reported at once",
			text: "version: 1\nrule: {}\nseverity:\n  pod/privileged: urgent\n",
			want: []string{`unknown key "rule"`, `unknown severity "urgent"`}},
	}
	c := testCatalog(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := suppress.ParseConfig(".palisade.yaml", []byte(tt.text), c)
			if err == nil {
				t.Fatalf("ParseConfig accepted the config: %+v", cfg)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\ndoes not contain %q", err, w)
				}
			}
		})
	}
}

func TestLoadConfigNamesTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), ".palisade.yaml")
	if err := os.WriteFile(path, []byte("version: 1\nrules:\n  disable: [pod/privilegd]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := suppress.LoadConfig(path, testCatalog(t))
	if err == nil || !strings.Contains(err.Error(), path+":3:13: rules.disable: unknown rule") {
		t.Fatalf("LoadConfig error = %v, want one naming %s:3:13", err, path)
	}
	if _, err := suppress.LoadConfig(filepath.Join(t.TempDir(), "missing.yaml"), testCatalog(t)); err == nil {
		t.Fatal("LoadConfig of a missing file succeeded")
	}
}

func TestConfigSelected(t *testing.T) {
	tests := []struct {
		name    string
		cfg     *suppress.Config
		id      string
		checked bool
	}{
		{name: "no config keeps every rule", cfg: nil, id: "pod/privileged", checked: true},
		{name: "empty config keeps every rule", cfg: &suppress.Config{}, id: "pod/privileged", checked: true},
		{name: "enable pattern keeps a rule it matches", cfg: &suppress.Config{Enable: []string{"pod/*"}}, id: "pod/privileged", checked: true},
		{name: "enable drops a rule it does not match", cfg: &suppress.Config{Enable: []string{"pod/*"}}, id: "namespace/network-policy", checked: false},
		{name: "disable drops a rule", cfg: &suppress.Config{Disable: []string{"pod/cpu-limit"}}, id: "pod/cpu-limit", checked: false},
		{name: "disable wins over enable", cfg: &suppress.Config{Enable: []string{"pod/*"}, Disable: []string{"pod/cpu-limit"}}, id: "pod/cpu-limit", checked: false},
		{name: "disable leaves others", cfg: &suppress.Config{Disable: []string{"pod/cpu-limit"}}, id: "pod/privileged", checked: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.cfg.Selected(&rules.Rule{ID: tt.id}); got != tt.checked {
				t.Errorf("Selected(%s) = %v, want %v", tt.id, got, tt.checked)
			}
		})
	}
}

func TestFindConfig(t *testing.T) {
	root := t.TempDir()
	repo := filepath.Join(root, "repo")
	deep := filepath.Join(repo, "deploy", "apps", "web")
	bare := filepath.Join(root, "bare", "sub")
	for _, d := range []string{deep, filepath.Join(repo, ".git"), filepath.Join(repo, "other"), bare} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write := func(path string) {
		t.Helper()
		if err := os.WriteFile(path, []byte("version: 1\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	repoConfig := filepath.Join(repo, suppress.ConfigFileName)
	appsConfig := filepath.Join(repo, "deploy", "apps", suppress.ConfigFileName)
	write(repoConfig)
	write(appsConfig)
	// Above the repository root: never reached from inside the repository.
	write(filepath.Join(root, suppress.ConfigFileName))
	manifest := filepath.Join(deep, "deploy.yaml")
	write(manifest)
	// A folder that happens to have the config's name is not a config.
	if err := os.Mkdir(filepath.Join(repo, "other", suppress.ConfigFileName), 0o755); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name  string
		start string
		want  string
	}{
		{name: "nearest parent wins", start: deep, want: appsConfig},
		{name: "a file starts in its folder", start: manifest, want: appsConfig},
		{name: "the folder itself", start: filepath.Join(repo, "deploy", "apps"), want: appsConfig},
		{name: "walks up to the repository root", start: filepath.Join(repo, "deploy"), want: repoConfig},
		{name: "a folder named like the config is skipped", start: filepath.Join(repo, "other"), want: repoConfig},
		{name: "outside a repository, walks further up", start: bare, want: filepath.Join(root, suppress.ConfigFileName)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := suppress.FindConfig(tt.start)
			if !ok || got != tt.want {
				t.Errorf("FindConfig(%s) = %q, %v; want %q", tt.start, got, ok, tt.want)
			}
		})
	}

	t.Run("stops at the repository root", func(t *testing.T) {
		if err := os.Remove(repoConfig); err != nil {
			t.Fatal(err)
		}
		if got, ok := suppress.FindConfig(filepath.Join(repo, "deploy")); ok {
			t.Errorf("FindConfig found %q above the repository root", got)
		}
	})
	t.Run("a relative start gives a relative path", func(t *testing.T) {
		t.Chdir(repo)
		got, ok := suppress.FindConfig(filepath.Join("deploy", "apps", "web"))
		if want := filepath.Join("deploy", "apps", suppress.ConfigFileName); !ok || got != want {
			t.Errorf("FindConfig = %q, %v; want %q", got, ok, want)
		}
	})
}

// TestFindConfigPassesOverPathsThatCannotBeLookedInto pins that a scanned path that is not a
// folder one can look into (a link loop, a path through a file, a name too long, a missing
// path) leads the search to its parent instead of to a config "found" there that cannot be
// read, which used to stop the whole run.
func TestFindConfigPassesOverPathsThatCannotBeLookedInto(t *testing.T) {
	dir := t.TempDir()
	config := filepath.Join(dir, suppress.ConfigFileName)
	if err := os.WriteFile(config, []byte("version: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "file.yaml")
	if err := os.WriteFile(file, []byte("kind: x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	loop := filepath.Join(dir, "loop.yaml")
	if err := os.Symlink("loop.yaml", loop); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, start string
	}{
		{"a symbolic link loop", loop},
		{"a path inside a symbolic link loop", filepath.Join(loop, "sub")},
		{"a path through a file", filepath.Join(file, "child.yaml")},
		{"a name too long for the system", filepath.Join(dir, strings.Repeat("x", 300))},
		{"a path too long for the system", filepath.Join(dir, strings.Repeat("long-folder-name/", 300))},
		{"a missing path", filepath.Join(dir, "missing", "deeper")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, ok := suppress.FindConfig(tt.start); !ok || got != config {
				t.Errorf("FindConfig = %q, %v; want the parent's %q", got, ok, config)
			}
		})
	}
	t.Run("a config that is a link loop is found, for loading to say why it cannot be read", func(t *testing.T) {
		sub := filepath.Join(dir, "sub")
		if err := os.Mkdir(sub, 0o755); err != nil {
			t.Fatal(err)
		}
		broken := filepath.Join(sub, suppress.ConfigFileName)
		if err := os.Symlink(suppress.ConfigFileName, broken); err != nil {
			t.Fatal(err)
		}
		if got, ok := suppress.FindConfig(sub); !ok || got != broken {
			t.Errorf("FindConfig = %q, %v; want %q", got, ok, broken)
		}
	})
}

func TestConfigPoliciesAreRelativeToTheConfig(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		want       []string
		wantErr    string
	}{
		{"none", "version: 1\n", nil, ""},
		{"relative and absolute", "version: 1\npolicies: [policies/, /etc/palisade/p.rego]\n", []string{filepath.Join("repo", "policies"), "/etc/palisade/p.rego"}, ""},
		{"not a list", "version: 1\npolicies: policies/\n", nil, "repo/.palisade.yaml:2:11: policies must be a list"},
		{"an empty item", "version: 1\npolicies: [\"\"]\n", nil, "policies: every item must be a non-empty string"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			os.Mkdir(filepath.Join(dir, "repo"), 0o700)
			file := filepath.Join(dir, "repo", ".palisade.yaml")
			os.WriteFile(file, []byte(tc.text), 0o600)
			got, err := suppress.ConfigPolicies(file)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for i := range tc.want {
				if !filepath.IsAbs(tc.want[i]) {
					tc.want[i] = filepath.Join(dir, tc.want[i])
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
			cfg, err := suppress.ParseConfig(file, []byte(tc.text), testCatalog(t))
			if err != nil || !slices.Equal(cfg.Policies, got) {
				t.Errorf("ParseConfig: policies %q (error %v), want %q", cfg.Policies, err, got)
			}
		})
	}
}
