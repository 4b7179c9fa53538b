// Package version holds the build's version, set with -ldflags at release time.
package version

// Version is Palisade's version; "dev" for builds from a work tree.
var Version = "dev"
