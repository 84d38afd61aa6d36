package whmcs

import (
	"errors"
	"regexp"
	"strings"

	"github.com/accountsync/accountsync/internal/httpx"
	"github.com/accountsync/accountsync/provider"
)

// messages maps WHMCS's error messages (the leading words, compared
// without regard to case) onto the provider sentinels. The wordings come
// from the WHMCS developer documentation and WHMCS's API middleware.
var messages = []struct {
	prefix string
	err    error
}{
	// Access control and authentication (HTTP 403 on WHMCS 8).
	{"Authentication Failed", provider.ErrUnauthorized},
	{"Invalid IP", provider.ErrUnauthorized},
	{"IP Banned", provider.ErrUnauthorized},
	{"Invalid Access Key", provider.ErrUnauthorized},
	{"Invalid or missing credentials", provider.ErrUnauthorized},
	{"Invalid administrative identifier", provider.ErrUnauthorized},
	{"Administrator Account Disabled", provider.ErrUnauthorized},
	{"Access Denied", provider.ErrUnauthorized},
	{"Invalid password provided", provider.ErrUnauthorized},
	// An API role without the action.
	{"Invalid Permissions", provider.ErrUnauthorized},
	// An action this WHMCS does not have (GetUsers before 8.1).
	{"Invalid API Action", provider.ErrNotSupported},
	{"Command Not Found", provider.ErrNotSupported},
	{"Invalid API Command Value", provider.ErrNotSupported},
	// Lookups.
	{"Client Not Found", provider.ErrNotFound},
	{"Client ID Not Found", provider.ErrNotFound},
	{"Service ID Not Found", provider.ErrNotFound},
	{"ServiceID not found", provider.ErrNotFound},
	// AddClient's two ways of saying the address is taken.
	{"A user already exists with that email address", provider.ErrExists},
	{"The email address entered is not available for use", provider.ErrExists},
}

// classify returns the sentinel a WHMCS error message means, or nil.
func classify(msg string) error {
	m := strings.ToLower(strings.TrimSpace(msg))
	for _, e := range messages {
		if strings.HasPrefix(m, strings.ToLower(e.prefix)) {
			return e.err
		}
	}
	return nil
}

// passwordFields matches JSON members and NVP pairs that carry a secret:
// GetClientsProducts sends every service's password decrypted.
var passwordFields = regexp.MustCompile(`(?i)("(?:password|servicepassword|password2|rootpw|secret|accesskey|identifier)"\s*:\s*)(?:"(?:[^"\\]|\\.)*"|[^,}\s]+)` +
	`|((?:^|[;&])(?:password|servicepassword|password2|rootpw|secret|accesskey|identifier)=)[^;&]*`)

// scrubbed returns resp with the secret members of its body blanked, for
// error excerpts.
func scrubbed(resp *httpx.Response) *httpx.Response {
	c := *resp
	c.Body = passwordFields.ReplaceAll(resp.Body, []byte(`$1$2"REDACTED"`))
	return &c
}

// scrubError removes per-call secrets (a new service password) from err's
// text.
func scrubError(err error, secrets []string) error {
	if err == nil || len(secrets) == 0 {
		return err
	}
	r := httpx.NewRedactor(secrets)
	var ae *provider.APIError
	if errors.As(err, &ae) && ae == err {
		c := *ae
		c.Message, c.Body = r.String(c.Message), r.String(c.Body)
		if c.Err != nil {
			c.Err = &redacted{msg: r.String(c.Err.Error()), err: c.Err}
		}
		return &c
	}
	return &redacted{msg: r.String(err.Error()), err: err}
}

// redacted carries a scrubbed message while errors.Is and errors.As still
// reach the cause.
type redacted struct {
	msg string
	err error
}

// Error returns the scrubbed message.
func (e *redacted) Error() string { return e.msg }

// Unwrap returns the cause.
func (e *redacted) Unwrap() error { return e.err }
