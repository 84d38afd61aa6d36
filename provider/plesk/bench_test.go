package plesk_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/plesk/plesktest"
)

// manyAccounts returns n subscriptions: one customer per ten, every
// seventh suspended, every hundredth owned by a reseller.
func manyAccounts(n int) []provider.Account {
	out := make([]provider.Account, n)
	created := time.Date(2021, 3, 4, 0, 0, 0, 0, time.UTC)
	for i := range out {
		a := provider.Account{
			Domain:    fmt.Sprintf("site-%05d.example", i),
			Username:  fmt.Sprintf("ftp%05d", i),
			Email:     fmt.Sprintf("customer%04d@example.com", i/10),
			Product:   []string{"Default Domain", "Unlimited", "Starter"}[i%3],
			PrimaryIP: fmt.Sprintf("192.0.2.%d", 1+i%250),
			Created:   created.AddDate(0, 0, i%1000),
			Status:    provider.StatusActive,
		}
		if i%7 == 0 {
			a.Status = provider.StatusSuspended
		}
		if i%100 == 0 {
			a.Email = fmt.Sprintf("reseller%03d@example.net", i/100)
			a.Extra = map[string]string{"owner_type": "reseller"}
		}
		out[i] = a
	}
	return out
}

func BenchmarkListAccounts(b *testing.B) {
	srv := plesktest.New(plesktest.Options{Accounts: manyAccounts(10000)})
	defer srv.Close()
	c := newClient(b, srv, nil)
	ctx := context.Background()
	if accts, err := c.ListAccounts(ctx); err != nil || len(accts) != 10000 {
		b.Fatalf("ListAccounts: %d accounts, %v", len(accts), err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		accts, err := c.ListAccounts(ctx)
		if err != nil || len(accts) != 10000 {
			b.Fatalf("ListAccounts: %d accounts, %v", len(accts), err)
		}
	}
}
