package rbac_test

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	authorizationv1 "k8s.io/api/authorization/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/yaml"

	"palisade.dev/palisade/internal/rbac"
	"palisade.dev/palisade/internal/source/manifest"
	"palisade.dev/palisade/internal/testcluster"
)

// cluster runs kube-controller-manager too, so that aggregated ClusterRoles are filled by
// its controller as in a real cluster.
var cluster = testcluster.Shared{Options: testcluster.Options{
	ControllerManager: true,
	Logf: func(format string, args ...any) {
		if testing.Verbose() {
			fmt.Fprintf(os.Stderr, format+"\n", args...)
		}
	},
}}

func TestMain(m *testing.M) { os.Exit(cluster.Main(m)) }

var (
	diffSeed      = flag.Uint64("rbac.seed", 20261206, "seed of the differential test's generator")
	diffQuestions = flag.Int("rbac.questions", 12000, "questions the differential test asks")
	diffRounds    = flag.Int("rbac.rounds", 3, "generated RBAC sets the differential test loads, one after the other")
)

// sarWorkers ask SubjectAccessReviews in parallel.
const sarWorkers = 4

// TestAgreesWithTheAPIServer is the engine's acceptance test: generated RBAC sets are loaded
// into a real API server, and for thousands of generated questions the engine's verdict,
// with its index built from the objects read back from the API server and, separately,
// from the same objects written as manifests (aggregation computed by the engine), must be
// the SubjectAccessReview's; WhoCan must name the subject exactly when it is allowed (a
// member of system:masters may be allowed without being named).
func TestAgreesWithTheAPIServer(t *testing.T) {
	c := cluster.Require(t)
	began := time.Now()
	ctx := context.Background()
	admin := fastClient(t, c)
	seed := *diffSeed
	t.Logf("seed %d (run again with -rbac.seed=%d)", seed, seed)
	rng := rand.New(rand.NewPCG(seed, seed))
	namespaces := []string{c.NewNamespace(t), c.NewNamespace(t), c.NewNamespace(t)}

	// The cluster's own roles and bindings (bootstrap policy, aggregated by the controller)
	// take part too, in both indexes.
	baseline, err := rbac.List(ctx, admin.RbacV1())
	if err != nil {
		t.Fatal(err)
	}
	manifests := t.TempDir()
	writeManifests(t, filepath.Join(manifests, "baseline.yaml"), baseline)
	for round := range *diffRounds {
		g := &generator{rng: rng, prefix: fmt.Sprintf("r%d-", round), namespaces: namespaces}
		objs := g.set(15, 15, 50)
		create(t, ctx, admin, objs)
		writeManifests(t, filepath.Join(manifests, fmt.Sprintf("round-%d.yaml", round)), objs)
	}
	fromFiles := loadManifests(t, manifests)
	if want, got := baseline.Len()+*diffRounds*(15+15+50), fromFiles.Len(); got != want {
		t.Fatalf("read %d objects from the manifests, want %d", got, want)
	}
	manifestIndex := rbac.Build(fromFiles, rbac.FromManifests)
	live := waitAggregated(t, ctx, admin, manifestIndex)
	waitAuthorizerSynced(t, ctx, c, namespaces[0])
	live, err = rbac.List(ctx, admin.RbacV1())
	if err != nil {
		t.Fatal(err)
	}
	liveIndex := rbac.Build(live, rbac.FromCluster)
	t.Logf("loaded %d generated objects in %d rounds; live index: %s; manifest index: %s (after %s)",
		fromFiles.Len()-baseline.Len(), *diffRounds, liveIndex, manifestIndex, time.Since(began).Round(time.Millisecond))

	g := &generator{rng: rng, namespaces: namespaces}
	questions := make([]question, *diffQuestions)
	for i := range questions {
		questions[i] = g.question()
	}
	asked := time.Now()
	answers := askAll(t, ctx, admin, questions)
	t.Logf("%d SubjectAccessReviews on %d goroutines in %s", len(questions), sarWorkers, time.Since(asked).Round(time.Millisecond))

	var allowed, disagreements int
	for i, q := range questions {
		want := answers[i]
		if want {
			allowed++
		}
		fromLive := liveIndex.Allowed(q.subject, q.attrs)
		fromManifests := manifestIndex.Allowed(q.subject, q.attrs)
		named := whoCanNames(liveIndex.WhoCan(q.attrs, rbac.InNamespace), q.subject)
		if fromLive.Allowed == want && fromManifests.Allowed == want && (fromLive.Masters || named == want) {
			continue
		}
		disagreements++
		if disagreements > 10 {
			continue
		}
		msg := fmt.Sprintf("question %d, %s:\n  SubjectAccessReview allowed: %t\n  index from the API server: %s\n  index from manifests: %s\n  WhoCan names the subject: %t",
			i, q, want, verdict(fromLive), verdict(fromManifests), named)
		if disagreements == 1 {
			msg += "\nthe objects that bear on it:\n" + relevantYAML(t, live, q)
		}
		t.Error(msg)
	}
	t.Logf("compared %d questions (%d allowed by the API server), %d disagreements, in %s in all",
		len(questions), allowed, disagreements, time.Since(began).Round(time.Millisecond))
	if allowed < len(questions)/20 || allowed > len(questions)*19/20 {
		t.Errorf("%d of %d questions allowed: the generator no longer asks telling questions", allowed, len(questions))
	}
}

