package cpanel

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/accountsync/accountsync/internal/httpx"
	"github.com/accountsync/accountsync/provider"
)

// Operation names, the Op of every error this package returns.
const (
	opList        = "list accounts"
	opCreate      = "create account"
	opTerminate   = "terminate account"
	opSuspend     = "suspend account"
	opUnsuspend   = "unsuspend account"
	opListPackage = "list packages"
	opSetPassword = "set password"
)

// excerptBytes bounds the body excerpt kept in an error, and
// messageExcerptBytes the part of it quoted in the message.
const (
	excerptBytes        = 300
	messageExcerptBytes = 120
)

// request is one WHM API 1 call.
type request struct {
	op       string
	function string     // "listaccts"
	params   url.Values // the function's parameters
	// write sends the parameters in a POST body (so that passwords stay out
	// of URLs and access logs) and disables retries of answered attempts.
	write bool
	// secrets are values of this call (a new password) removed from errors
	// on top of the client's credentials.
	secrets []string
	// accept, when set, turns a metadata.result 0 into success, for
	// answers that mean "already done".
	accept func(text string) bool
	// data, when set, is a pointer the answer's data is decoded into.
	data any
}

// call sends r and returns the decoded envelope of a successful answer:
// HTTP 2xx, JSON, metadata.result 1. Every failure is a
// *provider.APIError naming the operation.
func (c *Client) call(ctx context.Context, r request) (*envelope, error) {
	q := url.Values{"api.version": {"1"}}
	hr := &httpx.Request{
		Op:     r.op,
		Path:   "/json-api/" + r.function,
		Header: http.Header{"Authorization": {c.auth}, "Accept": {"application/json"}},
	}
	if r.function == "listaccts" || r.function == "listpkgs" {
		// A listing is big by nature; anything else answers about one
		// account and keeps httpx's small default cap.
		hr.MaxBodyBytes = httpx.ListingMaxBodyBytes
	}
	if r.write {
		hr.Method = http.MethodPost
		hr.Body = []byte(r.params.Encode())
		hr.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		hr.Method = http.MethodGet
		hr.Idempotent = true
		for k, vs := range r.params {
			q[k] = vs
		}
	}
	hr.Query = q
	resp, err := c.http.Do(ctx, hr)
	if err != nil {
		return nil, err
	}
	return c.decode(r, resp)
}

// decode checks an answer and maps every failure onto a *provider.APIError.
func (c *Client) decode(r request, resp *httpx.Response) (*envelope, error) {
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		msg := bodyMessage(resp.Body)
		if msg == "" {
			msg = "access denied"
		}
		return nil, c.fail(r, resp, msg, provider.ErrUnauthorized)
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		return nil, c.fail(r, resp, bodyMessage(resp.Body), nil)
	case resp.LooksLikeHTML():
		msg := "the server sent an HTML page instead of JSON"
		if strings.Contains(strings.ToLower(string(resp.Body)), "http-equiv=\"refresh\"") {
			msg = "the server sent a redirect page instead of JSON; WHM answers https on port 2087"
		}
		return nil, c.fail(r, resp, msg+": "+c.excerpt(r, resp.Body), nil)
	}
	target := r.data
	if target == nil {
		target = new(skipJSON)
	}
	if p, ok := target.(interface{ presize([]byte) }); ok {
		p.presize(resp.Body)
	}
	env := envelope{Data: target, status: resp.StatusCode}
	if err := json.Unmarshal(resp.Body, &env); err != nil {
		// The data may not have the shape this function's data takes, as
		// when a failure comes with other data: read the rest without it.
		env = envelope{Data: new(skipJSON), status: resp.StatusCode}
		if json.Unmarshal(resp.Body, &env) != nil {
			return nil, c.fail(r, resp, "the response is not valid JSON ("+err.Error()+"): "+c.excerpt(r, resp.Body), nil)
		}
		if md := env.Metadata; md != nil && md.Result.ok && md.Result.value == 1 {
			return nil, c.failRecord(r, &env, "the data cannot be decoded: "+err.Error())
		}
	}
	if env.Metadata == nil {
		msg := bodyMessage(resp.Body)
		var cause error
		switch {
		case msg != "":
			cause = classify(msg, r.function)
		case env.Status != nil:
			msg = "the server answered in the WHM API 0 shape, without metadata; it ignored api.version=1"
		default:
			msg = "the response has no WHM API 1 metadata: " + c.excerpt(r, resp.Body)
		}
		return nil, c.fail(r, resp, msg, cause)
	}
	md := env.Metadata
	if md.Result.ok && md.Result.value == 1 {
		return &env, nil
	}
	reason := strings.TrimSpace(string(md.Reason))
	raw := strings.TrimSpace(string(md.Output.Raw))
	if r.accept != nil && r.accept(reason+"\n"+raw) {
		return &env, nil
	}
	// Redact before cutting, so that no part of a secret survives the cut.
	red := c.redactor(r)
	msg := red.String(reason)
	if msg == "" {
		msg = "the function failed without a reason"
	}
	if line := lastLine(red.String(raw)); line != "" && !strings.Contains(msg, line) {
		msg += ": " + line
	}
	return nil, c.fail(r, resp, msg, classify(reason+"\n"+raw, r.function))
}

