package remedytext_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	auditv1 "k8s.io/apiserver/pkg/apis/audit/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"

	"palisade.dev/palisade/internal/fix/remedytext"
	"palisade.dev/palisade/internal/testcluster"
)

// cluster is this package's test cluster, its API server started with the
// EncryptionConfiguration and the audit Policy the package writes (set by TestMain), and the
// log retention flags the policy's comment block names.
var cluster = testcluster.Shared{Options: testcluster.Options{
	Logf: func(format string, args ...any) {
		if testing.Verbose() {
			fmt.Fprintf(os.Stderr, format+"\n", args...)
		}
	},
}}

func TestMain(m *testing.M) {
	var enc, policy bytes.Buffer
	if err := remedytext.EncryptionConfig(&enc, "", nil); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := remedytext.AuditPolicy(&policy); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	cluster.Options.EncryptionConfig, cluster.Options.AuditPolicy = enc.String(), policy.String()
	for _, f := range flagsOf(policy.Bytes()) {
		// The harness names the policy and the log file; the retention flags are the text's.
		if strings.HasPrefix(f, "--audit-log-max") {
			cluster.Options.ExtraAPIServerFlags = append(cluster.Options.ExtraAPIServerFlags, f)
		}
	}
	os.Exit(cluster.Main(m))
}

