package httpx

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// maxRedirects bounds a chain of same-origin redirects, as net/http's
// default policy does.
const maxRedirects = 10

// RedirectError is the failure of a request whose answer redirected where
// the client will not follow: to another origin (scheme, host or port), in
// a way that would change the method (a POST answered with 301, 302 or
// 303, which net/http would re-send as a GET without its body), or past
// [maxRedirects] hops. Nothing was sent to Target.
type RedirectError struct {
	StatusCode int    // the redirect's status, as 302
	Target     string // where it pointed, without query string or user info
	Reason     string // why it was refused
}

// Error names the target and the reason; the status is the
// *provider.APIError's.
func (e *RedirectError) Error() string {
	return fmt.Sprintf("redirect to %s refused: %s; nothing was sent there", e.Target, e.Reason)
}

// checkRedirect is the one redirect policy of every panel client, set on
// the http.Client whatever the caller's HTTPClient says.
//
// A redirect to another origin is refused before anything is sent: the
// headers that carry a panel's credentials (Plesk's KEY, OpenStack's
// X-Auth-Token, SolusVM 1's form body) are not the ones net/http strips
// on a cross-host redirect, and an answer from elsewhere is not the
// panel's. Within the origin, a redirect is followed only when the
// request goes on as it was sent: any redirect of a GET or HEAD, and a 307
// or 308 of any method, which re-sends the same method and body to the
// same server. A 301, 302 or 303 answering a POST, PUT or DELETE is
// refused, because following it would turn the call into a GET without
// its body, whose answer (a login page, or worse, a listing that parses
// as success) is not the answer to the call that was made.
func checkRedirect(req *http.Request, via []*http.Request) error {
	prev := via[len(via)-1]
	status := 0
	if req.Response != nil {
		status = req.Response.StatusCode
	}
	target := redirectTarget(req.URL)
	switch {
	case !sameOrigin(via[0].URL, req.URL):
		return &RedirectError{StatusCode: status, Target: target, Reason: "another origin than " + origin(via[0].URL)}
	case req.Method != prev.Method:
		return &RedirectError{StatusCode: status, Target: target, Reason: "following it would turn " + prev.Method + " into " + req.Method}
	case len(via) >= maxRedirects:
		return &RedirectError{StatusCode: status, Target: target, Reason: fmt.Sprintf("stopped after %d redirects", len(via))}
	}
	return nil
}

// redirectTarget names a redirect's target without what may carry
// secrets: user info, query and fragment.
func redirectTarget(u *url.URL) string {
	c := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path, RawPath: u.RawPath}
	return c.String()
}

func origin(u *url.URL) string {
	return strings.ToLower(u.Scheme) + "://" + strings.ToLower(u.Hostname()) + ":" + portOf(u)
}

func sameOrigin(a, b *url.URL) bool { return origin(a) == origin(b) }

// portOf returns u's port, or its scheme's default.
func portOf(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
		return "443"
	case "http":
		return "80"
	}
	return ""
}
