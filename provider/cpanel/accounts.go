package cpanel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/accountsync/accountsync/provider"
)

// ListAccounts returns every account the WHM user can see, in the order
// WHM lists them. It calls WHM API 1 listaccts once, with want= limited to
// the fields it maps, and is a read (retried on 5xx, 429 and transport
// errors).
//
// It returns all accounts or none: a failed call, an answer that is not a
// WHM API 1 success, or a record that cannot be mapped (no user or domain,
// a creation date that is not an epoch, a missing suspended flag) fails
// the whole listing with an error naming the record.
func (c *Client) ListAccounts(ctx context.Context) ([]provider.Account, error) {
	var data listacctsData
	r := request{op: opList, function: "listaccts", params: url.Values{"want": {listWant}}, data: &data}
	env, err := c.call(ctx, r)
	if err != nil {
		return nil, err
	}
	return c.accounts(r, env, &data)
}

// accounts maps the records of a listaccts answer. An answer without data
// is an empty listing: WHM leaves data out when no account matches. Data
// without its acct array ({"data":{}}, "acct":null) is an error, never an
// empty listing: WHM always puts the array in the data it sends, and
// taking a broken answer for an empty server would plan terminations.
func (c *Client) accounts(r request, env *envelope, data *listacctsData) ([]provider.Account, error) {
	if data.seen && !data.Acct.set {
		return nil, c.failRecord(r, env, "the answer's data has no acct list")
	}
	recs := data.Acct.recs
	out := make([]provider.Account, 0, len(recs))
	for i := range recs {
		a, err := c.account(recs[i])
		if err != nil {
			return nil, c.failRecord(r, env, fmt.Sprintf("account %d %s", i+1, err))
		}
		out = append(out, a)
	}
	return out, nil
}

// account maps one listaccts record onto the WHMCS record; its error names
// the record.
func (c *Client) account(rec acctRecord) (provider.Account, error) {
	user, domain := rec.User.known(), rec.Domain.known()
	name := func() string { return fmt.Sprintf("(user %q, domain %q)", user, domain) }
	switch {
	case user == "":
		return provider.Account{}, fmt.Errorf("%s: no user", name())
	case domain == "":
		return provider.Account{}, fmt.Errorf("%s: no domain", name())
	}
	a := provider.Account{
		Username:         user,
		Domain:           domain,
		UniqueIdentifier: domain,
		Product:          rec.Plan.known(),
		PrimaryIP:        rec.IP.known(),
		Status:           provider.StatusActive,
		Extra:            map[string]string{},
	}
	// The contact e-mail may be "*unknown*", empty, or two addresses.
	email, _, _ := strings.Cut(rec.Email.known(), ",")
	a.Email = strings.TrimSpace(email)

	switch d := rec.UnixStartdate; {
	case !d.set:
		return provider.Account{}, fmt.Errorf("%s: no field \"unix_startdate\"", name())
	case d.unknown || (d.ok && d.value == 0):
		// WHM does not know when the account was made; Created stays zero.
		c.log.Debug("cpanel: account has no creation date", "user", user)
	case !d.ok || d.value < 0:
		return provider.Account{}, fmt.Errorf("%s: field \"unix_startdate\": %q is not a Unix time", name(), d.raw)
	default:
		a.Created = time.Unix(d.value, 0).In(c.location)
	}

	switch s := rec.Suspended; {
	case !s.set:
		return provider.Account{}, fmt.Errorf("%s: no field \"suspended\"", name())
	case !s.ok:
		return provider.Account{}, fmt.Errorf("%s: field \"suspended\": %q is not 0 or 1", name(), s.raw)
	case s.value != 0:
		a.Status = provider.StatusSuspended
		switch reason := rec.SuspendReason.known(); reason {
		case "", "not suspended":
		default:
			a.Extra["suspend_reason"] = reason
		}
	}
	if rec.IsLocked.ok && rec.IsLocked.value != 0 {
		a.Extra["locked"] = "1"
	}
	if owner := rec.Owner.known(); owner != "" {
		a.Extra["owner"] = owner
		if owner == user {
			a.Extra["reseller"] = "1"
		}
	}
	return a, nil
}

