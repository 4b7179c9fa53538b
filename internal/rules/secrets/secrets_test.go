package secrets_test

import (
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/testrules"
)

// TestFixtures runs every fixture in testdata.
func TestFixtures(t *testing.T) {
	testrules.Run(t, testrules.Builtin(t), "testdata", nil)
}

// TestFindingPaths pins what the fixtures' lines cannot: each finding names the container and
// the exact field, in every container list and for both ConfigMap fields.
func TestFindingPaths(t *testing.T) {
	fs := testrules.Manifests(t, testrules.Builtin(t), "*", nil, filepath.Join("testdata", "credentials-in-env.yaml"),
		filepath.Join("testdata", "secrets-in-env.yaml"), filepath.Join("testdata", "configmap-credentials.yaml"))
	got := map[string]bool{}
	for _, f := range fs {
		if slices.Contains([]string{"pod/credentials-in-env", "pod/secrets-in-env", "configmap/credentials"}, f.RuleID) {
			got[fmt.Sprintf("%s %s/%s %s %s", f.RuleID, f.Object.Kind, f.Object.Name, f.Container, f.Path)] = true
		}
	}
	for _, want := range []string{
		"pod/credentials-in-env Deployment/api migrate spec.template.spec.initContainers[0].env[0].value",
		"pod/credentials-in-env Deployment/api api spec.template.spec.containers[0].env[2].value",
		"pod/credentials-in-env Pod/debug-me debugger spec.ephemeralContainers[0].env[0].value",
		"pod/credentials-in-env CronJob/report report spec.jobTemplate.spec.template.spec.containers[0].env[1].value",
		"pod/credentials-in-env WorkerPool/workers worker spec.template.spec.containers[0].env[0].value",
		"pod/secrets-in-env Deployment/api migrate spec.template.spec.initContainers[0].envFrom[1].secretRef",
		"pod/secrets-in-env Deployment/api api spec.template.spec.containers[0].env[1].valueFrom.secretKeyRef",
		"pod/secrets-in-env Pod/debug-me debugger spec.ephemeralContainers[0].envFrom[0].secretRef",
		"configmap/credentials ConfigMap/api-config  data[DATABASE_PASSWORD]",
		"configmap/credentials ConfigMap/tls  data[tls.key]",
		"configmap/credentials ConfigMap/tls  binaryData[keystore.password]",
	} {
		if !got[want] {
			t.Errorf("no finding %q; findings:\n%s", want, strings.Join(slices.Sorted(maps.Keys(got)), "\n"))
		}
	}
}

// TestFindingsNeverCarryValues pins that no finding repeats a value it judged: every literal
// environment value and ConfigMap value of the fixtures is absent from every message, evidence
// and remedy.
func TestFindingsNeverCarryValues(t *testing.T) {
	fs, inv := testrules.ManifestsAndInventory(t, testrules.Builtin(t), "*", nil, filepath.Join("testdata", "credentials-in-env.yaml"), filepath.Join("testdata", "configmap-credentials.yaml"))
	var values []string
	add := func(v string) {
		if len(v) >= 5 { // shorter values ("db", "true") occur in ordinary words
			values = append(values, v)
		}
	}
	for _, o := range inv.Objects() {
		if pod, ok := inventory.PodTemplateOf(o); ok {
			for _, c := range pod.Containers() {
				for _, e := range c.Env {
					add(e.Value)
				}
			}
		}
		if cm, ok := o.Typed.(*corev1.ConfigMap); ok {
			for _, v := range cm.Data {
				add(v)
			}
			for _, v := range cm.BinaryData {
				add(string(v))
			}
		}
	}
	if len(values) < 20 {
		t.Fatalf("only %d values collected from the fixtures", len(values))
	}
	n := 0
	for _, f := range fs {
		if f.RuleID != "pod/credentials-in-env" && f.RuleID != "configmap/credentials" {
			continue
		}
		n++
		for _, v := range values {
			for _, text := range []string{f.Message, f.Evidence, f.Remedy} {
				if strings.Contains(text, v) {
					t.Errorf("%s %s: %q carries a value of the input", f.RuleID, f.Path, text)
				}
			}
		}
	}
	if n == 0 {
		t.Fatal("no credential finding to check")
	}
}
