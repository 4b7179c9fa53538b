package securitycontext

import (
	"fmt"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/rules"
)

// pod/allow-privilege-escalation: every container must set allowPrivilegeEscalation: false,
// which makes the kubelet ask the runtime for no_new_privs: execve then never grants more
// privileges than the caller had, so setuid binaries and file capabilities cannot raise them.
// The field defaults to true. It is also true whatever is written when the container is
// privileged or adds CAP_SYS_ADMIN (API reference, SecurityContext.allowPrivilegeEscalation; the
// API server rejects false together with privileged: true or an added CAP_SYS_ADMIN), so such
// containers are reported with that reason.
//
// Restricted fields:
//
//	spec.{containers,initContainers,ephemeralContainers}[*].securityContext.allowPrivilegeEscalation
//
// Allowed values: false, in a container that is not privileged and adds neither SYS_ADMIN nor
// ALL (capability names normalised as in capabilities.go).
//
// Windows pods are skipped: the API server forbids the field on them, and the Pod Security
// Standards exempt them (restricted, v1.25+).
//
// References: PSS restricted "Privilege Escalation"; CIS 5.2.6.

func allowPrivilegeEscalationRule() rules.Rule {
	return rules.Rule{
		ID:       "pod/allow-privilege-escalation",
		AutoFix:  rules.FixEdit,
		Title:    "Container allows privilege escalation",
		Severity: finding.High,
		Area:     rules.AreaWorkload,
		Scope:    rules.ScopePod,
		Description: "Unless allowPrivilegeEscalation is false, a process in the container can gain more " +
			"privileges than its parent: a setuid-root binary or a file with capabilities in the image " +
			"turns a non-root process into root. Setting it to false sets no_new_privs on the container's " +
			"processes. A privileged container, or one that adds CAP_SYS_ADMIN, always allows escalation.",
		Fields:  containerFields("securityContext.allowPrivilegeEscalation"),
		Allowed: []string{"false (and the container neither privileged nor adding SYS_ADMIN or ALL)"},
		References: []rules.Reference{
			pssRestricted("Privilege Escalation"),
			rules.CIS("5.2.6", "Minimize the admission of containers with allowPrivilegeEscalation"),
			securityContextDocs(),
		},
		Remedy: "Set securityContext.allowPrivilegeEscalation: false on every container; remove privileged: " +
			"true and CAP_SYS_ADMIN, which make escalation possible whatever the field says.",
		CEL: celLinuxOnly(celEachContainer("!" + celContainerField("privileged") + ".orValue(false) && " +
			"!" + celContainerField("capabilities.add") + ".orValue([]).exists(a, " + celCapabilityIn("a", []capabilityName{"SYS_ADMIN", capAll}) + ") && " +
			"!" + celContainerField("allowPrivilegeEscalation") + ".orValue(true)")),
		Pod: linuxOnly(eachContainer(checkAllowPrivilegeEscalation)),
	}
}

func checkAllowPrivilegeEscalation(ctx *rules.PodContext, c containerContext) []rules.Violation {
	if p := c.privileged(); p.Set() && p.Value {
		v := violation(c, p.Path(),
			describe(c)+" can escalate privileges: privileged: true implies allowPrivilegeEscalation: true "+
				"whatever the field says, so setuid binaries and file capabilities can raise a process to root",
			"privileged=true in container securityContext")
		// The API server rejects allowPrivilegeEscalation: false beside privileged: true, so
		// the remedy takes both steps.
		if ctx.Options.WantsPatches() {
			v.Fix = append(remove(p.Path()), set(c.field("allowPrivilegeEscalation"), false)...)
		}
		return []rules.Violation{v}
	}
	if i := c.addedCapability("SYS_ADMIN"); i >= 0 {
		added := c.capabilities().Add[i]
		return []rules.Violation{violation(c, fmt.Sprintf("%s[%d]", c.field("capabilities.add"), i),
			fmt.Sprintf("%s can escalate privileges: adding %s grants CAP_SYS_ADMIN, which implies "+
				"allowPrivilegeEscalation: true whatever the field says", describe(c), added),
			fmt.Sprintf("capabilities.add[%d]=%s in container securityContext", i, added))}
	}
	ape := c.allowPrivilegeEscalation()
	if ape.Set() && !ape.Value {
		return nil
	}
	v := violation(c, ape.Path(),
		describe(c)+" allows privilege escalation (allowPrivilegeEscalation is not false): a setuid binary "+
			"or a file capability in the image can raise a process to root",
		evidence(ctx, ape))
	if ctx.Options.WantsPatches() {
		v.Fix = set(ape.Path(), false)
	}
	return []rules.Violation{v}
}
