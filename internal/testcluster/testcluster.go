// Package testcluster runs a real Kubernetes control plane on loopback for tests: etcd and
// kube-apiserver, on request kube-controller-manager, and on request a hollow kubelet (kubemark --morph=kubelet, a real kubelet
// server over a fake container runtime). The programs are built from their Go modules by
// hack/testbin/build.sh, which this package runs when they are missing.
//
// It owns starting, connecting to and stopping such clusters, and the test users and roles
// they come with (Admin, User, Auditor). It is for tests only and must not be imported by
// product code. It mocks nothing: what a test sees is what kube-apiserver v1.37 does. There
// is no scheduler, and kube-controller-manager runs only on request (Options.ControllerManager)
// with its clusterrole-aggregation controller alone, so nothing else that controllers do
// happens (without it aggregated ClusterRoles have no rules; in any case Deployments make no
// Pods and namespaces have no default ServiceAccount unless NewNamespace makes one), and Pods
// run only when created with spec.nodeName set to the hollow node.
//
// etcd serves its clients on plain HTTP unless Options.Etcd asks for TLS, client
// certificate authentication or peer TLS, with certificates of a CA of etcd's own that the
// cluster makes; it is configured by flags, or by ETCD_* environment variables as some
// installs do. Cluster.PIDs names the programs' processes, so that tests can audit them
// through /proc as a scanner on a node would.
//
// A test package starts one cluster for all its tests through Shared (see Shared.Main) and
// isolates its tests by namespace; a test that needs other options starts its own with New.
package testcluster

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// The users of every cluster, authenticated by static bearer tokens (--token-auth-file).
const (
	// Admin is in group system:masters: allowed everything.
	Admin = "admin"
	// User has no permissions beyond what every authenticated user has.
	User = "user"
	// Auditor may get, list and watch everything except Secrets, through ClusterRole
	// AuditorRole.
	Auditor = "auditor"
)

// AuditorRole is the ClusterRole (and ClusterRoleBinding) that grants Auditor its rights.
const AuditorRole = "testcluster-auditor"

// Options choose how etcd runs, the API server's flags and whether a hollow node runs.
type Options struct {
	// AuthorizationMode is --authorization-mode; "" means "Node,RBAC".
	AuthorizationMode string
	// AnonymousAuth is --anonymous-auth.
	AnonymousAuth bool
	// AuditPolicy is an audit Policy in YAML; when set it is passed as --audit-policy-file
	// and the API server writes its audit log to Cluster.AuditLog.
	AuditPolicy string
	// EncryptionConfig is an EncryptionConfiguration in YAML; when set it is passed as
	// --encryption-provider-config.
	EncryptionConfig string
	// AdmissionPlugins is --enable-admission-plugins (the defaults stay enabled).
	AdmissionPlugins []string
	// ExtraAPIServerFlags come last on kube-apiserver's command line, so they override
	// the flags this package sets.
	ExtraAPIServerFlags []string
	// Etcd chooses etcd's TLS and authentication, and flags or environment variables for its
	// settings; the zero value is plain HTTP, configured by flags.
	Etcd EtcdOptions
	// Kubelet starts a hollow node named Cluster.NodeName and waits until it is Ready.
	Kubelet bool
	// ControllerManager starts kube-controller-manager, as ControllerManagerUser, with only
	// its clusterrole-aggregation controller, so that aggregated ClusterRoles get their rules
	// as in a real cluster, and waits until it has filled the built-in role "view".
	ControllerManager bool
	// Logf receives one-line summaries (what started where, how long it took); nil
	// discards them. The programs' own output goes to files in Cluster.Dir.
	Logf func(format string, args ...any)
}

