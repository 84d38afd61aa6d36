package proxmox_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/proxmox"
	"github.com/accountsync/accountsync/provider/proxmox/proxmoxtest"
)

// byID indexes a listing by UniqueIdentifier.
func byID(accts []provider.Account) map[string]provider.Account {
	m := make(map[string]provider.Account, len(accts))
	for _, a := range accts {
		m[a.UniqueIdentifier] = a
	}
	return m
}

// list lists or fails the test.
func list(t *testing.T, c *proxmox.Client) []provider.Account {
	t.Helper()
	accts, err := c.ListAccounts(context.Background())
	if err != nil {
		t.Fatalf("ListAccounts: %v", err)
	}
	return accts
}

// sameListing fails the test unless got is what the fake holds.
func sameListing(t *testing.T, srv *proxmoxtest.Server, got []provider.Account) {
	t.Helper()
	want := srv.Accounts()
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if string(g) != string(w) {
		t.Errorf("listing:\n got  %s\n want %s", g, w)
	}
}

func TestGuestsWithoutANameHaveNoDomain(t *testing.T) {
	srv := proxmoxtest.New(proxmoxtest.Options{Guests: []proxmoxtest.Guest{
		{VMID: 200, Type: "qemu", Node: "pve1", Config: map[string]string{"ipconfig0": "ip=192.0.2.200/24"}},
		{VMID: 201, Type: "lxc", Node: "pve2", Config: map[string]string{"net0": "name=eth0,ip=192.0.2.201/24"}},
		{VMID: 202, Type: "lxc", Node: "pve1", Name: "CT202", Config: map[string]string{"net0": "name=eth0,ip=dhcp"}},
		{VMID: 203, Type: "qemu", Node: "pve2", Name: "vm-203.example.com"},
	}})
	defer srv.Close()
	c := newClient(t, testConfig(srv, nil))
	for _, round := range []string{"the first listing", "a listing from the cache"} {
		t.Run(round, func(t *testing.T) {
			got := byID(list(t, c))
			for _, tt := range []struct{ name, id, want string }{
				{`a VM listed as "VM 200" has no name`, "200", ""},
				{`a container listed as "CT201" has no hostname`, "201", ""},
				{`a container whose hostname is "CT202" keeps it`, "202", "CT202"},
				{"a named VM keeps its name", "203", "vm-203.example.com"},
			} {
				t.Run(tt.name, func(t *testing.T) {
					if d := got[tt.id].Domain; d != tt.want {
						t.Errorf("domain %q, want %q", d, tt.want)
					}
				})
			}
		})
	}
}

