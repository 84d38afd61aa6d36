package directadmin

import (
	"context"
	"errors"
	"log/slog"
	"net/url"
	"strconv"
	"strings"

	"golang.org/x/net/idna"

	"golang.org/x/sync/errgroup"

	"github.com/accountsync/accountsync/provider"
)

// ListAccounts lists the users the Scope selects and reads each one's
// user.conf, Concurrency calls at a time: CMD_API_SHOW_ALL_USERS (or
// CMD_API_SHOW_USERS and CMD_API_SHOW_RESELLERS), then one
// CMD_API_SHOW_USER_CONFIG per user. Admin accounts are left out. It is
// read-only and retried on transient failures.
//
// The listing is all or nothing: the first failed user-config call, or a
// malformed config, cancels the calls still running and returns an error
// naming the user, with no accounts.
func (c *Client) ListAccounts(ctx context.Context) ([]provider.Account, error) {
	names, err := c.usernames(ctx)
	if err != nil {
		return nil, err
	}
	return c.configs(ctx, names)
}

// usernames returns the users to list, without duplicates.
func (c *Client) usernames(ctx context.Context) ([]string, error) {
	cmds := []string{cmdShowAllUsers}
	if c.scope == ScopeOwned {
		cmds = []string{cmdShowUsers, cmdShowResellers}
	}
	var names []string
	seen := map[string]bool{}
	for _, cmd := range cmds {
		r, err := c.call(ctx, opList, cmd, nil, false)
		if err != nil {
			if cmd == cmdShowResellers && refused(err) {
				// A reseller login may not list resellers; WHMCS skips it too.
				continue
			}
			return nil, err
		}
		if err := c.checkList(opList, cmd, r); err != nil {
			return nil, err
		}
		if cmd == cmdShowAllUsers && len(r.list) == 0 {
			// The list always holds at least the admin: an empty one is a
			// broken answer, not an empty server.
			return nil, c.http.Error(opList, r.resp, "", cmd+": the answer is empty, without even the admin", nil)
		}
		for _, n := range r.list {
			n = strings.TrimSpace(n)
			if n != "" && !seen[n] {
				seen[n] = true
				names = append(names, n)
			}
		}
	}
	return names, nil
}

// checkList fails a listing answer that holds no list: a JSON answer
// that is not an array (DirectAdmin answers json=yes listings with one,
// [] when empty), or a URL-encoded one with fields but no list[] (an
// empty listing is an empty body).
func (c *Client) checkList(op, cmd string, r *reply) error {
	if r.isList || !r.json && len(r.fields) == 0 {
		return nil
	}
	return c.http.Error(op, r.resp, "", cmd+": the answer holds no user list", nil)
}

