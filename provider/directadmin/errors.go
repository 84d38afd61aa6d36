package directadmin

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
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
		return nil, c.http.Error(op, resp, "", "login failed: the panel refused the username, password or login key (X-DirectAdmin: Unauthorized)", errLogin)
	}
	body := bytes.TrimSpace(resp.Body)
	if resp.Header.Get("X-Use-Https") != "" || strings.EqualFold(string(body), "use https") {
		return nil, c.http.Error(op, resp, "", "the panel requires https: use an https:// base URL", nil)
	}
	if bytes.Contains(body, []byte("Your IP is blacklisted")) {
		return nil, c.http.Error(op, resp, "", "the panel has blacklisted this address (brute-force protection); clear it on the panel before trying again", errLogin)
	}
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		return nil, c.http.Error(op, resp, "", "unexpected redirect (a login key used over http, or an https mismatch?)", nil)
	}
	if resp.LooksLikeHTML() {
		if isLoginPage(body) {
			return nil, c.http.Error(op, resp, "", "login failed: the panel answered with its login page", errLogin)
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
		var cause error
		if resp.StatusCode == http.StatusUnauthorized {
			cause = errLogin
		}
		return nil, c.http.Error(op, resp, "", msg, cause)
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

// errLogin is the cause of every error that says the panel refused the
// login itself (rather than one command). Nothing more is sent after it:
// DirectAdmin's brute-force monitor counts every refused login.
var errLogin = fmt.Errorf("login refused: %w", provider.ErrUnauthorized)

// loginRefused reports whether err is the panel refusing the login.
func loginRefused(err error) bool { return errors.Is(err, errLogin) }

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

// A wording is one of DirectAdmin's own messages and what it means.
// DirectAdmin has no error codes: its answers carry a text and details
// taken from its English message table, the lang/en/internal/*.txt files
// that every skin ships (cited below as file:id; the copy read is the one
// in github.com/WorkingClassKid/DirectAdmin-Evolution-FR, 2021, which
// keeps the English originals beside the French). The panel fills "%s"
// with printf, so a fragment is the part of a message around its "%s".
// Fragments are matched in lower case against text and details joined,
// after HTML tags are stripped and runs of spaces collapsed.
type wording struct {
	fragment string
	sentinel error
	source   string
}

// notYours are the wordings of a command the login may not run, or on a
// user it does not own. They come first: "it does not exist in your
// authority level" is a refusal, not a missing user.
var notYours = []wording{
	{"you cannot execute that command", provider.ErrUnauthorized, "command.txt:351"},
	{"does not exist in your authority level", provider.ErrUnauthorized, "command.txt:352"},
	{"does not belong to you", provider.ErrUnauthorized, "command.txt:12, command.txt:434"},
	{"you do not have control over user", provider.ErrUnauthorized, "command.txt:25"},
	{"was not created by you", provider.ErrUnauthorized, "user.txt:54 (User %s was not created by you-> Not Deleted.)"},
	{"you do not own", provider.ErrUnauthorized, "command.txt:89"},
	{"permission denied", provider.ErrUnauthorized, "generic"},
	{"access denied", provider.ErrUnauthorized, "generic"},
}

// missingUser are the wordings of a user the panel does not have. They
// mean ErrNotFound only for a command about a user (not for create, where
// "not found" is about a package).
var missingUser = []wording{
	{"did not exist on the server", provider.ErrNotFound, "user.txt:50 (User %s did not exist on the server.  Removing it from your list.)"},
	{"that user does not exist", provider.ErrNotFound, "command.txt:11"},
	{"that user doesn't exist", provider.ErrNotFound, "database.txt:28, ftp.txt:13"},
	{"does not exist on the system", provider.ErrNotFound, "backup.txt:36 (User %s does not exist on the system.)"},
	{"no such user", provider.ErrNotFound, "authentication.txt:4"},
}

// missingPackage is the wording of create for a package the creator does
// not have.
var missingPackage = []wording{
	{"package not found", provider.ErrNotFound, "command.txt:35"},
}

// taken are the wordings of a username or domain that is in use; they
// mean ErrExists on create.
var taken = []wording{
	{"already exists", provider.ErrExists, "command.txt:34, :38, :39; user.txt:6, :75, :103, :106"},
	{"domain exists on", provider.ErrExists, "user.txt:110 (Domain exists on %s)"},
}

// classify maps a panel error that arrived with HTTP 200 to a sentinel,
// or nil when the wording is not one of DirectAdmin's known ones. Callers
// that can check the server's state instead (terminate, suspend) do so;
// the wording is the fallback, not the proof.
func classify(op, text, details string) error {
	s := strings.ToLower(message(text, details))
	match := func(ws []wording) error {
		for _, w := range ws {
			if strings.Contains(s, w.fragment) {
				return w.sentinel
			}
		}
		return nil
	}
	if err := match(notYours); err != nil {
		return err
	}
	switch op {
	case opCreate:
		if err := match(taken); err != nil {
			return err
		}
		return match(missingPackage)
	case opPackages:
		return nil
	}
	return match(missingUser)
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
