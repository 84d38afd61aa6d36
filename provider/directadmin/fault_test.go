package directadmin_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/directadmin"
	"github.com/accountsync/accountsync/provider/directadmin/directadmintest"
)

func newClient(t *testing.T, srv *directadmintest.Server, mod func(*directadmin.Config)) *directadmin.Client {
	t.Helper()
	cfg := fastConfig(srv)
	if mod != nil {
		mod(&cfg)
	}
	c, err := directadmin.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// apiError asserts that err is an *provider.APIError of this package for op.
func apiError(t *testing.T, err error, op string) *provider.APIError {
	t.Helper()
	var apiErr *provider.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("err = %v (%T), want an *provider.APIError", err, err)
	}
	if apiErr.Type != "directadmin" || apiErr.Op != op {
		t.Errorf("Type, Op = %q, %q; want %q, %q", apiErr.Type, apiErr.Op, "directadmin", op)
	}
	if !strings.HasPrefix(err.Error(), "directadmin: "+op+": ") {
		t.Errorf("error %q is not prefixed %q", err, "directadmin: "+op+": ")
	}
	return apiErr
}

func TestListFaults(t *testing.T) {
	tests := []struct {
		fault    directadmintest.Fault
		name     string
		sentinel error // nil: must match none of the sentinels below
		status   int
		contains string
	}{
		{directadmintest.FaultUnauthorized, "wrong credentials give ErrUnauthorized", provider.ErrUnauthorized, 401, "X-DirectAdmin: Unauthorized"},
		{directadmintest.FaultServerError, "a 500 gives ErrTransient", provider.ErrTransient, 500, "HTTP 500"},
		{directadmintest.FaultRateLimited, "a 429 gives ErrRateLimited", provider.ErrRateLimited, 429, "HTTP 429"},
		{directadmintest.FaultSlow, "a slow answer past the timeout gives ErrTransient", provider.ErrTransient, 0, "exceeded"},
		{directadmintest.FaultTruncated, "a truncated body gives ErrTransient", provider.ErrTransient, 0, "EOF"},
		{directadmintest.FaultHTML, "an HTML page is an error, never an empty list", nil, 200, "unexpected HTML page"},
		{directadmintest.FaultLoginPage, "the login page gives ErrUnauthorized", provider.ErrUnauthorized, 200, "login page"},
		{directadmintest.FaultMalformed, "a malformed date fails the listing naming the user", nil, 200, `malformed config: field "date_created"`},
		{directadmintest.FaultCommandError, "error=1 with HTTP 200 is an error with the panel's text", nil, 200, "Cannot execute your request: An internal error occurred"},
	}
	for _, tt := range tests {
		t.Run(tt.fault.String()+": "+tt.name, func(t *testing.T) {
			srv := directadmintest.NewServer(t, seed()...)
			c := newClient(t, srv, func(cfg *directadmin.Config) {
				cfg.MaxRetries = -1
				cfg.Timeout = 200 * time.Millisecond
			})
			srv.SetFault(tt.fault)
			accts, err := c.ListAccounts(t.Context())
			if err == nil || accts != nil {
				t.Fatalf("ListAccounts = %d accounts, %v; want an error and no accounts", len(accts), err)
			}
			apiErr := apiError(t, err, "list accounts")
			if apiErr.StatusCode != tt.status {
				t.Errorf("StatusCode = %d, want %d", apiErr.StatusCode, tt.status)
			}
			if !strings.Contains(err.Error(), tt.contains) {
				t.Errorf("error %q does not mention %q", err, tt.contains)
			}
			for _, s := range []error{provider.ErrUnauthorized, provider.ErrTransient, provider.ErrRateLimited, provider.ErrNotFound} {
				if want := s == tt.sentinel || (tt.sentinel == provider.ErrRateLimited && s == provider.ErrTransient); errors.Is(err, s) != want {
					t.Errorf("errors.Is(err, %v) = %t, want %t (err: %v)", s, !want, want, err)
				}
			}
		})
	}
}

func TestOneOffFaultsAreRetried(t *testing.T) {
	for _, f := range []directadmintest.Fault{directadmintest.FaultServerError, directadmintest.FaultTruncated} {
		t.Run("a single "+f.String()+" is retried and the listing succeeds", func(t *testing.T) {
			srv := directadmintest.NewServer(t, seed()...)
			c := newClient(t, srv, nil)
			srv.FailNext(f, 1)
			accts, err := c.ListAccounts(t.Context())
			if err != nil || len(accts) != len(seed()) {
				t.Fatalf("ListAccounts = %d accounts, %v", len(accts), err)
			}
			if n := srv.Calls("CMD_API_SHOW_ALL_USERS"); n != 2 {
				t.Errorf("CMD_API_SHOW_ALL_USERS was called %d times, want 2", n)
			}
		})
	}
	t.Run("wrong credentials are never retried", func(t *testing.T) {
		srv := directadmintest.NewServer(t, seed()...)
		c := newClient(t, srv, func(cfg *directadmin.Config) { cfg.APIToken = "wrong-key-0000" })
		if _, err := c.ListAccounts(t.Context()); !errors.Is(err, provider.ErrUnauthorized) {
			t.Fatalf("err = %v, want ErrUnauthorized", err)
		}
		if n := srv.Calls("CMD_API_SHOW_ALL_USERS"); n != 1 {
			t.Errorf("the refused listing was sent %d times, want once", n)
		}
	})
}

