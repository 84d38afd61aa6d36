package solusvm

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/accountsync/accountsync/internal/httpx"
	"github.com/accountsync/accountsync/provider"
)

// maxPages stops a SolusVM 2 listing that never ends.
const maxPages = 100000

// v2Do sends one SolusVM 2 REST call with the Bearer token. body, when not
// nil, is sent as JSON.
func (c *Client) v2Do(ctx context.Context, op, method, path string, query url.Values, body any, idempotent bool) (*httpx.Response, error) {
	req := &httpx.Request{
		Op:     op,
		Method: method,
		Path:   c.path + path,
		Query:  query,
		Header: http.Header{
			"Authorization": {"Bearer " + c.cfg.APIToken},
			"Accept":        {"application/json"},
		},
		Idempotent: idempotent,
	}
	// A page of a list keeps httpx's default cap (4 MiB) like every other
	// SolusVM 2 answer: a page holds the panel's page size of records (15
	// on Laravel's default), a few kilobytes each, so the cap is hundreds
	// of times what a page needs and a hostile answer is cut short early.
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, invalid(op, "encode request: "+err.Error())
		}
		req.Body = b
		req.Header.Set("Content-Type", "application/json")
	}
	return c.hc.Do(ctx, req)
}

// v2Decode checks a SolusVM 2 response and decodes its JSON body into a T.
func v2Decode[T any](c *Client, op string, resp *httpx.Response, context string, extra ...string) (T, error) {
	var out T
	if resp.StatusCode < 200 || resp.StatusCode > 299 || resp.LooksLikeHTML() {
		return out, c.v2Failure(op, resp, context, extra...)
	}
	if err := json.Unmarshal(resp.Body, &out); err != nil {
		return out, c.apiError(op, resp, "", join(context, "undecodable response: "+err.Error()), nil, extra)
	}
	return out, nil
}

// v2Listed is one page of a list, checked.
type v2Listed[T any] struct {
	items                []T
	last, perPage, total int
}

// v2ReadPage reads one page of a list and checks it: the page must carry
// its "data" list, its "links" and a "meta" with current_page (the page
// asked for), last_page, per_page and total that agree with each other,
// and hold as many records as they say. Any of these missing or null,
// or of another type, is an error: such an answer says nothing about the
// records, so reading it as an empty or last page would lose them.
func v2ReadPage[T any](ctx context.Context, c *Client, op, path string, query url.Values, page int) (v2Listed[T], error) {
	var out v2Listed[T]
	q := url.Values{}
	for k, v := range query {
		q[k] = v
	}
	q.Set("page", strconv.Itoa(page))
	resp, err := c.v2Do(ctx, op, http.MethodGet, path, q, nil, true)
	if err != nil {
		return out, err
	}
	where := "page " + strconv.Itoa(page)
	p, err := v2Decode[v2Page](c, op, resp, where)
	if err != nil {
		return out, err
	}
	bad := func(format string, args ...any) error {
		return c.apiError(op, resp, "", join(where, fmt.Sprintf(format, args...)), nil, nil)
	}
	switch data := bytes.TrimSpace(p.Data); {
	case len(data) == 0:
		return out, bad(`the answer has no "data" list`)
	case string(data) == "null":
		return out, bad(`"data" is null, not a list`)
	case data[0] != '[':
		return out, bad(`"data" is %s, not a list`, jsonKind(data))
	}
	if links := bytes.TrimSpace(p.Links); len(links) == 0 || links[0] != '{' {
		return out, bad(`the answer has no "links" object`)
	}
	m := p.Meta
	if m == nil || m.CurrentPage == nil || m.LastPage == nil || m.PerPage == nil || m.Total == nil {
		return out, bad(`the answer's "meta" lacks current_page, last_page, per_page or total`)
	}
	if *m.CurrentPage != page {
		return out, bad("the panel answered page %d; the listing does not advance", *m.CurrentPage)
	}
	out.last, out.perPage, out.total = *m.LastPage, *m.PerPage, *m.Total
	if out.last < 1 || out.perPage < 1 || out.total < 0 ||
		(out.total == 0 && out.last != 1) ||
		(out.total > 0 && (out.total <= (out.last-1)*out.perPage || out.total > out.last*out.perPage)) {
		return out, bad("impossible paging: %d records, %d per page, %d pages", out.total, out.perPage, out.last)
	}
	if err := json.Unmarshal(p.Data, &out.items); err != nil {
		return out, bad("undecodable data: %v", err)
	}
	want := out.perPage
	switch {
	case page > out.last:
		want = 0
	case page == out.last:
		want = out.total - (out.last-1)*out.perPage
	}
	if len(out.items) != want {
		return out, c.apiError(op, resp, "", join(where, fmt.Sprintf("%d records where the paging says %d; the list changed while it was read",
			len(out.items), want)), provider.ErrTransient, nil)
	}
	return out, nil
}