func TestListingShapes(t *testing.T) {
	shapes := []proxmoxtest.Fault{proxmoxtest.FaultWrongShape, proxmoxtest.FaultNullList, proxmoxtest.FaultWrongType}
	calls := []struct {
		name string
		fn   string
		opts proxmoxtest.Options
		mod  func(*proxmox.Config)
	}{
		{"the guest listing", proxmoxtest.FnResources, proxmoxtest.Options{}, nil},
		{"the permission check", proxmoxtest.FnPermissions, proxmoxtest.Options{}, nil},
		{"the version", proxmoxtest.FnVersion, proxmoxtest.Options{}, nil},
		{"a guest's configuration", proxmoxtest.FnConfig, proxmoxtest.Options{}, nil},
		{"the pools, with pools as owners", proxmoxtest.FnPools, proxmoxtest.Options{Pools: []proxmoxtest.Pool{{ID: "p1", Comment: "a@example.com"}}},
			func(c *proxmox.Config) { c.Pools = proxmox.PoolIsOwner }},
	}
	for _, call := range calls {
		for _, shape := range shapes {
			for _, when := range []string{"on the first listing", "on a later listing"} {
				t.Run(fmt.Sprintf("%s answering %s %s fails the listing", call.name, shape, when), func(t *testing.T) {
					opts := call.opts
					opts.Accounts = seedAccounts()
					srv := proxmoxtest.New(opts)
					defer srv.Close()
					cfg := testConfig(srv, nil)
					if call.mod != nil {
						call.mod(&cfg)
					}
					c := newClient(t, cfg)
					if when == "on a later listing" {
						list(t, c)
					}
					srv.FaultOnly(call.fn)
					skip := 0
					if call.fn == proxmoxtest.FnConfig && when == "on the first listing" {
						skip = 2 // a guest's configuration after others were read
					}
					if call.fn == proxmoxtest.FnConfig && when == "on a later listing" {
						// A later listing reads the stopped guests' configurations.
						srv.SetStatus(105, "stopped")
					}
					srv.FailAfter(shape, skip, 1)
					accts, err := c.ListAccounts(context.Background())
					if err == nil {
						t.Fatalf("ListAccounts returned %d accounts and no error", len(accts))
					}
					if accts != nil {
						t.Errorf("ListAccounts returned %d accounts with its error", len(accts))
					}
					var ae *provider.APIError
					if !errors.As(err, &ae) || ae.Type != "proxmox" || ae.Op != "list accounts" {
						t.Errorf("error %v is not an *APIError of proxmox / list accounts", err)
					}
					if srv.Calls(call.fn) == 0 {
						t.Errorf("the listing did not call %s", call.fn)
					}
				})
			}
		}
	}
}

