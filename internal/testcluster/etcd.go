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
	"time"
)

// EtcdOptions choose how etcd serves its clients and peers, and whether flags or environment
// variables configure it. The zero value is etcd on plain HTTP, configured by flags.
type EtcdOptions struct {
	// TLS serves clients over TLS, with certificates the cluster makes: a CA of etcd's own
	// (Cluster.EtcdCAFile), a serving certificate for 127.0.0.1, ::1 and localhost
	// (--cert-file, --key-file), and a client certificate for the API server
	// (Cluster.EtcdCertFile, Cluster.EtcdKeyFile), which connects with --etcd-cafile,
	// --etcd-certfile and --etcd-keyfile to an https:// Cluster.EtcdURL.
	TLS bool
	// ClientCertAuth is --client-cert-auth=true with --trusted-ca-file set to etcd's CA:
	// etcd then refuses clients without a certificate that CA signed. It needs TLS. etcd
	// requires client certificates whenever --trusted-ca-file is set, whatever
	// --client-cert-auth says (client/pkg/transport, TLSInfo.ServerConfig), so without
	// ClientCertAuth neither is set.
	ClientCertAuth bool
	// PeerTLS serves the peer URL over TLS, with --peer-cert-file, --peer-key-file,
	// --peer-trusted-ca-file (etcd's CA) and --peer-client-cert-auth=true.
	PeerTLS bool
	// UseEnv configures etcd through environment variables instead of flags, as some
	// installs do: each flag --some-name=value becomes ETCD_SOME_NAME=value, and etcd's
	// command line is the program alone.
	UseEnv bool
}

// etcdSetting is one of etcd's settings: a flag name without its dashes, and its value.
type etcdSetting struct{ name, value string }

// flag is the setting as a command line flag, --name=value.
func (s etcdSetting) flag() string { return "--" + s.name + "=" + s.value }

// env is the setting as the environment variable etcd reads it from: ETCD_ followed by the
// flag name in upper case with dashes as underscores (etcd's flags.SetFlagsFromEnv).
func (s etcdSetting) env() string {
	return "ETCD_" + strings.ToUpper(strings.ReplaceAll(s.name, "-", "_")) + "=" + s.value
}

// validate rejects combinations etcd would refuse or ignore.
func (o EtcdOptions) validate() error {
	if o.ClientCertAuth && !o.TLS {
		return errors.New("testcluster: Options.Etcd.ClientCertAuth needs Options.Etcd.TLS")
	}
	return nil
}

// etcdHealthTimeout bounds one /health request while etcd starts.
const etcdHealthTimeout = 2 * time.Second

