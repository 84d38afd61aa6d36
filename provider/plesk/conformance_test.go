package plesk_test

import (
	"testing"
	"time"

	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/plesk"
	"github.com/accountsync/accountsync/provider/plesk/plesktest"
	"github.com/accountsync/accountsync/provider/providertest"
)

// seed is a small server: a customer's subscription, a suspended one owned
// by a reseller, and the administrator's own forwarding subscription.
func seed() []provider.Account {
	return []provider.Account{
		{Domain: "alpha.example", Username: "alphaftp", Email: "alpha@example.com", Product: "Default Domain",
			PrimaryIP: "192.0.2.20", Created: time.Date(2022, 8, 30, 0, 0, 0, 0, time.UTC), Status: provider.StatusActive},
		{Domain: "beta.example", Username: "betaftp", Email: "reseller@example.net", Product: "Reseller Gold",
			PrimaryIP: "192.0.2.21", Created: time.Date(2020, 1, 31, 0, 0, 0, 0, time.UTC), Status: provider.StatusSuspended,
			Extra: map[string]string{"owner_type": "reseller", "owner_login": "resel"}},
		{Domain: "bücher.example", Username: "admin", PrimaryIP: "192.0.2.22",
			Created: time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC), Status: provider.StatusSuspended,
			Extra: map[string]string{"htype": "std_fwd", "status": "272"}},
	}
}

// newClient returns a client of srv with fast retries.
func newClient(t testing.TB, srv *plesktest.Server, mod func(*plesk.Config)) *plesk.Client {
	t.Helper()
	cfg := plesk.Config{
		BaseURL: srv.URL, Username: plesktest.Username, Password: plesktest.Password,
		IP: "192.0.2.10", RateLimit: -1, RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond,
	}
	if mod != nil {
		mod(&cfg)
	}
	c, err := plesk.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestConformance(t *testing.T) {
	want := seed()
	for i := range want {
		want[i].UniqueIdentifier = want[i].Domain
	}
	want[0].Username, want[1].Username = "alphaftp", "betaftp"
	t.Run("with a login and password", func(t *testing.T) {
		providertest.Run(t, func(t *testing.T) provider.Provider {
			return newClient(t, plesktest.NewServer(t, seed()...), nil)
		}, providertest.Options{Want: want})
	})
	t.Run("with a secret key", func(t *testing.T) {
		providertest.Run(t, func(t *testing.T) provider.Provider {
			return newClient(t, plesktest.NewServer(t, seed()...), func(c *plesk.Config) {
				c.Username, c.Password, c.APIToken = "", "", plesktest.Token
			})
		}, providertest.Options{Want: want})
	})
}
