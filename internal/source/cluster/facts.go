package cluster

import (
	"context"
	"io"
	"net/http"
	"strings"

	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/rest"

	"palisade.dev/palisade/internal/distro"
	"palisade.dev/palisade/internal/inventory"
)

// AnonymousPaths are the requests made without credentials: what anyone who reaches the API
// server can read. The namespaced list shows whether anonymous requests get past
// authorization, not only past authentication.
var AnonymousPaths = []string{"/version", "/api", "/apis", "/api/v1/namespaces/default/pods?limit=1"}

// observe records what the cluster says about itself. Each part fails on its own: a server
// that refuses a review still has its objects scanned.
func (s *scanner) observe(ctx context.Context, facts *inventory.Cluster) {
	if groups, err := s.discovery.ServerGroups(); err != nil {
		s.addError(s.errorf("%s", describe(err, "reading the served API groups")))
	} else {
		for _, g := range groups.Groups {
			for _, v := range g.Versions {
				facts.APIGroupVersions = append(facts.APIGroupVersions, v.GroupVersion)
			}
		}
	}
	facts.Identity = s.identity(ctx)
	if !s.opts.SkipAnonymous {
		facts.Anonymous = s.anonymous(ctx)
	}
	facts.Distribution = distro.Detect(facts.Version, s.nodeLabels(ctx))
}

// identity asks who the scan runs as (SelfSubjectReview) and whether that identity may do
// everything everywhere (SelfSubjectAccessReview of * on * in *), for the rule that daily
// work must not use an identity that may do everything (rules/cluster/identity.go).
func (s *scanner) identity(ctx context.Context) inventory.Identity {
	var id inventory.Identity
	if r, err := s.client.AuthenticationV1().SelfSubjectReviews().Create(ctx, &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{}); err == nil {
		id.User, id.Groups = r.Status.UserInfo.Username, r.Status.UserInfo.Groups
	}
	review := &authorizationv1.SelfSubjectAccessReview{Spec: authorizationv1.SelfSubjectAccessReviewSpec{
		ResourceAttributes: &authorizationv1.ResourceAttributes{Verb: "*", Group: "*", Resource: "*"},
	}}
	r, err := s.client.AuthorizationV1().SelfSubjectAccessReviews().Create(ctx, review, metav1.CreateOptions{})
	if err != nil {
		s.addError(s.errorf("%s", describe(err, "asking whether the scan's identity is cluster-admin")))
		return id
	}
	id.Checked, id.ClusterAdmin = true, r.Status.Allowed
	return id
}

// anonymous makes each AnonymousPaths request without any credentials.
func (s *scanner) anonymous(ctx context.Context) []inventory.AnonymousProbe {
	anon := rest.AnonymousClientConfig(s.cfg)
	client, err := rest.HTTPClientFor(anon)
	out := make([]inventory.AnonymousProbe, 0, len(AnonymousPaths))
	for _, p := range AnonymousPaths {
		probe := inventory.AnonymousProbe{Path: p}
		if err != nil {
			probe.Error = err.Error()
			out = append(out, probe)
			continue
		}
		probe.Status, probe.Error = get(ctx, client, strings.TrimSuffix(anon.Host, "/")+p)
		out = append(out, probe)
	}
	return out
}

func get(ctx context.Context, client *http.Client, url string) (int, string) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err.Error()
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return 0, describe(err, "GET "+url)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, ""
}

// nodeLabels reads the labels of up to 50 nodes, which name managed distributions that the
// version string does not (AKS). Only metadata is read; an identity that may not list nodes
// leaves the distribution to the version string alone, which is not a coverage gap of any
// rule.
func (s *scanner) nodeLabels(ctx context.Context) []map[string]string {
	client, err := metadata.NewForConfig(s.cfg)
	if err != nil {
		return nil
	}
	list, err := client.Resource(builtin["Node"].GVR).List(ctx, metav1.ListOptions{Limit: 50})
	if err != nil {
		return nil
	}
	out := make([]map[string]string, 0, len(list.Items))
	for _, n := range list.Items {
		out = append(out, n.Labels)
	}
	return out
}
