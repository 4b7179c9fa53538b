package rego

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	opa "github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/resolver"
	"github.com/open-policy-agent/opa/v1/topdown"

	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/rules"
)

// Query is a prepared query: compiled once, evaluated on many inputs, concurrently.
type Query struct {
	pq opa.PreparedEvalQuery
}

// Resolver gives a data document (data.inventory, say) to one evaluation.
type Resolver struct {
	Ref   ast.Ref
	Value ast.Value
}

// Eval evaluates the query on input within timeout and returns the items of the set (or
// array) it yields; an undefined result is no item. An error says why the policy could not be
// judged, without quoting the object.
func (q *Query) Eval(ctx context.Context, input ast.Value, timeout time.Duration, data ...Resolver) ([]any, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	opts := []opa.EvalOption{opa.EvalParsedInput(input)}
	for _, d := range data {
		opts = append(opts, opa.EvalResolver(d.Ref, constant{d.Value}))
	}
	rs, err := q.pq.Eval(ctx, opts...)
	if err != nil {
		return nil, evalError(ctx, err, timeout)
	}
	if len(rs) == 0 || len(rs[0].Expressions) == 0 {
		return nil, nil
	}
	switch v := rs[0].Expressions[0].Value.(type) {
	case []any:
		return v, nil
	case nil:
		return nil, nil
	default:
		return nil, fmt.Errorf("the policy yields %s, not a set of violations", describe(v))
	}
}

// constant resolves a data reference to a value computed before the evaluation.
type constant struct{ v ast.Value }

func (c constant) Eval(context.Context, resolver.Input) (resolver.Result, error) {
	return resolver.Result{Value: c.v}, nil
}

// evalError words an evaluation error by its code and the place in the policy, never by
// its message, which may quote the object's values.
func evalError(ctx context.Context, err error, timeout time.Duration) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("evaluation did not finish within %s", timeout)
	}
	var te *topdown.Error
	if errors.As(err, &te) {
		if te.Code == topdown.CancelErr {
			return fmt.Errorf("evaluation did not finish within %s", timeout)
		}
		if te.Location != nil {
			return fmt.Errorf("evaluation failed (%s at %s:%d)", te.Code, te.Location.File, te.Location.Row)
		}
		return fmt.Errorf("evaluation failed (%s)", te.Code)
	}
	return fmt.Errorf("evaluation failed (%T)", err)
}

// evalOn evaluates a policy's query on one object; base is the pod spec's path for a pod
// policy, whose paths are relative to it.
func evalOn(q *Query, in *Cache, o *inventory.Object, base string, timeout time.Duration) []rules.Violation {
	input, err := in.Of(o)
	if err != nil {
		return []rules.Violation{{Err: err}}
	}
	items, err := q.Eval(context.Background(), input, timeout)
	if err != nil {
		return []rules.Violation{{Err: err}}
	}
	return Violations(items, base)
}

// Violations turns what a policy yields into violations: each item is a message, or an object
// {"msg": string, "path": string or array, "container": string}. base prefixes relative paths.
// An item of another shape is a violation that is an error: what the policy meant is unknown.
func Violations(items []any, base string) []rules.Violation {
	out := make([]rules.Violation, 0, len(items))
	for i, it := range items {
		v, err := violation(it, base)
		if err != nil {
			out = append(out, rules.Violation{Err: fmt.Errorf("violation %d: %w", i+1, err)})
			continue
		}
		out = append(out, v)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Path != out[j].Path {
			return out[i].Path < out[j].Path
		}
		return out[i].Message < out[j].Message
	})
	return out
}

func violation(item any, base string) (rules.Violation, error) {
	switch x := item.(type) {
	case string:
		return rules.Violation{Message: x, Path: base}, nil
	case map[string]any:
		msg, ok := x["msg"].(string)
		if !ok {
			return rules.Violation{}, fmt.Errorf("msg must be a string, not %s", describe(x["msg"]))
		}
		var v rules.Violation
		v.Message = msg
		p, err := Path(x["path"])
		if err != nil {
			return rules.Violation{}, err
		}
		v.Path = join(base, p)
		if c, ok := x["container"]; ok {
			s, isString := c.(string)
			if !isString {
				return rules.Violation{}, fmt.Errorf("container must be a string, not %s", describe(c))
			}
			v.Container = s
		}
		return v, nil
	}
	return rules.Violation{}, fmt.Errorf("a violation is a message or an object with msg, not %s", describe(item))
}

func join(base, p string) string {
	switch {
	case base == "":
		return p
	case p == "":
		return base
	case p[0] == '[':
		return base + p
	}
	return base + "." + p
}

// Path reads the path of a violation: absent or null (the object, or the pod spec), a string
// in Palisade's form (spec.containers[0].securityContext, metadata.annotations[example.com/x]),
// or an array of keys and indexes (["spec", "containers", 0, "securityContext"]).
func Path(v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "", nil
	case string:
		return x, nil
	case []any:
		var b strings.Builder
		for _, seg := range x {
			switch s := seg.(type) {
			case string:
				if s == "" || strings.ContainsAny(s, "[]") {
					return "", fmt.Errorf("path key of %d characters is empty or holds a bracket", len(s))
				}
				if strings.ContainsAny(s, "./") {
					b.WriteString("[" + s + "]")
					continue
				}
				if b.Len() > 0 {
					b.WriteByte('.')
				}
				b.WriteString(s)
			default:
				n, ok := index(seg)
				if !ok {
					return "", fmt.Errorf("path segments must be keys or indexes, not %s", describe(seg))
				}
				b.WriteString("[" + strconv.Itoa(n) + "]")
			}
		}
		return b.String(), nil
	}
	return "", fmt.Errorf("path must be a string or an array, not %s", describe(v))
}

// index reads a whole, non-negative number as OPA gives it (json.Number).
func index(v any) (int, bool) {
	var s string
	switch x := v.(type) {
	case fmt.Stringer:
		s = x.String()
	case float64:
		s = strconv.FormatFloat(x, 'f', -1, 64)
	case int:
		s = strconv.Itoa(x)
	case int64:
		s = strconv.FormatInt(x, 10)
	default:
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n >= 0
}
