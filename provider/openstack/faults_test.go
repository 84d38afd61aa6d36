package openstack_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/openstack"
	"github.com/accountsync/accountsync/provider/openstack/openstacktest"
)

// syncBuffer is a log sink safe for the client's concurrent writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

type faultCase struct {
	name       string
	fault      openstacktest.Fault
	wantIs     []error
	wantStatus int
	wantText   string
}

var faultCases = []faultCase{
	{"a 401 gives ErrUnauthorized", openstacktest.FaultUnauthorized, []error{provider.ErrUnauthorized}, 401, "HTTP 401"},
	{"a token refused after renewal gives ErrUnauthorized", openstacktest.FaultTokenExpired, []error{provider.ErrUnauthorized}, 401, "HTTP 401"},
	{"a 500 gives ErrTransient", openstacktest.FaultServerError, []error{provider.ErrTransient}, 500, "HTTP 500"},
	{"a 429 gives ErrRateLimited and ErrTransient", openstacktest.FaultRateLimited, []error{provider.ErrRateLimited, provider.ErrTransient}, 429, "HTTP 429"},
	{"a truncated body gives ErrTransient", openstacktest.FaultTruncated, []error{provider.ErrTransient}, 0, "unexpected EOF"},
	{"an HTML page says so with an excerpt", openstacktest.FaultHTML, nil, 200, "unexpected HTML page"},
	{"a malformed record names the server", openstacktest.FaultMalformed, nil, 0, `created "last Tuesday" is not an RFC 3339 time`},
	{"a page link that loops is refused", openstacktest.FaultPageLoop, nil, 200, "the pages loop"},
	{"a slow answer ends with the context's deadline", openstacktest.FaultSlow, []error{context.DeadlineExceeded}, 0, "deadline exceeded"},
}

// checkFault checks a failed listing: no accounts, a typed error with the
// type, operation and status, and no secret.
func checkFault(t *testing.T, tt faultCase, accts []provider.Account, err error, secrets []string) {
	t.Helper()
	if err == nil {
		t.Fatalf("ListAccounts returned %d accounts and no error", len(accts))
	}
	if accts != nil {
		t.Errorf("ListAccounts returned %d accounts with its error; a listing is all or nothing", len(accts))
	}
	for _, target := range tt.wantIs {
		if !errors.Is(err, target) {
			t.Errorf("error %q does not match %v", err, target)
		}
	}
	var ae *provider.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("error %q is not an *provider.APIError", err)
	}
	if ae.Type != "openstack" || !strings.HasPrefix(ae.Op, "list accounts") || ae.StatusCode != tt.wantStatus {
		t.Errorf("APIError{Type:%q Op:%q StatusCode:%d}, want openstack, list accounts, %d", ae.Type, ae.Op, ae.StatusCode, tt.wantStatus)
	}
	if !strings.HasPrefix(err.Error(), "openstack: list accounts") || !strings.Contains(err.Error(), tt.wantText) {
		t.Errorf("error %q, want the prefix openstack: list accounts and %q", err, tt.wantText)
	}
	if tt.fault == openstacktest.FaultHTML && !strings.Contains(ae.Body, "Bad Gateway") {
		t.Errorf("the HTML error's excerpt is %q", ae.Body)
	}
	for _, s := range secrets {
		if strings.Contains(err.Error(), s) || strings.Contains(ae.Body, s) {
			t.Errorf("error %q shows the secret %q", err, s)
		}
	}
}

func TestFaultsFailTheWholeListing(t *testing.T) {
	for _, where := range []string{"on the first call", "on the second page"} {
		for _, tt := range faultCases {
			t.Run(where+": "+tt.name, func(t *testing.T) {
				srv := openstacktest.New(openstacktest.Options{Accounts: manyAccounts(5), SlowDelay: 5 * time.Second})
				t.Cleanup(srv.Close)
				var logs syncBuffer
				cfg := testConfig(srv)
				cfg.PageSize = 2
				cfg.MaxRetries = -1 // each fault is persistent; retries would only wait
				cfg.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
				c := newClient(t, cfg)
				if where == "on the second page" {
					if _, err := c.ListAccounts(t.Context()); err != nil {
						t.Fatal(err)
					}
					srv.FailAfter(tt.fault, 1, 1000)
				} else {
					srv.SetFault(tt.fault)
				}
				ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
				defer cancel()
				accts, err := c.ListAccounts(ctx)
				secrets := append([]string{openstacktest.Password}, srv.Tokens()...)
				checkFault(t, tt, accts, err, secrets)
				for _, s := range secrets {
					if strings.Contains(logs.String(), s) {
						t.Errorf("the debug log shows the secret %q", s)
					}
				}
			})
		}
	}
}

