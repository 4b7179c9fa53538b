package distfiles_test

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"text/template"

	"palisade.dev/palisade/internal/version"
)

// goreleaserConfig is the part of GoReleaser's configuration (version 2) that .goreleaser.yaml
// uses; any other key is an error.
type goreleaserConfig struct {
	Version     int    `yaml:"version"`
	ProjectName string `yaml:"project_name"`
	Builds      []struct {
		ID           string   `yaml:"id"`
		Main         string   `yaml:"main"`
		Binary       string   `yaml:"binary"`
		Env          []string `yaml:"env"`
		Flags        []string `yaml:"flags"`
		Ldflags      []string `yaml:"ldflags"`
		Goos         []string `yaml:"goos"`
		Goarch       []string `yaml:"goarch"`
		ModTimestamp string   `yaml:"mod_timestamp"`
	} `yaml:"builds"`
	Archives []struct {
		ID              string   `yaml:"id"`
		IDs             []string `yaml:"ids"`
		Formats         []string `yaml:"formats"`
		FormatOverrides []struct {
			Goos    string   `yaml:"goos"`
			Formats []string `yaml:"formats"`
		} `yaml:"format_overrides"`
		NameTemplate string   `yaml:"name_template"`
		Files        []string `yaml:"files"`
	} `yaml:"archives"`
	Checksum struct {
		NameTemplate string `yaml:"name_template"`
		Algorithm    string `yaml:"algorithm"`
	} `yaml:"checksum"`
	Krews []struct {
		Name             string   `yaml:"name"`
		IDs              []string `yaml:"ids"`
		Homepage         string   `yaml:"homepage"`
		ShortDescription string   `yaml:"short_description"`
		Description      string   `yaml:"description"`
		SkipUpload       string   `yaml:"skip_upload"`
	} `yaml:"krews"`
	Release struct {
		Draft bool `yaml:"draft"`
	} `yaml:"release"`
}

func loadGoreleaser(t *testing.T) goreleaserConfig {
	t.Helper()
	var c goreleaserConfig
	decodeStrict(t, ".goreleaser.yaml", &c)
	if c.Version != 2 || len(c.Builds) != 1 || len(c.Archives) != 1 || len(c.Krews) != 1 {
		t.Fatalf(".goreleaser.yaml: version %d with %d builds, %d archives, %d krew manifests; want version 2 and one of each",
			c.Version, len(c.Builds), len(c.Archives), len(c.Krews))
	}
	return c
}

// platforms are the operating systems and architectures Palisade is released for.
var platforms = []string{"darwin/amd64", "darwin/arm64", "linux/amd64", "linux/arm64", "windows/amd64", "windows/arm64"}

func TestReleaseBuilds(t *testing.T) {
	c := loadGoreleaser(t)
	b := c.Builds[0]
	var matrix []string
	for _, goos := range b.Goos {
		for _, goarch := range b.Goarch {
			matrix = append(matrix, goos+"/"+goarch)
		}
	}
	slices.Sort(matrix)
	runChecks(t, []check{
		{"the matrix is linux, darwin and windows on amd64 and arm64", slices.Equal(matrix, platforms), matrix},
		{"cgo is off, so every binary is static", slices.Contains(b.Env, "CGO_ENABLED=0"), b.Env},
		{"paths of the build machine are trimmed", slices.Contains(b.Flags, "-trimpath"), b.Flags},
		{"the binary is palisade, which krew links as kubectl-palisade", b.Binary == "palisade", b.Binary},
		{"the main package is the command's", b.Main == "./cmd/palisade", b.Main},
		{"binaries carry the commit's time, not the build's", b.ModTimestamp == "{{ .CommitTimestamp }}", b.ModTimestamp},
	})
}

// versionFlag is the -X flag of the build's ldflags: the variable it sets and its value.
func versionFlag(t *testing.T, ldflags []string) (variable, value string) {
	t.Helper()
	fields := strings.Fields(strings.Join(ldflags, " "))
	for i, f := range fields {
		if f == "-X" && i+1 < len(fields) {
			variable, value, _ = strings.Cut(fields[i+1], "=")
			return variable, value
		}
	}
	t.Fatalf("ldflags %q set no variable with -X", ldflags)
	return "", ""
}

