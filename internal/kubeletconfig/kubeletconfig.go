// Package kubeletconfig computes a kubelet's effective configuration the way the kubelet does
// at start-up, and remembers where every value came from: the file named by --config, the
// drop-ins of --config-dir merged over it, the command-line flags over both, and for what no
// source sets, the defaults of the right column (a config file in use, or a kubelet run
// without one, whose defaults are the flags' legacy ones: anonymous authentication on,
// AlwaysAllow, the read-only port open). It owns that computation and the decoding of
// KubeletConfiguration files; it judges nothing, and reads files only through the function
// it is given.
//
// Sources: kubernetes/kubernetes cmd/kubelet/app/server.go (loadConfigFile,
// mergeKubeletConfigurations, kubeletConfigFlagPrecedence), cmd/kubelet/app/options/options.go,
// pkg/kubelet/apis/config/v1beta1/defaults.go, pkg/kubelet/kubeletconfig (v1.37);
// https://kubernetes.io/docs/tasks/administer-cluster/kubelet-config-file/.
package kubeletconfig

import (
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"palisade.dev/palisade/internal/flags"
	"palisade.dev/palisade/internal/inventory"
)

// SourceKind says which of the kubelet's sources decided a value.
type SourceKind string

// Source kinds, from the strongest.
const (
	Flag    SourceKind = "flag"
	DropIn  SourceKind = "drop-in"
	File    SourceKind = "file"
	Default SourceKind = "default"
)

// Source is where a value came from. Where is the flag ("--anonymous-auth"), the file's path,
// or for a default which defaults applied ("default with a config file", "default for a
// kubelet run with flags only").
type Source struct {
	Kind  SourceKind
	Where string
}

// String says where a value came from, for evidence: "flag --anonymous-auth", "config file
// /var/lib/kubelet/config.yaml", "drop-in /etc/kubernetes/kubelet/config.json.d/40.conf", or
// the default's description.
func (s Source) String() string {
	switch s.Kind {
	case Flag:
		return "flag " + s.Where
	case File:
		return "config file " + s.Where
	case DropIn:
		return "drop-in " + s.Where
	}
	return s.Where
}

// Field is one effective value. Value is rendered as text the same way whatever its source:
// "true", "0", "4h0m0s" (a parsed duration), "Webhook", lists joined by commas, maps as sorted
// key=value pairs joined by commas. Set is false when the value is a default; a default of a
// field whose default Palisade does not know has Value "" and Known false.
type Field struct {
	Path   string
	Value  string
	Set    bool
	Known  bool
	Source Source
}

// String is the field as evidence: "authentication.anonymous.enabled=true (default for a
// kubelet run with flags only)".
func (f Field) String() string {
	return fmt.Sprintf("%s=%s (%s)", f.Path, f.Value, f.Source)
}

// Bool is the value as a boolean (false when it is not one).
func (f Field) Bool() bool { b, _ := strconv.ParseBool(f.Value); return b }

// Int is the value as an integer; ok is false when it is not one.
func (f Field) Int() (n int64, ok bool) {
	n, err := strconv.ParseInt(f.Value, 10, 64)
	return n, err == nil
}

// Duration is the value as a duration; ok is false when it is not one.
func (f Field) Duration() (d time.Duration, ok bool) {
	d, err := time.ParseDuration(f.Value)
	return d, err == nil
}

// List is a list value's items.
func (f Field) List() []string {
	if f.Value == "" {
		return nil
	}
	return strings.Split(f.Value, ",")
}

// Effective is a kubelet's effective configuration.
type Effective struct {
	// ConfigFile is --config's value, "" without one; ConfigDir is --config-dir's, and DropIns
	// the drop-in files read from it, in the order they were merged.
	ConfigFile string
	ConfigDir  string
	DropIns    []string
	// FlagsOnly is true when the kubelet runs without --config: the legacy defaults apply to
	// what neither a drop-in nor a flag sets.
	FlagsOnly bool
	// Errors are what would stop the kubelet from starting with this configuration, each
	// naming the file or flag and the cause: a missing or malformed file, a wrong
	// apiVersion/kind, a value of the wrong type, a flag that does not parse. The values of a
	// file in error are not used.
	Errors []string
	// Warnings are what the kubelet accepts with a warning: unknown or duplicate fields (the
	// kubelet decodes v1beta1 files leniently when strict decoding fails, ignoring them), and
	// drop-in directory entries without the .conf suffix, which it skips.
	Warnings []string

	values map[string]leaf
}

// leaf is one value set by a source, rendered.
type leaf struct {
	value string
	src   Source
}

// Default descriptions.
const (
	defaultWithConfig   = "default with a config file"
	defaultFlagsOnly    = "default for a kubelet run with flags only"
	defaultNoConfigFile = "default for a kubelet run without --config"
)

// maxDropInDepth bounds the walk of --config-dir's subdirectories.
const maxDropInDepth = 8

