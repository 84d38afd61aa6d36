package cpanel_test

import (
	"testing"
	"time"

	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/cpanel"
	"github.com/accountsync/accountsync/provider/cpanel/cpaneltest"
	"github.com/accountsync/accountsync/provider/providertest"
)

// seed is a small realistic server: an active account, a suspended
// self-owned reseller, and an account without a contact e-mail or a
// creation date.
func seed() []provider.Account {
	return []provider.Account{
		{Username: "alice", Domain: "alice-example.com", Email: "alice@example.com", Product: "Basic",
			PrimaryIP: "203.0.113.10", Status: provider.StatusActive, Created: time.Date(2021, 3, 4, 9, 15, 0, 0, time.UTC)},
		{Username: "bobres", Domain: "bob-reseller.net", Email: "ops@bob-reseller.net", Product: "reseller_Gold",
			PrimaryIP: "203.0.113.11", Status: provider.StatusSuspended, Created: time.Date(2019, 7, 19, 23, 59, 0, 0, time.UTC),
			Extra: map[string]string{"owner": "bobres", "suspend_reason": "Overdue invoice #1042", "locked": "1"}},
		{Username: "tmpuser", Domain: "xn--bcher-kva.example", Product: "default", Status: provider.StatusActive,
			Extra: map[string]string{"owner": "bobres"}},
	}
}

// newClient returns a client for srv with millisecond retry waits.
func newClient(t testing.TB, srv *cpaneltest.Server, mod func(*cpanel.Config)) *cpanel.Client {
	t.Helper()
	cfg := cpanel.Config{
		BaseURL:      srv.URL,
		Username:     cpaneltest.Username,
		APIToken:     cpaneltest.Token,
		RateLimit:    -1,
		RetryWaitMin: time.Millisecond,
		RetryWaitMax: time.Millisecond,
		Timeout:      10 * time.Second,
	}
	if mod != nil {
		mod(&cfg)
	}
	c, err := cpanel.New(cfg)
	if err != nil {
		t.Fatalf("cpanel.New: %v", err)
	}
	return c
}

func TestConformance(t *testing.T) {
	want := seed()
	for i := range want {
		want[i].UniqueIdentifier = want[i].Domain
	}
	want[2].PrimaryIP = cpaneltest.DefaultIP // the seed names none
	providertest.Run(t, func(t *testing.T) provider.Provider {
		return newClient(t, cpaneltest.NewServer(t, seed()...), nil)
	}, providertest.Options{Want: want})
}
