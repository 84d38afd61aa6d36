package whmcs

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/accountsync/accountsync/provider"
	acsync "github.com/accountsync/accountsync/sync"
)

// FindClientByEmail returns the ID of the client with this e-mail
// address: GetClientsDetails by e-mail, which WHMCS answers without regard
// to case on the usual MySQL collations; when it finds none, GetClients
// (whose search is a prefix) is asked too and compared without regard to
// case, for installs whose collation is case-sensitive. "Client Not
// Found" is an error wrapping provider.ErrNotFound.
func (s *Store) FindClientByEmail(ctx context.Context, email string) (string, error) {
	const op = "find client"
	email = strings.TrimSpace(email)
	if email == "" {
		return "", s.c.http.Error(op, nil, "", "empty e-mail address", provider.ErrNotFound)
	}
	var a clientDetailsAnswer
	err := s.c.call(ctx, op, "GetClientsDetails", url.Values{"email": {email}}, &a)
	switch {
	case err == nil:
		row := a.clientRow
		if a.Client != nil {
			row = *a.Client
		}
		// A collation that also ignores accents may answer with another
		// address; then the search below decides.
		if id, ok := row.ID.id(); ok && strings.EqualFold(strings.TrimSpace(string(row.Email)), email) {
			return id, nil
		}
	case !isNotFound(err):
		return "", err
	}
	ids, err := s.searchClients(ctx, op, email)
	if err != nil {
		return "", err
	}
	switch len(ids) {
	case 0:
		return "", s.c.http.Error(op, nil, "", "no client has the e-mail address "+email, provider.ErrNotFound)
	case 1:
		return ids[0], nil
	}
	return "", s.c.http.Error(op, nil, "", fmt.Sprintf("clients %s share the e-mail address %s", strings.Join(ids, ", "), email), nil)
}

// searchClients returns the IDs of clients whose address is email, found
// through GetClients' prefix search.
func (s *Store) searchClients(ctx context.Context, op, email string) ([]string, error) {
	var ids []string
	total := -1
	for start := 0; total < 0 || start < total; {
		var a clientsAnswer
		err := s.c.call(ctx, op, "GetClients", url.Values{"search": {email}, "limitstart": {strconv.Itoa(start)},
			"limitnum": {strconv.Itoa(s.pageSize)}, "orderby": {"id"}, "sorting": {"ASC"}}, &a)
		if err != nil {
			return nil, err
		}
		if a.TotalResults == nil {
			return nil, s.c.shapeError(op, "GetClients", "the answer has no totalresults")
		}
		if total, err = a.TotalResults.int(); err != nil {
			return nil, s.c.shapeError(op, "GetClients", "totalresults is not a count")
		}
		var rows []clientRow
		if a.Clients != nil {
			rows = a.Clients.items
		}
		for _, r := range rows {
			if id, ok := r.ID.id(); ok && strings.EqualFold(strings.TrimSpace(string(r.Email)), email) {
				ids = append(ids, id)
			}
		}
		if len(rows) == 0 {
			break
		}
		start += len(rows)
	}
	return ids, nil
}

// CreateClient creates a client with AddClient: named after the account
// (its username, "Imported", its domain as the company), skipvalidation
// so that no address is required, noemail so that no signup e-mail goes
// out, and a random password the client replaces through "forgot
// password". An address a client already has is an error wrapping
// provider.ErrExists. An address that only a WHMCS 8 user (a login
// without a client of its own) has gets a client owned by that user,
// found with GetUsers.
func (s *Store) CreateClient(ctx context.Context, c acsync.NewClient) (string, error) {
	const op = "create client"
	email := strings.TrimSpace(c.Email)
	if email == "" {
		return "", s.c.http.Error(op, nil, "", "empty e-mail address", nil)
	}
	first := strings.TrimSpace(c.Account.Username)
	if first == "" {
		first, _, _ = strings.Cut(email, "@")
	}
	p := url.Values{
		"firstname": {first}, "lastname": {"Imported"}, "companyname": {strings.TrimSpace(c.Account.Domain)},
		"email": {email}, "skipvalidation": {"1"}, "noemail": {"1"},
	}
	pw := randomPassword()
	p.Set("password2", pw)
	id, err := s.addClient(ctx, op, p, pw)
	if err == nil || !errors.Is(err, provider.ErrExists) {
		return id, err
	}
	// Taken: by a client (then it exists), or by a user without one.
	if _, ferr := s.FindClientByEmail(ctx, email); ferr == nil || !isNotFound(ferr) {
		return "", err
	}
	owner, uerr := s.findUser(ctx, op, email)
	if uerr != nil {
		return "", fmt.Errorf("%w; looking for the user who has the address: %w", err, uerr)
	}
	p.Del("password2")
	p.Set("owner_user_id", owner)
	return s.addClient(ctx, op, p)
}

