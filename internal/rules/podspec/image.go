package podspec

// pod/image-tag, pod/image-digest: which image a container runs. A reference with no tag is
// pulled as :latest, and :latest (like any tag) can be moved to another image at any time: what
// runs then depends on when each node pulled, a rollback does not roll back, and a compromised
// registry or account swaps the code silently. Only a digest names one image for good; when a
// reference carries a digest, the runtime pulls by digest and ignores the tag.
//
// Restricted fields:
//   spec.{initContainers,containers,ephemeralContainers}[*].image
//
// Allowed values:
//   pod/image-tag     a tag other than `latest`, or a digest (`@sha256:...`)
//   pod/image-digest  a digest
//
// References are parsed with github.com/distribution/reference (the grammar the container
// runtimes and the kubelet use), so that a registry port (`registry:5000/app`) is never read as
// a tag and `repo:tag@digest` is read as pinned by its digest. A reference that does not parse
// is reported by pod/image-tag: the kubelet cannot pull it either.
//
// References: https://kubernetes.io/docs/concepts/containers/images/ (image names, "latest"
// and digests); https://kubernetes.io/docs/concepts/configuration/overview/#container-images

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/distribution/reference"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/rules"
)

// imageRef is a container image reference, split into its parts.
type imageRef struct {
	// Name is the repository with its registry, normalized (docker.io/library/nginx).
	Name   string
	Tag    string
	Digest string
}

// parseImageRef reads an image reference as the kubelet does: a familiar name (nginx) is
// normalized to its registry and repository; tag and digest are whatever the reference names.
func parseImageRef(image string) (imageRef, error) {
	named, err := reference.ParseNormalizedNamed(image)
	if err != nil {
		return imageRef{}, fmt.Errorf("parsing image reference %q: %w", image, err)
	}
	ref := imageRef{Name: named.Name()}
	if t, ok := named.(reference.Tagged); ok {
		ref.Tag = t.Tag()
	}
	if d, ok := named.(reference.Digested); ok {
		ref.Digest = d.Digest().String()
	}
	return ref, nil
}

// imageReferences remembers the references a rule has parsed, with the error of those that do
// not parse: the pods of an input name the same images again and again, and parsing (a large
// regular expression) would otherwise be a good part of evaluating a pod. It holds at most
// maxRememberedImages references; it is safe for concurrent use.
type imageReferences struct {
	parsed sync.Map // image -> parsedImage
	count  atomic.Int64
}

type parsedImage struct {
	ref imageRef
	err error
}

const maxRememberedImages = 1 << 14

func (c *imageReferences) parse(image string) (imageRef, error) {
	if v, ok := c.parsed.Load(image); ok {
		p := v.(parsedImage)
		return p.ref, p.err
	}
	ref, err := parseImageRef(image)
	if c.count.Load() < maxRememberedImages {
		if _, loaded := c.parsed.LoadOrStore(image, parsedImage{ref, err}); !loaded {
			c.count.Add(1)
		}
	}
	return ref, err
}

// Pinned reports whether the reference names one image for good.
func (r imageRef) Pinned() bool { return r.Digest != "" }

// Floating reports whether the reference follows whatever `latest` points to: no tag and no
// digest (the runtime then pulls :latest), or the tag `latest` without a digest.
func (r imageRef) Floating() bool {
	return !r.Pinned() && (r.Tag == "" || r.Tag == "latest")
}

func imageTagRule() rules.Rule {
	return rules.Rule{
		ID:       "pod/image-tag",
		AutoFix:  rules.FixNote,
		Title:    "Image without a tag, or tagged latest",
		Severity: finding.Medium,
		Area:     rules.AreaWorkload,
		Scope:    rules.ScopePod,
		Description: "An image with no tag is pulled as :latest, and :latest moves: what a node runs " +
			"depends on when it pulled, a rollback does not roll back, and nodes run different code " +
			"under one name. A digest pins the image whatever the tag says.",
		Fields:     containerFields(everyContainerList, "image"),
		Allowed:    []string{"a tag other than latest", "a digest (@sha256:...), with or without a tag"},
		References: []rules.Reference{docsImages, docsImageBestPract},
		Remedy:     "Name a specific version tag (nginx:1.27.3), or better pin the digest (nginx:1.27.3@sha256:...).",
		Pod:        new(imageReferences).checkImageTags,
	}
}

