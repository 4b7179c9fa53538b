package kubeletconfig

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"palisade.dev/palisade/internal/flags"
)

// applyFlags sets the values of the command-line flags over the files', as
// kubeletConfigFlagPrecedence does: every flag wins over the files, lists and maps replace
// theirs, and --feature-gates replaces only the gates it names.
func (e *Effective) applyFlags(fl *flags.Set) {
	for i := range fieldTable {
		f := &fieldTable[i]
		if f.flag == "" {
			continue
		}
		v := fl.Lookup(f.flag)
		if !v.Given {
			continue
		}
		src := Source{Kind: Flag, Where: "--" + f.flag}
		bad := func(why string) {
			e.Errors = append(e.Errors, fmt.Sprintf("flag --%s=%s: %s (the kubelet does not start)", f.flag, v.Raw, why))
		}
		switch f.kind {
		case kindBool:
			b, err := strconv.ParseBool(v.Raw)
			if err != nil {
				bad("not a boolean")
				continue
			}
			if f.path == "seccompDefault" && !b && e.values[f.path].value == "true" {
				// --seccomp-default is a flag of its own, or'ed with the file's seccompDefault
				// (server.go): false on the command line does not turn the file's true off.
				continue
			}
			e.values[f.path] = leaf{value: strconv.FormatBool(b), src: src}
		case kindInt:
			// pflag's Int32Var and Int64Var parse with base 0 (0x10 is 16).
			n, err := strconv.ParseInt(v.Raw, 0, 64)
			if err != nil {
				bad("not an integer")
				continue
			}
			e.values[f.path] = leaf{value: strconv.FormatInt(n, 10), src: src}
		case kindDuration:
			d, err := time.ParseDuration(v.Raw)
			if err != nil {
				bad("not a duration")
				continue
			}
			e.values[f.path] = leaf{value: d.String(), src: src}
		case kindList:
			e.deleteUnder(f.path)
			e.values[f.path] = leaf{value: strings.Join(v.List(), ","), src: src}
		case kindMap:
			e.applyMapFlag(f, v, src, bad)
		default:
			e.values[f.path] = leaf{value: v.Raw, src: src}
		}
	}
}

func (e *Effective) applyMapFlag(f *field, v flags.Value, src Source, bad func(string)) {
	sep := "="
	if f.flag == "eviction-hard" || f.flag == "eviction-soft" {
		sep = "<" // cliflag.LangleSeparatedMapStringString: memory.available<100Mi
	}
	pairs := map[string]string{}
	for _, item := range v.List() {
		k, val, ok := strings.Cut(item, sep)
		if !ok || strings.TrimSpace(k) == "" {
			bad(fmt.Sprintf("%q is not key%svalue", item, sep))
			return
		}
		k, val = strings.TrimSpace(k), strings.TrimSpace(val)
		if f.path == "featureGates" {
			b, err := strconv.ParseBool(val)
			if err != nil {
				bad(fmt.Sprintf("feature gate %s=%s is not a boolean", k, val))
				return
			}
			val = strconv.FormatBool(b)
		}
		pairs[k] = val
	}
	if f.path != "featureGates" {
		e.deleteUnder(f.path)
	}
	for k, val := range pairs {
		e.values[f.path+"."+k] = leaf{value: val, src: src}
	}
}
