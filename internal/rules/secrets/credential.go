package secrets

// How a literal value is recognised as a credential. Two independent signs, each declared as
// data below and applied by one small mechanism:
//
//   - what the value is called: the name of an environment variable or the key of a ConfigMap,
//     split into words (DATABASE_PASSWORD, dbPassword, db-password and db.password all give
//     DATABASE PASSWORD), in which a credential term (PASSWORD, TOKEN, API KEY ...) is the last
//     thing said. A term followed by other words names something about the credential, not the
//     credential: PASSWORD_FILE and TOKEN_TTL_SECONDS hold a path and a duration. Only words that
//     still denote the value itself (an index, an encoding, a rotation slot: SECRET_KEY_BASE,
//     PRIVATE_KEY_B64, JWT_SECRET_2) may follow.
//   - what the value looks like: shapes that are credentials whatever they are called (a PEM
//     private key, an AWS access key ID, a URL carrying a password, a signed JWT, GitHub and
//     Slack tokens). Each shape has a minimum length and literal hints checked before its
//     pattern, so that the common value (a port, a host name, "info") costs a few comparisons.
//
// Names that say only what kind of value they hold (DSN, CONNECTION_STRING) make a credential
// of it only when it carries a password.
//
// A value is never a literal credential when nothing literal is left of it once the variable
// references Kubernetes expands ($(VAR)) and the placeholders an entrypoint expands (${VAR})
// are taken out. A name alone does not make a credential of a value that plainly is something
// else: a boolean, a file path (GOOGLE_APPLICATION_CREDENTIALS holds the path of a key file), a
// URL without a password, or, for AUTH, the name of an authentication scheme.

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// credentialTerm is a word, or a run of words, that says a name holds a credential.
type credentialTerm struct {
	words []string // upper case, in order
	what  string   // what the name says the value is, for messages: "a password"
	// suffix lets the term's one word end a longer word: PGPASSWORD, CLIENTSECRET, APIKEY.
	suffix bool
	// notAlone means the term is a credential only after another word: MYSQL_PWD is a
	// password, PWD alone is the shell's working directory.
	notAlone bool
	// passwordInValue means the name says what kind of value it is (a connection string)
	// but not that it is secret: it is a credential only when the value carries a password.
	passwordInValue bool
	// schemes are values that name a method rather than hold a secret (AUTH=basic).
	schemes bool
}

// credentialTerms are the terms a name is matched against. The words come from the names
// applications and images document for their credentials (PGPASSWORD, MYSQL_ROOT_PASSWORD,
// AWS_SECRET_ACCESS_KEY, GITHUB_TOKEN, SECRET_KEY_BASE, SENTRY_DSN ...).
var credentialTerms = []credentialTerm{
	{words: []string{"PASSWORD"}, what: "a password", suffix: true},
	{words: []string{"PASSWD"}, what: "a password", suffix: true},
	{words: []string{"PASSPHRASE"}, what: "a passphrase", suffix: true},
	{words: []string{"PASS"}, what: "a password"},
	{words: []string{"PWD"}, what: "a password", notAlone: true},
	{words: []string{"PGPASS"}, what: "a PostgreSQL password file"},
	{words: []string{"NETRC"}, what: "a netrc file of logins and passwords"},
	{words: []string{"DOCKERCONFIGJSON"}, what: "container registry credentials"},
	{words: []string{"DOCKERCFG"}, what: "container registry credentials"},
	{words: []string{"SECRET"}, what: "a secret", suffix: true},
	{words: []string{"TOKEN"}, what: "a token", suffix: true},
	{words: []string{"APIKEY"}, what: "an API key", suffix: true},
	{words: []string{"API", "KEY"}, what: "an API key"},
	{words: []string{"ACCESSKEY"}, what: "an access key", suffix: true},
	{words: []string{"ACCESS", "KEY"}, what: "an access key"},
	{words: []string{"SECRETKEY"}, what: "a secret key", suffix: true},
	{words: []string{"SECRET", "KEY"}, what: "a secret key"},
	{words: []string{"PRIVATEKEY"}, what: "a private key", suffix: true},
	{words: []string{"PRIVATE", "KEY"}, what: "a private key"},
	{words: []string{"ACCOUNT", "KEY"}, what: "an account key"},
	{words: []string{"ENCRYPTION", "KEY"}, what: "an encryption key"},
	{words: []string{"SIGNING", "KEY"}, what: "a signing key"},
	{words: []string{"MASTER", "KEY"}, what: "a master key"},
	{words: []string{"SSH", "KEY"}, what: "an SSH key"},
	{words: []string{"CREDENTIAL"}, what: "a credential"},
	{words: []string{"CREDENTIALS"}, what: "credentials"},
	{words: []string{"CREDS"}, what: "credentials"},
	{words: []string{"AUTH"}, what: "authentication data", schemes: true},
	{words: []string{"DSN"}, what: "a data source name", passwordInValue: true},
	{words: []string{"CONNECTION", "STRING"}, what: "a connection string", passwordInValue: true},
	{words: []string{"CONNECTION", "STRINGS"}, what: "a connection string", passwordInValue: true},
	{words: []string{"CONNECTIONSTRING"}, what: "a connection string", passwordInValue: true, suffix: true},
	{words: []string{"CONN", "STR"}, what: "a connection string", passwordInValue: true},
	{words: []string{"CONNSTR"}, what: "a connection string", passwordInValue: true},
}