func (s *Store) addClient(ctx context.Context, op string, p url.Values, secrets ...string) (string, error) {
	var a addClientAnswer
	if err := s.c.call(ctx, op, "AddClient", p, &a, secrets...); err != nil {
		return "", err
	}
	id, ok := a.ClientID.id()
	if !ok {
		return "", s.c.shapeError(op, "AddClient", "the answer has no clientid")
	}
	return id, nil
}

// findUser returns the ID of the user (login) with this address.
func (s *Store) findUser(ctx context.Context, op, email string) (string, error) {
	total := -1
	for start := 0; total < 0 || start < total; {
		var a usersAnswer
		err := s.c.call(ctx, op, "GetUsers", url.Values{"search": {email}, "limitstart": {strconv.Itoa(start)}, "limitnum": {strconv.Itoa(s.pageSize)}}, &a)
		if err != nil {
			return "", err
		}
		if a.TotalResults == nil {
			return "", s.c.shapeError(op, "GetUsers", "the answer has no totalresults")
		}
		if total, err = a.TotalResults.int(); err != nil {
			return "", s.c.shapeError(op, "GetUsers", "totalresults is not a count")
		}
		var rows []userRow
		if a.Users != nil {
			rows = a.Users.items
		}
		for _, u := range rows {
			if id, ok := u.ID.id(); ok && strings.EqualFold(strings.TrimSpace(string(u.Email)), email) {
				return id, nil
			}
		}
		if len(rows) == 0 {
			break
		}
		start += len(rows)
	}
	return "", s.c.http.Error(op, nil, "", "no user has the e-mail address "+email, provider.ErrNotFound)
}

// randomPassword returns 24 random letters and digits.
func randomPassword() string {
	const alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 24)
	raw := make([]byte, 64)
	for n := 0; n < len(b); {
		rand.Read(raw) // never fails
		for _, r := range raw {
			if n < len(b) && int(r) < 256-256%len(alphabet) {
				b[n] = alphabet[int(r)%len(alphabet)]
				n++
			}
		}
	}
	return string(b)
}

// Clients returns every client's ID by lower-case e-mail address, for
// sync.Options.Clients, so that a plan names existing clients instead of
// planning to create them: GetClients, paged in ID order. An address two
// clients share is left out (the executor then finds one with
// FindClientByEmail, and the plan does not guess). The listing is a lookup
// table, not a source of truth: a client it misses is found again when an
// import needs it.
func (s *Store) Clients(ctx context.Context) (map[string]string, error) {
	const op = "list clients"
	out := map[string]string{}
	shared := map[string]bool{}
	total := -1
	for start := 0; total < 0 || start < total; {
		var a clientsAnswer
		err := s.c.call(ctx, op, "GetClients", url.Values{"limitstart": {strconv.Itoa(start)}, "limitnum": {strconv.Itoa(s.pageSize)},
			"orderby": {"id"}, "sorting": {"ASC"}}, &a)
		if err != nil {
			return nil, err
		}
		if a.TotalResults == nil {
			return nil, s.c.shapeError(op, "GetClients", "the answer has no totalresults")
		}
		if total, err = a.TotalResults.int(); err != nil {
			return nil, s.c.shapeError(op, "GetClients", "totalresults is not a count")
		}
		var rows []clientRow
		if a.Clients != nil {
			rows = a.Clients.items
		}
		for _, r := range rows {
			id, ok := r.ID.id()
			email := strings.ToLower(strings.TrimSpace(string(r.Email)))
			if !ok || email == "" {
				continue
			}
			if old, dup := out[email]; dup && old != id {
				shared[email] = true
			}
			out[email] = id
		}
		if len(rows) == 0 {
			break
		}
		start += len(rows)
	}
	for email := range shared {
		delete(out, email)
		s.log.Warn("whmcs: two clients share an e-mail address; imports for it look the client up", "email", email)
	}
	return out, nil
}

// FindClientsByEmail (sync.ClientFinder, which Executor.Plan uses)
// returns the client ID of each address that has a client, compared without regard to case and keyed by the address as
// given; addresses without one are left out. A few addresses are looked
// up one by one (as FindClientByEmail does), many with one paged read of
// every client (GetClients), whichever costs WHMCS fewer calls. It returns
// an error, and no IDs, when a lookup fails.
func (s *Store) FindClientsByEmail(ctx context.Context, emails []string) (map[string]string, error) {
	out := make(map[string]string, len(emails))
	if len(emails) <= perClientLimit {
		for _, e := range emails {
			id, err := s.FindClientByEmail(ctx, e)
			if isNotFound(err) {
				continue
			}
			if err != nil {
				return nil, err
			}
			out[e] = id
		}
		return out, nil
	}
	all, err := s.Clients(ctx)
	if err != nil {
		return nil, err
	}
	for _, e := range emails {
		if id, ok := all[strings.ToLower(strings.TrimSpace(e))]; ok {
			out[e] = id
		}
	}
	return out, nil
}
