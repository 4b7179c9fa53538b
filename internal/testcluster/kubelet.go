package testcluster

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"
)

// startKubelet starts a hollow node, kubemark --morph=kubelet: the kubelet's own code with a
// fake container runtime and image service, registered as NodeName with the node user's
// token, and waits until its Node is Ready.
func (c *Cluster) startKubelet(ctx context.Context, bins binaries) error {
	var err error
	if c.KubeletPort, err = freePort(); err != nil {
		return err
	}
	if c.KubeletReadOnlyPort, err = freePort(); err != nil {
		return err
	}
	user := nodeUser(c.NodeName)
	kubeconfig := filepath.Join(c.Dir, "kubelet.kubeconfig")
	if err := clientcmd.WriteToFile(*c.kubeconfig([]string{user}, user), kubeconfig); err != nil {
		return fmt.Errorf("writing the hollow kubelet's kubeconfig: %w", err)
	}
	p, err := startProcess(c.Dir, "kubemark", bins.kubemark, []string{
		"--morph=kubelet",
		"--name=" + c.NodeName,
		"--kubeconfig=" + kubeconfig,
		"--kubelet-port=" + strconv.Itoa(c.KubeletPort),
		"--kubelet-read-only-port=" + strconv.Itoa(c.KubeletReadOnlyPort),
		"--use-host-image-service=false",
		// Have the runtime client log its endpoint, the fake runtime's socket in /tmp, which
		// kubemark leaves behind; Stop removes it.
		"--vmodule=remote_runtime=3",
	}, nil)
	if err != nil {
		return err
	}
	c.procs = append(c.procs, p)
	began := time.Now()
	nodes := c.Client(Admin).CoreV1().Nodes()
	err = poll(ctx, nodeTimeout, p, "waiting for node "+c.NodeName+" to be Ready", func() bool {
		node, err := nodes.Get(ctx, c.NodeName, metav1.GetOptions{})
		return err == nil && nodeReady(node)
	})
	if err != nil {
		return err
	}
	c.logf("testcluster: hollow node %s Ready in %s (kubelet port %d, read-only port %d)",
		c.NodeName, time.Since(began).Round(time.Millisecond), c.KubeletPort, c.KubeletReadOnlyPort)
	return nil
}

func nodeReady(node *corev1.Node) bool {
	for _, cond := range node.Status.Conditions {
		if cond.Type == corev1.NodeReady {
			return cond.Status == corev1.ConditionTrue
		}
	}
	return false
}

// kubemark logs where it made the kubelet's root folder (it hard-codes /tmp), and, with
// --vmodule=remote_runtime=3, the fake container runtime's socket (also in /tmp).
var (
	hollowRootDir = regexp.MustCompile(`Using (/\S*/hollow-kubelet\.[0-9]+) as root dir for hollow-kubelet`)
	hollowSocket  = regexp.MustCompile(`"Connecting to runtime service" endpoint="unix://(/\S*/kubelet_remote_[0-9]+\.sock)"`)
)

// hollowKubeletLeftovers are the files a hollow kubelet made outside Dir, which it does not
// remove when killed, as its log names them.
func hollowKubeletLeftovers(p *process) []string {
	data, err := os.ReadFile(p.log)
	if err != nil {
		return nil
	}
	var paths []string
	for _, re := range []*regexp.Regexp{hollowRootDir, hollowSocket} {
		if m := re.FindSubmatch(data); m != nil {
			paths = append(paths, string(m[1]))
		}
	}
	return paths
}
