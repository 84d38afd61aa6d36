package proxmox_test

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/proxmox"
	"github.com/accountsync/accountsync/provider/proxmox/proxmoxtest"
)

// guest returns the fake's guest with vmid.
func guest(t *testing.T, srv *proxmoxtest.Server, vmid int) (proxmoxtest.Guest, bool) {
	t.Helper()
	for _, g := range srv.Guests() {
		if g.VMID == vmid {
			return g, true
		}
	}
	return proxmoxtest.Guest{}, false
}

// listed returns the listed account with id.
func listed(t *testing.T, c *proxmox.Client, id string) provider.Account {
	t.Helper()
	accts, err := c.ListAccounts(context.Background())
	if err != nil {
		t.Fatalf("ListAccounts: %v", err)
	}
	for _, a := range accts {
		if a.UniqueIdentifier == id {
			return a
		}
	}
	t.Fatalf("account %s is not listed", id)
	return provider.Account{}
}

func TestSuspend(t *testing.T) {
	ctx := context.Background()
	t.Run("suspending stops the VM and tags it; again, it changes nothing", func(t *testing.T) {
		srv := proxmoxtest.NewServer(t, seedAccounts()...)
		c := newClient(t, testConfig(srv, nil))
		a := provider.Account{UniqueIdentifier: "105"}
		if err := c.SuspendAccount(ctx, a, "unpaid"); err != nil {
			t.Fatal(err)
		}
		g, _ := guest(t, srv, 105)
		if g.Status != "stopped" || !slices.Contains(g.Tags, proxmox.SuspendedTag) {
			t.Errorf("guest 105 is %s with tags %v, want stopped and tagged", g.Status, g.Tags)
		}
		if got := listed(t, c, "105").Status; got != provider.StatusSuspended {
			t.Errorf("listed as %s, want Suspended", got)
		}
		powers, writes := srv.Calls(proxmoxtest.FnPower), srv.Calls(proxmoxtest.FnSetConfig)
		if err := c.SuspendAccount(ctx, a, "unpaid"); err != nil {
			t.Fatal(err)
		}
		if srv.Calls(proxmoxtest.FnPower) != powers || srv.Calls(proxmoxtest.FnSetConfig) != writes {
			t.Error("the second suspension changed the guest again")
		}
	})
	t.Run("suspending keeps the other tags", func(t *testing.T) {
		srv := proxmoxtest.NewServer(t, seedAccounts()...)
		c := newClient(t, testConfig(srv, nil))
		if err := c.SuspendAccount(ctx, provider.Account{UniqueIdentifier: "105"}, ""); err != nil {
			t.Fatal(err)
		}
		g, _ := guest(t, srv, 105)
		if want := []string{"plan-vps2", "owner-alice_at_example.com", proxmox.SuspendedTag}; !slices.Equal(g.Tags, want) {
			t.Errorf("tags %v, want %v", g.Tags, want)
		}
	})
	t.Run("unsuspending starts the VM, then removes the tag", func(t *testing.T) {
		srv := proxmoxtest.NewServer(t, seedAccounts()...)
		c := newClient(t, testConfig(srv, nil))
		if err := c.UnsuspendAccount(ctx, provider.Account{UniqueIdentifier: "106"}); err != nil {
			t.Fatal(err)
		}
		g, _ := guest(t, srv, 106)
		if g.Status != "running" || slices.Contains(g.Tags, proxmox.SuspendedTag) {
			t.Errorf("guest 106 is %s with tags %v, want running and untagged", g.Status, g.Tags)
		}
		if got := listed(t, c, "106").Status; got != provider.StatusActive {
			t.Errorf("listed as %s, want Active", got)
		}
	})
	t.Run("a failed start leaves the VM tagged and Suspended", func(t *testing.T) {
		srv := proxmoxtest.NewServer(t, seedAccounts()...)
		c := newClient(t, testConfig(srv, nil))
		srv.FailNextTask("start failed: not enough memory")
		err := c.UnsuspendAccount(ctx, provider.Account{UniqueIdentifier: "106"})
		if err == nil || !strings.Contains(err.Error(), "not enough memory") {
			t.Fatalf("UnsuspendAccount = %v, want the task's exit status", err)
		}
		if got := listed(t, c, "106").Status; got != provider.StatusSuspended {
			t.Errorf("listed as %s, want Suspended", got)
		}
	})
	t.Run("unsuspending a plain stopped VM leaves it stopped", func(t *testing.T) {
		srv := proxmoxtest.NewServer(t, seedAccounts()...)
		c := newClient(t, testConfig(srv, nil))
		if err := c.UnsuspendAccount(ctx, provider.Account{UniqueIdentifier: "300"}); err != nil {
			t.Fatal(err)
		}
		if g, _ := guest(t, srv, 300); g.Status != "stopped" {
			t.Errorf("guest 300 is %s, want stopped", g.Status)
		}
		if n := srv.Calls(proxmoxtest.FnPower); n != 0 {
			t.Errorf("%d power calls, want 0", n)
		}
	})
	t.Run("an LXC container is suspended the same way", func(t *testing.T) {
		srv := proxmoxtest.NewServer(t, seedAccounts()...)
		c := newClient(t, testConfig(srv, nil))
		if err := c.SuspendAccount(ctx, provider.Account{UniqueIdentifier: "210"}, ""); err != nil {
			t.Fatal(err)
		}
		if got := listed(t, c, "210").Status; got != provider.StatusSuspended {
			t.Errorf("listed as %s, want Suspended", got)
		}
	})
	t.Run("a task that outlives the deadline ends with context.DeadlineExceeded", func(t *testing.T) {
		srv := proxmoxtest.New(proxmoxtest.Options{Accounts: seedAccounts(), TaskPolls: 1 << 30})
		defer srv.Close()
		c := newClient(t, testConfig(srv, nil))
		ctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
		defer cancel()
		err := c.SuspendAccount(ctx, provider.Account{UniqueIdentifier: "105"}, "")
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("SuspendAccount = %v, want DeadlineExceeded", err)
		}
		if n := srv.Calls(proxmoxtest.FnSetConfig); n != 0 {
			t.Errorf("the guest was tagged although its stop never finished (%d config writes)", n)
		}
	})
	t.Run("without privileges a missing guest is ErrUnauthorized, not ErrNotFound", func(t *testing.T) {
		srv := proxmoxtest.New(proxmoxtest.Options{Accounts: seedAccounts(), NoPrivileges: true})
		defer srv.Close()
		c := newClient(t, testConfig(srv, nil))
		err := c.SuspendAccount(ctx, provider.Account{UniqueIdentifier: "105"}, "")
		if !errors.Is(err, provider.ErrUnauthorized) || errors.Is(err, provider.ErrNotFound) {
			t.Errorf("SuspendAccount = %v, want ErrUnauthorized only", err)
		}
	})
}

