package proxmox

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"

	"github.com/accountsync/accountsync/internal/httpx"
)

// call is one API request.
type call struct {
	op     string // the public operation, for errors: "list accounts"
	method string // default GET
	path   string // below /api2/json: "/cluster/resources"
	query  url.Values
	form   url.Values // sent as application/x-www-form-urlencoded
	// idempotent marks reads (and writes safe to repeat) for retries.
	idempotent bool
	// what names the object in error messages: "guest qemu/105 on node pve1".
	what string
	// allowNull accepts {"data":null}, the answer of writes such as
	// PUT .../config.
	allowNull bool
}

// send makes the request with the client's credentials and returns a 2xx
// response, or an error. With a ticket, a 401 (expired or revoked ticket)
// triggers one new login and one resend: the request was refused, so
// sending it again is safe even for a write.
func (c *Client) send(ctx context.Context, cl call) (*httpx.Response, error) {
	method := cl.method
	if method == "" {
		method = http.MethodGet
	}
	var stale *session
	for attempt := 0; ; attempt++ {
		req := &httpx.Request{
			Op:         cl.op,
			Method:     method,
			Path:       cl.path,
			Query:      cl.query,
			Idempotent: cl.idempotent,
			Header:     http.Header{"Accept": {"application/json"}},
		}
		if cl.path == "/cluster/resources" || cl.path == "/pools" {
			// Listings are big by nature; a guest's config or status keeps
			// httpx's small default cap, so that the concurrent per-guest
			// reads of a listing stay cheap against a hostile answer.
			req.MaxBodyBytes = httpx.ListingMaxBodyBytes
		}
		if cl.form != nil {
			req.Body = []byte(cl.form.Encode())
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		var s *session
		if c.auth == nil {
			req.Header.Set("Authorization", c.token)
		} else {
			var err error
			if s, err = c.auth.get(ctx, c, cl.op, stale); err != nil {
				return nil, err
			}
			req.Header.Set("Cookie", "PVEAuthCookie="+s.ticket)
			if method != http.MethodGet {
				req.Header.Set("CSRFPreventionToken", s.csrf)
			}
		}
		resp, err := c.hc.Do(ctx, req)
		if err != nil {
			return nil, err
		}
		if resp.StatusCode == http.StatusUnauthorized && c.auth != nil && attempt == 0 {
			c.log.DebugContext(ctx, "proxmox: ticket refused, logging in again", "op", cl.op, "reason", reason(resp))
			stale = s
			continue
		}
		if resp.StatusCode < 200 || resp.StatusCode > 299 {
			return nil, c.statusError(cl.op, resp, cl.what)
		}
		return resp, nil
	}
}

// get sends cl and decodes the "data" of the answer into a T.
func get[T any](ctx context.Context, c *Client, cl call) (T, error) {
	var zero T
	resp, err := c.send(ctx, cl)
	if err != nil {
		return zero, err
	}
	var env envelope[T]
	if err := json.Unmarshal(resp.Body, &env); err != nil {
		return zero, c.decodeError(cl.op, resp, cl.what, err)
	}
	if env.Data == nil {
		if cl.allowNull {
			return zero, nil
		}
		return zero, c.decodeError(cl.op, resp, cl.what, errors.New(`no "data" in the answer`))
	}
	return *env.Data, nil
}
