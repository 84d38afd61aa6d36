package plesk

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/accountsync/accountsync/internal/httpx"
	"github.com/accountsync/accountsync/provider"
)

// Keys of provider.Account.Extra on listed accounts.
const (
	ExtraID         = "id"          // the subscription (webspace) id
	ExtraGUID       = "guid"        // the subscription GUID
	ExtraStatus     = "status"      // the raw status bitmask, "0" when active
	ExtraOwnerID    = "owner_id"    // the owner's client id
	ExtraOwnerLogin = "owner_login" // the owner's panel login
	ExtraOwnerType  = "owner_type"  // "customer", "reseller" or "admin"
	ExtraASCIIName  = "ascii_name"  // the domain in punycode
	ExtraHType      = "htype"       // vrt_hst, std_fwd, frm_fwd or none
	ExtraPlanGUID   = "plan_guid"   // the service plan's GUID; absent for a custom subscription
)

// Keys of provider.NewAccount.Extra that CreateAccount reads, besides
// ExtraOwnerLogin ("owner_login"), which names an existing customer or
// reseller to own the subscription instead of finding one by e-mail.
const (
	// ExtraIPAddress is the address to host the subscription on; it
	// overrides Config.IP.
	ExtraIPAddress = "ip_address"
	// ExtraName is the personal name of a customer CreateAccount creates
	// (default: the username).
	ExtraName = "name"
)

// Owner kinds in Extra[ExtraOwnerType].
const (
	OwnerCustomer = "customer"
	OwnerReseller = "reseller"
	// OwnerAdmin is a subscription whose owner is neither a customer nor a
	// reseller: the administrator's own. Its e-mail is left empty.
	OwnerAdmin = "admin"
)

// Status values written by SuspendAccount and UnsuspendAccount.
const (
	statusActive          = "0"
	statusDisabledByAdmin = "16"
)

// owner is a customer or reseller as the listing needs it.
type owner struct {
	id, login, email, kind string
}

// directory joins subscriptions to their owners and plans.
type directory struct {
	owners map[string]owner  // by client id
	plans  map[string]string // plan GUID -> name
}

// ListAccounts returns every subscription (webspace) the login can see.
//
// It calls, in parallel, XML-API webspace get (gen_info, hosting and
// subscriptions datasets, empty filter), customer get (gen_info, empty
// filter) and service-plan get (owner-all); then reseller get (gen-info,
// all) only when some subscription's owner is not a customer. All are
// reads, retried on transient failures. Any failed call or error result
// fails the whole listing.
func (c *Client) ListAccounts(ctx context.Context) ([]provider.Account, error) {
	const op = "list accounts"
	var (
		webspaces []webspaceResult
		wsResp    *httpx.Response
		customers []owner
		plans     []plan
	)
	err := parallel(ctx,
		func(ctx context.Context) (err error) {
			webspaces, wsResp, err = c.getWebspaces(ctx, op, webspaceFilter{})
			return err
		},
		func(ctx context.Context) (err error) {
			customers, err = c.getCustomers(ctx, op, nil)
			return err
		},
		func(ctx context.Context) (err error) {
			plans, err = c.getPlans(ctx, op, true)
			return err
		},
	)
	if err != nil {
		return nil, err
	}
	dir := &directory{owners: make(map[string]owner, len(customers)), plans: make(map[string]string, len(plans))}
	for _, o := range customers {
		dir.owners[o.id] = o
	}
	for _, p := range plans {
		dir.plans[p.guid] = p.name
	}
	for i := range webspaces {
		if gi := webspaces[i].genInfo(); gi != nil && strings.TrimSpace(gi.OwnerID) != "" {
			if _, ok := dir.owners[strings.TrimSpace(gi.OwnerID)]; !ok {
				resellers, err := c.getResellers(ctx, op, nil)
				if err != nil {
					return nil, err
				}
				for _, o := range resellers {
					if _, dup := dir.owners[o.id]; !dup {
						dir.owners[o.id] = o
					}
				}
				break
			}
		}
	}
	accounts := make([]provider.Account, 0, len(webspaces))
	for i := range webspaces {
		a, err := c.account(op, wsResp, &webspaces[i], dir)
		if err != nil {
			return nil, err
		}
		accounts = append(accounts, a)
	}
	return accounts, nil
}