func TestTerminate(t *testing.T) {
	ctx := context.Background()
	t.Run("a running VM is stopped, then destroyed with its disks", func(t *testing.T) {
		srv := proxmoxtest.NewServer(t, seedAccounts()...)
		c := newClient(t, testConfig(srv, nil))
		if err := c.TerminateAccount(ctx, provider.Account{UniqueIdentifier: "105"}); err != nil {
			t.Fatal(err)
		}
		if _, ok := guest(t, srv, 105); ok {
			t.Error("guest 105 still exists")
		}
		if n := srv.Calls(proxmoxtest.FnPower); n != 1 {
			t.Errorf("%d power calls, want 1 (stop)", n)
		}
		del := received(srv, proxmoxtest.FnDelete)
		if len(del) != 1 || del[0].Get("purge") != "1" || del[0].Get("destroy-unreferenced-disks") != "1" {
			t.Errorf("DELETE parameters %v, want purge=1 and destroy-unreferenced-disks=1", del)
		}
	})
	t.Run("a failed destroy task is an error carrying its exit status", func(t *testing.T) {
		srv := proxmoxtest.NewServer(t, seedAccounts()...)
		c := newClient(t, testConfig(srv, nil))
		srv.FailNextTask("unable to remove disk: storage 'local-lvm' is not online")
		err := c.TerminateAccount(ctx, provider.Account{UniqueIdentifier: "300"})
		var ae *provider.APIError
		if !errors.As(err, &ae) || ae.Code != "qmdestroy" || !strings.Contains(err.Error(), "is not online") {
			t.Errorf("TerminateAccount = %v, want an APIError with code qmdestroy and the exit status", err)
		}
		if _, ok := guest(t, srv, 300); !ok {
			t.Error("guest 300 is gone although its destroy failed")
		}
	})
	t.Run("a template is refused", func(t *testing.T) {
		srv := proxmoxtest.NewServer(t, seedAccounts()...)
		c := newClient(t, testConfig(srv, nil))
		err := c.TerminateAccount(ctx, provider.Account{UniqueIdentifier: "9000"})
		if !errors.Is(err, provider.ErrNotSupported) {
			t.Errorf("TerminateAccount(template) = %v, want ErrNotSupported", err)
		}
		if _, ok := guest(t, srv, 9000); !ok {
			t.Error("the template was destroyed")
		}
	})
	t.Run("an identifier of another cluster is an error, not already gone", func(t *testing.T) {
		srv := proxmoxtest.NewServer(t, seedAccounts()...)
		cfg := testConfig(srv, nil)
		cfg.Cluster = "pve-a"
		c := newClient(t, cfg)
		err := c.TerminateAccount(ctx, provider.Account{UniqueIdentifier: "pve-b/105"})
		if err == nil || errors.Is(err, provider.ErrNotFound) {
			t.Errorf("TerminateAccount(pve-b/105) = %v, want an error that is not ErrNotFound", err)
		}
		if _, ok := guest(t, srv, 105); !ok {
			t.Error("guest 105 was destroyed")
		}
		if err := c.TerminateAccount(ctx, provider.Account{UniqueIdentifier: "pve-a/105"}); err != nil {
			t.Errorf("TerminateAccount(pve-a/105): %v", err)
		}
	})
	t.Run("without privileges nothing reads as already gone", func(t *testing.T) {
		srv := proxmoxtest.New(proxmoxtest.Options{Accounts: seedAccounts(), NoPrivileges: true})
		defer srv.Close()
		c := newClient(t, testConfig(srv, nil))
		if err := c.TerminateAccount(ctx, provider.Account{UniqueIdentifier: "105"}); !errors.Is(err, provider.ErrUnauthorized) {
			t.Errorf("TerminateAccount = %v, want ErrUnauthorized", err)
		}
	})
}

