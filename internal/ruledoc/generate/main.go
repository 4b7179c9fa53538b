// Command generate writes docs/rules.md from the built-in rule catalog. Run it from the module
// root after adding or changing a rule:
//
//	go run ./internal/ruledoc/generate
//
// The ruledoc tests fail while docs/rules.md differs from what this writes.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"

	"palisade.dev/palisade/internal/ruledoc"
	"palisade.dev/palisade/internal/rules/builtin"
)

func main() {
	out := flag.String("o", "docs/rules.md", "file to write")
	flag.Parse()
	if err := generate(*out); err != nil {
		fmt.Fprintf(os.Stderr, "error: %v\n", err)
		os.Exit(1)
	}
}

func generate(path string) error {
	catalog, err := builtin.Catalog()
	if err != nil {
		return fmt.Errorf("building the rule catalog: %w", err)
	}
	var b bytes.Buffer
	if err := ruledoc.WriteMarkdown(&b, catalog.All()); err != nil {
		return fmt.Errorf("rendering the rule reference: %w", err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("writing the rule reference: %w", err)
	}
	return nil
}
