package spool

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sync"

	"palisade.dev/palisade/internal/finding"
)

// stringTable is the table of the strings that findings share (rule IDs, titles, remedies, kinds,
// namespaces, files): each is written once, and a record names it by its number. It is safe for
// concurrent use: the decoding goroutines of a scan encode at the same time.
type stringTable struct {
	mu   sync.RWMutex
	ids  map[string]uint32
	strs []string
}

func (t *stringTable) id(s string) uint32 {
	t.mu.RLock()
	id, ok := t.ids[s]
	t.mu.RUnlock()
	if ok {
		return id
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if id, ok := t.ids[s]; ok {
		return id
	}
	if t.ids == nil {
		t.ids = map[string]uint32{}
	}
	id = uint32(len(t.strs))
	t.ids[s] = id
	t.strs = append(t.strs, s)
	return id
}

// snapshot returns the strings numbered so far: numbers are never reused, so a reader may
// look them up in it without the lock while writers add more.
func (t *stringTable) snapshot() []string {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.strs
}

// values holds the patch values the record format does not write out (a typed slice a rule
// built, say): they stay in memory, and the record names them by their number. Rules build
// few of them, and only scans that keep remedies carry any.
type valueTable struct {
	mu   sync.Mutex
	vals []any
}

func (t *valueTable) add(v any) uint64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.vals = append(t.vals, v)
	return uint64(len(t.vals) - 1)
}

func (t *valueTable) get(id uint64) (any, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if id >= uint64(len(t.vals)) {
		return nil, fmt.Errorf("value %d of a table of %d", id, len(t.vals))
	}
	return t.vals[id], nil
}

// codec writes findings as records and reads them back exactly: the same strings, numbers,
// remedies, related checks and suppression, so that a report written from records is byte
// for byte the report written from the findings.
type codec struct {
	strings stringTable
	values  valueTable
}

// The flags of a record say which of its optional parts follow.
const (
	hasFix = 1 << iota
	hasSuppression
	hasRelated
	hasObjectAt
)

// Kinds of patch values.
const (
	valueNil byte = iota
	valueFalse
	valueTrue
	valueString
	valueInt
	valueInt64
	valueFloat64
	valueList
	valueMap
	valueStrings
	valueKept // in the value table
)

// appendFinding appends the record of f to b.
func (c *codec) appendFinding(b []byte, f *finding.Finding) []byte {
	var flags byte
	if len(f.Fix) > 0 {
		flags |= hasFix
	}
	if f.Suppression != nil {
		flags |= hasSuppression
	}
	if f.Related != nil {
		flags |= hasRelated
	}
	if f.ObjectAt.Known {
		flags |= hasObjectAt
	}
	b = append(b, flags)
	b = c.appendShared(b, f.RuleID)
	b = c.appendShared(b, f.Title)
	b = binary.AppendVarint(b, int64(f.Severity))
	b = c.appendShared(b, f.Object.APIVersion)
	b = c.appendShared(b, f.Object.Kind)
	b = c.appendShared(b, f.Object.Namespace)
	b = appendString(b, f.Object.Name)
	b = appendString(b, f.Object.UID)
	b = appendString(b, f.Container)
	b = appendString(b, f.Path)
	b = c.appendShared(b, f.Location.File)
	b = binary.AppendVarint(b, int64(f.Location.Document))
	b = binary.AppendVarint(b, int64(f.Location.Line))
	b = binary.AppendVarint(b, int64(f.Location.Column))
	b = c.appendShared(b, f.Location.Template)
	b = c.appendShared(b, f.Location.Host)
	b = c.appendShared(b, f.Location.Cluster)
	b = appendString(b, f.Message)
	b = c.appendShared(b, f.Remedy)
	b = appendString(b, f.Evidence)
	b = c.appendShared(b, string(f.Status))
	if flags&hasObjectAt != 0 {
		b = binary.AppendVarint(b, int64(f.ObjectAt.Line))
		b = binary.AppendVarint(b, int64(f.ObjectAt.Column))
	}
	if flags&hasFix != 0 {
		b = binary.AppendUvarint(b, uint64(len(f.Fix)))
		for i := range f.Fix {
			p := &f.Fix[i]
			b = appendString(b, p.Path)
			b = c.appendValue(b, p.Value)
			b = appendBool(b, p.Remove)
			b = appendString(b, p.Rename)
			b = appendString(b, p.Comment)
		}
	}
	if flags&hasSuppression != 0 {
		b = c.appendShared(b, f.Suppression.Source)
		b = c.appendShared(b, f.Suppression.Reason)
	}
	if flags&hasRelated != 0 {
		r := f.Related
		b = appendBool(b, r.Checks != nil)
		b = binary.AppendUvarint(b, uint64(len(r.Checks)))
		for i := range r.Checks {
			k := &r.Checks[i]
			b = c.appendShared(b, k.ID)
			b = appendString(b, k.Container)
			b = appendString(b, k.Path)
			b = appendString(b, k.Reason)
			b = binary.AppendVarint(b, int64(k.At.Line))
			b = binary.AppendVarint(b, int64(k.At.Column))
			b = appendBool(b, k.At.Known)
			b = appendBool(b, k.Field)
		}
		b = appendString(b, r.Lead)
		b = appendString(b, r.Tail)
		b = appendBool(b, r.AlsoBreaks != nil)
		b = binary.AppendUvarint(b, uint64(len(r.AlsoBreaks)))
		for _, s := range r.AlsoBreaks {
			b = c.appendShared(b, s)
		}
	}
	return b
}