func TestALaterListingReadsOnlyWhatChanged(t *testing.T) {
	day := 24 * time.Hour
	ctime := func(d time.Duration) string {
		return fmt.Sprintf("creation-qemu=8.1.5,ctime=%d", time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Add(d).Unix())
	}
	seed := func() []proxmoxtest.Guest {
		return []proxmoxtest.Guest{
			{VMID: 101, Name: "a.example.com", Node: "pve1", Tags: []string{"plan-vps"}, Config: map[string]string{"meta": ctime(0), "ipconfig0": "ip=192.0.2.101/24", "ciuser": "anna"}},
			{VMID: 102, Name: "b.example.com", Node: "pve2", Config: map[string]string{"meta": ctime(day), "ipconfig0": "ip=192.0.2.102/24"}},
			{VMID: 103, Type: "lxc", Name: "c.example.com", Node: "pve1", Config: map[string]string{"net0": "name=eth0,ip=192.0.2.103/24"}},
			{VMID: 104, Name: "d.example.com", Node: "pve2", Status: "stopped", Tags: []string{"accountsync-suspended"}, Config: map[string]string{"meta": ctime(2 * day)}},
		}
	}
	tests := []struct {
		name string
		max  time.Duration // Config.CacheMaxAge
		// change runs between the two listings.
		change func(srv *proxmoxtest.Server)
		// reread are the VM IDs whose configuration the second listing reads.
		reread []int
		check  func(t *testing.T, got map[string]provider.Account)
	}{
		{name: "guests that kept running are not read again; stopped ones are", reread: []int{104}},
		{name: "tags, status and names come from the listing, not the cache",
			change: func(srv *proxmoxtest.Server) {
				srv.SetConfig(101, map[string]string{"tags": "plan-vps;owner-x_at_example.com", "name": "renamed.example.com"})
			},
			reread: []int{104},
			check: func(t *testing.T, got map[string]provider.Account) {
				if a := got["101"]; a.Email != "x@example.com" || a.Domain != "renamed.example.com" {
					t.Errorf("101 listed with e-mail %q and domain %q", a.Email, a.Domain)
				}
			}},
		{name: "a VM ID reused by a new guest is read again, with the new guest's creation time",
			change: func(srv *proxmoxtest.Server) {
				srv.Replace(proxmoxtest.Guest{VMID: 102, Name: "b.example.com", Node: "pve2", Status: "running",
					Config: map[string]string{"meta": ctime(300 * day), "ipconfig0": "ip=198.51.100.2/24"}})
			},
			reread: []int{102, 104},
			check: func(t *testing.T, got map[string]provider.Account) {
				if a := got["102"]; !a.Created.Equal(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Add(300*day)) || a.PrimaryIP != "198.51.100.2" {
					t.Errorf("102 listed as created %v with address %q", a.Created, a.PrimaryIP)
				}
			}},
		{name: "a guest restarted is read again",
			change: func(srv *proxmoxtest.Server) {
				srv.SetStatus(103, "stopped")
				srv.SetConfig(103, map[string]string{"net0": "name=eth0,ip=192.0.2.233/24"})
				srv.SetStatus(103, "running")
			},
			reread: []int{103, 104},
			check: func(t *testing.T, got map[string]provider.Account) {
				if ip := got["103"].PrimaryIP; ip != "192.0.2.233" {
					t.Errorf("103 listed with address %q", ip)
				}
			}},
		{name: "without a cache every configuration is read every time", max: -1, reread: []int{101, 102, 103, 104}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := proxmoxtest.New(proxmoxtest.Options{Guests: seed()})
			defer srv.Close()
			cfg := testConfig(srv, nil)
			cfg.CacheMaxAge = tt.max
			c := newClient(t, cfg)
			sameListing(t, srv, list(t, c))
			if n := len(srv.Requests(proxmoxtest.FnConfig)); n != 4 {
				t.Fatalf("the first listing read %d configurations, want 4", n)
			}
			if tt.change != nil {
				tt.change(srv)
			}
			before := len(srv.Requests(proxmoxtest.FnConfig))
			got := list(t, c)
			sameListing(t, srv, got)
			var reread []int
			for _, r := range srv.Requests(proxmoxtest.FnConfig)[before:] {
				var id int
				fmt.Sscanf(r.Path[strings.LastIndex(strings.TrimSuffix(r.Path, "/config"), "/")+1:], "%d", &id)
				reread = append(reread, id)
			}
			slices.Sort(reread)
			if !slices.Equal(reread, tt.reread) {
				t.Errorf("the second listing read the configurations of %v, want %v", reread, tt.reread)
			}
			if tt.check != nil {
				tt.check(t, byID(got))
			}
		})
	}
	t.Run("an address edited while the guest runs shows once CacheMaxAge has passed", func(t *testing.T) {
		srv := proxmoxtest.New(proxmoxtest.Options{Guests: seed()})
		defer srv.Close()
		cfg := testConfig(srv, nil)
		cfg.CacheMaxAge = 50 * time.Millisecond
		c := newClient(t, cfg)
		list(t, c)
		srv.SetConfig(101, map[string]string{"ipconfig0": "ip=203.0.113.101/24"})
		time.Sleep(cfg.CacheMaxAge)
		if ip := byID(list(t, c))["101"].PrimaryIP; ip != "203.0.113.101" {
			t.Errorf("101 listed with address %q, want 203.0.113.101", ip)
		}
	})
}

func TestBeforeRelease73TagsComeFromEachConfiguration(t *testing.T) {
	srv := proxmoxtest.New(proxmoxtest.Options{Accounts: seedAccounts(), Version: "7.2-11"})
	defer srv.Close()
	c := newClient(t, testConfig(srv, nil))
	for range 2 {
		before := srv.Calls(proxmoxtest.FnConfig)
		sameListing(t, srv, list(t, c))
		if n := srv.Calls(proxmoxtest.FnConfig) - before; n != len(srv.Accounts()) {
			t.Errorf("the listing read %d configurations, want one per guest (%d)", n, len(srv.Accounts()))
		}
	}
	if a := byID(list(t, c))["106"]; a.Status != provider.StatusSuspended || a.Product != "vps4" {
		t.Errorf("106 listed %s with product %q, want Suspended, vps4 (tags from its configuration)", a.Status, a.Product)
	}
}
