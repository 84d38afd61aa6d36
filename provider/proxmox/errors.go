package proxmox

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/accountsync/accountsync/internal/httpx"
	"github.com/accountsync/accountsync/provider"
)

// ErrNodeUnreachable is matched by errors from a call the contacted node
// had to forward to a cluster node it could not reach: HTTP 595, 596 or
// 597, the pveproxy (AnyEvent) codes for a failed connection, TLS
// handshake or transfer between nodes. Such errors also match
// [provider.ErrTransient]. A listing that meets one fails as a whole: the
// guests on that node are not gone, only out of sight.
var ErrNodeUnreachable = errors.New("node unreachable")

// reason returns the reason phrase of the status line, where Proxmox VE
// puts its error text: "596 Broken pipe" gives "Broken pipe".
func reason(resp *httpx.Response) string {
	s := strings.TrimSpace(resp.Status)
	if code, rest, ok := strings.Cut(s, " "); ok && code == strconv.Itoa(resp.StatusCode) {
		s = strings.TrimSpace(rest)
	} else if s == strconv.Itoa(resp.StatusCode) {
		s = ""
	}
	return s
}

// statusError turns a non-2xx answer into an *provider.APIError. The
// message is the reason phrase, followed by the per-parameter messages of
// a 400 ({"errors":{...},"data":null}). The sentinels come from the
// status (see provider.APIError.Is) and, for a 500, from the message:
// "... does not exist" is provider.ErrNotFound and "... already exists"
// is provider.ErrExists.
func (c *Client) statusError(op string, resp *httpx.Response, context string) error {
	msg := reason(resp)
	if std := http.StatusText(resp.StatusCode); msg == "" && std != "" {
		msg = strings.ToLower(std)
	}
	var env envelope[json.RawMessage]
	if resp.LooksLikeHTML() {
		msg += " (unexpected HTML page)"
	} else if err := json.Unmarshal(resp.Body, &env); err == nil && len(env.Errors) > 0 {
		msg += ": " + sortedErrors(env.Errors)
	}
	var cause error
	switch {
	case resp.StatusCode >= 595 && resp.StatusCode <= 597:
		cause = ErrNodeUnreachable
		msg = "node unreachable: " + msg
	case resp.StatusCode >= 500 && strings.Contains(msg, "does not exist"):
		cause = provider.ErrNotFound
	case resp.StatusCode >= 500 && strings.Contains(msg, "already exists"):
		cause = provider.ErrExists
	}
	if context != "" {
		msg = context + ": " + msg
	}
	return c.hc.Error(op, resp, "", msg, cause)
}

// decodeError reports a 2xx answer that is not the JSON envelope the call
// expects: an HTML page (a proxy or login screen), a body cut short or a
// record of the wrong shape.
func (c *Client) decodeError(op string, resp *httpx.Response, context string, err error) error {
	msg := "undecodable response: " + err.Error()
	if resp.LooksLikeHTML() {
		msg = "unexpected HTML page where JSON was expected"
	}
	if context != "" {
		msg = context + ": " + msg
	}
	return c.hc.Error(op, resp, "", msg, nil)
}

// recordError reports a malformed record in a listing, naming it.
func (c *Client) recordError(op, label, problem string) error {
	return &provider.APIError{Type: typeName, Op: op, Message: "malformed record " + label + ": " + c.hc.Redactor().String(problem)}
}
