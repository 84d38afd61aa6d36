package sqlstore_test

import (
	"errors"
	"testing"

	"github.com/accountsync/accountsync/provider"

	acsync "github.com/accountsync/accountsync/sync"
	"github.com/accountsync/accountsync/sync/synctest"
)

func TestStoreConformance(t *testing.T) {
	synctest.RunStore(t, func(t *testing.T) acsync.Store {
		_, s := openStore(t, "domain")
		return s
	})
}

func TestServerNameWithAnotherTypeIsRefused(t *testing.T) {
	db, _ := openStore(t, "domain")
	if _, err := db.Server(t.Context(), "web1", "plesk", "domain"); err == nil {
		t.Fatal("a second server named web1 of another type got web1's store")
	}
	if _, err := db.Server(t.Context(), "web1", "cpanel", "domain"); err != nil {
		t.Fatalf("web1 again with its own type: %v", err)
	}
}

func TestStoresOfTwoServersDoNotShareServices(t *testing.T) {
	ctx := t.Context()
	db, web1 := openStore(t, "domain")
	web2, err := db.Server(ctx, "web2", "cpanel", "domain")
	if err != nil {
		t.Fatal(err)
	}
	client, _ := web1.CreateClient(ctx, acsync.NewClient{Email: "jo@example.com"})
	product, _ := web1.CreateProduct(ctx, acsync.NewProduct{Package: "gold"})
	id, err := web1.CreateService(ctx, acsync.Service{ClientID: client, ProductID: product, Domain: "jo.example", Status: acsync.ServiceStatusActive})
	if err != nil {
		t.Fatal(err)
	}
	if svcs, _ := web2.Services(ctx); len(svcs) != 0 {
		t.Errorf("web2 lists web1's services: %v", svcs)
	}
	if err := web2.TerminateService(ctx, acsync.Service{ID: id}); !errors.Is(err, provider.ErrNotFound) {
		t.Errorf("web2 terminated web1's service: %v", err)
	}
}
