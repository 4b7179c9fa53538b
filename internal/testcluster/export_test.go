package testcluster

// PIDs are the process ids of the cluster's programs, for tests that check Stop ends them.
func (c *Cluster) PIDs() []int {
	pids := make([]int, len(c.procs))
	for i, p := range c.procs {
		pids[i] = p.cmd.Process.Pid
	}
	return pids
}
