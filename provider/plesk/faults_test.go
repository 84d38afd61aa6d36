package plesk_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/plesk"
	"github.com/accountsync/accountsync/provider/plesk/plesktest"
)

// secrets are every credential the tests use; none may leak.
var secrets = []string{plesktest.Password, plesktest.Token}

func assertNoSecret(t *testing.T, text string, extra ...string) {
	t.Helper()
	for _, s := range append(append([]string{}, secrets...), extra...) {
		assert.NotContains(t, text, s, "a secret leaked")
	}
}

func debugLogger(buf *bytes.Buffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func TestListAccountsFaults(t *testing.T) {
	none := []error{provider.ErrUnauthorized, provider.ErrNotFound, provider.ErrExists, provider.ErrRateLimited, provider.ErrTransient}
	tests := []struct {
		name     string
		fault    plesktest.Fault
		cfg      func(*plesk.Config)
		timeout  time.Duration
		status   int
		code     string
		sentinel error
		contains string
	}{
		{name: "a packet-level authentication failure is ErrUnauthorized", fault: plesktest.FaultUnauthorized,
			status: http.StatusOK, code: "1001", sentinel: provider.ErrUnauthorized, contains: "Authentication failed"},
		{name: "HTTP 500 is transient once the retries are spent", fault: plesktest.FaultServerError,
			status: http.StatusInternalServerError, sentinel: provider.ErrTransient},
		{name: "HTTP 429 is ErrRateLimited", fault: plesktest.FaultRateLimited, cfg: func(c *plesk.Config) { c.MaxRetries = -1 },
			status: http.StatusTooManyRequests, sentinel: provider.ErrRateLimited},
		{name: "a slow answer ends with the caller's deadline", fault: plesktest.FaultSlow, timeout: 100 * time.Millisecond,
			sentinel: context.DeadlineExceeded},
		{name: "a truncated body is transient", fault: plesktest.FaultTruncated, sentinel: provider.ErrTransient},
		{name: "an HTML page instead of a packet is an error with an excerpt", fault: plesktest.FaultHTML,
			status: http.StatusOK, contains: "HTML page"},
		{name: "a malformed record fails the listing and names it", fault: plesktest.FaultMalformed,
			status: http.StatusOK, contains: `cr_date "30/08/2022"`},
		{name: "a packet-level error other than authentication keeps its code", fault: plesktest.FaultPacketError,
			status: http.StatusOK, code: "1003", contains: "Agent initialization failed"},
		{name: "an error result among ok results fails the listing", fault: plesktest.FaultResultError,
			status: http.StatusOK, code: "1023", contains: "Operation failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := plesktest.NewServer(t, seed()...)
			srv.SetFault(tt.fault)
			var logs bytes.Buffer
			c := newClient(t, srv, func(c *plesk.Config) {
				c.Logger = debugLogger(&logs)
				if tt.cfg != nil {
					tt.cfg(c)
				}
			})
			ctx := context.Background()
			if tt.timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.timeout)
				defer cancel()
			}
			got, err := c.ListAccounts(ctx)
			require.Error(t, err)
			assert.Nil(t, got, "a failed listing returns no accounts")
			var apiErr *provider.APIError
			require.True(t, errors.As(err, &apiErr), "%v is not an *provider.APIError", err)
			assert.Equal(t, "plesk", apiErr.Type)
			assert.Equal(t, "list accounts", apiErr.Op)
			assert.Equal(t, tt.status, apiErr.StatusCode)
			assert.Equal(t, tt.code, apiErr.Code)
			assert.True(t, strings.HasPrefix(err.Error(), "plesk: list accounts: "), err.Error())
			if tt.contains != "" {
				assert.Contains(t, err.Error(), tt.contains)
			}
			if tt.sentinel != nil {
				assert.ErrorIs(t, err, tt.sentinel)
			} else {
				for _, s := range none {
					assert.NotErrorIs(t, err, s)
				}
			}
			assertNoSecret(t, err.Error())
			assertNoSecret(t, apiErr.Body)
			assertNoSecret(t, logs.String())
		})
	}
}