// Resolve computes the kubelet's effective configuration from its command line and the files
// it names: --config (YAML or JSON KubeletConfiguration, kubelet.config.k8s.io/v1beta1), the
// drop-ins of --config-dir (the *.conf files of the directory and its subdirectories, in
// lexical order, each a KubeletConfiguration merged over the result so far as a JSON merge
// patch), command-line flags over both, then the defaults of the right column. file returns
// what the node source found at a path, or nil when it did not look; fl may be nil.
func Resolve(fl *flags.Set, file func(path string) *inventory.File) *Effective {
	if fl == nil {
		fl = flags.Parse(nil, nil)
	}
	if file == nil {
		file = func(string) *inventory.File { return nil }
	}
	e := &Effective{values: map[string]leaf{}}
	e.ConfigFile = fl.Lookup("config").String()
	e.ConfigDir = fl.Lookup("config-dir").String()
	e.FlagsOnly = e.ConfigFile == ""
	if e.ConfigFile != "" {
		e.loadConfigFile(e.ConfigFile, file)
	}
	if e.ConfigDir != "" {
		e.loadDropIns(e.ConfigDir, file)
	}
	e.applyFlags(fl)
	return e
}

// read returns the content of a file, or records why it cannot be had.
func (e *Effective) read(what, p string, file func(string) *inventory.File) ([]byte, bool) {
	f := file(p)
	switch {
	case f == nil:
		e.Errors = append(e.Errors, fmt.Sprintf("%s %s: not read by the node source", what, p))
	case !f.Exists:
		e.Errors = append(e.Errors, fmt.Sprintf("%s %s: no such file (the kubelet does not start without it)", what, p))
	case f.Err != "":
		e.Errors = append(e.Errors, fmt.Sprintf("%s %s: %s", what, p, f.Err))
	case f.IsDir:
		e.Errors = append(e.Errors, fmt.Sprintf("%s %s: is a directory", what, p))
	case f.Truncated:
		e.Errors = append(e.Errors, fmt.Sprintf("%s %s: too large, only its start was read", what, p))
	case len(f.Data) == 0:
		e.Errors = append(e.Errors, fmt.Sprintf("%s %s: the file is empty (the kubelet refuses an empty config file)", what, p))
	default:
		return f.Data, true
	}
	return nil, false
}

func (e *Effective) loadConfigFile(p string, file func(string) *inventory.File) {
	data, ok := e.read("config file", p, file)
	if !ok {
		return
	}
	obj, warnings, err := Decode(data)
	for _, w := range warnings {
		e.Warnings = append(e.Warnings, fmt.Sprintf("config file %s: %s", p, w))
	}
	if err != nil {
		e.Errors = append(e.Errors, fmt.Sprintf("config file %s: %v", p, err))
		return
	}
	src := Source{Kind: File, Where: p}
	e.mergePatch("", obj, src)
	// The kubelet resolves the relative paths of its config file against the file's
	// directory (configfiles.resolveRelativePaths); drop-ins and flags are left as written.
	dir := path.Dir(p)
	for _, f := range fieldTable {
		if l, ok := e.values[f.path]; ok && f.isPath && l.value != "" && !path.IsAbs(l.value) {
			l.value = path.Join(dir, l.value)
			e.values[f.path] = l
		}
	}
}

// loadDropIns merges the *.conf files under dir, walking it as filepath.WalkDir does:
// entries in lexical order, subdirectories descended where they stand.
func (e *Effective) loadDropIns(dir string, file func(string) *inventory.File) {
	d := file(dir)
	switch {
	case d == nil:
		e.Errors = append(e.Errors, fmt.Sprintf("config dir %s: not read by the node source", dir))
		return
	case !d.Exists:
		e.Errors = append(e.Errors, fmt.Sprintf("config dir %s: no such directory (the kubelet does not start without it)", dir))
		return
	case d.Err != "":
		e.Errors = append(e.Errors, fmt.Sprintf("config dir %s: %s", dir, d.Err))
		return
	case !d.IsDir:
		e.Errors = append(e.Errors, fmt.Sprintf("config dir %s: not a directory", dir))
		return
	}
	e.walkDropIns(dir, d.Entries, file, 0)
}