// find looks one account up with listaccts, searching field ("user" or
// "domain") for value exactly. found is false when WHM lists none.
func (c *Client) find(ctx context.Context, op, field, value string) (a provider.Account, found bool, err error) {
	var data listacctsData
	r := request{op: op, function: "listaccts", params: url.Values{
		"searchtype": {field}, "searchmethod": {"exact"}, "search": {value}, "want": {listWant},
	}, data: &data}
	env, err := c.call(ctx, r)
	if err != nil {
		return provider.Account{}, false, err
	}
	accts, err := c.accounts(r, env, &data)
	if err != nil {
		return provider.Account{}, false, err
	}
	for _, a := range accts {
		got := a.Domain
		if field == "user" {
			got = a.Username
		}
		if strings.EqualFold(got, value) {
			return a, true, nil
		}
	}
	return provider.Account{}, false, nil
}

// username returns the account's cPanel username: a.Username, or, when it
// is empty, the user listaccts shows for a.Domain. An unknown domain is an
// error wrapping provider.ErrNotFound.
func (c *Client) username(ctx context.Context, op string, a provider.Account) (string, error) {
	if u := strings.ToLower(strings.TrimSpace(a.Username)); u != "" {
		return u, nil
	}
	domain := strings.ToLower(strings.TrimSuffix(strings.TrimSpace(a.Domain), "."))
	if domain == "" {
		return "", fmt.Errorf("cpanel: %s: the account has neither a username nor a domain", op)
	}
	found, ok, err := c.find(ctx, op, "domain", domain)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", &provider.APIError{Type: "cpanel", Op: op, Message: fmt.Sprintf("no account has the domain %q", domain), Err: provider.ErrNotFound}
	}
	return found.Username, nil
}

// CreateAccount creates a cPanel account with WHM API 1 createacct (sent
// as a POST, so the password stays out of URLs), then reads it back with
// listaccts to return it as ListAccounts shows it. It is not idempotent:
// an account whose username or domain is taken gives an error wrapping
// provider.ErrExists, and so does a username whose first eight characters
// match another's, which WHM refuses.
//
// Username and Domain are required (WHM lower-cases both); Product is the
// package ("plan"), Email the contact e-mail. Every entry of n.Extra is
// sent as a further createacct parameter, such as "customip",
// "featurelist", "quota", "reseller" or "owner", except that it cannot
// override the ones above.
func (c *Client) CreateAccount(ctx context.Context, n provider.NewAccount) (provider.Account, error) {
	user := strings.ToLower(strings.TrimSpace(n.Username))
	domain := strings.ToLower(strings.TrimSuffix(strings.TrimSpace(n.Domain), "."))
	switch {
	case user == "":
		return provider.Account{}, fmt.Errorf("cpanel: %s: NewAccount.Username is empty", opCreate)
	case domain == "":
		return provider.Account{}, fmt.Errorf("cpanel: %s: NewAccount.Domain is empty", opCreate)
	}
	params := url.Values{}
	for k, v := range n.Extra {
		params.Set(k, v)
	}
	params.Del("api.version")
	params.Set("username", user)
	params.Set("domain", domain)
	for k, v := range map[string]string{"plan": n.Product, "password": n.Password, "contactemail": strings.TrimSpace(n.Email)} {
		if v != "" {
			params.Set(k, v)
		} else {
			params.Del(k)
		}
	}
	var data createacctData
	_, err := c.call(ctx, request{op: opCreate, function: "createacct", params: params, write: true, secrets: []string{n.Password}, data: &data})
	if err != nil {
		return provider.Account{}, err
	}
	if a, ok, err := c.find(ctx, opCreate, "user", user); err == nil && ok {
		return a, nil
	} else if err != nil {
		c.log.Warn("cpanel: the account was created but reading it back failed", "user", user, "error", err)
	}
	// The account exists; describe it from the request and WHM's answer.
	a := provider.Account{
		Email: strings.TrimSpace(n.Email), Username: user, Domain: domain, UniqueIdentifier: domain,
		Product: data.Package.known(), PrimaryIP: data.IP.known(), Status: provider.StatusActive,
		Created: time.Now().In(c.location).Truncate(time.Second), Extra: map[string]string{},
	}
	if a.Product == "" {
		a.Product = n.Product
	}
	return a, nil
}