func TestRetries(t *testing.T) {
	t.Run("reads are retried past two server errors", func(t *testing.T) {
		srv := plesktest.NewServer(t, seed()...)
		srv.FailNext(plesktest.FaultServerError, 2)
		got, err := newClient(t, srv, nil).ListAccounts(context.Background())
		require.NoError(t, err)
		assert.Len(t, got, 3)
	})
	t.Run("a mutation is not sent again after a server error", func(t *testing.T) {
		srv := plesktest.NewServer(t, seed()...)
		srv.FailNext(plesktest.FaultServerError, 1)
		err := newClient(t, srv, nil).SuspendAccount(context.Background(), provider.Account{Domain: "alpha.example"}, "")
		assert.ErrorIs(t, err, provider.ErrTransient)
		assert.Equal(t, 1, srv.Calls("webspace.set"))
	})
	t.Run("a wrong password is not retried", func(t *testing.T) {
		srv := plesktest.NewServer(t, seed()...)
		c := newClient(t, srv, func(c *plesk.Config) { c.Password = "wrong-Passw0rd" })
		_, err := c.ListAccounts(context.Background())
		assert.ErrorIs(t, err, provider.ErrUnauthorized)
		sent := 0
		for _, fn := range []string{"webspace.get", "customer.get", "service-plan.get", "reseller.get"} {
			assert.LessOrEqual(t, srv.Calls(fn), 1, "%s was sent again", fn)
			sent += srv.Calls(fn)
		}
		assert.Positive(t, sent)
		assert.NotContains(t, err.Error(), "wrong-Passw0rd")
	})
	t.Run("a wrong secret key is ErrUnauthorized", func(t *testing.T) {
		srv := plesktest.NewServer(t, seed()...)
		c := newClient(t, srv, func(c *plesk.Config) { c.Username, c.Password, c.APIToken = "", "", "not-the-key-0000" })
		_, err := c.ListAccounts(context.Background())
		assert.ErrorIs(t, err, provider.ErrUnauthorized)
		var apiErr *provider.APIError
		require.ErrorAs(t, err, &apiErr)
		assert.Equal(t, "11003", apiErr.Code)
		assert.NotContains(t, err.Error(), "not-the-key-0000")
	})
}

func TestMutationErrors(t *testing.T) {
	ghost := provider.Account{Domain: "ghost.example"}
	ctx := context.Background()
	t.Run("suspending a missing subscription is ErrNotFound with code 1013", func(t *testing.T) {
		c := newClient(t, plesktest.NewServer(t, seed()...), nil)
		err := c.SuspendAccount(ctx, ghost, "unpaid")
		assert.ErrorIs(t, err, provider.ErrNotFound)
		var apiErr *provider.APIError
		require.ErrorAs(t, err, &apiErr)
		assert.Equal(t, "1013", apiErr.Code)
		assert.Equal(t, "suspend account", apiErr.Op)
		assert.Contains(t, err.Error(), "ghost.example")
	})
	t.Run("unsuspending and setting the password of a missing subscription are ErrNotFound", func(t *testing.T) {
		c := newClient(t, plesktest.NewServer(t, seed()...), nil)
		assert.ErrorIs(t, c.UnsuspendAccount(ctx, ghost), provider.ErrNotFound)
		err := c.SetPassword(ctx, ghost, "Ghost-Passw0rd!")
		assert.ErrorIs(t, err, provider.ErrNotFound)
		assert.NotContains(t, err.Error(), "Ghost-Passw0rd!")
	})
	t.Run("terminating a missing subscription succeeds", func(t *testing.T) {
		srv := plesktest.NewServer(t, seed()...)
		require.NoError(t, newClient(t, srv, nil).TerminateAccount(ctx, ghost))
		assert.Equal(t, 1, srv.Calls("webspace.del"))
	})
	t.Run("terminating through a wrong address is an error, not success", func(t *testing.T) {
		srv := plesktest.NewServer(t, seed()...)
		c := newClient(t, srv, func(c *plesk.Config) { c.BaseURL = srv.URL + "/not-plesk" })
		err := c.TerminateAccount(ctx, provider.Account{Domain: "alpha.example"})
		require.Error(t, err)
		var apiErr *provider.APIError
		require.ErrorAs(t, err, &apiErr)
		assert.Equal(t, http.StatusNotFound, apiErr.StatusCode)
		assert.Len(t, srv.Accounts(), 3)
	})
	t.Run("an account without a domain is refused before any request", func(t *testing.T) {
		srv := plesktest.NewServer(t, seed()...)
		c := newClient(t, srv, nil)
		require.Error(t, c.TerminateAccount(ctx, provider.Account{Username: "alphaftp"}))
		require.Error(t, c.SuspendAccount(ctx, provider.Account{}, ""))
		assert.Zero(t, srv.Calls("webspace.del")+srv.Calls("webspace.set"))
	})
	t.Run("setting the password of a forwarding subscription fails with its code", func(t *testing.T) {
		c := newClient(t, plesktest.NewServer(t, seed()...), nil)
		err := c.SetPassword(ctx, provider.Account{Domain: "bücher.example"}, "Fwd-Passw0rd!")
		var apiErr *provider.APIError
		require.ErrorAs(t, err, &apiErr)
		assert.Equal(t, "1023", apiErr.Code)
		assert.NotContains(t, err.Error(), "Fwd-Passw0rd!")
	})
}

