package whmcs

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/accountsync/accountsync/provider"
	acsync "github.com/accountsync/accountsync/sync"
)

// ElsewhereError is returned by [Store.CreateService] when WHMCS already
// has an open service for the key that is not this store's to finish: a
// live service on another server (the account moved between servers; see
// StoreConfig.MoveServices), or a pending order of another client or
// product. It wraps provider.ErrExists.
type ElsewhereError struct {
	Key       string
	ServiceID string
	Status    acsync.ServiceStatus
	ClientID  string
	// ServerID and ServerName say where the service lives ("0" and "":
	// no server).
	ServerID, ServerName string
}

// Error names the service and where it lives.
func (e *ElsewhereError) Error() string {
	where := "no server"
	if e.ServerID != "" && e.ServerID != "0" {
		where = "server " + e.ServerID
		if e.ServerName != "" {
			where += " (" + e.ServerName + ")"
		}
	}
	hint := "move it to this server in WHMCS, or set StoreConfig.MoveServices"
	if e.Status == acsync.ServiceStatusPending {
		hint = "accept or cancel its order in WHMCS first"
	}
	return fmt.Sprintf("whmcs: create service %s: WHMCS already has %s service %s of client %s for it on %s; not creating a second one: %s",
		e.Key, e.Status, e.ServiceID, e.ClientID, where, hint)
}

// Unwrap returns provider.ErrExists.
func (e *ElsewhereError) Unwrap() error { return provider.ErrExists }

func isNotFound(err error) bool { return errors.Is(err, provider.ErrNotFound) }

// key returns the service's value of the key field, normalised.
func (s *Store) key(svc acsync.Service) string {
	v := svc.Domain
	switch {
	case s.field != "":
		v = svc.UniqueIdentifier
	case s.cfg.KeyField == "username":
		v = svc.Username
	}
	return normalize(v)
}

func (s *Store) rowKey(r serviceRow) string {
	switch {
	case s.field != "":
		for _, f := range r.CustomFields.items {
			if fieldMatches(string(f.Name), s.field) {
				return normalize(string(f.Value))
			}
		}
		return ""
	case s.cfg.KeyField == "username":
		return normalize(string(r.Username))
	}
	return normalize(string(r.Domain))
}

// normalize compares keys as the engine does for this purpose: trimmed,
// lower case, without a trailing dot.
func normalize(v string) string {
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(v)), ".")
}

// lookup finds the services WHMCS has for the key of svc on any server:
// GetClientsProducts filtered by domain and by username (username2), the
// only filters that narrow by what an account is.
func (s *Store) lookup(ctx context.Context, op string, svc acsync.Service) ([]serviceRow, error) {
	var filters []url.Values
	if d := strings.TrimSpace(svc.Domain); d != "" && s.cfg.KeyField != "username" {
		filters = append(filters, url.Values{"domain": {d}})
		if low := strings.ToLower(d); low != d {
			filters = append(filters, url.Values{"domain": {low}})
		}
	}
	if u := strings.TrimSpace(svc.Username); u != "" && (s.cfg.KeyField == "username" || s.field != "") {
		filters = append(filters, url.Values{"username2": {u}})
	}
	key := s.key(svc)
	var out []serviceRow
	seen := map[string]bool{}
	for _, f := range filters {
		rows, err := s.listServices(ctx, op, f)
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			id, _ := r.ID.id()
			if !seen[id] && s.rowKey(r) == key {
				seen[id] = true
				out = append(out, r)
			}
		}
	}
	slices.SortFunc(out, func(a, b serviceRow) int {
		x, _ := a.ID.id()
		y, _ := b.ID.id()
		switch {
		case idLess(x, y):
			return -1
		case idLess(y, x):
			return 1
		}
		return 0
	})
	return out, nil
}

