package testcluster

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"
)

// ControllerManagerUser is the user kube-controller-manager runs as. It is in
// system:masters: the only controller it runs, clusterrole-aggregation, rewrites ClusterRoles
// with any rules, which takes the escalate verb that a real cluster grants the controller's
// own ServiceAccount (--use-service-account-credentials, whose token machinery these clusters
// do not run).
const ControllerManagerUser = "testcluster-controller-manager"

// controllerManagerTimeout bounds the wait for the first aggregation.
const controllerManagerTimeout = 90 * time.Second

// startControllerManager starts kube-controller-manager with its clusterrole-aggregation
// controller only, and waits until it has filled the aggregated ClusterRole "view" that the
// API server creates at start-up with no rules, which shows the controller at work.
func (c *Cluster) startControllerManager(ctx context.Context, bins binaries) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	kubeconfig := filepath.Join(c.Dir, "controller-manager.kubeconfig")
	if err := clientcmd.WriteToFile(*c.kubeconfig([]string{ControllerManagerUser}, ControllerManagerUser), kubeconfig); err != nil {
		return fmt.Errorf("writing the controller manager's kubeconfig: %w", err)
	}
	p, err := startProcess(c.Dir, "kube-controller-manager", bins.controllerManager, []string{
		"--kubeconfig=" + kubeconfig,
		"--controllers=clusterrole-aggregation-controller",
		"--leader-elect=false",
		"--bind-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(port),
		"--cert-dir=" + filepath.Join(c.Dir, "controller-manager-certs"),
	}, nil)
	if err != nil {
		return err
	}
	c.procs = append(c.procs, p)
	began := time.Now()
	roles := c.Client(Admin).RbacV1().ClusterRoles()
	err = poll(ctx, controllerManagerTimeout, p, "waiting for kube-controller-manager to aggregate ClusterRole view", func() bool {
		view, err := roles.Get(ctx, "view", metav1.GetOptions{})
		return err == nil && len(view.Rules) > 0
	})
	if err != nil {
		return err
	}
	c.logf("testcluster: kube-controller-manager aggregating ClusterRoles in %s", time.Since(began).Round(time.Millisecond))
	return nil
}
