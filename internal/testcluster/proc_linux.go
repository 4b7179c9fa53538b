package testcluster

import "syscall"

// sysProcAttr puts a cluster process in a process group of its own, so that Stop ends its
// children too, and has the kernel kill it when the test process dies (a panic, a timeout,
// a signal), so that no etcd or kube-apiserver outlives its test. Pdeathsig follows the OS
// thread that started the child; the Go runtime does not end threads other than those of
// goroutines that locked them, which never start cluster processes.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