// CreateService creates the service without provisioning it and without
// e-mail, and returns its ID:
//
//  1. AddOrder with the client, product, domain and billing cycle,
//     noinvoice, noinvoiceemail and noemail (no invoice, no e-mail);
//  2. AcceptOrder with this server, the username, autosetup=0 and
//     sendemail=0 sent explicitly (WHMCS applies them only when present);
//  3. UpdateClientProduct with the status, registration date, next due
//     date, billing cycle (and, for "Free Account", zero amounts),
//     dedicated IP, username and the key's custom field;
//
// then reads the service back to check it is listed on this server.
//
// None of these calls is retried once it may have reached WHMCS. Instead,
// CreateService first looks the key up on every server
// (GetClientsProducts by domain or username) and finishes what a crash
// left half done: a Pending service of the same client and product on
// this server or none, or on another server of the module (AddOrder
// places new services on a default server), is accepted and updated when
// its order holds nothing else (AcceptOrder accepts a whole order); an
// Active or Suspended one of the same client and product on this server
// is updated. A live service for the key on another server is moved here
// with StoreConfig.MoveServices, and is otherwise an [*ElsewhereError], as
// is a Pending service of another client or product; a Pending one in an
// order of several services is an error wrapping provider.ErrExists.
func (s *Store) CreateService(ctx context.Context, svc acsync.Service) (string, error) {
	const op = "create service"
	if err := ctx.Err(); err != nil {
		return "", &provider.APIError{Type: "whmcs", Op: op, Err: err}
	}
	key := s.key(svc)
	fail := func(msg string) error { return s.c.http.Error(op, nil, "", msg, nil) }
	switch {
	case svc.ID != "":
		return "", fail("the new service already has an ID")
	case key == "":
		return "", fail("the service has no value for the key field")
	case svc.ClientID == "" || svc.ProductID == "":
		return "", fail(key + ": a client and a product are required")
	case s.cfg.PaymentMethod == "":
		return "", fail(key + ": StoreConfig.PaymentMethod is empty; WHMCS orders need an active payment gateway")
	}
	if svc.Status == "" {
		svc.Status = acsync.ServiceStatusActive
	}
	if svc.Status != acsync.ServiceStatusActive && svc.Status != acsync.ServiceStatusSuspended {
		return "", fail(fmt.Sprintf("%s: a new service is Active or Suspended, not %q", key, svc.Status))
	}
	cycle, err := canonicalCycle(svc.BillingCycle)
	if err != nil {
		return "", fail(key + ": " + err.Error())
	}
	svc.BillingCycle = cycle
	unlock := s.keys.lock(key)
	defer unlock()
	host, err := s.hostInfo(ctx, op)
	if err != nil {
		return "", err
	}
	var fieldID string
	if s.field != "" {
		if fieldID, err = s.fieldID(ctx, op, svc.ProductID); err != nil {
			return "", err
		}
	}
	found, err := s.lookup(ctx, op, svc)
	if err != nil {
		return "", err
	}
	if id, done, err := s.resume(ctx, op, key, svc, host, fieldID, found); done {
		return id, err
	}

	order := url.Values{
		"clientid": {svc.ClientID}, "paymentmethod": {s.cfg.PaymentMethod},
		"pid[0]": {svc.ProductID}, "domain[0]": {strings.TrimSpace(svc.Domain)}, "billingcycle[0]": {orderCycle(cycle)},
		"noinvoice": {"1"}, "noinvoiceemail": {"1"}, "noemail": {"1"},
	}
	if fieldID != "" {
		order.Set("customfields[0]", base64.StdEncoding.EncodeToString([]byte(serializeStrings(map[string]string{fieldID: svc.UniqueIdentifier}))))
	}
	var a addOrderAnswer
	if err := s.c.call(ctx, op, "AddOrder", order, &a); err != nil {
		return "", err
	}
	orderID, ok := a.OrderID.id()
	ids := string(a.ServiceIDs)
	if ids == "" {
		ids = string(a.ProductIDs)
	}
	list := strings.Split(strings.TrimSpace(ids), ",")
	if !ok || len(list) != 1 {
		return "", fail(fmt.Sprintf("%s: AddOrder answered order %q with services %q; expected one order with one service (check WHMCS before retrying)", key, string(a.OrderID), ids))
	}
	id, ok := text(list[0]).id()
	if !ok {
		return "", fail(fmt.Sprintf("%s: AddOrder answered service %q", key, list[0]))
	}
	if err := s.accept(ctx, op, orderID, svc); err != nil {
		return "", err
	}
	if err := s.finish(ctx, op, id, svc, fieldID); err != nil {
		return "", err
	}
	return id, s.verify(ctx, op, id, key)
}

