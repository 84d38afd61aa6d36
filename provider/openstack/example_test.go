package openstack_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"time"

	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/openstack"
	"github.com/accountsync/accountsync/provider/openstack/openstacktest"
)

// Example lists the servers of a (fake) OpenStack cloud and prints them as
// a WHMCS ListAccounts answer.
func Example() {
	srv := openstacktest.New(openstacktest.Options{Accounts: []provider.Account{
		{
			Email: "erin@example.com", Username: "erin", Domain: "shop.example.org",
			UniqueIdentifier: "8a1d0c4e-7b2f-4e6a-9d3c-5b1e0f2a0001", Product: "m1.small",
			PrimaryIP: "198.51.100.7", Created: time.Date(2024, 5, 1, 9, 30, 0, 0, time.UTC),
			Status: provider.StatusSuspended,
		},
		{
			Domain: "db1", UniqueIdentifier: "8a1d0c4e-7b2f-4e6a-9d3c-5b1e0f2a0002", Product: "m1.large",
			PrimaryIP: "2001:db8::8", Created: time.Date(2024, 5, 2, 11, 0, 0, 0, time.UTC),
		},
	}})
	defer srv.Close()

	c, err := openstack.New(openstack.Config{
		BaseURL:     srv.URL, // the Keystone URL; the compute endpoint comes from the catalog
		Username:    openstacktest.Username,
		Password:    openstacktest.Password,
		ProjectName: openstacktest.ProjectName,
	})
	if err != nil {
		log.Fatal(err)
	}
	accounts, err := c.ListAccounts(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	out, err := json.MarshalIndent(provider.ListAccountsResult{Success: true, Accounts: accounts}, "", "  ")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(out))
	fmt.Println(c.Metadata().WHMCS()["ListAccountsUniqueIdentifierField"])
	// Output:
	// {
	//   "success": true,
	//   "accounts": [
	//     {
	//       "email": "erin@example.com",
	//       "username": "erin",
	//       "domain": "shop.example.org",
	//       "uniqueIdentifier": "8a1d0c4e-7b2f-4e6a-9d3c-5b1e0f2a0001",
	//       "product": "m1.small",
	//       "primaryip": "198.51.100.7",
	//       "created": "2024-05-01 09:30:00",
	//       "status": "Suspended"
	//     },
	//     {
	//       "email": "",
	//       "username": "",
	//       "domain": "db1",
	//       "uniqueIdentifier": "8a1d0c4e-7b2f-4e6a-9d3c-5b1e0f2a0002",
	//       "product": "m1.large",
	//       "primaryip": "2001:db8::8",
	//       "created": "2024-05-02 11:00:00",
	//       "status": "Active"
	//     }
	//   ]
	// }
	// customfield.vmID
}

// ExampleClient_Servers streams servers page by page, stopping at the
// first error.
func ExampleClient_Servers() {
	srv := openstacktest.New(openstacktest.Options{Accounts: []provider.Account{
		{Domain: "web1.example.com", UniqueIdentifier: "b7e3a9c2-0000-4000-8000-000000000001", Product: "m1.small", PrimaryIP: "192.0.2.10"},
		{Domain: "web2.example.com", UniqueIdentifier: "b7e3a9c2-0000-4000-8000-000000000002", Product: "m1.medium", PrimaryIP: "192.0.2.11"},
	}})
	defer srv.Close()
	c, err := openstack.New(openstack.Config{BaseURL: srv.URL, Username: openstacktest.Username,
		Password: openstacktest.Password, ProjectName: openstacktest.ProjectName, PageSize: 1})
	if err != nil {
		log.Fatal(err)
	}
	for s, err := range c.Servers(context.Background()) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(s.Name, s.Flavor, s.PrimaryIP(), s.Status)
	}
	// Output:
	// web1.example.com m1.small 192.0.2.10 ACTIVE
	// web2.example.com m1.medium 192.0.2.11 ACTIVE
}