func (r *webspaceResult) genInfo() *webspaceGenInfo {
	if r.Data == nil {
		return nil
	}
	return r.Data.GenInfo
}

// account maps one webspace get result to an Account.
func (c *Client) account(op string, resp *httpx.Response, r *webspaceResult, dir *directory) (provider.Account, error) {
	id := strings.TrimSpace(r.ID)
	gi := r.genInfo()
	if gi == nil {
		return provider.Account{}, c.malformed(op, resp, "webspace id %s has no gen_info", id)
	}
	name := strings.TrimSpace(gi.Name)
	if name == "" {
		return provider.Account{}, c.malformed(op, resp, "webspace id %s has an empty name", id)
	}
	what := fmt.Sprintf("webspace %s (id %s)", name, id)
	created, err := time.ParseInLocation(time.DateOnly, strings.TrimSpace(gi.CrDate), c.loc)
	if err != nil {
		return provider.Account{}, c.malformed(op, resp, "%s: cr_date %q is not a date (want YYYY-MM-DD)", what, gi.CrDate)
	}
	rawStatus := strings.TrimSpace(gi.Status)
	bits, err := strconv.ParseUint(rawStatus, 10, 32)
	if err != nil {
		return provider.Account{}, c.malformed(op, resp, "%s: status %q is not a number", what, gi.Status)
	}
	status := provider.StatusActive
	if bits != 0 {
		status = provider.StatusSuspended
	}

	var ftpLogin string
	var hostIPs []string
	if d := r.Data; d.Hosting != nil && d.Hosting.VrtHst != nil {
		for _, p := range d.Hosting.VrtHst.Property {
			if strings.TrimSpace(p.Name) == "ftp_login" {
				ftpLogin = strings.TrimSpace(p.Value)
			}
		}
		hostIPs = d.Hosting.VrtHst.IPAddress
	}

	ownerID := strings.TrimSpace(gi.OwnerID)
	own, ok := dir.owners[ownerID]
	if !ok || ownerID == "" {
		own = owner{id: ownerID, login: strings.TrimSpace(gi.OwnerLogin), kind: OwnerAdmin}
	}
	username := ftpLogin
	if username == "" {
		username = own.login
	}
	if username == "" {
		username = strings.TrimSpace(gi.OwnerLogin)
	}

	var product, planGUID string
	var guids []string
	if s := r.Data.Subscriptions; s != nil {
		for _, sub := range s.Subscription {
			guids = append(guids, sub.Plans...)
		}
	}
	for _, g := range guids {
		if n, ok := dir.plans[strings.TrimSpace(g)]; ok {
			product, planGUID = n, strings.TrimSpace(g)
			break
		}
	}
	if planGUID == "" && len(guids) > 0 {
		return provider.Account{}, c.malformed(op, resp, "%s: none of its plan GUIDs (%s) is a service plan the login can see", what, strings.Join(guids, ", "))
	}

	var ip string
	for _, list := range [][]string{gi.DNSIP, hostIPs} {
		for _, s := range list {
			if s = strings.TrimSpace(s); s != "" {
				ip = s
				break
			}
		}
		if ip != "" {
			break
		}
	}

	extra := map[string]string{
		ExtraID:         id,
		ExtraStatus:     rawStatus,
		ExtraOwnerType:  own.kind,
		ExtraASCIIName:  strings.TrimSpace(gi.ASCIIName),
		ExtraHType:      strings.TrimSpace(gi.HType),
		ExtraGUID:       strings.TrimSpace(gi.GUID),
		ExtraOwnerID:    ownerID,
		ExtraOwnerLogin: own.login,
		ExtraPlanGUID:   planGUID,
	}
	for k, v := range extra {
		if v == "" {
			delete(extra, k)
		}
	}
	return provider.Account{
		Email:            own.email,
		Username:         username,
		Domain:           name,
		UniqueIdentifier: name,
		Product:          product,
		PrimaryIP:        ip,
		Created:          created,
		Status:           status,
		Extra:            extra,
	}, nil
}