// Cluster is a running control plane. Its fields are read-only.
type Cluster struct {
	// Dir is the cluster's temporary folder (data, certificates, logs), removed by Stop.
	Dir string
	// Server is the API server's URL, https://127.0.0.1:PORT.
	Server string
	// CAFile is the API server's self-signed serving certificate, to verify it with.
	CAFile string
	// ClientCAFile is the CA the API server trusts for client certificates (see ClientCert).
	ClientCAFile string
	// EtcdURL is etcd's client URL, http://127.0.0.1:PORT, or https://127.0.0.1:PORT with
	// Options.Etcd.TLS.
	EtcdURL string
	// EtcdPeerURL is etcd's peer URL, http://127.0.0.1:PORT, or https://127.0.0.1:PORT with
	// Options.Etcd.PeerTLS. A cluster has one etcd member, so no peer ever connects to it.
	EtcdPeerURL string
	// EtcdCAFile is etcd's own CA, which signed its serving and peer certificates and
	// EtcdCertFile; "" unless Options.Etcd.TLS or PeerTLS.
	EtcdCAFile string
	// EtcdCertFile and EtcdKeyFile are the client certificate and key with which the API
	// server connects to etcd, and with which a test may too (to read what the API server
	// stored, say); "" unless Options.Etcd.TLS.
	EtcdCertFile, EtcdKeyFile string
	// AuditLog is the audit log's path when Options.AuditPolicy was set, else "".
	AuditLog string
	// NodeName is the hollow node's name when Options.Kubelet was set, else "".
	NodeName string
	// KubeletPort and KubeletReadOnlyPort are the hollow kubelet's ports on 127.0.0.1 (it
	// listens on all addresses); 0 without Options.Kubelet.
	KubeletPort, KubeletReadOnlyPort int

	tokens   map[string]string // user -> bearer token
	caPEM    []byte
	clientCA *authority
	procs    []*process // in start order
	logf     func(string, ...any)

	stopOnce sync.Once
	stopErr  error
}

// nodeUser is the hollow kubelet's user, which the Node authorizer recognises.
func nodeUser(node string) string { return "system:node:" + node }

// Timeouts of the steps of Start, within whatever deadline its context has.
const (
	etcdTimeout      = 30 * time.Second
	apiserverTimeout = 90 * time.Second
	nodeTimeout      = 90 * time.Second
)

// Start builds the programs when they are missing, then starts etcd, kube-apiserver and,
// with opts.Kubelet, a hollow node, and returns once the API server answers /readyz, the
// Auditor's role exists and the node is Ready. ctx bounds the start only: the processes run
// until Stop. When a start fails, for instance because a port it chose was taken in the
// meantime, Start tries once more with new ports.
func Start(ctx context.Context, opts Options) (*Cluster, error) {
	if err := opts.Etcd.validate(); err != nil {
		return nil, err
	}
	logf := opts.Logf
	if logf == nil {
		logf = func(string, ...any) {}
	}
	bins, err := findBinaries(ctx, logf)
	if err != nil {
		return nil, err
	}
	c, err := start(ctx, bins, opts, logf)
	if err != nil && ctx.Err() == nil {
		logf("testcluster: starting again after: %v", err)
		c, err = start(ctx, bins, opts, logf)
	}
	return c, err
}

func start(ctx context.Context, bins binaries, opts Options, logf func(string, ...any)) (_ *Cluster, err error) {
	began := time.Now()
	dir, err := os.MkdirTemp("", "testcluster-")
	if err != nil {
		return nil, fmt.Errorf("creating the cluster folder: %w", err)
	}
	c := &Cluster{Dir: dir, logf: logf, tokens: map[string]string{}}
	defer func() {
		if err != nil {
			_ = c.Stop()
		}
	}()
	if err := c.startEtcd(ctx, bins, opts.Etcd); err != nil {
		return nil, err
	}
	if err := c.startAPIServer(ctx, bins, opts); err != nil {
		return nil, err
	}
	if err := c.createAuditorRole(ctx); err != nil {
		return nil, err
	}
	if err := c.writeKubeconfig(); err != nil {
		return nil, err
	}
	if opts.ControllerManager {
		if err := c.startControllerManager(ctx, bins); err != nil {
			return nil, err
		}
	}
	if opts.Kubelet {
		if err := c.startKubelet(ctx, bins); err != nil {
			return nil, err
		}
	}
	logf("testcluster: cluster at %s ready in %s (folder %s)", c.Server, time.Since(began).Round(time.Millisecond), c.Dir)
	return c, nil
}

func (c *Cluster) startAPIServer(ctx context.Context, bins binaries, opts Options) error {
	args, err := c.apiserverArgs(opts)
	if err != nil {
		return err
	}
	p, err := startProcess(c.Dir, "kube-apiserver", bins.apiserver, args, nil)
	if err != nil {
		return err
	}
	c.procs = append(c.procs, p)
	began := time.Now()
	var lastErr error
	err = poll(ctx, apiserverTimeout, p, "waiting for kube-apiserver /readyz", func() bool {
		lastErr = c.ready(ctx)
		return lastErr == nil
	})
	if err != nil {
		if lastErr != nil {
			err = fmt.Errorf("%w\nlast /readyz attempt: %v", err, lastErr)
		}
		return err
	}
	c.logf("testcluster: kube-apiserver at %s ready in %s", c.Server, time.Since(began).Round(time.Millisecond))
	return nil
}