// jsonKind names the type of a JSON value for an error message.
func jsonKind(b []byte) string {
	switch b[0] {
	case '{':
		return "an object"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	}
	return "a number"
}

// v2All reads every page of a SolusVM 2 list: page 1, which says how many
// there are, then the rest Concurrency at a time (the pages do not
// depend on each other). Every page must agree with page 1 on the total,
// the page size and the page count; a page that differs means records
// were added or removed while paging, so one may have been skipped, and
// the listing fails with an error matching provider.ErrTransient.
func v2All[T any](ctx context.Context, c *Client, op, path string, query url.Values) ([]T, error) {
	first, err := v2ReadPage[T](ctx, c, op, path, query, 1)
	if err != nil {
		return nil, err
	}
	if first.last > maxPages {
		return nil, &provider.APIError{Type: typeName, Op: op, Message: fmt.Sprintf("%d pages, more than %d", first.last, maxPages)}
	}
	pages := make([][]T, first.last)
	pages[0] = first.items
	err = c.forEach(ctx, op, first.last-1, func(ctx context.Context, i int) error {
		p, err := v2ReadPage[T](ctx, c, op, path, query, i+2)
		if err != nil {
			return err
		}
		if p.total != first.total || p.perPage != first.perPage || p.last != first.last {
			return &provider.APIError{Type: typeName, Op: op, Err: provider.ErrTransient,
				Message: fmt.Sprintf("page %d counts %d records, %d per page, where page 1 counted %d, %d per page; the list changed while it was read",
					i+2, p.total, p.perPage, first.total, first.perPage)}
		}
		pages[i+1] = p.items
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]T, 0, first.total)
	for _, p := range pages {
		out = append(out, p...)
	}
	return out, nil
}

// listV2 reads every page of GET /servers.
func (c *Client) listV2(ctx context.Context) ([]provider.Account, error) {
	const op = "list accounts"
	servers, err := v2All[v2Server](ctx, c, op, "/servers", nil)
	if err != nil {
		return nil, err
	}
	accounts := make([]provider.Account, 0, len(servers))
	seen := make(map[string]bool, len(servers))
	for i, s := range servers {
		a, err := v2Account(s, c.loc)
		if err != nil {
			return nil, &provider.APIError{Type: typeName, Op: op, Message: fmt.Sprintf("record %d: %v", i+1, err)}
		}
		if seen[a.UniqueIdentifier] {
			return nil, &provider.APIError{Type: typeName, Op: op, Err: provider.ErrTransient,
				Message: fmt.Sprintf("server %s is listed twice; the list changed while it was read", a.UniqueIdentifier)}
		}
		seen[a.UniqueIdentifier] = true
		accounts = append(accounts, a)
	}
	return accounts, nil
}

