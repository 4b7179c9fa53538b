package admission

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"palisade.dev/palisade/internal/cause"
	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/source/manifest"
	"palisade.dev/palisade/internal/suppress"
)

// contextKinds are the kinds the cluster context provides; a deferred check that reads any
// other kind is not judged at admission (Decision.Unjudged).
var contextKinds = []string{"Namespace", "ServiceAccount", "LimitRange"}

// Engine decides admission reviews. It is immutable once built and safe for concurrent use;
// a new configuration or catalog is a new Engine.
type Engine struct {
	cat  *rules.Catalog
	cfg  *Config
	cc   ClusterContext
	dec  *manifest.Decoder
	opts rules.Options
	// exemptNS are the namespaces admitted unjudged, each with its reason.
	exemptNS map[string]string
	// gaps are the kinds rules read that the cluster context does not provide.
	gaps []inventory.Gap
	// objectRules and namespaceRules select what runs on a review: pod and object rules, and
	// for a Namespace the namespace rules that judge the Namespace itself.
	objectRules, namespaceRules func(*rules.Rule) bool
	// objectSel and namespaceSel are those rules sorted by scope once, for every review.
	objectSel, namespaceSel *rules.Selection
	// buffers hold one review's findings (*[]finding.Finding), reused from review to review.
	buffers sync.Pool
	// inventories hold the inventory a review judges its object in (*inventory.Inventory),
	// emptied after each review and reused with the room its indexes grew.
	inventories sync.Pool
	// unjudgedByKind caches unjudged's answer by unjudgedKey: it depends on the kind alone.
	unjudgedByKind sync.Map
}

// unjudgedKey is what the rules that cannot be judged on an object depend on.
type unjudgedKey struct {
	group, kind string
	hasPod      bool
}