func (c *Cluster) startEtcd(ctx context.Context, bins binaries, opts EtcdOptions) error {
	settings, err := c.etcdSettings(opts)
	if err != nil {
		return err
	}
	var args, env []string
	for _, s := range settings {
		if opts.UseEnv {
			env = append(env, s.env())
		} else {
			args = append(args, s.flag())
		}
	}
	p, err := startProcess(c.Dir, "etcd", bins.etcd, args, env)
	if err != nil {
		return err
	}
	c.procs = append(c.procs, p)
	client, err := c.etcdClient()
	if err != nil {
		return err
	}
	defer client.CloseIdleConnections()
	began := time.Now()
	err = poll(ctx, etcdTimeout, p, "waiting for etcd", func() bool {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.EtcdURL+"/health", nil)
		if err != nil {
			return false
		}
		resp, err := client.Do(req)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	if err != nil {
		return err
	}
	c.logf("testcluster: etcd at %s healthy in %s", c.EtcdURL, time.Since(began).Round(time.Millisecond))
	return nil
}

// etcdSettings chooses etcd's ports, makes the certificates opts ask for and returns etcd's
// settings.
func (c *Cluster) etcdSettings(opts EtcdOptions) ([]etcdSetting, error) {
	clientPort, err := freePort()
	if err != nil {
		return nil, err
	}
	peerPort, err := freePort()
	if err != nil {
		return nil, err
	}
	c.EtcdURL = fmt.Sprintf("%s://127.0.0.1:%d", scheme(opts.TLS), clientPort)
	c.EtcdPeerURL = fmt.Sprintf("%s://127.0.0.1:%d", scheme(opts.PeerTLS), peerPort)
	settings := []etcdSetting{
		{"name", "default"},
		{"data-dir", filepath.Join(c.Dir, "etcd")},
		{"listen-client-urls", c.EtcdURL},
		{"advertise-client-urls", c.EtcdURL},
		{"listen-peer-urls", c.EtcdPeerURL},
		{"initial-advertise-peer-urls", c.EtcdPeerURL},
		{"initial-cluster", "default=" + c.EtcdPeerURL},
		// A test's data need not survive a crash; fsync only slows the shared machine.
		{"unsafe-no-fsync", "true"},
	}
	if !opts.TLS && !opts.PeerTLS {
		return settings, nil
	}
	pki := filepath.Join(c.Dir, "etcd-pki")
	if err := os.Mkdir(pki, 0o700); err != nil {
		return nil, fmt.Errorf("creating etcd's certificate folder: %w", err)
	}
	c.EtcdCAFile = filepath.Join(pki, "ca.crt")
	ca, err := newAuthority("testcluster-etcd-ca", c.EtcdCAFile)
	if err != nil {
		return nil, err
	}
	if opts.TLS {
		cert, key, err := issueAndWrite(pki, "server", func() ([]byte, []byte, error) { return ca.issueServing("etcd") })
		if err != nil {
			return nil, err
		}
		settings = append(settings, etcdSetting{"cert-file", cert}, etcdSetting{"key-file", key})
		if opts.ClientCertAuth {
			settings = append(settings,
				etcdSetting{"client-cert-auth", "true"},
				etcdSetting{"trusted-ca-file", c.EtcdCAFile})
		}
		c.EtcdCertFile, c.EtcdKeyFile, err = issueAndWrite(pki, "apiserver-etcd-client", func() ([]byte, []byte, error) {
			return ca.issue("kube-apiserver-etcd-client", nil)
		})
		if err != nil {
			return nil, err
		}
	}
	if opts.PeerTLS {
		cert, key, err := issueAndWrite(pki, "peer", func() ([]byte, []byte, error) { return ca.issueServing("etcd-peer") })
		if err != nil {
			return nil, err
		}
		settings = append(settings,
			etcdSetting{"peer-cert-file", cert},
			etcdSetting{"peer-key-file", key},
			etcdSetting{"peer-trusted-ca-file", c.EtcdCAFile},
			etcdSetting{"peer-client-cert-auth", "true"})
	}
	return settings, nil
}

// issueAndWrite writes the certificate and key that issue makes to dir/name.crt and
// dir/name.key.
func issueAndWrite(dir, name string, issue func() (certPEM, keyPEM []byte, err error)) (certFile, keyFile string, err error) {
	certPEM, keyPEM, err := issue()
	if err != nil {
		return "", "", err
	}
	return writeKeyPair(dir, name, certPEM, keyPEM)
}

func scheme(tls bool) string {
	if tls {
		return "https"
	}
	return "http"
}

// etcdClient is an HTTP client for etcd's client URL: over TLS it trusts EtcdCAFile and
// presents the API server's client certificate.
func (c *Cluster) etcdClient() (*http.Client, error) {
	client := &http.Client{Timeout: etcdHealthTimeout}
	if c.EtcdCertFile == "" {
		return client, nil
	}
	caPEM, err := os.ReadFile(c.EtcdCAFile)
	if err != nil {
		return nil, fmt.Errorf("reading etcd's CA: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, fmt.Errorf("etcd's CA %s holds no certificate", c.EtcdCAFile)
	}
	cert, err := tls.LoadX509KeyPair(c.EtcdCertFile, c.EtcdKeyFile)
	if err != nil {
		return nil, fmt.Errorf("loading the client certificate for etcd: %w", err)
	}
	client.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{cert}}}
	return client, nil
}

// etcdAPIServerArgs are the API server's flags that connect it to etcd.
func (c *Cluster) etcdAPIServerArgs() []string {
	args := []string{"--etcd-servers=" + c.EtcdURL}
	if c.EtcdCertFile != "" {
		args = append(args,
			"--etcd-cafile="+c.EtcdCAFile,
			"--etcd-certfile="+c.EtcdCertFile,
			"--etcd-keyfile="+c.EtcdKeyFile)
	}
	return args
}
