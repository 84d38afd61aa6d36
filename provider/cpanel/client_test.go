package cpanel_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/cpanel"
	"github.com/accountsync/accountsync/provider/cpanel/cpaneltest"
)

func TestNew(t *testing.T) {
	tests := []struct {
		name    string
		cfg     cpanel.Config
		wantErr string // "" for success
	}{
		{"a base URL and a token are enough", cpanel.Config{BaseURL: "https://whm.example.net:2087", APIToken: "T"}, ""},
		{"a password instead of a token is accepted", cpanel.Config{BaseURL: "https://whm.example.net:2087", Password: "p"}, ""},
		{"a missing base URL is named", cpanel.Config{APIToken: "T"}, "Config.BaseURL"},
		{"a base URL without a scheme is refused", cpanel.Config{BaseURL: "whm.example.net:2087", APIToken: "T"}, "invalid base URL"},
		{"missing credentials are named", cpanel.Config{BaseURL: "https://whm.example.net:2087"}, "Config.APIToken"},
		{"a username with a colon is refused", cpanel.Config{BaseURL: "https://h:2087", Username: "a:b", APIToken: "T"}, "Config.Username"},
		{"a malformed pin is refused", cpanel.Config{BaseURL: "https://h:2087", APIToken: "T", CertSHA256: "abc"}, "CertSHA256"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := cpanel.New(tt.cfg)
			if tt.wantErr == "" {
				if err != nil || c == nil {
					t.Fatalf("New = %v, %v", c, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.HasPrefix(err.Error(), "cpanel: ") {
				t.Fatalf("New error = %v, want one naming %q", err, tt.wantErr)
			}
		})
	}
}

func TestConfigHidesSecrets(t *testing.T) {
	cfg := cpanel.Config{BaseURL: "https://h:2087", Username: "root", Password: "pw-secret-1", APIToken: "token-secret-2"}
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("config", "cfg", cfg)
	for _, s := range []string{cfg.String(), fmt.Sprint(cfg), fmt.Sprintf("%+v", cfg), logs.String()} {
		if strings.Contains(s, "pw-secret-1") || strings.Contains(s, "token-secret-2") {
			t.Errorf("%q shows a secret", s)
		}
		if !strings.Contains(s, "REDACTED") {
			t.Errorf("%q does not say a secret is set", s)
		}
	}
}

func TestAuthentication(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		cfg  func(*cpanel.Config)
		ok   bool
	}{
		{"an API token is sent as whm USER:TOKEN", func(*cpanel.Config) {}, true},
		{"an access hash pasted with newlines works", func(c *cpanel.Config) {
			c.APIToken = "\n" + cpaneltest.Token[:10] + "\n" + cpaneltest.Token[10:] + "\n"
		}, true},
		{"a password is sent with Basic authentication", func(c *cpanel.Config) { c.APIToken = ""; c.Password = cpaneltest.Password }, true},
		{"the username defaults to root", func(c *cpanel.Config) { c.Username = "" }, true},
		{"a wrong token is unauthorized", func(c *cpanel.Config) { c.APIToken = "WRONG" }, false},
		{"a wrong user is unauthorized", func(c *cpanel.Config) { c.Username = "reseller1" }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := cpaneltest.NewServer(t, seed()...)
			_, err := newClient(t, srv, tt.cfg).ListAccounts(ctx)
			if tt.ok && err != nil {
				t.Fatalf("ListAccounts: %v", err)
			}
			if !tt.ok && !errors.Is(err, provider.ErrUnauthorized) {
				t.Fatalf("ListAccounts = %v, want ErrUnauthorized", err)
			}
		})
	}
}

func TestTLS(t *testing.T) {
	srv := cpaneltest.New(cpaneltest.Options{Accounts: seed(), TLS: true})
	defer srv.Close()
	ctx := context.Background()
	t.Run("a self-signed certificate is refused by default", func(t *testing.T) {
		_, err := newClient(t, srv, nil).ListAccounts(ctx)
		if err == nil || errors.Is(err, provider.ErrTransient) {
			t.Fatalf("ListAccounts = %v, want a certificate error that is not transient", err)
		}
	})
	t.Run("a pinned certificate is trusted", func(t *testing.T) {
		accts, err := newClient(t, srv, func(c *cpanel.Config) { c.CertSHA256 = srv.CertSHA256() }).ListAccounts(ctx)
		if err != nil || len(accts) != len(seed()) {
			t.Fatalf("ListAccounts = %d, %v", len(accts), err)
		}
	})
	t.Run("a wrong pin is refused", func(t *testing.T) {
		_, err := newClient(t, srv, func(c *cpanel.Config) { c.CertSHA256 = strings.Repeat("ab", 32) }).ListAccounts(ctx)
		if err == nil || !strings.Contains(err.Error(), "pinned") {
			t.Fatalf("ListAccounts = %v, want a pin mismatch", err)
		}
	})
}

