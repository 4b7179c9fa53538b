package rbac

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseSubject(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    Subject
		wantErr string
	}{
		{"a user is authenticated", "user:alice", Subject{User: "alice", Groups: []string{Authenticated}}, ""},
		{"anonymous is unauthenticated", "user:system:anonymous", Subject{User: Anonymous, Groups: []string{Unauthenticated}}, ""},
		{"a group's member is authenticated", "group:dev", Subject{Groups: []string{"dev", Authenticated}}, ""},
		{"system:unauthenticated is not authenticated", "group:system:unauthenticated", Subject{Groups: []string{Unauthenticated}}, ""},
		{"a service account is in its groups", "sa:team/ci", Subject{User: "system:serviceaccount:team:ci",
			Groups: []string{ServiceAccountsGroup, "system:serviceaccounts:team", Authenticated}}, ""},
		{"no kind", "alice", Subject{}, "want user:NAME"},
		{"an unknown kind", "role:x", Subject{}, "want user, group or sa"},
		{"an empty name", "user:", Subject{}, "empty name"},
		{"a name with a space", "user:a b", Subject{}, "space"},
		{"a service account without namespace", "sa:ci", Subject{}, "sa:NAMESPACE/NAME"},
		{"a service account with an empty name", "sa:team/", Subject{}, "sa:NAMESPACE/NAME"},
		{"a service account name with a colon", "sa:team/a:b", Subject{}, "sa:NAMESPACE/NAME"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseSubject(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseSubject(%q) error = %v, want one containing %q", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("ParseSubject(%q) = %#v, %v, want %#v", tt.in, got, err, tt.want)
			}
			if got.String() != tt.in {
				t.Errorf("String() = %q, want %q", got.String(), tt.in)
			}
		})
	}
}

func TestParseRequest(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		want    Attributes
		wantErr string
	}{
		{"a core resource", []string{"get", "pods"}, Attributes{Verb: "get", Resource: "pods"}, ""},
		{"a well-known resource takes its group", []string{"create", "deployments"}, Attributes{Verb: "create", APIGroup: "apps", Resource: "deployments"}, ""},
		{"a group after a dot", []string{"get", "ingresses.networking.k8s.io"}, Attributes{Verb: "get", APIGroup: "networking.k8s.io", Resource: "ingresses"}, ""},
		{"an unknown resource is in the core group", []string{"get", "widgets"}, Attributes{Verb: "get", Resource: "widgets"}, ""},
		{"a subresource", []string{"create", "pods/exec"}, Attributes{Verb: "create", Resource: "pods", Subresource: "exec"}, ""},
		{"a subresource of a grouped resource", []string{"update", "deployments.apps/scale"}, Attributes{Verb: "update", APIGroup: "apps", Resource: "deployments", Subresource: "scale"}, ""},
		{"a name", []string{"get", "secrets", "db"}, Attributes{Verb: "get", Resource: "secrets", Name: "db"}, ""},
		{"a non-resource URL", []string{"get", "/healthz"}, Attributes{Verb: "get", NonResourceURL: "/healthz"}, ""},
		{"too few arguments", []string{"get"}, Attributes{}, "1 arguments"},
		{"too many arguments", []string{"get", "pods", "a", "b"}, Attributes{}, "4 arguments"},
		{"a URL with a name", []string{"get", "/healthz", "x"}, Attributes{}, "takes no NAME"},
		{"an empty subresource", []string{"get", "pods/"}, Attributes{}, "RESOURCE[.GROUP][/SUBRESOURCE]"},
		{"two subresources", []string{"get", "pods/a/b"}, Attributes{}, "RESOURCE[.GROUP][/SUBRESOURCE]"},
		{"an empty resource", []string{"get", ".apps"}, Attributes{}, "empty name"},
		{"an empty verb", []string{"", "pods"}, Attributes{}, "verb: empty name"},
		{"a name with a newline", []string{"get", "pods", "a\nb"}, Attributes{}, "control character"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseRequest(tt.args)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseRequest(%q) error = %v, want one containing %q", tt.args, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseRequest(%q) = %#v, %v, want %#v", tt.args, got, err, tt.want)
			}
		})
	}
}

func FuzzParseSubject(f *testing.F) {
	for _, s := range []string{"user:alice", "group:dev", "sa:ns/name", "sa:/", "user:", ":", "sa:a/b/c", "group:system:unauthenticated"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		subj, err := ParseSubject(s)
		if err != nil {
			if strings.Contains(err.Error(), s) && len(s) > 8 {
				t.Errorf("error quotes its input: %v", err)
			}
			return
		}
		// What parses prints back as itself and parses to the same subject.
		if subj.String() != s {
			t.Fatalf("ParseSubject(%q).String() = %q", s, subj.String())
		}
		again, err := ParseSubject(subj.String())
		if err != nil || !reflect.DeepEqual(again, subj) {
			t.Fatalf("ParseSubject(%q) again = %#v, %v, want %#v", subj.String(), again, err, subj)
		}
	})
}

func FuzzParseRequest(f *testing.F) {
	f.Add("get", "pods", "")
	f.Add("create", "deployments.apps/scale", "x")
	f.Add("get", "/healthz", "")
	f.Add("", "/", "")
	f.Add("get", "a./b", "c")
	f.Fuzz(func(t *testing.T, verb, res, name string) {
		args := []string{verb, res}
		if name != "" {
			args = append(args, name)
		}
		a, err := ParseRequest(args)
		if err != nil {
			return
		}
		if a.Verb != verb {
			t.Fatalf("verb %q became %q", verb, a.Verb)
		}
		if a.IsResourceRequest() {
			if a.Resource == "" || strings.ContainsAny(a.Resource, "./") || strings.Contains(a.Subresource, "/") || a.Name != name {
				t.Fatalf("ParseRequest(%q) = %#v", args, a)
			}
		} else if a.NonResourceURL != res || a.Name != "" {
			t.Fatalf("ParseRequest(%q) = %#v", args, a)
		}
	})
}
