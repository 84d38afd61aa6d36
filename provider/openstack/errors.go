package openstack

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

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

// missingList reports a 2xx answer without what its call always returns
// (a page without its list, or with null; a read without its object):
// never the end of a listing, nor an empty one.
func (c *Client) missingList(op string, resp *httpx.Response, key, token string) error {
	return c.scrub(c.identity.Error(op, resp, "", fmt.Sprintf("the answer has no %q, or it is null: not the answer of this call", key), nil), []string{token})
}

// isNotFound reports whether resp is Nova's answer for a missing object
// of the kind named ("Instance", "Flavor"): HTTP 404 with the itemNotFound
// fault, whose message names that kind. Nova's words, from
// nova/exception.py and nova/api/openstack/compute/servers.py: "Instance
// 8a1d... could not be found." (the lookup every server call starts with),
// "Instance could not be found" (DELETE, when the server went during the
// call), "Flavor 2 could not be found.". A 404 without them, such as
// "The resource could not be found." for a path Nova has no route for (a
// catalog that names a wrong endpoint), or a proxy's page, says nothing
// about the object, and is an error.
func (c *Client) isNotFound(resp *httpx.Response, kind string) bool {
	if resp.StatusCode != http.StatusNotFound {
		return false
	}
	code, msg := faultBody(resp.Body)
	return code == "itemNotFound" && strings.HasPrefix(strings.TrimSpace(msg), kind+" ")
}

// recordError reports a malformed record by its id; the listing fails.
func (c *Client) recordError(op string, id string, format string, args ...any) error {
	return &provider.APIError{Type: typeName, Op: op, Message: fmt.Sprintf("server %q: ", id) + fmt.Sprintf(format, args...)}
}
