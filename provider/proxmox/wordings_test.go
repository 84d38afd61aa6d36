package proxmox_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/proxmox"
	"github.com/accountsync/accountsync/provider/proxmox/proxmoxtest"
)

// The fake answers each race below with Proxmox VE's own words for it
// (see proxmoxtest: missing, power, destroy, locked, clone); the client
// must come to the right end whatever the words.

func TestTerminateWhenTheGuestChangesUnderfoot(t *testing.T) {
	tests := []struct {
		name    string
		vmid    int
		before  string // the call before which the change happens
		change  func(srv *proxmoxtest.Server, vmid int)
		wantErr string // "" for nil
		gone    bool   // the guest must be gone after
	}{
		{name: `a VM destroyed before its status is read ("Configuration file ... does not exist") is terminated`,
			vmid: 105, before: proxmoxtest.FnStatus, change: removeGuest, gone: true},
		{name: "a VM destroyed before it is stopped (the stop task fails with that text) is terminated",
			vmid: 105, before: proxmoxtest.FnPower, change: removeGuest, gone: true},
		{name: `a container destroyed before it is stopped ("CT 210 not running") is terminated`,
			vmid: 210, before: proxmoxtest.FnPower, change: removeGuest, gone: true},
		{name: "a VM destroyed before the delete is terminated",
			vmid: 300, before: proxmoxtest.FnDelete, change: removeGuest, gone: true},
		{name: `a VM started again before the delete ("VM 300 is running - destroy failed") is an error and stays`,
			vmid: 300, before: proxmoxtest.FnDelete,
			change:  func(srv *proxmoxtest.Server, vmid int) { srv.SetStatus(vmid, "running") },
			wantErr: "VM 300 is running - destroy failed"},
		{name: `a VM under backup ("VM is locked (backup)") is an error and stays`,
			vmid: 105, before: proxmoxtest.FnPower,
			change:  func(srv *proxmoxtest.Server, vmid int) { srv.SetLock(vmid, "backup") },
			wantErr: "VM is locked (backup)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := proxmoxtest.NewServer(t, seedAccounts()...)
			c := newClient(t, testConfig(srv, nil))
			srv.OnNext(tt.before, func() { tt.change(srv, tt.vmid) })
			err := c.TerminateAccount(context.Background(), provider.Account{UniqueIdentifier: strconv.Itoa(tt.vmid)})
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("TerminateAccount: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("TerminateAccount: %v, want an error saying %q", err, tt.wantErr)
			case tt.wantErr != "" && errors.Is(err, provider.ErrNotFound):
				t.Errorf("error %v matches ErrNotFound", err)
			}
			if _, exists := guest(t, srv, tt.vmid); exists == tt.gone {
				t.Errorf("guest %d exists: %t, want %t", tt.vmid, exists, !tt.gone)
			}
		})
	}
}

func removeGuest(srv *proxmoxtest.Server, vmid int) { srv.Remove(vmid) }

func TestPowerRacesEndWhereTheyShould(t *testing.T) {
	tests := []struct {
		name string
		vmid int
		act  func(c *proxmox.Client, a provider.Account) error
		// prepare sets the guest up before the action; race runs just
		// before the power call.
		prepare func(c *proxmox.Client, a provider.Account) error
		race    func(srv *proxmoxtest.Server, vmid int)
		want    string // the guest's status after
	}{
		{name: `unsuspending a VM someone started meanwhile ("VM 105 already running") succeeds`,
			vmid: 105,
			act:  func(c *proxmox.Client, a provider.Account) error { return c.UnsuspendAccount(context.Background(), a) },
			prepare: func(c *proxmox.Client, a provider.Account) error {
				return c.SuspendAccount(context.Background(), a, "")
			},
			race: func(srv *proxmoxtest.Server, vmid int) { srv.SetStatus(vmid, "running") },
			want: "running"},
		{name: `unsuspending a container someone started meanwhile ("CT 210 already running") succeeds`,
			vmid: 210,
			act:  func(c *proxmox.Client, a provider.Account) error { return c.UnsuspendAccount(context.Background(), a) },
			prepare: func(c *proxmox.Client, a provider.Account) error {
				return c.SuspendAccount(context.Background(), a, "")
			},
			race: func(srv *proxmoxtest.Server, vmid int) { srv.SetStatus(vmid, "running") },
			want: "running"},
		{name: `suspending a container someone stopped meanwhile ("CT 210 not running") succeeds`,
			vmid: 210,
			act: func(c *proxmox.Client, a provider.Account) error {
				return c.SuspendAccount(context.Background(), a, "")
			},
			race: func(srv *proxmoxtest.Server, vmid int) { srv.SetStatus(vmid, "stopped") },
			want: "stopped"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := proxmoxtest.NewServer(t, seedAccounts()...)
			c := newClient(t, testConfig(srv, nil))
			a := provider.Account{UniqueIdentifier: strconv.Itoa(tt.vmid)}
			if tt.prepare != nil {
				if err := tt.prepare(c, a); err != nil {
					t.Fatalf("prepare: %v", err)
				}
			}
			srv.OnNext(proxmoxtest.FnPower, func() { tt.race(srv, tt.vmid) })
			if err := tt.act(c, a); err != nil {
				t.Fatalf("action: %v", err)
			}
			if g, _ := guest(t, srv, tt.vmid); g.Status != tt.want {
				t.Errorf("guest %d is %s, want %s", tt.vmid, g.Status, tt.want)
			}
		})
	}
}

func TestCreateRetriesWhenAnotherClientTakesTheVMID(t *testing.T) {
	for _, tt := range []struct{ name, node string }{
		{`on the template's node ("unable to create VM n: config file already exists")`, "pve1"},
		{`on another node ("VM n already exists on node 'pve2'")`, "pve2"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := proxmoxtest.NewServer(t, seedAccounts()...)
			c := newClient(t, testConfig(srv, nil))
			srv.OnNext(proxmoxtest.FnClone, func() {
				ids := map[int]bool{}
				for _, g := range srv.Guests() {
					ids[g.VMID] = true
				}
				next := 100
				for ids[next] {
					next++
				}
				srv.Replace(proxmoxtest.Guest{VMID: next, Name: "intruder.example.com", Node: tt.node, Status: "stopped"})
			})
			a, err := c.CreateAccount(context.Background(), provider.NewAccount{Domain: "new.example.com", Product: "vps2"})
			if err != nil {
				t.Fatalf("CreateAccount: %v", err)
			}
			if a.Domain != "new.example.com" || srv.Calls(proxmoxtest.FnClone) != 2 {
				t.Errorf("created %+v after %d clone calls, want new.example.com after 2", a, srv.Calls(proxmoxtest.FnClone))
			}
		})
	}
}
