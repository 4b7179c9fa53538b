package deploy_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"palisade.dev/palisade/internal/admission"
	"palisade.dev/palisade/internal/admission/clustercontext"
	"palisade.dev/palisade/internal/cli"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/rules/builtin"
	"palisade.dev/palisade/internal/source/manifest"
	"palisade.dev/palisade/internal/testapply"
	"palisade.dev/palisade/internal/testcluster"
)

// webhookFiles are the webhook's manifests, both variants, without the kustomizations.
var webhookFiles = []string{
	"webhook/base/namespace.yaml", "webhook/base/network-policy.yaml", "webhook/base/rbac.yaml",
	"webhook/base/config.yaml", "webhook/base/deployment.yaml", "webhook/base/webhook-configuration.yaml",
	"webhook/cert-manager/certificates.yaml",
}

func TestWebhookManifestsScanCleanUnderTheStrictestProfile(t *testing.T) {
	var out, errOut bytes.Buffer
	code := cli.Execute(context.Background(), []string{"scan", "webhook", "webhook/cert-manager", "--fail-on", "info", "--no-annotation-exemptions"},
		cli.Streams{In: &bytes.Buffer{}, Out: &out, Err: &errOut})
	if code != 0 {
		t.Errorf("palisade scan deploy/webhook exited %d:\n%s%s", code, out.String(), errOut.String())
	}
}

func loadWebhook(t *testing.T) *inventory.Inventory {
	t.Helper()
	loaded := manifest.Load(context.Background(), webhookFiles, manifest.Options{})
	if len(loaded.Errors) > 0 {
		t.Fatal(loaded.Errors)
	}
	return loaded.Inventory
}

