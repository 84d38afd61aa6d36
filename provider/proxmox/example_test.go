package proxmox_test

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/proxmox"
	"github.com/accountsync/accountsync/provider/proxmox/proxmoxtest"
)

// Example starts the fake Proxmox VE cluster, lists its guests with an API
// token and prints them as a WHMCS ListAccounts answer.
func Example() {
	srv := proxmoxtest.New(proxmoxtest.Options{Accounts: []provider.Account{
		{UniqueIdentifier: "101", Domain: "web101.example.com", Email: "alice@example.com", Username: "alice",
			Product: "vps2", PrimaryIP: "203.0.113.101", Created: time.Date(2024, 2, 18, 13, 48, 13, 0, time.UTC),
			Status: provider.StatusActive},
		{UniqueIdentifier: "102", Domain: "ct102.example.com", Email: "bob@example.net", Product: "ct1",
			PrimaryIP: "203.0.113.102", Status: provider.StatusSuspended, Extra: map[string]string{"type": "lxc"}},
	}})
	defer srv.Close()

	c, err := proxmox.New(proxmox.Config{
		BaseURL:  srv.URL, // a real cluster: "https://pve.example.com:8006"
		Username: proxmoxtest.TokenID,
		APIToken: proxmoxtest.Token,
		Cluster:  "pve-a",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	accounts, err := c.ListAccounts(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	out, _ := json.MarshalIndent(provider.ListAccountsResult{Success: true, Accounts: accounts}, "", "  ")
	fmt.Println(string(out))
	// Output:
	// {
	//   "success": true,
	//   "accounts": [
	//     {
	//       "email": "alice@example.com",
	//       "username": "alice",
	//       "domain": "web101.example.com",
	//       "uniqueIdentifier": "pve-a/101",
	//       "product": "vps2",
	//       "primaryip": "203.0.113.101",
	//       "created": "2024-02-18 13:48:13",
	//       "status": "Active"
	//     },
	//     {
	//       "email": "bob@example.net",
	//       "username": "",
	//       "domain": "ct102.example.com",
	//       "uniqueIdentifier": "pve-a/102",
	//       "product": "ct1",
	//       "primaryip": "203.0.113.102",
	//       "created": "",
	//       "status": "Suspended"
	//     }
	//   ]
	// }
}

// ExampleConfig_cacheMaxAge keeps one Client for a server, as a daemon
// that lists it every few minutes would: the first listing reads each
// guest's configuration, later ones only those of guests that stopped,
// restarted or were replaced since, and each at most CacheMaxAge after it
// was read.
func ExampleConfig_cacheMaxAge() {
	srv := proxmoxtest.New(proxmoxtest.Options{Accounts: []provider.Account{
		{UniqueIdentifier: "101", Domain: "web101.example.com", Product: "vps2", PrimaryIP: "203.0.113.101"},
		{UniqueIdentifier: "102", Domain: "web102.example.com", Product: "vps2", PrimaryIP: "203.0.113.102"},
	}})
	defer srv.Close()

	c, err := proxmox.New(proxmox.Config{
		BaseURL:     srv.URL,
		Username:    proxmoxtest.TokenID,
		APIToken:    proxmoxtest.Token,
		CacheMaxAge: 30 * time.Minute,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, when := range []string{"first", "second"} {
		before := srv.Calls(proxmoxtest.FnConfig)
		accounts, err := c.ListAccounts(context.Background())
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%s listing: %d guests, %d configurations read\n", when, len(accounts), srv.Calls(proxmoxtest.FnConfig)-before)
	}
	// Output:
	// first listing: 2 guests, 2 configurations read
	// second listing: 2 guests, 0 configurations read
}
