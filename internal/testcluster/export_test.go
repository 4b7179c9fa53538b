package testcluster

// HollowKubeletFiles are the files the hollow kubelet made outside Dir, which Stop removes.
func (c *Cluster) HollowKubeletFiles() []string {
	for _, p := range c.procs {
		if p.name == "kubemark" {
			return hollowKubeletLeftovers(p)
		}
	}
	return nil
}