func TestCreate(t *testing.T) {
	ctx := context.Background()
	t.Run("a clone gets name, tags, cloud-init user and password, starts, and is listed", func(t *testing.T) {
		srv := proxmoxtest.NewServer(t, seedAccounts()...)
		c := newClient(t, testConfig(srv, nil))
		n := provider.NewAccount{Domain: "new.example.com", Email: "Dave.Jones+vps@Example.org", Username: "o'brien&<x>\"",
			Password: "p&ss<w>or\"d'\nline2=%;", Product: "vps2"}
		before := time.Now().Add(-time.Second)
		a, err := c.CreateAccount(ctx, n)
		if err != nil {
			t.Fatalf("CreateAccount: %v", err)
		}
		if a.Domain != n.Domain || a.Email != "dave.jones+vps@example.org" || a.Product != "vps2" || a.Username != n.Username || a.Status != provider.StatusActive {
			t.Errorf("created %+v", a)
		}
		if a.Created.Before(before) || a.Created.After(time.Now().Add(time.Second)) {
			t.Errorf("Created %s is not the clone time", a.Created)
		}
		if got := listed(t, c, a.UniqueIdentifier); got.Domain != n.Domain {
			t.Errorf("listed %+v", got)
		}
		clone := received(srv, proxmoxtest.FnClone)
		if len(clone) != 1 || clone[0].Get("name") != n.Domain || clone[0].Get("full") != "1" || clone[0].Get("newid") != a.UniqueIdentifier {
			t.Errorf("clone parameters %v", clone)
		}
		set := received(srv, proxmoxtest.FnSetConfig)
		if len(set) != 1 || set[0].Get("cipassword") != n.Password || set[0].Get("ciuser") != n.Username {
			t.Error("the cloud-init user and password did not arrive byte for byte")
		}
		if got := set[0].Get("tags"); got != "plan-vps2;owner-dave.jones+vps_at_example.org" {
			t.Errorf("tags %q", got)
		}
		if g, _ := guest(t, srv, mustAtoi(t, a.Extra["vmid"])); g.Status != "running" || g.Lock != "" {
			t.Errorf("the new guest is %s, lock %q; want running, unlocked", g.Status, g.Lock)
		}
	})
	t.Run("a second account with the same domain is ErrExists and clones nothing", func(t *testing.T) {
		srv := proxmoxtest.NewServer(t, seedAccounts()...)
		c := newClient(t, testConfig(srv, nil))
		_, err := c.CreateAccount(ctx, provider.NewAccount{Domain: "web105.example.com", Product: "vps2"})
		if !errors.Is(err, provider.ErrExists) {
			t.Errorf("CreateAccount = %v, want ErrExists", err)
		}
		if n := srv.Calls(proxmoxtest.FnClone); n != 0 {
			t.Errorf("%d clones, want 0", n)
		}
	})
	t.Run("an unknown template is ErrNotFound", func(t *testing.T) {
		srv := proxmoxtest.NewServer(t, seedAccounts()...)
		_, err := newClient(t, testConfig(srv, nil)).CreateAccount(ctx, provider.NewAccount{Domain: "x.example.com", Product: "nope"})
		if !errors.Is(err, provider.ErrNotFound) {
			t.Errorf("CreateAccount = %v, want ErrNotFound", err)
		}
	})
	t.Run("an e-mail address a tag cannot hold is refused before cloning", func(t *testing.T) {
		srv := proxmoxtest.NewServer(t, seedAccounts()...)
		_, err := newClient(t, testConfig(srv, nil)).CreateAccount(ctx, provider.NewAccount{Domain: "x.example.com", Product: "vps2", Email: "a&b@example.com"})
		if err == nil || !strings.Contains(err.Error(), "cannot hold") {
			t.Errorf("CreateAccount = %v, want a refusal naming the tag format", err)
		}
		if n := srv.Calls(proxmoxtest.FnClone); n != 0 {
			t.Errorf("%d clones, want 0", n)
		}
	})
	t.Run("a name the API rejects is a 400 with the parameter's message", func(t *testing.T) {
		srv := proxmoxtest.NewServer(t, seedAccounts()...)
		_, err := newClient(t, testConfig(srv, nil)).CreateAccount(ctx, provider.NewAccount{Domain: "bad_name!", Product: "vps2"})
		var ae *provider.APIError
		if !errors.As(err, &ae) || ae.StatusCode != 400 || !strings.Contains(err.Error(), "Parameter verification failed.: name: invalid format") {
			t.Errorf("CreateAccount = %v, want a 400 naming the name parameter", err)
		}
	})
	t.Run("an LXC template is cloned with a hostname and without cloud-init", func(t *testing.T) {
		srv := proxmoxtest.New(proxmoxtest.Options{Guests: []proxmoxtest.Guest{{VMID: 8000, Type: "lxc", Node: "pve1", Name: "alpine-ct", Template: true, Status: "stopped",
			Config: map[string]string{"net0": "name=eth0,bridge=vmbr0,ip=dhcp,type=veth", "ostype": "alpine"}}}})
		defer srv.Close()
		c := newClient(t, testConfig(srv, nil))
		a, err := c.CreateAccount(ctx, provider.NewAccount{Domain: "ct.example.com", Username: "ignored", Password: "ignored-pw-123", Product: "alpine-ct",
			Extra: map[string]string{"node": "pve2", "start": "0"}})
		if err != nil {
			t.Fatalf("CreateAccount: %v", err)
		}
		if a.Extra["type"] != "lxc" || a.Extra["node"] != "pve2" || a.Domain != "ct.example.com" || !a.Created.IsZero() || a.Extra["status"] != "stopped" {
			t.Errorf("created %+v", a)
		}
		clone := received(srv, proxmoxtest.FnClone)
		if clone[0].Get("hostname") != "ct.example.com" || clone[0].Get("target") != "pve2" {
			t.Errorf("clone parameters %v", clone[0])
		}
		if set := received(srv, proxmoxtest.FnSetConfig); set[0].Has("ciuser") || set[0].Has("cipassword") {
			t.Error("cloud-init keys were sent for a container")
		}
	})
	t.Run("with pools as products the guest joins the pool and the template comes from Extra", func(t *testing.T) {
		srv := proxmoxtest.New(proxmoxtest.Options{Packages: []string{"debian12"}, Pools: []proxmoxtest.Pool{{ID: "gold", Comment: "Gold plan"}}})
		defer srv.Close()
		cfg := testConfig(srv, nil)
		cfg.Pools = proxmox.PoolIsProduct
		c := newClient(t, cfg)
		pkgs, err := c.ListPackages(ctx)
		if err != nil || len(pkgs) != 1 || pkgs[0].Name != "gold" || pkgs[0].Extra["comment"] != "Gold plan" {
			t.Fatalf("ListPackages = %v, %v", pkgs, err)
		}
		a, err := c.CreateAccount(ctx, provider.NewAccount{Domain: "g.example.com", Product: "gold", Extra: map[string]string{"template": "debian12"}})
		if err != nil {
			t.Fatalf("CreateAccount: %v", err)
		}
		if a.Product != "gold" || a.Extra["pool"] != "gold" {
			t.Errorf("created %+v", a)
		}
		if _, err := c.CreateAccount(ctx, provider.NewAccount{Domain: "h.example.com", Product: "gold"}); err == nil {
			t.Error("CreateAccount without Extra[template] succeeded")
		}
	})
}

func TestListPackages(t *testing.T) {
	srv := proxmoxtest.New(proxmoxtest.Options{Packages: []string{"ubuntu24", "debian12"}})
	defer srv.Close()
	pkgs, err := newClient(t, testConfig(srv, nil)).ListPackages(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range pkgs {
		names = append(names, p.Name+"@"+p.Extra["vmid"])
	}
	if got, want := strings.Join(names, ","), "debian12@9001,ubuntu24@9000"; got != want {
		t.Errorf("packages %s, want %s", got, want)
	}
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("%q is not a number", s)
	}
	return n
}
