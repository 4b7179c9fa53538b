package pss

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/pod-security-admission/policy"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
)

// checkField says where, in a pod, the field that a Pod Security Standards check restricts is
// (the "Restricted Fields" of each check in k8s.io/pod-security-admission policy/check_*.go).
type checkField struct {
	// container is the field below a container ("" for the container itself).
	container string
	// pod is the field below the pod spec ("" when the check has no pod-level field).
	pod string
	// podCovers is true when a pod-level value covers the containers that leave the field
	// unset, so that several offending containers are best fixed at the pod.
	podCovers bool
	// perVolume is true for checks that judge volumes one by one; volume is then the field
	// below an offending volume ("" for the volume itself).
	perVolume bool
	volume    string
}

// checkFields maps check IDs to their fields. It is a constant table.
var checkFields = map[policy.CheckID]checkField{
	"privileged":                 {container: "securityContext.privileged"},
	"allowPrivilegeEscalation":   {container: "securityContext.allowPrivilegeEscalation"},
	"capabilities_baseline":      {container: "securityContext.capabilities.add"},
	"capabilities_restricted":    {container: "securityContext.capabilities"},
	"hostPorts":                  {container: "ports"},
	"hostProbesAndHostLifecycle": {container: ""},
	"procMount":                  {container: "securityContext.procMount"},
	"procMount_restricted":       {container: "securityContext.procMount"},
	"runAsNonRoot":               {container: "securityContext.runAsNonRoot", pod: "securityContext.runAsNonRoot", podCovers: true},
	"runAsUser":                  {container: "securityContext.runAsUser", pod: "securityContext.runAsUser"},
	"seccompProfile_baseline":    {container: "securityContext.seccompProfile.type", pod: "securityContext.seccompProfile.type"},
	"seccompProfile_restricted":  {container: "securityContext.seccompProfile", pod: "securityContext.seccompProfile", podCovers: true},
	"seLinuxOptions":             {container: "securityContext.seLinuxOptions", pod: "securityContext.seLinuxOptions"},
	"appArmorProfile":            {container: "securityContext.appArmorProfile.type", pod: "securityContext.appArmorProfile.type"},
	"windowsHostProcess":         {container: "securityContext.windowsOptions.hostProcess", pod: "securityContext.windowsOptions.hostProcess"},
	"sysctls":                    {pod: "securityContext.sysctls"},
	"hostNamespaces":             {},
	"hostPathVolumes":            {pod: "volumes", volume: "hostPath", perVolume: true},
	"restrictedVolumes":          {pod: "volumes", perVolume: true},
}

// location is where a failure is: the field path, and the container when one container alone
// is at fault.
type location struct {
	path      string
	container string
	// field is true when path is the very field the check restricts, not a parent common to
	// several fields, containers or volumes.
	field bool
}

// locator finds the most specific field that makes a check fail. It does not re-implement the
// checks: it evaluates the failing check again on parts of the pod (the pod-level fields alone,
// one annotation, one container, one volume) and keeps the parts that fail on their own.
type locator struct {
	tmpl inventory.PodTemplate
	meta *metav1.ObjectMeta
	spec *corev1.PodSpec // as stored by the API server
	// bareMeta, podOnly and refs are the parts locate evaluates, made when a check first
	// fails: most pods pass most checks.
	bareMeta *metav1.ObjectMeta
	podOnly  *corev1.PodSpec
	refs     []containerRef
	// part is where only and podLevel put the part of the pod they have a check evaluate:
	// a check reads a pod and keeps nothing of it, so one serves every part in turn.
	part *corev1.PodSpec
}

type containerRef struct {
	list  string
	index int
	name  string
}

func newLocator(tmpl inventory.PodTemplate, spec *corev1.PodSpec) *locator {
	l := &locator{tmpl: tmpl, meta: tmpl.Meta, spec: spec}
	if l.meta == nil {
		l.meta = &metav1.ObjectMeta{}
	}
	return l
}