// valueWords may follow a credential term and still name the credential itself: an encoding
// (PRIVATE_KEY_B64), Rails' SECRET_KEY_BASE, a rotation slot (JWT_SECRET_PREVIOUS). Any other
// word after the term (FILE, PATH, URL, NAME, TTL, SECONDS, ID, HEADER ...) describes it.
var valueWords = map[string]bool{
	"VALUE": true, "B64": true, "BASE64": true, "ENCODED": true, "BASE": true, "RAW": true,
	"PLAIN": true, "PLAINTEXT": true, "OLD": true, "NEW": true, "PREV": true, "PREVIOUS": true,
	"CURRENT": true, "NEXT": true, "PRIMARY": true, "SECONDARY": true,
}

// fileExtensions end ConfigMap keys that are file names (password.txt, credentials.json): the
// word says how the file is written, not what it holds.
var fileExtensions = map[string]bool{
	"TXT": true, "JSON": true, "YAML": true, "YML": true, "CONF": true, "CFG": true, "INI": true,
	"TOML": true, "ENV": true, "PROPERTIES": true, "XML": true, "PEM": true,
}

// booleanValues switch something on or off; no credential is one of them.
var booleanValues = map[string]bool{
	"true": true, "false": true, "yes": true, "no": true, "y": true, "n": true, "on": true,
	"off": true, "enabled": true, "disabled": true, "none": true, "null": true, "nil": true,
	"0": true, "1": true,
}

// authSchemes are the values an AUTH setting takes when it selects a method (SMTP_AUTH=plain,
// PROXY_AUTH=basic) rather than holding a secret.
var authSchemes = map[string]bool{
	"basic": true, "bearer": true, "digest": true, "plain": true, "login": true, "cram-md5": true,
	"oauth": true, "oauth2": true, "oidc": true, "saml": true, "ldap": true, "kerberos": true,
	"gssapi": true, "ntlm": true, "negotiate": true, "jwt": true, "token": true, "password": true,
	"cert": true, "certificate": true, "tls": true, "mtls": true, "x509": true, "iam": true,
	"sasl": true, "scram": true, "scram-sha-256": true, "scram-sha-512": true, "md5": true,
	"trust": true, "anonymous": true, "apikey": true, "api-key": true, "hmac": true,
	"sigv4": true, "internal": true, "external": true, "local": true, "builtin": true,
}

// secretShape is a value that is a credential whatever it is called.
type secretShape struct {
	what string
	// minLen is the length of the shortest match: shorter values are not searched.
	minLen int
	// hints are literal substrings one of which every match contains, and needs substrings
	// all of which it contains; both are searched before the pattern runs.
	hints   []string
	needs   []string
	pattern *regexp.Regexp
	// genuine, when set, rejects matches that are placeholders rather than secrets.
	genuine func(submatch []string) bool
}

