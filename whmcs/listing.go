package whmcs

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/accountsync/accountsync/provider"
	acsync "github.com/accountsync/accountsync/sync"
)

// UnlistedError is returned by [Store.Services] when GetServers counts
// more active and suspended services (and module addons) on the server
// than GetClientsProducts lists, beyond StoreConfig.AllowUnlisted. WHMCS
// leaves services whose product or product group was deleted out of the
// listing; a sync that trusted it would import their accounts a second
// time.
type UnlistedError struct {
	ServerID string
	// Counted is GetServers' count, Listed the live services listed.
	Counted, Listed int
	Allowed         int
}

// Error says what is missing and what to do.
func (e *UnlistedError) Error() string {
	return fmt.Sprintf("whmcs: list services: server %s has %d active or suspended services and addons by GetServers' count, but GetClientsProducts lists %d: "+
		"services whose product or product group was deleted are hidden from the API, and importing their accounts would bill them twice; "+
		"restore the products or move the services in WHMCS, or, if the difference is module addons, set StoreConfig.AllowUnlisted to %d",
		e.ServerID, e.Counted, e.Listed, e.Counted-e.Listed)
}

// Services returns every service of the server, in any status: the rows
// of GetClientsProducts, read in pages of StoreConfig.PageSize in ID
// order, whose serverid is the store's. WHMCS cannot filter by server, so
// every service is read; the rows are deduplicated by ID and their number
// checked against totalresults, and a listing that changes while it is
// read (a total that moves, a row seen twice, a page short) is an error,
// never a partial list.
//
// GetServers' count of the server's live services, read before and after,
// is compared with the listing (see [UnlistedError]), and GetProducts
// gives the package of
// the products the store created. ClientEmail comes from GetClients (or
// GetClientsDetails per client, for a few), Package from the products the
// store created and StoreConfig.Products ("" for other products), and
// UniqueIdentifier from the key's custom field.
func (s *Store) Services(ctx context.Context) ([]acsync.Service, error) {
	const op = "list services"
	// The server's count is read before and after the listing: a count
	// that moved means services changed meanwhile, not that some are
	// hidden.
	before, err := s.server(ctx, op)
	if err != nil {
		return nil, err
	}
	rows, err := s.listServices(ctx, op, nil)
	if err != nil {
		return nil, err
	}
	h, err := s.server(ctx, op)
	if err != nil {
		return nil, err
	}
	if h.ActiveServices != before.ActiveServices {
		return nil, s.c.http.Error(op, nil, "", fmt.Sprintf("the services changed while they were read (GetServers counted %d live on server %s, then %d); nothing was used, try again",
			before.ActiveServices, h.ID, h.ActiveServices), provider.ErrTransient)
	}
	var mine []serviceRow
	live := 0
	for _, r := range rows {
		if id, _ := r.ServerID.id(); id == s.cfg.ServerID {
			mine = append(mine, r)
			if st := acsync.ServiceStatus(strings.TrimSpace(string(r.Status))); st == acsync.ServiceStatusActive || st == acsync.ServiceStatusSuspended {
				live++
			}
		}
	}
	switch {
	case h.ActiveServices < live:
		return nil, s.c.http.Error(op, nil, "", fmt.Sprintf("the services changed while they were read (GetServers counts %d live on server %s, the listing %d); nothing was used, try again",
			h.ActiveServices, h.ID, live), provider.ErrTransient)
	case h.ActiveServices-live > s.cfg.AllowUnlisted:
		return nil, &UnlistedError{ServerID: h.ID, Counted: h.ActiveServices, Listed: live, Allowed: s.cfg.AllowUnlisted}
	}
	pkgs, err := s.packages(ctx, op)
	if err != nil {
		return nil, err
	}
	emails, err := s.emails(ctx, op, mine)
	if err != nil {
		return nil, err
	}
	out := make([]acsync.Service, 0, len(mine))
	for _, r := range mine {
		svc, err := s.service(r, pkgs, emails)
		if err != nil {
			return nil, s.c.http.Error(op, nil, "", err.Error(), nil)
		}
		out = append(out, svc)
	}
	return out, nil
}

