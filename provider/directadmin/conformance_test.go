package directadmin_test

import (
	"testing"
	"time"

	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/directadmin"
	"github.com/accountsync/accountsync/provider/directadmin/directadmintest"
	"github.com/accountsync/accountsync/provider/providertest"
)

// seed is a small server: a user, a suspended user without e-mail, a
// reseller and an IDN domain.
func seed() []provider.Account {
	at := func(s string) time.Time {
		t, err := time.Parse(time.DateTime, s)
		if err != nil {
			panic(err)
		}
		return t
	}
	return []provider.Account{
		{Email: "alice@example.com", Username: "alice", Domain: "alice.example", UniqueIdentifier: "alice.example",
			Product: "Pro", PrimaryIP: "198.51.100.7", Created: at("2023-03-15 10:22:31"), Status: provider.StatusActive},
		{Username: "bob", Domain: "bob.example.org", UniqueIdentifier: "bob.example.org",
			Product: "Starter", PrimaryIP: "198.51.100.7", Created: at("2019-02-05 08:01:09"), Status: provider.StatusSuspended},
		{Email: "res@example.net", Username: "resone", Domain: "reseller.example", UniqueIdentifier: "reseller.example",
			Product: "Starter", PrimaryIP: "198.51.100.8", Created: at("2020-01-01 00:00:00"), Status: provider.StatusActive,
			Extra: map[string]string{"usertype": "reseller"}},
		{Email: "cafe@example.com", Username: "cafe", Domain: "xn--caf-dma.example", UniqueIdentifier: "xn--caf-dma.example",
			Product: "Pro", PrimaryIP: "198.51.100.7", Created: at("2024-12-31 23:59:59"), Status: provider.StatusActive},
	}
}

// fastConfig is a client configuration for the fake: no rate limit and
// millisecond retry waits.
func fastConfig(srv *directadmintest.Server) directadmin.Config {
	return directadmin.Config{
		BaseURL:      srv.URL,
		Username:     directadmintest.Username,
		APIToken:     directadmintest.Token,
		IP:           "198.51.100.10",
		RateLimit:    -1,
		RetryWaitMin: time.Millisecond,
		RetryWaitMax: time.Millisecond,
	}
}

func TestConformance(t *testing.T) {
	for _, format := range []struct {
		name string
		json bool
	}{{"with URL-encoded answers", false}, {"with JSON answers", true}} {
		t.Run(format.name, func(t *testing.T) {
			providertest.Run(t, func(t *testing.T) provider.Provider {
				srv := directadmintest.NewServer(t, seed()...)
				cfg := fastConfig(srv)
				cfg.JSON = format.json
				c, err := directadmin.New(cfg)
				if err != nil {
					t.Fatal(err)
				}
				return c
			}, providertest.Options{Want: seed()})
		})
	}
}
