#!/usr/bin/env bash
# Builds the test cluster's programs (kube-apiserver, kube-controller-manager,
# kubemark, etcd) from their Go modules into a cache folder keyed by their
# versions, and prints that folder. A second run finds them there and costs
# nothing.
#
#   hack/testbin/build.sh            build when missing, print the folder
#   hack/testbin/build.sh --dir      print the folder only
set -euo pipefail
cd "$(dirname "$0")"

k8s=$(awk '$1 == "k8s.io/kubernetes" { print $2; exit }' go.mod)
etcd=$(awk '$1 == "go.etcd.io/etcd/server/v3" { print $2; exit }' go.mod)
gover=$(go env GOVERSION)
cache=${PALISADE_TESTBIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/palisade/testbin}
dir="$cache/kubernetes-$k8s-etcd-$etcd-$gover"

if [[ ${1:-} == --dir ]]; then echo "$dir"; exit 0; fi

major=${k8s#v}; major=${major%%.*}
minor=${k8s#v*.}; minor=${minor%%.*}
ldflags="-s -w -X k8s.io/component-base/version.gitVersion=$k8s \
 -X k8s.io/component-base/version.gitMajor=$major \
 -X k8s.io/component-base/version.gitMinor=$minor \
 -X k8s.io/component-base/version.gitTreeState=clean"

build() { # name package
	[[ -x "$dir/$1" ]] && return 0
	echo "testbin: building $1 ($2) into $dir" >&2
	mkdir -p "$dir"
	go build -trimpath -ldflags "$ldflags" -o "$dir/$1.tmp" "$2"
	mv "$dir/$1.tmp" "$dir/$1"
}

build etcd ./etcd
build kube-apiserver k8s.io/kubernetes/cmd/kube-apiserver
build kube-controller-manager k8s.io/kubernetes/cmd/kube-controller-manager
build kubemark k8s.io/kubernetes/cmd/kubemark
echo "$dir"
