package solusvm

import (
	"bytes"
	"encoding/json"
	"net/http"
	"sort"
	"strings"

	"github.com/accountsync/accountsync/internal/httpx"
	"github.com/accountsync/accountsync/provider"
)

// SolusVM 1 messages the client recognises. Matching is case-insensitive
// and on a substring, because the wording varies between releases.
// Sources: newx/solusvm base.rb (the first three), the official WHMCS
// module solusvmpro.php ("Client already exists", "Virtual server not
// found"), newx's server.rb ("Virtual server exists").
const (
	msgInvalidKey = "invalid id or key" // bad API id or key
	msgInvalidIP  = "invalid ipaddress" // caller's address not allowed
	msgNotFound   = "not found"         // "Virtual server not found", "Node not found"
	msgExists     = "already exists"    // "Client already exists"

	// vserver-checkexists answers exactly one of these two.
	msgServerNotFound = "virtual server not found"
	msgServerExists   = "virtual server exists"
)

// Other messages: SolusVM 2's and the client's own.
const (
	msgTakenV2     = "has already been taken" // SolusVM 2 validation (Laravel): a unique field in use
	msgNoHTMLReply = "an HTML page came back where the API answer was expected"
)

// v1Result turns a SolusVM 1 response into its decoded reply, or an
// *provider.APIError. SolusVM 1 answers HTTP 200 for failures too: the
// outcome is in <status>, or in a bare text line for credential errors.
// extra are secrets of this one call (a new account's password) that must
// not reach the error either.
func (c *Client) v1Result(op, action string, resp *httpx.Response, context string, extra ...string) (*v1Reply, error) {
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, c.apiError(op, resp, "", join(context, strings.ToLower(http.StatusText(resp.StatusCode))), nil, extra)
	}
	body := bytes.TrimSpace(resp.Body)
	lower := strings.ToLower(string(body))
	switch {
	case strings.Contains(lower, msgInvalidKey):
		return nil, c.apiError(op, resp, "", "invalid id or key", provider.ErrUnauthorized, extra)
	case strings.Contains(lower, msgInvalidIP):
		return nil, c.apiError(op, resp, "", "this address is not allowed to use the API (invalid ipaddress)", provider.ErrUnauthorized, extra)
	case resp.LooksLikeHTML():
		return nil, c.apiError(op, resp, "", join(context, msgNoHTMLReply), nil, extra)
	case len(body) == 0:
		return nil, c.apiError(op, resp, "", join(context, "empty response"), nil, extra)
	}
	if body[0] != '{' && body[0] != '<' {
		// A bare line, as some errors come ("Node not found").
		line := firstLine(string(body))
		return nil, c.apiError(op, resp, "", join(context, line), sentinelFor(line), extra)
	}
	r, err := decodeV1(body)
	if err != nil {
		return nil, c.apiError(op, resp, "", join(context, "undecodable response: "+err.Error()), nil, extra)
	}
	switch strings.ToLower(r.Status.String()) {
	case "success":
		return r, nil
	case "":
		// Rooted node listings carry no status at all; every other
		// answer does, so one without is not an answer of this API.
		if action == "node-virtualservers" {
			return r, nil
		}
		return nil, c.apiError(op, resp, "", join(context, "the answer has no status"), nil, extra)
	case "error":
		msg := r.StatusMsg.String()
		if msg == "" {
			msg = "the panel reported an error without a message"
		}
		return nil, c.apiError(op, resp, "", join(context, msg), sentinelFor(msg), extra)
	default:
		return nil, c.apiError(op, resp, "", join(context, "unexpected status "+quote(r.Status.String())), nil, extra)
	}
}

// sentinelFor maps a SolusVM message to a sentinel, or nil.
func sentinelFor(msg string) error {
	m := strings.ToLower(msg)
	switch {
	case strings.Contains(m, msgInvalidKey), strings.Contains(m, msgInvalidIP):
		return provider.ErrUnauthorized
	case strings.Contains(m, msgNotFound):
		return provider.ErrNotFound
	case strings.Contains(m, msgExists), strings.Contains(m, msgTakenV2):
		return provider.ErrExists
	}
	return nil
}

// v2Failure turns a non-2xx SolusVM 2 response into an *provider.APIError:
// {"message": "...", "errors": {"field": ["..."]}}. The HTTP status maps to
// the sentinels (401/403, 404, 429, 5xx); a 422 whose field errors say a
// value "has already been taken" also matches provider.ErrExists.
func (c *Client) v2Failure(op string, resp *httpx.Response, context string, extra ...string) error {
	if resp.LooksLikeHTML() {
		return c.apiError(op, resp, "", join(context, msgNoHTMLReply), nil, extra)
	}
	var e v2Error
	msg := ""
	var cause error
	if json.Unmarshal(resp.Body, &e) == nil {
		msg = strings.TrimSpace(e.Message)
		fields := make([]string, 0, len(e.Errors))
		for f := range e.Errors {
			fields = append(fields, f)
		}
		sort.Strings(fields)
		var details []string
		for _, f := range fields {
			for _, m := range e.Errors[f] {
				details = append(details, f+": "+m)
				if cause == nil {
					cause = sentinelFor(m)
				}
			}
		}
		if len(details) > 0 {
			msg = strings.TrimSpace(msg + " (" + strings.Join(details, "; ") + ")")
		}
	}
	if msg == "" && resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		msg = "unexpected response"
	}
	return c.apiError(op, resp, "", join(context, msg), cause, extra)
}

// apiError builds the *provider.APIError through httpx (which redacts the
// client's own secrets), then removes this call's secrets and any value of
// a "...password" element or key from the message and the body excerpt.
func (c *Client) apiError(op string, resp *httpx.Response, code, msg string, cause error, extra []string) *provider.APIError {
	e := c.hc.Error(op, resp, code, msg, cause)
	_ = c.hc.Scrub(e, extra...)
	return e
}

func join(context, msg string) string {
	switch {
	case context == "":
		return msg
	case msg == "":
		return context
	}
	return context + ": " + msg
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	s = strings.TrimSpace(s)
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
