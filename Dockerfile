# Palisade's container image: the static palisade binary alone on distroless's static base,
# run as a numeric non-root user. Both base images are pinned by digest, given at build time
# (the digests of the tags when you build; see the README's "Container image"):
#   docker build \
#     --build-arg GOLANG_DIGEST=sha256:... \
#     --build-arg DISTROLESS_DIGEST=sha256:... \
#     --build-arg VERSION=0.1.0 -t REGISTRY/palisade:0.1.0 .
# Without them the build stops: an image reference that ends in "@" is not valid.
ARG GOLANG_DIGEST
ARG DISTROLESS_DIGEST

FROM golang:1.26@${GOLANG_DIGEST} AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY cmd/ cmd/
COPY internal/ internal/
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X palisade.dev/palisade/internal/version.Version=${VERSION}" -o /out/palisade ./cmd/palisade

# distroless static: CA certificates, tzdata and /etc/passwd, no shell, no package manager.
FROM gcr.io/distroless/static-debian12:nonroot@${DISTROLESS_DIGEST}
COPY --from=build /out/palisade /palisade
# The nonroot user of the base image, by number, so that runAsNonRoot can verify it.
USER 65532:65532
ENTRYPOINT ["/palisade"]