// v2Account maps a SolusVM 2 server to the WHMCS record, as the official
// WHMCS module does (email and username from user.email, product from
// plan.name), except that the identifier is the server id and the primary
// IP falls back to the IPv6 primary address on a server without IPv4.
// created_at is converted to loc. A missing plan or user leaves the field
// empty; a missing id or is_suspended, or a created_at that does not
// parse, is an error naming the server.
func v2Account(s v2Server, loc *time.Location) (provider.Account, error) {
	name := s.Name
	if name == "" && len(s.FQDNs) > 0 {
		name = s.FQDNs[0]
	}
	if s.ID == nil || *s.ID <= 0 {
		return provider.Account{}, fmt.Errorf("server %s has no id", quote(name))
	}
	id := strconv.FormatInt(*s.ID, 10)
	if s.IsSuspended == nil {
		return provider.Account{}, fmt.Errorf("server %s (%s) has no is_suspended", id, quote(name))
	}
	var created time.Time
	if strings.TrimSpace(s.CreatedAt) != "" {
		t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(s.CreatedAt))
		if err != nil {
			return provider.Account{}, fmt.Errorf("server %s (%s): created_at %s is not an RFC 3339 time", id, quote(name), quote(s.CreatedAt))
		}
		created = t.In(loc)
	}
	a := provider.Account{
		Domain:           name,
		UniqueIdentifier: id,
		Created:          created,
		Status:           provider.StatusActive,
		Extra:            map[string]string{},
	}
	if *s.IsSuspended {
		a.Status = provider.StatusSuspended
	}
	if s.User != nil {
		a.Email = s.User.Email
		a.Username = s.User.Email
		if s.User.ID > 0 {
			a.Extra["user_id"] = strconv.FormatInt(s.User.ID, 10)
		}
	}
	if s.Plan != nil {
		a.Product = s.Plan.Name
		if s.Plan.ID > 0 {
			a.Extra["plan_id"] = strconv.FormatInt(s.Plan.ID, 10)
		}
	}
	var ips []string
	if s.IPAddresses != nil {
		for _, ip := range s.IPAddresses.IPv4 {
			if ip.IP != "" {
				ips = append(ips, ip.IP)
			}
		}
		if s.IPAddresses.IPv6 != nil && s.IPAddresses.IPv6.PrimaryIP != "" {
			ips = append(ips, s.IPAddresses.IPv6.PrimaryIP)
		}
	}
	if len(ips) > 0 {
		a.PrimaryIP = ips[0]
		a.Extra["ips"] = strings.Join(ips, ",")
	}
	setNonEmpty(a.Extra, "status", s.Status)
	setNonEmpty(a.Extra, "uuid", s.UUID)
	setNonEmpty(a.Extra, "virtualization_type", s.VirtualizationType)
	if s.Location != nil {
		setNonEmpty(a.Extra, "location", s.Location.Name)
	}
	return a, nil
}

