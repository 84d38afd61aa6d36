package cpanel_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/cpanel"
	"github.com/accountsync/accountsync/provider/cpanel/cpaneltest"
)

func TestListAccountsFaults(t *testing.T) {
	tests := []struct {
		name       string
		fault      cpaneltest.Fault
		maxRetries int
		timeout    time.Duration // of the call's context; 0: none
		sentinels  []error       // the error must match all of these
		status     int           // of the APIError; -1: no APIError is required
		calls      int           // listaccts requests the server sees
		contains   string
	}{
		{"wrong credentials are unauthorized and never retried", cpaneltest.FaultUnauthorized, 2, 0,
			[]error{provider.ErrUnauthorized}, 403, 1, "Access denied"},
		{"HTTP 500 is transient after its retries", cpaneltest.FaultServerError, 2, 0,
			[]error{provider.ErrTransient}, 500, 3, "HTTP 500"},
		{"HTTP 429 is rate limited", cpaneltest.FaultRateLimited, -1, 0,
			[]error{provider.ErrRateLimited, provider.ErrTransient}, 429, 1, "HTTP 429"},
		{"a slow answer ends with the context's deadline", cpaneltest.FaultSlow, 2, 200 * time.Millisecond,
			[]error{context.DeadlineExceeded}, 0, 1, "deadline"},
		{"a truncated body is transient after its retries", cpaneltest.FaultTruncated, 2, 0,
			[]error{provider.ErrTransient}, 0, 3, "read response body"},
		{"an HTML page instead of JSON is an error with an excerpt", cpaneltest.FaultHTML, 2, 0,
			nil, 200, 1, "META HTTP-EQUIV"},
		{"a malformed record fails the listing and names the record", cpaneltest.FaultMalformed, 2, 0,
			nil, 200, 1, `(user "tmpuser", domain "xn--bcher-kva.example"): field "unix_startdate": "yesterday 10am"`},
		{"metadata.result 0 is an error with the reason", cpaneltest.FaultAPIError, 2, 0,
			nil, 200, 1, "injected failure"},
		{"a WHM API 0 answer is refused", cpaneltest.FaultLegacyAPI, 2, 0,
			nil, 200, 1, "API 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := cpaneltest.NewServer(t, seed()...)
			c := newClient(t, srv, func(cfg *cpanel.Config) { cfg.MaxRetries = tt.maxRetries })
			srv.SetFault(tt.fault)
			ctx := context.Background()
			if tt.timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.timeout)
				defer cancel()
			}
			accts, err := c.ListAccounts(ctx)
			if err == nil || accts != nil {
				t.Fatalf("ListAccounts = %d accounts, %v; want an error and no accounts", len(accts), err)
			}
			for _, s := range tt.sentinels {
				if !errors.Is(err, s) {
					t.Errorf("error %q does not match %v", err, s)
				}
			}
			if tt.sentinels == nil {
				for _, s := range []error{provider.ErrNotFound, provider.ErrExists, provider.ErrUnauthorized, provider.ErrTransient} {
					if errors.Is(err, s) {
						t.Errorf("error %q matches %v", err, s)
					}
				}
			}
			var ae *provider.APIError
			if !errors.As(err, &ae) || ae.Type != "cpanel" || ae.Op != "list accounts" || ae.StatusCode != tt.status {
				t.Errorf("error %q (%+v) is not an APIError for cpanel/list accounts/HTTP %d", err, ae, tt.status)
			}
			if !strings.HasPrefix(err.Error(), "cpanel: list accounts: ") || !strings.Contains(err.Error(), tt.contains) {
				t.Errorf("error %q lacks the prefix or %q", err, tt.contains)
			}
			if got := srv.Calls("listaccts"); got != tt.calls {
				t.Errorf("the server saw %d listaccts requests, want %d", got, tt.calls)
			}
		})
	}
}