func (e *Effective) walkDropIns(dir string, entries []string, file func(string) *inventory.File, depth int) {
	names := slices.Clone(entries)
	slices.Sort(names)
	for _, name := range names {
		p := strings.TrimSuffix(dir, "/") + "/" + name
		f := file(p)
		if f != nil && f.IsDir {
			if depth+1 >= maxDropInDepth {
				e.Warnings = append(e.Warnings, fmt.Sprintf("config dir %s: not descended, nested too deep", p))
				continue
			}
			e.walkDropIns(p, f.Entries, file, depth+1)
			continue
		}
		if path.Ext(name) != ".conf" {
			e.Warnings = append(e.Warnings, fmt.Sprintf("drop-in %s: skipped, the kubelet reads only *.conf files", p))
			continue
		}
		data, ok := e.read("drop-in", p, file)
		if !ok {
			continue
		}
		obj, warnings, err := Decode(data)
		for _, w := range warnings {
			e.Warnings = append(e.Warnings, fmt.Sprintf("drop-in %s: %s", p, w))
		}
		if err != nil {
			e.Errors = append(e.Errors, fmt.Sprintf("drop-in %s: %v", p, err))
			continue
		}
		e.DropIns = append(e.DropIns, p)
		e.mergePatch("", obj, Source{Kind: DropIn, Where: p})
	}
}

// mergePatch applies obj over the values as an RFC 7386 JSON merge patch, which is how the
// kubelet merges drop-ins (and, equivalently, reads its config file over the defaults):
// objects merge key by key, null removes, anything else replaces.
func (e *Effective) mergePatch(prefix string, obj map[string]any, src Source) {
	for k, v := range obj {
		if prefix == "" && (k == "apiVersion" || k == "kind") {
			continue
		}
		p := k
		if prefix != "" {
			p = prefix + "." + k
		}
		switch v := v.(type) {
		case nil:
			e.deleteUnder(p)
		case map[string]any:
			delete(e.values, p)
			e.mergePatch(p, v, src)
		default:
			e.deleteUnder(p)
			e.values[p] = leaf{value: render(p, v), src: src}
		}
	}
}

// deleteUnder removes the value at p and every value below it.
func (e *Effective) deleteUnder(p string) {
	delete(e.values, p)
	for k := range e.values {
		if strings.HasPrefix(k, p) && len(k) > len(p) && k[len(p)] == '.' {
			delete(e.values, k)
		}
	}
}

// Get returns the effective value at a KubeletConfiguration JSON path
// ("authentication.anonymous.enabled", "featureGates.RotateKubeletServerCertificate").
func (e *Effective) Get(p string) Field {
	f := fieldsByPath[p]
	if f != nil && f.kind == kindMap {
		return e.getMap(p)
	}
	if l, ok := e.values[p]; ok {
		switch {
		case f != nil && l.src.Kind != Flag && f.zeroIsUnset && isZero(l.value):
			// The kubelet defaults the field after reading its files: their zero is unset.
			d := e.defaultOf(f)
			d.Source.Where += fmt.Sprintf("; %s=%s in %s is the unset value", p, quoteEmpty(l.value), l.src.Where)
			return d
		case p == "podPidsLimit" && l.src.Kind != Flag && strings.HasPrefix(l.value, "-"):
			// SetDefaults: a negative podPidsLimit from a file becomes -1.
			return Field{Path: p, Value: "-1", Set: true, Known: true, Source: l.src}
		}
		return Field{Path: p, Value: l.value, Set: true, Known: true, Source: l.src}
	}
	if f != nil {
		return e.defaultOf(f)
	}
	if gate, ok := strings.CutPrefix(p, "featureGates."); ok {
		if v, known := featureGateDefaults[gate]; known {
			return Field{Path: p, Value: v, Known: true, Source: Source{Kind: Default, Where: "default of the feature gate"}}
		}
	}
	return Field{Path: p, Source: Source{Kind: Default, Where: "not set; a default Palisade does not model"}}
}

func quoteEmpty(v string) string {
	if v == "" {
		return `""`
	}
	return v
}

// getMap gathers a map field's keys; its source is the strongest of theirs.
func (e *Effective) getMap(p string) Field {
	var pairs []string
	var src Source
	for k, l := range e.values {
		key, ok := strings.CutPrefix(k, p+".")
		if !ok {
			continue
		}
		pairs = append(pairs, key+"="+l.value)
		if src.Kind == "" || rank(l.src.Kind) < rank(src.Kind) {
			src = l.src
		}
	}
	if len(pairs) == 0 {
		return e.defaultOf(fieldsByPath[p])
	}
	slices.Sort(pairs)
	return Field{Path: p, Value: strings.Join(pairs, ","), Set: true, Known: true, Source: src}
}

func rank(k SourceKind) int {
	switch k {
	case Flag:
		return 0
	case DropIn:
		return 1
	case File:
		return 2
	}
	return 3
}

// defaultOf is the default that applies to a field no source sets.
func (e *Effective) defaultOf(f *field) Field {
	where := defaultWithConfig
	if e.FlagsOnly {
		where = defaultFlagsOnly
		if e.ConfigDir != "" {
			where = defaultNoConfigFile
		}
	}
	out := Field{Path: f.path, Value: f.def, Known: f.hasDef || f.kind == kindMap, Source: Source{Kind: Default, Where: where}}
	if e.FlagsOnly && f.hasLegacy {
		out.Value = f.legacy
	}
	return out
}

func isZero(v string) bool { return v == "" || v == "0" || v == "0s" }