func imageDigestRule() rules.Rule {
	return rules.Rule{
		ID:       "pod/image-digest",
		AutoFix:  rules.FixNote,
		Title:    "Image not pinned by digest",
		Severity: finding.Low,
		Area:     rules.AreaWorkload,
		Scope:    rules.ScopePod,
		Description: "A tag can be moved to another image by whoever can push to the repository; only a " +
			"digest names one image for good, so that what was reviewed and scanned is what runs.",
		Fields:     containerFields(everyContainerList, "image"),
		Allowed:    []string{"a reference with a digest (repo@sha256:... or repo:tag@sha256:...)"},
		References: []rules.Reference{docsImages, docsImageBestPract},
		Remedy: "Pin the image by digest, keeping the tag for readers: app:1.4.2@sha256:<digest> (crane digest " +
			"or docker buildx imagetools inspect print it).",
		Pod: new(imageReferences).checkImageDigests,
	}
}

func (images *imageReferences) checkImageTags(ctx *rules.PodContext) []rules.Violation {
	var out []rules.Violation
	for _, c := range ctx.Pod.Containers() {
		if c.Image == "" {
			// The API server rejects a container without an image; nothing is pulled.
			continue
		}
		ref, err := images.parse(c.Image)
		var msg string
		switch {
		case err != nil:
			msg = fmt.Sprintf("container %q has an image reference that does not parse (image %q): %v; the kubelet cannot pull it",
				c.Name, c.Image, errors.Unwrap(err))
		case !ref.Floating():
			continue
		case ref.Tag == "":
			msg = fmt.Sprintf("container %q names image %q with no tag and no digest (image): the runtime pulls %s:latest, "+
				"which moves, so nodes may run different code under the same name and a rollback does not roll back", c.Name, c.Image, ref.Name)
		default:
			msg = fmt.Sprintf("container %q uses the tag latest (image %q): it moves, so nodes may run different code under the same name "+
				"and a rollback does not roll back", c.Name, c.Image)
		}
		v := imageViolation(ctx, c, ref, msg)
		if ctx.Options.WantsNotes() {
			v.Fix = imageNote(c, "name a release tag and pin it by digest (repo:tag@sha256:<digest>)")
		}
		out = append(out, v)
	}
	return out
}

// imageNote is the remedy of an image reference: only the user knows which release and digest
// to run, so a TODO comment above the field says what to set.
func imageNote(c inventory.ContainerRef, what string) []finding.Patch {
	return []finding.Patch{{Path: c.Path + ".image", Comment: "TODO(palisade): " + what + " for container " + finding.Quote(c.Name)}}
}

func (images *imageReferences) checkImageDigests(ctx *rules.PodContext) []rules.Violation {
	var out []rules.Violation
	for _, c := range ctx.Pod.Containers() {
		if c.Image == "" {
			continue
		}
		ref, err := images.parse(c.Image)
		if err != nil || ref.Pinned() {
			// An unparsable reference is pod/image-tag's finding.
			continue
		}
		v := imageViolation(ctx, c, ref, "container "+finding.Quote(c.Name)+" names image "+finding.Quote(c.Image)+
			" by tag, not by digest (image): whoever can push to the repository can change what runs")
		if ctx.Options.WantsNotes() {
			v.Fix = imageNote(c, "pin the image by digest (repo:tag@sha256:<digest>)")
		}
		out = append(out, v)
	}
	return out
}

func imageViolation(ctx *rules.PodContext, c inventory.ContainerRef, ref imageRef, msg string) rules.Violation {
	v := rules.Violation{Path: c.Path + ".image", Container: c.Name, Message: msg}
	if !ctx.Options.WantsEvidence() {
		return v
	}
	v.Evidence = fmt.Sprintf("%s[%d].image: %q", c.List, c.Index, c.Image)
	if ref.Name != "" {
		v.Evidence += fmt.Sprintf(" (repository %s, tag %s, digest %s)", ref.Name, orNone(ref.Tag), orNone(ref.Digest))
	}
	return v
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