// TestReleaseSetsTheVersionVariable checks the -X flag of the release's ldflags against the
// variable Palisade reports: the linker silently ignores a -X that names no variable, a
// constant, or a variable initialised by anything but a constant string, and the release
// would then print "dev".
func TestReleaseSetsTheVersionVariable(t *testing.T) {
	c := loadGoreleaser(t)
	variable, value := versionFlag(t, c.Builds[0].Ldflags)
	// A string variable of the package this test imports, or this does not compile.
	var reported *string = &version.Version
	const want = "palisade.dev/palisade/internal/version.Version"
	runChecks(t, []check{
		{"-X names the variable --version prints", variable == want && reported != nil, variable},
		{"-X sets it to the release's version", value == "{{.Version}}", value},
		{"the variable's initial value is a constant string, which -X can replace", constantStringVar(t, "internal/version", "Version"), "internal/version"},
	})
}

// constantStringVar reports whether the package in dir (from the repository's root) declares
// the package-level variable name with a string literal as its only initial value.
func constantStringVar(t *testing.T, dir, name string) bool {
	t.Helper()
	pkgs, err := parser.ParseDir(token.NewFileSet(), filepath.Join(repoRoot, dir), func(fi fs.FileInfo) bool {
		return !strings.HasSuffix(fi.Name(), "_test.go")
	}, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pkgs {
		for _, f := range p.Files {
			for _, d := range f.Decls {
				g, ok := d.(*ast.GenDecl)
				if !ok || g.Tok != token.VAR {
					continue
				}
				for _, spec := range g.Specs {
					vs := spec.(*ast.ValueSpec)
					for i, n := range vs.Names {
						if n.Name != name {
							continue
						}
						if len(vs.Values) != len(vs.Names) {
							return false
						}
						lit, ok := vs.Values[i].(*ast.BasicLit)
						return ok && lit.Kind == token.STRING
					}
				}
			}
		}
	}
	return false
}

// archiveName renders an archive name template for one platform with the fields GoReleaser
// gives it.
func archiveName(t *testing.T, tmpl, project, goos, goarch string) string {
	t.Helper()
	tp, err := template.New("archive").Option("missingkey=error").Parse(tmpl)
	if err != nil {
		t.Fatalf("archive name template: %v", err)
	}
	var s strings.Builder
	data := map[string]string{"ProjectName": project, "Version": "1.2.3", "Os": goos, "Arch": goarch}
	if err := tp.Execute(&s, data); err != nil {
		t.Fatalf("archive name template: %v", err)
	}
	return s.String()
}

func TestReleaseArchivesChecksumsAndKrewManifest(t *testing.T) {
	c := loadGoreleaser(t)
	a, k := c.Archives[0], c.Krews[0]
	names := map[string]bool{}
	for _, p := range platforms {
		goos, goarch, _ := strings.Cut(p, "/")
		names[archiveName(t, a.NameTemplate, c.ProjectName, goos, goarch)] = true
	}
	windowsZip := false
	for _, o := range a.FormatOverrides {
		windowsZip = windowsZip || o.Goos == "windows" && slices.Equal(o.Formats, []string{"zip"})
	}
	runChecks(t, []check{
		{"the archive holds the build", slices.Equal(a.IDs, []string{c.Builds[0].ID}), a.IDs},
		{"each platform has an archive of its own name", len(names) == len(platforms), fmt.Sprint(names)},
		{"archives are tar.gz", slices.Equal(a.Formats, []string{"tar.gz"}), a.Formats},
		{"Windows archives are zip", windowsZip, a.FormatOverrides},
		{"the checksums are sha256", c.Checksum.Algorithm == "sha256", c.Checksum.Algorithm},
		{"the checksums file has a fixed name to download", c.Checksum.NameTemplate == "checksums.txt", c.Checksum.NameTemplate},
		{"the krew manifest is the archive's", slices.Equal(k.IDs, []string{a.ID}), k.IDs},
		{"the krew plugin is palisade, run as kubectl palisade", k.Name == "palisade", k.Name},
		{"the krew manifest says what the plugin does", k.ShortDescription != "" && k.Description != "" && k.Homepage != "", k},
		{"the krew manifest is written, not pushed to an index", k.SkipUpload == "true", k.SkipUpload},
		{"a release starts as a draft", c.Release.Draft, c.Release},
	})
}