// service maps one row onto a sync.Service, and learns the key's custom
// field ID of the row's product.
func (s *Store) service(r serviceRow, pkgs, emails map[string]string) (acsync.Service, error) {
	id, _ := r.ID.id()
	svc := acsync.Service{
		ID:           id,
		Domain:       strings.TrimSpace(string(r.Domain)),
		Username:     strings.TrimSpace(string(r.Username)),
		Status:       acsync.ServiceStatus(strings.TrimSpace(string(r.Status))),
		DedicatedIP:  strings.TrimSpace(string(r.DedicatedIP)),
		BillingCycle: strings.TrimSpace(string(r.BillingCycle)),
	}
	svc.ClientID, _ = r.ClientID.id()
	svc.ProductID, _ = r.PID.id()
	svc.ClientEmail = emails[svc.ClientID]
	svc.Package = pkgs[svc.ProductID]
	var err error
	if svc.RegDate, err = parseDate(string(r.RegDate)); err != nil {
		return svc, fmt.Errorf("service %s: regdate: %w", id, err)
	}
	if svc.NextDueDate, err = parseDate(string(r.NextDueDate)); err != nil {
		return svc, fmt.Errorf("service %s: nextduedate: %w", id, err)
	}
	if s.field != "" {
		for _, f := range r.CustomFields.items {
			if fieldMatches(string(f.Name), s.field) {
				svc.UniqueIdentifier = strings.TrimSpace(string(f.Value))
				if fid, ok := f.ID.id(); ok && svc.ProductID != "" {
					s.mu.Lock()
					s.fieldIDs[svc.ProductID] = fid
					s.mu.Unlock()
				}
				break
			}
		}
	}
	return svc, nil
}

// fieldMatches reports whether a custom field is the one named, as
// WHMCS's own sync matches it: "name" or "name|Display Name", without
// regard to case.
func fieldMatches(field, name string) bool {
	field, _, _ = strings.Cut(field, "|")
	return strings.EqualFold(strings.TrimSpace(field), name)
}

// parseDate reads a WHMCS date; "0000-00-00" and "" are no date.
func parseDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" || strings.HasPrefix(s, "0000-00-00") {
		return time.Time{}, nil
	}
	if len(s) > 10 {
		s = s[:10]
	}
	t, err := time.Parse(dateLayout, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a date", s)
	}
	return t, nil
}

const dateLayout = "2006-01-02"

// listServices reads every GetClientsProducts row matching filter (nil:
// all), page by page, and fails rather than return a listing that is
// short or shifted.
//
// Rows come in ID order, so a row inserted while the pages are read lands
// at the end and moves the total; a row deleted from a page already read
// shifts the later pages back by one, which would skip a row. Each page
// after the first therefore starts one row early, on the last row of the
// page before, and must begin with that row.
func (s *Store) listServices(ctx context.Context, op string, filter url.Values) ([]serviceRow, error) {
	var out []serviceRow
	seen := map[string]bool{}
	total := -1
	last := ""
	for start := 0; total < 0 || start < total; {
		from, num := start, s.pageSize
		if last != "" {
			from, num = start-1, num+1
		}
		params := url.Values{"limitstart": {strconv.Itoa(from)}, "limitnum": {strconv.Itoa(num)}}
		for k, v := range filter {
			params[k] = v
		}
		var a servicesAnswer
		if err := s.c.call(ctx, op, "GetClientsProducts", params, &a); err != nil {
			return nil, err
		}
		var rows []serviceRow
		if a.Products != nil {
			rows = a.Products.items
		}
		t, err := s.checkPage(op, "GetClientsProducts", a.page, from, len(rows), total)
		if err != nil {
			return nil, err
		}
		total = t
		if last != "" {
			if len(rows) == 0 {
				return nil, s.shifted(op, "GetClientsProducts", fmt.Sprintf("the page from row %d is empty", from))
			}
			if first, _ := rows[0].ID.id(); first != last {
				return nil, s.shifted(op, "GetClientsProducts", fmt.Sprintf("the page from row %d begins with service %s, not %s", from, first, last))
			}
			rows = rows[1:]
		}
		for _, r := range rows {
			id, ok := r.ID.id()
			if !ok {
				return nil, s.c.shapeError(op, "GetClientsProducts", "a service has no ID")
			}
			if seen[id] {
				return nil, s.shifted(op, "GetClientsProducts", fmt.Sprintf("service %s was listed twice", id))
			}
			seen[id] = true
			out = append(out, r)
			last = id
		}
		if len(rows) == 0 {
			break
		}
		start += len(rows)
	}
	if len(out) != total {
		return nil, s.shifted(op, "GetClientsProducts", fmt.Sprintf("%d services were read of the %d WHMCS counted", len(out), total))
	}
	return out, nil
}

