package inventory

import (
	"maps"
	"strings"
)

// Release drops what a streaming scan no longer needs once an object's own rules have run:
// its content (typed value, plain data, pod template) and the positions of every field but
// its metadata (name, namespace, labels and each annotation, of the object and of its pod
// template), which findings about the object as a whole, exemption annotations and namespace
// rules still point at. keepPositions keeps every position, for an object that deferred
// checks will still report on.
//
// The identity it keeps is copied, so that it does not pin the decoded document (whose
// strings may share one buffer) in memory.
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
	o.Name, o.Namespace = strings.Clone(o.Name), strings.Clone(o.Namespace)
	o.Labels, o.Annotations = cloneStrings(o.Labels), cloneStrings(o.Annotations)
}

func cloneStrings(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range maps.All(m) {
		out[strings.Clone(k)] = strings.Clone(v)
	}
	return out
}

// trim returns the positions of the given paths and of their parents only.
func (p *Positions) trim(paths []string) *Positions {
	want := map[PathHash]bool{}
	for _, path := range paths {
		for _, h := range PathHashes(path) {
			want[h] = true
		}
	}
	out := &Positions{root: p.root}
	for _, e := range p.entries {
		if want[PathHash(e.hash)] {
			out.entries = append(out.entries, e)
		}
	}
	return out
}