// apiserverArgs chooses the API server's port, writes the files its flags name (keys,
// tokens, policies) into Dir and returns its command line.
func (c *Cluster) apiserverArgs(opts Options) ([]string, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	c.Server = fmt.Sprintf("https://127.0.0.1:%d", port)
	certDir := filepath.Join(c.Dir, "apiserver-certs")
	c.CAFile = filepath.Join(certDir, "apiserver.crt")
	c.ClientCAFile = filepath.Join(c.Dir, "client-ca.crt")
	if c.clientCA, err = newAuthority("testcluster-client-ca", c.ClientCAFile); err != nil {
		return nil, err
	}
	saKey := filepath.Join(c.Dir, "service-account.key")
	if err := writeServiceAccountKey(saKey); err != nil {
		return nil, err
	}
	tokenFile, err := c.writeTokenFile(opts)
	if err != nil {
		return nil, err
	}
	mode := opts.AuthorizationMode
	if mode == "" {
		mode = "Node,RBAC"
	}
	args := []string{
		fmt.Sprintf("--secure-port=%d", port),
		"--bind-address=127.0.0.1",
		"--advertise-address=127.0.0.1",
		// The endpoint reconciler refuses a loopback advertise address ("may not be in the
		// loopback range") and the API server then exits; nothing in a test needs the
		// default/kubernetes Endpoints it would write.
		"--endpoint-reconciler-type=none",
		"--cert-dir=" + certDir,
		"--client-ca-file=" + c.ClientCAFile,
		"--token-auth-file=" + tokenFile,
		"--service-account-issuer=https://kubernetes.default.svc",
		"--service-account-key-file=" + saKey,
		"--service-account-signing-key-file=" + saKey,
		"--service-cluster-ip-range=10.0.0.0/24",
		"--authorization-mode=" + mode,
		fmt.Sprintf("--anonymous-auth=%t", opts.AnonymousAuth),
		// Privileged pods are what a security scanner must find, so let tests create them.
		"--allow-privileged=true",
	}
	args = append(c.etcdAPIServerArgs(), args...)
	if len(opts.AdmissionPlugins) > 0 {
		args = append(args, "--enable-admission-plugins="+strings.Join(opts.AdmissionPlugins, ","))
	}
	if opts.AuditPolicy != "" {
		policy := filepath.Join(c.Dir, "audit-policy.yaml")
		if err := os.WriteFile(policy, []byte(opts.AuditPolicy), 0o644); err != nil {
			return nil, fmt.Errorf("writing the audit policy: %w", err)
		}
		c.AuditLog = filepath.Join(c.Dir, "audit.log")
		args = append(args, "--audit-policy-file="+policy, "--audit-log-path="+c.AuditLog)
	}
	if opts.EncryptionConfig != "" {
		config := filepath.Join(c.Dir, "encryption-config.yaml")
		if err := os.WriteFile(config, []byte(opts.EncryptionConfig), 0o600); err != nil {
			return nil, fmt.Errorf("writing the encryption configuration: %w", err)
		}
		args = append(args, "--encryption-provider-config="+config)
	}
	return append(args, opts.ExtraAPIServerFlags...), nil
}

// ready asks /readyz as Admin once the API server has written its serving certificate.
func (c *Cluster) ready(ctx context.Context) error {
	if c.caPEM == nil {
		data, err := os.ReadFile(c.CAFile)
		if err != nil {
			return err
		}
		if !x509.NewCertPool().AppendCertsFromPEM(data) {
			return fmt.Errorf("%s holds no certificate yet", c.CAFile)
		}
		c.caPEM = data
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(c.caPEM)
	client := &http.Client{
		Timeout:   5 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}},
	}
	defer client.CloseIdleConnections()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.Server+"/readyz", nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.tokens[Admin])
	resp, err := client.Do(req)
	if err != nil {
		var unknown x509.UnknownAuthorityError
		if errors.As(err, &unknown) {
			c.caPEM = nil // read a certificate written halfway again
		}
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("/readyz answered %s", resp.Status)
	}
	return nil
}