// resume finishes or refuses what lookup found; done is false when there
// is nothing for the key and a new order is to be placed.
func (s *Store) resume(ctx context.Context, op, key string, svc acsync.Service, host ServerInfo, fieldID string, found []serviceRow) (string, bool, error) {
	var elsewhere *ElsewhereError
	for _, r := range found {
		id, _ := r.ID.id()
		server, _ := r.ServerID.id()
		client, _ := r.ClientID.id()
		pid, _ := r.PID.id()
		status := acsync.ServiceStatus(strings.TrimSpace(string(r.Status)))
		mine := client == svc.ClientID && pid == svc.ProductID
		here := server == s.cfg.ServerID
		switch {
		case status == acsync.ServiceStatusPending && mine:
			// A crash after AddOrder (or AcceptOrder of a service that
			// stayed Pending): accept, then update as a new one.
			if orderID, ok := r.OrderID.id(); ok {
				// AcceptOrder accepts every item of the order: only an
				// order of this one service, as the store places them,
				// is accepted here.
				others, err := s.orderItems(ctx, op, client, orderID)
				if err != nil {
					return "", true, err
				}
				if others > 1 {
					return "", true, s.c.http.Error(op, nil, "", fmt.Sprintf("%s: service %s is Pending in order %s, which holds %d services; accept or cancel that order in WHMCS", key, id, orderID, others), provider.ErrExists)
				}
				if err := s.accept(ctx, op, orderID, svc); err != nil {
					return "", true, err
				}
			}
			if err := s.finish(ctx, op, id, svc, fieldID); err != nil {
				return "", true, err
			}
			return id, true, s.verify(ctx, op, id, key)
		case (status == acsync.ServiceStatusActive || status == acsync.ServiceStatusSuspended) && here:
			if !mine {
				return "", true, s.c.http.Error(op, nil, "", fmt.Sprintf("%s: service %s of client %s on this server already has this key", key, id, client), provider.ErrExists)
			}
			// A crash after AcceptOrder: finish the update.
			if err := s.finish(ctx, op, id, svc, fieldID); err != nil {
				return "", true, err
			}
			return id, true, s.verify(ctx, op, id, key)
		case status == acsync.ServiceStatusActive || status == acsync.ServiceStatusSuspended || status == acsync.ServiceStatusPending:
			if elsewhere == nil {
				elsewhere = &ElsewhereError{Key: key, ServiceID: id, Status: status, ClientID: client, ServerID: server, ServerName: string(r.ServerName)}
			}
		}
	}
	if elsewhere == nil {
		return "", false, nil
	}
	if !s.cfg.MoveServices || elsewhere.Status == acsync.ServiceStatusPending {
		return "", true, elsewhere
	}
	// Moved between servers: the MG add-on's migration, in billing only.
	p := url.Values{"serviceid": {elsewhere.ServiceID}, "serverid": {s.cfg.ServerID}}
	if err := s.moveProduct(ctx, op, elsewhere, svc, host, p); err != nil {
		return "", true, err
	}
	s.status(p, svc.Status)
	if ip := strings.TrimSpace(svc.DedicatedIP); ip != "" {
		p.Set("dedicatedip", ip)
	}
	if u := strings.TrimSpace(svc.Username); u != "" {
		p.Set("serviceusername", u)
	}
	if err := s.c.call(ctx, op, "UpdateClientProduct", p, nil); err != nil {
		return "", true, err
	}
	s.log.Info("whmcs: moved a service to this server", "service", elsewhere.ServiceID, "from", elsewhere.ServerID, "to", s.cfg.ServerID, "key", key)
	return elsewhere.ServiceID, true, s.verify(ctx, op, elsewhere.ServiceID, key)
}

