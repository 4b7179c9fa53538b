package policy_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/source/manifest"

	"palisade.dev/palisade/internal/policy"
	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/rules/builtin"
	"palisade.dev/palisade/internal/testrules"
)

func catalog(t *testing.T, paths ...string) *rules.Catalog {
	t.Helper()
	base, err := builtin.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	c, err := policy.Catalog(context.Background(), base, paths, policy.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestGatekeeperTemplatesRunAsGatekeeperRunsThem(t *testing.T) {
	c := catalog(t, filepath.Join("testdata", "gatekeeper"))
	testrules.RunFile(t, c, filepath.Join("testdata", "gatekeeper-objects.yaml"), nil)
}

func write(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

const regoPolicy = `# METADATA
# title: No latest tag
# description: An image tagged latest changes under the workload.
# custom:
#   id: custom/no-latest
#   severity: low
#   remedy: Pin the image.
#   scope: pod
package nolatest

violation contains {"msg": "latest", "path": ["containers", i, "image"]} if {
	some i, c in input.pod.spec.containers
	endswith(c.image, ":latest")
}
`

const celOnlyTemplate = `apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata:
  name: k8sreplicalimits
spec:
  crd:
    spec:
      names:
        kind: K8sReplicaLimits
  targets:
    - target: admission.k8s.io
      code:
        - engine: K8sNativeValidation
          source:
            validations:
              - expression: "object.spec.replicas < 5"
`

const brokenTemplate = `apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata:
  name: k8sbroken
spec:
  crd:
    spec:
      names:
        kind: K8sBroken
  targets:
    - target: admission.k8s.io
      rego: |
        package k8sbroken

        violation[{"msg": msg}] {
          msg := no_such_function(input.review)
        }
`

const vap = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: replicas
spec:
  validations:
  - expression: "object.spec.replicas <= 5"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: replicas
spec:
  policyName: replicas
  validationActions: [Deny]
`

func TestLoadErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files map[string]string
		want  []string
	}{
		{"another kind in a policy file is named with its file and line",
			map[string]string{"p.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n"},
			[]string{"p.yaml:1:1: a policy file holds a ConfigMap (v1)", "p.yaml:5:1: a policy file holds a Deployment (apps/v1)"}},
		{"a template with only CEL is not supported, by name",
			map[string]string{"t.yaml": celOnlyTemplate},
			[]string{"t.yaml:1:1: ConstraintTemplate k8sreplicalimits: not supported", "K8sNativeValidation"}},
		{"a template's compile error names the line in the file",
			map[string]string{"t.yaml": brokenTemplate},
			[]string{"t.yaml:16:1: ConstraintTemplate k8sbroken: rego_type_error", "no_such_function"}},
		{"a constraint without its template",
			map[string]string{"c.yaml": "apiVersion: constraints.gatekeeper.sh/v1beta1\nkind: K8sMissing\nmetadata: {name: m}\n"},
			[]string{"c.yaml:1:1: no ConstraintTemplate in the policy files defines the constraint kind K8sMissing"}},
		{"the same custom ID twice",
			map[string]string{"a.rego": regoPolicy, "b.rego": strings.Replace(regoPolicy, "package nolatest", "package other", 1)},
			[]string{"b.rego:1: rule ID custom/no-latest is already declared in", "a.rego:1"}},
		{"a file of another type named directly",
			map[string]string{"notes.txt": "x"},
			[]string{"notes.txt: not a .rego, .yaml, .yml or .json file"}},
		{"an inventory template matching every kind without a Config or a sync annotation",
			map[string]string{"u.yaml": strings.NewReplacer(
				"    kinds:\n      - apiGroups: [\"extensions\", \"networking.k8s.io\"]\n        kinds: [\"Ingress\"]\n", "    kinds: []\n",
				"metadata.gatekeeper.sh/requires-sync-data", "x-unused",
			).Replace(mustRead(t, "testdata/gatekeeper/uniqueingress.yaml"))},
			[]string{"reads data.inventory and it matches every kind"}},
		{"ValidatingAdmissionPolicies with nothing to judge them",
			map[string]string{"v.yaml": vap},
			[]string{"v.yaml:1:1: ValidatingAdmissionPolicy in a policy file: this command does not judge ValidatingAdmissionPolicies (palisade scan does; 2 such documents)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			var paths []string
			for name, text := range tc.files {
				paths = append(paths, write(t, dir, name, text))
			}
			slices.Sort(paths)
			base, _ := builtin.Catalog()
			_, err := policy.Catalog(context.Background(), base, paths, policy.Options{})
			if err == nil {
				t.Fatal("no error")
			}
			msg := strings.ReplaceAll(err.Error(), dir+string(filepath.Separator), "")
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not say %q", msg, w)
				}
			}
		})
	}
}

func mustRead(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestAPolicyReachedTwiceIsReadOnce(t *testing.T) {
	dir := t.TempDir()
	p := write(t, dir, "p.rego", regoPolicy)
	set, err := policy.Load(context.Background(), []string{dir, p, filepath.Join(dir, ".", "p.rego")}, policy.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if set.Files != 1 || len(set.Rules) != 1 {
		t.Errorf("%d files, %d rules; want the one policy once", set.Files, len(set.Rules))
	}
}

func TestCustomRuleMayNotTakeABuiltInID(t *testing.T) {
	base, _ := builtin.Catalog()
	r := *base.All()[0]
	_, err := policy.Join(base, []rules.Rule{r})
	if err == nil || !strings.Contains(err.Error(), "policy rule "+r.ID+": a built-in rule has that ID") {
		t.Fatalf("error = %v", err)
	}
}

func TestAdmissionPoliciesGoToTheirEngine(t *testing.T) {
	dir := t.TempDir()
	p := write(t, dir, "v.yaml", vap)
	base, _ := builtin.Catalog()
	var got []string
	_, err := policy.Catalog(context.Background(), base, []string{p}, policy.Options{
		AdmissionPolicyRules: func(docs []*inventory.Object) ([]rules.Rule, error) {
			for _, d := range docs {
				got = append(got, fmt.Sprintf("%s %s %s", d.GVK.Kind, d.Name, d.Locate("").String()))
			}
			return nil, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"ValidatingAdmissionPolicy replicas " + p + ":1:1", "ValidatingAdmissionPolicyBinding replicas " + p + ":9:1"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestNamespaceSelectorOnANamespaceNotInTheInputIsAnError(t *testing.T) {
	c := catalog(t, filepath.Join("testdata", "gatekeeper", "hostnamespace.yaml"))
	ev := c.NewEvaluation(&rules.Options{}, func(r *rules.Rule) bool { return strings.HasPrefix(r.ID, "gatekeeper/") })
	pod := "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: elsewhere}\nspec:\n  hostPID: true\n  containers: [{name: a, image: a:1}]\n"
	res := manifest.Load(context.Background(), []string{"-"}, manifest.Options{Stdin: strings.NewReader(pod), OnObject: ev.Object})
	fs := ev.Finish(res.Inventory)
	errs := ev.Errors()
	if len(fs) != 0 || len(errs) != 1 || !strings.Contains(errs[0].Error(), "-:1:1: rule gatekeeper/psp-host-namespace: namespace elsewhere is not in the input") {
		t.Fatalf("findings %v, errors %v", fs, errs)
	}
}

// TestPoliciesAreSafeForConcurrentEvaluation runs the same prepared policies and constraint
// parameters on many objects from several goroutines at once, as a scan's decoders and the
// webhook's requests do (run with -race).
func TestPoliciesAreSafeForConcurrentEvaluation(t *testing.T) {
	c := catalog(t, filepath.Join("testdata", "gatekeeper", "privileged.yaml"), filepath.Join("..", "cli", "testdata", "policies", "no-latest-tag.rego"))
	pod := "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: web}\nspec:\n  containers: [{name: a, image: 'nginx:latest', securityContext: {privileged: true}}]\n---\n"
	res := manifest.Load(context.Background(), []string{"-"}, manifest.Options{Stdin: strings.NewReader(strings.Repeat(pod, 40))})
	objs := res.Inventory.Objects()
	ev := c.NewEvaluation(&rules.Options{}, func(r *rules.Rule) bool {
		return strings.HasPrefix(r.ID, "gatekeeper/") || strings.HasPrefix(r.ID, "custom/")
	})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := w; i < len(objs)*3; i += 4 {
				ev.Object(objs[i%len(objs)])
			}
		})
	}
	wg.Wait()
	fs := ev.Finish(res.Inventory)
	if len(fs) != 2*3*len(objs) || len(ev.Errors()) > 0 {
		t.Fatalf("%d findings, want %d; errors %v", len(fs), 2*3*len(objs), ev.Errors())
	}
}