// TestWebhookManifestsPassTheWebhook reviews every object of deploy/webhook as its CREATE,
// with the shipped configuration but without exempting the webhook's own namespace: the
// webhook would admit itself even if it were judged.
func TestWebhookManifestsPassTheWebhook(t *testing.T) {
	inv := loadWebhook(t)
	cm := inv.Get("ConfigMap", "palisade-webhook", "palisade-webhook")
	if cm == nil {
		t.Fatal("no ConfigMap palisade-webhook")
	}
	cfg, err := admission.ParseConfig([]byte(cm.Typed.(*corev1.ConfigMap).Data["webhook.yaml"]), "config.yaml")
	if err != nil {
		t.Fatalf("the shipped configuration: %v", err)
	}
	cfg.ExemptOwnNamespace, cfg.ExemptNamespaces, cfg.Namespace = false, []string{}, ""
	catalog, err := builtin.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	engine, err := admission.New(catalog, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, o := range inv.Objects() {
		name := fmt.Sprintf("%s %s/%s", o.GVK.Kind, o.Namespace, o.Name)
		var raw []byte
		if o.Typed != nil {
			raw, err = json.Marshal(o.Typed)
		} else {
			raw, err = json.Marshal(o.Content)
		}
		if err != nil {
			t.Fatal(err)
		}
		req := &admissionv1.AdmissionRequest{
			UID:       types.UID(fmt.Sprint(i)),
			Kind:      metav1.GroupVersionKind{Group: o.GVK.Group, Version: o.GVK.Version, Kind: o.GVK.Kind},
			Namespace: o.Namespace, Name: o.Name, Operation: admissionv1.Create,
			Object:   runtime.RawExtension{Raw: raw},
			UserInfo: authenticationv1.UserInfo{Username: "deployer"},
		}
		d := engine.Review(context.Background(), req)
		if d.Err != nil || !d.Response.Allowed || len(d.Response.Warnings) > 0 || len(d.Hits) > 0 || d.Skipped != "" && o.Typed != nil {
			t.Errorf("%s: err %v, allowed %v, warnings %q, hits %+v, skipped %q", name, d.Err, d.Response.Allowed, d.Response.Warnings, d.Hits, d.Skipped)
		}
		// cert-manager's kinds are admitted unjudged, as every kind Palisade does not know;
		// what the webhook cannot judge at admission (a binding's role, which it does not
		// watch) the scan above judged.
		for _, u := range d.Unjudged {
			t.Logf("%s: not judged at admission: %s", name, u)
		}
	}
}

// TestWebhookRoleGrantsExactlyWhatTheInformersRead holds the ClusterRole to list and watch
// of the cluster context's three kinds: no get, no Secret, no write.
func TestWebhookRoleGrantsExactlyWhatTheInformersRead(t *testing.T) {
	o := loadWebhook(t).Get("ClusterRole", "", "palisade-webhook")
	if o == nil {
		t.Fatal("no ClusterRole palisade-webhook")
	}
	got := grants(t, o.Typed.(*rbacv1.ClusterRole).Rules)
	want := grants(t, clustercontext.Rules())
	if !slices.Equal(got, want) {
		t.Errorf("the webhook's ClusterRole grants\n%v\nbut its informers read\n%v", got, want)
	}
}

// TestWebhookConfigurationIsSafeToRunWith pins what makes the shipped webhook configuration
// unable to stop a cluster from recovering.
func TestWebhookConfigurationIsSafeToRunWith(t *testing.T) {
	o := loadWebhook(t).Get("ValidatingWebhookConfiguration", "", "palisade-webhook")
	if o == nil {
		t.Fatal("no ValidatingWebhookConfiguration palisade-webhook")
	}
	vwc := o.Typed.(*admissionregistrationv1.ValidatingWebhookConfiguration)
	want := map[string]struct {
		path    string
		policy  admissionregistrationv1.FailurePolicyType
		timeout int32
	}{
		"deny.palisade.dev": {"/validate/deny", admissionregistrationv1.Fail, 5},
		"warn.palisade.dev": {"/validate/warn", admissionregistrationv1.Ignore, 2},
	}
	if len(vwc.Webhooks) != len(want) {
		t.Fatalf("%d webhooks, want one per failure policy", len(vwc.Webhooks))
	}
	for _, h := range vwc.Webhooks {
		w, ok := want[h.Name]
		if !ok {
			t.Errorf("unexpected webhook %s", h.Name)
			continue
		}
		if h.ClientConfig.Service == nil || *h.ClientConfig.Service.Path != w.path {
			t.Errorf("%s: not served at %s", h.Name, w.path)
		}
		if *h.FailurePolicy != w.policy || *h.TimeoutSeconds != w.timeout {
			t.Errorf("%s: failurePolicy %s, timeout %d s; want %s, %d s", h.Name, *h.FailurePolicy, *h.TimeoutSeconds, w.policy, w.timeout)
		}
		if *h.SideEffects != admissionregistrationv1.SideEffectClassNone || !slices.Equal(h.AdmissionReviewVersions, []string{"v1"}) {
			t.Errorf("%s: sideEffects %s, versions %v; want None, [v1]", h.Name, *h.SideEffects, h.AdmissionReviewVersions)
		}
		excluded := false
		for _, e := range h.NamespaceSelector.MatchExpressions {
			if e.Key == "kubernetes.io/metadata.name" && e.Operator == metav1.LabelSelectorOpNotIn &&
				slices.Contains(e.Values, "kube-system") && slices.Contains(e.Values, "palisade-webhook") {
				excluded = true
			}
		}
		if !excluded {
			t.Errorf("%s: kube-system and palisade-webhook are not excluded", h.Name)
		}
		if len(h.MatchConditions) == 0 {
			t.Errorf("%s: no matchConditions", h.Name)
		}
		for _, r := range h.Rules {
			for _, res := range r.Resources {
				if strings.Contains(res, "*") || res == "leases" || res == "events" || res == "nodes" {
					t.Errorf("%s: sent %s, which the control plane writes all the time", h.Name, res)
				}
			}
		}
	}
}

// TestWebhookRoleSufficesOnARealCluster creates the webhook's namespace and RBAC in a real
// cluster and syncs the cluster context as its ServiceAccount.
func TestWebhookRoleSufficesOnARealCluster(t *testing.T) {
	c := testCluster.Require(t)
	ctx := context.Background()
	if _, err := testapply.Apply(ctx, c.Config(testcluster.Admin), []string{"webhook/base/namespace.yaml", "webhook/base/rbac.yaml"}, 4); err != nil {
		t.Fatal(err)
	}
	token, err := c.Client(testcluster.Admin).CoreV1().ServiceAccounts("palisade-webhook").CreateToken(ctx, "palisade-webhook",
		&authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: new(int64(600))}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("requesting a token for the webhook's ServiceAccount: %v", err)
	}
	cfg := rest.AnonymousClientConfig(c.Config(testcluster.Admin))
	cfg.BearerToken = token.Status.Token
	cc, err := clustercontext.New(kubernetes.NewForConfigOrDie(cfg), 0)
	if err != nil {
		t.Fatal(err)
	}
	syncCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	cc.Start(syncCtx)
	if !cc.WaitForSync(syncCtx) {
		t.Fatal("the cluster context did not sync as the webhook's ServiceAccount")
	}
	if _, ok := cc.Namespace("palisade-webhook"); !ok {
		t.Error("the cluster context does not see the webhook's namespace")
	}
}