// parts makes the pod's parts that locate evaluates, once.
func (l *locator) parts() {
	if l.podOnly != nil {
		return
	}
	spec := l.spec
	bare := *l.meta
	bare.Annotations = nil
	l.bareMeta = &bare
	podOnly := *spec
	podOnly.InitContainers, podOnly.Containers, podOnly.EphemeralContainers = nil, nil, nil
	l.podOnly = &podOnly
	l.part = new(corev1.PodSpec)
	l.refs = make([]containerRef, 0, len(spec.InitContainers)+len(spec.Containers)+len(spec.EphemeralContainers))
	for i, c := range spec.InitContainers {
		l.refs = append(l.refs, containerRef{"initContainers", i, c.Name})
	}
	for i, c := range spec.Containers {
		l.refs = append(l.refs, containerRef{"containers", i, c.Name})
	}
	for i, c := range spec.EphemeralContainers {
		l.refs = append(l.refs, containerRef{"ephemeralContainers", i, c.Name})
	}
}

func (l *locator) locate(c check) location {
	if c.Pod == nil {
		return location{path: l.tmpl.SpecPath}
	}
	l.parts()
	fails := func(m *metav1.ObjectMeta, s *corev1.PodSpec) bool { return !c.Pod(m, s).Allowed }
	field := checkFields[c.ID]
	if fails(l.bareMeta, l.podOnly) {
		path, exact := l.podLevel(c.ID, field, fails)
		return location{path: path, field: exact}
	}
	if len(l.meta.Annotations) > 0 && !fails(l.bareMeta, l.spec) {
		path, exact := l.annotation(fails)
		return location{path: path, field: exact}
	}
	offenders := l.refs
	if len(l.refs) > 1 {
		offenders = slices.DeleteFunc(slices.Clone(l.refs), func(r containerRef) bool { return !fails(l.bareMeta, l.only(r)) })
	}
	switch {
	case len(offenders) == 1:
		path := l.containerField(offenders[0], c.ID, field)
		return location{path: path, container: offenders[0].name, field: field.container != "" && !strings.HasSuffix(path, "securityContext.capabilities")}
	case len(offenders) > 1 && field.podCovers:
		return location{path: join(l.tmpl.SpecPath, field.pod), field: true}
	case len(offenders) > 1:
		paths := make([]string, len(offenders))
		for i, r := range offenders {
			paths[i] = l.containerField(r, c.ID, field)
		}
		return location{path: commonPrefix(paths)}
	}
	return location{path: l.tmpl.SpecPath}
}

// podLevel locates a failure that the pod-level fields cause on their own, and says whether the
// path is the one field at fault.
func (l *locator) podLevel(id policy.CheckID, field checkField, fails func(*metav1.ObjectMeta, *corev1.PodSpec) bool) (string, bool) {
	spec := l.tmpl.SpecPath
	switch {
	case id == "hostNamespaces":
		var set []string
		for _, f := range []struct {
			name string
			on   bool
		}{{"hostNetwork", l.spec.HostNetwork}, {"hostPID", l.spec.HostPID}, {"hostIPC", l.spec.HostIPC}} {
			if f.on {
				set = append(set, f.name)
			}
		}
		if len(set) == 1 {
			return join(spec, set[0]), true
		}
		return spec, false
	case field.perVolume:
		var bad []int
		for i := range l.spec.Volumes {
			one := l.part
			*one = *l.podOnly
			one.Volumes = l.spec.Volumes[i : i+1]
			if fails(l.bareMeta, one) {
				bad = append(bad, i)
			}
		}
		if len(bad) == 1 {
			volume := field.volume
			if volume == "" {
				volume = volumeType(l.spec.Volumes[bad[0]])
			}
			return join(fmt.Sprintf("%s.volumes[%d]", spec, bad[0]), volume), volume != ""
		}
		return join(spec, field.pod), false
	}
	return join(spec, field.pod), field.pod != ""
}

// volumeType is the field of a volume's source (hostPath, nfs ...), its one member besides
// the name: the field a volume type check restricts.
func volumeType(v corev1.Volume) string {
	b, err := json.Marshal(v.VolumeSource)
	if err != nil {
		return ""
	}
	var source map[string]json.RawMessage
	if json.Unmarshal(b, &source) != nil || len(source) != 1 {
		return ""
	}
	for k := range source {
		return k
	}
	return ""
}