// writeTokenFile gives each user a random token and writes them in the CSV form of
// --token-auth-file: token,user,uid,"group1,group2".
func (c *Cluster) writeTokenFile(opts Options) (string, error) {
	users := []struct{ name, groups string }{
		{Admin, "system:masters"},
		{User, ""},
		{Auditor, ""},
	}
	if opts.ControllerManager {
		users = append(users, struct{ name, groups string }{ControllerManagerUser, "system:masters"})
	}
	if opts.Kubelet {
		c.NodeName = "testcluster-node"
		users = append(users, struct{ name, groups string }{nodeUser(c.NodeName), "system:nodes"})
	}
	var b strings.Builder
	for _, u := range users {
		token := randomToken()
		c.tokens[u.name] = token
		fmt.Fprintf(&b, "%s,%s,%s", token, u.name, u.name)
		if u.groups != "" {
			fmt.Fprintf(&b, ",%q", u.groups)
		}
		b.WriteString("\n")
	}
	path := filepath.Join(c.Dir, "tokens.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		return "", fmt.Errorf("writing the token file: %w", err)
	}
	return path, nil
}

// poll calls ok every 200 ms until it is true, p exits, timeout passes or ctx ends; the
// error of the last three names what was awaited and carries the tail of p's log.
func poll(ctx context.Context, timeout time.Duration, p *process, what string, ok func() bool) error {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		if ok() {
			return nil
		}
		if p.exited() {
			return p.failure(what)
		}
		select {
		case <-ctx.Done():
			return p.failure(fmt.Sprintf("%s: %v", what, ctx.Err()))
		case <-deadline.C:
			return p.failure(fmt.Sprintf("%s: no answer within %s", what, timeout))
		case <-tick.C:
		}
	}
}

// Stop kills the cluster's processes with their process groups, waits for them to end and
// removes Dir, and the files the hollow kubelet made in /tmp. It may be called more than once;
// later calls return the first one's result.
func (c *Cluster) Stop() error {
	c.stopOnce.Do(func() {
		var leftovers []string
		for i := len(c.procs) - 1; i >= 0; i-- {
			if c.procs[i].name == "kubemark" {
				leftovers = hollowKubeletLeftovers(c.procs[i])
			}
			c.procs[i].kill()
		}
		for _, path := range append(leftovers, c.Dir) {
			if err := os.RemoveAll(path); err != nil && c.stopErr == nil {
				c.stopErr = fmt.Errorf("removing the cluster's files: %w", err)
			}
		}
	})
	return c.stopErr
}

// PIDs are the process IDs of the cluster's programs by name: "etcd", "kube-apiserver",
// with Options.ControllerManager "kube-controller-manager" and with Options.Kubelet
// "kubemark". Each is the program itself, not a shell, so that
// /proc/PID/cmdline and /proc/PID/environ show how it was configured, as a node's auditor
// sees its components. After Stop they name processes that have ended.
func (c *Cluster) PIDs() map[string]int {
	pids := make(map[string]int, len(c.procs))
	for _, p := range c.procs {
		pids[p.name] = p.cmd.Process.Pid
	}
	return pids
}

// Token is the bearer token of user (Admin, User, Auditor, or the hollow node's
// "system:node:"+NodeName), or "" for a user the cluster does not know.
func (c *Cluster) Token(user string) string { return c.tokens[user] }

// Config is a client configuration for user, verifying the API server against CAFile, with
// a rate limit high enough not to slow tests. User "" gets a configuration without
// credentials (an anonymous client); Config panics on a user the cluster does not know.
func (c *Cluster) Config(user string) *rest.Config {
	cfg := &rest.Config{
		Host:            c.Server,
		TLSClientConfig: rest.TLSClientConfig{CAData: c.caPEM},
		QPS:             200,
		Burst:           400,
		UserAgent:       "testcluster",
	}
	if user != "" {
		token, ok := c.tokens[user]
		if !ok {
			panic(fmt.Sprintf("testcluster: no user %q (want Admin, User or Auditor)", user))
		}
		cfg.BearerToken = token
	}
	return cfg
}

// Client is a clientset acting as user (see Config).
func (c *Cluster) Client(user string) kubernetes.Interface {
	cs, err := kubernetes.NewForConfig(c.Config(user))
	if err != nil {
		panic(fmt.Sprintf("testcluster: client for %q: %v", user, err)) // a valid Config never fails
	}
	return cs
}

// ClientCert issues a client certificate, signed by ClientCAFile's CA, with which the API
// server authenticates user as a member of groups.
func (c *Cluster) ClientCert(user string, groups ...string) (certPEM, keyPEM []byte, err error) {
	return c.clientCA.issue(user, groups)
}
