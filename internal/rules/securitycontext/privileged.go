package securitycontext

import (
	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/rules"
)

// pod/privileged: no container may run privileged. A privileged container gets every
// capability, every host device, no seccomp or AppArmor confinement and a writable /sys: it is
// root on the node in all but name.
//
// Restricted fields:
//
//	spec.{containers,initContainers,ephemeralContainers}[*].securityContext.privileged
//
// Allowed values: unset, false.
//
// References: PSS baseline "Privileged Containers"; CIS 5.2.2.

func privilegedRule() rules.Rule {
	return rules.Rule{
		ID:       "pod/privileged",
		AutoFix:  rules.FixEdit,
		Title:    "Container runs privileged",
		Severity: finding.Critical,
		Area:     rules.AreaWorkload,
		Scope:    rules.ScopePod,
		Description: "A privileged container runs with every Linux capability, sees every device of the node, " +
			"and is not confined by seccomp or AppArmor; the runtime also mounts /sys writable. Any process " +
			"in it can load kernel modules, mount the host's disks and take over the node.",
		Fields:  containerFields("securityContext.privileged"),
		Allowed: []string{"unset", "false"},
		References: []rules.Reference{
			pssBaseline("Privileged Containers"),
			rules.CIS("5.2.2", "Minimize the admission of privileged containers"),
			securityContextDocs(),
		},
		Remedy: "Remove privileged: true; grant only the capabilities the workload needs with " +
			"capabilities.add, and mount only the devices or host paths it needs.",
		CEL: []rules.CELCheck{celEachContainer("!" + celContainerField("privileged") + ".orValue(false)")},
		Pod: eachContainer(checkPrivileged),
	}
}

func checkPrivileged(ctx *rules.PodContext, c containerContext) []rules.Violation {
	p := c.privileged()
	if !p.Set() || !p.Value {
		return nil
	}
	v := violation(c, p.Path(),
		describe(c)+" runs privileged: it has every capability and every host device, without seccomp or "+
			"AppArmor, so a compromise of it is a compromise of the node",
		evidence(ctx, p))
	if ctx.Options.WantsPatches() {
		v.Fix = remove(p.Path())
	}
	return []rules.Violation{v}
}
