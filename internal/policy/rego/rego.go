// Package rego turns a user's Rego policies into catalog rules: it parses the modules with
// their METADATA annotations, compiles them once, prepares one query per policy, and evaluates
// those prepared queries on each object, bounded in time. It owns the Rego side of custom
// policies (the input document given to a policy, the shape of a violation, the path forms it
// accepts) and nothing of how policy files are found; package policy does that.
package rego

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	opa "github.com/open-policy-agent/opa/v1/rego"

	"palisade.dev/palisade/internal/rules"
)

// DefaultTimeout bounds one policy's evaluation on one object.
const DefaultTimeout = time.Second

// IDPrefix begins the ID of every custom rule written in Rego, so that no custom rule can take
// the ID of a built-in one, now or in a later release.
const IDPrefix = rules.CustomPrefix

// Options tune how policies are evaluated.
type Options struct {
	// Timeout bounds one policy's evaluation on one object (DefaultTimeout when zero).
	Timeout time.Duration
}

func (o Options) timeout() time.Duration {
	if o.Timeout <= 0 {
		return DefaultTimeout
	}
	return o.Timeout
}

// File is one Rego module as read from disk.
type File struct {
	// Name is the path as the user gave it; errors name it.
	Name string
	Data []byte
}

// IsTest reports whether a Rego file holds unit tests (name ending in _test.rego), which
// `palisade policy test` runs and a scan does not load.
func IsTest(name string) bool { return strings.HasSuffix(name, "_test.rego") }

// Rules parses and compiles the modules and returns one rule per policy module (a module whose
// package METADATA gives a custom.id); the other modules are libraries the policies may import.
// Every error names the file and line.
func Rules(ctx context.Context, files []File, opts Options) ([]rules.Rule, error) {
	modules := map[string]*ast.Module{}
	var errs []error
	var policies []*policyModule
	for _, f := range files {
		m, err := Parse(f.Name, f.Data)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if _, dup := modules[f.Name]; dup {
			errs = append(errs, fmt.Errorf("%s: given twice", f.Name))
			continue
		}
		modules[f.Name] = m
		p, err := policyOf(f.Name, m)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if p != nil {
			policies = append(policies, p)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	compiler, err := Compile(modules)
	if err != nil {
		return nil, err
	}
	shared := NewCache(Input)
	out := make([]rules.Rule, 0, len(policies))
	seen := map[string]string{}
	for _, p := range policies {
		if first, dup := seen[p.meta.ID]; dup {
			errs = append(errs, fmt.Errorf("%s:%d: rule ID %s is already declared in %s", p.file, p.line, p.meta.ID, first))
			continue
		}
		seen[p.meta.ID] = fmt.Sprintf("%s:%d", p.file, p.line)
		q, err := Prepare(ctx, compiler, p.query, true)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s:%d: preparing policy %s: %w", p.file, p.line, p.meta.ID, err))
			continue
		}
		out = append(out, p.rule(q, shared, opts.timeout()))
	}
	slices.SortFunc(out, func(a, b rules.Rule) int { return strings.Compare(a.ID, b.ID) })
	return out, errors.Join(errs...)
}

// Parse parses one Rego v1 module with its METADATA annotations. A syntax error names the file
// and line.
func Parse(name string, data []byte) (*ast.Module, error) {
	return ParseVersion(name, data, ast.RegoV1)
}

// ParseVersion parses one module in the given Rego version.
func ParseVersion(name string, data []byte, v ast.RegoVersion) (*ast.Module, error) {
	m, err := ast.ParseModuleWithOpts(name, string(data), ast.ParserOptions{ProcessAnnotation: true, RegoVersion: v})
	if err != nil {
		return nil, astError(name, err)
	}
	if m == nil {
		return nil, fmt.Errorf("%s: holds no Rego module (no package)", name)
	}
	return m, nil
}

// Compile compiles modules together, so that policies can import each other's packages and
// libraries. Every error names its file and line.
func Compile(modules map[string]*ast.Module) (*ast.Compiler, error) {
	c := NewCompiler()
	c.Compile(modules)
	if c.Failed() {
		return nil, astError("", c.Errors)
	}
	return c, nil
}

// withheld are the built-in functions a policy may not call: those that reach the network
// (a policy read from a scanned repository must not make Palisade a messenger) and the one
// that reads Palisade's own environment. Calling one is a compile error.
var withheld = []string{"http.send", "net.lookup_ip_addr", "opa.runtime"}

// NewCompiler returns a compiler whose capabilities leave out the withheld built-ins.
func NewCompiler() *ast.Compiler {
	caps := ast.CapabilitiesForThisVersion()
	caps.Builtins = slices.DeleteFunc(caps.Builtins, func(b *ast.Builtin) bool { return slices.Contains(withheld, b.Name) })
	return ast.NewCompiler().WithCapabilities(caps).WithEnablePrintStatements(false)
}

// Prepare prepares the query once, for every evaluation to come. With strict, a built-in
// function's error (to_number of a word, say) fails the evaluation instead of making its
// expression undefined, which would read as "no violation".
func Prepare(ctx context.Context, c *ast.Compiler, query string, strict bool) (*Query, error) {
	pq, err := opa.New(opa.Compiler(c), opa.Query(query), opa.StrictBuiltinErrors(strict)).PrepareForEval(ctx)
	if err != nil {
		return nil, astError("", err)
	}
	return &Query{pq: pq}, nil
}

// astError words OPA's parse and compile errors as file:line:column: code: message, one per
// line. Their details (which may quote the source) are left out.
func astError(name string, err error) error {
	var list ast.Errors
	if !errors.As(err, &list) {
		return fmt.Errorf("%s: %w", name, err)
	}
	var errs []error
	for _, e := range list {
		where := name
		if e.Location != nil {
			where = fmt.Sprintf("%s:%d:%d", e.Location.File, e.Location.Row, e.Location.Col)
			if e.Location.File == "" {
				where = fmt.Sprintf("%s:%d:%d", name, e.Location.Row, e.Location.Col)
			}
		}
		errs = append(errs, fmt.Errorf("%s: %s: %s", where, e.Code, OneLine(e.Message)))
	}
	return errors.Join(errs...)
}

// quoted are the values OPA's messages quote from the source (a METADATA block's YAML error
// does).
var quoted = regexp.MustCompile("`[^`]*`")

// OneLine words an OPA message on one line, without the source text it may quote.
func OneLine(msg string) string {
	msg = quoted.ReplaceAllString(msg, "a value")
	return strings.Join(strings.Fields(msg), " ")
}
