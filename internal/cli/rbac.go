package cli

import (
	"cmp"
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/rbac"
)

// rbacFlags are how the rbac commands read their input and print their answer.
type rbacFlags struct {
	sourceFlags
	output string
	// surroundings: read what escalation paths need besides the RBAC objects, and take the
	// built-in cluster-admin ClusterRole as present in manifests.
	surroundings bool
}

func (f *rbacFlags) register(cmd *cobra.Command) {
	f.sourceFlags.register(cmd, "Roles, ClusterRoles and their bindings")
	fl := cmd.Flags()
	fl.StringVarP(&f.output, "output", "o", "table", "table, json or dot (the subject -> binding -> role graph)")
}

// rbacInput is the index and what reading its input went wrong.
type rbacInput struct {
	index *rbac.Index
	// namespace is the default namespace: the kubeconfig context's, else "default".
	namespace string
	errors    []finding.ScanError
	// surroundings are read when the flags ask for them.
	surroundings *rbac.Surroundings
}

// load reads the input: manifests with -f (a document that cannot be read is an error of
// its own and the rest is read), else the cluster of the kubeconfig context, read-only.
func (f *rbacFlags) load(ctx context.Context, s Streams) (*rbacInput, error) {
	switch f.output {
	case "table", "json", "dot":
	default:
		return nil, fmt.Errorf("--output %d bytes long: want table, json or dot", len(f.output))
	}
	files, err := f.fromManifests()
	if err != nil {
		return nil, err
	}
	if files {
		res := f.manifests(ctx, s)
		objs, sur := &rbac.Objects{}, &rbac.Surroundings{}
		for _, o := range res.Inventory.Objects() {
			if !objs.AddInventory(o) && f.surroundings {
				sur.AddInventory(o)
			}
		}
		if f.surroundings {
			objs.AddClusterAdmin()
		}
		return &rbacInput{index: rbac.Build(objs, rbac.FromManifests), namespace: "default", errors: res.Errors, surroundings: sur}, nil
	}
	cc, cfg, err := f.cluster()
	if err != nil {
		return nil, err
	}
	// The typed clients list the RBAC kinds faster as protobuf than as JSON.
	cfg.ContentType = runtime.ContentTypeProtobuf
	cfg.AcceptContentTypes = runtime.ContentTypeProtobuf + "," + runtime.ContentTypeJSON
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("configuring the client: %w", err)
	}
	objs, err := rbac.List(ctx, client.RbacV1())
	if err != nil {
		return nil, err
	}
	var sur *rbac.Surroundings
	if f.surroundings {
		if sur, err = rbac.ListSurroundings(ctx, client.CoreV1()); err != nil {
			return nil, err
		}
	}
	ns, _, err := cc.Namespace()
	if err != nil || ns == "" {
		ns = "default"
	}
	return &rbacInput{index: rbac.Build(objs, rbac.FromCluster), namespace: ns, surroundings: sur}, nil
}

// reportErrors prints the input's errors on stderr; their presence makes the exit code 2.
func (in *rbacInput) reportErrors(s Streams) error {
	for _, e := range in.errors {
		fmt.Fprintf(s.Err, "error: %v\n", e)
	}
	if len(in.errors) > 0 {
		return exitError{2}
	}
	return nil
}

func newRBACCommand(s Streams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "rbac",
		Short: "Answer who may do what, and through which binding, from RBAC objects",
		Long: `Answer RBAC questions as the API server's authorizer does, from a cluster's Roles,
ClusterRoles, RoleBindings and ClusterRoleBindings (read-only) or from manifests (-f), with
the chain that grants each answer: subject -> binding -> role -> rule.`,
	}
	cmd.AddCommand(newWhoCanCommand(s), newCanCommand(s), newPermissionsCommand(s), newEscalationsCommand(s))
	return cmd
}

func newWhoCanCommand(s Streams) *cobra.Command {
	var (
		f         rbacFlags
		namespace string
		all       bool
	)
	cmd := &cobra.Command{
		Use:   "who-can VERB RESOURCE[.GROUP][/SUBRESOURCE] [NAME] | who-can VERB /NON/RESOURCE/URL",
		Short: "List every subject allowed a request, each with the chain that allows it",
		Example: `  palisade rbac who-can get secrets -A
  palisade rbac who-can create pods/exec -n payments -f manifests/
  palisade rbac who-can get /metrics`,
		Args: cobra.RangeArgs(2, 3),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := rbac.ParseRequest(args)
			if err != nil {
				return err
			}
			if all && namespace != "" {
				return errors.New("-n and -A exclude each other")
			}
			in, err := f.load(cmd.Context(), s)
			if err != nil {
				return err
			}
			scope := rbac.InNamespace
			switch {
			case !a.IsResourceRequest() || rbac.ClusterScoped(a):
				// Only ClusterRoleBindings grant these, whatever -A says.
			case all:
				scope = rbac.AllNamespaces
			case namespace != "":
				a.Namespace = namespace
			default:
				a.Namespace = in.namespace
			}
			answer := whoCanAnswer{Request: a, AllNamespaces: scope == rbac.AllNamespaces, Grants: in.index.WhoCan(a, scope), Dangling: in.index.Dangling()}
			if err := printRBAC(s.Out, f.output, answer); err != nil {
				return err
			}
			return in.reportErrors(s)
		},
	}
	f.register(cmd)
	cmd.Flags().StringVarP(&namespace, "namespace", "n", "", "the request's namespace (default: the context's, or default)")
	cmd.Flags().BoolVarP(&all, "all-namespaces", "A", false, "the bindings of every namespace (each grants in its own namespace only)")
	return cmd
}