// annotation locates a failure caused by the pod's annotations (the AppArmor and, before
// v1.19, seccomp annotations), and says whether it is one annotation.
func (l *locator) annotation(fails func(*metav1.ObjectMeta, *corev1.PodSpec) bool) (string, bool) {
	keys := make([]string, 0, len(l.meta.Annotations))
	for k := range l.meta.Annotations {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var bad []string
	for _, k := range keys {
		m := *l.bareMeta
		m.Annotations = map[string]string{k: l.meta.Annotations[k]}
		if fails(&m, l.spec) {
			bad = append(bad, k)
		}
	}
	annotations := join(l.tmpl.MetaPath, "annotations")
	if len(bad) == 1 {
		return annotations + "[" + bad[0] + "]", true
	}
	return annotations, false
}

// only returns the pod with one container and every pod-level field, in l.part: valid until
// the next part is made.
func (l *locator) only(r containerRef) *corev1.PodSpec {
	s := l.part
	*s = *l.podOnly
	switch r.list {
	case "initContainers":
		s.InitContainers = l.spec.InitContainers[r.index : r.index+1]
	case "containers":
		s.Containers = l.spec.Containers[r.index : r.index+1]
	case "ephemeralContainers":
		s.EphemeralContainers = l.spec.EphemeralContainers[r.index : r.index+1]
	}
	return s
}

func (l *locator) containerPath(r containerRef) string {
	return l.tmpl.SpecPath + "." + r.list + "[" + strconv.Itoa(r.index) + "]"
}

// containerField is the restricted field of one container; for host ports, the one port that
// sets hostPort when there is only one.
func (l *locator) containerField(r containerRef, id policy.CheckID, field checkField) string {
	base := l.containerPath(r)
	if id == "capabilities_restricted" {
		// Two fields fail it: drop without ALL, and add with more than NET_BIND_SERVICE. Name
		// the one at fault, or their parent when both are.
		return join(base, capabilitiesField(l.container(r).SecurityContext))
	}
	if id == "hostPorts" {
		var ports []corev1.ContainerPort
		switch r.list {
		case "initContainers":
			ports = l.spec.InitContainers[r.index].Ports
		case "containers":
			ports = l.spec.Containers[r.index].Ports
		case "ephemeralContainers":
			ports = l.spec.EphemeralContainers[r.index].Ports
		}
		var set []int
		for j, p := range ports {
			if p.HostPort != 0 {
				set = append(set, j)
			}
		}
		if len(set) == 1 {
			return fmt.Sprintf("%s.ports[%d].hostPort", base, set[0])
		}
	}
	return join(base, field.container)
}

// container returns the container a reference names.
func (l *locator) container(r containerRef) *corev1.Container {
	switch r.list {
	case "initContainers":
		return &l.spec.InitContainers[r.index]
	case "ephemeralContainers":
		c := corev1.Container(l.spec.EphemeralContainers[r.index].EphemeralContainerCommon)
		return &c
	}
	return &l.spec.Containers[r.index]
}

// capabilitiesField is the field of a container's capabilities that fails the restricted
// level: capabilities.drop when it lacks ALL, capabilities.add when it adds more than
// NET_BIND_SERVICE, capabilities when both do.
func capabilitiesField(sc *corev1.SecurityContext) string {
	var caps *corev1.Capabilities
	if sc != nil {
		caps = sc.Capabilities
	}
	if caps == nil {
		return "securityContext.capabilities.drop"
	}
	dropsAll := slices.Contains(caps.Drop, "ALL")
	addsMore := slices.ContainsFunc(caps.Add, func(c corev1.Capability) bool { return c != "NET_BIND_SERVICE" })
	switch {
	case !dropsAll && addsMore:
		return "securityContext.capabilities"
	case addsMore:
		return "securityContext.capabilities.add"
	}
	return "securityContext.capabilities.drop"
}

func join(path, field string) string {
	switch {
	case field == "":
		return path
	case path == "":
		return field
	}
	return path + "." + field
}

// commonPrefix returns the longest field path that every path starts with.
func commonPrefix(paths []string) string { return finding.CommonPath(paths) }
