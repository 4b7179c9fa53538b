package secrets

import (
	"slices"
	"strings"
	"testing"
)

// A JWT of the kind RFC 7519 shows (HS256, {"sub":"1234567890"}), and a GitHub token of the
// documented length: test values, not credentials of anything.
const (
	testJWT         = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
	testGitHubToken = "ghp_0123456789abcdefghijABCDEFGHIJ012345"
)

func TestCredentialIn(t *testing.T) {
	tests := []struct {
		name, envName, value string
		key                  bool // a ConfigMap key rather than a variable name
		want                 string
	}{
		// The name ends with a credential term.
		{name: "password at the end", envName: "DATABASE_PASSWORD", value: "Sup3rS3cret!", want: "its name says is a password"},
		{name: "password ending a longer word", envName: "PGPASSWORD", value: "hunter2", want: "its name says is a password"},
		{name: "camel case", envName: "dbPassword", value: "hunter2", want: "its name says is a password"},
		{name: "dotted property", envName: "spring.datasource.password", value: "hunter2", want: "its name says is a password"},
		{name: "passwd", envName: "LDAP_BIND_PASSWD", value: "hunter2", want: "its name says is a password"},
		{name: "pass as a word", envName: "RABBITMQ_DEFAULT_PASS", value: "guest", want: "its name says is a password"},
		{name: "pwd after another word", envName: "MYSQL_PWD", value: "hunter2", want: "its name says is a password"},
		{name: "secret", envName: "JWT_SECRET", value: "s3cr3t", want: "its name says is a secret"},
		{name: "secret ending a longer word", envName: "OIDC_CLIENTSECRET", value: "s3cr3t", want: "its name says is a secret"},
		{name: "token", envName: "VAULT_TOKEN", value: "s.abcdef123456", want: "its name says is a token"},
		{name: "api key in two words", envName: "OPENAI_API_KEY", value: "sk-abcdef", want: "its name says is an API key"},
		{name: "api key in one word", envName: "APIKEY", value: "abcdef", want: "its name says is an API key"},
		{name: "secret access key", envName: "AWS_SECRET_ACCESS_KEY", value: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", want: "its name says is an access key"},
		{name: "secret key", envName: "STRIPE_SECRET_KEY", value: "sk_live_abc", want: "its name says is a secret key"},
		{name: "rails secret key base", envName: "SECRET_KEY_BASE", value: "0123abcd", want: "its name says is a secret key"},
		{name: "encoded private key", envName: "PRIVATE_KEY_B64", value: "LS0tLS1CRUdJTg==", want: "its name says is a private key"},
		{name: "numbered secret", envName: "JWT_SECRET_2", value: "s3cr3t", want: "its name says is a secret"},
		{name: "numbered password word", envName: "ADMIN_PASSWORD2", value: "hunter2", want: "its name says is a password"},
		{name: "credentials as JSON", envName: "GCP_CREDENTIALS", value: `{"type": "service_account"}`, want: "its name says is credentials"},
		{name: "auth holding a password", envName: "REDIS_AUTH", value: "hunter2", want: "its name says is authentication data"},
		{name: "basic auth pair", envName: "BASIC_AUTH", value: "admin:admin", want: "its name says is authentication data"},
		{name: "a literal that looks like a reference", envName: "DB_PASSWORD", value: "$$(NOT_EXPANDED)", want: "its name says is a password"},
		{name: "a default after a placeholder is literal", envName: "DB_PASSWORD", value: "${DB_PASSWORD:-changeme}", want: "its name says is a password"},

		// Connection strings fire only with a password in them.
		{name: "libpq keywords with a password", envName: "DATABASE_DSN", value: "host=db user=app password=s3cret dbname=shop", want: "its name says is a data source name, with a password in it"},
		{name: "mysql driver dsn", envName: "MYSQL_DSN", value: "app:s3cret@tcp(db:3306)/shop", want: "its name says is a data source name, with a password in it"},
		{name: "ado.net connection string", envName: "ConnectionStrings__Default", value: "Server=db;Database=shop;User Id=app;Password=s3cret;", want: "its name says is a connection string, with a password in it"},
		{name: "azure storage account key", envName: "AZURE_STORAGE_CONNECTION_STRING", value: "DefaultEndpointsProtocol=https;AccountName=shop;AccountKey=YWJjZA==;EndpointSuffix=core.windows.net", want: "its name says is a connection string, with a password in it"},

		// The value has the shape of a credential, whatever its name.
		{name: "openssh private key", envName: "SSH_CONFIG", value: "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----", want: "has the shape of a PEM private key"},
		{name: "rsa private key", envName: "TLS", value: "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----", want: "has the shape of a PEM private key"},
		{name: "aws access key id", envName: "AWS_ACCESS_KEY_ID", value: "AKIAIOSFODNN7EXAMPLE", want: "has the shape of an AWS access key ID"},
		{name: "temporary aws access key id", envName: "AWS_KEY", value: "ASIAIOSFODNN7EXAMPLE", want: "has the shape of an AWS access key ID"},
		{name: "url with a password", envName: "DATABASE_URL", value: "postgres://app:s3cret@db:5432/shop", want: "has the shape of a URL with a password in it"},
		{name: "url with an empty user", envName: "REDIS_URL", value: "redis://:s3cret@redis:6379/0", want: "has the shape of a URL with a password in it"},
		{name: "jwt", envName: "BEARER", value: testJWT, want: "has the shape of a signed JSON Web Token"},
		{name: "jwt after a scheme", envName: "HEADER_VALUE", value: "Bearer " + testJWT, want: "has the shape of a signed JSON Web Token"},
		{name: "github token", envName: "GH", value: testGitHubToken, want: "has the shape of a GitHub token"},
		{name: "slack token", envName: "NOTIFY", value: "xoxb-1234567890-0987654321-abcdefghij", want: "has the shape of a Slack token"},
		{name: "slack webhook", envName: "ALERT_HOOK", value: "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX", want: "has the shape of a Slack webhook URL"},
		{name: "shape wins over a descriptive name", envName: "TOKEN_PATH", value: testGitHubToken, want: "has the shape of a GitHub token"},

		// ConfigMap keys.
		{name: "key with dashes", envName: "db-password", value: "hunter2", key: true, want: "its name says is a password"},
		{name: "key that is a file name", envName: "password.txt", value: "hunter2", key: true, want: "its name says is a password"},
		{name: "credentials file", envName: "credentials.json", value: `{"key": "x"}`, key: true, want: "its name says is credentials"},
		{name: "pgpass file", envName: ".pgpass", value: "db:5432:shop:app:s3cret", key: true, want: "its name says is a PostgreSQL password file"},
		{name: "htpasswd file", envName: "htpasswd", value: "admin:$apr1$abc", key: true, want: "its name says is a password"},

		// Names that describe a credential without holding it.
		{name: "token lifetime", envName: "TOKEN_TTL_SECONDS", value: "3600"},
		{name: "password file", envName: "PASSWORD_FILE", value: "/run/secrets/db/password"},
		{name: "image's _FILE convention", envName: "POSTGRES_PASSWORD_FILE", value: "/etc/shop/db/password"},
		{name: "password file with a relative value", envName: "PASSWORD_FILE", value: "secrets/password"},
		{name: "private key path", envName: "PRIVATE_KEY_PATH", value: "/etc/tls/tls.key"},
		{name: "private key id", envName: "PRIVATE_KEY_ID", value: "3f2a9c"},
		{name: "access key id", envName: "MINIO_ACCESS_KEY_ID", value: "shop-backup"},
		{name: "auth url", envName: "AUTH_URL", value: "https://auth.example.com"},
		{name: "token url", envName: "OAUTH_TOKEN_URL", value: "https://auth.example.com/token"},
		{name: "secret name", envName: "TLS_SECRET_NAME", value: "shop-tls"},
		{name: "password policy", envName: "PASSWORD_MIN_LENGTH", value: "12"},
		{name: "token count", envName: "MAX_TOKENS", value: "4096"},
		{name: "secrets folder", envName: "SECRETS_DIR", value: "secrets"},
		{name: "bypass is not pass", envName: "BYPASS", value: "proxy"},
		{name: "pwd alone is the working directory", envName: "PWD", value: "app"},
		{name: "keyboard is not a key", envName: "KEYBOARD_LAYOUT", value: "us"},
		{name: "auth setting", envName: "AUTH_ENABLED", value: "true"},
		{name: "auth switched on", envName: "ENABLE_AUTH", value: "true"},
		{name: "auth scheme", envName: "SMTP_AUTH", value: "plain"},
		{name: "auth method key", envName: "auth-method", value: "oidc", key: true},

		// Values a credential name does not make a credential.
		{name: "empty", envName: "DATABASE_PASSWORD", value: ""},
		{name: "blank", envName: "DATABASE_PASSWORD", value: "  "},
		{name: "reference", envName: "DATABASE_PASSWORD", value: "$(DB_PASSWORD)"},
		{name: "placeholder", envName: "DATABASE_PASSWORD", value: "${DB_PASSWORD}"},
		{name: "path to a key file", envName: "GOOGLE_APPLICATION_CREDENTIALS", value: "/var/secrets/google/key.json"},
		{name: "boolean", envName: "USE_TOKEN", value: "false"},
		{name: "url without a password", envName: "AUTH_TOKEN", value: "https://vault.example.com/v1/token"},
		{name: "url password from a reference", envName: "DATABASE_URL", value: "postgres://app:$(DB_PASSWORD)@db/shop"},
		{name: "url password as asterisks", envName: "DATABASE_URL", value: "postgres://app:****@db/shop"},
		{name: "url password as a placeholder", envName: "DATABASE_URL", value: "postgres://app:<password>@db/shop"},
		{name: "url with a user only", envName: "DATABASE_URL", value: "postgres://app@db:5432/shop"},
		{name: "url with a port", envName: "OTEL_ENDPOINT", value: "http://otel-collector.observability:4317"},
		{name: "sentry dsn has a public key only", envName: "SENTRY_DSN", value: "https://0123abcd@o12345.ingest.sentry.io/678"},
		{name: "dsn without a password", envName: "DATABASE_DSN", value: "host=db user=app dbname=shop sslmode=require"},
		{name: "dsn password from a reference", envName: "DATABASE_DSN", value: "host=db password=$(DB_PASSWORD)"},
		{name: "certificate is public", envName: "CA_BUNDLE", value: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"},
		{name: "certificate file key", envName: "ca.crt", value: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----", key: true},
		{name: "key file name without a key in it", envName: "tls.key", value: "see the Secret", key: true},
		{name: "ordinary settings", envName: "LOG_LEVEL", value: "info"},
		{name: "aws id of a user is not a key", envName: "AWS_USER_ID", value: "AIDAIOSFODNN7EXAMPLE"},
		{name: "short jwt lookalike", envName: "GREETING", value: "eyJ.eyJ.x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, ok := credentialIn(tt.envName, tt.value, tt.key)
			got := ""
			if ok {
				got = s.reason("name")
			}
			if got != tt.want {
				t.Errorf("credentialIn(%q, %q) = %q, want %q", tt.envName, tt.value, got, tt.want)
			}
		})
	}
}

func TestNameWords(t *testing.T) {
	tests := []struct {
		name string
		want []string
	}{
		{"DATABASE_PASSWORD", []string{"DATABASE", "PASSWORD"}},
		{"dbPassword", []string{"DB", "PASSWORD"}},
		{"DBPassword", []string{"DB", "PASSWORD"}},
		{"spring.datasource.password", []string{"SPRING", "DATASOURCE", "PASSWORD"}},
		{"db-password.txt", []string{"DB", "PASSWORD", "TXT"}},
		{"PASSWORD2", []string{"PASSWORD2"}},
		{"PRIVATE_KEY_B64", []string{"PRIVATE", "KEY", "B64"}},
		{"OAuth2Token", []string{"O", "AUTH2", "TOKEN"}},
		{"ConnectionStrings__Default", []string{"CONNECTION", "STRINGS", "DEFAULT"}},
		{".pgpass", []string{"PGPASS"}},
		{"", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := nameWords(tt.name); !slices.Equal(got, tt.want) {
				t.Errorf("nameWords(%q) = %q, want %q", tt.name, got, tt.want)
			}
		})
	}
}

func TestLiteralPart(t *testing.T) {
	tests := []struct {
		name, value, want string
	}{
		{"no reference", "plain", "plain"},
		{"kubernetes reference", "$(A)", ""},
		{"placeholder", "${A}", ""},
		{"references around text", "$(USER):$(PASS)@db", ":@db"},
		{"escaped dollar", "$$(A)", "$(A)"},
		{"dollar at the end", "cost$", "cost$"},
		{"unclosed reference", "$(A", "$(A"},
		{"not a variable name", "$(echo hi)", "$(echo hi)"},
		{"shell default is not a plain placeholder", "${A:-x}", "${A:-x}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := literalPart(tt.value); got != tt.want {
				t.Errorf("literalPart(%q) = %q, want %q", tt.value, got, tt.want)
			}
		})
	}
}

