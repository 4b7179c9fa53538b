package distfiles_test

import (
	"encoding/json"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/distribution/reference"
)

// instruction is one Dockerfile instruction: its keyword (upper case) and its arguments, with
// continuation lines joined.
type instruction struct {
	keyword, args string
}

// parseDockerfile reads a Dockerfile as the builder splits it: comments and blank lines
// dropped, a line ending in a backslash continued on the next.
func parseDockerfile(text string) []instruction {
	var out []instruction
	var cur strings.Builder
	for _, line := range strings.Split(text, "\n") {
		trimmed := strings.TrimSpace(line)
		if cur.Len() == 0 && (trimmed == "" || strings.HasPrefix(trimmed, "#")) {
			continue
		}
		if rest, ok := strings.CutSuffix(trimmed, `\`); ok {
			cur.WriteString(rest + " ")
			continue
		}
		cur.WriteString(trimmed)
		keyword, args, _ := strings.Cut(cur.String(), " ")
		out = append(out, instruction{strings.ToUpper(keyword), strings.TrimSpace(args)})
		cur.Reset()
	}
	return out
}

// stage is one FROM and the instructions after it.
type stage struct {
	from, name string
	body       []instruction
}

var argRef = regexp.MustCompile(`\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?`)

func TestContainerImage(t *testing.T) {
	ins := parseDockerfile(string(readRepoFile(t, "Dockerfile")))
	globalArgs := map[string]*string{} // name -> default (nil: none)
	var stages []stage
	for _, in := range ins {
		switch {
		case in.keyword == "FROM":
			f := strings.Fields(in.args)
			s := stage{from: f[0]}
			if len(f) == 3 && strings.EqualFold(f[1], "AS") {
				s.name = f[2]
			}
			stages = append(stages, s)
		case len(stages) == 0 && in.keyword == "ARG":
			name, def, ok := strings.Cut(in.args, "=")
			if ok {
				globalArgs[name] = &def
			} else {
				globalArgs[name] = nil
			}
		case len(stages) == 0:
			t.Fatalf("%s before the first FROM", in.keyword)
		default:
			stages[len(stages)-1].body = append(stages[len(stages)-1].body, in)
		}
	}
	if len(stages) != 2 {
		t.Fatalf("%d stages, want a build stage and the image", len(stages))
	}
	build, final := stages[0], stages[1]

	t.Run("every base image is pinned by digest", func(t *testing.T) {
		for _, s := range stages {
			ref := argRef.ReplaceAllStringFunc(s.from, func(v string) string {
				name := argRef.FindStringSubmatch(v)[1]
				def, declared := globalArgs[name]
				switch {
				case !declared:
					t.Errorf("FROM %s: %s is not an ARG before the first FROM", s.from, name)
				case def != nil:
					return *def
				case !strings.Contains(s.from, "@"+v):
					t.Errorf("FROM %s: %s has no default and is not the digest", s.from, name)
				}
				// A digest given at build time: any valid one stands for it here.
				return "sha256:" + strings.Repeat("0", 64)
			})
			named, err := reference.ParseNormalizedNamed(ref)
			if err != nil {
				t.Errorf("FROM %s: %v", s.from, err)
				continue
			}
			if _, ok := named.(reference.Digested); !ok {
				t.Errorf("FROM %s is not pinned by digest", s.from)
			}
		}
	})

	t.Run("the image is distroless static, nonroot", func(t *testing.T) {
		named, err := reference.ParseNormalizedNamed(argRef.ReplaceAllString(final.from, "sha256:"+strings.Repeat("0", 64)))
		if err != nil {
			t.Fatal(err)
		}
		tagged, ok := named.(reference.Tagged)
		if named.Name() != "gcr.io/distroless/static-debian12" || !ok || tagged.Tag() != "nonroot" {
			t.Errorf("the image's base is %s", final.from)
		}
	})

	t.Run("the image holds the binary and nothing else, run as a numeric non-root user", func(t *testing.T) {
		var copies, users, entrypoints []string
		for _, in := range final.body {
			switch in.keyword {
			case "COPY":
				copies = append(copies, in.args)
			case "USER":
				users = append(users, in.args)
			case "ENTRYPOINT":
				entrypoints = append(entrypoints, in.args)
			default:
				t.Errorf("the image's stage runs %s %s; it may only copy the binary and say how to run it", in.keyword, in.args)
			}
		}
		if want := []string{"--from=" + build.name + " /out/palisade /palisade"}; !slices.Equal(copies, want) {
			t.Errorf("the image copies %q, want %q", copies, want)
		}
		if len(users) != 1 || !numericNonRoot(users[0]) {
			t.Errorf("the image's users are %q, want one numeric uid:gid, neither 0", users)
		}
		var entry []string
		if len(entrypoints) != 1 || json.Unmarshal([]byte(entrypoints[0]), &entry) != nil || !slices.Equal(entry, []string{"/palisade"}) {
			t.Errorf("the image's entrypoints are %q, want [\"/palisade\"] in exec form", entrypoints)
		}
	})

	t.Run("the binary is built static, trimmed, with the release's version variable", func(t *testing.T) {
		variable, _ := versionFlag(t, loadGoreleaser(t).Builds[0].Ldflags)
		var builds []string
		for _, in := range build.body {
			if in.keyword == "RUN" && strings.Contains(in.args, "go build") {
				builds = append(builds, in.args)
			}
		}
		if len(builds) != 1 {
			t.Fatalf("%d go builds, want 1", len(builds))
		}
		for _, want := range []string{"CGO_ENABLED=0 ", " -trimpath ", "-X " + variable + "=", "-o /out/palisade ./cmd/palisade"} {
			if !strings.Contains(builds[0], want) {
				t.Errorf("the build %q lacks %q", builds[0], want)
			}
		}
	})

	t.Run("the build stage and .dockerignore hold every package the binary needs", func(t *testing.T) {
		var sources []string
		for _, in := range build.body {
			if in.keyword == "COPY" {
				f := strings.Fields(in.args)
				sources = append(sources, f[:len(f)-1]...)
			}
		}
		ignore := strings.Fields(string(readRepoFile(t, ".dockerignore")))
		for _, src := range sources {
			if !slices.Contains(ignore, "!"+strings.TrimSuffix(src, "/")) {
				t.Errorf(".dockerignore does not send %s to the builder", src)
			}
		}
		list := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", "./cmd/palisade")
		list.Dir = repoRoot
		out, err := list.Output()
		if err != nil {
			t.Fatalf("go list: %v", err)
		}
		for _, pkg := range strings.Fields(string(out)) {
			rel, ours := strings.CutPrefix(pkg, "palisade.dev/palisade/")
			if ours && !slices.ContainsFunc(sources, func(s string) bool { return strings.HasPrefix(rel+"/", s) }) {
				t.Errorf("package %s is not copied into the build stage", pkg)
			}
		}
	})
}

// numericNonRoot reports whether a USER is uid:gid in numbers, neither of them root's.
func numericNonRoot(user string) bool {
	uid, gid, ok := strings.Cut(user, ":")
	u, errU := strconv.Atoi(uid)
	g, errG := strconv.Atoi(gid)
	return ok && errU == nil && errG == nil && u > 0 && g > 0
}
