package directadmin_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/directadmin"
	"github.com/accountsync/accountsync/provider/directadmin/directadmintest"
)

// List the accounts of a DirectAdmin server (here the in-memory fake) and
// answer a WHMCS ListAccounts call with them.
func Example() {
	srv := directadmintest.New(directadmintest.Options{Accounts: []provider.Account{
		{Username: "alice", Domain: "alice.example", Email: "alice@example.com", Product: "Pro",
			PrimaryIP: "203.0.113.7", Created: time.Date(2023, 3, 15, 10, 22, 31, 0, time.UTC)},
		{Username: "bob", Domain: "bob.example.org", Product: "Starter", PrimaryIP: "203.0.113.7",
			Created: time.Date(2019, 2, 5, 8, 1, 9, 0, time.UTC), Status: provider.StatusSuspended},
	}})
	defer srv.Close()

	c, err := directadmin.New(directadmin.Config{
		BaseURL:  srv.URL, // "https://panel.example.com:2222" for a real panel
		Username: directadmintest.Username,
		APIToken: directadmintest.Token, // a login key
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
	json.NewEncoder(os.Stdout).Encode(provider.ListAccountsResult{Success: true, Accounts: accounts})
	// Output:
	// {"success":true,"accounts":[{"email":"alice@example.com","username":"alice","domain":"alice.example","uniqueIdentifier":"alice.example","product":"Pro","primaryip":"203.0.113.7","created":"2023-03-15 10:22:31","status":"Active"},{"email":"","username":"bob","domain":"bob.example.org","uniqueIdentifier":"bob.example.org","product":"Starter","primaryip":"203.0.113.7","created":"2019-02-05 08:01:09","status":"Suspended"}]}
}

// Suspend and unsuspend are safe to repeat, although DirectAdmin's own
// button toggles: the client reads the state first.
func ExampleClient_SuspendAccount() {
	srv := directadmintest.New(directadmintest.Options{Accounts: []provider.Account{
		{Username: "alice", Domain: "alice.example", Product: "Pro", PrimaryIP: "203.0.113.7"},
	}})
	defer srv.Close()
	c, _ := directadmin.New(directadmin.Config{BaseURL: srv.URL, Username: directadmintest.Username, APIToken: directadmintest.Token})

	alice := provider.Account{Username: "alice", Domain: "alice.example"}
	for range 2 {
		if err := c.SuspendAccount(context.Background(), alice, "overdue invoice"); err != nil {
			fmt.Println(err)
		}
	}
	fmt.Println(srv.Accounts()[0].Status, "after", srv.Calls("CMD_API_SELECT_USERS"), "toggle")

	err := c.SuspendAccount(context.Background(), provider.Account{Username: "ghost"}, "")
	fmt.Println(err)
	// Output:
	// Suspended after 1 toggle
	// directadmin: suspend account: HTTP 200: user "ghost": Cannot Execute Your Request: That user does not exist
}