func (c *codec) appendShared(b []byte, s string) []byte {
	return binary.AppendUvarint(b, uint64(c.strings.id(s)))
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, 1)
	}
	return append(b, 0)
}

// appendValue writes the plain data rules write in remedies as it is, and keeps any other value
// in the value table, so that reading gives back the very value, of its very type.
func (c *codec) appendValue(b []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, valueNil)
	case bool:
		if x {
			return append(b, valueTrue)
		}
		return append(b, valueFalse)
	case string:
		return appendString(append(b, valueString), x)
	case int:
		return binary.AppendVarint(append(b, valueInt), int64(x))
	case int64:
		return binary.AppendVarint(append(b, valueInt64), x)
	case float64:
		return binary.LittleEndian.AppendUint64(append(b, valueFloat64), math.Float64bits(x))
	case []any:
		if x != nil {
			b = binary.AppendUvarint(append(b, valueList), uint64(len(x)))
			for _, e := range x {
				b = c.appendValue(b, e)
			}
			return b
		}
	case map[string]any:
		if x != nil {
			b = binary.AppendUvarint(append(b, valueMap), uint64(len(x)))
			for k, e := range x {
				b = c.appendValue(appendString(b, k), e)
			}
			return b
		}
	case []string:
		if x != nil {
			b = binary.AppendUvarint(append(b, valueStrings), uint64(len(x)))
			for _, s := range x {
				b = appendString(b, s)
			}
			return b
		}
	}
	return binary.AppendUvarint(append(b, valueKept), c.values.add(v))
}

// errTruncated is what reading a record that ends too early returns.
var errTruncated = errors.New("record ends early")

// reader reads the records of one buffer. It reads them from one string, which the strings of
// the findings are parts of: one allocation for every string of a group's records.
type reader struct {
	c *codec
	// strs are the shared strings numbered when the reading began (stringTable.snapshot).
	strs []string
	s    string
	err  error
}

func (r *reader) fail(err error) {
	if r.err == nil {
		r.err = err
	}
	r.s = ""
}

func (r *reader) byte() byte {
	if len(r.s) == 0 {
		r.fail(errTruncated)
		return 0
	}
	v := r.s[0]
	r.s = r.s[1:]
	return v
}

// uvarint reads an unsigned varint as encoding/binary writes it.
func (r *reader) uvarint() uint64 {
	var v uint64
	for i := 0; i < len(r.s) && i < binary.MaxVarintLen64; i++ {
		c := r.s[i]
		if c < 0x80 {
			if i == binary.MaxVarintLen64-1 && c > 1 {
				break // overflows 64 bits
			}
			r.s = r.s[i+1:]
			return v | uint64(c)<<(7*i)
		}
		v |= uint64(c&0x7f) << (7 * i)
	}
	r.fail(errTruncated)
	return 0
}

// varint reads a signed varint as encoding/binary writes it (zig-zag).
func (r *reader) varint() int64 {
	u := r.uvarint()
	v := int64(u >> 1)
	if u&1 != 0 {
		v = ^v
	}
	return v
}

func (r *reader) int() int { return int(r.within(math.MinInt, math.MaxInt)) }

func (r *reader) int32() int32 { return int32(r.within(math.MinInt32, math.MaxInt32)) }

// within reads a signed number that must lie between lo and hi.
func (r *reader) within(lo, hi int64) int64 {
	v := r.varint()
	if v < lo || v > hi {
		r.fail(fmt.Errorf("number %d out of range", v))
		return 0
	}
	return v
}

func (r *reader) bool() bool {
	switch r.byte() {
	case 0:
		return false
	case 1:
		return true
	}
	r.fail(errors.New("a flag that is neither 0 nor 1"))
	return false
}

func (r *reader) string() string {
	n := r.uvarint()
	if n > uint64(len(r.s)) {
		r.fail(errTruncated)
		return ""
	}
	v := r.s[:n]
	r.s = r.s[n:]
	return v
}

func (r *reader) shared() string {
	id := r.uvarint()
	if r.err != nil {
		return ""
	}
	if id >= uint64(len(r.strs)) {
		r.fail(fmt.Errorf("string %d of a table of %d", id, len(r.strs)))
		return ""
	}
	return r.strs[id]
}

// count reads a number of elements, each at least one byte long, so that a corrupt count
// cannot ask for more room than the record has.
func (r *reader) count() int {
	n := r.uvarint()
	if n > uint64(len(r.s)) {
		r.fail(fmt.Errorf("%d elements in %d bytes", n, len(r.s)))
		return 0
	}
	return int(n)
}