func verdict(d rbac.Decision) string {
	switch {
	case d.Masters:
		return "allowed (system:masters)"
	case d.Allowed:
		return "allowed by " + d.Grant.String()
	}
	return "denied"
}

// whoCanNames reports whether one of the grants names subject s.
func whoCanNames(grants []rbac.Grant, s rbac.Subject) bool {
	for _, g := range grants {
		switch g.Subject.Kind {
		case rbacv1.UserKind:
			if g.Subject.Name == s.User {
				return true
			}
		case rbacv1.GroupKind:
			if slices.Contains(s.Groups, g.Subject.Name) {
				return true
			}
		case rbacv1.ServiceAccountKind:
			if rbac.ServiceAccountUser(g.Subject.Namespace, g.Subject.Name) == s.User {
				return true
			}
		}
	}
	return false
}

// create makes the objects through the API as Admin (in system:masters, so that no grant is
// refused as an escalation).
func create(t *testing.T, ctx context.Context, client kubernetes.Interface, objs *rbac.Objects) {
	t.Helper()
	r := client.RbacV1()
	for _, o := range objs.ClusterRoles {
		if _, err := r.ClusterRoles().Create(ctx, o, metav1.CreateOptions{}); err != nil {
			t.Fatalf("creating ClusterRole %s: %v", o.Name, err)
		}
	}
	for _, o := range objs.Roles {
		if _, err := r.Roles(o.Namespace).Create(ctx, o, metav1.CreateOptions{}); err != nil {
			t.Fatalf("creating Role %s/%s: %v", o.Namespace, o.Name, err)
		}
	}
	for _, o := range objs.ClusterRoleBindings {
		if _, err := r.ClusterRoleBindings().Create(ctx, o, metav1.CreateOptions{}); err != nil {
			t.Fatalf("creating ClusterRoleBinding %s: %v", o.Name, err)
		}
	}
	for _, o := range objs.RoleBindings {
		if _, err := r.RoleBindings(o.Namespace).Create(ctx, o, metav1.CreateOptions{}); err != nil {
			t.Fatalf("creating RoleBinding %s/%s: %v", o.Namespace, o.Name, err)
		}
	}
}

// all lists the objects as runtime objects with their kinds set, for YAML.
func all(objs *rbac.Objects) []runtime.Object {
	var out []runtime.Object
	add := func(kind string, o runtime.Object) {
		o = o.DeepCopyObject()
		o.GetObjectKind().SetGroupVersionKind(rbacv1.SchemeGroupVersion.WithKind(kind))
		o.(metav1.Object).SetManagedFields(nil)
		out = append(out, o)
	}
	for _, o := range objs.ClusterRoles {
		add("ClusterRole", o)
	}
	for _, o := range objs.Roles {
		add("Role", o)
	}
	for _, o := range objs.ClusterRoleBindings {
		add("ClusterRoleBinding", o)
	}
	for _, o := range objs.RoleBindings {
		add("RoleBinding", o)
	}
	return out
}

