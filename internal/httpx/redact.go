package httpx

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"unicode"

	"github.com/accountsync/accountsync/provider"
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

// Redactor removes credentials from text. It is the one scrubber of every
// panel: a client's Redactor removes its configured credentials, and
// [Redactor.With] adds the secrets of one call (a new account's password).
// The zero value removes only the values of parameters with sensitive
// names.
type Redactor struct {
	secrets []secret // longest first, so that a secret containing another is removed whole
	params  map[string]bool
}

// secret is one form of a secret value. A weak one (short, or a plain
// word such as "wrong") cannot be told apart from the same word in a
// panel's prose: "Authentication failed - wrong password." must not
// become "Authentication failed - REDACTED password.", which hides the
// very message that explains the failure. A weak secret is removed only
// where it stands as a value (after "=", ":" or a quote or tag, up to the
// value's end); password-like fields and sensitive parameters are removed
// whatever their value.
type secret struct {
	s    string
	weak bool
}

// NewRedactor returns a Redactor that removes the given secret values
// wherever they appear, in the forms a panel may echo them (URL- and
// form-encoded, JSON-escaped with and without HTML escaping and with
// escaped slashes, XML-escaped), and the values of sensitive parameters
// plus extraParams.
func NewRedactor(secrets []string, extraParams ...string) *Redactor {
	r := &Redactor{params: make(map[string]bool)}
	for _, p := range sensitiveParams {
		r.params[p] = true
	}
	for _, p := range extraParams {
		r.params[strings.ToLower(p)] = true
	}
	r.add(secrets)
	return r
}

// add adds secrets, in every form, keeping the longest first.
func (r *Redactor) add(secrets []string) {
	seen := make(map[string]bool, len(r.secrets))
	for _, s := range r.secrets {
		seen[s.s] = true
	}
	var weak bool
	add := func(s string) {
		// Very short values would redact ordinary words; they are still
		// covered by the parameter-name rule.
		if len(s) >= 4 && !seen[s] {
			seen[s] = true
			r.secrets = append(r.secrets, secret{s: s, weak: weak})
		}
	}
	for _, s := range secrets {
		if s == "" {
			continue
		}
		weak = isWeak(s)
		add(s)
		add(url.QueryEscape(s))
		add(url.PathEscape(s))
		for _, html := range []bool{false, true} {
			var b bytes.Buffer
			enc := json.NewEncoder(&b)
			enc.SetEscapeHTML(html)
			if enc.Encode(s) == nil {
				q := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(b.String()), `"`), `"`)
				add(q)
				add(strings.ReplaceAll(q, "/", `\/`))
			}
		}
		var x bytes.Buffer
		if xml.EscapeText(&x, []byte(s)) == nil {
			add(x.String())
		}
	}
	sort.SliceStable(r.secrets, func(i, j int) bool { return len(r.secrets[i].s) > len(r.secrets[j].s) })
}

// With returns a Redactor that removes what r removes and also secrets,
// the values of one call (a password being set) that no other call needs
// to hide. r is unchanged.
func (r *Redactor) With(secrets ...string) *Redactor {
	out := &Redactor{params: map[string]bool{}}
	if r != nil {
		out.secrets = append(out.secrets, r.secrets...)
		for p := range r.params {
			out.params[p] = true
		}
	}
	out.add(secrets)
	return out
}

// passwordValue finds the values of password-like XML elements, JSON keys
// and form fields, which panels echo in their answers (SolusVM 1 returns a
// new server's root, console and VNC passwords; WHM echoes createacct's).
var passwordValue = regexp.MustCompile(`(?i)(<[a-z_-]*pass(?:word|wd)>)[^<]*|("[a-z_-]*pass(?:word|wd)"\s*:\s*)"(?:[^"\\]|\\.)*"|([a-z_-]*pass(?:word|wd)=)[^&\s]*`)

// Scrub removes r's secrets, and the value of any password-like field,
// from the Message and Body of the *provider.APIError err is or wraps, in
// place, and returns err. Other errors are returned as they are: the
// errors the panels build are APIErrors, and httpx's own carry no body.
func (r *Redactor) Scrub(err error) error {
	var e *provider.APIError
	if err == nil || !errors.As(err, &e) {
		return err
	}
	e.Message = r.text(e.Message)
	e.Body = r.text(e.Body)
	return err
}

// text is String plus the password-field rule, for the texts of errors.
func (r *Redactor) text(s string) string {
	if s == "" {
		return s
	}
	return r.String(passwordValue.ReplaceAllString(s, "${1}${2}${3}"+redacted))
}

// String removes every known secret from s.
func (r *Redactor) String(s string) string {
	if r == nil {
		return s
	}
	for _, sec := range r.secrets {
		if sec.weak {
			s = replaceValues(s, sec.s)
		} else {
			s = strings.ReplaceAll(s, sec.s, redacted)
		}
	}
	return s
}

// isWeak reports whether s is short or only letters: a value that also
// occurs as an ordinary word.
func isWeak(s string) bool {
	if len(s) < 8 {
		return true
	}
	for _, c := range s {
		if !unicode.IsLetter(c) {
			return false
		}
	}
	return true
}

// replaceValues replaces the occurrences of sec in s that stand as a
// value: opened by '=', ':', a quote or '>' (spaces after ':' allowed) and
// closed by the end of s, a quote, '<', '&', ',', ';' or white space.
func replaceValues(s, sec string) string {
	var b strings.Builder
	rest := s
	for {
		i := strings.Index(rest, sec)
		if i < 0 {
			break
		}
		prefix := b.String() + rest[:i]
		trimmed := strings.TrimRight(prefix, " ")
		c := lastByte(trimmed)
		// Only a colon may be followed by spaces before its value.
		opened := c != "" && strings.ContainsAny(c, `=:"'>`) && (len(trimmed) == len(prefix) || c == ":")
		after := rest[i+len(sec):]
		closed := after == "" || strings.ContainsAny(after[:1], "\"'<&,; \t\r\n")
		b.WriteString(rest[:i])
		if opened && closed {
			b.WriteString(redacted)
		} else {
			b.WriteString(sec)
		}
		rest = after
	}
	b.WriteString(rest)
	return b.String()
}

func lastByte(s string) string {
	if s == "" {
		return ""
	}
	return s[len(s)-1:]
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
	}
	s = r.text(s)
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
