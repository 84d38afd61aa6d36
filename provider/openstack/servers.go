package openstack

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/accountsync/accountsync/internal/httpx"
	"github.com/accountsync/accountsync/provider"
)

// Server is one Nova server as the listing shows it, with the flavor name
// resolved and the addresses in a fixed order.
type Server struct {
	ID        string
	Name      string
	Status    string // Nova's status: ACTIVE, SUSPENDED, SHUTOFF, UNKNOWN, ...
	VMState   string // OS-EXT-STS:vm_state
	TaskState string // OS-EXT-STS:task_state, "" when idle
	TenantID  string // the project that owns the server
	UserID    string // the Keystone user that created it
	Created   time.Time
	// Flavor is the flavor's name; the flavor id when the cloud does not
	// embed the name and the flavor no longer exists.
	Flavor string
	// FlavorID is the flavor's id, "" from microversion 2.47 on (Nova then
	// embeds the flavor without its id).
	FlavorID   string
	ImageID    string // "" for a server booted from a volume
	AccessIPv4 string
	AccessIPv6 string
	// Addresses lists every address, by network name and then in Nova's
	// order within a network.
	Addresses []Address
	Metadata  map[string]string
	// Partial marks a record from an unreachable cell (microversion 2.69):
	// only ID, Status ("UNKNOWN"), TenantID and Created are known.
	Partial bool
}

// Address is one address of a [Server].
type Address struct {
	Network string // the network's name, the key of Nova's "addresses"
	Addr    string
	Version int    // 4 or 6
	Type    string // "fixed" or "floating"; "" when the cloud does not say
}

// PrimaryIP picks one address, the same one every time: AccessIPv4, else
// the first floating IPv4, else the first fixed IPv4 (networks in name
// order), and then the same steps for IPv6. It returns "" when the server
// has no address.
func (s Server) PrimaryIP() string {
	if s.AccessIPv4 != "" {
		return s.AccessIPv4
	}
	if ip := pickAddress(s.Addresses, 4); ip != "" {
		return ip
	}
	if s.AccessIPv6 != "" {
		return s.AccessIPv6
	}
	return pickAddress(s.Addresses, 6)
}

func pickAddress(addrs []Address, version int) string {
	for _, floating := range []bool{true, false} {
		for _, a := range addrs {
			if a.Version == version && (a.Type == "floating") == floating {
				return a.Addr
			}
		}
	}
	return ""
}

// Account maps the server to a WHMCS ListAccounts record (see the package
// documentation for each field). Created stays in UTC.
func (s Server) Account() provider.Account {
	a := provider.Account{
		Email:            s.Metadata[MetadataEmail],
		Username:         s.Metadata[MetadataUsername],
		Domain:           s.Name,
		UniqueIdentifier: s.ID,
		Product:          s.Flavor,
		PrimaryIP:        s.PrimaryIP(),
		Created:          s.Created,
		Status:           provider.StatusActive,
		Extra:            make(map[string]string, 8),
	}
	if s.Status == "SUSPENDED" {
		a.Status = provider.StatusSuspended
	}
	set := func(k, v string) {
		if v != "" {
			a.Extra[k] = v
		}
	}
	set("status", s.Status)
	set("vm_state", s.VMState)
	set("task_state", s.TaskState)
	set("tenant_id", s.TenantID)
	set("user_id", s.UserID)
	set("flavor_id", s.FlavorID)
	set("image_id", s.ImageID)
	if s.Partial {
		a.Extra[provider.ExtraPartial] = "true"
	}
	return a
}

