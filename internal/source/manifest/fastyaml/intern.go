package fastyaml

import "strings"

// vocabulary lists the field names and values that most Kubernetes manifests repeat. Decoded
// strings found here share one copy, already boxed, so that a corpus of manifests does not
// allocate them once per object and objects kept after decoding do not hold their own.
const vocabulary = `
apiVersion kind metadata name namespace labels annotations generateName ownerReferences
finalizers uid spec status data stringData binaryData type immutable items
template selector matchLabels matchExpressions key operator values replicas strategy
rollingUpdate maxSurge maxUnavailable revisionHistoryLimit minReadySeconds paused
progressDeadlineSeconds serviceName podManagementPolicy updateStrategy volumeClaimTemplates
persistentVolumeClaimRetentionPolicy ordinals schedule jobTemplate concurrencyPolicy suspend
successfulJobsHistoryLimit failedJobsHistoryLimit startingDeadlineSeconds timeZone
backoffLimit completions parallelism activeDeadlineSeconds ttlSecondsAfterFinished
completionMode podFailurePolicy
containers initContainers ephemeralContainers image imagePullPolicy command args workingDir
ports containerPort hostPort hostIP protocol env value valueFrom envFrom prefix
configMapKeyRef secretKeyRef fieldRef fieldPath resourceFieldRef resource divisor
configMapRef secretRef optional resources limits requests claims cpu memory
ephemeral-storage storage hugepages-2Mi volumeMounts mountPath subPath subPathExpr readOnly
mountPropagation recursiveReadOnly volumeDevices devicePath livenessProbe readinessProbe
startupProbe exec httpGet tcpSocket grpc path port host scheme httpHeaders
initialDelaySeconds periodSeconds timeoutSeconds successThreshold failureThreshold
terminationGracePeriodSeconds lifecycle postStart preStop terminationMessagePath
terminationMessagePolicy stdin stdinOnce tty restartPolicy resizePolicy
securityContext runAsUser runAsGroup runAsNonRoot readOnlyRootFilesystem
allowPrivilegeEscalation privileged capabilities add drop procMount seccompProfile
localhostProfile appArmorProfile seLinuxOptions user role level windowsOptions
hostProcess runAsUserName gmsaCredentialSpecName gmsaCredentialSpec fsGroup
fsGroupChangePolicy supplementalGroups supplementalGroupsPolicy sysctls seLinuxChangePolicy
volumes emptyDir medium sizeLimit hostPath configMap secret secretName defaultMode
persistentVolumeClaim claimName projected sources serviceAccountToken audience
expirationSeconds downwardAPI csi driver volumeAttributes nfs server ephemeral
volumeClaimTemplate accessModes storageClassName volumeMode volumeName dataSource
serviceAccountName serviceAccount automountServiceAccountToken nodeSelector nodeName
affinity nodeAffinity podAffinity podAntiAffinity
requiredDuringSchedulingIgnoredDuringExecution
preferredDuringSchedulingIgnoredDuringExecution nodeSelectorTerms podAffinityTerm
labelSelector namespaceSelector namespaces topologyKey weight preference tolerations
effect tolerationSeconds topologySpreadConstraints maxSkew whenUnsatisfiable
hostNetwork hostPID hostIPC hostUsers shareProcessNamespace priorityClassName priority
dnsPolicy dnsConfig hostAliases hostnames hostname subdomain schedulerName
runtimeClassName enableServiceLinks preemptionPolicy imagePullSecrets readinessGates
os overhead setHostnameAsFQDN schedulingGates
clusterIP clusterIPs externalIPs externalName externalTrafficPolicy
internalTrafficPolicy loadBalancerIP loadBalancerSourceRanges sessionAffinity ipFamilies
ipFamilyPolicy publishNotReadyAddresses targetPort nodePort appProtocol
podSelector policyTypes ingress egress from to ipBlock cidr except
rules apiGroups verbs resourceNames nonResourceURLs subjects roleRef apiGroup
aggregationRule clusterRoleSelectors
minAvailable maxUnavailable unhealthyPodEvictionPolicy scaleTargetRef minReplicas
maxReplicas metrics target averageUtilization averageValue behavior
hard scopes scopeSelector limits default defaultRequest max min maxLimitRequestRatio
ingressClassName tls hosts http paths pathType backend service number
app tier component version env team release heritage chart
app.kubernetes.io/name app.kubernetes.io/instance app.kubernetes.io/version
app.kubernetes.io/component app.kubernetes.io/part-of app.kubernetes.io/managed-by
kubernetes.io/metadata.name kubernetes.io/os kubernetes.io/arch kubernetes.io/hostname
pod-security.kubernetes.io/enforce pod-security.kubernetes.io/enforce-version
pod-security.kubernetes.io/audit pod-security.kubernetes.io/warn
v1 apps/v1 batch/v1 networking.k8s.io/v1 rbac.authorization.k8s.io/v1 policy/v1
autoscaling/v2 autoscaling/v1 storage.k8s.io/v1 apiextensions.k8s.io/v1
Pod Deployment StatefulSet DaemonSet ReplicaSet ReplicationController Job CronJob
PodTemplate Service ConfigMap Secret ServiceAccount Namespace ResourceQuota LimitRange
NetworkPolicy Role RoleBinding ClusterRole ClusterRoleBinding PodDisruptionBudget
HorizontalPodAutoscaler Ingress PersistentVolumeClaim PersistentVolume StorageClass
CustomResourceDefinition List
Always IfNotPresent Never OnFailure TCP UDP SCTP ClusterIP NodePort LoadBalancer
ExternalName RuntimeDefault Localhost Unconfined ALL NET_ADMIN NET_RAW SYS_ADMIN
NET_BIND_SERVICE SYS_PTRACE CHOWN Default Unmasked Opaque RollingUpdate Recreate OnDelete
Parallel OrderedReady Forbid Allow Replace Ingress Egress Exists Equal In NotIn
DoesNotExist NoSchedule PreferNoSchedule NoExecute Container File Directory
DirectoryOrCreate FileOrCreate Socket CharDevice BlockDevice ReadWriteOnce ReadOnlyMany
ReadWriteMany ReadWriteOncePod Filesystem Block ClusterFirst ClusterFirstWithHostNet None
Prefix Exact ImplementationSpecific Utilization AverageValue linux windows http https
metrics grpc tcp udp tmp config data cache logs
get list watch create update patch delete deletecollection pods services secrets
configmaps deployments statefulsets daemonsets jobs cronjobs serviceaccounts roles
rolebindings User Group
`

type internedString struct {
	s string
	v any
}

// interned is read only after package initialisation.
var interned = func() map[string]internedString {
	words := strings.Fields(vocabulary)
	m := make(map[string]internedString, len(words))
	for _, w := range words {
		m[w] = internedString{s: w, v: w}
	}
	return m
}()

// intern returns b as a string, shared when it is a common word.
func intern(b []byte) string {
	if len(b) <= 64 {
		if w, ok := interned[string(b)]; ok {
			return w.s
		}
	}
	return string(b)
}

// internValue returns b as a boxed string, shared when it is a common word.
func internValue(b []byte) any {
	if len(b) <= 64 {
		if w, ok := interned[string(b)]; ok {
			return w.v
		}
	}
	return string(b)
}
