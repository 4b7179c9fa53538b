package fastyaml

import (
	"hash/maphash"
	"strings"
)

// vocabulary lists the field names and values that most Kubernetes manifests repeat. Decoded
// strings found here share one copy, so that a corpus of manifests does not
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

// internedString is a word of the vocabulary.
type internedString struct {
	s string
}

// wordTable finds a word of the vocabulary by a hash of its length and three of its bytes,
// with linear probing: cheaper than a Go map for the short keys of a manifest. It is read
// only after package initialisation.
type wordTable struct {
	words []internedString
	slots [wordSlots]uint16 // index into words plus one; 0 is empty
}

const wordSlots = 2048

var words = newWordTable(strings.Fields(vocabulary))

func newWordTable(list []string) *wordTable {
	t := &wordTable{}
	for _, w := range list {
		if t.find([]byte(w)) >= 0 {
			continue
		}
		t.words = append(t.words, internedString{s: w})
		h := wordHash([]byte(w))
		for t.slots[h] != 0 {
			h = (h + 1) % wordSlots
		}
		t.slots[h] = uint16(len(t.words))
	}
	return t
}

func wordHash(b []byte) uint32 {
	n := len(b)
	x := uint32(n) | uint32(b[0])<<8 | uint32(b[n-1])<<16 | uint32(b[n/2])<<24
	return (x * 0x9E3779B1) >> (32 - 11) // 11 bits: wordSlots
}

// find returns the index of the word b in t.words, or -1.
func (t *wordTable) find(b []byte) int {
	if len(b) == 0 || len(b) > 64 {
		return -1
	}
	for h := wordHash(b); ; h = (h + 1) % wordSlots {
		i := int(t.slots[h]) - 1
		if i < 0 {
			return -1
		}
		if t.words[i].s == string(b) {
			return i
		}
	}
}

// Canonical returns the decoder's own copy of s when s is a word manifests use all the time
// (a field name, say), else s: a key decoded from a document is then the very same string.
func Canonical(s string) string {
	if i := words.find([]byte(s)); i >= 0 {
		return words.words[i].s
	}
	return s
}

// intern returns b as a string, shared when it is a common word or one of the strings the
// parser made lately.
func (p *parser) intern(b []byte) string {
	if i := words.find(b); i >= 0 {
		return words.words[i].s
	}
	return p.recent.get(b)
}

// internValue returns the node of the string b, shared as intern shares it.
func (p *parser) internValue(b []byte) Node {
	return Node{Str: p.intern(b), Kind: String}
}

// recent remembers the strings a decoder made lately, one for each of its slots (by hash), so
// that the strings documents repeat beyond the vocabulary (their namespace, images, label
// values, environment variables) are made once and shared rather than once per document.
type recent struct {
	seed  maphash.Seed
	slots [recentSlots]string
}

const (
	recentSlots = 4096
	// recentLength bounds the strings remembered: longer ones are seldom repeated.
	recentLength = 64
)

func newRecent() *recent { return &recent{seed: maphash.MakeSeed()} }

// get returns b as a string, the one made last time when it is remembered.
func (r *recent) get(b []byte) string {
	if r == nil || len(b) > recentLength {
		return string(b)
	}
	slot := &r.slots[maphash.Bytes(r.seed, b)%recentSlots]
	if *slot != string(b) {
		*slot = string(b)
	}
	return *slot
}

// Intern returns b as a string: the decoder's own copy when b is a word manifests use all the
// time (a field name, say), else a new one.
func Intern(b []byte) string {
	if i := words.find(b); i >= 0 {
		return words.words[i].s
	}
	return string(b)
}
