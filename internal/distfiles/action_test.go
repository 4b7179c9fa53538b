package distfiles_test

import (
	"regexp"
	"slices"
	"strings"
	"testing"
)

// action is action.yml with the fields of GitHub's metadata syntax for a composite action
// that it uses.
type action struct {
	Name        string            `yaml:"name"`
	Description string            `yaml:"description"`
	Branding    map[string]string `yaml:"branding"`
	Inputs      map[string]struct {
		Description string `yaml:"description"`
		Required    bool   `yaml:"required"`
		Default     string `yaml:"default"`
	} `yaml:"inputs"`
	Outputs map[string]struct {
		Description string `yaml:"description"`
		Value       string `yaml:"value"`
	} `yaml:"outputs"`
	Runs struct {
		Using string `yaml:"using"`
		Steps []struct {
			Name             string            `yaml:"name"`
			If               string            `yaml:"if"`
			Uses             string            `yaml:"uses"`
			With             map[string]string `yaml:"with"`
			Shell            string            `yaml:"shell"`
			WorkingDirectory string            `yaml:"working-directory"`
			Env              map[string]string `yaml:"env"`
			Run              string            `yaml:"run"`
		} `yaml:"steps"`
	} `yaml:"runs"`
}

var (
	inputRef    = regexp.MustCompile(`\binputs\.([A-Za-z_][A-Za-z0-9_-]*)`)
	pinnedBySHA = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+(/[A-Za-z0-9_./-]+)?@[0-9a-f]{40}$`)
	sarifOutput = regexp.MustCompile(`-o sarif=(\S+)`)
)

func TestGitHubAction(t *testing.T) {
	var a action
	decodeStrict(t, "action.yml", &a)
	raw := string(readRepoFile(t, "action.yml"))
	if a.Runs.Using != "composite" || a.Name == "" || a.Description == "" {
		t.Fatalf("action.yml: runs.using %q, name %q: want a named composite action", a.Runs.Using, a.Name)
	}

	t.Run("every input used is declared, and every input declared is used", func(t *testing.T) {
		used := map[string]bool{}
		for _, m := range inputRef.FindAllStringSubmatch(raw, -1) {
			used[m[1]] = true
			if _, ok := a.Inputs[m[1]]; !ok {
				t.Errorf("inputs.%s is not a declared input", m[1])
			}
		}
		for name, in := range a.Inputs {
			if !used[name] {
				t.Errorf("input %s is declared but nothing reads it", name)
			}
			if in.Description == "" {
				t.Errorf("input %s has no description", name)
			}
		}
	})

	t.Run("every action used is pinned by commit", func(t *testing.T) {
		for _, s := range a.Runs.Steps {
			if s.Uses != "" && !pinnedBySHA.MatchString(s.Uses) {
				t.Errorf("step %q uses %s, not pinned by a commit SHA", s.Name, s.Uses)
			}
		}
	})

	t.Run("scripts read inputs from the environment, never from expressions in their text", func(t *testing.T) {
		for _, s := range a.Runs.Steps {
			if s.Run == "" {
				continue
			}
			if strings.Contains(s.Run, "${{") {
				t.Errorf("step %q expands an expression into its script, which a crafted input could turn into commands", s.Name)
			}
			if s.Shell == "" {
				t.Errorf("step %q has no shell, which a composite action requires", s.Name)
			}
		}
	})

	t.Run("the scan runs a palisade command line that exists and writes SARIF", func(t *testing.T) {
		var sarif []string
		for _, s := range a.Runs.Steps {
			for _, line := range strings.Split(s.Run, "\n") {
				words := strings.Fields(strings.ReplaceAll(line, `"`, ""))
				if len(words) == 0 || words[0] != "palisade" {
					continue
				}
				checkCommandLine(t, "step "+s.Name, words[1:])
				for _, m := range sarifOutput.FindAllStringSubmatch(line, -1) {
					sarif = append(sarif, m[1])
				}
			}
		}
		if len(sarif) != 1 {
			t.Fatalf("the scan writes SARIF to %v, want one file", sarif)
		}
		var uploads int
		for _, s := range a.Runs.Steps {
			if !strings.HasPrefix(s.Uses, "github/codeql-action/upload-sarif@") {
				continue
			}
			uploads++
			if s.With["sarif_file"] != sarif[0] {
				t.Errorf("the upload sends %q, the scan writes %q", s.With["sarif_file"], sarif[0])
			}
			if !strings.Contains(s.If, "always()") {
				t.Errorf("the upload runs if %q: a scan that fails on its findings would upload nothing", s.If)
			}
			if !strings.Contains(s.If, "inputs.upload-sarif") {
				t.Errorf("the upload runs if %q, whatever upload-sarif says", s.If)
			}
		}
		if uploads != 1 {
			t.Errorf("%d uploads to code scanning, want 1", uploads)
		}
		if out := a.Outputs["sarif-file"].Value; out != sarif[0] {
			t.Errorf("output sarif-file is %q, the scan writes %q", out, sarif[0])
		}
	})

	t.Run("palisade comes from the action's source or a release checked against its checksums", func(t *testing.T) {
		var sources []string
		for _, s := range a.Runs.Steps {
			switch {
			case strings.Contains(s.Run, "go build") && strings.Contains(s.Run, "CGO_ENABLED=0") && strings.Contains(s.Run, "-trimpath"):
				sources = append(sources, "build if "+s.If)
			case strings.Contains(s.Run, "checksums.txt") && strings.Contains(s.Run, "256 -c") || strings.Contains(s.Run, "sha256sum -c"):
				sources = append(sources, "download if "+s.If)
			}
		}
		slices.Sort(sources)
		want := []string{"build if inputs.version == ''", "download if inputs.version != ''"}
		if !slices.Equal(sources, want) {
			t.Errorf("palisade comes from %q, want %q", sources, want)
		}
	})
}

// TestGitHubActionDownloadsTheReleasesArchives renders the archive name the action downloads
// and the one the release writes, for each platform: they must be the same file.
func TestGitHubActionDownloadsTheReleasesArchives(t *testing.T) {
	c := loadGoreleaser(t)
	m := regexp.MustCompile(`archive="([^"]+)"`).FindStringSubmatch(string(readRepoFile(t, "action.yml")))
	if m == nil {
		t.Fatal("action.yml names no archive to download")
	}
	for _, p := range platforms {
		goos, goarch, _ := strings.Cut(p, "/")
		ext := "tar.gz"
		if goos == "windows" {
			ext = "zip"
		}
		got := strings.NewReplacer("${PALISADE_VERSION#v}", "1.2.3", "${os}", goos, "${arch}", goarch, "${ext}", ext).Replace(m[1])
		if want := archiveName(t, c.Archives[0].NameTemplate, c.ProjectName, goos, goarch) + "." + ext; got != want {
			t.Errorf("%s: the action downloads %s, the release writes %s", p, got, want)
		}
	}
}
