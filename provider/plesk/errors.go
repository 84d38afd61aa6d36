package plesk

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"net/http"
	"strings"

	"github.com/accountsync/accountsync/internal/httpx"
	"github.com/accountsync/accountsync/provider"
)

// XML-API error codes the client gives meaning to. The XML-API answers
// HTTP 200 whatever happened; these codes arrive in a <system> element
// (the packet failed as a whole) or in a <result> (one operation failed).
const (
	codeAuthFailed      = "1001" // authentication failed
	codeUserExists      = "1002" // user account already exists
	codePermission      = "1006" // permission denied
	codeExists          = "1007" // data already exists
	codeAccessDenied    = "1010" // access to the panel denied
	codeAccountDisabled = "1011" // the login's account is disabled
	codeLockedLogin     = "1012" // the login is locked
	codeNotFound        = "1013" // object does not exist
	codeAuthMethod      = "1029" // no (or an unknown) authentication header
	codeBadSecretKey    = "11003"
)

// sentinel maps an XML-API error code to the provider sentinel it means.
func sentinel(code string) error {
	switch code {
	case codeAuthFailed, codePermission, codeAccessDenied, codeAccountDisabled,
		codeLockedLogin, codeAuthMethod, codeBadSecretKey:
		return provider.ErrUnauthorized
	case codeNotFound:
		return provider.ErrNotFound
	case codeExists, codeUserExists:
		return provider.ErrExists
	}
	return nil
}

// decode checks the HTTP status and the body's shape, decodes the packet
// and fails on a packet-level error.
func (c *Client) decode(op string, resp *httpx.Response) (*responsePacket, error) {
	if resp.StatusCode != http.StatusOK {
		return nil, c.http.Error(op, resp, "", "", nil)
	}
	if resp.LooksLikeHTML() {
		return nil, c.http.Error(op, resp, "", "unexpected HTML page instead of an XML-API packet", nil)
	}
	var pkt responsePacket
	if err := xml.NewDecoder(bytes.NewReader(resp.Body)).Decode(&pkt); err != nil {
		return nil, c.http.Error(op, resp, "", "undecodable XML-API packet: "+err.Error(), nil)
	}
	if s := pkt.System; s != nil {
		if s.Status == "ok" {
			return nil, c.http.Error(op, resp, "", "XML-API packet with a system element and no error", nil)
		}
		return nil, c.failure(op, resp, "", *s)
	}
	return &pkt, nil
}

// check returns the error a result reports, naming what failed ("webspace
// example.com"), or nil for status ok. A status that is neither is an
// error too.
func (c *Client) check(op string, resp *httpx.Response, what string, r resultStatus) error {
	switch strings.TrimSpace(r.Status) {
	case "ok":
		return nil
	case "error":
		return c.failure(op, resp, what, r)
	}
	return c.http.Error(op, resp, "", fmt.Sprintf("%sresult with status %q", prefix(what), r.Status), nil)
}

// failure builds the APIError for an error status: code, text, and the
// sentinel the code maps to.
func (c *Client) failure(op string, resp *httpx.Response, what string, r resultStatus) *provider.APIError {
	code := strings.TrimSpace(r.ErrCode)
	text := strings.TrimSpace(r.ErrText)
	if text == "" {
		text = "error without a message"
	}
	return c.http.Error(op, resp, code, prefix(what)+text, sentinel(code))
}

func prefix(what string) string {
	if what == "" {
		return ""
	}
	return what + ": "
}

// missing is the error for an answer that lacks the operation asked for.
// A get always answers with at least one result, a lone <status>ok</status>
// for an empty selection ("a typical response data type contains one or
// more result elements", docs.plesk.com, Parsing Response Packets,
// 28728), so a get without one is a broken answer, never an empty list.
func (c *Client) missing(op string, resp *httpx.Response, path string) error {
	return c.http.Error(op, resp, "", "XML-API packet without "+path, nil)
}

// malformed is the error for a record the client cannot map.
func (c *Client) malformed(op string, resp *httpx.Response, format string, args ...any) error {
	return c.http.Error(op, resp, "", "malformed record: "+fmt.Sprintf(format, args...), nil)
}
