package report

import (
	"bufio"
	"slices"
	"strconv"
)

// writeDigest writes every field of a report that writeYAML writes, but the results' time,
// each string as it is and followed by a zero byte (which no field holds unescaped), and maps
// in key order: what a report's digest is taken of. It is several times cheaper than the
// YAML, which decides for every string how to quote it, and a test holds it to every field.
func (r *prReport) writeDigest(w *bufio.Writer) {
	str := func(s string) {
		w.WriteString(s)
		w.WriteByte(0)
	}
	num := func(n int) {
		w.WriteString(strconv.Itoa(n))
		w.WriteByte(0)
	}
	strMap := func(m map[string]string) {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		num(len(keys))
		for _, k := range keys {
			str(k)
			str(m[k])
		}
	}
	str(r.APIVersion)
	str(r.Kind)
	str(r.Metadata.Name)
	str(r.Metadata.Namespace)
	strMap(r.Metadata.Labels)
	str(r.Source)
	for _, n := range [...]int{r.Summary.Pass, r.Summary.Fail, r.Summary.Warn, r.Summary.Error, r.Summary.Skip} {
		num(n)
	}
	num(len(r.Results))
	for i := range r.Results {
		res := &r.Results[i]
		for _, s := range [...]string{res.Policy, res.Rule, res.Result, res.Severity, res.Category, res.Message, res.Source} {
			str(s)
		}
		if res.Scored {
			str("scored")
		} else {
			str("")
		}
		num(len(res.Resources))
		for _, o := range res.Resources {
			for _, s := range [...]string{o.APIVersion, o.Kind, o.Namespace, o.Name, o.UID} {
				str(s)
			}
		}
		strMap(res.Properties)
	}
}