// New builds an engine over a catalog (the built-in rules and any policies) with a
// configuration (DefaultConfig when nil) and a cluster context (nil: rules judge the object
// alone, as if the namespace held no ServiceAccount or LimitRange, which is stricter, never
// laxer). Rule IDs of the configuration that the catalog does not have are errors, with the
// closest known ID.
func New(cat *rules.Catalog, cfg *Config, cc ClusterContext) (*Engine, error) {
	if cat == nil {
		return nil, errors.New("admission engine: no rule catalog")
	}
	if cfg == nil {
		cfg = DefaultConfig()
	}
	var errs []error
	for _, ra := range cfg.Rules {
		if err := cat.CheckIDs(fmt.Sprintf("%s:%d:%d: rules", cfg.File, ra.Line, ra.Column), []string{ra.ID}); err != nil {
			errs = append(errs, err)
		}
	}
	for i, ex := range cfg.Exemptions {
		for j, id := range ex.Rules {
			line, col := ex.Line, ex.Column
			if j < len(ex.ruleLines) {
				line, col = ex.ruleLines[j][0], ex.ruleLines[j][1]
			}
			if err := cat.CheckIDs(fmt.Sprintf("%s:%d:%d: exemptions[%d].rules", cfg.File, line, col, i), []string{id}); err != nil {
				errs = append(errs, err)
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	e := &Engine{cat: cat, cfg: cfg, cc: cc, dec: manifest.NewDecoder(""), exemptNS: map[string]string{}}
	e.buffers.New = func() any { return new([]finding.Finding) }
	e.inventories.New = func() any { return inventory.New() }
	// A decision shows messages and fields, never evidence or remedy patches: the rules need
	// not build them.
	e.opts = rules.Options{PSSVersion: cfg.PSSVersion, KubernetesVersion: cfg.KubernetesVersion, FromManifests: cc == nil, NoEvidence: true, Patches: rules.NoPatches}
	if e.opts.PSSVersion == "" {
		e.opts.PSSVersion = "latest"
	}
	for _, ns := range cfg.ExemptNamespaces {
		e.exemptNS[ns] = "namespace " + ns + " is exempt (exemptNamespaces)"
	}
	if cfg.ExemptOwnNamespace && cfg.Namespace != "" {
		e.exemptNS[cfg.Namespace] = "namespace " + cfg.Namespace + " is Palisade's own, exempt so that the webhook never blocks its own recovery"
	}
	e.objectRules = func(r *rules.Rule) bool { return r.Scope == rules.ScopePod || r.Scope == rules.ScopeObject }
	e.namespaceRules = func(r *rules.Rule) bool {
		return e.objectRules(r) || r.Scope == rules.ScopeNamespace && len(r.Reads) > 0 && !slices.ContainsFunc(r.Reads, func(k string) bool { return k != "Namespace" })
	}
	e.objectSel, e.namespaceSel = cat.Select(e.objectRules), cat.Select(e.namespaceRules)
	seen := map[string]bool{}
	for _, r := range cat.All() {
		for _, k := range r.Reads {
			if !seen[k] && !slices.Contains(contextKinds, k) {
				seen[k] = true
				e.gaps = append(e.gaps, inventory.Gap{Kind: k})
			}
		}
	}
	return e, nil
}

// Config returns the engine's configuration.
func (e *Engine) Config() *Config { return e.cfg }

// review decides one request; see Review.
func (e *Engine) review(ctx context.Context, req *admissionv1.AdmissionRequest) (d Decision) {
	d.Response = &admissionv1.AdmissionResponse{Allowed: true}
	if req == nil {
		return e.failed(d, errors.New("admission review: no request"))
	}
	d.Response.UID = req.UID
	d.Kind = req.Kind.Kind
	d.DryRun = req.DryRun != nil && *req.DryRun
	defer func() {
		// The engine's own code, not a rule's: answered by the failure policy too.
		if v := recover(); v != nil {
			d.Hits = nil
			d = e.failed(d, fmt.Errorf("admission engine: internal error (%T) reviewing %s", v, d.Kind))
		}
	}()
	if skip := e.skip(req); skip != "" {
		d.Skipped = skip
		return d
	}
	if e.cc != nil && !e.cc.Synced() {
		return e.failed(d, ErrNotSynced)
	}
	if err := ctx.Err(); err != nil {
		return e.failed(d, fmt.Errorf("admission review: %w", err))
	}
	o, err := e.decode(req.Kind.Kind, req.Object.Raw, req.Namespace)
	if err != nil {
		return e.failed(d, err)
	}
	if _, ok := inventory.PodTemplateOf(o); !ok && o.Typed == nil && !e.hasObjectRule(o.GVK.Kind) {
		d.Skipped = "kind " + o.GVK.Kind + " (" + o.GVK.GroupVersion().String() + ") is not known to Palisade and has no pod template: admitted unjudged"
		return d
	}
	buf := e.buffers.Get().(*[]finding.Finding)
	defer e.release(buf)
	fs, panics, failed, unjudged := e.judge(o, *buf)
	*buf = fs // the buffer, grown when the findings did not fit it
	d.Unjudged = unjudged
	var old map[hitKey]bool
	if req.Operation == admissionv1.Update && e.cfg.Updates == UpdatesOnlyWorse && len(req.OldObject.Raw) > 0 {
		if oo, err := e.decode(req.Kind.Kind, req.OldObject.Raw, req.Namespace); err == nil {
			ofs, _, _, _ := e.judge(oo, nil)
			old = keysOf(ofs)
		}
		// An old object that cannot be read leaves every hit new: stricter, never laxer.
	}
	ig, igErr := e.objectIgnore(o)
	d.Hits = make([]Hit, 0, len(fs))
	for i := range fs {
		d.Hits = append(d.Hits, e.hit(&fs[i], req, o, ig, old))
	}
	for _, p := range panics {
		d.Panics = append(d.Panics, p.RuleID)
	}
	d.Failed = failed
	e.respond(&d, igErr)
	return d
}

// maxKeptFindings is the largest findings buffer kept for the next review: one that a rare
// review grew larger is let go.
const maxKeptFindings = 256

// release clears a review's findings buffer, so that it pins none of their strings, and keeps
// it for the next review.
func (e *Engine) release(buf *[]finding.Finding) {
	if cap(*buf) > maxKeptFindings {
		return
	}
	clear((*buf)[:cap(*buf)])
	*buf = (*buf)[:0]
	e.buffers.Put(buf)
}

// skip says why a request is admitted without judging it, or "".
func (e *Engine) skip(req *admissionv1.AdmissionRequest) string {
	switch req.Operation {
	case admissionv1.Delete, admissionv1.Connect:
		return string(req.Operation) + " is not judged: nothing is created"
	}
	if req.SubResource != "" && !(req.Resource.Resource == "pods" && req.SubResource == "ephemeralcontainers") {
		// Only pods/ephemeralcontainers carries a new pod; status, scale, exec, attach,
		// binding and the rest change nothing a rule judges (or are CONNECTs).
		return "subresource " + req.Resource.Resource + "/" + req.SubResource + " is not judged"
	}
	if reason, ok := e.exemptNS[req.Namespace]; ok {
		return reason
	}
	if len(req.Object.Raw) == 0 {
		return "the request carries no object"
	}
	return ""
}

// failed answers a review that could not be judged by the failure policy.
func (e *Engine) failed(d Decision, err error) Decision {
	d.Err = err
	if e.cfg.FailurePolicy == Ignore {
		d.Response.Allowed = true
		d.Response.Warnings = append(d.Response.Warnings, "palisade: not judged ("+err.Error()+"); admitted by failurePolicy Ignore")
		return d
	}
	d.Response.Allowed = false
	d.Response.Result = &metav1.Status{
		Status: metav1.StatusFailure, Code: http.StatusInternalServerError, Reason: metav1.StatusReasonInternalError,
		Message: "palisade: the request could not be judged (" + err.Error() + "); refused by failurePolicy Fail",
	}
	return d
}

// decode builds the inventory object of a review's raw object with scan's decoder, so that
// findings, paths and messages are scan's.
func (e *Engine) decode(kind string, raw []byte, namespace string) (*inventory.Object, error) {
	o, errs := e.dec.DecodeJSON(kind, raw)
	if len(errs) > 0 {
		return nil, fmt.Errorf("decoding the %s under review (%d bytes): %s", kind, len(raw), errs[0].Message)
	}
	if o == nil {
		return nil, fmt.Errorf("decoding the %s under review (%d bytes): no object", kind, len(raw))
	}
	if o.NamespaceImplied {
		o.Namespace, o.NamespaceImplied = namespace, false
	}
	return o, nil
}

func (e *Engine) hasObjectRule(kind string) bool {
	for _, r := range e.cat.All() {
		if r.Scope == rules.ScopeObject && slices.Contains(r.Kinds, kind) {
			return true
		}
	}
	return false
}

// judge evaluates the rules on one object with its cluster context and folds the findings as
// scan does.
func (e *Engine) judge(o *inventory.Object, buf []finding.Finding) (fs []finding.Finding, panics []rules.RulePanic, failed, unjudged []string) {
	selected, sel := e.objectRules, e.objectSel
	if o.GVK.Kind == "Namespace" && o.GVK.Group == "" {
		selected, sel = e.namespaceRules, e.namespaceSel
	}
	ev := e.cat.NewSelectedEvaluation(&e.opts, sel)
	ev.First = buf
	inv := e.inventories.Get().(*inventory.Inventory)
	defer func() {
		// Nothing the review returns reads the inventory: the findings name objects by
		// reference and hold their own strings.
		inv.Reset()
		e.inventories.Put(inv)
	}()
	// The inventory is the object and its context, as a live cluster source would list it:
	// the kinds the context does not provide are gaps, so that no check judges their absence.
	inv.Cluster = &inventory.Cluster{Context: "admission", Gaps: e.gaps}
	ev.Object(o)
	inv.Add(o)
	e.addContext(inv, o)
	fs = ev.Finish(inv)
	finding.Sort(fs)
	fs = cause.Fold(fs)
	return fs, ev.Panics(), ev.FailedRules(), e.unjudged(o, selected)
}

// unjudged names the rules that apply to o but read a kind the context does not provide. The
// slice is shared by every review of the kind: it is read, never changed.
func (e *Engine) unjudged(o *inventory.Object, selected func(*rules.Rule) bool) []string {
	if len(e.gaps) == 0 {
		return nil
	}
	_, hasPod := inventory.PodTemplateOf(o)
	key := unjudgedKey{group: o.GVK.Group, kind: o.GVK.Kind, hasPod: hasPod}
	if out, ok := e.unjudgedByKind.Load(key); ok {
		return out.([]string)
	}
	out := e.unjudgedOf(o.GVK.Kind, hasPod, selected)
	e.unjudgedByKind.Store(key, out)
	return out
}

// unjudgedOf is unjudged, worked out.
func (e *Engine) unjudgedOf(kind string, hasPod bool, selected func(*rules.Rule) bool) []string {
	var out []string
	for _, r := range e.cat.All() {
		if !selected(r) || r.Scope == rules.ScopeNamespace || (r.Scope == rules.ScopePod && !hasPod) || (r.Scope == rules.ScopeObject && !r.AppliesToKind(kind)) {
			continue
		}
		for _, g := range e.gaps {
			if slices.Contains(r.Reads, g.Kind) {
				out = append(out, r.ID+": what it reads of "+strings.Join(r.Reads, ", ")+" is not watched by the webhook, so that part is not judged at admission")
				break
			}
		}
	}
	return out
}

// addContext adds what the rules read of the cluster: the object's namespace, the
// ServiceAccount its pod runs as, the namespace's LimitRanges.
func (e *Engine) addContext(inv *inventory.Inventory, o *inventory.Object) {
	if e.cc == nil || o.Namespace == "" {
		return
	}
	add := func(kind, namespace, name string, typed interface{ GetLabels() map[string]string }, obj *inventory.Object) {
		obj.GVK.Version, obj.GVK.Kind = "v1", kind
		obj.Namespace, obj.Name = namespace, name
		obj.Labels = typed.GetLabels()
		obj.Origin.Cluster = "admission"
		inv.Add(obj)
	}
	if ns, ok := e.cc.Namespace(o.Namespace); ok {
		add("Namespace", "", ns.Name, ns, &inventory.Object{Typed: ns})
	}
	if name, ok := o.ServiceAccountName(); ok {
		if sa, ok := e.cc.ServiceAccount(o.Namespace, name); ok {
			add("ServiceAccount", sa.Namespace, sa.Name, sa, &inventory.Object{Typed: sa})
		}
	}
	for _, lr := range e.cc.LimitRanges(o.Namespace) {
		add("LimitRange", lr.Namespace, lr.Name, lr, &inventory.Object{Typed: lr})
	}
}

// hitKey is what makes two hits the same for updates: onlyWorse.
type hitKey struct{ rule, path string }

func keysOf(fs []finding.Finding) map[hitKey]bool {
	m := map[hitKey]bool{}
	var buf [8]string
	for i := range fs {
		for _, id := range rulesOf(buf[:0], &fs[i]) {
			m[hitKey{id, fs[i].Path}] = true
		}
	}
	return m
}

// rulesOf appends to ids the rule of a finding and the rules its cause also breaks.
func rulesOf(ids []string, f *finding.Finding) []string {
	ids = append(ids, f.RuleID)
	for _, a := range f.AlsoBreaks() {
		id, _, _ := strings.Cut(a, ":")
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids
}

// actionRank orders actions by strength.
func actionRank(a Action) int {
	switch a {
	case Deny:
		return 2
	case Warn:
		return 1
	}
	return 0
}

// actionFor is the action of a rule at a severity: the last rules entry that selects it, else
// the severity's default.
func (e *Engine) actionFor(id string, sev finding.Severity) Action {
	for i := len(e.cfg.Rules) - 1; i >= 0; i-- {
		if rules.MatchID(e.cfg.Rules[i].ID, id) {
			return e.cfg.Rules[i].Action
		}
	}
	if a, ok := e.cfg.DefaultActions[sev]; ok {
		return a
	}
	return defaultActions()[sev]
}

// hit turns a folded finding into a hit: its action is the strongest of the rules its cause
// breaks that are not exempt (a rule another one speaks for still denies), capped at warn
// for what the old object already had under updates: onlyWorse.
func (e *Engine) hit(f *finding.Finding, req *admissionv1.AdmissionRequest, o *inventory.Object, ig *suppress.Ignore, old map[hitKey]bool) Hit {
	h := Hit{RuleID: f.RuleID, Severity: f.Severity, Path: f.Path, Message: f.Message, Remedy: f.Remedy, Container: f.Container, Action: Audit,
		AlsoBreaks: f.AlsoBreaks()}
	judged, existing := 0, 0
	var buf [8]string
	for _, id := range rulesOf(buf[:0], f) {
		sev := f.Severity
		if id != f.RuleID {
			if r, ok := e.cat.Lookup(id); ok {
				sev = r.Severity
			}
		}
		if reason := e.exemption(id, req, o, ig); reason != "" {
			if h.Exempt == "" {
				h.Exempt = reason
			}
			continue
		}
		judged++
		a := e.actionFor(id, sev)
		if old != nil && old[hitKey{id, f.Path}] {
			existing++
			if a == Deny {
				a = Warn
			}
		}
		if actionRank(a) > actionRank(h.Action) {
			h.Action = a
		}
	}
	if judged > 0 {
		h.Exempt = ""
	}
	h.Existing = judged > 0 && existing == judged
	return h
}

// exemption returns the reason of the first exemption that covers rule id on this request,
// or "".
func (e *Engine) exemption(id string, req *admissionv1.AdmissionRequest, o *inventory.Object, ig *suppress.Ignore) string {
	for i := range e.cfg.Exemptions {
		ex := &e.cfg.Exemptions[i]
		if len(ex.Rules) > 0 && !slices.ContainsFunc(ex.Rules, func(p string) bool { return rules.MatchID(p, id) }) {
			continue
		}
		switch {
		case ex.Namespace != "" && ex.Namespace == o.Namespace,
			ex.User != "" && ex.User == req.UserInfo.Username,
			ex.Group != "" && slices.Contains(req.UserInfo.Groups, ex.Group),
			ex.Object != nil && ex.Object.Kind == o.GVK.Kind && ex.Object.Namespace == o.Namespace && ex.Object.Name == o.Name:
			return ex.Reason
		}
	}
	if ig != nil && slices.ContainsFunc(ig.Rules, func(p string) bool { return rules.MatchID(p, id) }) {
		return "annotation " + suppress.AnnotationKey + ": " + ig.Reason
	}
	return ""
}

// objectIgnore reads the palisade.dev/ignore annotation of the object (and of its pod
// template) when the configuration allows object exemptions.
func (e *Engine) objectIgnore(o *inventory.Object) (*suppress.Ignore, error) {
	if !e.cfg.AllowObjectExemptions {
		return nil, nil
	}
	value, ok := o.Annotations[suppress.AnnotationKey]
	if !ok {
		if pod, found := inventory.PodTemplateOf(o); found && pod.Meta != nil {
			value, ok = pod.Meta.Annotations[suppress.AnnotationKey]
		}
	}
	if !ok {
		return nil, nil
	}
	ig, err := suppress.ParseIgnore(value)
	if err != nil {
		return nil, fmt.Errorf("annotation %s (a value of %d characters) is not honoured: it must be \"<rule-id>[,<rule-id>...] <reason>\"", suppress.AnnotationKey, len(value))
	}
	return &ig, nil
}

// maxLine bounds one line of a deny message: kubectl prints it whole.
const maxLine = 400

// The API server keeps 4,096 characters (runes) of warnings per request, from every webhook
// and its own deprecation notices together; past that it cuts every warning, ours and
// others', to 256 characters and drops the ones that no longer fit, without saying which
// (k8s.io/apiserver pkg/endpoints/filters/warning.go). So that it never has to, a review's
// warnings are each at most maxWarning bytes and together at most warningBudget (so as many
// characters or fewer), the
// most severe first, and a last warning names the hits left out. The deny message has no
// such limit and is not cut so.
const (
	maxWarning = 256
	// warningBudget leaves room for the last warning and for 512 characters of others'.
	warningBudget = 4096 - 512 - maxWarning
)

// cut cuts b[start:] to at most n bytes, at the end of a word when one ends near the cut,
// ending in "…", and returns b and the bytes it keeps. A text of n bytes has at most n
// characters, which is what the API server counts: counting bytes is the safe side, and costs
// nothing for the warnings that fit.
func cut(b []byte, start, n int) ([]byte, int) {
	if len(b)-start <= n {
		return b, len(b) - start
	}
	// i is where the cut text ends: room for "…", at the start of a character.
	i := start + n - len("…")
	for i > start && !utf8.RuneStart(b[i]) {
		i--
	}
	// Cut after the last word that fits, unless that loses more than a few words.
	if sp := bytes.LastIndexByte(b[start:i], ' '); sp >= 0 && i-(start+sp) <= 32 {
		i = start + sp
	}
	b = append(bytes.TrimRight(b[:i], " ,;:"), "…"...)
	return b, len(b) - start
}

// appendLine appends one hit as kubectl shows it: RULE-ID  field.path: message. Fix: remedy.
func (h *Hit) appendLine(b []byte, withFix bool) []byte {
	start := len(b)
	b = append(b, h.RuleID...)
	if len(h.AlsoBreaks) > 0 {
		b = append(b, " (also "...)
		for i, a := range h.AlsoBreaks {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = append(b, a...)
		}
		b = append(b, ')')
	}
	b = append(b, "  "...)
	if h.Path != "" {
		b = append(b, h.Path...)
		b = append(b, ": "...)
	}
	b = append(b, strings.TrimSuffix(oneLine(h.Message), ".")...)
	b = append(b, '.')
	if withFix && h.Remedy != "" {
		b = append(b, " Fix: "...)
		b = append(b, firstSentence(h.Remedy)...)
	}
	if len(b)-start > maxLine {
		b = append(b[:start+maxLine-3], "..."...)
	}
	return b
}

// appendLeftOut appends the warning that stands for the warning hits left out: how many and
// which rules.
func appendLeftOut(b []byte, hits []Hit, left []int) []byte {
	start := len(b)
	b = append(b, "palisade: "...)
	b = strconv.AppendInt(b, int64(len(left)), 10)
	b = append(b, " more warnings left out, as the API server keeps only 4 KiB of warnings per request ("...)
	for k, i := range left {
		if k > 0 {
			b = append(b, ", "...)
		}
		b = append(b, hits[i].RuleID...)
	}
	b = append(b, "); palisade scan lists them all."...)
	b, _ = cut(b, start, maxWarning)
	return b
}

// oneLine folds line breaks and tabs into spaces; most messages have none, and are returned
// as they are.
func oneLine(s string) string {
	// Three vectorised scans cost less than one strings.ContainsAny over a long message.
	if strings.IndexByte(s, '\n') < 0 && strings.IndexByte(s, '\r') < 0 && strings.IndexByte(s, '\t') < 0 {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}

// firstSentence keeps the remedy short: its first sentence.
func firstSentence(s string) string {
	s = oneLine(s)
	if i := strings.Index(s, ". "); i > 0 {
		return s[:i+1]
	}
	return s
}

// respond makes the response from the hits and panics: one warning per hit that warns, and a
// message with one line per hit that denies.
func (e *Engine) respond(d *Decision, igErr error) {
	r := d.Response
	if igErr != nil {
		r.Warnings = append(r.Warnings, "palisade: "+igErr.Error())
	}
	// "palisade refused this Kind:", then one line per denial, written on the stack and copied
	// once into the message.
	var msgBuf [2048]byte
	var msg []byte
	deny := func() []byte {
		if msg == nil {
			msg = append(msgBuf[:0], "palisade refused this "...)
			msg = append(msg, d.Kind...)
			msg = append(msg, ':')
		}
		return append(msg, '\n')
	}
	var warnBuf [32]int
	warns := warnBuf[:0]
	for i := range d.Hits {
		h := &d.Hits[i]
		if h.Exempt != "" {
			continue
		}
		switch h.Action {
		case Deny:
			msg = h.appendLine(deny(), true)
		case Warn:
			warns = append(warns, i)
		}
	}
	// The hits' warnings are written one after the other, the most severe first, and made one
	// string, which each warning is a part of: one allocation for all of them.
	var warnedBuf [warningBudget + 2*maxWarning]byte
	var endsBuf [32]int
	warned, ends := warnedBuf[:0], endsBuf[:0]
	slices.SortStableFunc(warns, func(a, b int) int { return -cmp.Compare(d.Hits[a].Severity, d.Hits[b].Severity) })
	used := 0
	for n, i := range warns {
		start := len(warned)
		var runes int
		warned, runes = cut(d.Hits[i].appendLine(warned, false), start, maxWarning)
		if used+runes > warningBudget {
			warned = appendLeftOut(warned[:start], d.Hits, warns[n:])
			ends = append(ends, len(warned))
			break
		}
		used += runes
		ends = append(ends, len(warned))
	}
	if len(ends) > 0 {
		all, start := string(warned), 0
		r.Warnings = slices.Grow(r.Warnings, len(ends))
		for _, end := range ends {
			r.Warnings = append(r.Warnings, all[start:end])
			start = end
		}
	}
	failed := make([]string, 0, len(d.Panics)+len(d.Failed))
	failed = append(append(failed, d.Panics...), d.Failed...)
	for _, id := range failed {
		a := Deny // a rule that is not in the catalog any more cannot fail; be strict
		if rule, ok := e.cat.Lookup(id); ok {
			a = e.actionFor(id, rule.Severity)
		}
		what := id + "  could not be evaluated (the rule failed)"
		switch {
		case a == Deny && e.cfg.FailurePolicy == Fail:
			msg = append(append(deny(), what...), "; refused by failurePolicy Fail."...)
		case a == Deny:
			r.Warnings = append(r.Warnings, what+"; admitted by failurePolicy Ignore.")
		case a == Warn:
			r.Warnings = append(r.Warnings, what+".")
		}
	}
	if msg == nil {
		return
	}
	r.Allowed = false
	r.Result = &metav1.Status{
		Status: metav1.StatusFailure, Code: http.StatusForbidden, Reason: metav1.StatusReasonForbidden,
		Message: string(msg),
	}
}