// orderItems counts the client's services in an order.
func (s *Store) orderItems(ctx context.Context, op, client, orderID string) (int, error) {
	rows, err := s.listServices(ctx, op, url.Values{"clientid": {client}})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, r := range rows {
		if o, _ := r.OrderID.id(); o == orderID {
			n++
		}
	}
	return n, nil
}

// moveProduct keeps a moved service's product when the old server runs
// the same module, and otherwise gives it the import's product.
func (s *Store) moveProduct(ctx context.Context, op string, e *ElsewhereError, svc acsync.Service, host ServerInfo, p url.Values) error {
	all, err := s.c.servers(ctx, op)
	if err != nil {
		return err
	}
	for _, h := range all {
		if h.ID == e.ServerID && strings.EqualFold(h.Module, host.Module) {
			return nil
		}
	}
	p.Set("pid", svc.ProductID)
	return nil
}

// accept accepts an order without provisioning or e-mail. An order that
// is no longer Pending was accepted before a crash: nothing to do.
func (s *Store) accept(ctx context.Context, op, orderID string, svc acsync.Service) error {
	p := url.Values{"orderid": {orderID}, "serverid": {s.cfg.ServerID}, "autosetup": {"0"}, "sendemail": {"0"}}
	if u := strings.TrimSpace(svc.Username); u != "" {
		p.Set("serviceusername", u)
	}
	err := s.c.call(ctx, op, "AcceptOrder", p, nil)
	var ae *provider.APIError
	if errors.As(err, &ae) && strings.Contains(strings.ToLower(ae.Message), "status not pending") {
		return nil
	}
	return err
}

// finish writes what AddOrder and AcceptOrder cannot set, and the server
// again: a service found half done may not be on this one yet.
func (s *Store) finish(ctx context.Context, op, id string, svc acsync.Service, fieldID string) error {
	p := url.Values{"serviceid": {id}, "billingcycle": {svc.BillingCycle}, "serverid": {s.cfg.ServerID}}
	s.status(p, svc.Status)
	if !svc.RegDate.IsZero() {
		p.Set("regdate", svc.RegDate.Format(dateLayout))
	}
	switch {
	case svc.BillingCycle == "Free Account":
		// "0.00" is truthy to PHP where "0" is not, so it is written.
		p.Set("nextduedate", "0000-00-00")
		p.Set("recurringamount", "0.00")
		p.Set("firstpaymentamount", "0.00")
	case !svc.NextDueDate.IsZero():
		p.Set("nextduedate", svc.NextDueDate.Format(dateLayout))
	}
	if ip := strings.TrimSpace(svc.DedicatedIP); ip != "" {
		p.Set("dedicatedip", ip)
	}
	if u := strings.TrimSpace(svc.Username); u != "" {
		p.Set("serviceusername", u)
	}
	if d := strings.TrimSpace(svc.Domain); d != "" {
		p.Set("domain", d)
	}
	if fieldID != "" {
		p.Set("customfields", base64.StdEncoding.EncodeToString([]byte(serializeStrings(map[string]string{fieldID: svc.UniqueIdentifier}))))
	}
	return s.c.call(ctx, op, "UpdateClientProduct", p, nil)
}

// status sets the status parameter; an active service loses its
// suspension reason.
func (s *Store) status(p url.Values, st acsync.ServiceStatus) {
	p.Set("status", string(st))
	if st == acsync.ServiceStatusActive {
		p.Add("unset[]", "suspendreason")
	}
}