func TestPerUserFailure(t *testing.T) {
	accounts := manyAccounts(300)
	const bad = "user00003"
	tests := []struct {
		fault    directadmintest.Fault
		name     string
		sentinel error
	}{
		{directadmintest.FaultCommandError, "a user whose config call fails with error=1 fails the listing", nil},
		{directadmintest.FaultServerError, "a user whose config call keeps failing with 500 fails the listing", provider.ErrTransient},
		{directadmintest.FaultMalformed, "a user with a malformed config fails the listing", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := directadmintest.NewServer(t, accounts...)
			c := newClient(t, srv, func(cfg *directadmin.Config) { cfg.Concurrency = 2 })
			srv.FailUser(bad, tt.fault)
			accts, err := c.ListAccounts(t.Context())
			if err == nil || accts != nil {
				t.Fatalf("ListAccounts = %d accounts, %v; want an error and no accounts", len(accts), err)
			}
			apiError(t, err, "list accounts")
			if !strings.Contains(err.Error(), `user "`+bad+`"`) {
				t.Errorf("error %q does not name the user", err)
			}
			if tt.sentinel != nil && !errors.Is(err, tt.sentinel) {
				t.Errorf("errors.Is(err, %v) = false", tt.sentinel)
			}
			if errors.Is(err, context.Canceled) {
				t.Errorf("the error is the cancellation of the other calls, not the failure: %v", err)
			}
			if n := srv.Calls("CMD_API_SHOW_USER_CONFIG"); n >= len(accounts) {
				t.Errorf("%d config calls for %d users: the failure did not cancel the rest", n, len(accounts))
			}
			srv.FailUser(bad, directadmintest.FaultNone)
			if accts, err := c.ListAccounts(t.Context()); err != nil || len(accts) != len(accounts) {
				t.Errorf("after the fault cleared: %d accounts, %v", len(accts), err)
			}
		})
	}
}

func TestListHonoursContext(t *testing.T) {
	srv := directadmintest.NewServer(t, manyAccounts(50)...)
	c := newClient(t, srv, func(cfg *directadmin.Config) { cfg.Concurrency = 4 })
	srv.FailUser("user00010", directadmintest.FaultSlow)
	ctx, cancel := context.WithTimeout(t.Context(), 150*time.Millisecond)
	defer cancel()
	accts, err := c.ListAccounts(ctx)
	if !errors.Is(err, context.DeadlineExceeded) || accts != nil {
		t.Fatalf("ListAccounts = %d accounts, %v; want context.DeadlineExceeded", len(accts), err)
	}
}

func TestListingShapes(t *testing.T) {
	shapes := []directadmintest.Fault{directadmintest.FaultWrongShape, directadmintest.FaultNullList, directadmintest.FaultWrongType}
	calls := []struct {
		name  string
		scope directadmin.Scope
		json  bool
		fail  func(*directadmintest.Server, directadmintest.Fault)
	}{
		{"the list of every user, URL-encoded", directadmin.ScopeServer, false, (*directadmintest.Server).SetFault},
		{"the list of every user, JSON", directadmin.ScopeServer, true, (*directadmintest.Server).SetFault},
		{"the login's own users and resellers, URL-encoded", directadmin.ScopeOwned, false, (*directadmintest.Server).SetFault},
		{"the login's own users and resellers, JSON", directadmin.ScopeOwned, true, (*directadmintest.Server).SetFault},
		{"one user's config, URL-encoded", directadmin.ScopeServer, false,
			func(s *directadmintest.Server, f directadmintest.Fault) { s.FailUser("bob", f) }},
		{"one user's config, JSON", directadmin.ScopeServer, true,
			func(s *directadmintest.Server, f directadmintest.Fault) { s.FailUser("bob", f) }},
	}
	for _, call := range calls {
		for _, f := range shapes {
			t.Run(call.name+" answered "+f.String()+" fails the listing", func(t *testing.T) {
				srv := directadmintest.NewServer(t, seed()...)
				c := newClient(t, srv, func(cfg *directadmin.Config) { cfg.Scope, cfg.JSON = call.scope, call.json })
				call.fail(srv, f)
				accts, err := c.ListAccounts(t.Context())
				if err == nil || accts != nil {
					t.Fatalf("ListAccounts = %d accounts, %v; want an error and no accounts", len(accts), err)
				}
				apiError(t, err, "list accounts")
			})
		}
	}
}