// toServer checks and converts one wire record. A record missing a key
// Nova always sends, or with a date that does not parse, is an error
// naming the record; a down-cell record (status UNKNOWN, no name) is
// accepted with the keys such records lack left empty.
func (c *Client) toServer(op string, j *serverJSON) (Server, error) {
	if j.ID == "" {
		return Server{}, &provider.APIError{Type: typeName, Op: op, Message: fmt.Sprintf("a server record has no id (name %q)", deref(j.Name))}
	}
	if j.Status == "" {
		return Server{}, c.recordError(op, j.ID, "no status")
	}
	s := Server{
		ID:         j.ID,
		Status:     j.Status,
		VMState:    j.VMState,
		TaskState:  deref(j.TaskState),
		TenantID:   j.TenantID,
		UserID:     j.UserID,
		Flavor:     j.Flavor.OriginalName,
		FlavorID:   string(j.Flavor.ID),
		ImageID:    j.Image.ID,
		AccessIPv4: j.AccessIPv4,
		AccessIPv6: j.AccessIPv6,
		Metadata:   j.Metadata,
	}
	switch {
	case j.Name != nil:
		s.Name = *j.Name
	case j.Status == "UNKNOWN":
		s.Partial = true
	default:
		return Server{}, c.recordError(op, j.ID, "no name")
	}
	switch {
	case j.Created != "":
		t, err := time.Parse(time.RFC3339, j.Created)
		if err != nil {
			return Server{}, c.recordError(op, j.ID, "created %q is not an RFC 3339 time", j.Created)
		}
		s.Created = t.UTC()
	case !s.Partial:
		return Server{}, c.recordError(op, j.ID, "no created time")
	}
	if !s.Partial && s.Flavor == "" && s.FlavorID == "" {
		return Server{}, c.recordError(op, j.ID, "no flavor")
	}
	if len(j.Addresses) > 0 {
		names := make([]string, 0, len(j.Addresses))
		n := 0
		for name, list := range j.Addresses {
			names = append(names, name)
			n += len(list)
		}
		slices.Sort(names)
		s.Addresses = make([]Address, 0, n)
		for _, name := range names {
			for _, a := range j.Addresses[name] {
				if a.Addr == "" {
					continue
				}
				v := a.Version
				if v != 4 && v != 6 {
					v = 4
					if strings.Contains(a.Addr, ":") {
						v = 6
					}
				}
				s.Addresses = append(s.Addresses, Address{Network: name, Addr: a.Addr, Version: v, Type: a.Type})
			}
		}
	}
	return s, nil
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// errStop ends a pagination early without an error.
var errStop = errors.New("stop")

// Servers streams the servers the listing shows, page by page, as
// ListAccounts sees them: GET /servers/detail with limit and marker,
// following servers_links until there is no next link (and with
// all_tenants=1 when Config.AllTenants is set). A flavor whose name is not
// embedded is looked up once (GET /flavors/{id}).
//
// On a failure the sequence yields one error, with a zero Server, and
// ends; servers yielded before it are not a complete listing. The sequence
// stops fetching as soon as the consumer stops ranging over it.
func (c *Client) Servers(ctx context.Context) iter.Seq2[Server, error] {
	return func(yield func(Server, error) bool) {
		c.servers(ctx, "list servers", yield)
	}
}

func (c *Client) servers(ctx context.Context, op string, yield func(Server, error) bool) {
	flavors := map[string]string{}
	seen := map[string]struct{}{}
	q := url.Values{"limit": {strconv.Itoa(c.cfg.PageSize)}}
	if c.cfg.AllTenants {
		q.Set("all_tenants", "1")
	}
	err := c.paginate(ctx, op, "/servers/detail", q, "servers", func(resp *httpx.Response, token string) (pageInfo, error) {
		var page serversPage
		if err := c.decode(op, resp, &page, token); err != nil {
			return pageInfo{}, err
		}
		if page.Servers == nil {
			return pageInfo{}, c.missingList(op, resp, "servers", token)
		}
		list := *page.Servers
		for i := range list {
			s, err := c.toServer(op, &list[i])
			if err != nil {
				return pageInfo{}, err
			}
			if _, dup := seen[s.ID]; dup {
				return pageInfo{}, c.recordError(op, s.ID, "listed twice (the pages overlap)")
			}
			seen[s.ID] = struct{}{}
			if s.Flavor == "" && s.FlavorID != "" {
				if s.Flavor, err = c.flavorName(ctx, op, s.FlavorID, flavors); err != nil {
					return pageInfo{}, err
				}
			}
			if !yield(s, nil) {
				return pageInfo{}, errStop
			}
		}
		info := pageInfo{n: len(list), next: nextLink(page.Links)}
		if len(list) > 0 {
			info.lastID = list[len(list)-1].ID
		}
		return info, nil
	})
	if err != nil && err != errStop {
		yield(Server{}, err)
	}
}

// flavorName looks a flavor's name up by id, once per id: GET
// /flavors/{id}. A flavor that no longer exists (404) gives its id; an
// answer without the flavor is an error.
func (c *Client) flavorName(ctx context.Context, op, id string, cache map[string]string) (string, error) {
	if name, ok := cache[id]; ok {
		return name, nil
	}
	op += ": look up flavor"
	resp, token, err := c.call(ctx, httpx.Request{Op: op, Path: "/flavors/" + url.PathEscape(id), Idempotent: true})
	if err != nil {
		return "", err
	}
	name := id
	switch {
	case resp.StatusCode == http.StatusOK:
		var env flavorEnvelope
		if err := c.decode(op, resp, &env, token); err != nil {
			return "", err
		}
		if env.Flavor == nil || (env.Flavor.Name == "" && env.Flavor.ID == "") {
			return "", c.missingList(op, resp, "flavor", token)
		}
		if env.Flavor.Name != "" {
			name = env.Flavor.Name
		}
	case c.isNotFound(resp, "Flavor"):
		// Deleted flavors keep serving their servers; the id is all there is.
	default:
		return "", c.statusError(op, resp, token)
	}
	cache[id] = name
	return name, nil
}

// nextLink returns the href of the rel="next" link, or "".
func nextLink(links []link) string {
	for _, l := range links {
		if l.Rel == "next" {
			return l.Href
		}
	}
	return ""
}

// pageInfo is what paginate needs to know of a page its visitor read.
type pageInfo struct {
	n      int    // items on the page
	lastID string // the id of its last item
	next   string // the rel="next" href; "" on the last page
}

// paginate GETs path with q and each following page; visit reads a page.
// The next page is requested from the catalog's endpoint with the link's
// query, never from the link's host, so the token goes nowhere the catalog
// did not name.
//
// Nova links the next page exactly when a page is full: when it holds
// min(limit, [api] max_limit) items, the marker being the last item's id
// (nova/api/openstack/common.py, _get_collection_links). So a page of
// limit items without a next link is a listing cut short, and a next link
// whose marker is not the page's last item (or came before, or follows an
// empty page) is one that would skip or loop: each is an error, never the
// end of the listing. items names the list in errors ("servers").
func (c *Client) paginate(ctx context.Context, op, path string, q url.Values, items string, visit func(resp *httpx.Response, token string) (pageInfo, error)) error {
	seen := map[string]bool{}
	for {
		resp, token, err := c.call(ctx, httpx.Request{Op: op, Path: path, Query: q, Idempotent: true, MaxBodyBytes: httpx.ListingMaxBodyBytes})
		if err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK {
			return c.statusError(op, resp, token)
		}
		page, err := visit(resp, token)
		if err != nil {
			return err
		}
		fail := func(msg string) error {
			return &provider.APIError{Type: typeName, Op: op, StatusCode: resp.StatusCode, Message: msg}
		}
		if page.next == "" {
			if limit, _ := strconv.Atoi(q.Get("limit")); limit > 0 && page.n >= limit {
				return fail(fmt.Sprintf("a full page of %d %s without a link to the next one, which Nova always sends: the listing would be cut short", page.n, items))
			}
			return nil
		}
		if page.n == 0 {
			return fail(fmt.Sprintf("a page without %s links to a next one: the pages loop", items))
		}
		if q, err = nextQuery(page.next, q, seen, page.lastID); err != nil {
			return fail(err.Error())
		}
	}
}

// nextQuery turns a next link into the query of the next request: the
// link's parameters, plus the previous request's when the link drops them.
func nextQuery(href string, prev url.Values, seen map[string]bool, lastID string) (url.Values, error) {
	u, err := url.Parse(href)
	if err != nil {
		return nil, fmt.Errorf("the next page link is not a URL")
	}
	q := u.Query()
	marker := q.Get("marker")
	switch {
	case marker == "":
		return nil, fmt.Errorf("the next page link has no marker")
	case seen[marker] || marker == prev.Get("marker"):
		return nil, fmt.Errorf("the next page link repeats marker %q: the pages loop", marker)
	case lastID != "" && marker != lastID:
		return nil, fmt.Errorf("the next page link's marker %q is not the page's last item %q: the listing would skip or repeat", marker, lastID)
	}
	seen[marker] = true
	for k, v := range prev {
		if k != "marker" && q.Get(k) == "" {
			q[k] = v
		}
	}
	return q, nil
}