// TestRedactedRevealsNothing pins that the description of a value is its length alone.
func TestRedactedRevealsNothing(t *testing.T) {
	for _, v := range []string{"Sup3rS3cret!", "x", testJWT, "pässwörd"} {
		got := redacted(v)
		if strings.Contains(got, v) || strings.ContainsAny(got, "S!äö") {
			t.Errorf("redacted(%q) = %q reveals the value", v, got)
		}
	}
	if got, want := redacted("pässwörd"), "value of 8 characters, redacted"; got != want {
		t.Errorf("redacted counts characters: got %q, want %q", got, want)
	}
	if got, want := redacted("x"), "value of 1 character, redacted"; got != want {
		t.Errorf("redacted(%q) = %q, want %q", "x", got, want)
	}
}

// BenchmarkCredentialIn judges variables like those of the benchmark corpus (package
// testcorpus): ordinary names and values, which every workload has many of and which must
// cost little.
func BenchmarkCredentialIn(b *testing.B) {
	names := []string{"LOG_LEVEL", "PORT", "GOMAXPROCS", "JAVA_OPTS", "DB_HOST",
		"DB_PORT", "DB_NAME", "CACHE_TTL", "FEATURE_FLAGS", "REGION",
		"OTEL_EXPORTER_OTLP_ENDPOINT", "HTTP_TIMEOUT", "WORKERS",
		"QUEUE_URL", "SENTRY_DSN", "TZ", "LANG", "MAX_CONNS",
		"RETRY_BACKOFF", "METRICS_PORT", "UPSTREAM_URL", "APP_MODE"}
	values := []string{"info", "8080", "2", "-Xmx512m -XX:+UseG1GC",
		"db.internal", "5432", "30s", "true", "eu-west-1",
		"http://otel-collector.observability:4317", "UTC",
		"C.UTF-8", "100", "a,b,c"}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		credentialIn(names[i%len(names)], values[i%len(values)], false)
	}
}

// TestAnchorsCoverEveryTerm pins that the quick test names go through first never hides a
// term: every term, written as a name, passes it.
func TestAnchorsCoverEveryTerm(t *testing.T) {
	for _, term := range credentialTerms {
		for _, name := range []string{strings.Join(term.words, "_"), "my" + strings.ToLower(strings.Join(term.words, ""))} {
			if !mayHoldTerm(name) {
				t.Errorf("mayHoldTerm(%q) = false, want true", name)
			}
		}
	}
	if mayHoldTerm("LOG_LEVEL") || mayHoldTerm("DB_HOST") {
		t.Error("ordinary names pass the quick test")
	}
}