// createV2 finds the plan by name (GET /plans), finds the user by e-mail
// (GET /users?filter[search]=) or creates it (POST /users), then creates
// the server (POST /servers). SolusVM 2 refuses a server name that is
// taken with HTTP 422, which gives provider.ErrExists.
func (c *Client) createV2(ctx context.Context, n provider.NewAccount) (provider.Account, error) {
	const op = "create account"
	switch {
	case strings.TrimSpace(n.Domain) == "":
		return provider.Account{}, invalid(op, "NewAccount.Domain (the server name) is required")
	case strings.TrimSpace(n.Email) == "":
		return provider.Account{}, invalid(op, "NewAccount.Email (the SolusVM 2 user) is required")
	case n.Password == "":
		return provider.Account{}, invalid(op, "NewAccount.Password is required")
	case strings.TrimSpace(n.Product) == "":
		return provider.Account{}, invalid(op, "NewAccount.Product (the plan) is required")
	}
	body := map[string]any{
		"name":     n.Domain,
		"fqdns":    []string{n.Domain},
		"password": n.Password,
	}
	for k, vs := range c.createParams(n.Extra, createKeysV2) {
		id, err := strconv.ParseInt(vs[0], 10, 64)
		if err != nil {
			return provider.Account{}, invalid(op, fmt.Sprintf("%s %s: want a numeric id", k, quote(vs[0])))
		}
		body[k] = id
	}
	planID, err := c.v2PlanID(ctx, op, n.Product)
	if err != nil {
		return provider.Account{}, err
	}
	body["plan"] = planID
	userID, err := c.v2UserID(ctx, op, n.Email, n.Password)
	if err != nil {
		return provider.Account{}, err
	}
	body["user"] = userID
	resp, err := c.v2Do(ctx, op, http.MethodPost, "/servers", nil, body, false)
	if err != nil {
		return provider.Account{}, err
	}
	created, err := v2Decode[v2Data[v2Server]](c, op, resp, "server "+n.Domain, n.Password)
	if err != nil {
		return provider.Account{}, err
	}
	s := created.Data
	if s.IsSuspended == nil {
		no := false
		s.IsSuspended = &no
	}
	a, err := v2Account(s, c.loc)
	if err != nil {
		return provider.Account{}, c.apiError(op, resp, "", err.Error(), nil, []string{n.Password})
	}
	return a, nil
}

// v2PlanID resolves a plan name (or a numeric plan id) to its id.
func (c *Client) v2PlanID(ctx context.Context, op, product string) (int64, error) {
	plans, err := v2All[v2Plan](ctx, c, op, "/plans", nil)
	if err != nil {
		return 0, err
	}
	var folded []int64
	for _, p := range plans {
		if p.Name == product {
			return p.ID, nil
		}
		if strings.EqualFold(p.Name, product) {
			folded = append(folded, p.ID)
		}
	}
	if len(folded) == 1 {
		return folded[0], nil
	}
	if id, err := strconv.ParseInt(product, 10, 64); err == nil {
		for _, p := range plans {
			if p.ID == id {
				return id, nil
			}
		}
	}
	return 0, &provider.APIError{Type: typeName, Op: op, Err: provider.ErrNotFound,
		Message: fmt.Sprintf("plan %s not found", quote(product))}
}

// v2UserID finds the user with this e-mail, or creates it. The search
// matches substrings, so every page of its results is read.
func (c *Client) v2UserID(ctx context.Context, op, email, password string) (int64, error) {
	users, err := v2All[v2User](ctx, c, op, "/users", url.Values{"filter[search]": {email}})
	if err != nil {
		return 0, err
	}
	for _, u := range users {
		if strings.EqualFold(u.Email, email) && u.ID > 0 {
			return u.ID, nil
		}
	}
	resp, err := c.v2Do(ctx, op, http.MethodPost, "/users", nil, map[string]any{"email": email, "password": password}, false)
	if err != nil {
		return 0, err
	}
	user, err := v2Decode[v2Data[v2User]](c, op, resp, "user "+email, password)
	if err != nil {
		return 0, err
	}
	if user.Data.ID <= 0 {
		return 0, c.apiError(op, resp, "", "user "+email+": the panel reported success without a user id", nil, []string{password})
	}
	return user.Data.ID, nil
}

// v2ID returns the account's server id, or an error when it has none.
func v2ID(op string, a provider.Account) (string, error) {
	id := strings.TrimSpace(a.UniqueIdentifier)
	if !validID(id) {
		return "", invalid(op, fmt.Sprintf("account %s has no usable server id (UniqueIdentifier %s)", quote(a.Domain), quote(id)))
	}
	return id, nil
}