// finding reads one record into f.
func (r *reader) finding(f *finding.Finding) {
	flags := r.byte()
	if flags&^(hasFix|hasSuppression|hasRelated|hasObjectAt) != 0 {
		r.fail(fmt.Errorf("unknown flags %#x", flags))
		return
	}
	f.RuleID = r.shared()
	f.Title = r.shared()
	f.Severity = finding.Severity(r.int())
	f.Object.APIVersion = r.shared()
	f.Object.Kind = r.shared()
	f.Object.Namespace = r.shared()
	f.Object.Name = r.string()
	f.Object.UID = r.string()
	f.Container = r.string()
	f.Path = r.string()
	f.Location.File = r.shared()
	f.Location.Document = r.int()
	f.Location.Line = r.int()
	f.Location.Column = r.int()
	f.Location.Template = r.shared()
	f.Location.Host = r.shared()
	f.Location.Cluster = r.shared()
	f.Message = r.string()
	f.Remedy = r.shared()
	f.Evidence = r.string()
	f.Status = finding.Status(r.shared())
	if flags&hasObjectAt != 0 {
		f.ObjectAt = finding.Position{Line: r.int32(), Column: r.int32(), Known: true}
	}
	if flags&hasFix != 0 {
		n := r.count()
		if n == 0 {
			r.fail(errors.New("a remedy of no patch"))
			return
		}
		f.Fix = make([]finding.Patch, n)
		for i := range f.Fix {
			p := &f.Fix[i]
			p.Path = r.string()
			p.Value = r.value(0)
			p.Remove = r.bool()
			p.Rename = r.string()
			p.Comment = r.string()
		}
	}
	if flags&hasSuppression != 0 {
		f.Suppression = &finding.Suppression{Source: r.shared(), Reason: r.shared()}
	}
	if flags&hasRelated != 0 {
		rel := &finding.Related{}
		if r.bool() {
			rel.Checks = make([]finding.Check, r.count())
		} else if r.count() != 0 {
			r.fail(errors.New("checks counted in a record that has none"))
		}
		for i := range rel.Checks {
			k := &rel.Checks[i]
			k.ID = r.shared()
			k.Container = r.string()
			k.Path = r.string()
			k.Reason = r.string()
			k.At.Line = r.int32()
			k.At.Column = r.int32()
			k.At.Known = r.bool()
			k.Field = r.bool()
		}
		rel.Lead = r.string()
		rel.Tail = r.string()
		if r.bool() {
			rel.AlsoBreaks = make([]string, r.count())
		} else if r.count() != 0 {
			r.fail(errors.New("rules counted in a record that has none"))
		}
		for i := range rel.AlsoBreaks {
			rel.AlsoBreaks[i] = r.shared()
		}
		f.Related = rel
	}
}

// maxDepth bounds how deeply patch values nest, so that a corrupt record cannot exhaust the
// stack.
const maxDepth = 64

func (r *reader) value(depth int) any {
	if depth > maxDepth {
		r.fail(fmt.Errorf("a value nested deeper than %d", maxDepth))
		return nil
	}
	switch kind := r.byte(); kind {
	case valueNil:
		return nil
	case valueFalse:
		return false
	case valueTrue:
		return true
	case valueString:
		return r.string()
	case valueInt:
		return r.int()
	case valueInt64:
		return r.varint()
	case valueFloat64:
		if len(r.s) < 8 {
			r.fail(errTruncated)
			return nil
		}
		v := math.Float64frombits(binary.LittleEndian.Uint64([]byte(r.s[:8])))
		r.s = r.s[8:]
		return v
	case valueList:
		l := make([]any, r.count())
		for i := range l {
			l[i] = r.value(depth + 1)
		}
		return l
	case valueMap:
		n := r.count()
		m := make(map[string]any, n)
		for range n {
			k := r.string()
			m[k] = r.value(depth + 1)
		}
		return m
	case valueStrings:
		l := make([]string, r.count())
		for i := range l {
			l[i] = r.string()
		}
		return l
	case valueKept:
		id := r.uvarint()
		if r.err != nil {
			return nil
		}
		v, err := r.c.values.get(id)
		if err != nil {
			r.fail(err)
		}
		return v
	default:
		r.fail(fmt.Errorf("unknown value kind %d", kind))
		return nil
	}
}

// decode reads every record of b, appending the findings to out; when one cannot be read, it
// appends none. The findings keep nothing of b, which the caller may reuse.
func (c *codec) decode(b []byte, out []finding.Finding) ([]finding.Finding, error) {
	r := reader{c: c, strs: c.strings.snapshot(), s: string(b)}
	start := len(out)
	for len(r.s) > 0 && r.err == nil {
		out = append(out, finding.Finding{})
		r.finding(&out[len(out)-1])
	}
	if r.err != nil {
		clear(out[start:])
		return out[:start], fmt.Errorf("reading back a spooled finding: %w", r.err)
	}
	return out, nil
}
