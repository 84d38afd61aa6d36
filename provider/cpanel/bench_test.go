package cpanel_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/cpanel/cpaneltest"
)

// manyAccounts returns n accounts, every tenth suspended.
func manyAccounts(n int) []provider.Account {
	out := make([]provider.Account, n)
	start := time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range out {
		out[i] = provider.Account{
			Username: fmt.Sprintf("u%07d", i), Domain: fmt.Sprintf("site-%d.example", i),
			Email: fmt.Sprintf("owner%d@example.net", i), Product: fmt.Sprintf("Plan%d", i%5),
			PrimaryIP: "203.0.113.10", Status: provider.StatusActive, Created: start.Add(time.Duration(i) * time.Hour),
		}
		if i%10 == 0 {
			out[i].Status = provider.StatusSuspended
			out[i].Extra = map[string]string{"suspend_reason": "Overdue"}
		}
	}
	return out
}

// BenchmarkListAccounts lists 10,000 accounts from the fake: one
// listaccts request, the fake's encoding, the client's decoding and
// mapping.
func BenchmarkListAccounts(b *testing.B) {
	const n = 10000
	srv := cpaneltest.New(cpaneltest.Options{Accounts: manyAccounts(n)})
	defer srv.Close()
	c := newClient(b, srv, nil)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		accts, err := c.ListAccounts(ctx)
		if err != nil || len(accts) != n {
			b.Fatalf("ListAccounts = %d accounts, %v", len(accts), err)
		}
	}
}
