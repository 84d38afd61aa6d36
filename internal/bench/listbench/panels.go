package main

import (
	"fmt"

	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/directadmin"
	"github.com/accountsync/accountsync/provider/directadmin/directadmintest"
	"github.com/accountsync/accountsync/provider/openstack"
	"github.com/accountsync/accountsync/provider/openstack/openstacktest"
	"github.com/accountsync/accountsync/provider/plesk"
	"github.com/accountsync/accountsync/provider/plesk/plesktest"
	"github.com/accountsync/accountsync/provider/proxmox"
	"github.com/accountsync/accountsync/provider/proxmox/proxmoxtest"
	"github.com/accountsync/accountsync/provider/solusvm"
	"github.com/accountsync/accountsync/provider/solusvm/solusvmtest"
)

func directadminPanel() panel {
	return panel{
		name: "directadmin",
		serve: func(n int) (string, func(), error) {
			srv := directadmintest.New(directadmintest.Options{Accounts: accounts(n)})
			return srv.URL, srv.Close, nil
		},
		client: func(baseURL string) (provider.Provider, error) {
			return directadmin.New(directadmin.Config{BaseURL: baseURL, Username: directadmintest.Username, APIToken: directadmintest.Token})
		},
	}
}

func pleskPanel() panel {
	return panel{
		name: "plesk",
		serve: func(n int) (string, func(), error) {
			srv := plesktest.New(plesktest.Options{Accounts: accounts(n)})
			return srv.URL, srv.Close, nil
		},
		client: func(baseURL string) (provider.Provider, error) {
			return plesk.New(plesk.Config{BaseURL: baseURL, APIToken: plesktest.Token})
		},
	}
}

// vmAccounts are accounts as a VPS panel holds them: the identifier is the
// server's id.
func vmAccounts(n int) []provider.Account {
	out := accounts(n)
	for i := range out {
		out[i].UniqueIdentifier = fmt.Sprint(i + 100)
		out[i].PrimaryIP = fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255)
	}
	return out
}

func solusvmPanel(version int) panel {
	return panel{
		name: fmt.Sprintf("solusvm%d", version),
		serve: func(n int) (string, func(), error) {
			srv := solusvmtest.New(solusvmtest.Options{Accounts: vmAccounts(n)})
			return srv.URL, srv.Close, nil
		},
		client: func(baseURL string) (provider.Provider, error) {
			if version == 2 {
				return solusvm.New(solusvm.Config{BaseURL: baseURL, APIVersion: 2, APIToken: solusvmtest.Token})
			}
			return solusvm.New(solusvm.Config{BaseURL: baseURL, Username: solusvmtest.APIID, APIToken: solusvmtest.APIKey})
		},
	}
}

func openstackPanel() panel {
	return panel{
		name: "openstack",
		serve: func(n int) (string, func(), error) {
			srv := openstacktest.New(openstacktest.Options{Accounts: vmAccounts(n)})
			return srv.URL, srv.Close, nil
		},
		client: func(baseURL string) (provider.Provider, error) {
			return openstack.New(openstack.Config{BaseURL: baseURL, Username: openstacktest.Username,
				Password: openstacktest.Password, ProjectName: openstacktest.ProjectName, AllTenants: true})
		},
	}
}

func proxmoxPanel() panel {
	return panel{
		name: "proxmox",
		serve: func(n int) (string, func(), error) {
			srv := proxmoxtest.New(proxmoxtest.Options{Accounts: vmAccounts(n)})
			return srv.URL, srv.Close, nil
		},
		client: func(baseURL string) (provider.Provider, error) {
			return proxmox.New(proxmox.Config{BaseURL: baseURL, Username: proxmoxtest.TokenID, APIToken: proxmoxtest.Token})
		},
	}
}
