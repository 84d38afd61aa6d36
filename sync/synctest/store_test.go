package synctest_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/accountsync/accountsync/provider"
	acsync "github.com/accountsync/accountsync/sync"
	"github.com/accountsync/accountsync/sync/synctest"
)

func TestStore(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		run  func(t *testing.T, s *synctest.Store)
	}{
		{"a seeded service is listed and found by ID", func(t *testing.T, s *synctest.Store) {
			id := s.AddService(acsync.Service{Domain: "a.example", Status: acsync.ServiceStatusActive})
			got, _ := s.Services(ctx)
			if len(got) != 1 || got[0].ID != id {
				t.Fatalf("Services = %+v", got)
			}
			if svc, ok := s.Service(id); !ok || svc.Domain != "a.example" {
				t.Errorf("Service(%s) = %+v, %v", id, svc, ok)
			}
		}},
		{"clients are found by e-mail without regard to case", func(t *testing.T, s *synctest.Store) {
			id := s.AddClient("Jo@Example.com")
			got, err := s.FindClientByEmail(ctx, " jo@example.COM")
			if err != nil || got != id {
				t.Fatalf("FindClientByEmail = %q, %v; want %q", got, err, id)
			}
			if _, err := s.FindClientByEmail(ctx, "nobody@example.com"); !errors.Is(err, provider.ErrNotFound) {
				t.Errorf("unknown e-mail: %v, want ErrNotFound", err)
			}
		}},
		{"a second client with one e-mail address is refused", func(t *testing.T, s *synctest.Store) {
			s.AddClient("jo@example.com")
			if _, err := s.CreateClient(ctx, acsync.NewClient{Email: "JO@example.com"}); !errors.Is(err, provider.ErrExists) {
				t.Errorf("CreateClient = %v, want ErrExists", err)
			}
		}},
		{"a product is created once per package", func(t *testing.T, s *synctest.Store) {
			a, _ := s.CreateProduct(ctx, acsync.NewProduct{Package: "gold"})
			b, _ := s.CreateProduct(ctx, acsync.NewProduct{Package: "gold"})
			if a != b || len(s.Products()) != 1 {
				t.Errorf("products %v after two creations of one package", s.Products())
			}
		}},
		{"a service needs an existing client and product", func(t *testing.T, s *synctest.Store) {
			if _, err := s.CreateService(ctx, acsync.Service{ClientID: "9", ProductID: "9"}); !errors.Is(err, provider.ErrNotFound) {
				t.Errorf("CreateService = %v, want ErrNotFound", err)
			}
			c, p := s.AddClient("jo@example.com"), s.AddProduct("gold")
			if _, err := s.CreateService(ctx, acsync.Service{ClientID: c, ProductID: p, Domain: "a.example"}); err != nil {
				t.Errorf("CreateService = %v", err)
			}
		}},
		{"an update changes only the fields it names", func(t *testing.T, s *synctest.Store) {
			id := s.AddService(acsync.Service{Domain: "a.example", Username: "a", Status: acsync.ServiceStatusActive})
			err := s.UpdateService(ctx, acsync.Service{ID: id, Domain: "b.example", Username: "b", Status: acsync.ServiceStatusSuspended},
				[]acsync.Change{{Field: acsync.FieldStatus, Old: "Active", New: "Suspended"}})
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := s.Service(id); got.Status != acsync.ServiceStatusSuspended || got.Domain != "a.example" || got.Username != "a" {
				t.Errorf("service after update: %+v", got)
			}
			if err := s.UpdateService(ctx, acsync.Service{ID: id}, []acsync.Change{{Field: "password"}}); err == nil {
				t.Error("an unknown field was accepted")
			}
		}},
		{"terminating sets the status and is idempotent", func(t *testing.T, s *synctest.Store) {
			id := s.AddService(acsync.Service{Domain: "a.example", Status: acsync.ServiceStatusActive})
			for range 2 {
				if err := s.TerminateService(ctx, acsync.Service{ID: id}); err != nil {
					t.Fatal(err)
				}
			}
			if got, _ := s.Service(id); got.Status != acsync.ServiceStatusTerminated {
				t.Errorf("status %s", got.Status)
			}
			if err := s.TerminateService(ctx, acsync.Service{ID: "nope"}); !errors.Is(err, provider.ErrNotFound) {
				t.Errorf("unknown service: %v", err)
			}
		}},
		{"notifications and journal entries are kept in order", func(t *testing.T, s *synctest.Store) {
			s.Notify(ctx, acsync.Notification{Kind: acsync.NotificationKindWelcome, Key: "a"})
			s.Notify(ctx, acsync.Notification{Kind: acsync.NotificationKindNewPassword, Key: "b", Password: "pw"})
			s.Record(ctx, acsync.Entry{Kind: acsync.KindImport, Key: "a"})
			n := s.Notifications()
			if len(n) != 2 || n[0].Key != "a" || n[1].Password != "pw" || len(s.Entries()) != 1 {
				t.Errorf("notifications %v, entries %v", n, s.Entries())
			}
		}},
		{"the fault hook fails the operation it names", func(t *testing.T, s *synctest.Store) {
			s.Fault = func(op, subject string) error {
				if op == "create-product" {
					return provider.ErrTransient
				}
				return nil
			}
			if _, err := s.CreateProduct(ctx, acsync.NewProduct{Package: "gold"}); !errors.Is(err, provider.ErrTransient) {
				t.Errorf("CreateProduct = %v", err)
			}
			if len(s.Products()) != 0 {
				t.Error("the failed operation changed the store")
			}
		}},
		{"a done context is refused", func(t *testing.T, s *synctest.Store) {
			done, cancel := context.WithCancel(ctx)
			cancel()
			if _, err := s.Services(done); !errors.Is(err, context.Canceled) {
				t.Errorf("Services = %v", err)
			}
			if _, err := s.CreateClient(done, acsync.NewClient{Email: "a@b.c"}); !errors.Is(err, context.Canceled) {
				t.Errorf("CreateClient = %v", err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.run(t, synctest.NewStore()) })
	}
}

// A test seeds the store, hands it to the engine, and inspects it.
func ExampleStore() {
	store := synctest.NewStore()
	client := store.AddClient("jo@example.com")
	product := store.AddProduct("gold")
	store.AddService(acsync.Service{ClientID: client, ProductID: product, Package: "gold", Domain: "example.com", Status: acsync.ServiceStatusActive})

	fmt.Println(store.Clients(), store.Products())
	services, _ := store.Services(context.Background())
	fmt.Println(services[0].ID, services[0].Domain, services[0].Status)
	// Output:
	// map[jo@example.com:1] map[gold:1]
	// 1 example.com Active
}

func TestStoreConformance(t *testing.T) {
	synctest.RunStore(t, func(t *testing.T) acsync.Store { return synctest.NewStore() })
}
