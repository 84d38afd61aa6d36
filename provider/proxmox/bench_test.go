package proxmox_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/proxmox/proxmoxtest"
)

// BenchmarkListAccounts lists 10,000 guests (QEMU and LXC, on three nodes)
// from the fake: one permission check, one /cluster/resources answer and
// 10,000 config reads, DefaultConcurrency at a time, over loopback.
func BenchmarkListAccounts(b *testing.B) {
	const n = 10000
	created := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	seed := make([]provider.Account, n)
	for i := range seed {
		a := provider.Account{
			UniqueIdentifier: fmt.Sprint(1000 + i),
			Domain:           fmt.Sprintf("vm%05d.example.com", i),
			Email:            fmt.Sprintf("customer%d@example.com", i%1500),
			Username:         fmt.Sprintf("user%d", i),
			Product:          []string{"vps1", "vps2", "vps4"}[i%3],
			PrimaryIP:        fmt.Sprintf("10.%d.%d.%d", i>>16&0xff, i>>8&0xff, i&0xff),
			Created:          created.Add(time.Duration(i) * time.Minute),
			Status:           provider.StatusActive,
		}
		if i%10 == 0 {
			a.Status = provider.StatusSuspended
		}
		if i%4 == 0 {
			a.Extra = map[string]string{"type": "lxc"}
		}
		seed[i] = a
	}
	srv := proxmoxtest.New(proxmoxtest.Options{Accounts: seed, Nodes: []string{"pve1", "pve2", "pve3"}})
	defer srv.Close()
	c := newClient(b, testConfig(srv, nil))
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		accts, err := c.ListAccounts(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if len(accts) != n {
			b.Fatalf("listed %d accounts, want %d", len(accts), n)
		}
	}
}
