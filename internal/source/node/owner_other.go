//go:build !unix

package node

import "io/fs"

// owner returns -1, -1 where files have no Unix owner.
func owner(fs.FileInfo) (uid, gid int) { return -1, -1 }