func TestPassingFaultsAreRetried(t *testing.T) {
	tests := []struct {
		name      string
		fault     openstacktest.Fault
		wantAuths int
	}{
		{"one 500 is retried", openstacktest.FaultServerError, 1},
		{"one 429 is retried after Retry-After", openstacktest.FaultRateLimited, 1},
		{"one truncated body is retried", openstacktest.FaultTruncated, 1},
		{"one expired token is renewed once", openstacktest.FaultTokenExpired, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := openstacktest.New(openstacktest.Options{Accounts: manyAccounts(5)})
			t.Cleanup(srv.Close)
			cfg := testConfig(srv)
			cfg.PageSize = 2
			c := newClient(t, cfg)
			if _, err := c.ListAccounts(t.Context()); err != nil {
				t.Fatal(err)
			}
			srv.FailAfter(tt.fault, 1, 1)
			accts, err := c.ListAccounts(t.Context())
			if err != nil || len(accts) != 5 {
				t.Fatalf("ListAccounts = %d accounts, %v; want 5", len(accts), err)
			}
			if got := srv.Calls(openstacktest.FuncAuth); got != tt.wantAuths {
				t.Errorf("authenticated %d times, want %d", got, tt.wantAuths)
			}
		})
	}
}

func TestNoSecretInErrorsOrLogs(t *testing.T) {
	srv := openstacktest.New(openstacktest.Options{Accounts: seed})
	t.Cleanup(srv.Close)
	var logs syncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	const newPassword = "N3w-Server-Passw0rd!"
	var errs []error
	record := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}

	cfg := testConfig(srv)
	cfg.Logger = logger
	c := newClient(t, cfg)
	a, err := c.CreateAccount(t.Context(), provider.NewAccount{Domain: "secret-test.example", Product: "m1.small", Password: newPassword})
	if err != nil {
		t.Fatal(err)
	}
	if srv.AdminPass(a.UniqueIdentifier) != newPassword {
		t.Fatal("the password did not reach the server as adminPass")
	}
	_, err = c.CreateAccount(t.Context(), provider.NewAccount{Domain: "secret-test.example", Product: "m1.small", Password: newPassword})
	record(err)
	srv.SetFault(openstacktest.FaultHTML)
	_, err = c.CreateAccount(t.Context(), provider.NewAccount{Domain: "secret-test-2.example", Product: "m1.small", Password: newPassword})
	record(err)
	srv.SetFault(openstacktest.FaultTokenExpired)
	_, err = c.ListAccounts(t.Context())
	record(err)
	srv.SetFault(openstacktest.FaultNone)

	bad := cfg
	bad.Password = "Wr0ng-But-Still-Secret"
	_, err = newClient(t, bad).ListAccounts(t.Context())
	record(err)
	appcred := openstack.Config{BaseURL: srv.URL, ApplicationCredentialID: openstacktest.ApplicationCredentialID,
		APIToken: "Wr0ng-AppCred-Secret", Logger: logger, RateLimit: -1}
	_, err = newClient(t, appcred).ListAccounts(t.Context())
	record(err)

	if len(errs) != 5 {
		t.Fatalf("got %d errors, want 5: %v", len(errs), errs)
	}
	secrets := append([]string{openstacktest.Password, newPassword, bad.Password, appcred.APIToken}, srv.Tokens()...)
	for _, s := range secrets {
		for _, err := range errs {
			if strings.Contains(err.Error(), s) || strings.Contains(strings.ReplaceAll(err.Error(), `\`, ""), s) {
				t.Errorf("error %q shows the secret %q", err, s)
			}
			var ae *provider.APIError
			if errors.As(err, &ae) && strings.Contains(ae.Body, s) {
				t.Errorf("error body %q shows the secret %q", ae.Body, s)
			}
		}
		if strings.Contains(logs.String(), s) {
			t.Errorf("the debug log shows the secret %q", s)
		}
	}
	if !strings.Contains(logs.String(), "http request") {
		t.Error("the debug log is empty; the check proves nothing")
	}
}