// terminateV2 calls DELETE /servers/{id}. When it fails, a 404 included,
// the client asks for the server (GET /servers/{id}) rather than trust the
// answer: a JSON 404 there means the server is gone, which is success;
// anything else keeps the error.
func (c *Client) terminateV2(ctx context.Context, a provider.Account) error {
	const op = "terminate account"
	id, err := v2ID(op, a)
	if err != nil {
		return err
	}
	resp, err := c.v2Do(ctx, op, http.MethodDelete, "/servers/"+id, nil, nil, true)
	if err == nil {
		_, err = v2Decode[json.RawMessage](c, op, resp, "server "+id)
	}
	if err == nil || ctx.Err() != nil {
		return err
	}
	if _, gone, gerr := c.v2Server(ctx, op, id); gerr == nil && gone {
		return nil
	}
	return err
}

// v2Server reads one server (GET /servers/{id}). gone is true when the
// panel answers a JSON 404, the status SolusVM 2 gives for a server that
// does not exist (solus-go-sdk's IsNotFound tests the same status); an
// HTML 404 is a proxy's, and an error. A 200 without the server's id and
// is_suspended is an error too.
func (c *Client) v2Server(ctx context.Context, op, id string) (s v2Server, gone bool, err error) {
	where := "server " + id
	resp, err := c.v2Do(ctx, op, http.MethodGet, "/servers/"+id, nil, nil, true)
	if err != nil {
		return s, false, err
	}
	if resp.StatusCode == http.StatusNotFound && !resp.LooksLikeHTML() {
		return s, true, nil
	}
	d, err := v2Decode[v2Data[*v2Server]](c, op, resp, where)
	if err != nil {
		return s, false, err
	}
	if d.Data == nil || d.Data.ID == nil || strconv.FormatInt(*d.Data.ID, 10) != id || d.Data.IsSuspended == nil {
		return s, false, c.apiError(op, resp, "", join(where, `the answer has no "data" with this server's id and is_suspended`), nil, nil)
	}
	return *d.Data, false, nil
}

// setSuspendedV2 reads the server (GET /servers/{id}) and calls POST
// /servers/{id}/suspend or /resume only when is_suspended must change.
// When that call fails, the server is read again: one already in the
// state asked for is success, whatever the panel said.
func (c *Client) setSuspendedV2(ctx context.Context, a provider.Account, suspend bool) error {
	op, action := "unsuspend account", "resume"
	if suspend {
		op, action = "suspend account", "suspend"
	}
	id, err := v2ID(op, a)
	if err != nil {
		return err
	}
	where := "server " + id
	s, gone, err := c.v2Server(ctx, op, id)
	switch {
	case err != nil:
		return err
	case gone:
		return &provider.APIError{Type: typeName, Op: op, StatusCode: http.StatusNotFound, Err: provider.ErrNotFound,
			Message: where + " not found"}
	case *s.IsSuspended == suspend:
		return nil
	}
	resp, err := c.v2Do(ctx, op, http.MethodPost, "/servers/"+id+"/"+action, nil, nil, true)
	if err == nil {
		_, err = v2Decode[json.RawMessage](c, op, resp, where)
	}
	if err == nil || ctx.Err() != nil {
		return err
	}
	if now, gone, gerr := c.v2Server(ctx, op, id); gerr == nil && !gone && *now.IsSuspended == suspend {
		return nil
	}
	return err
}

// packagesV2 reads every page of GET /plans.
func (c *Client) packagesV2(ctx context.Context) ([]provider.Package, error) {
	plans, err := v2All[v2Plan](ctx, c, "list packages", "/plans", nil)
	if err != nil {
		return nil, err
	}
	pkgs := make([]provider.Package, 0, len(plans))
	for _, p := range plans {
		extra := map[string]string{"id": strconv.FormatInt(p.ID, 10)}
		setNonEmpty(extra, "disk", p.Params.Disk.String())
		setNonEmpty(extra, "ram", p.Params.RAM.String())
		setNonEmpty(extra, "vcpu", p.Params.VCPU.String())
		pkgs = append(pkgs, provider.Package{Name: p.Name, Extra: extra})
	}
	return pkgs, nil
}
