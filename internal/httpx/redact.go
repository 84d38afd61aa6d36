package httpx

import (
	"net/url"
	"sort"
	"strings"
)

// redacted replaces every secret in logs and errors.
const redacted = "REDACTED"

// sensitiveParams are query and form parameter names whose values are
// credentials on some panel (SolusVM's key, Proxmox's password, ...).
var sensitiveParams = []string{
	"password", "passwd", "pass", "pw", "key", "apikey", "api_key", "token", "access_token",
	"hash", "accesshash", "secret", "client_secret", "application_credential_secret",
	"csrfpreventiontoken", "pveauthcookie", "auth", "authorization",
}

// Redactor removes credentials from text. The zero value removes only the
// values of parameters with sensitive names.
type Redactor struct {
	secrets []string // longest first, so that a secret containing another is removed whole
	params  map[string]bool
}

// NewRedactor returns a Redactor that removes the given secret values
// wherever they appear (and their URL- and form-encoded forms), and the
// values of sensitive parameters plus extraParams.
func NewRedactor(secrets []string, extraParams ...string) *Redactor {
	r := &Redactor{params: make(map[string]bool)}
	for _, p := range sensitiveParams {
		r.params[p] = true
	}
	for _, p := range extraParams {
		r.params[strings.ToLower(p)] = true
	}
	seen := map[string]bool{}
	add := func(s string) {
		// Very short values would redact ordinary words; they are still
		// covered by the parameter-name rule.
		if len(s) >= 4 && !seen[s] {
			seen[s] = true
			r.secrets = append(r.secrets, s)
		}
	}
	for _, s := range secrets {
		add(s)
		add(url.QueryEscape(s))
		add(url.PathEscape(s))
	}
	sort.Slice(r.secrets, func(i, j int) bool { return len(r.secrets[i]) > len(r.secrets[j]) })
	return r
}

// String removes every known secret from s.
func (r *Redactor) String(s string) string {
	if r == nil {
		return s
	}
	for _, sec := range r.secrets {
		s = strings.ReplaceAll(s, sec, redacted)
	}
	return s
}

// URL returns u as a string with sensitive query values and any user
// password replaced.
func (r *Redactor) URL(u *url.URL) string {
	if u == nil {
		return ""
	}
	c := *u
	if c.User != nil {
		if _, ok := c.User.Password(); ok {
			c.User = url.UserPassword(c.User.Username(), redacted)
		}
	}
	if c.RawQuery != "" {
		c.RawQuery = r.Form(c.RawQuery)
	}
	return r.String(c.String())
}

// Form returns a URL-encoded form (or query) with sensitive values
// replaced. Text that is not a form is only scrubbed of known secrets.
func (r *Redactor) Form(s string) string {
	if r == nil {
		return s
	}
	parts := strings.Split(s, "&")
	for i, p := range parts {
		name, _, ok := strings.Cut(p, "=")
		if !ok {
			continue
		}
		if n, err := url.QueryUnescape(name); err == nil && r.params[strings.ToLower(n)] {
			parts[i] = name + "=" + redacted
		}
	}
	return r.String(strings.Join(parts, "&"))
}

// Excerpt returns at most n bytes of body, redacted, with its whitespace
// collapsed, for error messages.
func (r *Redactor) Excerpt(body []byte, n int) string {
	if len(body) == 0 {
		return ""
	}
	s := string(body)
	if strings.Contains(s, "=") && !strings.ContainsAny(s, "<{") {
		s = r.Form(s)
	} else {
		s = r.String(s)
	}
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		cut := n
		for cut > 0 && !utf8Start(s[cut]) {
			cut--
		}
		s = s[:cut] + "..."
	}
	return s
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }
