package securitycontext

import (
	"fmt"
	"slices"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/rules"
)

// pod/run-as-root-group: no container may run with GID 0 as its primary group, and the pod may
// not add GID 0 to its processes through fsGroup or supplementalGroups. Most files of images and
// nodes belong to group 0, so a process in that group gets whatever group permissions they grant
// (group-writable files, host paths it mounts), even as a non-root user.
//
// Restricted fields:
//
//	spec.securityContext.runAsGroup
//	spec.securityContext.fsGroup
//	spec.securityContext.supplementalGroups[*]
//	spec.{containers,initContainers,ephemeralContainers}[*].securityContext.runAsGroup
//
// Allowed values: runAsGroup unset or non-zero (the container's value overrides the pod's);
// fsGroup unset or non-zero; supplementalGroups without 0. fsGroup and supplementalGroups
// exist only at pod level and are reported once for the pod.
//
// Windows pods are skipped: the API server forbids these fields on them.
//
// References: Kubernetes docs "Configure a Security Context"; kube-score and kubesec report
// the same settings.

func runAsRootGroupRule() rules.Rule {
	return rules.Rule{
		ID:       "pod/run-as-root-group",
		Title:    "Container runs with the root group",
		Severity: finding.Medium,
		Area:     rules.AreaWorkload,
		Scope:    rules.ScopePod,
		Description: "A process whose primary or supplementary group is GID 0 can use every file the root " +
			"group may read or write, in the image and in any host path it mounts, even when its user is " +
			"not root. runAsGroup: 0, fsGroup: 0 and a supplementalGroups entry of 0 all give that group.",
		Fields: append([]string{"securityContext.runAsGroup", "securityContext.fsGroup", "securityContext.supplementalGroups[*]"},
			containerFields("securityContext.runAsGroup")...),
		Allowed: []string{"runAsGroup unset or non-zero", "fsGroup unset or non-zero", "supplementalGroups without 0"},
		References: []rules.Reference{
			securityContextDocs(),
		},
		Remedy: "Set runAsGroup and fsGroup to a non-zero GID and remove 0 from supplementalGroups.",
		CEL: celLinuxOnly(
			celEachContainer(celEffective("runAsGroup", "1")+" != 0"),
			rules.CELCheck{Expression: celPodField("fsGroup") + ".orValue(1) != 0", MessageExpression: "'the pod sets fsGroup: 0'"},
			rules.CELCheck{Expression: "!" + celPodField("supplementalGroups") + ".orValue([]).exists(g, g == 0)", MessageExpression: `"the pod's supplementalGroups include 0"`},
		),
		Pod: linuxOnly(checkRunAsRootGroup),
	}
}

func checkRunAsRootGroup(ctx *rules.PodContext) []rules.Violation {
	out := eachContainer(checkContainerRootGroup)(ctx)
	psc := podSecurityContext(ctx.Pod)
	if psc.FSGroup != nil && *psc.FSGroup == 0 {
		out = append(out, rules.Violation{
			Path: podField(ctx.Pod, "fsGroup"),
			Message: "the pod sets fsGroup: 0, which adds the root group to every container's processes and " +
				"makes the pod's volumes owned by it",
			Evidence: "fsGroup=0 in pod securityContext",
		})
	}
	if i := slices.Index(psc.SupplementalGroups, 0); i >= 0 {
		out = append(out, rules.Violation{
			Path:     fmt.Sprintf("%s[%d]", podField(ctx.Pod, "supplementalGroups"), i),
			Message:  "the pod's supplementalGroups include 0, which adds the root group to every container's processes",
			Evidence: fmt.Sprintf("supplementalGroups=%v in pod securityContext", psc.SupplementalGroups),
		})
	}
	return out
}

func checkContainerRootGroup(ctx *rules.PodContext, c containerContext) []rules.Violation {
	group := c.runAsGroup()
	if !group.Set() || group.Value != 0 {
		return nil
	}
	return []rules.Violation{violation(c, group.Path(),
		describe(c)+" runs with the root group: runAsGroup is 0, so its processes can use every file "+
			"the root group may read or write",
		evidence(ctx, group))}
}
