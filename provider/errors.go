package provider

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
)

// Sentinel errors. Provider errors wrap them (or are an [*APIError] that
// matches them), so callers test with [errors.Is].
var (
	// ErrNotFound means the account, package or object does not exist.
	ErrNotFound = errors.New("not found")
	// ErrExists means the account being created already exists.
	ErrExists = errors.New("already exists")
	// ErrUnauthorized means the server refused the credentials or their
	// permissions. Retrying will not help, and retrying in a loop may get
	// the caller's address blocked by the panel's brute-force protection.
	ErrUnauthorized = errors.New("unauthorized")
	// ErrNotSupported means the server type or its API cannot do what was
	// asked.
	ErrNotSupported = errors.New("not supported")
	// ErrRateLimited means the server asked the caller to slow down. Such
	// errors also match [ErrTransient].
	ErrRateLimited = errors.New("rate limited")
	// ErrTransient means the failure may pass on its own (a 5xx, a timeout,
	// exhausted retries): a scheduler should try again on its next run
	// rather than alert.
	ErrTransient = errors.New("transient failure")
)

// APIError is a failed call to a server's API. It names the server type and
// operation, and carries what came back: the HTTP status, the panel's own
// error code and message, and a short, redacted excerpt of the body.
//
// Is maps the HTTP status to the sentinels: 401 and 403 to
// [ErrUnauthorized], 404 to [ErrNotFound], 429 to [ErrRateLimited] (and
// [ErrTransient]), 408 and 5xx to [ErrTransient]. Err, when set, is matched
// too, so a panel that reports "not found" with HTTP 200 sets Err to
// [ErrNotFound].
type APIError struct {
	Type       string // server type, such as "cpanel"
	Op         string // operation, such as "list accounts"
	StatusCode int    // HTTP status; 0 when no response arrived
	Code       string // the panel's own error code, if any
	Message    string // the panel's own error message, if any
	Body       string // a short, redacted excerpt of the response body
	Err        error  // the underlying cause, if any
}

// Error reads "cpanel: list accounts: HTTP 403: access denied (code 1001)".
func (e *APIError) Error() string {
	var b strings.Builder
	if e.Type != "" {
		b.WriteString(e.Type)
		b.WriteString(": ")
	}
	if e.Op != "" {
		b.WriteString(e.Op)
		b.WriteString(": ")
	}
	var parts []string
	if e.StatusCode != 0 {
		parts = append(parts, "HTTP "+strconv.Itoa(e.StatusCode))
	}
	switch {
	case e.Message != "":
		parts = append(parts, e.Message)
	case e.Err != nil:
		parts = append(parts, e.Err.Error())
	case e.Body != "":
		parts = append(parts, "unexpected response: "+e.Body)
	case e.StatusCode != 0:
		parts = append(parts, strings.ToLower(http.StatusText(e.StatusCode)))
	}
	b.WriteString(strings.Join(parts, ": "))
	if e.Code != "" {
		b.WriteString(" (code " + e.Code + ")")
	}
	return b.String()
}

// Unwrap returns Err.
func (e *APIError) Unwrap() error { return e.Err }

// Is reports whether the HTTP status maps to target; see [APIError].
func (e *APIError) Is(target error) bool {
	s := e.StatusCode
	switch target {
	case ErrUnauthorized:
		return s == http.StatusUnauthorized || s == http.StatusForbidden
	case ErrNotFound:
		return s == http.StatusNotFound
	case ErrRateLimited:
		return s == http.StatusTooManyRequests
	case ErrTransient:
		return s == http.StatusTooManyRequests || s == http.StatusRequestTimeout || (s >= 500 && s <= 599)
	}
	return false
}
