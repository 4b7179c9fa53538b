package inventory

// Release drops what a streaming scan no longer needs once an object's own rules have run:
// its content (typed value, plain data, pod template) and the positions of every field but
// its metadata (name, namespace, labels and each annotation, of the object and of its pod
// template), which findings about the object as a whole, exemption annotations and namespace
// rules still point at. keepPositions keeps every position, for an object that deferred
// checks will still report on.
//
// The identity it keeps (name, namespace, labels, annotations) is kept as decoded: decoders
// give every string and map its own allocation, sized to it, so keeping them pins nothing of
// the decoded document, and copying them would only double them for a moment.
func (o *Object) Release(keepPositions bool) {
	if !keepPositions && o.Positions != nil {
		keep := []string{"metadata.name", "metadata.namespace", "metadata.labels", "metadata.annotations"}
		for k := range o.Annotations {
			keep = append(keep, "metadata.annotations["+k+"]")
		}
		if pod, ok := PodTemplateOf(o); ok && pod.MetaPath != "metadata" {
			keep = append(keep, pod.MetaPath+".annotations")
			for k := range pod.Meta.Annotations {
				keep = append(keep, pod.MetaPath+".annotations["+k+"]")
			}
		}
		o.Positions = o.Positions.trim(keep)
	}
	o.Typed, o.Content, o.shapePod = nil, nil, nil
}

// trim returns the positions of the given paths and of their parents only.
func (p *Positions) trim(paths []string) *Positions {
	want := map[PathHash]bool{}
	var buf [16]PathHash
	for _, path := range paths {
		for _, h := range appendPathHashes(buf[:0], path) {
			want[h] = true
		}
	}
	n := 0
	for _, e := range p.entries {
		if want[PathHash(e.hash)] {
			n++
		}
	}
	out := &Positions{root: p.root, entries: make([]posEntry, 0, n)}
	for _, e := range p.entries {
		if want[PathHash(e.hash)] {
			out.entries = append(out.entries, e)
		}
	}
	return out
}
