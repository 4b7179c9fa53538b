// Package distfiles_test holds the files that put Palisade where its users run it (the
// release configuration, the pre-commit hooks, the GitHub Action, the container image) to
// what they promise: each is parsed as its tool reads it, and every palisade command line in
// them is one the command tree accepts. No file is published or built into an image here.
package distfiles_test

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v3"

	"palisade.dev/palisade/internal/cli"
)

// repoRoot is the repository's root, from this package's folder.
const repoRoot = "../.."

// readRepoFile reads a file of the repository by its path from the root.
func readRepoFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, filepath.FromSlash(name)))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// decodeStrict decodes one YAML document into v; a field v does not declare is an error, so a
// misspelt key fails the test instead of being ignored as the tool would ignore it.
func decodeStrict(t *testing.T, name string, v any) {
	t.Helper()
	dec := yaml.NewDecoder(bytes.NewReader(readRepoFile(t, name)))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

// checkCommandLine fails the test unless words (without the program's name) name a runnable
// palisade command whose flags all exist and take the values given, as the command tree
// parses them.
func checkCommandLine(t *testing.T, where string, words []string) {
	t.Helper()
	root := cli.NewRootCommand(cli.Streams{In: strings.NewReader(""), Out: io.Discard, Err: io.Discard})
	cmd, rest, err := root.Find(words)
	switch {
	case err != nil:
		t.Errorf("%s: palisade %s: %v", where, strings.Join(words, " "), err)
		return
	case cmd == root || !cmd.Runnable():
		t.Errorf("%s: palisade %s names no command that runs", where, strings.Join(words, " "))
		return
	}
	if err := cmd.ParseFlags(rest); err != nil {
		t.Errorf("%s: palisade %s: %v", where, strings.Join(words, " "), err)
	}
}

// check is one behaviour a file must show: its name, whether the file shows it, and what was
// found instead.
type check struct {
	name string
	ok   bool
	got  any
}

// runChecks runs each check as a subtest named for its behaviour.
func runChecks(t *testing.T, checks []check) {
	t.Helper()
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			if !c.ok {
				t.Errorf("got %v", c.got)
			}
		})
	}
}