// getWebspaces calls webspace get with the gen_info, hosting and
// subscriptions datasets and checks every result.
func (c *Client) getWebspaces(ctx context.Context, op string, f webspaceFilter) ([]webspaceResult, *httpx.Response, error) {
	req := &requestPacket{Webspace: &webspaceRequest{Get: &webspaceGet{
		Filter:  f,
		Dataset: webspaceDataset{GenInfo: &empty{}, Hosting: &empty{}, Subscriptions: &empty{}},
	}}}
	pkt, resp, err := c.call(ctx, op, true, req, "")
	if err != nil {
		return nil, nil, err
	}
	if pkt.Webspace == nil || pkt.Webspace.Get == nil {
		return nil, nil, c.missing(op, resp, "webspace/get")
	}
	if len(pkt.Webspace.Get.Results) == 0 {
		return nil, nil, c.missing(op, resp, "webspace/get/result")
	}
	out := pkt.Webspace.Get.Results[:0]
	for _, r := range pkt.Webspace.Get.Results {
		if err := c.check(op, resp, describe("webspace", r.FilterID, r.ID), r.resultStatus); err != nil {
			return nil, nil, err
		}
		if strings.TrimSpace(r.ID) == "" && r.Data == nil {
			continue // the lone ok result of an empty selection
		}
		out = append(out, r)
	}
	return out, resp, nil
}

func describe(kind, filterID, id string) string {
	switch {
	case strings.TrimSpace(filterID) != "":
		return kind + " " + strings.TrimSpace(filterID)
	case strings.TrimSpace(id) != "":
		return kind + " id " + strings.TrimSpace(id)
	}
	return kind
}

// getCustomers calls customer get (gen_info) for the given logins, or for
// all customers when logins is empty.
func (c *Client) getCustomers(ctx context.Context, op string, logins []string) ([]owner, error) {
	req := &requestPacket{Customer: &customerRequest{Get: &customerGet{Filter: customerFilter{Login: logins}}}}
	pkt, resp, err := c.call(ctx, op, true, req, "")
	if err != nil {
		return nil, err
	}
	if pkt.Customer == nil || pkt.Customer.Get == nil {
		return nil, c.missing(op, resp, "customer/get")
	}
	if len(pkt.Customer.Get.Results) == 0 {
		return nil, c.missing(op, resp, "customer/get/result")
	}
	out := make([]owner, 0, len(pkt.Customer.Get.Results))
	for _, r := range pkt.Customer.Get.Results {
		if err := c.check(op, resp, describe("customer", "", r.ID), r.resultStatus); err != nil {
			return nil, err
		}
		id := strings.TrimSpace(r.ID)
		if id == "" && r.Data == nil {
			continue
		}
		if id == "" || r.Data == nil || r.Data.GenInfo == nil {
			return nil, c.malformed(op, resp, "customer id %q has no id or no gen_info", id)
		}
		out = append(out, owner{id: id, login: strings.TrimSpace(r.Data.GenInfo.Login),
			email: strings.TrimSpace(r.Data.GenInfo.Email), kind: OwnerCustomer})
	}
	return out, nil
}

