package testcorpus

import (
	"fmt"
	"strings"
)

// Vocabulary the objects are made of: what a platform of a few dozen teams runs.
var (
	teams    = []string{"payments", "search", "identity", "billing", "platform", "data", "ml", "web", "mobile", "ops", "risk", "growth", "infra", "edge"}
	stages   = []string{"dev", "staging", "prod", "qa", "sandbox"}
	appNames = []string{"api", "worker", "frontend", "gateway", "cache", "db", "scheduler", "indexer", "exporter", "proxy", "auth", "queue", "notifier", "ingest", "reporter", "sync", "crawler", "router", "ledger", "mailer"}
	// images are repositories with the tags they are released under.
	images = []struct {
		repo string
		tags []string
	}{
		{"nginx", []string{"1.25.3", "1.27.0-alpine", "stable"}},
		{"redis", []string{"7.2.4", "7.0-alpine"}},
		{"postgres", []string{"16.2", "15.6-bookworm"}},
		{"python", []string{"3.12-slim", "3.11.8"}},
		{"golang", []string{"1.22", "1.21.7-alpine"}},
		{"busybox", []string{"1.36.1", "1.36"}},
		{"envoyproxy/envoy", []string{"v1.29.1", "v1.28-latest"}},
		{"prom/node-exporter", []string{"v1.7.0"}},
		{"grafana/grafana", []string{"10.3.3"}},
		{"bitnami/kafka", []string{"3.6.1"}},
		{"library/memcached", []string{"1.6.23"}},
		{"eclipse-temurin", []string{"21-jre", "17.0.10_7-jdk"}},
		{"node", []string{"20.11.1-alpine", "18-bullseye"}},
	}
	registries   = []string{"", "", "docker.io/", "ghcr.io/acme/", "gcr.io/acme-prod/", "registry.internal.example.com:5000/", "quay.io/acme/"}
	riskyCaps    = []string{"NET_ADMIN", "SYS_ADMIN", "SYS_PTRACE", "NET_RAW", "ALL", "SYS_MODULE", "DAC_OVERRIDE", "SETUID"}
	hostPaths    = []string{"/var/run/docker.sock", "/", "/etc", "/var/log", "/proc", "/var/lib/kubelet", "/run/containerd/containerd.sock", "/dev"}
	envNames     = []string{"LOG_LEVEL", "PORT", "GOMAXPROCS", "JAVA_OPTS", "DB_HOST", "DB_PORT", "DB_NAME", "CACHE_TTL", "FEATURE_FLAGS", "REGION", "OTEL_EXPORTER_OTLP_ENDPOINT", "HTTP_TIMEOUT", "WORKERS", "QUEUE_URL", "SENTRY_DSN", "TZ", "LANG", "MAX_CONNS", "RETRY_BACKOFF", "METRICS_PORT", "UPSTREAM_URL", "APP_MODE"}
	envValues    = []string{"info", "8080", "2", "-Xmx512m -XX:+UseG1GC", "db.internal", "5432", "30s", "true", "eu-west-1", "http://otel-collector.observability:4317", "UTC", "C.UTF-8", "100", "a,b,c", "1.5", "off"}
	secretNames  = []string{"DB_PASSWORD", "API_TOKEN", "AWS_SECRET_ACCESS_KEY", "STRIPE_KEY", "JWT_SIGNING_KEY"}
	chartAuthors = []string{"Helm", "kustomize", "argocd", "kubectl"}
)

// problem is one security or hygiene problem a workload may be given.
type problem uint8

const (
	runsAsRoot problem = iota
	noRunAsNonRoot
	writableRootFS
	privilegeEscalation
	privileged
	addedCapabilities
	capabilitiesNotDropped
	seccompUnconfined
	seccompMissing
	appArmorUnconfined
	seLinuxType
	hostNetwork
	hostPID
	hostIPC
	hostPath
	hostPort
	noResources
	noLimits
	latestTag
	untaggedImage
	noProbes
	automountedToken
	defaultServiceAccount
	unmaskedProc
	pullPolicy
	literalSecret
	problemCount
)

// problems is the set of problems of one workload.
type problems uint32

func (p problems) has(x problem) bool { return p&(1<<x) != 0 }

// looks are how one object is written: chart authors differ in what they quote, what they
// write in flow style and whether they use anchors.
type looks struct {
	quote   float64 // share of plain-safe strings written quoted anyway
	flow    float64 // share of small maps and lists written in flow style
	anchors bool    // labels, resources and probes shared through anchors and aliases
	notes   bool    // comments beside fields
}

// gen builds the objects of a corpus.
type gen struct {
	r     *source
	looks looks
}

// restyle picks the looks of the next object.
func (g *gen) restyle(anchorsAllowed bool) {
	g.looks = looks{
		quote:   pick(g.r, []float64{0, 0, 0.1, 0.5, 1}),
		flow:    pick(g.r, []float64{0, 0, 0.2, 0.6}),
		anchors: anchorsAllowed && g.r.chance(0.05),
		notes:   g.r.chance(0.25),
	}
}

// s is a string as this object's author writes it: plain, or quoted in either style.
func (g *gen) s(v string) any {
	if g.looks.quote == 0 || !g.r.chance(g.looks.quote) {
		return v
	}
	if g.r.chance(0.7) {
		return styled{v, styleDouble}
	}
	return styled{v, styleSingle}
}

// small returns a small map or list in flow style or block style, as the author writes it.
func (g *gen) small(v any) any {
	if g.looks.flow > 0 && g.r.chance(g.looks.flow) {
		return flow{v}
	}
	return v
}

// note sets a comment above key, when this author writes comments.
func (g *gen) note(m mapping, key, text string) {
	if g.looks.notes {
		m.comment(key, text)
	}
}

func object(apiVersion, kind string, meta mapping) mapping {
	return mapping{{key: "apiVersion", value: apiVersion}, {key: "kind", value: kind}, {key: "metadata", value: meta}}
}

