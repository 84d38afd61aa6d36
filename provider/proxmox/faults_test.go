package proxmox_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/proxmox"
	"github.com/accountsync/accountsync/provider/proxmox/proxmoxtest"
)

// assertNoSecrets fails if any credential the fake knows appears in s.
func assertNoSecrets(t *testing.T, srv *proxmoxtest.Server, what, s string) {
	t.Helper()
	for _, secret := range srv.Secrets() {
		if secret != "" && strings.Contains(s, secret) {
			t.Errorf("%s contains a secret (%d bytes long)", what, len(secret))
		}
	}
	for _, frag := range []string{"PVE:root@pam:", "PVEAuthCookie="} {
		if strings.Contains(s, frag) {
			t.Errorf("%s contains %q", what, frag)
		}
	}
}

func TestListAccountsFaults(t *testing.T) {
	tests := []struct {
		name       string
		opts       proxmoxtest.Options
		ticket     bool
		setup      func(*proxmoxtest.Server)
		mod        func(*proxmox.Config)
		timeout    time.Duration
		is         []error
		status     int    // want APIError.StatusCode
		contains   string // in the error text
		body       string // in the redacted body excerpt
		wantLogins int    // want this many POST /access/ticket, when > 0
	}{
		{name: "a refused token is ErrUnauthorized",
			setup: func(s *proxmoxtest.Server) { s.SetFault(proxmoxtest.FaultUnauthorized) },
			is:    []error{provider.ErrUnauthorized}, status: 401, contains: "authentication failure"},
		{name: "a refused login is ErrUnauthorized after one attempt", ticket: true,
			setup: func(s *proxmoxtest.Server) { s.SetFault(proxmoxtest.FaultUnauthorized) },
			is:    []error{provider.ErrUnauthorized}, status: 401, contains: "login as root@pam failed: authentication failure", wantLogins: 1},
		{name: "a failed permission check is ErrUnauthorized",
			setup: func(s *proxmoxtest.Server) { s.SetFault(proxmoxtest.FaultForbidden) },
			is:    []error{provider.ErrUnauthorized}, status: 403, contains: "Permission check failed (/vms, VM.Audit)"},
		{name: "a server error is ErrTransient with the reason phrase",
			setup: func(s *proxmoxtest.Server) { s.SetFault(proxmoxtest.FaultServerError) },
			is:    []error{provider.ErrTransient}, status: 500, contains: "cfs-lock 'file-replication_cfg' error: got lock request timeout"},
		{name: "a 429 is ErrRateLimited", mod: func(c *proxmox.Config) { c.MaxRetries = -1 },
			setup: func(s *proxmoxtest.Server) { s.SetFault(proxmoxtest.FaultRateLimited) },
			is:    []error{provider.ErrRateLimited, provider.ErrTransient}, status: 429},
		{name: "a slow server ends with the context deadline", timeout: 150 * time.Millisecond,
			setup: func(s *proxmoxtest.Server) { s.SetFault(proxmoxtest.FaultSlow) },
			is:    []error{context.DeadlineExceeded}},
		{name: "a body cut short is ErrTransient",
			setup: func(s *proxmoxtest.Server) { s.SetFault(proxmoxtest.FaultTruncated) },
			is:    []error{provider.ErrTransient}, contains: "EOF"},
		{name: "an HTML page is an error with an excerpt",
			setup:  func(s *proxmoxtest.Server) { s.SetFault(proxmoxtest.FaultHTML) },
			status: 200, contains: "unexpected HTML page", body: "pveproxy is restarting"},
		{name: "a malformed record fails the listing and names the record",
			setup:    func(s *proxmoxtest.Server) { s.SetFault(proxmoxtest.FaultMalformed) },
			contains: `malformed record qemu/105: vmid: invalid VM ID "105x"`},
		{name: "a ticket refused on every call is ErrUnauthorized after one new login", ticket: true,
			setup: func(s *proxmoxtest.Server) { s.SetFault(proxmoxtest.FaultExpiredTicket) },
			is:    []error{provider.ErrUnauthorized}, status: 401, contains: "invalid PVE ticket", wantLogins: 2},
		{name: "a node that answers 596 fails the listing as ErrNodeUnreachable",
			setup: func(s *proxmoxtest.Server) { s.SetFault(proxmoxtest.FaultNodeDown) },
			is:    []error{proxmox.ErrNodeUnreachable, provider.ErrTransient}, status: 596, contains: "node unreachable: Broken pipe"},
		{name: "an offline node fails the listing instead of hiding its guests",
			setup: func(s *proxmoxtest.Server) { s.SetNodeDown("pve2", true) },
			is:    []error{proxmox.ErrNodeUnreachable, provider.ErrTransient}, contains: "node pve2 is offline or unreachable"},
		{name: "a token without privileges is ErrUnauthorized, not an empty cluster",
			opts: proxmoxtest.Options{NoPrivileges: true},
			is:   []error{provider.ErrUnauthorized}, contains: "lacks VM.Audit on /vms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := tt.opts
			opts.Accounts = seedAccounts()
			srv := proxmoxtest.New(opts)
			defer srv.Close()
			var logs syncBuffer
			cfg := testConfig(srv, &logs)
			if tt.ticket {
				cfg = ticketConfig(srv, &logs)
			}
			if tt.mod != nil {
				tt.mod(&cfg)
			}
			c := newClient(t, cfg)
			if tt.setup != nil {
				tt.setup(srv)
			}
			ctx := context.Background()
			if tt.timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.timeout)
				defer cancel()
			}
			accts, err := c.ListAccounts(ctx)
			if err == nil {
				t.Fatalf("ListAccounts returned %d accounts and no error", len(accts))
			}
			if len(accts) != 0 {
				t.Errorf("ListAccounts returned %d accounts with its error", len(accts))
			}
			var ae *provider.APIError
			if !errors.As(err, &ae) {
				t.Fatalf("error %v (%T) is not an *provider.APIError", err, err)
			}
			if ae.Type != "proxmox" || ae.Op != "list accounts" {
				t.Errorf("APIError Type, Op = %q, %q; want proxmox, list accounts", ae.Type, ae.Op)
			}
			if !strings.HasPrefix(err.Error(), "proxmox: list accounts: ") {
				t.Errorf("error %q lacks the prefix", err)
			}
			if tt.status != 0 && ae.StatusCode != tt.status {
				t.Errorf("StatusCode = %d, want %d (error %v)", ae.StatusCode, tt.status, err)
			}
			for _, target := range tt.is {
				if !errors.Is(err, target) {
					t.Errorf("error %q does not match %v", err, target)
				}
			}
			if tt.contains != "" && !strings.Contains(err.Error(), tt.contains) {
				t.Errorf("error %q does not contain %q", err, tt.contains)
			}
			if tt.body != "" && !strings.Contains(ae.Body, tt.body) {
				t.Errorf("body excerpt %q does not contain %q", ae.Body, tt.body)
			}
			if tt.wantLogins > 0 {
				if got := srv.Calls(proxmoxtest.FnTicket); got != tt.wantLogins {
					t.Errorf("%d logins, want %d", got, tt.wantLogins)
				}
			}
			assertNoSecrets(t, srv, "the error", err.Error())
			assertNoSecrets(t, srv, "the debug log", logs.String())
		})
	}
}

