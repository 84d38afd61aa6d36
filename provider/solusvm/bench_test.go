package solusvm_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/solusvm"
	"github.com/accountsync/accountsync/provider/solusvm/solusvmtest"
)

// manyAccounts returns n servers for 1,000 owners, one in ten suspended,
// a quarter of them OpenVZ containers.
func manyAccounts(n int) []provider.Account {
	created := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	out := make([]provider.Account, n)
	for i := range out {
		owner := i % 1000
		a := provider.Account{
			Email:            fmt.Sprintf("owner%d@example.com", owner),
			Username:         fmt.Sprintf("vmuser%d", owner),
			Domain:           fmt.Sprintf("vps%d.example.com", i),
			UniqueIdentifier: fmt.Sprint(i + 1),
			Product:          fmt.Sprintf("VPS-%dG", 1+i%4),
			PrimaryIP:        fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255),
			Created:          created.Add(time.Duration(i) * time.Minute),
			Status:           provider.StatusActive,
		}
		if i%10 == 0 {
			a.Status = provider.StatusSuspended
		}
		if i%4 == 0 {
			a.Extra = map[string]string{"type": "openvz"}
		}
		out[i] = a
	}
	return out
}

// BenchmarkListAccounts lists 10,000 servers from the fake, without a rate
// limit: SolusVM 1 (node lists, then one vserver-infoall per server,
// DefaultConcurrency at a time) and SolusVM 2 (pages of 15, the fake's
// default, after the first DefaultConcurrency at a time).
func BenchmarkListAccounts(b *testing.B) {
	const n = 10000
	for _, p := range protocols {
		b.Run(p.name, func(b *testing.B) {
			srv := solusvmtest.New(solusvmtest.Options{Accounts: manyAccounts(n)})
			defer srv.Close()
			c, err := solusvm.New(p.config(srv))
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				accts, err := c.ListAccounts(ctx)
				if err != nil {
					b.Fatal(err)
				}
				if len(accts) != n {
					b.Fatalf("listed %d accounts, want %d", len(accts), n)
				}
			}
		})
	}
}