func TestFromServer(t *testing.T) {
	srv := cpaneltest.NewServer(t, seed()...)
	host := strings.TrimPrefix(srv.URL, "http://")
	tests := []struct {
		name    string
		server  provider.Server
		wantErr string
	}{
		{"a WHMCS server record with an access hash works", provider.Server{
			Name: "web1", Type: "cpanel", Hostname: host, Username: "root", AccessHash: cpaneltest.Token,
			Params: map[string]string{"timezone": "UTC"}}, ""},
		{"a server with only a password works", provider.Server{Name: "web1", IP: host, Password: cpaneltest.Password}, ""},
		{"an unknown time zone is refused", provider.Server{Name: "web1", Hostname: host, AccessHash: "T",
			Params: map[string]string{"timezone": "Mars/Olympus"}}, `param "timezone" is "Mars/Olympus"`},
		{"the old location key is refused, naming the one to use", provider.Server{Name: "web1", Hostname: host, AccessHash: "T",
			Params: map[string]string{"location": "UTC"}}, `unknown param "location" (known: timezone)`},
		{"a server without a host is refused", provider.Server{Name: "web1", AccessHash: "T"}, "no hostname"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := provider.Registry{"cpanel": provider.FactoryOf(cpanel.FromServer)}
			tt.server.Type = "cpanel"
			p, err := reg.New(tt.server)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("New = %v, want an error with %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if accts, err := p.ListAccounts(context.Background()); err != nil || len(accts) != len(seed()) {
				t.Fatalf("ListAccounts = %d, %v", len(accts), err)
			}
		})
	}
	t.Run("the default ports follow the Secure flag", func(t *testing.T) {
		for secure, port := range map[bool]string{true: "https://whm.example.net:2087", false: "http://whm.example.net:2086"} {
			got, _ := provider.Server{Hostname: "whm.example.net", Secure: secure}.BaseURL(cpanel.SecurePort, cpanel.PlainPort)
			if got != port {
				t.Errorf("Secure=%t: %s, want %s", secure, got, port)
			}
		}
	})
}

func TestMetadata(t *testing.T) {
	c := newClient(t, cpaneltest.NewServer(t), nil)
	want := provider.Metadata{Type: "cpanel", DisplayName: "cPanel/WHM", UniqueIdentifierField: "domain",
		UniqueIdentifierDisplayName: "Domain", ProductField: "configoption1"}
	if got := c.Metadata(); got != want {
		t.Errorf("Metadata() = %+v", got)
	}
}