// manifestsYAML is the objects as one multi-document YAML stream.
func manifestsYAML(t testing.TB, objs []runtime.Object) []byte {
	t.Helper()
	var b strings.Builder
	for _, o := range objs {
		data, err := yaml.Marshal(o)
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString("---\n")
		b.Write(data)
	}
	return []byte(b.String())
}

func writeManifests(t testing.TB, path string, objs *rbac.Objects) {
	t.Helper()
	if err := os.WriteFile(path, manifestsYAML(t, all(objs)), 0o644); err != nil {
		t.Fatal(err)
	}
}

// loadManifests reads a folder of manifests through the manifest loader, as the CLI does.
func loadManifests(t testing.TB, dir string) *rbac.Objects {
	t.Helper()
	res := manifest.Load(context.Background(), []string{dir}, manifest.Options{})
	for _, e := range res.Errors {
		t.Errorf("reading the manifests: %v", e)
	}
	objs := &rbac.Objects{}
	for _, o := range res.Inventory.Objects() {
		if !objs.AddInventory(o) {
			t.Fatalf("the manifests hold a %s", o.GVK.Kind)
		}
	}
	return objs
}

// waitAggregated waits until every aggregated ClusterRole read from the API server has the
// rules the manifest index computed for it (kube-controller-manager aggregates within
// seconds), and returns what it read. Past a minute it returns what it has: the comparison
// that follows then says where they differ.
func waitAggregated(t *testing.T, ctx context.Context, client kubernetes.Interface, x *rbac.Index) *rbac.Objects {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		live, err := rbac.List(ctx, client.RbacV1())
		if err != nil {
			t.Fatal(err)
		}
		pending := 0
		for _, cr := range live.ClusterRoles {
			want, _ := x.Rules(rbac.RoleRef{Kind: "ClusterRole", Name: cr.Name})
			if cr.AggregationRule != nil && !sameRules(cr.Rules, want) {
				pending++
			}
		}
		if pending == 0 {
			return live
		}
		if time.Now().After(deadline) {
			t.Logf("%d aggregated ClusterRoles still differ from the engine's aggregation after a minute", pending)
			return live
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// sameRules compares rule lists, nil and empty alike.
func sameRules(a, b []rbacv1.PolicyRule) bool {
	return len(a) == 0 && len(b) == 0 || reflect.DeepEqual(a, b)
}

// waitAuthorizerSynced waits until the API server's authorizer has seen objects created
// after everything before: its caches of the four kinds are then up to date, since each is
// fed by a watch that delivers in order.
func waitAuthorizerSynced(t *testing.T, ctx context.Context, c *testcluster.Cluster, ns string) {
	t.Helper()
	sentinel := &rbac.Objects{
		ClusterRoles: []*rbacv1.ClusterRole{{ObjectMeta: metav1.ObjectMeta{Name: "sentinel"},
			Rules: []rbacv1.PolicyRule{{Verbs: []string{"get"}, NonResourceURLs: []string{"/sentinel"}}}}},
		Roles: []*rbacv1.Role{{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "sentinel"},
			Rules: []rbacv1.PolicyRule{{Verbs: []string{"get"}, APIGroups: []string{""}, Resources: []string{"sentinels"}}}}},
		ClusterRoleBindings: []*rbacv1.ClusterRoleBinding{{ObjectMeta: metav1.ObjectMeta{Name: "sentinel"},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "sentinel"},
			Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: "sentinel"}}}},
		RoleBindings: []*rbacv1.RoleBinding{{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "sentinel"},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "sentinel"},
			Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: "sentinel"}}}},
	}
	admin := fastClient(t, c)
	create(t, ctx, admin, sentinel)
	who := rbac.Subject{User: "sentinel"}
	qs := []question{
		{who, rbac.Attributes{Verb: "get", NonResourceURL: "/sentinel"}},
		{who, rbac.Attributes{Verb: "get", Resource: "sentinels", Namespace: ns}},
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if a := askAll(t, ctx, admin, qs); a[0] && a[1] {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the API server's authorizer has not seen the sentinel bindings within 30s")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// fastClient is Admin's client without client-go's rate limit, which would hold the
// reviews to a few hundred a second.
func fastClient(t *testing.T, c *testcluster.Cluster) kubernetes.Interface {
	cfg := c.Config(testcluster.Admin)
	cfg.QPS, cfg.Burst = -1, 0
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return client
}

// askAll asks the API server each question as a SubjectAccessReview, on sarWorkers
// goroutines, and returns whether each is allowed.
func askAll(t *testing.T, ctx context.Context, client kubernetes.Interface, qs []question) []bool {
	t.Helper()
	answers := make([]bool, len(qs))
	errs := make([]error, sarWorkers)
	var wg sync.WaitGroup
	for w := range sarWorkers {
		wg.Go(func() {
			for i := w; i < len(qs); i += sarWorkers {
				r, err := client.AuthorizationV1().SubjectAccessReviews().Create(ctx, review(qs[i]), metav1.CreateOptions{})
				if err != nil {
					errs[w] = fmt.Errorf("SubjectAccessReview of %s: %w", qs[i], err)
					return
				}
				answers[i] = r.Status.Allowed
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	return answers
}

func review(q question) *authorizationv1.SubjectAccessReview {
	spec := authorizationv1.SubjectAccessReviewSpec{User: q.subject.User, Groups: q.subject.Groups}
	a := q.attrs
	if a.IsResourceRequest() {
		spec.ResourceAttributes = &authorizationv1.ResourceAttributes{
			Namespace: a.Namespace, Verb: a.Verb, Group: a.APIGroup, Resource: a.Resource, Subresource: a.Subresource, Name: a.Name,
		}
	} else {
		spec.NonResourceAttributes = &authorizationv1.NonResourceAttributes{Path: a.NonResourceURL, Verb: a.Verb}
	}
	return &authorizationv1.SubjectAccessReview{Spec: spec}
}

// relevantYAML is, as YAML, every binding naming the question's subject, the roles they
// refer to and, for an aggregated ClusterRole, the ClusterRoles its selectors match.
func relevantYAML(t *testing.T, objs *rbac.Objects, q question) string {
	names := func(subjects []rbacv1.Subject, ns string) bool {
		for _, s := range subjects {
			if s.Kind == rbacv1.ServiceAccountKind && s.Namespace == "" {
				s.Namespace = ns
			}
			if whoCanNames([]rbac.Grant{{Subject: s}}, q.subject) {
				return true
			}
		}
		return false
	}
	out := &rbac.Objects{}
	clusterRoles := map[string]bool{}
	roles := map[[2]string]bool{}
	for _, b := range objs.ClusterRoleBindings {
		if names(b.Subjects, "") {
			out.ClusterRoleBindings = append(out.ClusterRoleBindings, b)
			clusterRoles[b.RoleRef.Name] = true
		}
	}
	for _, b := range objs.RoleBindings {
		if names(b.Subjects, b.Namespace) {
			out.RoleBindings = append(out.RoleBindings, b)
			if b.RoleRef.Kind == "Role" {
				roles[[2]string{b.Namespace, b.RoleRef.Name}] = true
			} else {
				clusterRoles[b.RoleRef.Name] = true
			}
		}
	}
	for _, r := range objs.Roles {
		if roles[[2]string{r.Namespace, r.Name}] {
			out.Roles = append(out.Roles, r)
		}
	}
	var selectors []labels.Selector
	for _, r := range objs.ClusterRoles {
		if clusterRoles[r.Name] && r.AggregationRule != nil {
			for i := range r.AggregationRule.ClusterRoleSelectors {
				if sel, err := metav1.LabelSelectorAsSelector(&r.AggregationRule.ClusterRoleSelectors[i]); err == nil {
					selectors = append(selectors, sel)
				}
			}
		}
	}
	for _, r := range objs.ClusterRoles {
		if clusterRoles[r.Name] || slices.ContainsFunc(selectors, func(s labels.Selector) bool { return s.Matches(labels.Set(r.Labels)) }) {
			out.ClusterRoles = append(out.ClusterRoles, r)
		}
	}
	return string(manifestsYAML(t, all(out)))
}
