package netpolrules

import "testing"

func TestDatabaseOfImage(t *testing.T) {
	tests := []struct {
		name, image, want string
	}{
		{"official image with tag", "postgres:16", "PostgreSQL"},
		{"registry, path and digest", "registry.example:5000/team/redis@sha256:00", "Redis"},
		{"tag and digest", "docker.io/library/mongo:7@sha256:00", "MongoDB"},
		{"upper case repository", "example/MariaDB:11", "MariaDB"},
		{"a registry port is not a tag", "registry.example:5000/etcd", "etcd"},
		{"an exporter is not a database", "oliver006/redis_exporter:v1", ""},
		{"a name that only starts like one is not a database", "example/postgres-operator:1", ""},
		{"a database name as a path component only", "redis/web:1", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, ok := databaseOfImage(tt.image)
			if got := db.name; got != tt.want || ok != (tt.want != "") {
				t.Errorf("databaseOfImage(%q) = %q, %v; want %q", tt.image, got, ok, tt.want)
			}
		})
	}
}
