package whmcstest_test

import (
	"context"
	"fmt"

	"github.com/accountsync/accountsync/provider"
	acsync "github.com/accountsync/accountsync/sync"
	"github.com/accountsync/accountsync/whmcs"
	"github.com/accountsync/accountsync/whmcs/whmcstest"
)

// A test seeds the fake, points a client at it, makes it fail on demand
// and inspects what WHMCS would have done: here a crash right after
// AddOrder, and the retry that finishes the same order instead of placing
// a second one.
func Example() {
	srv := whmcstest.New(whmcstest.Options{})
	defer srv.Close()
	web1 := srv.AddHostingServer(whmcstest.HostingServer{Name: "web1", Module: "cpanel"})
	group := srv.AddProductGroup("Imported")

	c, _ := whmcs.New(whmcs.Config{BaseURL: srv.URL, Identifier: whmcstest.Identifier, Secret: whmcstest.Secret})
	store, _ := c.NewStore(whmcs.StoreConfig{ServerID: web1, ProductGroupID: group, PaymentMethod: whmcstest.Gateway})
	ctx := context.Background()
	client, _ := store.CreateClient(ctx, acsync.NewClient{Email: "jo@example.com", Account: provider.Account{Username: "jo"}})
	product, _ := store.CreateProduct(ctx, acsync.NewProduct{Package: "gold"})
	svc := acsync.Service{ClientID: client, ProductID: product, Domain: "jo.example", Username: "jo", Status: acsync.ServiceStatusActive}

	srv.DropAfter("AddOrder", 1)
	_, err := store.CreateService(ctx, svc)
	fmt.Println(err)
	id, err := store.CreateService(ctx, svc)
	fmt.Println(id, err)

	s, _ := srv.Service(id)
	fmt.Println(len(srv.Orders()), "order;", s.Domain, s.Status, "on server", s.ServerID)
	fmt.Println(len(srv.Emails()), "e-mails,", len(srv.ModuleCalls()), "module calls")
	// Output:
	// whmcs: create service: AddOrder: no answer (post: EOF); WHMCS may have carried it out, so it is not sent again
	// 1 <nil>
	// 1 order; jo.example Active on server 1
	// 0 e-mails, 0 module calls
}
