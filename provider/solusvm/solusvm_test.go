package solusvm_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/providertest"
	"github.com/accountsync/accountsync/provider/solusvm"
	"github.com/accountsync/accountsync/provider/solusvm/solusvmtest"
)

// seed is a small, realistic panel: two owners, a suspended server, a
// server with several addresses (one IPv6), an OpenVZ container, a stopped
// server and one without an owner.
func seed() []provider.Account {
	created := time.Date(2024, 3, 1, 10, 15, 0, 0, time.UTC)
	return []provider.Account{
		{Email: "alice@example.com", Username: "vmuser12", Domain: "web1.example.com", UniqueIdentifier: "101",
			Product: "VPS-2G", PrimaryIP: "203.0.113.10", Created: created, Status: provider.StatusActive,
			Extra: map[string]string{"ips": "203.0.113.11,2001:db8::10"}},
		{Email: "alice@example.com", Username: "vmuser12", Domain: "web2.example.com", UniqueIdentifier: "102",
			Product: "VPS-1G", PrimaryIP: "203.0.113.20", Created: created.Add(time.Hour), Status: provider.StatusSuspended},
		{Email: "bob@example.net", Username: "vmuser13", Domain: "ct55.example.net", UniqueIdentifier: "55",
			Product: "VPS-1G", PrimaryIP: "198.51.100.5", Created: created.Add(2 * time.Hour), Status: provider.StatusActive,
			Extra: map[string]string{"type": "openvz"}},
		{Email: "bob@example.net", Username: "vmuser13", Domain: "stopped.example.net", UniqueIdentifier: "56",
			Product: "VPS-2G", PrimaryIP: "198.51.100.6", Created: created.Add(3 * time.Hour), Status: provider.StatusActive,
			Extra: map[string]string{"state": "offline"}},
		{Domain: "orphan.example.org", UniqueIdentifier: "57", Product: "VPS-1G", PrimaryIP: "192.0.2.57",
			Created: created.Add(4 * time.Hour), Status: provider.StatusActive},
	}
}

// fast are the retry settings of every test client: milliseconds, not
// seconds, and no rate limit.
func fast(cfg solusvm.Config) solusvm.Config {
	cfg.RetryWaitMin = time.Millisecond
	cfg.RetryWaitMax = 2 * time.Millisecond
	cfg.RateLimit = -1
	cfg.Timeout = 10 * time.Second
	return cfg
}

// v1Config is a SolusVM 1 client configuration for srv.
func v1Config(srv *solusvmtest.Server) solusvm.Config {
	return fast(solusvm.Config{
		BaseURL:        srv.URL,
		Username:       solusvmtest.APIID,
		APIToken:       solusvmtest.APIKey,
		CreateDefaults: map[string]string{"nodegroup": "1", "template": "debian-12-x86_64"},
	})
}

// v2Config is a SolusVM 2 client configuration for srv.
func v2Config(srv *solusvmtest.Server) solusvm.Config {
	return fast(solusvm.Config{
		BaseURL:        srv.URL,
		APIVersion:     2,
		APIToken:       solusvmtest.Token,
		CreateDefaults: map[string]string{"location": "1", "os": "3"},
	})
}

func newClient(t testing.TB, cfg solusvm.Config) *solusvm.Client {
	t.Helper()
	c, err := solusvm.New(cfg)
	if err != nil {
		t.Fatalf("solusvm.New: %v", err)
	}
	return c
}

// debugLogger captures a debug log, to check that no secret reaches it.
func debugLogger() (*slog.Logger, *bytes.Buffer) {
	var buf bytes.Buffer
	return slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})), &buf
}

// seeded returns the fake's own view of the seed: what a SolusVM 1 (v1)
// or SolusVM 2 listing must show.
func seeded(v1 bool) []provider.Account {
	srv := solusvmtest.New(solusvmtest.Options{Accounts: seed()})
	defer srv.Close()
	if v1 {
		return srv.AccountsV1()
	}
	return srv.Accounts()
}

func TestConformance(t *testing.T) {
	t.Run("SolusVM 1 with JSON answers", func(t *testing.T) {
		want := seeded(true)
		providertest.Run(t, func(t *testing.T) provider.Provider {
			srv := solusvmtest.New(solusvmtest.Options{Accounts: seed()})
			t.Cleanup(srv.Close)
			return newClient(t, v1Config(srv))
		}, providertest.Options{Want: want})
	})
	t.Run("SolusVM 1 with XML answers from a master older than 1.14", func(t *testing.T) {
		want := seeded(true)
		providertest.Run(t, func(t *testing.T) provider.Provider {
			srv := solusvmtest.New(solusvmtest.Options{Accounts: seed(), XMLOnly: true})
			t.Cleanup(srv.Close)
			return newClient(t, v1Config(srv))
		}, providertest.Options{Want: want})
	})
	t.Run("SolusVM 2", func(t *testing.T) {
		want := seeded(false)
		providertest.Run(t, func(t *testing.T) provider.Provider {
			srv := solusvmtest.New(solusvmtest.Options{Accounts: seed(), PageSize: 2})
			t.Cleanup(srv.Close)
			return newClient(t, v2Config(srv))
		}, providertest.Options{
			Want: want,
			// SolusVM 2 users have no username: the listing gives the
			// e-mail in its place, as the WHMCS module does.
			NewAccount: func(i int) provider.NewAccount {
				email := fmt.Sprintf("kit%d@example.net", i)
				return provider.NewAccount{Username: email, Email: email, Domain: fmt.Sprintf("kit-test-%d.example", i),
					Password: fmt.Sprintf("Kit-Passw0rd!%d-q7z", i), Product: "VPS-1G"}
			},
		})
	})
}
