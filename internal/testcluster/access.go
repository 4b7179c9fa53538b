package testcluster

import (
	"context"
	"fmt"
	"path/filepath"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// auditorRules grant read access to every kind of the built-in API groups except Secrets.
// The resources are listed rather than taken from the aggregated "view" role because
// aggregation is done by kube-controller-manager, which these clusters do not run.
var auditorRules = []rbacv1.PolicyRule{
	{
		APIGroups: []string{""},
		Resources: []string{
			"pods", "namespaces", "nodes", "serviceaccounts", "configmaps", "resourcequotas",
			"limitranges", "services", "endpoints", "replicationcontrollers", "podtemplates",
			"persistentvolumes", "persistentvolumeclaims", "events",
		},
		Verbs: []string{"get", "list", "watch"},
	},
	{
		APIGroups: []string{
			"apps", "batch", "networking.k8s.io", "policy", "rbac.authorization.k8s.io",
			"apiextensions.k8s.io", "autoscaling", "storage.k8s.io",
			"admissionregistration.k8s.io", "discovery.k8s.io",
		},
		Resources: []string{"*"},
		Verbs:     []string{"get", "list", "watch"},
	},
}

// createAuditorRole creates ClusterRole AuditorRole and binds it to Auditor.
func (c *Cluster) createAuditorRole(ctx context.Context) error {
	rbac := c.Client(Admin).RbacV1()
	role := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: AuditorRole}, Rules: auditorRules}
	if _, err := rbac.ClusterRoles().Create(ctx, role, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("creating ClusterRole %s: %w", AuditorRole, err)
	}
	binding := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: AuditorRole},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: AuditorRole},
		Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: Auditor}},
	}
	if _, err := rbac.ClusterRoleBindings().Create(ctx, binding, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("creating ClusterRoleBinding %s: %w", AuditorRole, err)
	}
	return nil
}

// Kubeconfig is the path of a kubeconfig file, inside Dir, with one context per user named
// after it (Admin, User, Auditor) and Auditor's as current context.
func (c *Cluster) Kubeconfig() string { return filepath.Join(c.Dir, "kubeconfig") }

func (c *Cluster) writeKubeconfig() error {
	if err := clientcmd.WriteToFile(*c.kubeconfig([]string{Admin, User, Auditor}, Auditor), c.Kubeconfig()); err != nil {
		return fmt.Errorf("writing the kubeconfig: %w", err)
	}
	return nil
}

// kubeconfig is a kubeconfig with a context per user, each named after its user.
func (c *Cluster) kubeconfig(users []string, current string) *clientcmdapi.Config {
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["testcluster"] = &clientcmdapi.Cluster{Server: c.Server, CertificateAuthority: c.CAFile}
	for _, u := range users {
		cfg.AuthInfos[u] = &clientcmdapi.AuthInfo{Token: c.tokens[u]}
		cfg.Contexts[u] = &clientcmdapi.Context{Cluster: "testcluster", AuthInfo: u}
	}
	cfg.CurrentContext = current
	return cfg
}
