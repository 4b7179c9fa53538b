// Package flags reads a Kubernetes component's command line the way the component itself
// does (spf13/pflag, with Kubernetes' word-separator normalisation): --name=value, --name value,
// bare booleans, -x shorthands, "--" ending the flags, the last occurrence of a flag winning,
// and list flags accumulating over their occurrences. It owns that reading and nothing that
// judges a value: never substring matching on a command line.
package flags

import (
	"fmt"
	"strconv"
	"strings"
)

// Kind is how a flag takes its value.
type Kind int

// Flag kinds.
const (
	// Scalar flags take a value (--name=value or --name value); the last occurrence wins.
	Scalar Kind = iota
	// Bool flags are true when given bare (--name); a value must be attached (--name=false),
	// since "--name false" leaves "false" as an argument, as pflag does.
	Bool
	// List flags (pflag's StringSlice) take comma-separated values; each occurrence adds to
	// the list.
	List
	// Map flags (pflag's mapStringString / cliflag.ConfigurationMap, such as
	// --feature-gates) take comma-separated key=value pairs; each occurrence adds to the map,
	// a later key winning.
	Map
)

// Spec names the flags of a component that are not scalars. Flags it does not name are
// scalars, which is what a string, int or duration flag is to the parser.
type Spec map[string]Kind

// Occurrence is one flag as written on the command line.
type Occurrence struct {
	// Name is the normalised name, without dashes ("authorization-mode").
	Name string
	// Value is the value given, or "true" for a bare boolean.
	Value string
	// Arg is the argument as written ("--authorization-mode=Node,RBAC"), and Index its
	// position among the arguments; a value given as the next argument is not part of Arg.
	Arg   string
	Index int
}

// Set is a parsed command line.
type Set struct {
	spec        Spec
	occurrences []Occurrence
	// Args are the arguments that are not flags, in order.
	Args []string
	// Errors are the malformed arguments (a scalar flag with no value at the end of the
	// line, say); the component would have refused to start with them.
	Errors []string
}

// Normalize is the name a flag is known by: Kubernetes components accept "_" for "-"
// (cliflag.WordSepNormalizeFunc), and so do these lookups.
func Normalize(name string) string { return strings.ReplaceAll(name, "_", "-") }

// Parse reads args, the arguments after the program's name.
func Parse(args []string, spec Spec) *Set {
	s := &Set{spec: spec}
	for i := 0; i < len(args); i++ {
		arg := args[i]
		switch {
		case arg == "--":
			s.Args = append(s.Args, args[i+1:]...)
			return s
		case strings.HasPrefix(arg, "--") && len(arg) > 2:
			name, value, hasValue := strings.Cut(arg[2:], "=")
			name = Normalize(name)
			if !hasValue && s.kind(name) == Bool {
				value, hasValue = "true", true
			}
			if !hasValue {
				if i+1 >= len(args) {
					s.Errors = append(s.Errors, fmt.Sprintf("flag needs an argument: %s", arg))
					continue
				}
				i++
				value = args[i]
			}
			s.occurrences = append(s.occurrences, Occurrence{Name: name, Value: value, Arg: arg, Index: i})
		case strings.HasPrefix(arg, "-") && len(arg) > 1:
			// A shorthand: -v=2, -v 2, -v2; a single-letter boolean stands alone.
			name, rest := Normalize(arg[1:2]), arg[2:]
			value, hasValue := strings.CutPrefix(rest, "=")
			if !hasValue && rest != "" {
				value, hasValue = rest, true
			}
			if !hasValue && s.kind(name) == Bool {
				value, hasValue = "true", true
			}
			if !hasValue {
				if i+1 >= len(args) {
					s.Errors = append(s.Errors, fmt.Sprintf("flag needs an argument: %s", arg))
					continue
				}
				i++
				value = args[i]
			}
			s.occurrences = append(s.occurrences, Occurrence{Name: name, Value: value, Arg: arg, Index: i})
		default:
			s.Args = append(s.Args, arg)
		}
	}
	return s
}

func (s *Set) kind(name string) Kind { return s.spec[name] }

// Occurrences returns every occurrence of a flag, in order.
func (s *Set) Occurrences(name string) []Occurrence {
	name = Normalize(name)
	var out []Occurrence
	for _, o := range s.occurrences {
		if o.Name == name {
			out = append(out, o)
		}
	}
	return out
}

// All returns every occurrence of every flag, in order.
func (s *Set) All() []Occurrence { return s.occurrences }

// Value is a flag's effective value.
type Value struct {
	Name string
	// Raw is the last occurrence's value; for List and Map flags, every occurrence's values
	// joined by commas.
	Raw string
	// Given is false when the flag does not occur at all.
	Given bool
	// Last is the occurrence that decided a scalar or boolean value.
	Last Occurrence
	kind Kind
}

// Lookup returns the effective value of a flag.
func (s *Set) Lookup(name string) Value {
	name = Normalize(name)
	v := Value{Name: name, kind: s.kind(name)}
	var parts []string
	for _, o := range s.occurrences {
		if o.Name != name {
			continue
		}
		v.Given, v.Last = true, o
		parts = append(parts, o.Value)
	}
	switch {
	case !v.Given:
	case v.kind == List || v.kind == Map:
		v.Raw = strings.Join(parts, ",")
	default:
		v.Raw = v.Last.Value
	}
	return v
}

// Has reports whether the flag occurs.
func (s *Set) Has(name string) bool { return s.Lookup(name).Given }

// String returns the effective value as a string ("" when not given).
func (v Value) String() string { return v.Raw }

// Bool parses the value as pflag does (strconv.ParseBool).
func (v Value) Bool() (bool, error) {
	b, err := strconv.ParseBool(v.Raw)
	if err != nil {
		return false, fmt.Errorf("--%s=%s is not a boolean", v.Name, v.Raw)
	}
	return b, nil
}

// List splits the value at commas, as pflag's StringSlice does, dropping surrounding spaces
// and empty items.
func (v Value) List() []string {
	var out []string
	for _, p := range strings.Split(v.Raw, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Map reads key=value pairs separated by commas (--feature-gates=A=true,B=false); a later key
// wins. Malformed pairs are returned in bad.
func (v Value) Map() (m map[string]string, bad []string) {
	m = map[string]string{}
	for _, p := range v.List() {
		k, val, ok := strings.Cut(p, "=")
		if !ok || strings.TrimSpace(k) == "" {
			bad = append(bad, p)
			continue
		}
		m[strings.TrimSpace(k)] = strings.TrimSpace(val)
	}
	return m, bad
}
