package testcluster

// PIDs are the process ids of the cluster's programs, for tests that check Stop ends them.
func (c *Cluster) PIDs() []int {
	pids := make([]int, len(c.procs))
	for i, p := range c.procs {
		pids[i] = p.cmd.Process.Pid
	}
	return pids
}

// HollowKubeletFiles are the files the hollow kubelet made outside Dir, which Stop removes.
func (c *Cluster) HollowKubeletFiles() []string {
	for _, p := range c.procs {
		if p.name == "kubemark" {
			return hollowKubeletLeftovers(p)
		}
	}
	return nil
}
