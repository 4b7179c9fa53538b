package schema

// manifest/removed-api-version: an object written in an API version that the Kubernetes version
// the manifests are for no longer serves (extensions/v1beta1 Deployment since 1.16,
// batch/v1beta1 CronJob since 1.25 ...). The API server refuses to create it ("no matches for
// kind"), so the object does not exist as written: a chart or pipeline that applies it fails,
// and what it was meant to run or enforce (a NetworkPolicy's isolation, say) is not there.
// Palisade still judges its content as the replacement version reads it (the manifest source
// decodes it so), so the pod template's findings stand beside this one.
//
// Restricted fields: apiVersion, for the kinds and versions of the Kubernetes Deprecated API
// Migration Guide ("Removed APIs by release"), held in internal/removedapi.
// Allowed values: any version the target Kubernetes version serves; a removed version when
// --kubernetes-version names a release before its removal.
// Severity: medium. The API server refuses the object loudly rather than creating something
// insecure; the security findings are those of its content, reported by the other rules.
// Sources: Kubernetes Deprecated API Migration Guide.

import (
	"fmt"
	"strconv"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/removedapi"
	"palisade.dev/palisade/internal/rules"
)

var docsDeprecationGuide = rules.Docs("Deprecated API Migration Guide: removed APIs by release", "https://kubernetes.io/docs/reference/using-api/deprecation-guide/")

// RemovedAPIVersion is the manifest/removed-api-version rule.
func RemovedAPIVersion() rules.Rule {
	return rules.Rule{
		ID:       "manifest/removed-api-version",
		Title:    "API version no longer served",
		Severity: finding.Medium,
		Area:     rules.AreaManifest,
		Scope:    rules.ScopeObject,
		Kinds:    []string{"*"},
		Description: "Kubernetes stops serving old API versions: the extensions/v1beta1, apps/v1beta1 " +
			"and apps/v1beta2 workloads since 1.16, the rbac, Ingress, CustomResourceDefinition and " +
			"webhook betas since 1.22, batch/v1beta1 CronJob, policy/v1beta1 PodDisruptionBudget and " +
			"PodSecurityPolicy since 1.25, among others. The API server refuses to create an object " +
			"written in such a version, so it does not exist as written: the deployment fails, and " +
			"whatever the object was meant to run or enforce is not there. Old charts and copied " +
			"snippets still carry these versions. Palisade judges the object's content as the version " +
			"that replaced it reads it (its pod template gets the same findings as in apps/v1 or " +
			"batch/v1), and reports the version once. With --kubernetes-version set to a release " +
			"before the removal, the version is still served and is not reported.",
		Fields:     []string{"apiVersion"},
		Allowed:    []string{"an API version the target Kubernetes version serves (--kubernetes-version; the newest by default)"},
		References: []rules.Reference{docsDeprecationGuide},
		Remedy: "Change apiVersion to the version the finding names and apply the guide's notable " +
			"changes (apps/v1 requires spec.selector, for example); `kubectl convert` (the " +
			"kubectl-convert plugin) rewrites a manifest to a given version.",
		Object: checkRemovedAPIVersion,
	}
}

func checkRemovedAPIVersion(ctx *rules.ObjectContext) []rules.Violation {
	o := ctx.Object
	api, ok := removedapi.Lookup(o.GVK)
	if !ok {
		return nil
	}
	target := "the newest Kubernetes version Palisade knows"
	if minor, ok := ctx.Options.KubernetesMinor(); ok {
		if minor < api.RemovedIn {
			return nil // still served by the version the manifests are for
		}
		target = "Kubernetes v1." + strconv.Itoa(minor) + " (--kubernetes-version)"
	}
	written := o.GVK.GroupVersion().String()
	msg := fmt.Sprintf("%s %s has not been served since Kubernetes 1.%d, so the API server refuses to create this object; ",
		written, o.GVK.Kind, api.RemovedIn)
	if to, ok := api.ReplacementKind(o.GVK.Kind); ok {
		msg += fmt.Sprintf("use %s (served since 1.%d)", to.GroupVersion(), api.AvailableSince)
		if api.Changes != "" {
			msg += ", noting that " + api.Changes
		}
		if api.SameShape {
			msg += fmt.Sprintf(". Its content was judged as %s reads it", to.GroupVersion())
		}
		msg += "."
	} else {
		msg += api.Changes + "."
	}
	return []rules.Violation{{
		Path:     "apiVersion",
		Message:  msg,
		Evidence: fmt.Sprintf("apiVersion: %s; %s %s removed in v1.%d; judged for %s", written, written, o.GVK.Kind, api.RemovedIn, target),
	}}
}
