// Package policy loads the user's own policies and joins them to the catalog: Rego files
// (package rego), Gatekeeper ConstraintTemplates and Constraints (package gatekeeper), and
// ValidatingAdmissionPolicies and their bindings, which it collects for the CEL engine. It
// owns finding the policy files and telling them apart by file type and kind; it decides
// nothing about any object.
package policy

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/policy/gatekeeper"
	"palisade.dev/palisade/internal/policy/rego"
	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/source/manifest"
)

// Options tune loading and evaluation.
type Options struct {
	// Timeout bounds one policy's evaluation on one object (rego.DefaultTimeout when zero).
	Timeout time.Duration
	// AdmissionPolicyRules turns the ValidatingAdmissionPolicies and bindings of the policy
	// files into rules. Without it such documents are an error: nothing would judge them.
	AdmissionPolicyRules func(docs []*inventory.Object) ([]rules.Rule, error)
}

// Set is what the policy files hold.
type Set struct {
	// Rules are the custom rules: one per Rego policy and one per Gatekeeper Constraint.
	Rules []rules.Rule
	// AdmissionPolicies are the ValidatingAdmissionPolicy and ValidatingAdmissionPolicyBinding
	// documents (admissionregistration.k8s.io), each located in its file, for the CEL engine.
	AdmissionPolicies []*inventory.Object
	// Files is how many files were read.
	Files int
}

// Kinds of admissionregistration.k8s.io the CEL engine judges.
var admissionKinds = []string{"ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding"}