// secretShapes are matched against every literal value. The formats: PEM private keys (RFC
// 7468 labels, and OpenSSH's and OpenPGP's), AWS access key IDs (long-term AKIA, temporary
// ASIA; other AWS ID prefixes name users and roles, not keys), URL user information with a
// password (RFC 3986 section 3.2.1 deprecates it for this very reason), JWTs with a signature
// (RFC 7519: base64url JSON header and payload, both starting with `{"`), GitHub tokens
// (documented prefixes ghp_, gho_, ghu_, ghs_, ghr_ and github_pat_), Slack tokens (xox?-) and
// Slack incoming webhook URLs.
var secretShapes = []secretShape{
	{
		what:    "a PEM private key",
		minLen:  len("-----BEGIN PRIVATE KEY-----"),
		hints:   []string{"PRIVATE KEY"},
		pattern: regexp.MustCompile(`-----BEGIN [A-Z0-9 ]*PRIVATE KEY[A-Z ]*-----`),
	},
	{
		what:    "an AWS access key ID",
		minLen:  20,
		hints:   []string{"AKIA", "ASIA"},
		pattern: regexp.MustCompile(`\b(?:AKIA|ASIA)[A-Z0-9]{16}\b`),
	},
	{
		what:    "a URL with a password in it",
		minLen:  len("s://:p@"),
		needs:   []string{"://", "@"},
		pattern: regexp.MustCompile(`\b[A-Za-z][A-Za-z0-9+.-]*://[^\s/:@]*:([^\s/@]+)@`),
		genuine: func(m []string) bool { return !isPlaceholder(m[1]) },
	},
	{
		what:    "a signed JSON Web Token",
		minLen:  len("eyJ.eyJ.") + 8 + 8 + 16,
		hints:   []string{"eyJ"},
		pattern: regexp.MustCompile(`\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}`),
	},
	{
		what:    "a GitHub token",
		minLen:  len("github_pat_") + 22,
		hints:   []string{"ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"},
		pattern: regexp.MustCompile(`\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})\b`),
	},
	{
		what:    "a Slack token",
		minLen:  len("xoxb-") + 10,
		hints:   []string{"xox"},
		pattern: regexp.MustCompile(`\bxox[abeoprs]-[A-Za-z0-9-]{10,}`),
	},
	{
		what:    "a Slack webhook URL",
		minLen:  len("https://hooks.slack.com/services/T/B/x"),
		hints:   []string{"hooks.slack.com/"},
		pattern: regexp.MustCompile(`https://hooks\.slack\.com/services/T[A-Z0-9]+/B[A-Z0-9]+/[A-Za-z0-9]+`),
	},
}

// Passwords inside a connection string that is not a URL: keyword=value pairs (libpq's
// "host=db password=...", ADO.NET's "Password=...;", Azure's "AccountKey=...") and the Go
// MySQL driver's "user:password@tcp(host)/db".
var (
	keywordPassword = regexp.MustCompile(`(?i)(?:^|[;\s?&])(?:password|passwd|pwd|accountkey|sharedaccesskey)\s*=\s*([^;&\s]+)`)
	driverPassword  = regexp.MustCompile(`^[^\s:/@]*:([^\s@]+)@`)
)

// suspicion is why a value was taken for a credential: its shape, or what its name says.
type suspicion struct {
	shape string // what the value looks like: "an AWS access key ID"
	named string // what the name says the value is: "a password"
	// withPassword is set when the name says only what kind of value it is (a connection
	// string) and the value carries a password.
	withPassword bool
}

// reason completes "a value that ...", calling the name what it is (a "name", a "key").
func (s suspicion) reason(name string) string {
	switch {
	case s.shape != "":
		return "has the shape of " + s.shape
	case s.withPassword:
		return "its " + name + " says is " + s.named + ", with a password in it"
	default:
		return "its " + name + " says is " + s.named
	}
}

// credentialIn judges one named literal value. key is true for ConfigMap keys, which may be
// file names (password.txt).
func credentialIn(name, value string, key bool) (suspicion, bool) {
	literal := literalPart(value)
	if strings.TrimSpace(literal) == "" {
		return suspicion{}, false
	}
	if what, ok := shapeOf(literal); ok {
		return suspicion{shape: what}, true
	}
	term, ok := termOf(name, key)
	switch {
	case !ok:
		return suspicion{}, false
	case term.passwordInValue:
		return suspicion{named: term.what, withPassword: true}, hasPassword(literal)
	case !mayBeSecret(literal, term):
		return suspicion{}, false
	}
	return suspicion{named: term.what}, true
}

// credentialNamed judges a value that cannot be read as text (binary ConfigMap data) by its
// name alone.
func credentialNamed(name string, key bool) (suspicion, bool) {
	term, ok := termOf(name, key)
	if !ok || term.passwordInValue {
		return suspicion{}, false
	}
	return suspicion{named: term.what}, true
}

// shapeOf returns what the value looks like when it has the shape of a credential.
func shapeOf(v string) (string, bool) {
	for i := range secretShapes {
		s := &secretShapes[i]
		if len(v) < s.minLen || (len(s.hints) > 0 && !containsAny(v, s.hints)) || !containsAll(v, s.needs) {
			continue
		}
		for _, m := range s.pattern.FindAllStringSubmatch(v, -1) {
			if s.genuine == nil || s.genuine(m) {
				return s.what, true
			}
		}
	}
	return "", false
}

