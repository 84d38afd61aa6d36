package whmcs_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"time"

	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/providertest"
	acsync "github.com/accountsync/accountsync/sync"
	"github.com/accountsync/accountsync/whmcs"
	"github.com/accountsync/accountsync/whmcs/whmcstest"
)

// A store lists the services of its one server; here a fake WHMCS stands
// in for billing.example.com.
func Example() {
	srv := whmcstest.New(whmcstest.Options{})
	defer srv.Close()
	web1 := srv.AddHostingServer(whmcstest.HostingServer{Name: "web1", Hostname: "web1.example.net", Module: "cpanel"})
	web2 := srv.AddHostingServer(whmcstest.HostingServer{Name: "web2", Hostname: "web2.example.net", Module: "cpanel"})
	group := srv.AddProductGroup("Shared hosting")
	starter := srv.AddProduct(whmcstest.Product{GroupID: group, Name: "Starter", Module: "cpanel", Package: "starter"})
	jo := srv.AddClient(whmcstest.Client{FirstName: "Jo", LastName: "Smith", Email: "jo@example.com"})
	srv.AddService(whmcstest.Service{ClientID: jo, ProductID: starter, ServerID: web1, Domain: "jo.example", Username: "jo", RegDate: "2021-06-07"})
	srv.AddService(whmcstest.Service{ClientID: jo, ProductID: starter, ServerID: web2, Domain: "shop.example", Username: "shop"})

	c, err := whmcs.New(whmcs.Config{BaseURL: srv.URL, Identifier: whmcstest.Identifier, Secret: whmcstest.Secret})
	if err != nil {
		fmt.Println(err)
		return
	}
	store, err := c.NewStore(whmcs.StoreConfig{
		ServerID: web1,
		// The API cannot read a product's package: say which product is
		// which package.
		Products: map[string]string{"starter": starter},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	services, err := store.Services(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range services {
		fmt.Println(s.ID, s.Domain, s.Username, s.Status, s.Package, s.ClientEmail, s.RegDate.Format("2006-01-02"))
	}
	// Output:
	// 1 jo.example jo Active starter jo@example.com 2021-06-07
}

// Executor.Run imports the server's accounts into WHMCS: an order without
// invoice or e-mail, accepted without provisioning. A second run finds
// everything in sync.
func Example_sync() {
	srv := whmcstest.New(whmcstest.Options{})
	defer srv.Close()
	web1 := srv.AddHostingServer(whmcstest.HostingServer{Name: "web1", Module: "cpanel"})
	group := srv.AddProductGroup("Imported (hidden)")

	c, _ := whmcs.New(whmcs.Config{BaseURL: srv.URL, Identifier: whmcstest.Identifier, Secret: whmcstest.Secret})
	store, _ := c.NewStore(whmcs.StoreConfig{ServerID: web1, ProductGroupID: group, PaymentMethod: whmcstest.Gateway})
	panel := providertest.NewFake(provider.Account{Domain: "jo.example", Username: "jo", Email: "jo@example.com",
		Product: "gold", Created: time.Date(2021, 6, 7, 0, 0, 0, 0, time.UTC), Status: provider.StatusActive})

	ctx := context.Background()
	for run := 1; run <= 2; run++ {
		products, _ := store.Products(ctx)
		e := &acsync.Executor{Provider: panel, Store: store, Notifier: store, Journal: store}
		report, err := e.Run(ctx, acsync.Options{Products: products, Billing: acsync.Billing{Free: true}})
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("run %d: %d actions, %d imported\n", run, len(report.Plan.Actions), report.Succeeded[acsync.KindImport])
	}
	s := srv.Services()[0]
	fmt.Println(s.Domain, s.Status, s.BillingCycle, s.RegDate, "on server", s.ServerID)
	fmt.Println("e-mails:", len(srv.Emails()), "module calls:", len(srv.ModuleCalls()), "invoices:", len(srv.Invoices()))
	// Output:
	// run 1: 3 actions, 1 imported
	// run 2: 0 actions, 0 imported
	// jo.example Active Free Account 2021-06-07 on server 1
	// e-mails: 0 module calls: 0 invoices: 0
}

// Call reaches actions the store does not use; reads (Get...) are retried,
// writes never.
func ExampleClient_Call() {
	srv := whmcstest.New(whmcstest.Options{})
	defer srv.Close()
	srv.AddClient(whmcstest.Client{FirstName: "Jo", LastName: "Smith", Email: "jo@example.com"})

	c, _ := whmcs.New(whmcs.Config{BaseURL: srv.URL, Identifier: whmcstest.Identifier, Secret: whmcstest.Secret})
	var answer struct {
		Client struct {
			ID       int    `json:"id"`
			FullName string `json:"fullname"`
		} `json:"client"`
	}
	err := c.Call(context.Background(), "GetClientsDetails", url.Values{"email": {"jo@example.com"}}, &answer)
	fmt.Println(answer.Client.ID, answer.Client.FullName, err)

	err = c.Call(context.Background(), "GetClientsDetails", url.Values{"email": {"nobody@example.com"}}, &answer)
	fmt.Println(err)
	// Output:
	// 1 Jo Smith <nil>
	// whmcs: call GetClientsDetails: HTTP 200: GetClientsDetails: Client Not Found
}

// An API role without an action, or an address off WHMCS's allow-list, is
// provider.ErrUnauthorized; the message is WHMCS's own.
func ExampleStore_Services_unauthorized() {
	srv := whmcstest.New(whmcstest.Options{AllowedActions: []string{"GetClientsProducts"}})
	defer srv.Close()
	c, _ := whmcs.New(whmcs.Config{BaseURL: srv.URL, Identifier: whmcstest.Identifier, Secret: whmcstest.Secret})
	store, _ := c.NewStore(whmcs.StoreConfig{ServerID: "1"})
	_, err := store.Services(context.Background())
	fmt.Fprintln(os.Stdout, err)
	// Output:
	// whmcs: list services: HTTP 403: GetServers: Invalid Permissions: API action "getservers" is not allowed
}