// configs reads every user's config, Concurrency at a time. The first
// failure cancels the rest and is returned.
func (c *Client) configs(ctx context.Context, names []string) ([]provider.Account, error) {
	accounts := make([]provider.Account, len(names))
	skip := make([]bool, len(names))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(c.concurrency)
	for i, name := range names {
		if gctx.Err() != nil {
			break
		}
		g.Go(func() error {
			a, s, err := c.userAccount(gctx, opList, name)
			if err != nil {
				return err
			}
			accounts[i], skip[i] = a, s
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		// The caller's context ended between two calls.
		return nil, &provider.APIError{Type: "directadmin", Op: opList, Err: err}
	}
	out := accounts[:0]
	for i, a := range accounts {
		if !skip[i] {
			out = append(out, a)
		}
	}
	return out, nil
}

// userConfig reads one user's user.conf (CMD_API_SHOW_USER_CONFIG). A user
// the panel does not know gives an error matching provider.ErrNotFound.
func (c *Client) userConfig(ctx context.Context, op, name string) (*reply, error) {
	r, err := c.call(ctx, op, cmdShowUserConfig, url.Values{"user": {name}}, false)
	if err != nil {
		return nil, inUser(err, name)
	}
	if r.isList || len(r.fields) == 0 {
		return nil, c.http.Error(op, r.resp, "", "user "+strconv.Quote(name)+": the answer holds no user config", nil)
	}
	return r, nil
}

// userAccount reads and maps one user; skip is true for an admin.
func (c *Client) userAccount(ctx context.Context, op, name string) (provider.Account, bool, error) {
	r, err := c.userConfig(ctx, op, name)
	if err != nil {
		return provider.Account{}, false, err
	}
	a, skip, err := accountFromConfig(name, r.fields, c.loc)
	if err != nil {
		return provider.Account{}, false, c.http.Error(op, r.resp, "", "user "+strconv.Quote(name)+": malformed config: "+err.Error(), nil)
	}
	if !skip && r.fields["date_created"] == "" {
		c.log.DebugContext(ctx, "directadmin: user has no date_created; Created left zero", slog.String("user", name))
	}
	return a, skip, nil
}

// lookup reads the config of a.Username before a change and checks that
// the user still holds a.Domain, so that a username reused for another
// customer is never suspended, deleted or given a new password by mistake.
// A user the server does not have gives an error matching
// provider.ErrNotFound, decided by the list of users where the login can
// read it (see settle).
func (c *Client) lookup(ctx context.Context, op string, a provider.Account) (map[string]string, error) {
	if strings.TrimSpace(a.Username) == "" {
		return nil, c.http.Error(op, nil, "", "the account has no username; DirectAdmin acts on users", nil)
	}
	r, err := c.userConfig(ctx, op, a.Username)
	if err != nil {
		return nil, c.settle(ctx, op, a.Username, err)
	}
	f := r.fields
	if want := strings.TrimSuffix(strings.TrimSpace(a.Domain), "."); want != "" {
		if got := strings.TrimSpace(f["domain"]); asciiDomain(got) != asciiDomain(want) {
			return nil, c.http.Error(op, nil, "", "user "+strconv.Quote(a.Username)+" holds domain "+strconv.Quote(got)+", not "+strconv.Quote(want)+"; refusing to act on it", nil)
		}
	}
	return f, nil
}

// CreateAccount creates a user with CMD_API_ACCOUNT_USER (action=create,
// notify=no) from the package a.Product, on the IP a.Extra["ip"] or
// Config.IP, then reads it back with CMD_API_SHOW_USER_CONFIG and returns
// it as ListAccounts shows it. It is not idempotent: a second call fails
// with an error matching provider.ErrExists, read from the panel's message
// ("... already exists").
func (c *Client) CreateAccount(ctx context.Context, n provider.NewAccount) (provider.Account, error) {
	ip := strings.TrimSpace(n.Extra["ip"])
	if ip == "" {
		ip = c.ip
	}
	switch {
	case n.Username == "" || n.Domain == "" || n.Password == "":
		return provider.Account{}, c.http.Error(opCreate, nil, "", "username, domain and password are required", nil)
	case ip == "":
		return provider.Account{}, c.http.Error(opCreate, nil, "", `no IP to create the user on: set Config.IP or NewAccount.Extra["ip"]`, nil)
	}
	form := url.Values{
		"action":   {"create"},
		"add":      {"Submit"},
		"username": {n.Username},
		"email":    {n.Email},
		"passwd":   {n.Password},
		"passwd2":  {n.Password},
		"domain":   {n.Domain},
		"package":  {n.Product},
		"ip":       {ip},
		"notify":   {"no"},
	}
	r, err := c.call(ctx, opCreate, cmdAccountUser, form, true)
	if err != nil {
		return provider.Account{}, c.http.Scrub(err, n.Password)
	}
	if !r.succeeded() {
		return provider.Account{}, c.http.Error(opCreate, nil, "", "the panel did not confirm the creation", nil)
	}
	a, _, err := c.userAccount(ctx, opCreate, n.Username)
	return a, err
}

// TerminateAccount deletes the user a.Username with CMD_API_SELECT_USERS
// (confirmed=Confirm, delete=yes), after checking with
// CMD_API_SHOW_USER_CONFIG that the user exists and still holds a.Domain.
// It is idempotent: a user that is already gone returns nil.
//
// Whether a user is gone is read from the list of users, not from the
// words of an error: when the config read or the delete fails (the user
// vanished in between and the panel says "User x did not exist on the
// server", or the delete answered 500 after acting), the user counts as
// gone only if CMD_API_SHOW_ALL_USERS no longer lists it. A login that
// may not list every user (a reseller) falls back to the panel's wording.
func (c *Client) TerminateAccount(ctx context.Context, a provider.Account) error {
	if _, err := c.lookup(ctx, opTerminate, a); err != nil {
		if errors.Is(err, provider.ErrNotFound) {
			return nil
		}
		return err
	}
	form := url.Values{"confirmed": {"Confirm"}, "delete": {"yes"}, "select0": {a.Username}}
	if _, err := c.call(ctx, opTerminate, cmdSelectUsers, form, true); err != nil {
		if err = c.settle(ctx, opTerminate, a.Username, err); errors.Is(err, provider.ErrNotFound) {
			return nil // deleted, by this call or by someone else in between
		}
		return err
	}
	return nil
}

// presence is what the list of users says about one user.
type presence int

const (
	presenceUnknown presence = iota // the login cannot see every user
	presenceListed
	presenceAbsent
)

// presence reads whether the user name is on the server from the list of
// users: CMD_API_SHOW_ALL_USERS, every user, for an admin. A login that
// may not run it (a reseller) reads CMD_API_SHOW_USERS, its own users: a
// user listed there is present, but one missing from it may merely belong
// to someone else, which proves nothing.
func (c *Client) presence(ctx context.Context, op, name string) (presence, error) {
	cmd := cmdShowAllUsers
	r, err := c.call(ctx, op, cmd, nil, false)
	complete := err == nil
	if err != nil {
		if loginRefused(err) || !refused(err) && !errors.Is(err, provider.ErrUnauthorized) {
			return presenceUnknown, err
		}
		cmd = cmdShowUsers
		if r, err = c.call(ctx, op, cmd, nil, false); err != nil {
			return presenceUnknown, err
		}
	}
	if err := c.checkList(op, cmd, r); err != nil {
		return presenceUnknown, err
	}
	if complete && len(r.list) == 0 {
		return presenceUnknown, c.http.Error(op, r.resp, "", cmd+": the answer is empty, without even the admin", nil)
	}
	for _, n := range r.list {
		if strings.EqualFold(strings.TrimSpace(n), name) {
			return presenceListed, nil
		}
	}
	if complete {
		return presenceAbsent, nil
	}
	return presenceUnknown, nil
}

// settle returns err, the failure of a call about the user name, as the
// caller should see it once the list of users has been read (see
// presence): matching provider.ErrNotFound when the user is not listed,
// whatever the panel's words, and not matching it when the user is still
// listed. Where the list proves nothing (a reseller), or cannot be read,
// err is returned as it is and the panel's wording decides. A refused
// login or an ended context is never followed by another call.
func (c *Client) settle(ctx context.Context, op, name string, err error) error {
	var apiErr *provider.APIError
	if strings.TrimSpace(name) == "" || ctx.Err() != nil || loginRefused(err) || !errors.As(err, &apiErr) {
		return err
	}
	p, perr := c.presence(ctx, op, name)
	if perr != nil {
		c.log.DebugContext(ctx, "directadmin: could not check whether the user is still listed",
			slog.String("user", name), slog.Any("error", perr))
		return err
	}
	out := *apiErr
	switch {
	case p == presenceAbsent && !errors.Is(err, provider.ErrNotFound):
		out.Err = provider.ErrNotFound
		out.Message = joinMessage(out.Message, "the server no longer lists user "+strconv.Quote(name))
	case p == presenceListed && errors.Is(err, provider.ErrNotFound):
		out.Err = nil
		out.Message = joinMessage(out.Message, "yet the server still lists user "+strconv.Quote(name))
	default:
		return err
	}
	return &out
}

func joinMessage(msg, more string) string {
	if msg == "" {
		return more
	}
	return msg + "; " + more
}

// SuspendAccount suspends the user a.Username. DirectAdmin's
// CMD_API_SELECT_USERS suspend button toggles, so the state is read first
// with CMD_API_SHOW_USER_CONFIG: a suspended user is left alone (the call
// is idempotent), an active one is toggled once with suspend=Suspend and
// read again to confirm. The toggle itself is never retried. DirectAdmin
// only accepts reasons from its own list, so reason is not sent.
func (c *Client) SuspendAccount(ctx context.Context, a provider.Account, reason string) error {
	return c.setSuspended(ctx, opSuspend, a, true)
}

// UnsuspendAccount makes the user a.Username active again, reading the
// state first as SuspendAccount does and toggling with suspend=Unsuspend
// only when the user is suspended. It is idempotent.
func (c *Client) UnsuspendAccount(ctx context.Context, a provider.Account) error {
	return c.setSuspended(ctx, opUnsuspend, a, false)
}

func (c *Client) setSuspended(ctx context.Context, op string, a provider.Account, want bool) error {
	f, err := c.lookup(ctx, op, a)
	if err != nil {
		return err
	}
	if isSuspended(f) == want {
		return nil
	}
	button := "Unsuspend"
	if want {
		button = "Suspend"
	}
	form := url.Values{"suspend": {button}, "select0": {a.Username}}
	if _, err := c.call(ctx, op, cmdSelectUsers, form, true); err != nil {
		if ctx.Err() != nil || loginRefused(err) {
			return err
		}
		// Someone else may have got there first ("... is already
		// suspended", command.txt:30), or the panel acted and then
		// failed: the state decides, not the wording.
		if r, rerr := c.userConfig(ctx, op, a.Username); rerr == nil && isSuspended(r.fields) == want {
			return nil
		}
		return err
	}
	r, err := c.userConfig(ctx, op, a.Username)
	if err != nil {
		return err
	}
	if isSuspended(r.fields) != want {
		return c.http.Error(op, nil, "", "user "+strconv.Quote(a.Username)+": the toggle left the account in the other state (changed by someone else at the same time?)", nil)
	}
	return nil
}

func isSuspended(f map[string]string) bool {
	return strings.EqualFold(strings.TrimSpace(f["suspended"]), "yes")
}

// ListPackages lists the user packages of the login with
// CMD_API_PACKAGES_USER. It is read-only.
func (c *Client) ListPackages(ctx context.Context) ([]provider.Package, error) {
	r, err := c.call(ctx, opPackages, cmdPackagesUser, nil, false)
	if err != nil {
		return nil, err
	}
	if !r.isList && (r.json || len(r.fields) > 0) {
		return nil, c.http.Error(opPackages, r.resp, "", "the answer holds no package list", nil)
	}
	pkgs := make([]provider.Package, 0, len(r.list))
	seen := map[string]bool{}
	for _, name := range r.list {
		if !seen[name] {
			seen[name] = true
			pkgs = append(pkgs, provider.Package{Name: name})
		}
	}
	return pkgs, nil
}

// SetPassword sets the password of the user a.Username with
// CMD_API_USER_PASSWD, after checking with CMD_API_SHOW_USER_CONFIG that
// the user holds a.Domain. Setting the same password again is harmless.
func (c *Client) SetPassword(ctx context.Context, a provider.Account, password string) error {
	if password == "" {
		return c.http.Error(opPassword, nil, "", "the password is empty", nil)
	}
	if _, err := c.lookup(ctx, opPassword, a); err != nil {
		return err
	}
	form := url.Values{"username": {a.Username}, "passwd": {password}, "passwd2": {password}}
	if _, err := c.call(ctx, opPassword, cmdUserPasswd, form, true); err != nil {
		return c.http.Scrub(err, password)
	}
	return nil
}

// asciiDomain returns a domain in lower-case ASCII (A-label) form, so that
// "café.example" and "xn--caf-dma.example" compare equal.
func asciiDomain(d string) string {
	d = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(d), "."))
	if a, err := idna.Lookup.ToASCII(d); err == nil {
		return a
	}
	return d
}