// getResellers calls reseller get (gen-info) for the given logins, or for
// all resellers when logins is empty.
func (c *Client) getResellers(ctx context.Context, op string, logins []string) ([]owner, error) {
	f := resellerFilter{Login: logins}
	if len(logins) == 0 {
		f.All = &empty{}
	}
	pkt, resp, err := c.call(ctx, op, true, &requestPacket{Reseller: &resellerRequest{Get: &resellerGet{Filter: f}}}, "")
	if err != nil {
		return nil, err
	}
	if pkt.Reseller == nil || pkt.Reseller.Get == nil {
		return nil, c.missing(op, resp, "reseller/get")
	}
	if len(pkt.Reseller.Get.Results) == 0 {
		return nil, c.missing(op, resp, "reseller/get/result")
	}
	out := make([]owner, 0, len(pkt.Reseller.Get.Results))
	for _, r := range pkt.Reseller.Get.Results {
		if err := c.check(op, resp, describe("reseller", "", r.ID), r.resultStatus); err != nil {
			return nil, err
		}
		id := strings.TrimSpace(r.ID)
		if id == "" && r.Data == nil {
			continue
		}
		if id == "" || r.Data == nil || r.Data.GenInfo == nil {
			return nil, c.malformed(op, resp, "reseller id %q has no id or no gen-info", id)
		}
		out = append(out, owner{id: id, login: strings.TrimSpace(r.Data.GenInfo.Login),
			email: strings.TrimSpace(r.Data.GenInfo.Email), kind: OwnerReseller})
	}
	return out, nil
}

type plan struct{ id, guid, name, ownerID string }

// getPlans calls service-plan get with an empty filter: the login's own
// plans, or with ownerAll every owner's.
func (c *Client) getPlans(ctx context.Context, op string, ownerAll bool) ([]plan, error) {
	get := &servicePlanGet{}
	if ownerAll {
		get.OwnerAll = &empty{}
	}
	pkt, resp, err := c.call(ctx, op, true, &requestPacket{ServicePlan: &servicePlanRequest{Get: get}}, "")
	if err != nil {
		return nil, err
	}
	if pkt.ServicePlan == nil || pkt.ServicePlan.Get == nil {
		return nil, c.missing(op, resp, "service-plan/get")
	}
	if len(pkt.ServicePlan.Get.Results) == 0 {
		return nil, c.missing(op, resp, "service-plan/get/result")
	}
	out := make([]plan, 0, len(pkt.ServicePlan.Get.Results))
	for _, r := range pkt.ServicePlan.Get.Results {
		if err := c.check(op, resp, describe("service plan", "", r.ID), r.resultStatus); err != nil {
			return nil, err
		}
		p := plan{id: strings.TrimSpace(r.ID), guid: strings.TrimSpace(r.GUID), name: strings.TrimSpace(r.Name), ownerID: strings.TrimSpace(r.OwnerID)}
		if p.id == "" && p.guid == "" && p.name == "" {
			continue
		}
		if p.guid == "" || p.name == "" {
			return nil, c.malformed(op, resp, "service plan id %q has no guid or no name", p.id)
		}
		out = append(out, p)
	}
	return out, nil
}

// ListPackages returns the service plans the login owns, calling XML-API
// service-plan get with an empty filter (a read). Extra holds "id" and
// "guid".
func (c *Client) ListPackages(ctx context.Context) ([]provider.Package, error) {
	plans, err := c.getPlans(ctx, "list packages", false)
	if err != nil {
		return nil, err
	}
	out := make([]provider.Package, 0, len(plans))
	for _, p := range plans {
		out = append(out, provider.Package{Name: p.name, Extra: map[string]string{"id": p.id, "guid": p.guid}})
	}
	return out, nil
}

