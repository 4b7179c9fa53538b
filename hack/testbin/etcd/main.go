// Command etcd is the etcd server the test cluster runs, built from the
// published etcd server module so that tests need nothing but Go.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
