package openstack

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/accountsync/accountsync/internal/httpx"
	"github.com/accountsync/accountsync/provider"
)

// ListAccounts returns every server as a WHMCS account, or an error and no
// accounts. It calls GET /servers/detail page by page (see
// [Client.Servers]) and is read-only. A failed page, a malformed record or
// a page link that loops fails the whole listing.
func (c *Client) ListAccounts(ctx context.Context) ([]provider.Account, error) {
	var out []provider.Account
	var failed error
	c.servers(ctx, "list accounts", func(s Server, err error) bool {
		if err != nil {
			failed = err
			return false
		}
		a := s.Account()
		if c.cfg.Location != nil && !a.Created.IsZero() {
			a.Created = a.Created.In(c.cfg.Location)
		}
		out = append(out, a)
		return true
	})
	if failed != nil {
		return nil, failed
	}
	if out == nil {
		out = []provider.Account{}
	}
	return out, nil
}

// CreateAccount boots a server named n.Domain from the flavor named
// n.Product, the image Extra["image"] (or Config.Image) and the network
// Extra["network"] (or Config.Network), with n.Password as its adminPass
// and n.Email and n.Username in its metadata ([MetadataEmail],
// [MetadataUsername]). It calls GET /flavors/detail to find the flavor,
// GET /servers?name= to refuse a name already in use (ErrExists), POST
// /servers, and then GET /servers/{id} every Config.PollInterval until the
// server leaves BUILD, within ctx. A server that ends in ERROR is an error
// naming its id; it is left for the caller to terminate. Not idempotent.
func (c *Client) CreateAccount(ctx context.Context, n provider.NewAccount) (provider.Account, error) {
	const op = "create account"
	fail := func(msg string, cause error) (provider.Account, error) {
		return provider.Account{}, &provider.APIError{Type: typeName, Op: op, Message: msg, Err: cause}
	}
	switch {
	case strings.TrimSpace(n.Domain) == "":
		return fail("the server name (NewAccount.Domain) is empty", nil)
	case n.Product == "":
		return fail("the flavor name (NewAccount.Product) is empty", nil)
	}
	image := firstNonEmpty(n.Extra["image"], c.cfg.Image)
	if image == "" {
		return fail(`no image: set Config.Image, Params["image"] or NewAccount.Extra["image"]`, nil)
	}
	flavorID, err := c.flavorID(ctx, op, n.Product)
	if err != nil {
		return provider.Account{}, err
	}
	if id, err := c.serverIDByName(ctx, op, n.Domain); err != nil {
		return provider.Account{}, err
	} else if id != "" {
		return fail(fmt.Sprintf("a server named %q already exists (id %s)", n.Domain, id), provider.ErrExists)
	}

	req := createServer{
		Name:      n.Domain,
		ImageRef:  image,
		FlavorRef: flavorID,
		KeyName:   firstNonEmpty(n.Extra["key_name"], c.cfg.KeyName),
		AdminPass: n.Password,
	}
	switch network := firstNonEmpty(n.Extra["network"], c.cfg.Network); network {
	case "auto", "none":
		req.Networks = network
	case "":
		// From 2.37 Nova requires networks; "auto" is what it did before.
		if c.microversionAtLeast(37) {
			req.Networks = "auto"
		}
	default:
		var nets []networkRef
		for _, id := range strings.Split(network, ",") {
			if id = strings.TrimSpace(id); id != "" {
				nets = append(nets, networkRef{UUID: id})
			}
		}
		req.Networks = nets
	}
	if n.Email != "" || n.Username != "" {
		req.Metadata = map[string]string{}
		if n.Email != "" {
			req.Metadata[MetadataEmail] = n.Email
		}
		if n.Username != "" {
			req.Metadata[MetadataUsername] = n.Username
		}
	}
	body, err := json.Marshal(createRequest{Server: req})
	if err != nil {
		return fail("encode request: "+err.Error(), nil)
	}
	resp, token, err := c.call(ctx, httpx.Request{
		Op: op, Method: http.MethodPost, Path: "/servers", Body: body,
		Header: http.Header{"Content-Type": {"application/json"}},
	})
	if err != nil {
		return provider.Account{}, err
	}
	secrets := []string{token, n.Password}
	if resp.StatusCode != http.StatusAccepted && resp.StatusCode != http.StatusOK {
		return provider.Account{}, c.statusError(op, resp, secrets...)
	}
	var created createResponse
	if err := c.decode(op, resp, &created, secrets...); err != nil {
		return provider.Account{}, err
	}
	if created.Server.ID == "" {
		return provider.Account{}, scrub(c.identity.Error(op, resp, "", "the answer names no server id", nil), secrets)
	}

	id := created.Server.ID
	var j serverJSON
	for {
		if j, err = c.getServer(ctx, op, id); err != nil {
			return provider.Account{}, err
		}
		if j.Status != "BUILD" {
			break
		}
		t := time.NewTimer(c.cfg.PollInterval)
		select {
		case <-ctx.Done():
			t.Stop()
			return fail(fmt.Sprintf("server %s is still building", id), ctx.Err())
		case <-t.C:
		}
	}
	if j.Status == "ERROR" {
		msg := fmt.Sprintf("server %s went to ERROR", id)
		if j.Fault != nil && j.Fault.Message != "" {
			msg += ": " + c.identity.Redactor().String(j.Fault.Message)
		}
		return fail(msg, nil)
	}
	s, err := c.toServer(op, &j)
	if err != nil {
		return provider.Account{}, err
	}
	if s.Flavor == "" && s.FlavorID != "" {
		if s.Flavor, err = c.flavorName(ctx, op, s.FlavorID, map[string]string{}); err != nil {
			return provider.Account{}, err
		}
	}
	a := s.Account()
	if c.cfg.Location != nil && !a.Created.IsZero() {
		a.Created = a.Created.In(c.cfg.Location)
	}
	return a, nil
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// serverIDByName returns the id of a server named exactly name, or "". It
// calls GET /servers?name=^<name>$ (Nova matches the name as a regular
// expression, so the name is quoted) and compares names exactly.
func (c *Client) serverIDByName(ctx context.Context, op, name string) (string, error) {
	q := url.Values{"name": {"^" + regexp.QuoteMeta(name) + "$"}, "limit": {strconv.Itoa(c.cfg.PageSize)}}
	if c.cfg.AllTenants {
		q.Set("all_tenants", "1")
	}
	var found string
	err := c.paginate(ctx, op+": find server by name", "/servers", q, func(resp *httpx.Response, token string) (string, error) {
		var page nameOnlyPage
		if err := c.decode(op, resp, &page, token); err != nil {
			return "", err
		}
		for _, s := range page.Servers {
			if s.Name == name {
				found = s.ID
				return "", errStop
			}
		}
		return nextLink(page.Links), nil
	})
	if err != nil && err != errStop {
		return "", err
	}
	return found, nil
}

// getServer calls GET /servers/{id}. A missing server is an error matching
// provider.ErrNotFound.
func (c *Client) getServer(ctx context.Context, op, id string) (serverJSON, error) {
	resp, token, err := c.call(ctx, httpx.Request{Op: op, Path: "/servers/" + url.PathEscape(id), Idempotent: true})
	if err != nil {
		return serverJSON{}, err
	}
	if resp.StatusCode != http.StatusOK {
		return serverJSON{}, c.statusError(op, resp, token)
	}
	var env serverEnvelope
	if err := c.decode(op, resp, &env, token); err != nil {
		return serverJSON{}, err
	}
	return env.Server, nil
}

// serverID returns the Nova id an account refers to.
func serverID(op string, a provider.Account) (string, error) {
	if a.UniqueIdentifier == "" {
		return "", &provider.APIError{Type: typeName, Op: op, Message: fmt.Sprintf("account %q has no server id (UniqueIdentifier)", a.Domain), Err: provider.ErrNotFound}
	}
	return a.UniqueIdentifier, nil
}

// TerminateAccount deletes the server a.UniqueIdentifier names: DELETE
// /servers/{id}. It is idempotent: a server that is already gone (404)
// returns nil. Nova deletes asynchronously, so the server may show in a
// listing for a few seconds with task_state "deleting".
func (c *Client) TerminateAccount(ctx context.Context, a provider.Account) error {
	const op = "terminate account"
	id, err := serverID(op, a)
	if err != nil {
		return err
	}
	resp, token, err := c.call(ctx, httpx.Request{Op: op, Method: http.MethodDelete, Path: "/servers/" + url.PathEscape(id)})
	if err != nil {
		return err
	}
	switch resp.StatusCode {
	case http.StatusNoContent, http.StatusAccepted, http.StatusOK, http.StatusNotFound:
		return nil
	}
	return c.statusError(op, resp, token)
}

// SuspendAccount suspends the server: GET /servers/{id} to read its state,
// then POST /servers/{id}/action {"suspend": null} unless it is already
// SUSPENDED. It is idempotent: a 409 conflict from a server that is
// suspended, or being suspended, meanwhile returns nil. Nova's suspend has
// no place for reason, which is not stored. A missing server gives an
// error matching provider.ErrNotFound.
func (c *Client) SuspendAccount(ctx context.Context, a provider.Account, reason string) error {
	return c.action(ctx, "suspend account", a, "suspend", func(s serverJSON) bool {
		return s.Status == "SUSPENDED" || deref(s.TaskState) == "suspending"
	})
}

// UnsuspendAccount resumes a suspended server: GET /servers/{id}, then
// POST /servers/{id}/action {"resume": null} when it is SUSPENDED. It is
// idempotent: a server in any other state is left alone, and a 409 from a
// server resumed meanwhile returns nil. A missing server gives an error
// matching provider.ErrNotFound.
func (c *Client) UnsuspendAccount(ctx context.Context, a provider.Account) error {
	return c.action(ctx, "unsuspend account", a, "resume", func(s serverJSON) bool {
		return s.Status != "SUSPENDED" || deref(s.TaskState) == "resuming"
	})
}

// action reads the server, runs the named server action unless done says
// the server is already where the action would take it, and reads the
// server again on a 409 conflict.
func (c *Client) action(ctx context.Context, op string, a provider.Account, name string, done func(serverJSON) bool) error {
	id, err := serverID(op, a)
	if err != nil {
		return err
	}
	s, err := c.getServer(ctx, op, id)
	if err != nil {
		return err
	}
	if done(s) {
		return nil
	}
	resp, token, err := c.call(ctx, httpx.Request{
		Op: op, Method: http.MethodPost, Path: "/servers/" + url.PathEscape(id) + "/action",
		Header: http.Header{"Content-Type": {"application/json"}},
		Body:   []byte(`{"` + name + `": null}`),
	})
	if err != nil {
		return err
	}
	switch resp.StatusCode {
	case http.StatusAccepted, http.StatusOK, http.StatusNoContent:
		return nil
	case http.StatusConflict:
		if s, rerr := c.getServer(ctx, op, id); rerr == nil && done(s) {
			return nil
		}
	}
	return c.statusError(op, resp, token)
}

// ListPackages returns the flavors as packages, named by flavor name, with
// Extra "id", "vcpus", "ram_mb" and "disk_gb". It calls GET
// /flavors/detail page by page (with is_public=None, which also lists
// private flavors, when Config.AllTenants is set). Read-only.
func (c *Client) ListPackages(ctx context.Context) ([]provider.Package, error) {
	flavors, err := c.flavors(ctx, "list packages")
	if err != nil {
		return nil, err
	}
	out := make([]provider.Package, 0, len(flavors))
	for _, f := range flavors {
		out = append(out, provider.Package{Name: f.Name, Extra: map[string]string{
			"id":      string(f.ID),
			"vcpus":   strconv.Itoa(f.VCPUs),
			"ram_mb":  strconv.Itoa(f.RAM),
			"disk_gb": strconv.Itoa(f.Disk),
		}})
	}
	return out, nil
}

// flavors lists every flavor: GET /flavors/detail, following flavors_links.
func (c *Client) flavors(ctx context.Context, op string) ([]flavorJSON, error) {
	q := url.Values{"limit": {strconv.Itoa(c.cfg.PageSize)}}
	if c.cfg.AllTenants {
		q.Set("is_public", "None")
	}
	var out []flavorJSON
	err := c.paginate(ctx, op, "/flavors/detail", q, func(resp *httpx.Response, token string) (string, error) {
		var page flavorsPage
		if err := c.decode(op, resp, &page, token); err != nil {
			return "", err
		}
		for _, f := range page.Flavors {
			if f.ID == "" || f.Name == "" {
				return "", &provider.APIError{Type: typeName, Op: op, Message: fmt.Sprintf("flavor %q (id %q) lacks a name or an id", f.Name, f.ID)}
			}
		}
		out = append(out, page.Flavors...)
		return nextLink(page.Links), nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// flavorID finds the flavor named name (or, failing that, with that id).
func (c *Client) flavorID(ctx context.Context, op, name string) (string, error) {
	flavors, err := c.flavors(ctx, op+": list flavors")
	if err != nil {
		return "", err
	}
	for _, f := range flavors {
		if f.Name == name {
			return string(f.ID), nil
		}
	}
	for _, f := range flavors {
		if string(f.ID) == name {
			return string(f.ID), nil
		}
	}
	return "", &provider.APIError{Type: typeName, Op: op, Message: fmt.Sprintf("no flavor named %q", name), Err: provider.ErrNotFound}
}
