package policy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/tester"

	"palisade.dev/palisade/internal/policy/rego"
)

// TestOutcome counts the results of a test run.
type TestOutcome struct {
	Passed, Failed, Errored, Skipped int
}

// OK reports whether every test passed and there was at least one.
func (o TestOutcome) OK() bool { return o.Failed == 0 && o.Errored == 0 && o.Passed > 0 }

// Test runs the Rego unit tests (rules named test_*) of the .rego files at paths with the
// semantics of `opa test`, policies and libraries compiled with them as a scan compiles them,
// and writes the report as opa test does. A run that finds no test is an error: it proves
// nothing.
func Test(ctx context.Context, paths []string, w io.Writer, verbose bool) (TestOutcome, error) {
	files, err := TestFiles(paths)
	if err != nil {
		return TestOutcome{}, err
	}
	modules := map[string]*ast.Module{}
	var errs []error
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			errs = append(errs, fmt.Errorf("reading policy %s: %w", f, unwrapPath(err)))
			continue
		}
		m, err := rego.Parse(f, data)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		modules[f] = m
	}
	if len(errs) > 0 {
		return TestOutcome{}, errors.Join(errs...)
	}
	if len(modules) == 0 {
		return TestOutcome{}, fmt.Errorf("no .rego files in %d paths", len(paths))
	}
	runner := tester.NewRunner().
		SetCompiler(rego.NewCompiler().WithEnablePrintStatements(true)).
		CapturePrintOutput(true).
		SetModules(modules)
	ch, err := runner.RunTests(ctx, nil)
	if err != nil {
		return TestOutcome{}, compileError(err)
	}
	var out TestOutcome
	counted := make(chan *tester.Result)
	done := make(chan error, 1)
	go func() { done <- tester.PrettyReporter{Output: w, Verbose: verbose}.Report(counted) }()
	for r := range ch {
		switch {
		case r.Skip:
			out.Skipped++
		case r.Error != nil:
			out.Errored++
		case r.Fail:
			out.Failed++
		default:
			out.Passed++
		}
		counted <- r
	}
	close(counted)
	if err := <-done; err != nil {
		return out, fmt.Errorf("writing the test report: %w", err)
	}
	if out.Passed+out.Failed+out.Errored == 0 {
		return out, fmt.Errorf("no tests (rules named test_*) in %d files", len(modules))
	}
	return out, nil
}

// compileError words the compiler's errors as file:line:column: code: message.
func compileError(err error) error {
	var list ast.Errors
	if !errors.As(err, &list) {
		return err
	}
	var errs []error
	for _, e := range list {
		if e.Location != nil {
			errs = append(errs, fmt.Errorf("%s:%d:%d: %s: %s", e.Location.File, e.Location.Row, e.Location.Col, e.Code, rego.OneLine(e.Message)))
			continue
		}
		errs = append(errs, fmt.Errorf("%s: %s", e.Code, rego.OneLine(e.Message)))
	}
	return errors.Join(errs...)
}
