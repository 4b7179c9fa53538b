package flags

import (
	"slices"
	"testing"
)

var spec = Spec{"anonymous-auth": Bool, "profiling": Bool, "v": Scalar, "h": Bool,
	"authorization-mode": List, "enable-admission-plugins": List, "feature-gates": Map}

func TestParse(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		flag  string
		want  string
		given bool
		rest  []string
	}{
		{name: "equals form", args: []string{"--authorization-mode=Node,RBAC"}, flag: "authorization-mode", want: "Node,RBAC", given: true},
		{name: "value as the next argument", args: []string{"--etcd-servers", "https://10.0.0.1:2379"}, flag: "etcd-servers", want: "https://10.0.0.1:2379", given: true},
		{name: "bare boolean is true", args: []string{"--profiling"}, flag: "profiling", want: "true", given: true},
		{name: "a boolean does not take the next argument", args: []string{"--anonymous-auth", "false"}, flag: "anonymous-auth", want: "true", given: true, rest: []string{"false"}},
		{name: "a boolean with an attached value", args: []string{"--anonymous-auth=false"}, flag: "anonymous-auth", want: "false", given: true},
		{name: "the last occurrence wins", args: []string{"--token-auth-file=/a", "--token-auth-file=/b"}, flag: "token-auth-file", want: "/b", given: true},
		{name: "a boolean set twice: the last wins", args: []string{"--anonymous-auth=false", "--anonymous-auth"}, flag: "anonymous-auth", want: "true", given: true},
		{name: "list flags accumulate", args: []string{"--authorization-mode=Node", "--authorization-mode", "RBAC"}, flag: "authorization-mode", want: "Node,RBAC", given: true},
		{name: "underscores are dashes", args: []string{"--anonymous_auth=false"}, flag: "anonymous-auth", want: "false", given: true},
		{name: "looked up with underscores", args: []string{"--anonymous-auth=false"}, flag: "anonymous_auth", want: "false", given: true},
		{name: "no substring matching", args: []string{"--kubelet-authorization-mode=AlwaysAllow"}, flag: "authorization-mode", given: false},
		{name: "a value that looks like a flag is a value", args: []string{"--etcd-prefix", "--registry"}, flag: "etcd-prefix", want: "--registry", given: true},
		{name: "double dash ends the flags", args: []string{"--", "--profiling"}, flag: "profiling", given: false, rest: []string{"--profiling"}},
		{name: "shorthand with equals", args: []string{"-v=4"}, flag: "v", want: "4", given: true},
		{name: "shorthand with the value attached", args: []string{"-v4"}, flag: "v", want: "4", given: true},
		{name: "shorthand with the value next", args: []string{"-v", "4"}, flag: "v", want: "4", given: true},
		{name: "a boolean shorthand", args: []string{"-h", "x"}, flag: "h", want: "true", given: true, rest: []string{"x"}},
		{name: "positional arguments are kept", args: []string{"server", "--profiling=false", "extra"}, flag: "profiling", want: "false", given: true, rest: []string{"server", "extra"}},
		{name: "an empty value", args: []string{"--audit-log-path="}, flag: "audit-log-path", want: "", given: true},
		{name: "a lone dash is an argument", args: []string{"-"}, flag: "x", rest: []string{"-"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := Parse(tc.args, spec)
			v := s.Lookup(tc.flag)
			if v.Given != tc.given || v.String() != tc.want {
				t.Errorf("Lookup(%q) = %q (given %v), want %q (given %v)", tc.flag, v.String(), v.Given, tc.want, tc.given)
			}
			if !slices.Equal(s.Args, tc.rest) {
				t.Errorf("Args = %q, want %q", s.Args, tc.rest)
			}
		})
	}
}

func TestMissingValue(t *testing.T) {
	s := Parse([]string{"--profiling=false", "--etcd-servers"}, spec)
	if len(s.Errors) != 1 || s.Errors[0] != "flag needs an argument: --etcd-servers" {
		t.Errorf("Errors = %q", s.Errors)
	}
	if s.Has("etcd-servers") {
		t.Error("a flag without its value must not count as given")
	}
}

func TestValueForms(t *testing.T) {
	s := Parse([]string{"--authorization-mode= Node, ,RBAC", "--feature-gates=A=true,B=false", "--feature-gates=B=true,junk", "--profiling=T", "--anonymous-auth=maybe"}, spec)
	if got := s.Lookup("authorization-mode").List(); !slices.Equal(got, []string{"Node", "RBAC"}) {
		t.Errorf("List = %q", got)
	}
	m, bad := s.Lookup("feature-gates").Map()
	if m["A"] != "true" || m["B"] != "true" || !slices.Equal(bad, []string{"junk"}) {
		t.Errorf("Map = %v, bad %q", m, bad)
	}
	if b, err := s.Lookup("profiling").Bool(); err != nil || !b {
		t.Errorf("Bool(T) = %v, %v", b, err)
	}
	if _, err := s.Lookup("anonymous-auth").Bool(); err == nil {
		t.Error("maybe parsed as a boolean")
	}
	occ := s.Occurrences("feature-gates")
	if len(occ) != 2 || occ[1].Arg != "--feature-gates=B=true,junk" || occ[1].Index != 2 {
		t.Errorf("Occurrences = %+v", occ)
	}
}

// FuzzParse checks that any command line parses without panicking, and that every flag it
// reports as given was written on it.
func FuzzParse(f *testing.F) {
	f.Add("--authorization-mode=Node,RBAC\x00--anonymous-auth\x00false\x00-v4\x00--\x00--x")
	f.Add("--etcd-servers\x00")
	f.Add("-\x00--=\x00---a=b")
	f.Fuzz(func(t *testing.T, line string) {
		args := splitNUL(line)
		s := Parse(args, spec)
		for _, o := range s.All() {
			if o.Index < 0 || o.Index >= len(args) {
				t.Fatalf("occurrence %+v outside the arguments", o)
			}
			s.Lookup(o.Name).List()
			s.Lookup(o.Name).Map()
		}
	})
}

func splitNUL(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}