func (g *gen) meta(name, namespace string, labels, annotations mapping) mapping {
	m := mapping{{key: "name", value: g.s(name)}}
	if namespace != "" {
		m.add("namespace", g.s(namespace))
	}
	if len(labels) > 0 {
		m.add("labels", labels)
	}
	if len(annotations) > 0 {
		m.add("annotations", annotations)
	}
	return m
}

// app is one application of a namespace: what its objects share.
type app struct {
	name, namespace, team, stage string
	selector                     mapping
	problems                     problems
	serviceAccount               string
}

func (g *gen) pickProblems() problems {
	if g.r.chance(0.33) {
		return 0 // hardened
	}
	var p problems
	for range pick(g.r, []int{1, 1, 2, 2, 3, 4, 5}) {
		p |= 1 << problem(g.r.intn(int(problemCount)))
	}
	return p
}

func (g *gen) image(a *app) any {
	img := pick(g.r, images)
	ref := pick(g.r, registries) + img.repo
	switch {
	case a.problems.has(latestTag):
		ref += ":latest"
	case a.problems.has(untaggedImage):
	case g.r.chance(0.15):
		ref += "@sha256:" + g.r.hex(64)
	default:
		ref += ":" + pick(g.r, img.tags)
	}
	return g.s(ref)
}

// resources returns a container's resources, or nil when it sets none.
func (g *gen) resources(a *app) any {
	if a.problems.has(noResources) {
		if g.r.chance(0.3) {
			return mapping{}
		}
		return nil
	}
	cpus := []string{"50m", "100m", "250m", "500m", "1", "2"}
	mems := []string{"64Mi", "128Mi", "256Mi", "512Mi", "1Gi", "2Gi"}
	ci, mi := g.r.intn(4), g.r.intn(4)
	res := mapping{{key: "requests", value: g.small(mapping{{key: "cpu", value: g.s(cpus[ci])}, {key: "memory", value: g.s(mems[mi])}})}}
	if !a.problems.has(noLimits) {
		limits := mapping{{key: "cpu", value: g.s(cpus[g.r.between(ci, 5)])}, {key: "memory", value: g.s(mems[g.r.between(mi, 5)])}}
		if g.r.chance(0.2) {
			limits.add("ephemeral-storage", "1Gi")
		}
		res.add("limits", g.small(limits))
	}
	return res
}

func (g *gen) env(a *app, index int) sequence {
	var env sequence
	for i := range g.r.between(3, 14) {
		name := envNames[(i*7+index)%len(envNames)]
		if g.r.chance(0.15) {
			env = append(env, mapping{{key: "name", value: name}, {key: "valueFrom", value: mapping{{key: "configMapKeyRef", value: g.small(mapping{
				{key: "name", value: a.name + "-config"}, {key: "key", value: strings.ToLower(name)}})}}}})
			continue
		}
		env = append(env, g.small(mapping{{key: "name", value: name}, {key: "value", value: g.s(pick(g.r, envValues))}}))
	}
	if a.problems.has(literalSecret) && index == 0 {
		env = append(env, mapping{{key: "name", value: pick(g.r, secretNames)}, {key: "value", value: styled{"s3cr3t-" + g.r.hex(12), styleDouble}}})
	} else if g.r.chance(0.5) {
		env = append(env, mapping{{key: "name", value: pick(g.r, secretNames)}, {key: "valueFrom", value: mapping{{key: "secretKeyRef", value: mapping{
			{key: "name", value: a.name + "-secrets"}, {key: "key", value: "value"}}}}}})
	}
	if g.r.chance(0.3) {
		for _, f := range [][2]string{{"POD_NAME", "metadata.name"}, {"POD_IP", "status.podIP"}} {
			env = append(env, mapping{{key: "name", value: f[0]}, {key: "valueFrom", value: mapping{{key: "fieldRef", value: g.small(mapping{{key: "fieldPath", value: f[1]}})}}}})
		}
	}
	return env
}

// probes adds liveness, readiness and sometimes startup probes; with anchors, the readiness
// probe repeats the liveness probe's handler.
func (g *gen) probes(c *mapping, port, index int) {
	var handler mapping
	switch g.r.intn(3) {
	case 0:
		handler = mapping{{key: "httpGet", value: g.small(mapping{{key: "path", value: "/healthz"}, {key: "port", value: port}})}}
	case 1:
		handler = mapping{{key: "tcpSocket", value: g.small(mapping{{key: "port", value: port}})}}
	default:
		handler = mapping{{key: "exec", value: mapping{{key: "command", value: g.small(sequence{"/bin/sh", "-c", "pg_isready -q"})}}}}
	}
	liveness := append(append(mapping{}, handler...), field{key: "initialDelaySeconds", value: 10}, field{key: "periodSeconds", value: 10}, field{key: "failureThreshold", value: 3})
	if g.looks.anchors {
		name := fmt.Sprintf("probe%d", index)
		c.add("livenessProbe", anchored{name, liveness})
		c.add("readinessProbe", mapping{{key: "<<", value: alias{name, liveness}}, {key: "periodSeconds", value: 5}, {key: "timeoutSeconds", value: 2}})
	} else {
		c.add("livenessProbe", liveness)
		readiness := append(append(mapping{}, handler...), field{key: "periodSeconds", value: 5}, field{key: "timeoutSeconds", value: 2})
		if handler.get("httpGet") != nil {
			readiness[0] = field{key: "httpGet", value: g.small(mapping{{key: "path", value: "/ready"}, {key: "port", value: port}})}
		}
		c.add("readinessProbe", readiness)
	}
	if g.r.chance(0.2) {
		c.add("startupProbe", append(append(mapping{}, handler...), field{key: "failureThreshold", value: 30}, field{key: "periodSeconds", value: 5}))
	}
}