func TestListAccountsRecovers(t *testing.T) {
	tests := []struct {
		name   string
		ticket bool
		fault  proxmoxtest.Fault
		extra  func(t *testing.T, srv *proxmoxtest.Server)
	}{
		{name: "from one server error, by retrying the read", fault: proxmoxtest.FaultServerError},
		{name: "from one body cut short, by retrying the read", fault: proxmoxtest.FaultTruncated},
		{name: "from one node error, by retrying the read", fault: proxmoxtest.FaultNodeDown},
		{name: "from one 429, after its Retry-After", fault: proxmoxtest.FaultRateLimited},
		{name: "from an expired ticket, by logging in again once", ticket: true, fault: proxmoxtest.FaultExpiredTicket,
			extra: func(t *testing.T, srv *proxmoxtest.Server) {
				if got := srv.Calls(proxmoxtest.FnTicket); got != 2 {
					t.Errorf("%d logins, want 2", got)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := proxmoxtest.NewServer(t, seedAccounts()...)
			cfg := testConfig(srv, nil)
			if tt.ticket {
				cfg = ticketConfig(srv, nil)
			}
			c := newClient(t, cfg)
			if tt.ticket { // log in first, so that the fault meets a ticket
				if _, err := c.ListAccounts(context.Background()); err != nil {
					t.Fatal(err)
				}
			}
			srv.FailNext(tt.fault, 1)
			accts, err := c.ListAccounts(context.Background())
			if err != nil {
				t.Fatalf("ListAccounts: %v", err)
			}
			if len(accts) != len(srv.Accounts()) {
				t.Errorf("listed %d accounts, want %d", len(accts), len(srv.Accounts()))
			}
			if tt.extra != nil {
				tt.extra(t, srv)
			}
		})
	}
}
