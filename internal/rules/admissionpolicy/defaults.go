package admissionpolicy

import (
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// withDefaults returns a copy of a built-in object with the defaults the API server sets
// before admission policies see it, for the fields policies commonly read: a Deployment
// without replicas has one by the time a policy judges it. The values are those of
// k8s.io/kubernetes pkg/apis/{core,apps,batch}/v1/defaults.go (v1.37) and of the
// ServiceAccount admission plugin; fields not listed here are judged as written, so a policy
// reading another defaulted field that the manifest leaves out sees no value (a runtime
// error, which its failurePolicy decides). Kinds not listed are returned as they are.
func withDefaults(obj runtime.Object) runtime.Object {
	switch o := obj.(type) {
	case *corev1.Pod:
		o = o.DeepCopy()
		defaultPodSpec(&o.Spec)
		if o.Spec.ServiceAccountName == "" {
			o.Spec.ServiceAccountName = "default" // the ServiceAccount admission plugin
			o.Spec.DeprecatedServiceAccount = "default"
		}
		if o.Spec.EnableServiceLinks == nil {
			o.Spec.EnableServiceLinks = new(corev1.DefaultEnableServiceLinks)
		}
		for _, cs := range [][]corev1.Container{o.Spec.Containers, o.Spec.InitContainers} {
			for i := range cs {
				requestsFromLimits(&cs[i].Resources)
			}
		}
		return o
	case *appsv1.Deployment:
		o = o.DeepCopy()
		defaultReplicas(&o.Spec.Replicas)
		if o.Spec.Strategy.Type == "" {
			o.Spec.Strategy.Type = appsv1.RollingUpdateDeploymentStrategyType
		}
		defaultInt32(&o.Spec.RevisionHistoryLimit, 10)
		defaultInt32(&o.Spec.ProgressDeadlineSeconds, 600)
		defaultPodSpec(&o.Spec.Template.Spec)
		return o
	case *appsv1.StatefulSet:
		o = o.DeepCopy()
		defaultReplicas(&o.Spec.Replicas)
		if o.Spec.PodManagementPolicy == "" {
			o.Spec.PodManagementPolicy = appsv1.OrderedReadyPodManagement
		}
		if o.Spec.UpdateStrategy.Type == "" {
			o.Spec.UpdateStrategy.Type = appsv1.RollingUpdateStatefulSetStrategyType
		}
		defaultInt32(&o.Spec.RevisionHistoryLimit, 10)
		defaultPodSpec(&o.Spec.Template.Spec)
		return o
	case *appsv1.DaemonSet:
		o = o.DeepCopy()
		if o.Spec.UpdateStrategy.Type == "" {
			o.Spec.UpdateStrategy.Type = appsv1.RollingUpdateDaemonSetStrategyType
		}
		defaultInt32(&o.Spec.RevisionHistoryLimit, 10)
		defaultPodSpec(&o.Spec.Template.Spec)
		return o
	case *appsv1.ReplicaSet:
		o = o.DeepCopy()
		defaultReplicas(&o.Spec.Replicas)
		defaultPodSpec(&o.Spec.Template.Spec)
		return o
	case *corev1.ReplicationController:
		o = o.DeepCopy()
		defaultReplicas(&o.Spec.Replicas)
		if o.Spec.Template != nil {
			defaultPodSpec(&o.Spec.Template.Spec)
		}
		return o
	case *batchv1.Job:
		o = o.DeepCopy()
		defaultJob(&o.Spec)
		return o
	case *batchv1.CronJob:
		o = o.DeepCopy()
		if o.Spec.ConcurrencyPolicy == "" {
			o.Spec.ConcurrencyPolicy = batchv1.AllowConcurrent
		}
		if o.Spec.Suspend == nil {
			o.Spec.Suspend = new(false)
		}
		defaultInt32(&o.Spec.SuccessfulJobsHistoryLimit, 3)
		defaultInt32(&o.Spec.FailedJobsHistoryLimit, 1)
		defaultJob(&o.Spec.JobTemplate.Spec)
		return o
	case *corev1.Service:
		o = o.DeepCopy()
		if o.Spec.Type == "" {
			o.Spec.Type = corev1.ServiceTypeClusterIP
		}
		if o.Spec.SessionAffinity == "" {
			o.Spec.SessionAffinity = corev1.ServiceAffinityNone
		}
		for i := range o.Spec.Ports {
			if o.Spec.Ports[i].Protocol == "" {
				o.Spec.Ports[i].Protocol = corev1.ProtocolTCP
			}
		}
		return o
	}
	return obj
}

func defaultJob(s *batchv1.JobSpec) {
	if s.Completions == nil && s.Parallelism == nil {
		s.Completions, s.Parallelism = new(int32(1)), new(int32(1))
	}
	defaultInt32(&s.Parallelism, 1)
	defaultInt32(&s.BackoffLimit, 6)
	defaultPodSpec(&s.Template.Spec)
}

// defaultPodSpec sets the defaults of a pod spec and of its containers (SetDefaults_PodSpec,
// SetDefaults_Container, SetDefaults_ContainerPort).
func defaultPodSpec(s *corev1.PodSpec) {
	if s.ServiceAccountName == "" {
		s.ServiceAccountName = s.DeprecatedServiceAccount
	}
	s.DeprecatedServiceAccount = s.ServiceAccountName
	if s.DNSPolicy == "" {
		s.DNSPolicy = corev1.DNSClusterFirst
	}
	if s.RestartPolicy == "" {
		s.RestartPolicy = corev1.RestartPolicyAlways
	}
	if s.SecurityContext == nil {
		s.SecurityContext = &corev1.PodSecurityContext{}
	}
	if s.TerminationGracePeriodSeconds == nil {
		s.TerminationGracePeriodSeconds = new(int64(corev1.DefaultTerminationGracePeriodSeconds))
	}
	if s.SchedulerName == "" {
		s.SchedulerName = corev1.DefaultSchedulerName
	}
	for _, cs := range [][]corev1.Container{s.Containers, s.InitContainers} {
		for i := range cs {
			defaultContainer(&cs[i])
		}
	}
}

func defaultContainer(c *corev1.Container) {
	if c.ImagePullPolicy == "" {
		c.ImagePullPolicy = corev1.PullIfNotPresent
		if imageTag(c.Image) == "latest" {
			c.ImagePullPolicy = corev1.PullAlways
		}
	}
	if c.TerminationMessagePath == "" {
		c.TerminationMessagePath = corev1.TerminationMessagePathDefault
	}
	if c.TerminationMessagePolicy == "" {
		c.TerminationMessagePolicy = corev1.TerminationMessageReadFile
	}
	for i := range c.Ports {
		if c.Ports[i].Protocol == "" {
			c.Ports[i].Protocol = corev1.ProtocolTCP
		}
	}
}

// imageTag is the tag of an image reference as the API server reads it: "latest" when it has
// neither tag nor digest, "" when it has a digest and no tag.
func imageTag(image string) string {
	name, _, hasDigest := strings.Cut(image, "@")
	last := name[strings.LastIndexByte(name, '/')+1:]
	if _, tag, ok := strings.Cut(last, ":"); ok {
		return tag
	}
	if hasDigest {
		return ""
	}
	return "latest"
}

// requestsFromLimits copies a container's limits to the requests it does not set, as
// SetDefaults_Pod does for Pods.
func requestsFromLimits(r *corev1.ResourceRequirements) {
	if r.Limits == nil {
		return
	}
	if r.Requests == nil {
		r.Requests = corev1.ResourceList{}
	}
	for k, v := range r.Limits {
		if _, ok := r.Requests[k]; !ok {
			r.Requests[k] = v.DeepCopy()
		}
	}
}

func defaultReplicas(p **int32) { defaultInt32(p, 1) }

func defaultInt32(p **int32, v int32) {
	if *p == nil {
		*p = &v
	}
}
