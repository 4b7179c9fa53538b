package securitycontext

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/rules"
)

// pod/selinux: no pod or container may choose an SELinux type outside the container types, or
// set an SELinux user or role. Those options pick the label the container's processes run
// with; a type such as spc_t (super-privileged container) or unconfined_t, or a custom user or
// role, lifts the confinement SELinux gives containers on hosts that enforce it.
//
// Restricted fields:
//
//	spec.securityContext.seLinuxOptions.type
//	spec.securityContext.seLinuxOptions.user
//	spec.securityContext.seLinuxOptions.role
//	spec.{containers,initContainers,ephemeralContainers}[*].securityContext.seLinuxOptions.type
//	spec.{containers,initContainers,ephemeralContainers}[*].securityContext.seLinuxOptions.user
//	spec.{containers,initContainers,ephemeralContainers}[*].securityContext.seLinuxOptions.role
//
// Allowed values: type "", container_t, container_init_t, container_kvm_t or container_engine_t
// (the last allowed by the Pod Security Standards from v1.31); user and role empty. level is
// not restricted. Each level is judged as written, as the Pod Security Standards do: a pod
// value that every container overrides is still reported, since a container added later
// inherits it.
//
// Windows pods are skipped: the API server forbids seLinuxOptions on them.
//
// References: PSS baseline "SELinux".

var allowedSELinuxTypes = map[string]bool{
	"": true, "container_t": true, "container_init_t": true, "container_kvm_t": true, "container_engine_t": true,
}

func seLinuxRule() rules.Rule {
	return rules.Rule{
		ID:       "pod/selinux",
		AutoFix:  rules.FixEdit,
		Title:    "Pod sets a custom SELinux type, user or role",
		Severity: finding.High,
		Area:     rules.AreaWorkload,
		Scope:    rules.ScopePod,
		Description: "seLinuxOptions choose the SELinux label a container's processes run with. On hosts that " +
			"enforce SELinux, the container types confine a process to its own files; another type (spc_t, " +
			"unconfined_t, a host service's type) or a custom user or role lets it reach host files and " +
			"processes that confinement would deny.",
		Fields: append([]string{
			"securityContext.seLinuxOptions.type", "securityContext.seLinuxOptions.user", "securityContext.seLinuxOptions.role",
		}, append(containerFields("securityContext.seLinuxOptions.type"),
			append(containerFields("securityContext.seLinuxOptions.user"), containerFields("securityContext.seLinuxOptions.role")...)...)...),
		Allowed: []string{
			`type "", container_t, container_init_t, container_kvm_t or container_engine_t`,
			"user and role empty",
		},
		References: []rules.Reference{
			pssBaseline("SELinux"),
			docs("Assign SELinux labels to a Container", securityCtxURL+"#assign-selinux-labels-to-a-container"),
		},
		Remedy: "Remove seLinuxOptions.user and .role, and remove seLinuxOptions.type or set it to " +
			"container_t, so the runtime assigns the container label.",
		CEL: celLinuxOnly(
			rules.CELCheck{Expression: celSELinuxAllowed(celPodField("seLinuxOptions")), MessageExpression: `"the pod's seLinuxOptions"`},
			celEachContainer(celSELinuxAllowed(celContainerField("seLinuxOptions"))),
		),
		Pod: linuxOnly(checkSELinux),
	}
}

func checkSELinux(ctx *rules.PodContext) []rules.Violation {
	var out []rules.Violation
	if opts := podSecurityContext(ctx.Pod).SELinuxOptions; opts != nil {
		out = append(out, seLinuxViolations(opts, podField(ctx.Pod, "seLinuxOptions"), "", "the pod")...)
	}
	for _, ref := range ctx.Pod.Containers() {
		c := containerContext{pod: ctx.Pod, ref: ref}
		if opts := c.sc().SELinuxOptions; opts != nil {
			out = append(out, seLinuxViolations(opts, c.field("seLinuxOptions"), ref.Name, describe(c))...)
		}
	}
	return out
}

func seLinuxViolations(opts *corev1.SELinuxOptions, path, container, who string) []rules.Violation {
	var out []rules.Violation
	add := func(field, value, why string) {
		out = append(out, rules.Violation{
			Path:      path + "." + field,
			Container: container,
			Message:   fmt.Sprintf("%s sets seLinuxOptions.%s to %q, %s", who, field, value, why),
			Evidence:  fmt.Sprintf("seLinuxOptions.%s=%q", field, value),
			Fix:       remove(path + "." + field),
		})
	}
	if !allowedSELinuxTypes[opts.Type] {
		add("type", opts.Type, "which is not a container type: its processes escape the confinement SELinux "+
			"gives containers")
	}
	if opts.User != "" {
		add("user", opts.User, "a custom SELinux user that can lift the confinement SELinux gives containers")
	}
	if opts.Role != "" {
		add("role", opts.Role, "a custom SELinux role that can lift the confinement SELinux gives containers")
	}
	return out
}

// celSELinuxAllowed is the CEL of seLinuxViolations finding nothing in the seLinuxOptions that
// options (an optional) reads.
func celSELinuxAllowed(options string) string {
	return options + ".?type.orValue('') in " + celStringList(allowedSELinuxTypes) + " && " +
		options + ".?user.orValue('') == '' && " + options + ".?role.orValue('') == ''"
}