// verify reads a service back and checks it is listed on this server with
// the key: a product or server WHMCS did not take would leave it unseen.
func (s *Store) verify(ctx context.Context, op, id, key string) error {
	r, err := s.row(ctx, op, id)
	if err != nil {
		return fmt.Errorf("whmcs: %s %s: service %s was written, but reading it back failed: %w", op, key, id, err)
	}
	if server, _ := r.ServerID.id(); server != s.cfg.ServerID {
		return s.c.http.Error(op, nil, "", fmt.Sprintf("%s: service %s was written, but WHMCS lists it on server %q, not %s", key, id, string(r.ServerID), s.cfg.ServerID), nil)
	}
	if got := s.rowKey(r); got != key {
		return s.c.http.Error(op, nil, "", fmt.Sprintf("%s: service %s was written, but WHMCS lists it with key %q", key, id, got), nil)
	}
	return nil
}

// row reads one service, and fails with provider.ErrNotFound when WHMCS
// does not list it.
func (s *Store) row(ctx context.Context, op, id string) (serviceRow, error) {
	rows, err := s.listServices(ctx, op, url.Values{"serviceid": {id}})
	if err != nil {
		return serviceRow{}, err
	}
	for _, r := range rows {
		if got, _ := r.ID.id(); got == id {
			return r, nil
		}
	}
	return serviceRow{}, s.c.http.Error(op, nil, "", "service "+id+" is not listed by GetClientsProducts (deleted, or its product was)", provider.ErrNotFound)
}

// own reads a service and checks that it belongs to this store's server.
func (s *Store) own(ctx context.Context, op, id string) (serviceRow, error) {
	if _, ok := text(id).id(); !ok {
		return serviceRow{}, s.c.http.Error(op, nil, "", fmt.Sprintf("service ID %q", id), provider.ErrNotFound)
	}
	r, err := s.row(ctx, op, id)
	if err != nil {
		return r, err
	}
	if server, _ := r.ServerID.id(); server != s.cfg.ServerID {
		return r, s.c.http.Error(op, nil, "", fmt.Sprintf("service %s is on server %q, not this store's server %s", id, string(r.ServerID), s.cfg.ServerID), provider.ErrNotFound)
	}
	return r, nil
}

// fieldID returns the ID of the key's custom field of a product: learned
// from a listing, or read with GetProducts (which shows a field only when
// it is shown on the order form).
func (s *Store) fieldID(ctx context.Context, op, pid string) (string, error) {
	s.mu.Lock()
	id := s.fieldIDs[pid]
	s.mu.Unlock()
	if id != "" {
		return id, nil
	}
	var a productsAnswer
	if err := s.c.call(ctx, op, "GetProducts", url.Values{"pid": {pid}}, &a); err != nil {
		return "", err
	}
	if a.Products != nil {
		for _, p := range a.Products.items {
			for _, f := range p.CustomFields.items {
				if fieldMatches(string(f.Name), s.field) {
					if id, ok := f.ID.id(); ok {
						s.mu.Lock()
						s.fieldIDs[pid] = id
						s.mu.Unlock()
						return id, nil
					}
				}
			}
		}
	}
	return "", s.c.http.Error(op, nil, "", fmt.Sprintf("product %s has no custom field %q that the API shows (tick Show on Order Form, or list a service of the product first); the key could not be stored", pid, s.field), provider.ErrNotSupported)
}