func TestNoSecretInErrorsOrLogs(t *testing.T) {
	const newPassword = "N3w-Secret-Passw0rd&<x>"
	srv := plesktest.NewServer(t, seed()...)
	var logs bytes.Buffer
	c := newClient(t, srv, func(c *plesk.Config) { c.Logger = debugLogger(&logs) })
	ctx := context.Background()
	var errs []error
	srv.SetFault(plesktest.FaultResultError)
	_, err := c.ListAccounts(ctx)
	errs = append(errs, err)
	errs = append(errs, c.SetPassword(ctx, provider.Account{Domain: "alpha.example"}, newPassword))
	_, err = c.CreateAccount(ctx, provider.NewAccount{Domain: "new.example", Username: "newftp", Email: "new@example.com", Password: newPassword, Product: "Unlimited"})
	errs = append(errs, err)
	srv.SetFault(plesktest.FaultHTML)
	errs = append(errs, c.SetPassword(ctx, provider.Account{Domain: "alpha.example"}, newPassword))
	srv.SetFault(plesktest.FaultNone)
	_, err = newClient(t, srv, func(c *plesk.Config) { c.Password = "Wrong-" + plesktest.Password; c.Logger = debugLogger(&logs) }).ListAccounts(ctx)
	errs = append(errs, err)
	for i, err := range errs {
		require.Error(t, err, "call %d", i)
		assertNoSecret(t, err.Error(), newPassword)
		var apiErr *provider.APIError
		if errors.As(err, &apiErr) {
			assertNoSecret(t, apiErr.Body, newPassword)
		}
	}
	assert.NotEmpty(t, logs.String(), "the debug log recorded the requests")
	assertNoSecret(t, logs.String(), newPassword)
}

func TestEveryListingCallRefusesAGetWithoutResults(t *testing.T) {
	good := map[string]string{
		"webspace.get": "webspace_get.xml", "customer.get": "customer_get.xml",
		"service-plan.get": "service_plan_get.xml", "reseller.get": "reseller_get.xml",
	}
	packets := map[string]string{
		"webspace.get": "webspace", "customer.get": "customer", "service-plan.get": "service-plan", "reseller.get": "reseller",
	}
	shapes := []struct {
		name, body string // body: the operator element; %s is its name
	}{
		{"no operator at all", ""},
		{"a get without results", "<%s><get/></%s>"},
		{"a get holding text instead of results", "<%s><get>all of them</get></%s>"},
	}
	for op, operator := range packets {
		for _, shape := range shapes {
			t.Run(op+" answered with "+shape.name+" fails the listing", func(t *testing.T) {
				files := map[string]string{}
				for k, v := range good {
					files[k] = v
				}
				inner := strings.ReplaceAll(shape.body, "%s", operator)
				files[op] = `<?xml version="1.0" encoding="UTF-8"?><packet version="1.6.9.1">` + inner + `</packet>`
				fs := newFixtureServer(t, files)
				c, err := plesk.New(plesk.Config{BaseURL: fs.URL, Username: "admin", Password: "secret-pw", RateLimit: -1})
				require.NoError(t, err)
				got, err := c.ListAccounts(context.Background())
				require.Error(t, err)
				assert.Nil(t, got)
				assert.Contains(t, err.Error(), "plesk: list accounts: ")
				assert.Contains(t, err.Error(), operator)
			})
		}
	}
	for _, f := range []plesktest.Fault{plesktest.FaultWrongShape, plesktest.FaultNullList, plesktest.FaultWrongType} {
		t.Run("the fake's "+f.String()+" webspace get fails the listing", func(t *testing.T) {
			srv := plesktest.NewServer(t, seed()...)
			srv.SetFault(f)
			c := newClient(t, srv, nil)
			got, err := c.ListAccounts(context.Background())
			require.Error(t, err)
			assert.Nil(t, got)
		})
	}
}
