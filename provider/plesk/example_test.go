package plesk_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/plesk"
	"github.com/accountsync/accountsync/provider/plesk/plesktest"
)

// List a Plesk server's subscriptions and answer WHMCS's ListAccounts with
// them. The server here is the plesktest fake.
func Example() {
	srv := plesktest.New(plesktest.Options{Accounts: []provider.Account{
		{Domain: "example.com", Username: "exftp", Email: "jo@example.com", Product: "Unlimited",
			PrimaryIP: "203.0.113.7", Created: time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC), Status: provider.StatusActive},
		{Domain: "example.org", Username: "orgftp", Email: "kim@example.org", Product: "Default Domain",
			PrimaryIP: "203.0.113.8", Created: time.Date(2023, 11, 20, 0, 0, 0, 0, time.UTC), Status: provider.StatusSuspended},
	}})
	defer srv.Close()

	c, err := plesk.New(plesk.Config{BaseURL: srv.URL, APIToken: plesktest.Token})
	if err != nil {
		fmt.Println(err)
		return
	}
	accounts, err := c.ListAccounts(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	enc.Encode(provider.ListAccountsResult{Success: true, Accounts: accounts})
	// Output:
	// {
	//   "success": true,
	//   "accounts": [
	//     {
	//       "email": "jo@example.com",
	//       "username": "exftp",
	//       "domain": "example.com",
	//       "uniqueIdentifier": "example.com",
	//       "product": "Unlimited",
	//       "primaryip": "203.0.113.7",
	//       "created": "2024-03-05 00:00:00",
	//       "status": "Active"
	//     },
	//     {
	//       "email": "kim@example.org",
	//       "username": "orgftp",
	//       "domain": "example.org",
	//       "uniqueIdentifier": "example.org",
	//       "product": "Default Domain",
	//       "primaryip": "203.0.113.8",
	//       "created": "2023-11-20 00:00:00",
	//       "status": "Suspended"
	//     }
	//   ]
	// }
}

// Errors from the XML-API are matched with errors.Is, whatever level they
// arrived at.
func Example_errors() {
	srv := plesktest.New(plesktest.Options{})
	defer srv.Close()
	c, _ := plesk.New(plesk.Config{BaseURL: srv.URL, Username: "admin", Password: "not-the-password", MaxRetries: -1})

	_, err := c.ListPackages(context.Background())
	fmt.Println(err)
	fmt.Println(errors.Is(err, provider.ErrUnauthorized))

	c, _ = plesk.New(plesk.Config{BaseURL: srv.URL, APIToken: plesktest.Token})
	err = c.SuspendAccount(context.Background(), provider.Account{Domain: "gone.example"}, "unpaid")
	fmt.Println(errors.Is(err, provider.ErrNotFound))
	// Output:
	// plesk: list packages: HTTP 200: Authentication failed - wrong password. (code 1001)
	// true
	// true
}
