package directadmin

import (
	"bytes"
	"errors"
	"regexp"
	"strconv"
	"strings"

	"github.com/accountsync/accountsync/internal/httpx"
	"github.com/accountsync/accountsync/provider"
)

// Operation names, the Op of every *provider.APIError this package returns.
const (
	opList      = "list accounts"
	opCreate    = "create account"
	opTerminate = "terminate account"
	opSuspend   = "suspend account"
	opUnsuspend = "unsuspend account"
	opPackages  = "list packages"
	opPassword  = "set password"
)

// check turns a response into a decoded reply, or into an
// *provider.APIError when the panel refused the call. The order matters:
// the X-DirectAdmin header wins over whatever page came with it, and an
// HTML page is never read as an (empty) answer.
func (c *Client) check(op string, resp *httpx.Response) (*reply, error) {
	if strings.EqualFold(strings.TrimSpace(resp.Header.Get("X-DirectAdmin")), "unauthorized") {
		return nil, c.http.Error(op, resp, "", "login failed: the panel refused the username, password or login key (X-DirectAdmin: Unauthorized)", provider.ErrUnauthorized)
	}
	body := bytes.TrimSpace(resp.Body)
	if resp.Header.Get("X-Use-Https") != "" || strings.EqualFold(string(body), "use https") {
		return nil, c.http.Error(op, resp, "", "the panel requires https: use an https:// base URL", nil)
	}
	if bytes.Contains(body, []byte("Your IP is blacklisted")) {
		return nil, c.http.Error(op, resp, "", "the panel has blacklisted this address (brute-force protection); clear it on the panel before trying again", provider.ErrUnauthorized)
	}
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		return nil, c.http.Error(op, resp, "", "unexpected redirect (a login key used over http, or an https mismatch?)", nil)
	}
	if resp.LooksLikeHTML() {
		if isLoginPage(body) {
			return nil, c.http.Error(op, resp, "", "login failed: the panel answered with its login page", provider.ErrUnauthorized)
		}
		return nil, c.http.Error(op, resp, "", "unexpected HTML page instead of an API answer", nil)
	}
	r, err := decodeReply(body)
	if resp.StatusCode >= 400 {
		// A 403 carries text and details (a command the login may not
		// run); the status maps to the sentinel.
		msg := ""
		if err == nil {
			if text, details, failed := r.failure(); failed {
				msg = message(text, details)
			}
		}
		return nil, c.http.Error(op, resp, "", msg, nil)
	}
	if err != nil {
		return nil, c.http.Error(op, resp, "", "undecodable answer: "+err.Error(), nil)
	}
	if text, details, failed := r.failure(); failed {
		return nil, c.http.Error(op, resp, "", message(text, details), classify(op, text, details))
	}
	r.resp = resp
	return r, nil
}

// isLoginPage recognises DirectAdmin's login form, which some setups send
// instead of the X-DirectAdmin header when the credentials are wrong.
func isLoginPage(body []byte) bool {
	return bytes.Contains(body, []byte("DirectAdmin Login")) || bytes.Contains(body, []byte(`AUTH_METHOD: "CMD_LOGIN"`)) ||
		bytes.Contains(body, []byte("CMD_LOGIN"))
}

var tags = regexp.MustCompile(`<[^>]*>`)

// message joins DirectAdmin's text and details into one line, without the
// HTML (<br>) the panel puts in its details.
func message(text, details string) string {
	clean := func(s string) string {
		return strings.Join(strings.Fields(tags.ReplaceAllString(s, " ")), " ")
	}
	text, details = clean(text), clean(details)
	switch {
	case text == "":
		return details
	case details == "" || details == text:
		return text
	}
	return text + ": " + details
}

// classify maps a panel error that arrived with HTTP 200 to a sentinel.
// DirectAdmin has no error codes, so this reads its (English) messages.
func classify(op, text, details string) error {
	s := strings.ToLower(text + " " + details)
	has := func(subs ...string) bool {
		for _, sub := range subs {
			if strings.Contains(s, sub) {
				return true
			}
		}
		return false
	}
	switch {
	case has("cannot execute that command", "not allowed", "permission denied", "access denied", "you do not own"):
		return provider.ErrUnauthorized
	case has("does not exist", "doesn't exist", "no such user", "not found", "unable to find"):
		return provider.ErrNotFound
	case op == opCreate && has("already exist", "exists", "in use", "taken"):
		return provider.ErrExists
	}
	return nil
}

// refused reports whether err is the panel declining a command the login
// may not run ("You cannot execute that command"), as a reseller login
// gets for CMD_API_SHOW_RESELLERS.
func refused(err error) bool {
	var apiErr *provider.APIError
	if !errors.As(err, &apiErr) {
		return false
	}
	return strings.Contains(strings.ToLower(apiErr.Message), "cannot execute that command")
}

// inUser names the user a per-user call was about, keeping the error an
// *provider.APIError: "directadmin: list accounts: HTTP 500: user "bob":
// internal server error".
func inUser(err error, user string) error {
	var apiErr *provider.APIError
	if !errors.As(err, &apiErr) {
		return err
	}
	detail := *apiErr
	detail.Type, detail.Op, detail.StatusCode, detail.Code = "", "", 0, ""
	out := *apiErr
	out.Message = "user " + strconv.Quote(user) + ": " + detail.Error()
	return &out
}