func containsAll(s string, subs []string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// anchor is a substring every name holding some credential term contains (upper-cased), with
// the set of letters it is written with: a name that lacks one of those letters cannot contain
// it, so most names (LOG_LEVEL, DB_HOST) are settled by one pass over their letters, without
// being split into words.
type anchor struct {
	word    string
	letters letterSet
}

var termAnchors = anchorsOf(credentialTerms)

// anchorsOf returns the last word of every term, leaving out those that contain another.
func anchorsOf(terms []credentialTerm) []anchor {
	var last []string
	for _, t := range terms {
		w := t.words[len(t.words)-1]
		if !slices.Contains(last, w) {
			last = append(last, w)
		}
	}
	var out []anchor
	for _, w := range last {
		if !slices.ContainsFunc(last, func(o string) bool { return o != w && strings.Contains(w, o) }) {
			out = append(out, anchor{word: w, letters: lettersOf(w)})
		}
	}
	return out
}

// letterSet holds the ASCII letters of a string, case-insensitively, one bit each.
type letterSet uint32

func lettersOf(s string) letterSet {
	var set letterSet
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= 'A' && c <= 'Z':
			set |= 1 << (c - 'A')
		case c >= 'a' && c <= 'z':
			set |= 1 << (c - 'a')
		}
	}
	return set
}

// mayHoldTerm reports whether name contains one of the term anchors.
func mayHoldTerm(name string) bool {
	have := lettersOf(name)
	upper := ""
	for _, a := range termAnchors {
		if have&a.letters != a.letters {
			continue
		}
		if upper == "" {
			upper = strings.ToUpper(name)
		}
		if strings.Contains(upper, a.word) {
			return true
		}
	}
	return false
}

// termOf returns the credential term a name ends with, if any.
func termOf(name string, key bool) (credentialTerm, bool) {
	if !mayHoldTerm(name) {
		return credentialTerm{}, false
	}
	words := nameWords(name)
	if key && len(words) > 1 && fileExtensions[words[len(words)-1]] {
		words = words[:len(words)-1]
	}
	best, bestEnd, found := credentialTerm{}, -1, false
	for i := range credentialTerms {
		t := credentialTerms[i]
		end, ok := lastMatch(words, t)
		if !ok || end < bestEnd || (end == bestEnd && len(t.words) <= len(best.words)) {
			continue
		}
		best, bestEnd, found = t, end, true
	}
	if !found {
		return credentialTerm{}, false
	}
	if best.passwordInValue {
		return best, true // the value decides
	}
	for _, w := range words[bestEnd:] {
		if !valueWords[w] && !isDigits(w) {
			return credentialTerm{}, false
		}
	}
	if best.notAlone && len(words) == len(best.words) {
		return credentialTerm{}, false
	}
	return best, true
}

// lastMatch finds the last occurrence of t in words and returns the index after it.
func lastMatch(words []string, t credentialTerm) (int, bool) {
	n := len(t.words)
	for i := len(words) - n; i >= 0; i-- {
		if matchAt(words[i:i+n], t) {
			return i + n, true
		}
	}
	return 0, false
}

// matchAt reports whether words are the term, ignoring digits that end a word (PASSWORD2,
// OAUTH2).
func matchAt(words []string, t credentialTerm) bool {
	if len(t.words) == 1 && t.suffix {
		return strings.HasSuffix(withoutTrailingDigits(words[0]), t.words[0])
	}
	for j, w := range t.words {
		if withoutTrailingDigits(words[j]) != w {
			return false
		}
	}
	return true
}

func withoutTrailingDigits(w string) string {
	i := len(w)
	for i > 0 && w[i-1] >= '0' && w[i-1] <= '9' {
		i--
	}
	return w[:i]
}

// nameWords splits a name into upper-case words at separators (_ - . and any other
// punctuation), at lower-to-upper case changes (dbPassword), before the last capital of a run
// followed by a lower-case letter (DBPassword) and after digits followed by a capital
// (OAuth2Token). Digits stay with the letters before them (B64, PASSWORD2): terms are matched
// without trailing digits.
func nameWords(name string) []string {
	var words []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			words = append(words, strings.ToUpper(string(cur)))
			cur = cur[:0]
		}
	}
	rs := []rune(name)
	for i, r := range rs {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			flush()
			continue
		}
		if len(cur) > 0 {
			prev := cur[len(cur)-1]
			switch {
			case (unicode.IsLower(prev) || unicode.IsDigit(prev)) && unicode.IsUpper(r),
				unicode.IsUpper(prev) && unicode.IsUpper(r) && i+1 < len(rs) && unicode.IsLower(rs[i+1]):
				flush()
			}
		}
		cur = append(cur, r)
	}
	flush()
	return words
}

