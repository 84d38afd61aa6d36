package proxmox_test

import (
	"testing"
	"time"

	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/providertest"
	"github.com/accountsync/accountsync/provider/proxmox"
	"github.com/accountsync/accountsync/provider/proxmox/proxmoxtest"
)

// seedAccounts is a small cluster: QEMU VMs on two nodes, one suspended,
// one LXC container, one plain stopped VM.
func seedAccounts() []provider.Account {
	created := time.Date(2024, 2, 18, 13, 48, 13, 0, time.UTC)
	return []provider.Account{
		{UniqueIdentifier: "105", Domain: "web105.example.com", Email: "alice@example.com", Username: "alice",
			Product: "vps2", PrimaryIP: "203.0.113.105", Created: created, Status: provider.StatusActive},
		{UniqueIdentifier: "106", Domain: "shop.example.net", Email: "bob+shop@example.net", Product: "vps4",
			PrimaryIP: "203.0.113.106", Created: created.Add(48 * time.Hour), Status: provider.StatusSuspended},
		{UniqueIdentifier: "210", Domain: "ct210.example.org", Email: "carol@example.org", Product: "ct1",
			Status: provider.StatusActive, Extra: map[string]string{"type": "lxc", "node": "pve2"}},
		{UniqueIdentifier: "300", Domain: "idle.example.com", Product: "vps2", PrimaryIP: "2001:db8::300",
			Created: created.Add(-time.Hour), Status: provider.StatusActive, Extra: map[string]string{"status": "stopped"}},
	}
}

func TestConformance(t *testing.T) {
	for _, auth := range []struct {
		name string
		cfg  func(*proxmoxtest.Server, *syncBuffer) proxmox.Config
	}{
		{"with an API token", testConfig},
		{"with a ticket login", ticketConfig},
	} {
		t.Run(auth.name, func(t *testing.T) {
			want := proxmoxtest.NewServer(t, seedAccounts()...).Accounts()
			providertest.Run(t, func(t *testing.T) provider.Provider {
				srv := proxmoxtest.NewServer(t, seedAccounts()...)
				return newClient(t, auth.cfg(srv, nil))
			}, providertest.Options{Want: want})
		})
	}
}