// CreateAccount creates a subscription (webspace) on the service plan
// named by n.Product, hosted on Config.IP (or
// n.Extra["ip_address"]), with n.Username and n.Password as its system
// (FTP) user, and returns it as ListAccounts shows it.
//
// The owner is the customer with e-mail n.Email, found with XML-API
// customer get (all customers, one call) or, when there is none, created
// with customer add (login n.Username, password n.Password, name
// n.Extra["name"] or the username). n.Extra["owner_login"] names an
// existing customer or reseller instead. With neither an e-mail nor an
// owner login the login itself owns the subscription. Then it calls
// webspace add (not idempotent: it is not retried once sent) and reads the
// subscription back with webspace get.
//
// A domain that already exists gives an error wrapping
// [provider.ErrExists]. Several customers with n.Email and none with login
// n.Username is an error asking for n.Extra["owner_login"].
func (c *Client) CreateAccount(ctx context.Context, n provider.NewAccount) (provider.Account, error) {
	const op = "create account"
	domain := strings.TrimSpace(n.Domain)
	switch {
	case domain == "":
		return provider.Account{}, fmt.Errorf("plesk: %s: NewAccount.Domain is empty", op)
	case strings.TrimSpace(n.Username) == "":
		return provider.Account{}, fmt.Errorf("plesk: %s %s: NewAccount.Username is empty (it names the system user)", op, domain)
	case n.Password == "":
		return provider.Account{}, fmt.Errorf("plesk: %s %s: NewAccount.Password is empty", op, domain)
	}
	ip := strings.TrimSpace(n.Extra[ExtraIPAddress])
	if ip == "" {
		ip = c.ip
	}
	if ip == "" {
		return provider.Account{}, fmt.Errorf("plesk: %s %s: no IP address to host it on: set Config.IP or NewAccount.Extra[%q]", op, domain, ExtraIPAddress)
	}
	if net.ParseIP(ip) == nil {
		return provider.Account{}, fmt.Errorf("plesk: %s %s: %q is not an IP address", op, domain, ip)
	}

	own, err := c.ownerFor(ctx, op, n)
	if err != nil {
		return provider.Account{}, err
	}
	add := &webspaceAdd{
		GenSetup: genSetup{Name: domain, OwnerID: own.id, HType: "vrt_hst", IPAddress: ip, Status: statusActive},
		Hosting: &hostingSet{VrtHst: vrtHstSet{
			Property: []property{
				{Name: "ftp_login", Value: strings.TrimSpace(n.Username)},
				{Name: "ftp_password", Value: n.Password},
			},
			IPAddress: ip,
		}},
		PlanName: strings.TrimSpace(n.Product),
	}
	pkt, resp, err := c.call(ctx, op, false, &requestPacket{Webspace: &webspaceRequest{Add: add}}, n.Password)
	if err != nil {
		return provider.Account{}, err
	}
	if pkt.Webspace == nil || pkt.Webspace.Add == nil || len(pkt.Webspace.Add.Results) == 0 {
		return provider.Account{}, c.missing(op, resp, "webspace/add/result")
	}
	r := pkt.Webspace.Add.Results[0]
	if err := c.check(op, resp, "webspace "+domain, r.resultStatus); err != nil {
		return provider.Account{}, c.http.Scrub(err, n.Password)
	}
	id := strings.TrimSpace(r.ID)
	if id == "" {
		return provider.Account{}, c.malformed(op, resp, "webspace add for %s returned no id", domain)
	}

	got, wsResp, err := c.getWebspaces(ctx, op, webspaceFilter{ID: []string{id}})
	if err != nil {
		return provider.Account{}, fmt.Errorf("plesk: %s: webspace %s was created (id %s), but reading it back failed: %w", op, domain, id, err)
	}
	if len(got) != 1 {
		return provider.Account{}, c.malformed(op, wsResp, "webspace get for the new id %s returned %d results", id, len(got))
	}
	dir := &directory{owners: map[string]owner{}, plans: map[string]string{}}
	if own.id != "" {
		dir.owners[own.id] = own
	}
	if s := got[0].Data; s != nil && s.Subscriptions != nil && add.PlanName != "" {
		for _, sub := range s.Subscriptions.Subscription {
			if len(sub.Plans) > 0 {
				dir.plans[strings.TrimSpace(sub.Plans[0])] = add.PlanName
				break
			}
		}
	}
	return c.account(op, wsResp, &got[0], dir)
}