// checkPage checks a page's counts and returns the total.
func (s *Store) checkPage(op, action string, p page, start, rows, total int) (int, error) {
	if p.TotalResults == nil {
		return 0, s.c.shapeError(op, action, "the answer has no totalresults")
	}
	t, err := p.TotalResults.int()
	if err != nil || t < 0 {
		return 0, s.c.shapeError(op, action, "totalresults is not a count")
	}
	if total >= 0 && t != total {
		return 0, s.shifted(op, action, fmt.Sprintf("the total went from %d to %d", total, t))
	}
	if n, err := p.NumReturned.int(); err == nil && string(p.NumReturned) != "" && n != rows {
		return 0, s.c.shapeError(op, action, fmt.Sprintf("numreturned says %d, the page holds %d", n, rows))
	}
	if n, err := p.StartNumber.int(); err == nil && string(p.StartNumber) != "" && n != start {
		return 0, s.c.shapeError(op, action, fmt.Sprintf("asked for rows from %d, got rows from %d", start, n))
	}
	if rows == 0 && start < t {
		return 0, s.shifted(op, action, fmt.Sprintf("the page from %d is empty, but WHMCS counts %d", start, t))
	}
	return t, nil
}

// shifted reports a listing that changed or came short while it was read.
func (s *Store) shifted(op, action, what string) error {
	return s.c.http.Error(op, nil, "", action+": the listing changed or came short while it was read ("+what+"); nothing was used, try again", provider.ErrTransient)
}

// perClientLimit is the number of clients below which e-mail addresses
// are read one by one rather than by paging every client.
const perClientLimit = 50

// emails returns client ID -> e-mail address for the clients of rows.
func (s *Store) emails(ctx context.Context, op string, rows []serviceRow) (map[string]string, error) {
	need := map[string]bool{}
	for _, r := range rows {
		if id, ok := r.ClientID.id(); ok {
			need[id] = true
		}
	}
	out := map[string]string{}
	if len(need) > perClientLimit {
		// A lookup table only: any client it misses is read on its own
		// below, so an unstable client listing costs calls, not data.
		if err := s.clientPages(ctx, op, need, out); err != nil {
			return nil, err
		}
	}
	for id := range need {
		if _, ok := out[id]; ok {
			continue
		}
		email, err := s.clientEmail(ctx, op, id)
		if err != nil {
			return nil, err
		}
		out[id] = email
	}
	return out, nil
}

// clientPages pages GetClients in ID order (WHMCS 8.2 and later honour
// orderby) and records the addresses of needed clients.
func (s *Store) clientPages(ctx context.Context, op string, need map[string]bool, out map[string]string) error {
	total := -1
	for start := 0; total < 0 || start < total; {
		var a clientsAnswer
		err := s.c.call(ctx, op, "GetClients", url.Values{"limitstart": {strconv.Itoa(start)}, "limitnum": {strconv.Itoa(s.pageSize)},
			"orderby": {"id"}, "sorting": {"ASC"}}, &a)
		if err != nil {
			return err
		}
		var rows []clientRow
		if a.Clients != nil {
			rows = a.Clients.items
		}
		if a.TotalResults == nil {
			return s.c.shapeError(op, "GetClients", "the answer has no totalresults")
		}
		if total, err = a.TotalResults.int(); err != nil {
			return s.c.shapeError(op, "GetClients", "totalresults is not a count")
		}
		for _, r := range rows {
			if id, ok := r.ID.id(); ok && need[id] {
				out[id] = strings.TrimSpace(string(r.Email))
			}
		}
		if len(rows) == 0 {
			return nil
		}
		start += len(rows)
	}
	return nil
}

// clientEmail reads one client's address; a client WHMCS no longer has
// gives "" (the service is listed without an address).
func (s *Store) clientEmail(ctx context.Context, op, id string) (string, error) {
	var a clientDetailsAnswer
	err := s.c.call(ctx, op, "GetClientsDetails", url.Values{"clientid": {id}}, &a)
	if err != nil {
		if isNotFound(err) {
			s.log.Warn("whmcs: a service's client does not exist", "client", id)
			return "", nil
		}
		return "", err
	}
	row := a.clientRow
	if a.Client != nil {
		row = *a.Client
	}
	return strings.TrimSpace(string(row.Email)), nil
}
