//go:build unix && !linux

package testcluster

import "syscall"

// sysProcAttr puts a cluster process in a process group of its own, so that Stop ends its
// children too. Outside Linux there is no parent-death signal: a test process that is killed
// leaves its cluster running.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