// ownerFor finds, or creates, the owner of a new subscription. The zero
// owner means "the login itself".
func (c *Client) ownerFor(ctx context.Context, op string, n provider.NewAccount) (owner, error) {
	if login := strings.TrimSpace(n.Extra[ExtraOwnerLogin]); login != "" {
		customers, err := c.getCustomers(ctx, op, []string{login})
		if err == nil && len(customers) == 1 {
			return customers[0], nil
		}
		if err != nil && !isResultNotFound(err) {
			return owner{}, err
		}
		resellers, err := c.getResellers(ctx, op, []string{login})
		if err != nil {
			if isResultNotFound(err) {
				return owner{}, fmt.Errorf("plesk: %s: owner %q is neither a customer nor a reseller: %w", op, login, err)
			}
			return owner{}, err
		}
		if len(resellers) != 1 {
			return owner{}, fmt.Errorf("plesk: %s: reseller get for %q returned %d results", op, login, len(resellers))
		}
		return resellers[0], nil
	}
	email := strings.TrimSpace(n.Email)
	if email == "" {
		return owner{}, nil
	}
	customers, err := c.getCustomers(ctx, op, nil)
	if err != nil {
		return owner{}, err
	}
	var matches []owner
	for _, o := range customers {
		if strings.EqualFold(o.email, email) {
			matches = append(matches, o)
		}
	}
	switch len(matches) {
	case 0:
		return c.addCustomer(ctx, op, n, email)
	case 1:
		return matches[0], nil
	}
	for _, o := range matches {
		if strings.EqualFold(o.login, strings.TrimSpace(n.Username)) {
			return o, nil
		}
	}
	return owner{}, fmt.Errorf("plesk: %s: %d customers have the e-mail %q; name the owner in NewAccount.Extra[%q]", op, len(matches), email, ExtraOwnerLogin)
}

// addCustomer calls customer add (not idempotent).
func (c *Client) addCustomer(ctx context.Context, op string, n provider.NewAccount, email string) (owner, error) {
	name := strings.TrimSpace(n.Extra[ExtraName])
	if name == "" {
		name = strings.TrimSpace(n.Username)
	}
	login := strings.TrimSpace(n.Username)
	req := &requestPacket{Customer: &customerRequest{Add: &customerAdd{GenInfo: customerAddInfo{
		PName: name, Login: login, Passwd: n.Password, Status: statusActive, Email: email,
	}}}}
	pkt, resp, err := c.call(ctx, op, false, req, n.Password)
	if err != nil {
		return owner{}, err
	}
	if pkt.Customer == nil || pkt.Customer.Add == nil || len(pkt.Customer.Add.Results) == 0 {
		return owner{}, c.missing(op, resp, "customer/add/result")
	}
	r := pkt.Customer.Add.Results[0]
	if err := c.check(op, resp, "add customer "+login, r.resultStatus); err != nil {
		var e *provider.APIError
		if errors.As(err, &e) && errors.Is(e.Err, provider.ErrExists) {
			// The login is taken by a user with another e-mail: that is not
			// the subscription existing.
			e.Err = nil
			e.Message += " (the login is taken by a user with another e-mail; name the owner in NewAccount.Extra[\"owner_login\"])"
		}
		return owner{}, c.http.Scrub(err, n.Password)
	}
	id := strings.TrimSpace(r.ID)
	if id == "" {
		return owner{}, c.malformed(op, resp, "customer add for %s returned no id", login)
	}
	return owner{id: id, login: login, email: email, kind: OwnerCustomer}, nil
}

// isResultNotFound reports whether err is an XML-API result with code
// 1013 (object does not exist), as opposed to, say, an HTTP 404 from a
// wrong address.
func isResultNotFound(err error) bool {
	var e *provider.APIError
	return errors.As(err, &e) && e.Code == codeNotFound
}

// TerminateAccount removes the subscription named a.Domain (or
// a.UniqueIdentifier) and its sites, calling XML-API webspace del with a
// name filter (not retried once sent). A subscription that does not exist
// (result code 1013) is already gone: TerminateAccount returns nil.
func (c *Client) TerminateAccount(ctx context.Context, a provider.Account) error {
	const op = "terminate account"
	name, err := nameOf(op, a)
	if err != nil {
		return err
	}
	err = c.mutate(ctx, op, &webspaceRequest{Del: &webspaceDel{Filter: webspaceFilter{Name: []string{name}}}}, name, "")
	if isResultNotFound(err) {
		return nil
	}
	return err
}

