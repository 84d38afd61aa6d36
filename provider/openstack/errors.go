package openstack

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/accountsync/accountsync/internal/httpx"
	"github.com/accountsync/accountsync/provider"
)

// faultBody reads the error envelopes of Nova and Keystone. Nova names the
// fault in the single top-level key, {"itemNotFound":{"code":404,
// "message":"..."}}; Keystone uses {"error":{"code":401,"title":
// "Unauthorized","message":"..."}}.
func faultBody(body []byte) (code, message string) {
	var env map[string]json.RawMessage
	if err := json.Unmarshal(body, &env); err != nil || len(env) != 1 {
		return "", ""
	}
	for key, raw := range env {
		var f struct {
			Code    json.RawMessage `json:"code"`
			Title   string          `json:"title"`
			Message string          `json:"message"`
		}
		if err := json.Unmarshal(raw, &f); err != nil {
			return "", ""
		}
		code = key
		if key == "error" && f.Title != "" {
			code = f.Title
		}
		return code, f.Message
	}
	return "", ""
}

// scrub removes session tokens and per-call secrets (an adminPass) from an
// error built by httpx, which already removed the configured credentials.
func (c *Client) scrub(e *provider.APIError, secrets []string) *provider.APIError {
	_ = c.identity.Scrub(e, secrets...)
	return e
}

// statusError builds the error for a response whose status is not one the
// caller expected, with the panel's fault name and message when the body is
// a Nova or Keystone envelope.
func (c *Client) statusError(op string, resp *httpx.Response, secrets ...string) error {
	if resp.LooksLikeHTML() {
		return c.scrub(c.identity.Error(op, resp, "", "unexpected HTML page (HTTP "+strconv.Itoa(resp.StatusCode)+")", nil), secrets)
	}
	code, msg := faultBody(resp.Body)
	return c.scrub(c.identity.Error(op, resp, code, msg, nil), secrets)
}

// decode unmarshals a JSON response body into v. An HTML page or a body
// that does not decode becomes an *provider.APIError with a redacted
// excerpt.
func (c *Client) decode(op string, resp *httpx.Response, v any, secrets ...string) error {
	if resp.LooksLikeHTML() {
		return c.scrub(c.identity.Error(op, resp, "", "unexpected HTML page instead of JSON", nil), secrets)
	}
	if err := json.Unmarshal(resp.Body, v); err != nil {
		return c.scrub(c.identity.Error(op, resp, "", fmt.Sprintf("decode response: %v", err), nil), secrets)
	}
	return nil
}

// recordError reports a malformed record by its id; the listing fails.
func (c *Client) recordError(op string, id string, format string, args ...any) error {
	return &provider.APIError{Type: typeName, Op: op, Message: fmt.Sprintf("server %q: ", id) + fmt.Sprintf(format, args...)}
}
