package directadmin_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/directadmin"
	"github.com/accountsync/accountsync/provider/directadmin/directadmintest"
)

func TestNewValidates(t *testing.T) {
	ok := directadmin.Config{BaseURL: "https://panel.example:2222", Username: "admin", APIToken: "KEY"}
	tests := []struct {
		name    string
		mod     func(*directadmin.Config)
		wantErr string
	}{
		{"a config with a login key is accepted", func(*directadmin.Config) {}, ""},
		{"a config with only a password is accepted", func(c *directadmin.Config) { c.APIToken, c.Password = "", "pw" }, ""},
		{"a missing base URL is named", func(c *directadmin.Config) { c.BaseURL = "" }, "Config.BaseURL is empty"},
		{"a missing username is named", func(c *directadmin.Config) { c.Username = "" }, "Config.Username is empty"},
		{"missing secrets are named", func(c *directadmin.Config) { c.APIToken = "" }, "Config.Password and Config.APIToken are both empty"},
		{"a username with a colon is refused", func(c *directadmin.Config) { c.Username = "ad:min" }, "colon"},
		{"an unknown scope is refused", func(c *directadmin.Config) { c.Scope = "everything" }, `Config.Scope "everything"`},
		{"a base URL without a scheme is refused", func(c *directadmin.Config) { c.BaseURL = "panel.example:2222" }, "invalid base URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := ok
			tt.mod(&cfg)
			_, err := directadmin.New(cfg)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.HasPrefix(err.Error(), "directadmin: ") {
				t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestConfigHidesSecrets(t *testing.T) {
	cfg := directadmin.Config{BaseURL: "https://panel.example:2222", Username: "admin", Password: "PW-secret-1", APIToken: "KEY-secret-2"}
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("config", "cfg", cfg)
	for _, out := range []string{cfg.String(), fmt.Sprint(cfg), fmt.Sprintf("%v", cfg), logs.String()} {
		if strings.Contains(out, "PW-secret-1") || strings.Contains(out, "KEY-secret-2") {
			t.Errorf("secret in %q", out)
		}
		if !strings.Contains(out, "REDACTED") || !strings.Contains(out, "admin") {
			t.Errorf("%q does not show the username and the masked secrets", out)
		}
	}
}

func TestFromServer(t *testing.T) {
	amsterdam, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		t.Skip("no tzdata:", err)
	}
	srv := directadmintest.NewServer(t, resellerSeed()...)
	u, _ := url.Parse(srv.URL)
	host, portStr, _ := net.SplitHostPort(u.Host)
	port, _ := strconv.Atoi(portStr)
	base := provider.Server{Type: "directadmin", Name: "da1", IP: host, Port: port, Username: directadmintest.Username,
		AccessHash: directadmintest.Token, RateLimit: -1}

	t.Run("the registry builds a client from the WHMCS server fields and params", func(t *testing.T) {
		s := base
		s.Params = map[string]string{"scope": "owned", "concurrency": "3", "timezone": "Europe/Amsterdam", "json": "yes", "ip": "203.0.113.9"}
		p, err := provider.Registry{"directadmin": provider.FactoryOf(directadmin.FromServer)}.New(s)
		if err != nil {
			t.Fatal(err)
		}
		accts, err := p.ListAccounts(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(usernames(accts), ","); got != "alice,bob,resone" {
			t.Errorf("listed %s, want the owned scope's alice,bob,resone", got)
		}
		created, err := p.(provider.Creator).CreateAccount(t.Context(), provider.NewAccount{Username: "zed", Domain: "zed.example", Email: "z@example.com", Password: "Zed-Passw0rd", Product: "Starter"})
		if err != nil {
			t.Fatal(err)
		}
		if created.PrimaryIP != "203.0.113.9" || created.Created.Location().String() != amsterdam.String() {
			t.Errorf("created on %s at %v; want the ip param and the timezone param", created.PrimaryIP, created.Created)
		}
	})
	t.Run("the server's IP is the default address for new accounts", func(t *testing.T) {
		c, err := directadmin.FromServer(base)
		if err != nil {
			t.Fatal(err)
		}
		got, err := c.CreateAccount(t.Context(), provider.NewAccount{Username: "yan", Domain: "yan.example", Email: "y@example.com", Password: "Yan-Passw0rd", Product: "Starter"})
		if err != nil || got.PrimaryIP != host {
			t.Fatalf("created %+v, %v; want IP %s", got, err, host)
		}
	})
	for _, tt := range []struct{ param, value, wantErr string }{
		{"concurrency", "lots", `param "concurrency" is "lots"`},
		{"timezone", "Mars/Olympus_Mons", `param "timezone"`},
		{"json", "perhaps", `param "json" is "perhaps"`},
		{"scope", "all", `Config.Scope "all"`},
		{"colour", "blue", `unknown param "colour"`},
	} {
		t.Run("a bad "+tt.param+" param is an error naming it", func(t *testing.T) {
			s := base
			s.Params = map[string]string{tt.param: tt.value}
			_, err := directadmin.FromServer(s)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
	t.Run("a server without a host is an error", func(t *testing.T) {
		if _, err := directadmin.FromServer(provider.Server{Name: "empty", Username: "admin", AccessHash: "k"}); err == nil {
			t.Fatal("no error")
		}
	})
}

func TestMetadata(t *testing.T) {
	c, err := directadmin.New(directadmin.Config{BaseURL: "https://panel.example:2222", Username: "admin", APIToken: "KEY"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"DisplayName": "DirectAdmin", "ListAccountsUniqueIdentifierField": "domain",
		"ListAccountsUniqueIdentifierDisplayName": "Domain", "ListAccountsProductField": "configoption1"}
	md := c.Metadata()
	if md.Type != "directadmin" {
		t.Errorf("Type = %q", md.Type)
	}
	if got := md.WHMCS(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("WHMCS metadata = %v, want %v", got, want)
	}
}
