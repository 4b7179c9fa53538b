package inventory

import (
	"math/bits"
	"slices"
	"strings"
)

// Keep says which of its labels and annotations an object keeps when it is released:
// those that readers after its own rules still look up, such as a suppression config's label
// exemptions and the exemption annotations. Labels are most of what a released object holds,
// and nearly every object's are its own. The zero value keeps them all.
type Keep struct {
	// DropLabels lets the object's labels go. Its pod template's stay in its PodSummary, which
	// NetworkPolicy selectors match, and a Namespace keeps its own, which namespace selectors
	// (of policies and their bindings, from the input or given beside it) match.
	DropLabels bool
	// Annotation, when set, keeps only the annotations whose key it accepts, of the object and
	// of its pod template, with their positions.
	Annotation func(key string) bool
}

// Release drops what a streaming scan no longer needs once an object's own rules have run:
// its content (typed value, plain data, pod template), what id does not keep of its labels
// and annotations, and the positions of every field but its metadata (name, namespace,
// labels and each annotation kept, of the object and of its pod template), which findings
// about the object as a whole, exemption annotations and namespace rules still point at.
// keepPositions keeps every position, for an object that deferred checks will still report
// on at paths they did not name; ReleaseKeeping keeps the paths named.
//
// The identity it keeps (name, namespace, labels, annotations) is kept as decoded: decoders
// give every string and map its own allocation, sized to it, so keeping them pins nothing of
// the decoded document, and copying them would only double them for a moment.
func (o *Object) Release(keepPositions bool, id Keep) {
	if keepPositions {
		o.keepSummaries()
		o.forget(id)
		return
	}
	o.ReleaseKeeping(nil, id)
}

// ReleaseKeeping is Release that also keeps the positions of paths (and of their parents, where
// a missing field is located), for deferred checks that will report there.
func (o *Object) ReleaseKeeping(paths []string, id Keep) {
	o.keepSummaries()
	o.forget(id)
	if o.Positions != nil {
		// The hashes of the paths kept and of their parents, worked out from the hashes of
		// their parents rather than from the paths written out.
		var buf [24]PathHash
		meta := RootHash.Key("metadata")
		want := append(buf[:0], meta, meta.Key("name"), meta.Key("namespace"), meta.Key("labels"))
		want = appendAnnotations(want, meta, o.Annotations)
		if o.pod != nil && o.pod.MetaPath != "metadata" {
			parents := len(want)
			want = appendPathHashes(want, o.pod.MetaPath)
			podMeta := RootHash
			if len(want) > parents {
				podMeta = want[len(want)-1]
			}
			want = appendAnnotations(want, podMeta, o.pod.Annotations)
		}
		for _, p := range paths {
			want = appendPathHashes(want, p)
		}
		o.Positions = o.Positions.keep(want)
	}
}

// forget drops the object's content, and what id does not keep of its labels and annotations;
// keepSummaries has run.
func (o *Object) forget(id Keep) {
	o.Typed, o.Content = nil, nil
	if id.DropLabels && (o.GVK.Kind != "Namespace" || o.GVK.Group != "") {
		o.Labels = nil
	}
	if id.Annotation != nil {
		o.Annotations = onlyAnnotations(o.Annotations, id.Annotation)
		if o.pod != nil {
			o.pod.Annotations = onlyAnnotations(o.pod.Annotations, id.Annotation)
		}
	}
}

// onlyAnnotations returns the annotations whose key keep accepts: annotations itself when it
// accepts them all, nil when it accepts none.
func onlyAnnotations(annotations map[string]string, keep func(key string) bool) map[string]string {
	n := 0
	for k := range annotations {
		if keep(k) {
			n++
		}
	}
	switch n {
	case len(annotations):
		return annotations
	case 0:
		return nil
	}
	kept := make(map[string]string, n)
	for k, v := range annotations {
		if keep(k) {
			kept[k] = v
		}
	}
	return kept
}

// appendAnnotations appends the hashes of the path meta.annotations and of each annotation
// below it (meta.annotations[key]) to out.
func appendAnnotations(out []PathHash, meta PathHash, annotations map[string]string) []PathHash {
	ann := meta.Key("annotations")
	out = append(out, ann)
	for k := range annotations {
		out = appendBracketed(out, ann, k)
	}
	return out
}

// appendBracketed appends the hashes that appendPathHashes gives the "[key]" part of a path
// whose parent hashes to h.
func appendBracketed(out []PathHash, h PathHash, key string) []PathHash {
	if strings.IndexByte(key, ']') >= 0 {
		// A key the path notation cannot hold as written: hash it as Locate would read it.
		return appendPathHashesFrom(out, h, "["+key+"]")
	}
	return append(out, bracketHash(h, key))
}

// trim returns the positions of the given paths and of their parents only.
func (p *Positions) trim(paths []string) *Positions {
	var want []PathHash
	for _, path := range paths {
		want = appendPathHashes(want, path)
	}
	return p.keep(want)
}

// keep returns the positions whose path hashes to one of want, in a slice of their own.
func (p *Positions) keep(want []PathHash) *Positions {
	slices.Sort(want)
	want = slices.Compact(want)
	var found [24]posEntry
	kept := found[:0]
	if p.borrowed {
		// In the order added: pick the wanted ones, then sort those few. A bit per wanted
		// hash's low bits turns most entries away before any search.
		var bloom uint64
		for _, h := range want {
			bloom |= 1 << (h & 63)
		}
		for _, e := range p.entries {
			if bloom&(1<<(e.hash&63)) == 0 {
				continue
			}
			if _, ok := slices.BinarySearch(want, PathHash(e.hash)); ok {
				kept = append(kept, e)
			}
		}
		sortEntries(kept, 2*bits.Len(uint(len(kept))))
		return &Positions{root: p.root, entries: slices.Clone(kept)}
	}
	for _, h := range want {
		i, _ := slices.BinarySearchFunc(p.entries, uint64(h), func(e posEntry, t uint64) int {
			switch {
			case e.hash < t:
				return -1
			case e.hash > t:
				return 1
			}
			return 0
		})
		for ; i < len(p.entries) && p.entries[i].hash == uint64(h); i++ {
			kept = append(kept, p.entries[i])
		}
	}
	return &Positions{root: p.root, entries: slices.Clone(kept)}
}