// SuspendAccount disables the subscription as the administrator (status
// 16), calling XML-API webspace set with a name filter. Setting a status
// is not a toggle, so suspending twice is harmless. Plesk keeps no reason
// for this status; reason is ignored. A missing subscription gives an
// error wrapping [provider.ErrNotFound].
func (c *Client) SuspendAccount(ctx context.Context, a provider.Account, reason string) error {
	return c.setStatus(ctx, "suspend account", a, statusDisabledByAdmin)
}

// UnsuspendAccount makes the subscription active (status 0), calling
// XML-API webspace set with a name filter. It clears every suspension
// bit, including "expired" (256) and a reseller's. A missing subscription
// gives an error wrapping [provider.ErrNotFound].
func (c *Client) UnsuspendAccount(ctx context.Context, a provider.Account) error {
	return c.setStatus(ctx, "unsuspend account", a, statusActive)
}

func (c *Client) setStatus(ctx context.Context, op string, a provider.Account, status string) error {
	name, err := nameOf(op, a)
	if err != nil {
		return err
	}
	return c.mutate(ctx, op, &webspaceRequest{Set: &webspaceSet{
		Filter: webspaceFilter{Name: []string{name}},
		Values: webspaceValues{GenSetup: &statusSetup{Status: status}},
	}}, name, "")
}

// SetPassword sets the password of the subscription's system (FTP) user,
// calling XML-API webspace set with the hosting property ftp_password (not
// retried once sent; setting the same password again is harmless). The
// owner's panel password is not changed. A missing subscription gives an
// error wrapping [provider.ErrNotFound]; a subscription without virtual
// hosting is refused by the panel.
func (c *Client) SetPassword(ctx context.Context, a provider.Account, password string) error {
	const op = "set password"
	name, err := nameOf(op, a)
	if err != nil {
		return err
	}
	if password == "" {
		return fmt.Errorf("plesk: %s %s: the password is empty", op, name)
	}
	return c.mutate(ctx, op, &webspaceRequest{Set: &webspaceSet{
		Filter: webspaceFilter{Name: []string{name}},
		Values: webspaceValues{Hosting: &hostingSet{VrtHst: vrtHstSet{
			Property: []property{{Name: "ftp_password", Value: password}},
		}}},
	}}, name, password)
}

func nameOf(op string, a provider.Account) (string, error) {
	name := strings.TrimSpace(a.Domain)
	if name == "" {
		name = strings.TrimSpace(a.UniqueIdentifier)
	}
	if name == "" {
		return "", fmt.Errorf("plesk: %s: the account has no domain", op)
	}
	return name, nil
}

// mutate sends a webspace del or set and checks its results.
func (c *Client) mutate(ctx context.Context, op string, req *webspaceRequest, name, secret string) error {
	pkt, resp, err := c.call(ctx, op, false, &requestPacket{Webspace: req}, secret)
	if err != nil {
		return err
	}
	var rs *results
	if pkt.Webspace != nil {
		if req.Del != nil {
			rs = pkt.Webspace.Del
		} else {
			rs = pkt.Webspace.Set
		}
	}
	if rs == nil || len(rs.Results) == 0 {
		return c.missing(op, resp, "webspace result")
	}
	for _, r := range rs.Results {
		if err := c.check(op, resp, "webspace "+name, r.resultStatus); err != nil {
			return c.http.Scrub(err, secret)
		}
	}
	return nil
}

// parallel runs fns at once and returns the first error; the first
// failure cancels the others.
func parallel(ctx context.Context, fns ...func(context.Context) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make(chan error, len(fns))
	for _, fn := range fns {
		go func() { errs <- fn(ctx) }()
	}
	var first error
	for range fns {
		if err := <-errs; err != nil && first == nil {
			first = err
			cancel()
		}
	}
	return first
}