func isDigits(w string) bool {
	for _, r := range w {
		if r < '0' || r > '9' {
			return false
		}
	}
	return w != ""
}

// mayBeSecret reports whether a value named as a credential could be one: not a boolean, not
// a file path, not a URL without a password, and for AUTH not an authentication scheme.
func mayBeSecret(v string, t credentialTerm) bool {
	v = strings.TrimSpace(v)
	lower := strings.ToLower(v)
	switch {
	case booleanValues[lower]:
		return false
	case isFilePath(v):
		return false
	case isURL(v):
		return false // a URL with a password is a shape, found before the name is asked
	case t.schemes && authSchemes[lower]:
		return false
	}
	return true
}

// filePath is an absolute or explicitly relative path made of the characters paths are
// written with; a credential (random or chosen) does not start with a slash and stay in them.
var filePath = regexp.MustCompile(`^(?:/|\./|\.\./|~/)[A-Za-z0-9._/+@-]*$`)

func isFilePath(v string) bool { return filePath.MatchString(v) }

var urlScheme = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*://\S+$`)

func isURL(v string) bool { return urlScheme.MatchString(v) }

// hasPassword reports whether a connection string that is not a URL carries a password (a URL
// with one is a shape, found first): as a keyword=value pair, or in the Go MySQL driver's
// user:password@ form.
func hasPassword(v string) bool {
	var patterns []*regexp.Regexp
	if strings.Contains(v, "=") {
		patterns = append(patterns, keywordPassword)
	}
	if strings.Contains(v, "@") && !strings.Contains(v, "://") {
		patterns = append(patterns, driverPassword) // user:password@ in a URL is a shape
	}
	for _, re := range patterns {
		for _, m := range re.FindAllStringSubmatch(v, -1) {
			if !isPlaceholder(strings.Trim(m[1], `'"`)) {
				return true
			}
		}
	}
	return false
}

// isPlaceholder reports whether a password is written as a stand-in: empty, asterisks or an
// <angle-bracketed> name, as documentation writes them.
func isPlaceholder(p string) bool {
	switch {
	case p == "":
		return true
	case strings.Trim(p, "*") == "":
		return true
	case strings.HasPrefix(p, "<") && strings.HasSuffix(p, ">"):
		return true
	}
	return false
}

// literalPart is what a value says literally: the value without the $(VAR) references the
// kubelet expands from other variables of the container ($$ is an escaped $) and without the
// ${VAR} placeholders entrypoints and templating expand.
// https://kubernetes.io/docs/tasks/inject-data-application/define-interdependent-environment-variables/
func literalPart(v string) string {
	if !strings.Contains(v, "$") {
		return v
	}
	var b strings.Builder
	for i := 0; i < len(v); {
		if v[i] != '$' || i+1 == len(v) {
			b.WriteByte(v[i])
			i++
			continue
		}
		switch v[i+1] {
		case '$':
			b.WriteByte('$')
			i += 2
			continue
		case '(', '{':
			closing := byte(')')
			if v[i+1] == '{' {
				closing = '}'
			}
			if end := strings.IndexByte(v[i+2:], closing); end > 0 && isVariableName(v[i+2:i+2+end]) {
				i += 2 + end + 1
				continue
			}
		}
		b.WriteByte(v[i])
		i++
	}
	return b.String()
}

// isVariableName accepts the names a reference may carry: C identifiers, and the dots and
// dashes Kubernetes allows in environment variable names.
func isVariableName(s string) bool {
	for i, r := range s {
		if !(r == '_' || unicode.IsLetter(r) || (i > 0 && (unicode.IsDigit(r) || r == '.' || r == '-'))) {
			return false
		}
	}
	return s != ""
}

// redacted describes a value by its length alone, never by any part of it.
func redacted(v string) string {
	return plural(utf8.RuneCountInString(v), "character") + ", redacted"
}

// plural writes "1 character", "12 characters".
func plural(n int, unit string) string {
	if n == 1 {
		return "value of 1 " + unit
	}
	return fmt.Sprintf("value of %d %ss", n, unit)
}
