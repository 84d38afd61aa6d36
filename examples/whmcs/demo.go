package main

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/cpanel"
	"github.com/accountsync/accountsync/provider/cpanel/cpaneltest"
	"github.com/accountsync/accountsync/whmcs"
	"github.com/accountsync/accountsync/whmcs/whmcstest"
)

// demo starts a fake cPanel server and a fake WHMCS whose server "web1"
// is that cPanel server, seeded so that the plan has one of most things:
// accounts in sync, a suspension to record, imports for a known and a new
// client (one with a package WHMCS has no product for), a service to
// export, and an ended service whose account is still there.
func demo(logger *slog.Logger) (*job, error) {
	since := time.Date(2022, 3, 14, 9, 26, 53, 0, time.UTC)
	panel := cpaneltest.New(cpaneltest.Options{Accounts: []provider.Account{
		{Username: "alice", Domain: "alice.example", Email: "alice@example.com", Product: "gold", PrimaryIP: "192.0.2.10", Created: since, Status: provider.StatusActive},
		{Username: "bob", Domain: "bob.example", Email: "bob@example.com", Product: "gold", PrimaryIP: "192.0.2.10", Created: since, Status: provider.StatusSuspended},
		{Username: "carol", Domain: "carol.example", Email: "carol@example.com", Product: "silver", PrimaryIP: "192.0.2.10", Created: since, Status: provider.StatusActive},
		{Username: "dave", Domain: "dave.example", Email: "alice@example.com", Product: "gold", PrimaryIP: "192.0.2.11", Created: since, Status: provider.StatusActive},
		{Username: "frank", Domain: "frank.example", Email: "frank@example.com", Product: "gold", PrimaryIP: "192.0.2.10", Created: since, Status: provider.StatusActive},
	}, Packages: []string{"gold", "silver"}})
	billing := whmcstest.New(whmcstest.Options{})
	closeAll := func() { panel.Close(); billing.Close() }

	web1 := billing.AddHostingServer(whmcstest.HostingServer{Name: "web1", Hostname: "web1.example.net", IP: "127.0.0.1", Module: "cpanel"})
	billing.AddHostingServer(whmcstest.HostingServer{Name: "web2", Hostname: "web2.example.net", IP: "192.0.2.20", Module: "cpanel"})
	shared := billing.AddProductGroup("Shared hosting")
	imported := billing.AddProductGroup("Imported (hidden)")
	gold := billing.AddProduct(whmcstest.Product{GroupID: shared, Name: "Gold", Module: "cpanel", Package: "gold", PayType: "recurring", Price: "9.95"})
	alice := billing.AddClient(whmcstest.Client{FirstName: "Alice", LastName: "Archer", Email: "alice@example.com"})
	bob := billing.AddClient(whmcstest.Client{FirstName: "Bob", LastName: "Baker", Email: "bob@example.com"})
	erin := billing.AddClient(whmcstest.Client{FirstName: "Erin", LastName: "Eames", Email: "erin@example.com"})
	frank := billing.AddClient(whmcstest.Client{FirstName: "Frank", LastName: "Fisher", Email: "frank@example.com"})
	for _, s := range []whmcstest.Service{
		{ClientID: alice, Domain: "alice.example", Username: "alice", DedicatedIP: "192.0.2.10"},
		{ClientID: bob, Domain: "bob.example", Username: "bob", DedicatedIP: "192.0.2.10"},
		{ClientID: erin, Domain: "erin.example", Username: "erin"},
		{ClientID: frank, Domain: "frank.example", Username: "frank", Status: "Cancelled"},
	} {
		s.ProductID, s.ServerID, s.PaymentMethod = gold, web1, whmcstest.Gateway
		s.RegDate, s.NextDueDate, s.Amount = "2022-03-14", "2026-03-14", "9.95"
		billing.AddService(s)
	}

	p, err := cpanel.New(cpanel.Config{BaseURL: panel.URL, Username: cpaneltest.Username, APIToken: cpaneltest.Token, Logger: logger, RateLimit: -1})
	if err != nil {
		closeAll()
		return nil, err
	}
	c, err := whmcs.New(whmcs.Config{BaseURL: billing.URL, Identifier: whmcstest.Identifier, Secret: whmcstest.Secret, Logger: logger, RateLimit: -1})
	if err != nil {
		closeAll()
		return nil, err
	}
	store, err := c.NewStore(whmcs.StoreConfig{ServerID: web1, ProductGroupID: imported, PaymentMethod: whmcstest.Gateway,
		Products: map[string]string{"gold": gold}})
	if err != nil {
		closeAll()
		return nil, err
	}
	return &job{
		banner: fmt.Sprintf("Demo: a cPanel server at %s and a WHMCS at %s, both local fakes.", panel.URL, billing.URL),
		panel:  p, hosts: hostsOf(panel.URL), store: store, demo: true, close: closeAll,
	}, nil
}