// UpdateService writes the changed fields of service s.ID with one
// UpdateClientProduct: status, product (for a package change), domain,
// username (serviceusername) and dedicated IP. WHMCS ignores empty values,
// so a field changed to "" is cleared with unset[]. The service is read
// first, and one of another server is refused with an error wrapping
// provider.ErrNotFound. Idempotent.
func (s *Store) UpdateService(ctx context.Context, svc acsync.Service, changes []acsync.Change) error {
	const op = "update service"
	if err := ctx.Err(); err != nil {
		return &provider.APIError{Type: "whmcs", Op: op, Err: err}
	}
	p := url.Values{"serviceid": {svc.ID}}
	set := func(name, unset, v string) {
		if v = strings.TrimSpace(v); v != "" {
			p.Set(name, v)
		} else {
			p.Add("unset[]", unset)
		}
	}
	for _, c := range changes {
		switch c.Field {
		case acsync.FieldStatus:
			if !svc.Status.Valid() {
				return s.c.http.Error(op, nil, "", fmt.Sprintf("service %s: unknown status %q", svc.ID, svc.Status), nil)
			}
			s.status(p, svc.Status)
		case acsync.FieldPackage, acsync.FieldProductID:
			if _, ok := text(svc.ProductID).id(); !ok {
				return s.c.http.Error(op, nil, "", fmt.Sprintf("service %s: product ID %q", svc.ID, svc.ProductID), nil)
			}
			p.Set("pid", svc.ProductID)
		case acsync.FieldDomain:
			set("domain", "domain", svc.Domain)
		case acsync.FieldUsername:
			set("serviceusername", "serviceusername", svc.Username)
		case acsync.FieldDedicatedIP:
			set("dedicatedip", "dedicatedip", svc.DedicatedIP)
		default:
			return s.c.http.Error(op, nil, "", fmt.Sprintf("service %s: unknown field %q", svc.ID, c.Field), nil)
		}
	}
	if _, err := s.own(ctx, op, svc.ID); err != nil {
		return err
	}
	if len(p) == 1 {
		return nil
	}
	return s.c.call(ctx, op, "UpdateClientProduct", p, nil)
}

// TerminateService sets the service Terminated in billing only, with
// UpdateClientProduct (WHMCS records today as its termination date),
// never ModuleTerminate, which would delete the account on the server. A
// Terminated service is left as it is; one of another server is refused
// with an error wrapping provider.ErrNotFound.
func (s *Store) TerminateService(ctx context.Context, svc acsync.Service) error {
	const op = "terminate service"
	if err := ctx.Err(); err != nil {
		return &provider.APIError{Type: "whmcs", Op: op, Err: err}
	}
	r, err := s.own(ctx, op, svc.ID)
	if err != nil {
		return err
	}
	if acsync.ServiceStatus(strings.TrimSpace(string(r.Status))) == acsync.ServiceStatusTerminated {
		return nil
	}
	return s.c.call(ctx, op, "UpdateClientProduct", url.Values{"serviceid": {svc.ID}, "status": {string(acsync.ServiceStatusTerminated)}}, nil)
}

// canonicalCycles are the billing cycles as services store them, by their
// spellings without case, spaces or dashes.
var canonicalCycles = map[string]string{
	"monthly": "Monthly", "quarterly": "Quarterly", "semiannually": "Semi-Annually", "annually": "Annually",
	"biennially": "Biennially", "triennially": "Triennially", "onetime": "One Time",
	"free": "Free Account", "freeaccount": "Free Account",
}

// orderCycles are AddOrder's names for them.
var orderCycles = map[string]string{
	"Monthly": "monthly", "Quarterly": "quarterly", "Semi-Annually": "semiannually", "Annually": "annually",
	"Biennially": "biennially", "Triennially": "triennially", "One Time": "onetime", "Free Account": "free",
}

// canonicalCycle spells a billing cycle as WHMCS stores it ("Monthly"
// when empty); an unknown cycle is an error, since WHMCS would store it
// as given and stop invoicing the service.
func canonicalCycle(c string) (string, error) {
	k := strings.NewReplacer(" ", "", "-", "", "_", "").Replace(strings.ToLower(strings.TrimSpace(c)))
	if k == "" {
		return "Monthly", nil
	}
	if v, ok := canonicalCycles[k]; ok {
		return v, nil
	}
	return "", fmt.Errorf("unknown billing cycle %q", c)
}

func orderCycle(c string) string { return orderCycles[c] }