func TestRetries(t *testing.T) {
	t.Run("a listing succeeds when only the first attempt fails", func(t *testing.T) {
		srv := cpaneltest.NewServer(t, seed()...)
		srv.FailNext(cpaneltest.FaultServerError, 1)
		accts, err := newClient(t, srv, nil).ListAccounts(context.Background())
		if err != nil || len(accts) != len(seed()) {
			t.Fatalf("ListAccounts = %d accounts, %v", len(accts), err)
		}
		if got := srv.Calls("listaccts"); got != 2 {
			t.Errorf("%d listaccts requests, want 2", got)
		}
	})
	t.Run("a listing waits out a Retry-After and succeeds", func(t *testing.T) {
		srv := cpaneltest.NewServer(t, seed()...)
		srv.FailNext(cpaneltest.FaultRateLimited, 1)
		start := time.Now()
		accts, err := newClient(t, srv, nil).ListAccounts(context.Background())
		if err != nil || len(accts) != len(seed()) {
			t.Fatalf("ListAccounts = %d accounts, %v", len(accts), err)
		}
		if waited := time.Since(start); waited < 900*time.Millisecond {
			t.Errorf("the retry came after %s, before the 1s Retry-After", waited)
		}
	})
	t.Run("a mutation that reached the server is not retried", func(t *testing.T) {
		srv := cpaneltest.NewServer(t, seed()...)
		srv.SetFault(cpaneltest.FaultServerError)
		err := newClient(t, srv, nil).SuspendAccount(context.Background(), provider.Account{Username: "alice"}, "x")
		if !errors.Is(err, provider.ErrTransient) {
			t.Fatalf("SuspendAccount = %v, want a transient error", err)
		}
		if got := srv.Calls("suspendacct"); got != 1 {
			t.Errorf("%d suspendacct requests, want 1", got)
		}
	})
	t.Run("an attempt that outlives Config.Timeout is transient", func(t *testing.T) {
		srv := cpaneltest.New(cpaneltest.Options{Accounts: seed(), SlowDelay: time.Second})
		defer srv.Close()
		srv.SetFault(cpaneltest.FaultSlow)
		c := newClient(t, srv, func(cfg *cpanel.Config) { cfg.Timeout = 50 * time.Millisecond; cfg.MaxRetries = 1 })
		_, err := c.ListAccounts(context.Background())
		if !errors.Is(err, provider.ErrTransient) {
			t.Fatalf("ListAccounts = %v, want a transient error", err)
		}
		if got := srv.Calls("listaccts"); got < 1 {
			t.Errorf("%d listaccts requests", got)
		}
	})
}

func TestCapabilityFaults(t *testing.T) {
	ctx := context.Background()
	alice := provider.Account{Username: "alice", Domain: "alice-example.com"}
	ops := []struct {
		name string
		fn   string
		do   func(*cpanel.Client) error
	}{
		{"create account", "createacct", func(c *cpanel.Client) error {
			_, err := c.CreateAccount(ctx, provider.NewAccount{Username: "newbie", Domain: "newbie.example", Password: "Pw-123456789"})
			return err
		}},
		{"terminate account", "removeacct", func(c *cpanel.Client) error { return c.TerminateAccount(ctx, alice) }},
		{"suspend account", "suspendacct", func(c *cpanel.Client) error { return c.SuspendAccount(ctx, alice, "x") }},
		{"unsuspend account", "unsuspendacct", func(c *cpanel.Client) error { return c.UnsuspendAccount(ctx, alice) }},
		{"list packages", "listpkgs", func(c *cpanel.Client) error { _, err := c.ListPackages(ctx); return err }},
		{"set password", "passwd", func(c *cpanel.Client) error { return c.SetPassword(ctx, alice, "Pw-123456789") }},
	}
	faults := []struct {
		fault    cpaneltest.Fault
		sentinel error
		status   int
	}{
		{cpaneltest.FaultUnauthorized, provider.ErrUnauthorized, 403},
		{cpaneltest.FaultServerError, provider.ErrTransient, 500},
		{cpaneltest.FaultHTML, nil, 200},
		{cpaneltest.FaultMalformed, nil, 200},
		{cpaneltest.FaultAPIError, nil, 200},
	}
	for _, op := range ops {
		for _, f := range faults {
			t.Run(op.name+" with "+f.fault.String()+" fails typed and changes nothing", func(t *testing.T) {
				srv := cpaneltest.NewServer(t, seed()...)
				before := srv.Accounts()
				c := newClient(t, srv, func(cfg *cpanel.Config) { cfg.MaxRetries = -1 })
				srv.SetFault(f.fault)
				err := op.do(c)
				var ae *provider.APIError
				if !errors.As(err, &ae) || ae.Type != "cpanel" || ae.Op != op.name || ae.StatusCode != f.status {
					t.Fatalf("error %v (%+v) is not an APIError for cpanel/%s/HTTP %d", err, ae, op.name, f.status)
				}
				if f.sentinel != nil && !errors.Is(err, f.sentinel) {
					t.Errorf("error %q does not match %v", err, f.sentinel)
				}
				if srv.Calls(op.fn) != 1 {
					t.Errorf("%d %s requests, want 1", srv.Calls(op.fn), op.fn)
				}
				srv.SetFault(cpaneltest.FaultNone)
				if after := srv.Accounts(); len(after) != len(before) {
					t.Errorf("the faulted call changed the server from %d to %d accounts", len(before), len(after))
				}
			})
		}
	}
}

