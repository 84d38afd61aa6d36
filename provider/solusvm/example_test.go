package solusvm_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"slices"
	"strings"
	"time"

	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/solusvm"
	"github.com/accountsync/accountsync/provider/solusvm/solusvmtest"
)

// exampleAccounts seed the fake in the examples.
func exampleAccounts() []provider.Account {
	return []provider.Account{
		{Email: "alice@example.com", Username: "vmuser12", Domain: "web1.example.com", UniqueIdentifier: "101",
			Product: "VPS-2G", PrimaryIP: "203.0.113.10", Status: provider.StatusActive,
			Created: time.Date(2024, 3, 1, 10, 15, 0, 0, time.UTC)},
		{Email: "bob@example.net", Username: "vmuser13", Domain: "ct55.example.net", UniqueIdentifier: "55",
			Product: "VPS-1G", PrimaryIP: "198.51.100.5", Status: provider.StatusSuspended,
			Created: time.Date(2023, 11, 20, 8, 0, 0, 0, time.UTC), Extra: map[string]string{"type": "openvz"}},
	}
}

// printWHMCS prints a listing as a WHMCS module's ListAccounts answer,
// ordered by identifier.
func printWHMCS(accts []provider.Account) {
	slices.SortFunc(accts, func(a, b provider.Account) int { return strings.Compare(a.UniqueIdentifier, b.UniqueIdentifier) })
	out, err := json.MarshalIndent(provider.ListAccountsResult{Success: true, Accounts: accts}, "", "  ")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(out))
}

// A SolusVM 1 master answers with the WHMCS records of its virtual
// servers. The API exposes neither plan nor creation time, so product and
// created are empty.
func Example() {
	srv := solusvmtest.New(solusvmtest.Options{Accounts: exampleAccounts()})
	defer srv.Close()

	c, err := solusvm.New(solusvm.Config{
		BaseURL:  srv.URL, // "https://master.example.com:5656"
		Username: solusvmtest.APIID,
		APIToken: solusvmtest.APIKey,
	})
	if err != nil {
		log.Fatal(err)
	}
	accts, err := c.ListAccounts(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	printWHMCS(accts)
	// Output:
	// {
	//   "success": true,
	//   "accounts": [
	//     {
	//       "email": "alice@example.com",
	//       "username": "vmuser12",
	//       "domain": "web1.example.com",
	//       "uniqueIdentifier": "101",
	//       "product": "",
	//       "primaryip": "203.0.113.10",
	//       "created": "",
	//       "status": "Active"
	//     },
	//     {
	//       "email": "bob@example.net",
	//       "username": "vmuser13",
	//       "domain": "ct55.example.net",
	//       "uniqueIdentifier": "55",
	//       "product": "",
	//       "primaryip": "198.51.100.5",
	//       "created": "",
	//       "status": "Suspended"
	//     }
	//   ]
	// }
}

// SolusVM 2 lists plan and creation time too; the e-mail doubles as the
// username, as in the official WHMCS module. Created is rendered in the
// zone of the billing system.
func Example_solusVM2() {
	srv := solusvmtest.New(solusvmtest.Options{Accounts: exampleAccounts()})
	defer srv.Close()

	c, err := solusvm.New(solusvm.Config{
		BaseURL:    srv.URL, // "https://solus.example.com"
		APIVersion: 2,
		APIToken:   solusvmtest.Token,
		Location:   time.FixedZone("CET", 3600),
	})
	if err != nil {
		log.Fatal(err)
	}
	accts, err := c.ListAccounts(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	printWHMCS(accts)
	// Output:
	// {
	//   "success": true,
	//   "accounts": [
	//     {
	//       "email": "alice@example.com",
	//       "username": "alice@example.com",
	//       "domain": "web1.example.com",
	//       "uniqueIdentifier": "101",
	//       "product": "VPS-2G",
	//       "primaryip": "203.0.113.10",
	//       "created": "2024-03-01 11:15:00",
	//       "status": "Active"
	//     },
	//     {
	//       "email": "bob@example.net",
	//       "username": "bob@example.net",
	//       "domain": "ct55.example.net",
	//       "uniqueIdentifier": "55",
	//       "product": "VPS-1G",
	//       "primaryip": "198.51.100.5",
	//       "created": "2023-11-20 09:00:00",
	//       "status": "Suspended"
	//     }
	//   ]
	// }
}

// FromServer reads the protocol from the server's params; Metadata then
// tells WHMCS where the identifier and the plan live.
func ExampleFromServer() {
	for _, version := range []string{"1", "2"} {
		c, err := solusvm.FromServer(provider.Server{
			Type: "solusvm", Name: "master", Hostname: "solus.example.com", Secure: true,
			Username: "api-id", Password: "api-key", AccessHash: "api-token",
			Params: map[string]string{"api_version": version},
		})
		if err != nil {
			log.Fatal(err)
		}
		md := c.Metadata()
		fmt.Printf("%s: %s (%s), product in %s\n", md.DisplayName, md.UniqueIdentifierField, md.UniqueIdentifierDisplayName, md.ProductField)
	}
	// Output:
	// SolusVM: customfield.vserverid (Virtual Server ID), product in configoption4
	// SolusVM 2: customfield.vserverid (Server ID), product in configoption1
}
