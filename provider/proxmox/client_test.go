package proxmox_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/proxmox"
	"github.com/accountsync/accountsync/provider/proxmox/proxmoxtest"
)

func TestNewRejectsIncompleteConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  proxmox.Config
		want string
	}{
		{"a missing base URL", proxmox.Config{Username: "a@pve!b", APIToken: "x"}, "Config.BaseURL is empty"},
		{"no credentials at all", proxmox.Config{BaseURL: "https://pve:8006", Username: "root@pam"}, "both empty"},
		{"a token with a user instead of a token ID", proxmox.Config{BaseURL: "https://pve:8006", Username: "root@pam", APIToken: "x"}, "not an API token ID"},
		{"a password with a token ID", proxmox.Config{BaseURL: "https://pve:8006", Username: "root@pam!t", Password: "x"}, "not a user"},
		{"a cluster name with a slash", proxmox.Config{BaseURL: "https://pve:8006", Username: "a@pve!b", APIToken: "x", Cluster: "a/b"}, `contains "/"`},
		{"a tag prefix a tag cannot start with", proxmox.Config{BaseURL: "https://pve:8006", Username: "a@pve!b", APIToken: "x", ProductTagPrefix: "plan="}, "cannot start a Proxmox VE tag"},
		{"the same prefix for product and owner", proxmox.Config{BaseURL: "https://pve:8006", Username: "a@pve!b", APIToken: "x", ProductTagPrefix: "x-", OwnerTagPrefix: "X-"}, "both"},
		{"a base URL that is not http(s)", proxmox.Config{BaseURL: "ftp://pve", Username: "a@pve!b", APIToken: "x"}, "invalid base URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := proxmox.New(tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestFromServer(t *testing.T) {
	srv := proxmoxtest.NewServer(t, seedAccounts()...)
	tests := []struct {
		name   string
		server provider.Server
		wantID string // identifier of guest 105 in the listing
	}{
		{"a token ID in Username and the secret in AccessHash", provider.Server{Hostname: srv.URL,
			Username: proxmoxtest.TokenID, AccessHash: proxmoxtest.Token}, "105"},
		{"the token name from params and the realm from params", provider.Server{Hostname: srv.URL,
			Username: "accountsync", AccessHash: proxmoxtest.Token, Params: map[string]string{"realm": "pve", "tokenid": "sync", "cluster": "pve-a"}}, "pve-a/105"},
		{"a password login with the default realm pam", provider.Server{Hostname: srv.URL,
			Username: "root", Password: proxmoxtest.Password, Params: map[string]string{"pools": "owner", "concurrency": "2"}}, "105"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.server.RateLimit = -1
			c, err := proxmox.FromServer(tt.server)
			if err != nil {
				t.Fatalf("FromServer: %v", err)
			}
			accts, err := c.ListAccounts(context.Background())
			if err != nil {
				t.Fatalf("ListAccounts: %v", err)
			}
			if len(accts) == 0 || accts[0].UniqueIdentifier != tt.wantID {
				t.Errorf("first account %+v, want identifier %q", accts, tt.wantID)
			}
		})
	}
	t.Run("the registry builds it by type", func(t *testing.T) {
		reg := provider.Registry{"proxmox": provider.FactoryOf(proxmox.FromServer)}
		p, err := reg.New(provider.Server{Type: "proxmox", Hostname: "pve.example.com", Secure: true, Username: proxmoxtest.TokenID, AccessHash: "s3cret-token"})
		if err != nil {
			t.Fatal(err)
		}
		if md := p.Metadata(); md.Type != "proxmox" || md.UniqueIdentifierField != "customfield.vmid" || md.ProductField != "configoption1" {
			t.Errorf("Metadata = %+v", md)
		}
	})
	for _, bad := range []map[string]string{{"pools": "everything"}, {"concurrency": "0"}, {"timezone": "Mars/Olympus"}} {
		t.Run(fmt.Sprintf("the bad parameter %v is refused", bad), func(t *testing.T) {
			if _, err := proxmox.FromServer(provider.Server{Hostname: "pve", Username: proxmoxtest.TokenID, AccessHash: "x", Params: bad}); err == nil {
				t.Error("FromServer accepted it")
			}
		})
	}
}

func TestConfigHidesSecrets(t *testing.T) {
	cfg := proxmox.Config{BaseURL: "https://pve:8006", Username: "root@pam", Password: "hunter2-pass", APIToken: "tok-en-secret"}
	var b strings.Builder
	slog.New(slog.NewTextHandler(&b, nil)).Info("config", "cfg", cfg)
	for _, s := range []string{cfg.String(), fmt.Sprint(cfg), b.String()} {
		if strings.Contains(s, cfg.Password) || strings.Contains(s, cfg.APIToken) {
			t.Errorf("%q shows a secret", s)
		}
		if !strings.Contains(s, "REDACTED") {
			t.Errorf("%q does not say a secret is set", s)
		}
	}
}

func TestNoSecretInLogsAcrossOperations(t *testing.T) {
	for _, auth := range []struct {
		name string
		cfg  func(*proxmoxtest.Server, *syncBuffer) proxmox.Config
	}{{"with an API token", testConfig}, {"with a ticket login", ticketConfig}} {
		t.Run(auth.name, func(t *testing.T) {
			srv := proxmoxtest.NewServer(t, seedAccounts()...)
			var logs syncBuffer
			c := newClient(t, auth.cfg(srv, &logs))
			ctx := context.Background()
			var errs []string
			note := func(err error) {
				if err != nil {
					errs = append(errs, err.Error())
				}
			}
			a, err := c.CreateAccount(ctx, provider.NewAccount{Domain: "leak.example.com", Product: "vps2", Username: "u", Password: "Cl0ud-Init-Secret!"})
			note(err)
			note(c.SuspendAccount(ctx, a, "test"))
			srv.ExpireTickets()
			note(c.UnsuspendAccount(ctx, a))
			srv.SetFault(proxmoxtest.FaultHTML)
			_, err = c.ListAccounts(ctx)
			note(err)
			srv.SetFault(proxmoxtest.FaultUnauthorized)
			note(c.TerminateAccount(ctx, a))
			srv.SetFault(proxmoxtest.FaultNone)
			note(c.TerminateAccount(ctx, a))
			if len(errs) != 2 {
				t.Errorf("%d errors, want 2 (the HTML page and the refusal): %q", len(errs), errs)
			}
			text := logs.String() + strings.Join(errs, "\n")
			assertNoSecrets(t, srv, "the log and errors", text)
			if strings.Contains(text, "Cl0ud-Init-Secret!") {
				t.Error("the cloud-init password leaked")
			}
			if !strings.Contains(logs.String(), "http request") {
				t.Error("the debug log is empty; the test would prove nothing")
			}
		})
	}
}