func (g *gen) securityContext(a *app, index int) mapping {
	p := a.problems
	var sc mapping
	if p.has(privileged) {
		sc.add("privileged", true)
	}
	if !p.has(privilegeEscalation) {
		sc.add("allowPrivilegeEscalation", false)
	} else if g.r.chance(0.5) {
		sc.add("allowPrivilegeEscalation", true)
	}
	if !p.has(writableRootFS) {
		sc.add("readOnlyRootFilesystem", true)
	} else if g.r.chance(0.5) {
		sc.add("readOnlyRootFilesystem", false)
	}
	switch {
	case p.has(runsAsRoot) && g.r.chance(0.5):
		sc.add("runAsUser", 0)
	case p.has(runsAsRoot):
		sc.add("runAsNonRoot", false)
	case !p.has(noRunAsNonRoot):
		sc.add("runAsNonRoot", true)
		sc.add("runAsUser", pick(g.r, []int{1000, 10001, 65532, 12345}))
		sc.add("runAsGroup", pick(g.r, []int{1000, 3000, 65532}))
	}
	var caps mapping
	if p.has(addedCapabilities) {
		var add sequence
		for range g.r.between(1, 3) {
			c := pick(g.r, riskyCaps)
			if !contains(add, c) {
				add = append(add, c)
			}
		}
		caps.add("add", g.small(add))
	}
	if !p.has(capabilitiesNotDropped) {
		caps.add("drop", g.small(sequence{g.s("ALL")}))
	} else if g.r.chance(0.5) {
		caps.add("drop", g.small(sequence{"NET_RAW"}))
	}
	if len(caps) > 0 {
		sc.add("capabilities", caps)
	}
	if p.has(seccompUnconfined) {
		sc.add("seccompProfile", g.small(mapping{{key: "type", value: "Unconfined"}}))
	} else if index > 0 && g.r.chance(0.3) {
		sc.add("seccompProfile", g.small(mapping{{key: "type", value: "RuntimeDefault"}}))
	}
	if p.has(appArmorUnconfined) && g.r.chance(0.5) {
		sc.add("appArmorProfile", g.small(mapping{{key: "type", value: "Unconfined"}}))
	}
	if p.has(unmaskedProc) {
		sc.add("procMount", "Unmasked")
	}
	return sc
}

