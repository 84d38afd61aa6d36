//go:build acceptance

package whmcs_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/accountsync/accountsync/whmcs"
)

// TestAcceptanceReadOnly reads a real WHMCS, changing nothing: the
// server, its services, the store's products and the clients. Run it with
//
//	WHMCS_URL=https://billing.example.com WHMCS_IDENTIFIER=... WHMCS_SECRET=... \
//	WHMCS_SERVER_ID=3 [WHMCS_ACCESS_KEY=...] [WHMCS_PRODUCT_GROUP_ID=7] \
//	go test -tags acceptance -run Acceptance ./whmcs
//
// against credentials whose API role holds at least the five read actions
// the package doc lists. It is how to check a role, an allow-list and a
// server ID before a first sync.
func TestAcceptanceReadOnly(t *testing.T) {
	env := func(k string) string {
		v := os.Getenv(k)
		if v == "" && k != "WHMCS_ACCESS_KEY" && k != "WHMCS_PRODUCT_GROUP_ID" {
			t.Skipf("%s is not set", k)
		}
		return v
	}
	c, err := whmcs.New(whmcs.Config{BaseURL: env("WHMCS_URL"), Identifier: env("WHMCS_IDENTIFIER"), Secret: env("WHMCS_SECRET"),
		AccessKey: env("WHMCS_ACCESS_KEY")})
	if err != nil {
		t.Fatal(err)
	}
	store, err := c.NewStore(whmcs.StoreConfig{ServerID: env("WHMCS_SERVER_ID"), ProductGroupID: env("WHMCS_PRODUCT_GROUP_ID")})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	info, err := store.Server(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("server %s: %s (%s, %s), module %s, %d active services", info.ID, info.Name, info.Hostname, info.IP, info.Module, info.ActiveServices)
	start := time.Now()
	svcs, err := store.Services(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d services listed in %s", len(svcs), time.Since(start).Round(time.Millisecond))
	products, err := store.Products(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d products created by accountsync", len(products))
	clients, err := store.Clients(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d client addresses", len(clients))
}