// TerminateAccount removes the account and its data with WHM API 1
// removeacct (keepdns=0). It is idempotent: an account that does not exist
// any more returns nil. Without a.Username it first finds the user by
// a.Domain with listaccts.
//
// When removeacct fails, listaccts decides whether the account is gone,
// not WHM's words: an account it no longer lists counts as removed
// (someone else removed it, or removeacct failed after removing it), and
// one it still lists keeps the error even if the words said "does not
// exist". Only when that look fails do the words decide.
func (c *Client) TerminateAccount(ctx context.Context, a provider.Account) error {
	user, err := c.username(ctx, opTerminate, a)
	if errors.Is(err, provider.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	_, err = c.call(ctx, request{op: opTerminate, function: "removeacct", params: url.Values{"username": {user}}, write: true})
	if err == nil {
		return nil
	}
	_, found, known := c.lookAgain(ctx, opTerminate, user, err)
	switch {
	case known && !found:
		return nil
	case known:
		return stillListed(err, user)
	case errors.Is(err, provider.ErrNotFound):
		return nil
	}
	return err
}

// SuspendAccount suspends the account with WHM API 1 suspendacct, with
// reason as the suspension reason WHM shows (it drops "=" and newlines).
// It is idempotent: WHM's answer for an account that is already suspended
// counts as success, and the first reason stays; so does a failed
// suspendacct after which listaccts shows the account suspended. A
// missing account gives an error wrapping provider.ErrNotFound.
func (c *Client) SuspendAccount(ctx context.Context, a provider.Account, reason string) error {
	user, err := c.username(ctx, opSuspend, a)
	if err != nil {
		return err
	}
	params := url.Values{"user": {user}}
	if reason = strings.TrimSpace(reason); reason != "" {
		params.Set("reason", reason)
	}
	_, err = c.call(ctx, request{op: opSuspend, function: "suspendacct", params: params, write: true, accept: alreadySuspended})
	return c.settleStatus(ctx, opSuspend, user, err, provider.StatusSuspended)
}

// UnsuspendAccount unsuspends the account with WHM API 1 unsuspendacct. It
// is idempotent: WHM's answer for an account that is not suspended counts
// as success, and so does a failed unsuspendacct after which listaccts
// shows the account active. A missing account gives an error wrapping
// provider.ErrNotFound; an account locked by root cannot be unsuspended by
// a reseller (an error wrapping provider.ErrUnauthorized).
func (c *Client) UnsuspendAccount(ctx context.Context, a provider.Account) error {
	user, err := c.username(ctx, opUnsuspend, a)
	if err != nil {
		return err
	}
	_, err = c.call(ctx, request{op: opUnsuspend, function: "unsuspendacct", params: url.Values{"user": {user}}, write: true, accept: notSuspended})
	return c.settleStatus(ctx, opUnsuspend, user, err, provider.StatusActive)
}

// settleStatus decides the outcome of a suspend or unsuspend that failed
// with err by reading the account again: nil when it is in the wanted
// state, an error matching provider.ErrNotFound when listaccts does not
// show it, and err otherwise (or when the look fails).
func (c *Client) settleStatus(ctx context.Context, op, user string, err error, want provider.Status) error {
	if err == nil {
		return nil
	}
	a, found, known := c.lookAgain(ctx, op, user, err)
	switch {
	case !known:
		return err
	case !found:
		if errors.Is(err, provider.ErrNotFound) {
			return err
		}
		return &provider.APIError{Type: "cpanel", Op: op, Message: fmt.Sprintf("%v; listaccts shows no account %q", errMessage(err), user), Err: provider.ErrNotFound}
	case a.Status == want:
		return nil
	}
	return stillListed(err, user)
}

// lookAgain reads the account user with listaccts after a write about it
// failed with err, so that the outcome is decided by the server's state
// rather than by WHM's words. known is false when nothing was read: after
// a refused login or permission (never followed by more calls, so that
// cPHulk has nothing more to count), an ended context, or a failed read.
func (c *Client) lookAgain(ctx context.Context, op, user string, err error) (a provider.Account, found, known bool) {
	if ctx.Err() != nil || errors.Is(err, provider.ErrUnauthorized) {
		return provider.Account{}, false, false
	}
	a, found, ferr := c.find(ctx, op, "user", user)
	if ferr != nil {
		c.log.Debug("cpanel: could not read the account again after a failed write", "user", user, "error", ferr)
		return provider.Account{}, false, false
	}
	return a, found, true
}

// stillListed returns err for an account listaccts still shows: an error
// whose words said "does not exist" no longer matches
// provider.ErrNotFound.
func stillListed(err error, user string) error {
	var ae *provider.APIError
	if !errors.Is(err, provider.ErrNotFound) || !errors.As(err, &ae) {
		return err
	}
	out := *ae
	out.Err = nil
	out.Message = fmt.Sprintf("%s; yet listaccts still shows account %q", ae.Message, user)
	return &out
}

// errMessage is an error's text without its "cpanel: op: " prefix.
func errMessage(err error) string {
	var ae *provider.APIError
	if errors.As(err, &ae) {
		detail := *ae
		detail.Type, detail.Op = "", ""
		return detail.Error()
	}
	return err.Error()
}

// ListPackages returns the packages the WHM user can create accounts
// with, from WHM API 1 listpkgs (want=creatable); it is a read. Each
// package's Extra holds its settings as WHM names them ("QUOTA",
// "BWLIMIT", "MAXADDON", "FEATURELIST", ...), numbers written in decimal
// and "unlimited" as is.
func (c *Client) ListPackages(ctx context.Context) ([]provider.Package, error) {
	var data listpkgsData
	r := request{op: opListPackage, function: "listpkgs", params: url.Values{"want": {"creatable"}}, data: &data}
	env, err := c.call(ctx, r)
	if err != nil {
		return nil, err
	}
	out := make([]provider.Package, 0, len(data.Pkg))
	for i, rec := range data.Pkg {
		p := provider.Package{Extra: map[string]string{}}
		for k, v := range rec {
			var t flexText
			if err := json.Unmarshal(v, &t); err != nil {
				return nil, c.failRecord(r, env, fmt.Sprintf("package %d: field %q: %v", i+1, k, err))
			}
			if k == "name" {
				p.Name = strings.TrimSpace(string(t))
				continue
			}
			if string(v) != "null" {
				p.Extra[k] = string(t)
			}
		}
		if p.Name == "" {
			return nil, c.failRecord(r, env, fmt.Sprintf("package %d has no name", i+1))
		}
		out = append(out, p)
	}
	return out, nil
}

// SetPassword changes the account's password with WHM API 1 passwd, sent
// as a POST. WHM's default applies to the account's MySQL password too
// (db_pass_update). The password never appears in errors or logs. A
// missing account gives an error wrapping provider.ErrNotFound.
func (c *Client) SetPassword(ctx context.Context, a provider.Account, password string) error {
	if password == "" {
		return fmt.Errorf("cpanel: %s: the password is empty", opSetPassword)
	}
	user, err := c.username(ctx, opSetPassword, a)
	if err != nil {
		return err
	}
	_, err = c.call(ctx, request{op: opSetPassword, function: "passwd", params: url.Values{"user": {user}, "password": {password}}, write: true, secrets: []string{password}})
	return err
}