func contains(s sequence, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// container builds container number index of a pod; init containers wait for a database.
func (g *gen) container(a *app, name string, index int, init bool, res any) mapping {
	c := mapping{{key: "name", value: name}, {key: "image", value: g.image(a)}}
	policy := pick(g.r, []string{"IfNotPresent", "Always"})
	if a.problems.has(pullPolicy) && g.r.chance(0.5) {
		policy = "Never"
	}
	c.add("imagePullPolicy", g.s(policy))
	port := 8080 + index
	switch {
	case init:
		c.add("command", g.small(sequence{"sh", "-c"}))
		c.add("args", sequence{styled{fmt.Sprintf("until nc -z %s-db 5432; do\n  echo waiting for the database\n  sleep 2\ndone\n", a.name), styleLiteral}})
	case g.r.chance(0.5):
		c.add("command", g.small(sequence{"/bin/" + strings.SplitN(a.name, "-", 2)[0]}))
		c.add("args", g.small(sequence{fmt.Sprintf("--port=%d", port), "--log-format=json", g.s("--config=/etc/" + a.name + "/config.yaml")}))
	}
	if !init {
		first := mapping{{key: "name", value: portName(index)}, {key: "containerPort", value: port}, {key: "protocol", value: "TCP"}}
		if a.problems.has(hostPort) && index == 0 {
			first.add("hostPort", port)
		}
		ports := sequence{g.small(first)}
		if g.r.chance(0.4) {
			ports = append(ports, g.small(mapping{{key: "name", value: fmt.Sprintf("metrics-%d", index)}, {key: "containerPort", value: 9090 + index}, {key: "protocol", value: "TCP"}}))
		}
		c.add("ports", ports)
	}
	c.add("env", g.env(a, index))
	if g.r.chance(0.25) {
		c.add("envFrom", sequence{mapping{{key: "configMapRef", value: g.small(mapping{{key: "name", value: a.name + "-config"}})}}})
	}
	if res != nil {
		c.add("resources", res)
	}
	if !init && !a.problems.has(noProbes) {
		g.probes(&c, port, index)
	}
	mounts := sequence{
		g.small(mapping{{key: "name", value: "config"}, {key: "mountPath", value: "/etc/" + a.name}, {key: "readOnly", value: true}}),
		g.small(mapping{{key: "name", value: "tmp"}, {key: "mountPath", value: "/tmp"}}),
	}
	if a.problems.has(hostPath) && index == 0 {
		mounts = append(mounts, mapping{{key: "name", value: "host"}, {key: "mountPath", value: "/host"}})
	}
	c.add("volumeMounts", mounts)
	if sc := g.securityContext(a, index); len(sc) > 0 || g.r.chance(0.5) {
		c.add("securityContext", sc)
		g.note(c, "securityContext", "Hardened per the platform baseline; see the security review.")
	}
	return c
}

func portName(index int) string {
	if index == 0 {
		return "http"
	}
	return fmt.Sprintf("http-%d", index)
}

// podSpec builds a pod's spec and returns it with its main container's name.
func (g *gen) podSpec(a *app, restartPolicy string) (mapping, string) {
	p := a.problems
	var spec mapping
	if !p.has(defaultServiceAccount) && a.serviceAccount != "" {
		spec.add("serviceAccountName", a.serviceAccount)
	}
	if !p.has(automountedToken) {
		spec.add("automountServiceAccountToken", false)
	} else if g.r.chance(0.5) {
		spec.add("automountServiceAccountToken", true)
	}
	for _, h := range []struct {
		p     problem
		field string
	}{{hostNetwork, "hostNetwork"}, {hostPID, "hostPID"}, {hostIPC, "hostIPC"}} {
		if p.has(h.p) {
			spec.add(h.field, true)
		}
	}
	if p.has(hostNetwork) {
		spec.add("dnsPolicy", "ClusterFirstWithHostNet")
	}
	if psc := g.podSecurityContext(a); len(psc) > 0 {
		spec.add("securityContext", psc)
	}
	// With anchors, every container shares the first one's resources.
	res := g.resources(a)
	if g.looks.anchors && res != nil {
		res = anchored{"resources", res}
	}
	shared := func() any {
		if a, ok := res.(anchored); ok {
			return alias{a.name, a.v}
		}
		return g.resources(a)
	}
	if g.r.chance(0.3) {
		// Its own resources: an alias may not come before its anchor.
		spec.add("initContainers", sequence{g.container(a, "wait-for-db", 9, true, g.resources(a))})
	}
	names := append([]string{strings.SplitN(a.name, "-", 2)[0]}, "sidecar-envoy", "sidecar-log", "sidecar-metrics")
	containers := sequence{g.container(a, names[0], 0, false, res)}
	count := pick(g.r, []int{1, 1, 1, 2, 2, 3, 4})
	for i := 1; i < count; i++ {
		containers = append(containers, g.container(a, names[i], i, false, shared()))
	}
	spec.add("containers", containers)
	tmp := mapping{}
	if g.r.chance(0.5) {
		tmp.add("sizeLimit", "256Mi")
	}
	volumes := sequence{
		mapping{{key: "name", value: "config"}, {key: "configMap", value: g.small(mapping{{key: "name", value: a.name + "-config"}})}},
		mapping{{key: "name", value: "tmp"}, {key: "emptyDir", value: g.small(tmp)}},
	}
	if p.has(hostPath) {
		volumes = append(volumes, mapping{{key: "name", value: "host"}, {key: "hostPath", value: mapping{
			{key: "path", value: g.s(pick(g.r, hostPaths))}, {key: "type", value: g.s(pick(g.r, []string{"Directory", "Socket", ""}))}}}})
	}
	if g.r.chance(0.3) {
		volumes = append(volumes, mapping{{key: "name", value: "secrets"}, {key: "secret", value: mapping{{key: "secretName", value: a.name + "-secrets"}, {key: "defaultMode", value: 256}}}})
	}
	if g.r.chance(0.15) {
		volumes = append(volumes, mapping{{key: "name", value: "token"}, {key: "projected", value: mapping{{key: "sources", value: sequence{mapping{{key: "serviceAccountToken", value: mapping{
			{key: "path", value: "token"}, {key: "expirationSeconds", value: 3600}, {key: "audience", value: "vault"}}}}}}}}})
	}
	spec.add("volumes", volumes)
	if restartPolicy != "" {
		spec.add("restartPolicy", restartPolicy)
	}
	if g.r.chance(0.3) {
		spec.add("nodeSelector", g.small(mapping{{key: "kubernetes.io/os", value: "linux"}, {key: "node.kubernetes.io/pool", value: pick(g.r, []string{"general", "highmem", "spot"})}}))
	}
	if g.r.chance(0.2) {
		spec.add("tolerations", sequence{g.small(mapping{{key: "key", value: "dedicated"}, {key: "operator", value: "Equal"}, {key: "value", value: g.s(a.namespace)}, {key: "effect", value: "NoSchedule"}})})
	}
	if g.r.chance(0.2) {
		spec.add("affinity", mapping{{key: "podAntiAffinity", value: mapping{{key: "preferredDuringSchedulingIgnoredDuringExecution", value: sequence{mapping{
			{key: "weight", value: 100}, {key: "podAffinityTerm", value: mapping{
				{key: "labelSelector", value: mapping{{key: "matchLabels", value: g.small(mapping{{key: "app.kubernetes.io/name", value: a.name}})}}},
				{key: "topologyKey", value: "kubernetes.io/hostname"}}}}}}}}})
	}
	if g.r.chance(0.3) {
		spec.add("priorityClassName", pick(g.r, []string{"high", "batch", "system-node-critical"}))
	}
	spec.add("terminationGracePeriodSeconds", pick(g.r, []int{10, 30, 60}))
	return spec, names[0]
}

func (g *gen) podSecurityContext(a *app) mapping {
	p := a.problems
	var psc mapping
	switch {
	case !p.has(runsAsRoot) && !p.has(noRunAsNonRoot):
		psc.add("runAsNonRoot", true)
		psc.add("runAsUser", 10001)
		psc.add("fsGroup", 2000)
	case p.has(runsAsRoot) && g.r.chance(0.3):
		psc.add("runAsUser", 0)
	}
	switch {
	case !p.has(seccompMissing) && !p.has(seccompUnconfined):
		if g.r.chance(0.8) {
			psc.add("seccompProfile", g.small(mapping{{key: "type", value: "RuntimeDefault"}}))
		} else {
			psc.add("seccompProfile", mapping{{key: "type", value: "Localhost"}, {key: "localhostProfile", value: "profiles/" + a.name + ".json"}})
		}
	case p.has(seccompUnconfined) && g.r.chance(0.5):
		psc.add("seccompProfile", g.small(mapping{{key: "type", value: "Unconfined"}}))
	}
	if p.has(seLinuxType) {
		psc.add("seLinuxOptions", g.small(pick(g.r, []mapping{{{key: "type", value: "spc_t"}}, {{key: "user", value: "system_u"}, {key: "role", value: "system_r"}}, {{key: "type", value: "container_kernel_t"}}})))
	} else if g.r.chance(0.15) {
		psc.add("seLinuxOptions", mapping{{key: "level", value: styled{fmt.Sprintf("s0:c%d,c%d", g.r.between(0, 500), g.r.between(501, 1023)), styleDouble}}})
	}
	if !p.has(appArmorUnconfined) && g.r.chance(0.3) {
		psc.add("appArmorProfile", g.small(mapping{{key: "type", value: "RuntimeDefault"}}))
	}
	if !p.has(runsAsRoot) && g.r.chance(0.1) {
		psc.add("supplementalGroups", g.small(sequence{4000, 5000}))
	}
	return psc
}

// podTemplate builds a pod template: labels (an alias of the object's labels when the
// author uses anchors), annotations and spec.
func (g *gen) podTemplate(a *app, restartPolicy string, labels any) mapping {
	spec, main := g.podSpec(a, restartPolicy)
	var ann mapping
	switch {
	case a.problems.has(appArmorUnconfined):
		ann.add("container.apparmor.security.beta.kubernetes.io/"+main, "unconfined")
	case g.r.chance(0.2):
		ann.add("container.apparmor.security.beta.kubernetes.io/"+main, "runtime/default")
	}
	if g.r.chance(0.3) {
		ann.add("prometheus.io/scrape", g.s("true"))
		ann.add("prometheus.io/port", g.s("9090"))
	}
	if g.r.chance(0.2) {
		ann.add("checksum/config", g.r.hex(64))
	}
	meta := mapping{{key: "labels", value: labels}}
	if len(ann) > 0 {
		meta.add("annotations", ann)
	}
	return mapping{{key: "metadata", value: meta}, {key: "spec", value: spec}}
}

func (g *gen) labels(a *app) mapping {
	return mapping{
		{key: "app.kubernetes.io/name", value: a.name},
		{key: "app.kubernetes.io/instance", value: a.name + "-" + a.stage},
		{key: "app.kubernetes.io/part-of", value: a.team},
		{key: "app.kubernetes.io/version", value: g.s(fmt.Sprintf("%d.%d.%d", g.r.intn(10), g.r.intn(31), g.r.intn(100)))},
		{key: "app.kubernetes.io/managed-by", value: pick(g.r, chartAuthors)},
		{key: "team", value: a.team},
		{key: "env", value: a.stage},
	}
}

// workloadKinds are the kinds an application runs as, weighted by how common they are.
var workloadKinds = []string{
	"Deployment", "Deployment", "Deployment", "Deployment", "Deployment", "Deployment", "Deployment", "Deployment",
	"StatefulSet", "StatefulSet", "StatefulSet", "DaemonSet", "DaemonSet", "ReplicaSet", "ReplicationController",
	"Job", "Job", "CronJob", "CronJob", "Pod", "Pod", "PodTemplate", "Rollout",
}

// appObjects builds one application: its service account, configuration, workload, service,
// disruption budget, autoscaler, network policy, role and monitor, as a chart would.
func (g *gen) appObjects(ns, team, stage, name string) []mapping {
	a := &app{name: name, namespace: ns, team: team, stage: stage}
	a.problems = g.pickProblems()
	a.selector = mapping{{key: "app.kubernetes.io/name", value: name}, {key: "app.kubernetes.io/instance", value: name + "-" + stage}}
	var out []mapping
	if g.r.chance(0.75) {
		g.restyle(false)
		a.serviceAccount = name
		sa := object("v1", "ServiceAccount", g.meta(name, ns, g.labels(a), nil))
		sa.add("automountServiceAccountToken", a.problems.has(automountedToken))
		out = append(out, sa)
	}
	if g.r.chance(0.85) {
		out = append(out, g.configMap(a))
	}
	g.restyle(true)
	kind := pick(g.r, workloadKinds)
	out = append(out, g.workload(a, kind))
	g.restyle(false)
	switch kind {
	case "Deployment", "StatefulSet", "ReplicaSet", "Rollout":
		out = append(out, g.service(a, kind == "StatefulSet"))
	case "DaemonSet", "ReplicationController":
		if g.r.chance(0.3) {
			out = append(out, g.service(a, false))
		}
	}
	if kind == "Deployment" && g.r.chance(0.3) {
		pdb := object("policy/v1", "PodDisruptionBudget", g.meta(name, ns, g.labels(a), nil))
		pdb.add("spec", mapping{{key: "minAvailable", value: 1}, {key: "selector", value: mapping{{key: "matchLabels", value: a.selector}}}})
		out = append(out, pdb)
	}
	if kind == "Deployment" && g.r.chance(0.15) {
		hpa := object("autoscaling/v2", "HorizontalPodAutoscaler", g.meta(name, ns, g.labels(a), nil))
		hpa.add("spec", mapping{
			{key: "scaleTargetRef", value: g.small(mapping{{key: "apiVersion", value: "apps/v1"}, {key: "kind", value: "Deployment"}, {key: "name", value: name}})},
			{key: "minReplicas", value: 2}, {key: "maxReplicas", value: 10},
			{key: "metrics", value: sequence{mapping{{key: "type", value: "Resource"}, {key: "resource", value: mapping{
				{key: "name", value: "cpu"}, {key: "target", value: g.small(mapping{{key: "type", value: "Utilization"}, {key: "averageUtilization", value: 70}})}}}}}}})
		out = append(out, hpa)
	}
	if g.r.chance(0.4) {
		out = append(out, g.appNetworkPolicy(a))
	}
	if g.r.chance(0.4) {
		out = append(out, g.role(a)...)
	}
	if g.r.chance(0.15) {
		sm := object("monitoring.coreos.com/v1", "ServiceMonitor", g.meta(name, ns, g.labels(a), nil))
		sm.add("spec", mapping{
			{key: "selector", value: mapping{{key: "matchLabels", value: a.selector}}},
			{key: "endpoints", value: sequence{mapping{{key: "port", value: "metrics"}, {key: "interval", value: g.s("30s")}, {key: "path", value: "/metrics"}}}}})
		out = append(out, sm)
	}
	return out
}

func (g *gen) configMap(a *app) mapping {
	g.restyle(false)
	data := mapping{
		{key: "log_level", value: g.s(pick(g.r, []string{"info", "debug", "warn"}))},
		{key: "region", value: g.s(pick(g.r, []string{"eu-west-1", "us-east-1", "ap-south-1"}))},
		{key: "config.yaml", value: styled{fmt.Sprintf("server:\n  port: 8080\n  readTimeout: 30s\ndatabase:\n  host: %s-db.%s.svc\n  pool: %d\nfeatures:\n- alpha\n- beta\n", a.name, a.namespace, g.r.between(5, 50)), styleLiteral}},
	}
	if g.r.chance(0.3) {
		data.add("motd", styled{"Welcome to " + a.name + ". This service is owned by the " + a.team + " team; page the on-call engineer through the usual channel before changing anything here.", styleFolded})
	}
	for i := range g.r.intn(9) {
		data.add(fmt.Sprintf("key_%d", i), g.s("value-"+g.r.hex(8)))
	}
	cm := object("v1", "ConfigMap", g.meta(a.name+"-config", a.namespace, g.labels(a), nil))
	cm.add("data", data)
	g.note(cm, "data", "Rendered from values.yaml; edit the chart, not this file.")
	return cm
}

// workload builds the application's workload of the given kind.
func (g *gen) workload(a *app, kind string) mapping {
	labels := g.labels(a)
	var objLabels, tplLabels any = labels, labels
	if g.looks.anchors {
		objLabels, tplLabels = anchored{"labels", labels}, alias{"labels", labels}
	}
	var ann mapping
	if g.r.chance(0.3) {
		ann.add("kubernetes.io/change-cause", g.s("deploy "+g.r.hex(7)))
	}
	if g.r.chance(0.1) {
		ann.add("description", styled{"The " + a.name + " service of the " + a.team + " team, deployed to " + a.stage + " by the release pipeline.\n", styleFolded})
	}
	meta := func() mapping {
		m := mapping{{key: "name", value: g.s(a.name)}, {key: "namespace", value: g.s(a.namespace)}, {key: "labels", value: objLabels}}
		if len(ann) > 0 {
			m.add("annotations", ann)
		}
		return m
	}
	selector := mapping{{key: "matchLabels", value: g.small(a.selector)}}
	switch kind {
	case "Pod":
		// A bare pod: the template's labels and annotations are its own.
		tpl := g.podTemplate(a, pick(g.r, []string{"", "Always", "OnFailure"}), labels)
		m := mapping{{key: "name", value: g.s(a.name)}, {key: "namespace", value: g.s(a.namespace)}}
		m = append(m, tpl[0].value.(mapping)...)
		pod := object("v1", "Pod", m)
		pod.add("spec", tpl[1].value)
		return pod
	case "PodTemplate":
		pt := object("v1", "PodTemplate", meta())
		pt.add("template", g.podTemplate(a, "", tplLabels))
		return pt
	case "Job", "CronJob":
		job := mapping{{key: "backoffLimit", value: g.r.intn(7)}}
		if g.r.chance(0.5) {
			job.add("ttlSecondsAfterFinished", 3600)
		}
		if g.r.chance(0.3) {
			job.add("activeDeadlineSeconds", 1800)
		}
		job.add("template", g.podTemplate(a, pick(g.r, []string{"Never", "OnFailure"}), tplLabels))
		if kind == "Job" {
			o := object("batch/v1", "Job", meta())
			o.add("spec", job)
			return o
		}
		cron := mapping{
			{key: "schedule", value: styled{fmt.Sprintf("%d %s * * *", g.r.intn(60), pick(g.r, []string{"*", "*/6", "2", "0-5"})), pick(g.r, []scalarStyle{styleDouble, styleSingle})}},
			{key: "concurrencyPolicy", value: pick(g.r, []string{"Forbid", "Allow", "Replace"})},
			{key: "successfulJobsHistoryLimit", value: 3},
			{key: "failedJobsHistoryLimit", value: 1},
		}
		if g.r.chance(0.2) {
			cron.add("suspend", true)
		}
		cron.add("jobTemplate", mapping{{key: "spec", value: job}})
		o := object("batch/v1", "CronJob", meta())
		o.add("spec", cron)
		return o
	}
	spec := mapping{}
	if kind != "DaemonSet" {
		spec.add("replicas", pick(g.r, []int{1, 2, 3, 3, 5, 10}))
		if g.looks.notes {
			spec[0].tail = "scaled by the autoscaler in production"
		}
	}
	if kind == "ReplicationController" {
		spec.add("selector", g.small(a.selector)) // a plain map of labels, not a label selector
	} else {
		spec.add("selector", selector)
	}
	tpl := g.podTemplate(a, "", tplLabels)
	apiVersion := "apps/v1"
	switch kind {
	case "Deployment":
		spec.add("revisionHistoryLimit", 5)
		spec.add("strategy", mapping{{key: "type", value: "RollingUpdate"}, {key: "rollingUpdate", value: g.small(mapping{
			{key: "maxSurge", value: styled{"25%", styleDouble}}, {key: "maxUnavailable", value: pick(g.r, []any{0, 1, "25%"})}})}})
	case "StatefulSet":
		spec.add("serviceName", a.name+"-headless")
		spec.add("podManagementPolicy", pick(g.r, []string{"OrderedReady", "Parallel"}))
		spec.add("volumeClaimTemplates", sequence{mapping{
			{key: "metadata", value: mapping{{key: "name", value: "data"}}},
			{key: "spec", value: mapping{
				{key: "accessModes", value: g.small(sequence{"ReadWriteOnce"})},
				{key: "storageClassName", value: pick(g.r, []string{"standard", "ssd"})},
				{key: "resources", value: mapping{{key: "requests", value: g.small(mapping{{key: "storage", value: pick(g.r, []string{"1Gi", "10Gi", "100Gi"})}})}}}}}}})
		main := tpl[1].value.(mapping).get("containers").(sequence)[0].(mapping)
		mounts := main.get("volumeMounts").(sequence)
		for i := range main {
			if main[i].key == "volumeMounts" {
				main[i].value = append(mounts, mapping{{key: "name", value: "data"}, {key: "mountPath", value: "/var/lib/" + a.name}})
			}
		}
	case "DaemonSet":
		spec.add("updateStrategy", mapping{{key: "type", value: "RollingUpdate"}, {key: "rollingUpdate", value: g.small(mapping{{key: "maxUnavailable", value: 1}})}})
	case "ReplicationController":
		apiVersion = "v1"
	case "Rollout":
		apiVersion = "argoproj.io/v1alpha1"
		spec.add("strategy", mapping{{key: "canary", value: mapping{{key: "steps", value: sequence{
			mapping{{key: "setWeight", value: 20}}, mapping{{key: "pause", value: g.small(mapping{{key: "duration", value: "10m"}})}}, mapping{{key: "setWeight", value: 60}}}}}}})
	}
	spec.add("template", tpl)
	o := object(apiVersion, kind, meta())
	o.add("spec", spec)
	return o
}

func (g *gen) service(a *app, headless bool) mapping {
	ports := sequence{g.small(mapping{{key: "name", value: "http"}, {key: "port", value: 80}, {key: "targetPort", value: 8080}, {key: "protocol", value: "TCP"}})}
	if g.r.chance(0.3) {
		ports = append(ports, g.small(mapping{{key: "name", value: "metrics"}, {key: "port", value: 9090}, {key: "targetPort", value: g.s("metrics-0")}, {key: "protocol", value: "TCP"}}))
	}
	var spec mapping
	name := a.name
	if headless {
		name += "-headless"
		spec = mapping{{key: "clusterIP", value: "None"}}
	} else {
		spec.add("type", pick(g.r, []string{"ClusterIP", "ClusterIP", "ClusterIP", "ClusterIP", "ClusterIP", "ClusterIP", "NodePort", "LoadBalancer"}))
	}
	spec.add("selector", a.selector)
	spec.add("ports", ports)
	svc := object("v1", "Service", g.meta(name, a.namespace, g.labels(a), nil))
	svc.add("spec", spec)
	return svc
}

func (g *gen) appNetworkPolicy(a *app) mapping {
	ingress := sequence{mapping{
		{key: "from", value: sequence{
			mapping{{key: "namespaceSelector", value: mapping{{key: "matchLabels", value: g.small(mapping{{key: "kubernetes.io/metadata.name", value: "ingress-nginx"}})}}}},
			mapping{{key: "podSelector", value: mapping{{key: "matchLabels", value: g.small(mapping{{key: "app.kubernetes.io/part-of", value: a.team}})}}}}}},
		{key: "ports", value: sequence{g.small(mapping{{key: "protocol", value: "TCP"}, {key: "port", value: 8080}})}}}}
	if g.r.chance(0.1) {
		ingress = sequence{mapping{}} // from anywhere, to any port
	}
	spec := mapping{
		{key: "podSelector", value: mapping{{key: "matchLabels", value: a.selector}}},
		{key: "policyTypes", value: g.small(sequence{"Ingress", "Egress"})},
		{key: "ingress", value: ingress},
		{key: "egress", value: sequence{
			mapping{
				{key: "to", value: sequence{mapping{{key: "ipBlock", value: mapping{{key: "cidr", value: g.s("10.0.0.0/8")}, {key: "except", value: g.small(sequence{g.s("10.1.0.0/16")})}}}}}},
				{key: "ports", value: sequence{g.small(mapping{{key: "protocol", value: "TCP"}, {key: "port", value: 5432}})}}},
			mapping{{key: "ports", value: sequence{g.small(mapping{{key: "protocol", value: "UDP"}, {key: "port", value: 53}})}}}}},
	}
	np := object("networking.k8s.io/v1", "NetworkPolicy", g.meta(a.name+"-allow", a.namespace, g.labels(a), nil))
	np.add("spec", spec)
	g.note(np, "spec", "Only the ingress controller and the team's own pods may connect.")
	return np
}

func rule(groups, resources, verbs []string) mapping {
	return mapping{{key: "apiGroups", value: strs(groups)}, {key: "resources", value: strs(resources)}, {key: "verbs", value: strs(verbs)}}
}

func strs(s []string) sequence {
	out := make(sequence, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

func (g *gen) role(a *app) []mapping {
	rules := sequence{rule([]string{""}, []string{"configmaps"}, []string{"get", "list", "watch"})}
	if g.r.chance(0.35) {
		rules = append(rules, pick(g.r, []mapping{
			rule([]string{""}, []string{"secrets"}, []string{"get", "list", "watch"}),
			rule([]string{"*"}, []string{"*"}, []string{"*"}),
			rule([]string{""}, []string{"pods/exec"}, []string{"create"}),
			rule([]string{"rbac.authorization.k8s.io"}, []string{"roles", "rolebindings"}, []string{"create", "update", "bind", "escalate"}),
			rule([]string{"apps"}, []string{"deployments"}, []string{"*"}),
		}))
	}
	role := object("rbac.authorization.k8s.io/v1", "Role", g.meta(a.name, a.namespace, g.labels(a), nil))
	role.add("rules", rules)
	sa := a.serviceAccount
	if sa == "" {
		sa = "default"
	}
	rb := object("rbac.authorization.k8s.io/v1", "RoleBinding", g.meta(a.name, a.namespace, g.labels(a), nil))
	rb.add("roleRef", g.small(mapping{{key: "apiGroup", value: "rbac.authorization.k8s.io"}, {key: "kind", value: "Role"}, {key: "name", value: a.name}}))
	rb.add("subjects", sequence{mapping{{key: "kind", value: "ServiceAccount"}, {key: "name", value: sa}, {key: "namespace", value: a.namespace}}})
	return []mapping{role, rb}
}

// namespaceObjects builds a namespace and the guard rails a platform team gives it.
func (g *gen) namespaceObjects(ns, team, stage string) []mapping {
	g.restyle(false)
	labels := mapping{{key: "team", value: team}, {key: "env", value: stage}, {key: "kubernetes.io/metadata.name", value: ns}}
	if g.r.chance(0.6) {
		labels.add("pod-security.kubernetes.io/enforce", pick(g.r, []string{"restricted", "baseline", "privileged"}))
		labels.add("pod-security.kubernetes.io/warn", "restricted")
	}
	out := []mapping{object("v1", "Namespace", g.meta(ns, "", labels, mapping{{key: "owner", value: team + "@example.com"}}))}
	if g.r.chance(0.7) {
		q := object("v1", "ResourceQuota", g.meta("compute-quota", ns, nil, nil))
		q.add("spec", mapping{{key: "hard", value: mapping{
			{key: "requests.cpu", value: styled{fmt.Sprint(g.r.between(4, 64)), styleDouble}},
			{key: "requests.memory", value: fmt.Sprintf("%dGi", g.r.between(8, 256))},
			{key: "limits.cpu", value: styled{fmt.Sprint(g.r.between(8, 128)), styleSingle}},
			{key: "limits.memory", value: fmt.Sprintf("%dGi", g.r.between(16, 512))},
			{key: "pods", value: styled{fmt.Sprint(g.r.between(20, 500)), styleDouble}},
			{key: "services.loadbalancers", value: styled{"2", styleDouble}}}}})
		out = append(out, q)
	}
	if g.r.chance(0.6) {
		lr := object("v1", "LimitRange", g.meta("defaults", ns, nil, nil))
		lr.add("spec", mapping{{key: "limits", value: sequence{mapping{
			{key: "type", value: "Container"},
			{key: "default", value: g.small(mapping{{key: "cpu", value: "500m"}, {key: "memory", value: "512Mi"}})},
			{key: "defaultRequest", value: g.small(mapping{{key: "cpu", value: "100m"}, {key: "memory", value: "128Mi"}})},
			{key: "max", value: g.small(mapping{{key: "cpu", value: styled{"4", styleDouble}}, {key: "memory", value: "8Gi"}})}}}}})
		out = append(out, lr)
	}
	if g.r.chance(0.5) {
		np := object("networking.k8s.io/v1", "NetworkPolicy", g.meta("default-deny-all", ns, nil, nil))
		np.add("spec", mapping{{key: "podSelector", value: mapping{}}, {key: "policyTypes", value: g.small(sequence{"Ingress", "Egress"})}})
		out = append(out, np)
	}
	if g.r.chance(0.3) {
		cert := object("cert-manager.io/v1", "Certificate", g.meta(ns+"-tls", ns, nil, nil))
		cert.add("spec", mapping{
			{key: "secretName", value: ns + "-tls"},
			{key: "dnsNames", value: sequence{g.s(ns + ".example.com"), styled{"*." + ns + ".example.com", styleDouble}}},
			{key: "issuerRef", value: g.small(mapping{{key: "name", value: "letsencrypt"}, {key: "kind", value: "ClusterIssuer"}})}})
		out = append(out, cert)
	}
	return out
}

// clusterObjects builds a cluster role and its binding; some grant far too much.
func (g *gen) clusterObjects(i int) []mapping {
	g.restyle(false)
	name := fmt.Sprintf("%s-%s-%d", pick(g.r, teams), pick(g.r, []string{"reader", "operator", "controller", "admin", "auditor"}), i)
	rules := sequence{rule([]string{""}, []string{"pods", "services", "endpoints"}, []string{"get", "list", "watch"})}
	if g.r.chance(0.4) {
		rules = append(rules, pick(g.r, []mapping{
			rule([]string{"*"}, []string{"*"}, []string{"*"}),
			{{key: "nonResourceURLs", value: sequence{styled{"*", styleDouble}}}, {key: "verbs", value: sequence{styled{"*", styleSingle}}}},
			rule([]string{""}, []string{"secrets"}, []string{"get", "list"}),
			rule([]string{""}, []string{"users", "groups", "serviceaccounts"}, []string{"impersonate"}),
			rule([]string{"admissionregistration.k8s.io"}, []string{"validatingwebhookconfigurations"}, []string{"create", "delete", "patch"}),
		}))
	}
	cr := object("rbac.authorization.k8s.io/v1", "ClusterRole", g.meta(name, "", mapping{{key: "team", value: pick(g.r, teams)}}, nil))
	cr.add("rules", rules)
	roleName := name
	if g.r.chance(0.2) {
		roleName = pick(g.r, []string{"cluster-admin", "admin", "edit"})
	}
	subject := pick(g.r, []mapping{
		{{key: "kind", value: "ServiceAccount"}, {key: "name", value: pick(g.r, appNames)}, {key: "namespace", value: pick(g.r, teams) + "-" + pick(g.r, stages)}},
		{{key: "kind", value: "Group"}, {key: "apiGroup", value: "rbac.authorization.k8s.io"}, {key: "name", value: g.s(pick(g.r, []string{"oncall", "sre", "system:authenticated", "system:serviceaccounts"}))}},
		{{key: "kind", value: "User"}, {key: "apiGroup", value: "rbac.authorization.k8s.io"}, {key: "name", value: fmt.Sprintf("user%d@example.com", g.r.between(1, 999))}},
	})
	crb := object("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", g.meta(name, "", nil, nil))
	crb.add("roleRef", g.small(mapping{{key: "apiGroup", value: "rbac.authorization.k8s.io"}, {key: "kind", value: "ClusterRole"}, {key: "name", value: roleName}}))
	crb.add("subjects", sequence{subject})
	return []mapping{cr, crb}
}

// customResourceDefinitions are the definitions of the custom kinds the corpus uses.
func (g *gen) customResourceDefinitions() []mapping {
	g.restyle(false)
	var out []mapping
	for _, d := range []struct{ group, kind, plural, version string }{
		{"argoproj.io", "Rollout", "rollouts", "v1alpha1"},
		{"monitoring.coreos.com", "ServiceMonitor", "servicemonitors", "v1"},
		{"cert-manager.io", "Certificate", "certificates", "v1"},
	} {
		schema := mapping{{key: "openAPIV3Schema", value: mapping{
			{key: "description", value: styled{d.kind + " is a custom resource of " + d.group + ". Its spec is validated by the controller that owns it, not by this schema, which preserves unknown fields.\n", styleFolded}},
			{key: "type", value: "object"},
			{key: "x-kubernetes-preserve-unknown-fields", value: true}}}}
		crd := object("apiextensions.k8s.io/v1", "CustomResourceDefinition", g.meta(d.plural+"."+d.group, "", nil, mapping{{key: "controller-gen.kubebuilder.io/version", value: "v0.14.0"}}))
		crd.add("spec", mapping{
			{key: "group", value: d.group},
			{key: "names", value: mapping{{key: "kind", value: d.kind}, {key: "listKind", value: d.kind + "List"}, {key: "plural", value: d.plural}, {key: "singular", value: strings.ToLower(d.kind)}}},
			{key: "scope", value: "Namespaced"},
			{key: "versions", value: sequence{mapping{{key: "name", value: d.version}, {key: "served", value: true}, {key: "storage", value: true}, {key: "schema", value: schema}}}}})
		out = append(out, crd)
	}
	return out
}
