package directadmin_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/directadmin"
	"github.com/accountsync/accountsync/provider/directadmin/directadmintest"
)

// manyAccounts returns n distinct accounts, every tenth suspended.
func manyAccounts(n int) []provider.Account {
	created := time.Date(2022, 6, 1, 12, 0, 0, 0, time.UTC)
	out := make([]provider.Account, n)
	for i := range out {
		status := provider.StatusActive
		if i%10 == 0 {
			status = provider.StatusSuspended
		}
		out[i] = provider.Account{
			Email: fmt.Sprintf("owner%d@example.com", i), Username: fmt.Sprintf("user%05d", i),
			Domain: fmt.Sprintf("site%05d.example", i), Product: "Starter", PrimaryIP: "198.51.100.7",
			Created: created.Add(time.Duration(i) * time.Minute), Status: status,
		}
	}
	return out
}

// BenchmarkListAccounts lists 10,000 users from the fake: one
// CMD_API_SHOW_ALL_USERS and 10,000 CMD_API_SHOW_USER_CONFIG calls with the
// default concurrency, over loopback.
func BenchmarkListAccounts(b *testing.B) {
	for _, format := range []struct {
		name string
		json bool
	}{{"urlencoded", false}, {"json", true}} {
		b.Run(format.name, func(b *testing.B) {
			srv := directadmintest.NewServer(b, manyAccounts(10000)...)
			cfg := fastConfig(srv)
			cfg.JSON = format.json
			c, err := directadmin.New(cfg)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				accts, err := c.ListAccounts(b.Context())
				if err != nil {
					b.Fatal(err)
				}
				if len(accts) != 10000 {
					b.Fatalf("listed %d accounts, want 10000", len(accts))
				}
			}
		})
	}
}