// etcdValue is what etcd holds under key, read through its v3 JSON gateway.
func etcdValue(t *testing.T, c *testcluster.Cluster, key string) []byte {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"key": base64.StdEncoding.EncodeToString([]byte(key))})
	resp, err := http.Post(c.EtcdURL+"/v3/kv/range", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatalf("asking etcd for a key: %v", err)
	}
	defer resp.Body.Close()
	var out struct {
		KVs []struct {
			Value []byte `json:"value"`
		} `json:"kvs"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || len(out.KVs) != 1 {
		t.Fatalf("etcd's answer (status %d): %d values, %v", resp.StatusCode, len(out.KVs), err)
	}
	return out.KVs[0].Value
}

// auditEvents are the events of the audit log about the object name of resource.
func auditEvents(t *testing.T, c *testcluster.Cluster, resource, name string) []auditv1.Event {
	t.Helper()
	f, err := os.Open(c.AuditLog)
	if err != nil {
		t.Fatalf("opening the audit log: %v", err)
	}
	defer f.Close()
	var out []auditv1.Event
	s := bufio.NewScanner(f)
	s.Buffer(nil, 1<<20)
	for s.Scan() {
		var e auditv1.Event
		if err := json.Unmarshal(s.Bytes(), &e); err != nil {
			t.Fatalf("an audit log line of %d bytes is no event: %v", len(s.Bytes()), err)
		}
		if e.ObjectRef != nil && e.ObjectRef.Resource == resource && e.ObjectRef.Name == name {
			out = append(out, e)
		}
	}
	return out
}

// TestTheAPIServerRunsWithTheTexts creates objects in a cluster whose API server runs with
// the EncryptionConfiguration and the audit Policy: a Secret and a ConfigMap are stored
// encrypted with secretbox under key1 and logged at Metadata, without their data, and a Role
// is logged in full.
func TestTheAPIServerRunsWithTheTexts(t *testing.T) {
	c := cluster.Require(t)
	ns := c.NewNamespace(t)
	client := c.Client(testcluster.Admin)
	ctx := context.Background()
	const value = "hunter2-is-not-a-password"
	meta := metav1.ObjectMeta{Name: "db"}
	if _, err := client.CoreV1().Secrets(ns).Create(ctx, &corev1.Secret{ObjectMeta: meta, StringData: map[string]string{"password": value}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{ObjectMeta: meta, Data: map[string]string{"password": value}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	role := &rbacv1.Role{ObjectMeta: meta, Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get"}}}}
	if _, err := client.RbacV1().Roles(ns).Create(ctx, role, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		resource  string
		encrypted bool
		level     auditv1.Level
	}{
		{resource: "secrets", encrypted: true, level: auditv1.LevelMetadata},
		{resource: "configmaps", encrypted: true, level: auditv1.LevelMetadata},
		{resource: "roles", level: auditv1.LevelRequestResponse},
	}
	for _, tt := range tests {
		t.Run(tt.resource, func(t *testing.T) {
			stored := etcdValue(t, c, "/registry/"+tt.resource+"/"+ns+"/db")
			if encrypted := bytes.HasPrefix(stored, []byte("k8s:enc:secretbox:v1:key1:")); encrypted != tt.encrypted || bytes.Contains(stored, []byte(value)) {
				t.Errorf("etcd holds %d bytes starting %q; want encrypted with secretbox under key1: %t", len(stored), stored[:min(len(stored), 24)], tt.encrypted)
			}
			full := tt.level == auditv1.LevelRequestResponse
			for _, e := range auditLogged(t, c, tt.resource, "db") {
				if e.Level != tt.level || (e.RequestObject != nil) != full || e.Stage == auditv1.StageRequestReceived {
					t.Errorf("%s %s: level %s, stage %s, request object %t; want level %s", e.Verb, e.RequestURI, e.Level, e.Stage, e.RequestObject != nil, tt.level)
				}
			}
		})
	}
}

// auditLogged waits for the audit log to hold the create of the object (the log is written
// asynchronously), and returns its events.
func auditLogged(t *testing.T, c *testcluster.Cluster, resource, name string) []auditv1.Event {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		events := auditEvents(t, c, resource, name)
		for _, e := range events {
			if e.Verb == "create" {
				return events
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no create of %s %s in the audit log after 10s (%d events about it)", resource, name, len(events))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestTheAPIServerAcceptsTheNamespaceObjects creates what NamespaceObjects writes in a
// server-side dry run: the API server validates and admits each object, and stores nothing.
func TestTheAPIServerAcceptsTheNamespaceObjects(t *testing.T) {
	c := cluster.Require(t)
	client := c.Client(testcluster.Admin)
	existing := c.NewNamespace(t)
	tests := []struct {
		name, ns string
		opts     remedytext.NamespaceOptions
		kinds    []string
	}{
		{name: "an existing namespace's objects", ns: existing, kinds: []string{"NetworkPolicy", "NetworkPolicy", "ResourceQuota", "LimitRange"}},
		{name: "a new namespace, pinned", ns: existing + "-new", opts: remedytext.NamespaceOptions{Namespace: true, PodSecurityVersion: "v1.35", HasDefaultDeny: true, HasResourceQuota: true, HasLimitRange: true},
			kinds: []string{"Namespace"}},
		{name: "a new namespace at latest", ns: existing + "-latest", opts: remedytext.NamespaceOptions{Namespace: true, HasDefaultDeny: true, HasResourceQuota: true, HasLimitRange: true},
			kinds: []string{"Namespace"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var kinds []string
			for _, doc := range documents(t, namespaceObjects(t, tt.ns, tt.opts)) {
				obj, gvk, err := scheme.Codecs.UniversalDeserializer().Decode(doc, nil, nil)
				if err != nil {
					t.Fatalf("decoding a document of %d bytes: %v", len(doc), err)
				}
				kinds = append(kinds, gvk.Kind)
				if err := dryRunCreate(client, obj); err != nil {
					t.Errorf("%s: the API server refuses it: %v", gvk.Kind, err)
				}
			}
			if strings.Join(kinds, ",") != strings.Join(tt.kinds, ",") {
				t.Errorf("kinds %v, want %v", kinds, tt.kinds)
			}
		})
	}
}

// documents splits a YAML stream into its documents.
func documents(t *testing.T, stream []byte) [][]byte {
	t.Helper()
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(stream)))
	var out [][]byte
	for {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("reading the stream: %v", err)
		}
		out = append(out, doc)
	}
}

// dryRunCreate creates obj with dryRun=All.
func dryRunCreate(client kubernetes.Interface, obj any) error {
	ctx := context.Background()
	opts := metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}, FieldValidation: metav1.FieldValidationStrict}
	var err error
	switch o := obj.(type) {
	case *corev1.Namespace:
		_, err = client.CoreV1().Namespaces().Create(ctx, o, opts)
	case *networkingv1.NetworkPolicy:
		_, err = client.NetworkingV1().NetworkPolicies(o.Namespace).Create(ctx, o, opts)
	case *corev1.ResourceQuota:
		_, err = client.CoreV1().ResourceQuotas(o.Namespace).Create(ctx, o, opts)
	case *corev1.LimitRange:
		_, err = client.CoreV1().LimitRanges(o.Namespace).Create(ctx, o, opts)
	default:
		err = fmt.Errorf("an object of type %T, which the remedies do not write", obj)
	}
	return err
}