func TestCapabilities(t *testing.T) {
	ctx := context.Background()
	t.Run("the fake's state and the client's listing agree", func(t *testing.T) {
		srv := cpaneltest.NewServer(t, seed()...)
		got, err := newClient(t, srv, nil).ListAccounts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if want := srv.Accounts(); !reflect.DeepEqual(got, want) {
			t.Errorf("client %+v\nfake   %+v", got, want)
		}
	})
	t.Run("quoted integers from the server decode the same", func(t *testing.T) {
		srv := cpaneltest.New(cpaneltest.Options{Accounts: seed(), QuotedInts: true})
		defer srv.Close()
		got, err := newClient(t, srv, nil).ListAccounts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if want := srv.Accounts(); !reflect.DeepEqual(got, want) {
			t.Errorf("client %+v\nfake   %+v", got, want)
		}
	})
	t.Run("a created account is returned as listed", func(t *testing.T) {
		now := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
		srv := cpaneltest.New(cpaneltest.Options{Now: func() time.Time { return now }, Packages: []string{"Gold"}})
		defer srv.Close()
		a, err := newClient(t, srv, nil).CreateAccount(ctx, provider.NewAccount{
			Username: "NewUser", Domain: "New.Example.", Email: "n@example.com", Password: "Pw-123456789", Product: "Gold",
			Extra: map[string]string{"customip": "198.51.100.9", "username": "ignored"},
		})
		if err != nil {
			t.Fatal(err)
		}
		want := provider.Account{Email: "n@example.com", Username: "newuser", Domain: "new.example", UniqueIdentifier: "new.example",
			Product: "Gold", PrimaryIP: "198.51.100.9", Created: now, Status: provider.StatusActive, Extra: map[string]string{"owner": "root"}}
		if !reflect.DeepEqual(a, want) {
			t.Errorf("CreateAccount = %+v\nwant %+v", a, want)
		}
	})
	t.Run("creating with an unknown package gives ErrNotFound", func(t *testing.T) {
		srv := cpaneltest.NewServer(t)
		_, err := newClient(t, srv, nil).CreateAccount(ctx, provider.NewAccount{Username: "nopkg", Domain: "nopkg.example", Product: "Platinum"})
		if !errors.Is(err, provider.ErrNotFound) || !strings.Contains(err.Error(), "Platinum") {
			t.Fatalf("CreateAccount = %v", err)
		}
	})
	t.Run("a second username sharing the first 8 characters gives ErrExists", func(t *testing.T) {
		srv := cpaneltest.NewServer(t, provider.Account{Username: "customer01", Domain: "c1.example"})
		_, err := newClient(t, srv, nil).CreateAccount(ctx, provider.NewAccount{Username: "customer02", Domain: "c2.example"})
		if !errors.Is(err, provider.ErrExists) {
			t.Fatalf("CreateAccount = %v", err)
		}
	})
	t.Run("creating without a username or a domain makes no request", func(t *testing.T) {
		srv := cpaneltest.NewServer(t)
		c := newClient(t, srv, nil)
		for _, n := range []provider.NewAccount{{Domain: "d.example"}, {Username: "u"}} {
			if _, err := c.CreateAccount(ctx, n); err == nil || !strings.HasPrefix(err.Error(), "cpanel: create account: ") {
				t.Errorf("CreateAccount(%s) = %v", n, err)
			}
		}
		if srv.Calls("createacct") != 0 {
			t.Error("a request was sent")
		}
	})
	t.Run("an account known only by its domain is found with listaccts", func(t *testing.T) {
		srv := cpaneltest.NewServer(t, seed()...)
		c := newClient(t, srv, nil)
		byDomain := provider.Account{Domain: "ALICE-example.com."}
		if err := c.SuspendAccount(ctx, byDomain, "by domain"); err != nil {
			t.Fatal(err)
		}
		if err := c.SetPassword(ctx, byDomain, "Pw-123456789"); err != nil {
			t.Fatal(err)
		}
		if pw, _ := srv.PasswordOf("alice"); pw != "Pw-123456789" {
			t.Errorf("alice's password is %q", pw)
		}
		if err := c.UnsuspendAccount(ctx, byDomain); err != nil {
			t.Fatal(err)
		}
		if err := c.TerminateAccount(ctx, byDomain); err != nil {
			t.Fatal(err)
		}
		if len(srv.Accounts()) != len(seed())-1 {
			t.Errorf("alice was not removed")
		}
		for _, do := range []func() error{
			func() error { return c.SuspendAccount(ctx, byDomain, "") },
			func() error { return c.UnsuspendAccount(ctx, byDomain) },
			func() error { return c.SetPassword(ctx, byDomain, "Pw-123456789") },
		} {
			if err := do(); !errors.Is(err, provider.ErrNotFound) {
				t.Errorf("acting on the removed domain gave %v, want ErrNotFound", err)
			}
		}
		if err := c.TerminateAccount(ctx, byDomain); err != nil {
			t.Errorf("terminating the removed domain again: %v", err)
		}
	})
	t.Run("suspending a suspended account keeps its first reason", func(t *testing.T) {
		srv := cpaneltest.NewServer(t, seed()...)
		c := newClient(t, srv, nil)
		bob := provider.Account{Username: "bobres"}
		if err := c.SuspendAccount(ctx, bob, "a second reason"); err != nil {
			t.Fatal(err)
		}
		if got := srv.Accounts()[1].Extra["suspend_reason"]; got != "Overdue invoice #1042" {
			t.Errorf("the reason is now %q", got)
		}
	})
	t.Run("setting an empty password makes no request", func(t *testing.T) {
		srv := cpaneltest.NewServer(t, seed()...)
		if err := newClient(t, srv, nil).SetPassword(ctx, provider.Account{Username: "alice"}, ""); err == nil {
			t.Error("no error")
		}
		if srv.Calls("passwd") != 0 {
			t.Error("a request was sent")
		}
	})
	t.Run("packages come from listpkgs with their settings", func(t *testing.T) {
		srv := cpaneltest.NewServer(t, seed()...)
		pkgs, err := newClient(t, srv, nil).ListPackages(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, p := range pkgs {
			names = append(names, p.Name)
		}
		if want := srv.Packages(); !reflect.DeepEqual(names, want) {
			t.Errorf("packages %v, want %v", names, want)
		}
		if pkgs[1].Extra["QUOTA"] != "2048" || pkgs[1].Extra["BWLIMIT"] != "unlimited" {
			t.Errorf("settings %v", pkgs[1].Extra)
		}
		if got := srv.Requests("listpkgs")[0].Query.Get("want"); got != "creatable" {
			t.Errorf("want=%q", got)
		}
	})
	t.Run("the listing asks only for the fields it maps", func(t *testing.T) {
		srv := cpaneltest.NewServer(t, seed()...)
		if _, err := newClient(t, srv, nil).ListAccounts(ctx); err != nil {
			t.Fatal(err)
		}
		r := srv.Requests("listaccts")[0]
		if r.Method != http.MethodGet || r.Query.Get("want") == "" || r.Query.Get("api.version") != "1" {
			t.Errorf("listaccts went as %s %v", r.Method, r.Query)
		}
	})
}
