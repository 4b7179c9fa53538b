package podspec

import "testing"

const testDigest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func TestParseImageRef(t *testing.T) {
	tests := []struct {
		name     string
		image    string
		want     imageRef
		floating bool
		pinned   bool
		wantErr  bool
	}{
		{name: "familiar name without tag is floating", image: "nginx",
			want: imageRef{Name: "docker.io/library/nginx"}, floating: true},
		{name: "familiar name with version tag", image: "nginx:1.27.3",
			want: imageRef{Name: "docker.io/library/nginx", Tag: "1.27.3"}},
		{name: "latest tag is floating", image: "nginx:latest",
			want: imageRef{Name: "docker.io/library/nginx", Tag: "latest"}, floating: true},
		{name: "tags are case-sensitive: Latest is another tag", image: "nginx:Latest",
			want: imageRef{Name: "docker.io/library/nginx", Tag: "Latest"}},
		{name: "registry port is not a tag", image: "registry.example.com:5000/team/app",
			want: imageRef{Name: "registry.example.com:5000/team/app"}, floating: true},
		{name: "registry port and tag", image: "registry.example.com:5000/team/app:2.1",
			want: imageRef{Name: "registry.example.com:5000/team/app", Tag: "2.1"}},
		{name: "localhost registry with port", image: "localhost:5000/app:latest",
			want: imageRef{Name: "localhost:5000/app", Tag: "latest"}, floating: true},
		{name: "digest pins a reference without tag", image: "registry.example.com:5000/app@" + testDigest,
			want: imageRef{Name: "registry.example.com:5000/app", Digest: testDigest}, pinned: true},
		{name: "digest makes the latest tag irrelevant", image: "nginx:latest@" + testDigest,
			want: imageRef{Name: "docker.io/library/nginx", Tag: "latest", Digest: testDigest}, pinned: true},
		{name: "tag and digest with registry port", image: "ghcr.io:443/org/app:v1@" + testDigest,
			want: imageRef{Name: "ghcr.io:443/org/app", Tag: "v1", Digest: testDigest}, pinned: true},
		{name: "user repository on Docker Hub", image: "bitnami/redis:7.4",
			want: imageRef{Name: "docker.io/bitnami/redis", Tag: "7.4"}},
		{name: "uppercase repository does not parse", image: "Example/App:1.0", wantErr: true},
		{name: "truncated digest does not parse", image: "nginx@sha256:0123", wantErr: true},
		{name: "empty tag does not parse", image: "nginx:", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseImageRef(tt.image)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("parseImageRef(%q) = %+v, want an error", tt.image, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseImageRef(%q): %v", tt.image, err)
			}
			if got != tt.want {
				t.Errorf("parseImageRef(%q) = %+v, want %+v", tt.image, got, tt.want)
			}
			if got.Floating() != tt.floating {
				t.Errorf("Floating() = %v, want %v", got.Floating(), tt.floating)
			}
			if got.Pinned() != tt.pinned {
				t.Errorf("Pinned() = %v, want %v", got.Pinned(), tt.pinned)
			}
		})
	}
}