func TestNoSecretsInErrorsOrLogs(t *testing.T) {
	const (
		token   = "SECRET0TOKEN0FOR0LOG0TEST000001"
		newPass = `N3w&Pass<word>"q'` + "\nz"
	)
	srv := cpaneltest.New(cpaneltest.Options{Accounts: seed(), Token: token})
	defer srv.Close()
	var logs bytes.Buffer
	c := newClient(t, srv, func(cfg *cpanel.Config) {
		cfg.APIToken = token
		cfg.MaxRetries = 1
		cfg.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	ctx := context.Background()
	var errs []error
	collect := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	for _, f := range []cpaneltest.Fault{cpaneltest.FaultNone, cpaneltest.FaultServerError, cpaneltest.FaultHTML, cpaneltest.FaultAPIError} {
		srv.SetFault(f)
		_, err := c.ListAccounts(ctx)
		collect(err)
		_, err = c.CreateAccount(ctx, provider.NewAccount{Username: "secrets", Domain: "secrets.example", Password: newPass})
		collect(err)
		collect(c.SetPassword(ctx, provider.Account{Username: "alice"}, newPass))
		collect(c.SetPassword(ctx, provider.Account{Username: "nobodyhere"}, newPass))
	}
	srv.SetFault(cpaneltest.FaultNone)
	_, err := c.CreateAccount(ctx, provider.NewAccount{Username: "secrets", Domain: "secrets.example", Password: newPass})
	collect(err) // ErrExists: the account was created in the FaultNone round
	if len(errs) < 8 {
		t.Fatalf("only %d errors to inspect", len(errs))
	}
	if !strings.Contains(logs.String(), "createacct") || !strings.Contains(logs.String(), "passwd") {
		t.Fatalf("the debug log does not show the requests:\n%s", logs.String())
	}
	for _, secret := range []string{token, newPass, "N3w&Pass", "N3w%26Pass", cpaneltest.Password} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("the log contains %q", secret)
		}
		for _, err := range errs {
			var ae *provider.APIError
			errors.As(err, &ae)
			if strings.Contains(err.Error(), secret) || (ae != nil && strings.Contains(ae.Body, secret)) {
				t.Errorf("error %q contains %q", err, secret)
			}
		}
	}
	for _, req := range srv.Requests("passwd") {
		if req.Query.Has("password") || req.Method != "POST" {
			t.Errorf("passwd went as %s with the password in the URL: %v", req.Method, req.Query)
		}
	}
}

func TestValuesAreEncodedSafely(t *testing.T) {
	const odd = "a&b=c<d>\"e'f\ng%h+i j;k#l"
	srv := cpaneltest.NewServer(t, seed()...)
	c := newClient(t, srv, nil)
	ctx := context.Background()

	created, err := c.CreateAccount(ctx, provider.NewAccount{
		Username: "oddity", Domain: "oddity.example", Password: odd, Email: "x" + odd + "@example.com", Product: "Basic",
		Extra: map[string]string{"featurelist": odd},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SuspendAccount(ctx, created, odd); err != nil {
		t.Fatal(err)
	}
	if err := c.SetPassword(ctx, created, odd); err != nil {
		t.Fatal(err)
	}
	if err := c.TerminateAccount(ctx, provider.Account{Domain: odd}); err != nil {
		t.Fatalf("terminating an unknown domain: %v", err)
	}

	checks := []struct {
		function, param, want string
	}{
		{"createacct", "password", odd},
		{"createacct", "contactemail", "x" + odd + "@example.com"},
		{"createacct", "featurelist", odd},
		{"suspendacct", "reason", odd},
		{"passwd", "password", odd},
	}
	for _, ck := range checks {
		reqs := srv.Requests(ck.function)
		if len(reqs) == 0 {
			t.Errorf("no %s request", ck.function)
			continue
		}
		r := reqs[len(reqs)-1]
		if got := r.Form.Get(ck.param); got != ck.want {
			t.Errorf("%s %s arrived as %q, want %q", ck.function, ck.param, got, ck.want)
		}
		if r.Method != "POST" || r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" || len(r.Query) != 1 {
			t.Errorf("%s went as %s %q with query %v, want a form POST with only api.version", ck.function, r.Method, r.Header.Get("Content-Type"), r.Query)
		}
	}
	lookups := srv.Requests("listaccts")
	if got := lookups[len(lookups)-1].Query.Get("search"); got != strings.ToLower(odd) {
		t.Errorf("the domain lookup searched %q, want %q", got, strings.ToLower(odd))
	}
	if pw, _ := srv.PasswordOf("oddity"); pw != odd {
		t.Errorf("the stored password is %q", pw)
	}
	accts, err := c.ListAccounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range accts {
		if a.Username == "oddity" {
			if a.Email != "x"+odd+"@example.com" {
				t.Errorf("the e-mail came back as %q", a.Email)
			}
			// WHM drops "=" and newlines from suspension reasons.
			if want := "a&bc<d>\"e'fg%h+i j;k#l"; a.Extra["suspend_reason"] != want {
				t.Errorf("the reason came back as %q, want %q", a.Extra["suspend_reason"], want)
			}
			return
		}
	}
	t.Error("the created account is not listed")
}