func newCanCommand(s Streams) *cobra.Command {
	var (
		f         rbacFlags
		namespace string
		groups    []string
	)
	cmd := &cobra.Command{
		Use:   "can SUBJECT VERB RESOURCE[.GROUP][/SUBRESOURCE] [NAME] | can SUBJECT VERB /NON/RESOURCE/URL",
		Short: "Say whether a subject may make a request, and through which chain (exit 0 yes, 1 no)",
		Long: `Say whether a subject may make a request, and through which chain. SUBJECT is
user:NAME, group:NAME or sa:NAMESPACE/NAME; a user and a group's member are in
system:authenticated, a service account in its groups too; --as-group adds groups.
Exit code 0 means yes, 1 no, 2 an error (with -f, a document that could not be read).`,
		Example: `  palisade rbac can sa:payments/default create pods -n payments
  palisade rbac can user:alice get secrets db --as-group dev -f manifests/`,
		Args: cobra.RangeArgs(3, 4),
		RunE: func(cmd *cobra.Command, args []string) error {
			subject, err := rbac.ParseSubject(args[0])
			if err != nil {
				return err
			}
			subject = subject.WithGroups(groups...)
			a, err := rbac.ParseRequest(args[1:])
			if err != nil {
				return err
			}
			in, err := f.load(cmd.Context(), s)
			if err != nil {
				return err
			}
			if a.IsResourceRequest() && !rbac.ClusterScoped(a) {
				a.Namespace = cmp.Or(namespace, in.namespace)
			}
			d := in.index.Allowed(subject, a)
			if err := printRBAC(s.Out, f.output, canAnswer{Subject: subject, Request: a, Decision: d}); err != nil {
				return err
			}
			if err := in.reportErrors(s); err != nil {
				return err
			}
			if !d.Allowed {
				return exitError{1}
			}
			return nil
		},
	}
	f.register(cmd)
	cmd.Flags().StringVarP(&namespace, "namespace", "n", "", "the request's namespace (default: the context's, or default)")
	cmd.Flags().StringSliceVar(&groups, "as-group", nil, "a group the subject is in besides its own (repeatable)")
	return cmd
}

func newPermissionsCommand(s Streams) *cobra.Command {
	var (
		f      rbacFlags
		groups []string
	)
	cmd := &cobra.Command{
		Use:   "permissions SUBJECT",
		Short: "List what a subject may do: its rules, merged, each with the bindings that grant it",
		Example: `  palisade rbac permissions sa:kube-system/default
  palisade rbac permissions user:alice -f manifests/ -o json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			subject, err := rbac.ParseSubject(args[0])
			if err != nil {
				return err
			}
			subject = subject.WithGroups(groups...)
			in, err := f.load(cmd.Context(), s)
			if err != nil {
				return err
			}
			answer := permissionsAnswer{Subject: subject, Permissions: in.index.Permissions(subject)}
			if err := printRBAC(s.Out, f.output, answer); err != nil {
				return err
			}
			return in.reportErrors(s)
		},
	}
	f.register(cmd)
	cmd.Flags().StringSliceVar(&groups, "as-group", nil, "a group the subject is in besides its own (repeatable)")
	return cmd
}

func newEscalationsCommand(s Streams) *cobra.Command {
	f := rbacFlags{surroundings: true}
	cmd := &cobra.Command{
		Use:   "escalations [SUBJECT]",
		Short: "List the shortest path of every subject (or one) to cluster-admin-equivalent rights (exit 1 when there is one)",
		Long: `List, for every subject that is not cluster-admin-equivalent already (or for SUBJECT,
as user:NAME, group:NAME or sa:NAMESPACE/NAME), the shortest path to cluster-admin-equivalent
rights: creating pods that run as a stronger ServiceAccount, creating its token, impersonating,
binding or escalating roles, or a privileged pod taking a node's credentials, each step with
the binding, role and rule that allow it. A cluster's ServiceAccounts, Namespaces and Pods are
read besides its RBAC objects. Exit code 0 means no path, 1 at least one, 2 an error.`,
		Example: `  palisade rbac escalations
  palisade rbac escalations user:alice -f manifests/ -o json`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			answer := escalationsAnswer{Paths: []rbac.Path{}} // [] rather than null in JSON
			if len(args) == 1 {
				subject, err := rbac.ParseSubject(args[0])
				if err != nil {
					return err
				}
				answer.Subject = subject.String()
			}
			if f.output == "dot" {
				return errors.New("--output dot: escalations print as table or json")
			}
			in, err := f.load(cmd.Context(), s)
			if err != nil {
				return err
			}
			for _, p := range in.index.Escalations(in.surroundings) {
				if answer.Subject == "" || p.Subject == answer.Subject {
					answer.Paths = append(answer.Paths, p)
				}
			}
			if err := printRBAC(s.Out, f.output, answer); err != nil {
				return err
			}
			if err := in.reportErrors(s); err != nil {
				return err
			}
			if len(answer.Paths) > 0 {
				return exitError{1}
			}
			return nil
		},
	}
	f.register(cmd)
	return cmd
}