// fail builds the error for a failed call, with the call's own secrets
// removed from the message and the body excerpt.
func (c *Client) fail(r request, resp *httpx.Response, msg string, cause error) *provider.APIError {
	red := c.redactor(r)
	e := c.http.Error(r.op, resp, "", red.String(msg), cause)
	if resp != nil {
		e.Body = red.Excerpt(resp.Body, excerptBytes)
	}
	return e
}

// redactor removes the client's credentials and the call's own secrets.
func (c *Client) redactor(r request) *httpx.Redactor {
	return c.http.Redactor().With(r.secrets...)
}

// excerpt is the redacted start of a body, for a message about a body
// that is not a WHM answer. It is redacted before it is cut, so that no
// part of a secret survives the cut.
func (c *Client) excerpt(r request, body []byte) string {
	return c.redactor(r).Excerpt(body, messageExcerptBytes)
}

// failRecord builds the error for a successful answer whose data cannot be
// mapped. The message names the record; the body is left out, as its
// first bytes are about other records.
func (c *Client) failRecord(r request, env *envelope, msg string) *provider.APIError {
	e := c.fail(r, nil, msg, nil)
	e.StatusCode = env.status
	return e
}

// bodyMessage digs an error message out of a body that is not a WHM API 1
// answer: cPanel API 2's cpanelresult, WHM API 0's statusmsg, a bare
// "error" or a metadata reason. It returns "" when there is none.
func bodyMessage(body []byte) string {
	env := envelope{Data: new(skipJSON)}
	if json.Unmarshal(body, &env) != nil {
		return ""
	}
	if len(env.CpanelResult) > 0 {
		var cr cpanelResult
		if json.Unmarshal(env.CpanelResult, &cr) == nil {
			if s := strings.TrimSpace(string(cr.Error)); s != "" {
				return s
			}
			if s := strings.TrimSpace(string(cr.Data.Reason)); s != "" {
				return s
			}
		}
	}
	if len(env.Error) > 0 {
		var t flexText
		if json.Unmarshal(env.Error, &t) == nil && strings.TrimSpace(string(t)) != "" {
			return strings.TrimSpace(string(t))
		}
	}
	if env.Status != nil && !(env.Status.ok && env.Status.value == 1) && env.StatusMsg != "" {
		return env.StatusMsg
	}
	if env.Metadata != nil {
		return strings.TrimSpace(string(env.Metadata.Reason))
	}
	return ""
}

// classify maps WHM's wording of a failure onto a sentinel, or nil. WHM
// has no error codes; these phrases are what its account functions say,
// as cPanel's own source writes them (read in the copy of
// /usr/local/cpanel at github.com/asmrdevelop/cpanel):
//
//	createacct  "This system already has an account named “x”." (also "a group named",
//	            "a database owner named"), "... has the same initial 8 characters as
//	            the given username ..." (Whostmgr/Accounts/NameConflict.pm)
//	any         "You do not have a user named “x”." (Cpanel/Exception/UserNotFound.pm,
//	            raised by Whostmgr/Authz.pm for a root login); "System user x does not
//	            exist!" (Whostmgr/Accounts/Remove.pm); "_suspendacct called for a user
//	            that does not exist. (x)" (Whostmgr/Accounts/Suspension.pm)
//	any         "You do not have access to an account named “x”." (Whostmgr/Authz.pm, a
//	            reseller on an account it does not own, or one that is gone); "The user
//	            “r” is not permitted to access the account “x”."
//	            (Cpanel/Exception/AccessDeniedToAccount.pm); "Access Denied to Account x",
//	            "... can only be unsuspended by root (x)" (Suspension.pm); "You do not
//	            have permission to remove that account (x)!" (Remove.pm)
//
// Terminate, suspend and unsuspend do not rely on these alone: after a
// failure they read the account again with listaccts (see lookAgain).
func classify(text, function string) error {
	t := strings.ToLower(text)
	has := func(phrases ...string) bool {
		for _, p := range phrases {
			if strings.Contains(t, p) {
				return true
			}
		}
		return false
	}
	switch {
	case function == "createacct" && has("already exists", "already has an account named", "already has a group named",
		"already has a database owner named", "same initial", "is already taken", "already setup", "already in use"):
		return provider.ErrExists
	case has("access denied", "permission denied", "do not have access", "do not have permission",
		"is not permitted to access", "can only be unsuspended by root"):
		return provider.ErrUnauthorized
	case has("does not exist", "do not have a user named", "no such user", "is not a user on this system"):
		return provider.ErrNotFound
	}
	return nil
}

// alreadySuspended recognises suspendacct's answer for an account that is
// suspended already.
func alreadySuspended(text string) bool {
	return strings.Contains(strings.ToLower(text), "already suspended")
}

// notSuspended recognises unsuspendacct's answer for an account that is
// not suspended.
func notSuspended(text string) bool {
	t := strings.ToLower(text)
	return strings.Contains(t, "not in a suspended state") || strings.Contains(t, "is not suspended") ||
		strings.Contains(t, "not currently suspended")
}

// lastLine returns the last non-empty line of s, cut to about 200 bytes.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	line := strings.TrimSpace(lines[len(lines)-1])
	if len(line) > 200 {
		cut := 200
		for cut > 0 && !utf8.RuneStart(line[cut]) {
			cut--
		}
		line = line[:cut] + "..."
	}
	return line
}