// Load reads the policies at paths (files or folders, walked recursively in name order,
// hidden entries skipped): .rego files are Rego modules (those ending in _test.rego are unit
// tests, left to `palisade policy test`); .yaml, .yml and .json files hold Gatekeeper
// ConstraintTemplates, Constraints and Configs, and ValidatingAdmissionPolicies and bindings.
// Any other kind in a policy file is an error naming its file, line and kind. Every problem of
// every file is reported, and the set is returned only when there is none.
func Load(ctx context.Context, paths []string, opts Options) (*Set, error) {
	regoFiles, yamlFiles, errs := find(paths, false)
	set := &Set{Files: len(regoFiles) + len(yamlFiles)}
	var files []rego.File
	for _, p := range regoFiles {
		data, err := os.ReadFile(p)
		if err != nil {
			errs = append(errs, fmt.Errorf("reading policy %s: %w", p, unwrapPath(err)))
			continue
		}
		files = append(files, rego.File{Name: p, Data: data})
	}
	if len(files) > 0 {
		rs, err := rego.Rules(ctx, files, rego.Options{Timeout: opts.Timeout})
		errs = append(errs, err)
		set.Rules = append(set.Rules, rs...)
	}
	if len(yamlFiles) > 0 {
		docs, admission, err := readDocuments(ctx, yamlFiles)
		errs = append(errs, err)
		set.AdmissionPolicies = admission
		rs, err := gatekeeper.Rules(ctx, docs, gatekeeper.Options{Timeout: opts.Timeout})
		errs = append(errs, err)
		set.Rules = append(set.Rules, rs...)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return set, nil
}

// readDocuments loads the YAML policy files with the manifest loader (so documents are
// located to the line) and sorts their documents by kind.
func readDocuments(ctx context.Context, files []string) (gatekeeper.Documents, []*inventory.Object, error) {
	var docs gatekeeper.Documents
	var admission []*inventory.Object
	res := manifest.Load(ctx, files, manifest.Options{Workers: 1})
	var errs []error
	for _, e := range res.Errors {
		errs = append(errs, e)
	}
	for _, o := range res.Inventory.Objects() {
		switch {
		case o.GVK.Group == gatekeeper.TemplateGroup && o.GVK.Kind == "ConstraintTemplate":
			docs.Templates = append(docs.Templates, o)
		case o.GVK.Group == gatekeeper.ConstraintGroup:
			docs.Constraints = append(docs.Constraints, o)
		case o.GVK.Group == gatekeeper.ConfigGroup && o.GVK.Kind == "Config":
			docs.Configs = append(docs.Configs, o)
		case o.GVK.Group == gatekeeper.ExpansionGroup && o.GVK.Kind == "ExpansionTemplate":
			docs.Expansions = append(docs.Expansions, o)
		case o.GVK.Group == "admissionregistration.k8s.io" && slices.Contains(admissionKinds, o.GVK.Kind):
			admission = append(admission, o)
		default:
			errs = append(errs, fmt.Errorf("%s: a policy file holds a %s (%s), which is not a policy: want a ConstraintTemplate, a Constraint, a Gatekeeper Config or ExpansionTemplate, a ValidatingAdmissionPolicy or a ValidatingAdmissionPolicyBinding",
				o.Locate(""), o.GVK.Kind, o.GVK.GroupVersion()))
		}
	}
	return docs, admission, errors.Join(errs...)
}

// Catalog returns base joined by the custom rules of the policies at paths: the one function
// the commands (scan, cluster, rules, explain) and the webhook (on every reload of its
// configuration's policies) call. With no paths it returns base itself. A custom rule whose ID
// a built-in rule has is an error; so is every problem Load reports.
//
// The policies are compiled here, once; the rules are safe for concurrent evaluation. A custom
// rule that cannot judge an object (its policy failed or ran out of time) says so with a
// violation whose Err is set: callers of rules.Evaluation must read Evaluation.Errors and treat
// each as an object not judged (a scan error; for the webhook, its failure policy), never as
// a pass.
func Catalog(ctx context.Context, base *rules.Catalog, paths []string, opts Options) (*rules.Catalog, error) {
	if len(paths) == 0 {
		return base, nil
	}
	set, err := Load(ctx, paths, opts)
	if err != nil {
		return nil, err
	}
	custom := set.Rules
	if len(set.AdmissionPolicies) > 0 {
		if opts.AdmissionPolicyRules == nil {
			o := set.AdmissionPolicies[0]
			return nil, fmt.Errorf("%s: %s in a policy file: this command does not judge ValidatingAdmissionPolicies (palisade scan does; %d such documents)", o.Locate(""), o.GVK.Kind, len(set.AdmissionPolicies))
		}
		rs, err := opts.AdmissionPolicyRules(set.AdmissionPolicies)
		if err != nil {
			return nil, err
		}
		custom = append(custom, rs...)
	}
	return Join(base, custom)
}

// Join builds a catalog of base's rules and custom ones; a custom rule may not take the ID of
// a rule of base.
func Join(base *rules.Catalog, custom []rules.Rule) (*rules.Catalog, error) {
	var errs []error
	all := make([]rules.Rule, 0, len(base.All())+len(custom))
	for _, r := range base.All() {
		all = append(all, *r)
	}
	for _, r := range custom {
		if _, taken := base.Lookup(r.ID); taken {
			errs = append(errs, fmt.Errorf("policy rule %s: a built-in rule has that ID", r.ID))
			continue
		}
		all = append(all, r)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	c, err := rules.NewCatalog(all...)
	if err != nil {
		return nil, fmt.Errorf("joining the policies to the catalog: %w", err)
	}
	return c, nil
}

// TestFiles returns the Rego files at paths, tests included, for `palisade policy test`.
func TestFiles(paths []string) ([]string, error) {
	regoFiles, _, errs := find(paths, true)
	return regoFiles, errors.Join(errs...)
}

// find walks paths and returns the Rego and the YAML files, in name order. A file named
// directly must be one of those types; in folders, other files are passed over. A file reached
// twice (a folder given by --policy and by the config) is read once.
func find(paths []string, withTests bool) (regoFiles, yamlFiles []string, errs []error) {
	seen := map[string]bool{}
	add := func(p string, named bool) {
		key, err := filepath.Abs(p)
		if err != nil {
			key = filepath.Clean(p)
		}
		if seen[key] {
			return
		}
		seen[key] = true
		switch ext := strings.ToLower(filepath.Ext(p)); {
		case ext == ".rego":
			if withTests || !rego.IsTest(p) {
				regoFiles = append(regoFiles, p)
			}
		case ext == ".yaml" || ext == ".yml" || ext == ".json":
			if !withTests {
				yamlFiles = append(yamlFiles, p)
			}
		case named:
			errs = append(errs, fmt.Errorf("policy %s: not a .rego, .yaml, .yml or .json file", p))
		}
	}
	for _, root := range paths {
		info, err := os.Stat(root)
		if err != nil {
			errs = append(errs, fmt.Errorf("policy %s: %w", root, unwrapPath(err)))
			continue
		}
		if !info.IsDir() {
			add(root, true)
			continue
		}
		err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				errs = append(errs, fmt.Errorf("policy %s: %w", p, unwrapPath(err)))
				return nil
			}
			if p != root && strings.HasPrefix(d.Name(), ".") {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if !d.IsDir() {
				add(p, false)
			}
			return nil
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("policy %s: %w", root, err))
		}
	}
	return regoFiles, yamlFiles, errs
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
