package proxmox

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/accountsync/accountsync/internal/httpx"
	"github.com/accountsync/accountsync/provider"
)

// session is a login ticket and its CSRF token.
type session struct {
	ticket string // sent as the PVEAuthCookie cookie
	csrf   string // sent as the CSRFPreventionToken header on writes
	issued time.Time
}

// flight is one login in progress; concurrent callers wait for it instead
// of logging in themselves.
type flight struct {
	done chan struct{}
	s    *session
	err  error
}

// authState holds the current ticket. One login runs at a time.
type authState struct {
	mu  sync.Mutex
	cur *session
	fl  *flight
}

// get returns a usable ticket: the current one unless it is stale (the
// one a request was just refused with) or older than TicketRenewAfter, in
// which case it logs in again. Callers that arrive during a login wait for
// it, within their own context.
func (a *authState) get(ctx context.Context, c *Client, op string, stale *session) (*session, error) {
	for {
		a.mu.Lock()
		if s := a.cur; s != nil && s != stale && time.Since(s.issued) < c.cfg.TicketRenewAfter {
			a.mu.Unlock()
			return s, nil
		}
		if fl := a.fl; fl != nil {
			a.mu.Unlock()
			select {
			case <-fl.done:
			case <-ctx.Done():
				return nil, &provider.APIError{Type: typeName, Op: op, Err: ctx.Err()}
			}
			if fl.err == nil {
				if fl.s != stale {
					return fl.s, nil
				}
				continue
			}
			if ctx.Err() == nil && (errors.Is(fl.err, context.Canceled) || errors.Is(fl.err, context.DeadlineExceeded)) {
				continue // the other caller gave up; this one has time left
			}
			return nil, reop(fl.err, op)
		}
		fl := &flight{done: make(chan struct{})}
		a.fl = fl
		a.mu.Unlock()

		s, err := c.login(ctx, op)
		a.mu.Lock()
		fl.s, fl.err = s, err
		if err == nil {
			a.cur = s
		}
		a.fl = nil
		a.mu.Unlock()
		close(fl.done)
		return s, err
	}
}

// reop gives an error from another caller's login the caller's own
// operation.
func reop(err error, op string) error {
	var ae *provider.APIError
	if errors.As(err, &ae) {
		cp := *ae
		cp.Op = op
		return &cp
	}
	return err
}

// login posts the username and password to /access/ticket. Its errors
// never carry the response body, which holds the ticket on success.
func (c *Client) login(ctx context.Context, op string) (*session, error) {
	form := url.Values{"username": {c.cfg.Username}, "password": {c.cfg.Password}}
	resp, err := c.hc.Do(ctx, &httpx.Request{
		Op:     op,
		Method: http.MethodPost,
		Path:   "/access/ticket",
		Body:   []byte(form.Encode()),
		Header: http.Header{
			"Content-Type": {"application/x-www-form-urlencoded"},
			"Accept":       {"application/json"},
		},
	})
	if err != nil {
		return nil, err
	}
	fail := func(msg string, cause error) error {
		return &provider.APIError{Type: typeName, Op: op, StatusCode: resp.StatusCode, Message: c.hc.Redactor().String(msg), Err: cause}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
			return nil, fail("login as "+c.cfg.Username+" failed: "+reason(resp), provider.ErrUnauthorized)
		}
		// A 5xx or a node error: keep the status mapping, drop the body.
		e := c.statusError(op, resp, "login as "+c.cfg.Username).(*provider.APIError)
		e.Body = ""
		return nil, e
	}
	if resp.LooksLikeHTML() {
		return nil, fail("login: unexpected HTML page where JSON was expected", nil)
	}
	var env envelope[ticket]
	if err := json.Unmarshal(resp.Body, &env); err != nil {
		return nil, fail("login: undecodable answer", nil)
	}
	if env.Data == nil || env.Data.Ticket == "" || env.Data.CSRF == "" {
		return nil, fail("login: the answer holds no ticket", nil)
	}
	if env.Data.NeedTFA {
		return nil, fail("login as "+c.cfg.Username+" needs a second factor, which this client does not support: use an API token", provider.ErrUnauthorized)
	}
	c.log.DebugContext(ctx, "proxmox: logged in", "user", c.cfg.Username)
	return &session{ticket: env.Data.Ticket, csrf: env.Data.CSRF, issued: time.Now()}, nil
}
