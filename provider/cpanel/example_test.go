package cpanel_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/cpanel"
	"github.com/accountsync/accountsync/provider/cpanel/cpaneltest"
)

// List the accounts of a WHM server (here the fake) and answer a WHMCS
// module's ListAccounts with them.
func Example() {
	srv := cpaneltest.New(cpaneltest.Options{Accounts: []provider.Account{
		{Username: "alice", Domain: "alice.example", Email: "alice@example.com", Product: "Basic",
			Created: time.Date(2021, 3, 4, 9, 15, 0, 0, time.UTC)},
		{Username: "bob", Domain: "bob.example", Product: "Gold", Status: provider.StatusSuspended,
			Created: time.Date(2022, 11, 30, 18, 0, 0, 0, time.UTC)},
	}})
	defer srv.Close()

	c, err := cpanel.New(cpanel.Config{
		BaseURL:  srv.URL, // https://whm.example.net:2087 for a real server
		Username: cpaneltest.Username,
		APIToken: cpaneltest.Token,
		Location: time.FixedZone("EST", -5*3600), // WHMCS's timezone
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	accounts, err := c.ListAccounts(context.Background())
	if err != nil {
		json.NewEncoder(os.Stdout).Encode(provider.ListAccountsResult{Error: err.Error()})
		return
	}
	json.NewEncoder(os.Stdout).Encode(provider.ListAccountsResult{Success: true, Accounts: accounts})
	// Output:
	// {"success":true,"accounts":[{"email":"alice@example.com","username":"alice","domain":"alice.example","uniqueIdentifier":"alice.example","product":"Basic","primaryip":"192.0.2.10","created":"2021-03-04 04:15:00","status":"Active"},{"email":"","username":"bob","domain":"bob.example","uniqueIdentifier":"bob.example","product":"Gold","primaryip":"192.0.2.10","created":"2022-11-30 13:00:00","status":"Suspended"}]}
}

// Errors are tested with errors.Is against the provider sentinels.
func ExampleClient_SuspendAccount() {
	srv := cpaneltest.New(cpaneltest.Options{Accounts: []provider.Account{{Username: "alice", Domain: "alice.example"}}})
	defer srv.Close()
	c, _ := cpanel.New(cpanel.Config{BaseURL: srv.URL, APIToken: cpaneltest.Token})
	ctx := context.Background()

	fmt.Println(c.SuspendAccount(ctx, provider.Account{Domain: "alice.example"}, "Overdue invoice"))
	fmt.Println(c.SuspendAccount(ctx, provider.Account{Domain: "alice.example"}, "Overdue invoice")) // already suspended
	err := c.SuspendAccount(ctx, provider.Account{Username: "ghost"}, "")
	fmt.Println(err)
	fmt.Println(errors.Is(err, provider.ErrNotFound))
	// Output:
	// <nil>
	// <nil>
	// cpanel: suspend account: HTTP 200: You do not have a user named “ghost”.
	// true
}

// A provider.Registry builds clients from WHMCS server records.
func ExampleFromServer() {
	reg := provider.Registry{"cpanel": provider.FactoryOf(cpanel.FromServer)}
	p, err := reg.New(provider.Server{
		Type: "cpanel", Name: "web1", Hostname: "whm.example.net", Secure: true,
		Username: "root", AccessHash: "0123456789ABCDEF0123456789ABCDEF",
	})
	fmt.Println(p.Metadata().DisplayName, err)
	// Output: cPanel/WHM <nil>
}
