package deploy_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/distribution/reference"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

var (
	// setImage is the kustomize command the README and the manifests give to set the image.
	setImage  = regexp.MustCompile(`kustomize edit set image (\S+)=(\S+)@(\S+)`)
	imageLine = regexp.MustCompile(`(?m)^\s*(?:-\s+)?image:\s*(\S+)\s*$`)
)

// TestKustomizeSetImageRewritesEveryContainer builds every kustomization of deploy/ after the
// README's `kustomize edit set image NAME=REGISTRY/palisade@DIGEST`, as kustomize writes it
// into the kustomization (an images entry with name, newName and digest): each container of
// each output must then run the image built, by digest, whatever the manifest named.
func TestKustomizeSetImageRewritesEveryContainer(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	commands := setImage.FindAllStringSubmatch(string(readme), -1)
	if len(commands) == 0 {
		t.Fatal("the README gives no `kustomize edit set image` command")
	}
	name := commands[0][1]
	for _, c := range commands {
		if c[1] != name {
			t.Errorf("the README sets images named %s and %s", name, c[1])
		}
	}
	t.Run("every image in deploy/ has the name the command rewrites", func(t *testing.T) {
		n := 0
		err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || filepath.Ext(path) != ".yaml" {
				return err
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for _, m := range imageLine.FindAllStringSubmatch(string(b), -1) {
				n++
				ref, err := reference.ParseNormalizedNamed(m[1])
				if err != nil {
					t.Errorf("%s: image %s: %v", path, m[1], err)
					continue
				}
				if reference.FamiliarName(ref) != name {
					t.Errorf("%s: image %s is not named %s: the README's command leaves it as it is", path, m[1], name)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			t.Error("no image in deploy/")
		}
	})

	const newName, digest = "registry.example/team/palisade", "sha256:1111111111111111111111111111111111111111111111111111111111111111"
	want := newName + "@" + digest
	cases := []struct {
		root           string
		wantContainers int
	}{
		{"deploy", 1},
		{"deploy/node-audit", 2},
		{"deploy/webhook", 1},
		{"deploy/webhook/cert-manager", 1},
	}
	for _, tc := range cases {
		t.Run(tc.root, func(t *testing.T) {
			fSys := deployInMemory(t)
			kfile := filepath.Join("/", tc.root, "kustomization.yaml")
			b, err := fSys.ReadFile(kfile)
			if err != nil {
				t.Fatal(err)
			}
			var k types.Kustomization
			if err := yaml.Unmarshal(b, &k); err != nil {
				t.Fatal(err)
			}
			k.Images = append(k.Images, types.Image{Name: name, NewName: newName, Digest: digest})
			if b, err = yaml.Marshal(&k); err != nil {
				t.Fatal(err)
			}
			if err := fSys.WriteFile(kfile, b); err != nil {
				t.Fatal(err)
			}
			resources, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(fSys, filepath.Join("/", tc.root))
			if err != nil {
				t.Fatal(err)
			}
			out, err := resources.AsYaml()
			if err != nil {
				t.Fatal(err)
			}
			images := imageLine.FindAllStringSubmatch(string(out), -1)
			for _, m := range images {
				if m[1] != want {
					t.Errorf("a container runs %s, want %s", m[1], want)
				}
			}
			if len(images) != tc.wantContainers {
				t.Errorf("%d containers, want %d", len(images), tc.wantContainers)
			}
		})
	}
}

// deployInMemory copies deploy/ into an in-memory file system, at /deploy, so that a test can
// edit its kustomizations.
func deployInMemory(t *testing.T) filesys.FileSystem {
	t.Helper()
	fSys := filesys.MakeFsInMemory()
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".yaml") {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return fSys.WriteFile(filepath.Join("/deploy", path), b)
	})
	if err != nil {
		t.Fatal(err)
	}
	return fSys
}
