package whmcs_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/accountsync/accountsync/provider"
	acsync "github.com/accountsync/accountsync/sync"
	"github.com/accountsync/accountsync/whmcs"
	"github.com/accountsync/accountsync/whmcs/whmcstest"
)

func TestServicesListsThisServersServicesInPages(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, whmcstest.Options{}, func(c *whmcs.StoreConfig) { c.PageSize = 3 })
	mine := seedServices(w, 7)
	pid := w.srv.AddProduct(whmcstest.Product{GroupID: w.group, Name: "Other", Module: "cpanel"})
	c := w.srv.AddClient(whmcstest.Client{Email: "elsewhere@example.com"})
	w.srv.AddService(whmcstest.Service{ClientID: c, ProductID: pid, ServerID: w.web2, Domain: "other.example"})
	w.srv.AddService(whmcstest.Service{ClientID: c, ProductID: pid, ServerID: "0", Domain: "unassigned.example", Status: "Pending"})
	svcs, err := w.store.Services(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range svcs {
		got = append(got, s.ID)
	}
	if !slices.Equal(got, mine) {
		t.Errorf("listed %v, want %v", got, mine)
	}
	if n := w.srv.Calls("GetClientsProducts"); n != 3 {
		t.Errorf("%d pages for 9 services of 3", n)
	}
	// Pages after the first start on the last row of the one before.
	for i, r := range w.srv.Requests("GetClientsProducts") {
		want := [][2]string{{"0", "3"}, {"2", "4"}, {"5", "4"}}[i]
		if got := [2]string{r.Form.Get("limitstart"), r.Form.Get("limitnum")}; got != want {
			t.Errorf("page %d: limitstart, limitnum = %v, want %v", i+1, got, want)
		}
	}
	s := svcs[0]
	want := acsync.Service{ID: mine[0], ClientID: "1", ClientEmail: "client0@example.com", ProductID: "1", Domain: "site0.example",
		Username: "site0", Status: acsync.ServiceStatusActive, RegDate: time.Date(2020, 1, 2, 0, 0, 0, 0, time.UTC),
		NextDueDate: time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC), BillingCycle: "Monthly"}
	if fmt.Sprint(s) != fmt.Sprint(want) {
		t.Errorf("got  %+v\nwant %+v", s, want)
	}
}

func TestServicesReadsClientAddressesByPagingWhenThereAreMany(t *testing.T) {
	w := newWorld(t, whmcstest.Options{}, func(c *whmcs.StoreConfig) { c.PageSize = 25 })
	seedServices(w, 60)
	svcs, err := w.store.Services(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range svcs {
		if want := fmt.Sprintf("client%d@example.com", i); s.ClientEmail != want {
			t.Errorf("service %s: ClientEmail %q, want %q", s.ID, s.ClientEmail, want)
		}
	}
	if w.srv.Calls("GetClients") == 0 || w.srv.Calls("GetClientsDetails") != 0 {
		t.Errorf("GetClients %d calls, GetClientsDetails %d", w.srv.Calls("GetClients"), w.srv.Calls("GetClientsDetails"))
	}
	for _, r := range w.srv.Requests("GetClients") {
		if r.Form.Get("orderby") != "id" {
			t.Errorf("GetClients without orderby=id pages by last name: %v", r.Form)
		}
	}
}

func TestAListingThatChangesWhileReadIsAnError(t *testing.T) {
	tests := []struct {
		name   string
		change func(w *world, ids []string)
	}{
		{"a service added between pages", func(w *world, ids []string) {
			w.srv.AddService(whmcstest.Service{ClientID: "1", ProductID: "1", ServerID: w.web2, Domain: "new.example"})
		}},
		{"a service deleted between pages", func(w *world, ids []string) { w.srv.DeleteService(ids[0]) }},
		{"a service deleted and another added between pages", func(w *world, ids []string) {
			w.srv.DeleteService(ids[0])
			w.srv.AddService(whmcstest.Service{ClientID: "1", ProductID: "1", ServerID: w.web1, Domain: "new.example"})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, whmcstest.Options{}, func(c *whmcs.StoreConfig) { c.PageSize = 2 })
			ids := seedServices(w, 5)
			w.srv.OnCall("GetClientsProducts", func(n int) {
				if n == 2 {
					tt.change(w, ids)
				}
			})
			svcs, err := w.store.Services(context.Background())
			if err == nil || svcs != nil {
				t.Fatalf("Services = %d services, %v", len(svcs), err)
			}
			if !errors.Is(err, provider.ErrTransient) || !strings.Contains(err.Error(), "changed or came short") {
				t.Errorf("err = %v", err)
			}
			if _, err := w.store.Services(context.Background()); err != nil {
				t.Errorf("the next listing failed too: %v", err)
			}
		})
	}
}

func TestServicesOfADeletedProductFailTheListing(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, whmcstest.Options{})
	seedServices(w, 2)
	gone := w.srv.AddProduct(whmcstest.Product{GroupID: w.group, Name: "Old plan", Module: "cpanel"})
	c := w.srv.AddClient(whmcstest.Client{Email: "old@example.com"})
	w.srv.AddService(whmcstest.Service{ClientID: c, ProductID: gone, ServerID: w.web1, Domain: "old.example"})
	w.srv.AddService(whmcstest.Service{ClientID: c, ProductID: gone, ServerID: w.web1, Domain: "ended.example", Status: "Terminated"})
	w.srv.DeleteProduct(gone)

	svcs, err := w.store.Services(ctx)
	var ue *whmcs.UnlistedError
	if !errors.As(err, &ue) || svcs != nil {
		t.Fatalf("Services = %d, %v; want an UnlistedError", len(svcs), err)
	}
	if ue.Counted != 3 || ue.Listed != 2 || !strings.Contains(err.Error(), "deleted") {
		t.Errorf("err = %v (%+v)", err, ue)
	}
	t.Run("and a lookup by domain cannot see them either", func(t *testing.T) {
		var a struct {
			TotalResults any `json:"totalresults"`
		}
		if err := w.client.Call(ctx, "GetClientsProducts", map[string][]string{"domain": {"old.example"}}, &a); err != nil || fmt.Sprint(a.TotalResults) != "0" {
			t.Errorf("total %v, %v", a.TotalResults, err)
		}
	})
	t.Run("an order accepted while the listing is read is not mistaken for them", func(t *testing.T) {
		w := newWorld(t, whmcstest.Options{})
		ids := seedServices(w, 2)
		w.srv.OnCall("GetClientsProducts", func(n int) {
			if n == 1 {
				s, _ := w.srv.Service(ids[0])
				s.Domain = "fresh.example"
				w.srv.AddService(s)
			}
		})
		_, err := w.store.Services(ctx)
		if errors.As(err, &ue) || !errors.Is(err, provider.ErrTransient) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("addons allowed for are not mistaken for them", func(t *testing.T) {
		w := newWorld(t, whmcstest.Options{}, func(c *whmcs.StoreConfig) { c.AllowUnlisted = 2 })
		seedServices(w, 2)
		w.srv.SetServerAddons(w.web1, 2)
		if _, err := w.store.Services(ctx); err != nil {
			t.Errorf("Services: %v", err)
		}
		w.srv.SetServerAddons(w.web1, 3)
		if _, err := w.store.Services(ctx); !errors.As(err, &ue) {
			t.Errorf("one more than allowed: %v", err)
		}
	})
}

func TestTheStoresServerMustExistAndMatchTheModule(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, whmcstest.Options{})
	s, _ := w.client.NewStore(whmcs.StoreConfig{ServerID: "42"})
	if _, err := s.Services(ctx); !errors.Is(err, provider.ErrNotFound) || !strings.Contains(err.Error(), "StoreConfig.ServerID") {
		t.Errorf("unknown server: %v", err)
	}
	s, _ = w.client.NewStore(whmcs.StoreConfig{ServerID: w.web1, Module: "plesk"})
	if _, err := s.Services(ctx); err == nil || !strings.Contains(err.Error(), `runs module "cpanel"`) {
		t.Errorf("wrong module: %v", err)
	}
	info, err := w.store.Server(ctx)
	if err != nil || info.Name != "web1" || info.Hostname != "web1.example.net" || info.Module != "cpanel" {
		t.Errorf("Server = %+v, %v", info, err)
	}
}

func TestCreateServiceSendsNothingAndProvisionsNothing(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, whmcstest.Options{})
	client, product := w.clientAndProduct(t)
	id, err := w.store.CreateService(ctx, acsync.Service{ClientID: client, ProductID: product, Domain: "Jo.Example", Username: "jo",
		Status: acsync.ServiceStatusSuspended, DedicatedIP: "192.0.2.5", RegDate: time.Date(2019, 7, 8, 0, 0, 0, 0, time.UTC),
		NextDueDate: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), BillingCycle: "annually"})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := w.srv.Service(id)
	if got.ServerID != w.web1 || got.Status != "Suspended" || got.Username != "jo" || got.DedicatedIP != "192.0.2.5" ||
		got.RegDate != "2019-07-08" || got.NextDueDate != "2030-01-01" || got.BillingCycle != "Annually" || got.Domain != "Jo.Example" {
		t.Errorf("service %+v", got)
	}
	if e := w.srv.Emails(); len(e) != 0 {
		t.Errorf("e-mails sent: %v", e)
	}
	if m := w.srv.ModuleCalls(); len(m) != 0 {
		t.Errorf("module calls: %v", m)
	}
	if inv := w.srv.Invoices(); len(inv) != 0 {
		t.Errorf("invoices: %v", inv)
	}
	order := w.srv.Requests("AddOrder")[0].Form
	for k, want := range map[string]string{"noinvoice": "1", "noinvoiceemail": "1", "noemail": "1", "pid[0]": product, "billingcycle[0]": "annually", "paymentmethod": "mailin"} {
		if order.Get(k) != want {
			t.Errorf("AddOrder %s = %q, want %q", k, order.Get(k), want)
		}
	}
	accept := w.srv.Requests("AcceptOrder")[0].Form
	for k, want := range map[string]string{"autosetup": "0", "sendemail": "0", "serverid": w.web1, "serviceusername": "jo"} {
		if accept.Get(k) != want {
			t.Errorf("AcceptOrder %s = %q, want %q", k, accept.Get(k), want)
		}
	}
}

func TestAFreeImportHasNoDueDateAndNoPrice(t *testing.T) {
	w := newWorld(t, whmcstest.Options{})
	client, _ := w.clientAndProduct(t)
	paid := w.srv.AddProduct(whmcstest.Product{GroupID: w.group, Name: "Business", Module: "cpanel", PayType: "recurring", Price: "9.95"})
	id, err := w.store.CreateService(context.Background(), acsync.Service{ClientID: client, ProductID: paid, Domain: "jo.example",
		Status: acsync.ServiceStatusActive, BillingCycle: "Free Account"})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := w.srv.Service(id)
	if got.BillingCycle != "Free Account" || got.NextDueDate != "0000-00-00" || got.Amount != "0.00" || got.FirstPayment != "0.00" {
		t.Errorf("service %+v", got)
	}
}

func TestAnUnknownBillingCycleIsRefusedBeforeAnyOrder(t *testing.T) {
	w := newWorld(t, whmcstest.Options{})
	client, product := w.clientAndProduct(t)
	_, err := w.store.CreateService(context.Background(), acsync.Service{ClientID: client, ProductID: product, Domain: "jo.example", BillingCycle: "fortnightly"})
	if err == nil || !strings.Contains(err.Error(), "fortnightly") || len(w.srv.Orders()) != 0 {
		t.Errorf("err = %v, orders %v", err, w.srv.Orders())
	}
}

// A crash after any of the three writes, then the same CreateService
// again, leaves one order and one service, finished.
func TestCreateServiceFinishesWhatACrashLeftHalfDone(t *testing.T) {
	for _, step := range []string{"AddOrder", "AcceptOrder", "UpdateClientProduct"} {
		for _, defaultHere := range []bool{false, true} {
			name := fmt.Sprintf("a crash after %s with new services placed on web2", step)
			if defaultHere {
				name = fmt.Sprintf("a crash after %s with new services placed on this server", step)
			}
			t.Run(name, func(t *testing.T) {
				ctx := context.Background()
				w := newWorld(t, whmcstest.Options{})
				if !defaultHere {
					w.srv.AddHostingServer(whmcstest.HostingServer{Name: "web0", Module: "cpanel", Default: true})
				}
				client, product := w.clientAndProduct(t)
				svc := acsync.Service{ClientID: client, ProductID: product, Domain: "jo.example", Username: "jo",
					Status: acsync.ServiceStatusActive, DedicatedIP: "192.0.2.5", RegDate: time.Date(2019, 7, 8, 0, 0, 0, 0, time.UTC), BillingCycle: "Monthly"}
				w.srv.DropAfter(step, 1)
				if _, err := w.store.CreateService(ctx, svc); err == nil {
					t.Fatal("the crashed call succeeded")
				}
				id, err := w.store.CreateService(ctx, svc)
				if err != nil {
					t.Fatal(err)
				}
				if n := len(w.srv.Orders()); n != 1 {
					t.Errorf("%d orders", n)
				}
				if n := len(w.srv.Services()); n != 1 {
					t.Errorf("%d services: %+v", n, w.srv.Services())
				}
				got, _ := w.srv.Service(id)
				if got.ServerID != w.web1 || got.Status != "Active" || got.RegDate != "2019-07-08" || got.DedicatedIP != "192.0.2.5" {
					t.Errorf("service %+v", got)
				}
				if len(w.srv.Emails()) != 0 || len(w.srv.ModuleCalls()) != 0 {
					t.Errorf("e-mails %v, module calls %v", w.srv.Emails(), w.srv.ModuleCalls())
				}
			})
		}
	}
}

func TestALiveServiceElsewhereIsNotCreatedTwice(t *testing.T) {
	ctx := context.Background()
	setup := func(t *testing.T, move bool) (*world, acsync.Service, string) {
		w := newWorld(t, whmcstest.Options{}, func(c *whmcs.StoreConfig) { c.MoveServices = move })
		client, product := w.clientAndProduct(t)
		old := w.srv.AddService(whmcstest.Service{ClientID: client, ProductID: product, ServerID: w.web2, Domain: "JO.example", Username: "jo"})
		return w, acsync.Service{ClientID: client, ProductID: product, Domain: "jo.example", Username: "jo", Status: acsync.ServiceStatusActive, DedicatedIP: "192.0.2.5"}, old
	}
	t.Run("the import fails naming where it lives", func(t *testing.T) {
		w, svc, old := setup(t, false)
		_, err := w.store.CreateService(ctx, svc)
		var ee *whmcs.ElsewhereError
		if !errors.As(err, &ee) || !errors.Is(err, provider.ErrExists) || ee.ServiceID != old || ee.ServerID != w.web2 || !strings.Contains(err.Error(), "server 2 (web2)") {
			t.Errorf("err = %v", err)
		}
		if len(w.srv.Orders()) != 0 {
			t.Error("an order was placed")
		}
	})
	t.Run("with MoveServices it moves to this server", func(t *testing.T) {
		w, svc, old := setup(t, true)
		id, err := w.store.CreateService(ctx, svc)
		if err != nil || id != old {
			t.Fatalf("CreateService = %q, %v; want %s", id, err, old)
		}
		got, _ := w.srv.Service(old)
		if got.ServerID != w.web1 || got.DedicatedIP != "192.0.2.5" || len(w.srv.Orders()) != 0 || len(w.srv.ModuleCalls()) != 0 {
			t.Errorf("service %+v, orders %v", got, w.srv.Orders())
		}
	})
	t.Run("an ended service elsewhere does not stop the import", func(t *testing.T) {
		w, svc, old := setup(t, false)
		w.srv.DeleteService(old)
		w.srv.AddService(whmcstest.Service{ClientID: svc.ClientID, ProductID: svc.ProductID, ServerID: w.web2, Domain: "jo.example", Status: "Terminated"})
		if _, err := w.store.CreateService(ctx, svc); err != nil {
			t.Errorf("CreateService: %v", err)
		}
	})
	t.Run("a pending order of several items is not accepted", func(t *testing.T) {
		w, svc, old := setup(t, false)
		w.srv.DeleteService(old)
		w.srv.AddService(whmcstest.Service{ClientID: svc.ClientID, ProductID: svc.ProductID, ServerID: w.web2, Domain: "jo.example", Status: "Pending", OrderID: "7"})
		w.srv.AddService(whmcstest.Service{ClientID: svc.ClientID, ProductID: svc.ProductID, ServerID: w.web2, Domain: "other.example", Status: "Pending", OrderID: "7"})
		_, err := w.store.CreateService(ctx, svc)
		if !errors.Is(err, provider.ErrExists) || !strings.Contains(err.Error(), "holds 2 services") || w.srv.Calls("AcceptOrder") != 0 {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("another client's pending order is not taken over", func(t *testing.T) {
		w, svc, old := setup(t, true)
		w.srv.DeleteService(old)
		other := w.srv.AddClient(whmcstest.Client{Email: "other@example.com"})
		w.srv.AddService(whmcstest.Service{ClientID: other, ProductID: svc.ProductID, ServerID: w.web1, Domain: "jo.example", Status: "Pending"})
		_, err := w.store.CreateService(ctx, svc)
		var ee *whmcs.ElsewhereError
		if !errors.As(err, &ee) || !strings.Contains(err.Error(), "accept or cancel its order") {
			t.Errorf("err = %v", err)
		}
	})
}

func TestCreateServiceForAKeyInACustomField(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, whmcstest.Options{}, func(c *whmcs.StoreConfig) { c.KeyField = "customfield.VM ID" })
	client, err := w.store.CreateClient(ctx, acsync.NewClient{Email: "jo@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.store.CreateProduct(ctx, acsync.NewProduct{Package: "vps-1"}); !errors.Is(err, provider.ErrNotSupported) {
		t.Errorf("CreateProduct for a custom-field key = %v", err)
	}
	pid := w.srv.AddProduct(whmcstest.Product{GroupID: w.group, Name: "VPS", Module: "cpanel",
		CustomFields: []whmcstest.CustomField{{Name: "VM ID|Virtual machine", ShowOnOrder: true}}})
	id, err := w.store.CreateService(ctx, acsync.Service{ClientID: client, ProductID: pid, Domain: "vm.example", UniqueIdentifier: "101", Status: acsync.ServiceStatusActive})
	if err != nil {
		t.Fatal(err)
	}
	svcs, err := w.store.Services(ctx)
	if err != nil || len(svcs) != 1 || svcs[0].ID != id || svcs[0].UniqueIdentifier != "101" {
		t.Errorf("Services = %+v, %v", svcs, err)
	}
}

func TestUpdateServiceWritesOnlyChangesAndClearsWithUnset(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, whmcstest.Options{})
	ids := seedServices(w, 1)
	w.srv.AddService(whmcstest.Service{}) // so that IDs are not all 1
	svc := acsync.Service{ID: ids[0], Domain: "site0.example", Username: "", DedicatedIP: "", Status: acsync.ServiceStatusSuspended, ProductID: "1"}
	err := w.store.UpdateService(ctx, svc, []acsync.Change{{Field: acsync.FieldUsername}, {Field: acsync.FieldDedicatedIP}, {Field: acsync.FieldStatus}})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := w.srv.Service(ids[0])
	if got.Username != "" || got.Status != "Suspended" {
		t.Errorf("service %+v", got)
	}
	form := w.srv.Requests("UpdateClientProduct")[0].Form
	if u := form["unset[]"]; !slices.Contains(u, "serviceusername") || !slices.Contains(u, "dedicatedip") {
		t.Errorf("unset[] = %v", u)
	}
	if form.Has("domain") || form.Has("regdate") {
		t.Errorf("an unchanged field was sent: %v", form)
	}
}

func TestAServiceOfAnotherServerIsNotTouched(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, whmcstest.Options{})
	pid := w.srv.AddProduct(whmcstest.Product{GroupID: w.group, Name: "P", Module: "cpanel"})
	other := w.srv.AddService(whmcstest.Service{ClientID: "1", ProductID: pid, ServerID: w.web2, Domain: "web2.example"})
	svc := acsync.Service{ID: other, Status: acsync.ServiceStatusSuspended}
	if err := w.store.UpdateService(ctx, svc, []acsync.Change{{Field: acsync.FieldStatus}}); !errors.Is(err, provider.ErrNotFound) {
		t.Errorf("UpdateService = %v", err)
	}
	if err := w.store.TerminateService(ctx, svc); !errors.Is(err, provider.ErrNotFound) || !strings.Contains(err.Error(), "not this store's server") {
		t.Errorf("TerminateService = %v", err)
	}
	if got, _ := w.srv.Service(other); got.Status != "Active" || w.srv.Calls("UpdateClientProduct") != 0 {
		t.Errorf("service %+v", got)
	}
}

func TestTerminateServiceIsBillingOnly(t *testing.T) {
	ctx := context.Background()
	day := time.Date(2025, 3, 4, 10, 0, 0, 0, time.UTC)
	w := newWorld(t, whmcstest.Options{Now: func() time.Time { return day }})
	ids := seedServices(w, 1)
	for range 2 {
		if err := w.store.TerminateService(ctx, acsync.Service{ID: ids[0]}); err != nil {
			t.Fatal(err)
		}
	}
	got, _ := w.srv.Service(ids[0])
	if got.Status != "Terminated" || got.TerminationDate != "2025-03-04" {
		t.Errorf("service %+v", got)
	}
	if w.srv.Calls("ModuleTerminate") != 0 || len(w.srv.ModuleCalls()) != 0 {
		t.Error("the module was called")
	}
	if n := w.srv.Calls("UpdateClientProduct"); n != 1 {
		t.Errorf("%d writes for two terminations", n)
	}
}

func TestClients(t *testing.T) {
	ctx := context.Background()
	t.Run("an address WHMCS has in another case is found", func(t *testing.T) {
		w := newWorld(t, whmcstest.Options{})
		id := w.srv.AddClient(whmcstest.Client{Email: "Jo.Smith@Example.COM"})
		if got, err := w.store.FindClientByEmail(ctx, "jo.smith@example.com"); err != nil || got != id {
			t.Errorf("FindClientByEmail = %q, %v", got, err)
		}
	})
	t.Run("an address in another case is found on a case-sensitive database too", func(t *testing.T) {
		w := newWorld(t, whmcstest.Options{BinaryCollation: true})
		id := w.srv.AddClient(whmcstest.Client{Email: "Jo.Smith@Example.COM"})
		w.srv.AddClient(whmcstest.Client{Email: "jo.smith@example.community"})
		if got, err := w.store.FindClientByEmail(ctx, "jo.smith@example.com"); err != nil || got != id {
			t.Errorf("FindClientByEmail = %q, %v", got, err)
		}
	})
	t.Run("a client is created without e-mail and with a password no error shows", func(t *testing.T) {
		w := newWorld(t, whmcstest.Options{})
		w.srv.FailCall("AddClient", 1, "Something odd")
		_, err := w.store.CreateClient(ctx, acsync.NewClient{Email: "jo@example.com", Account: provider.Account{Username: "jo", Domain: "jo.example"}})
		pw := w.srv.Requests("AddClient")[0].Form.Get("password2")
		if err == nil || pw == "" || strings.Contains(err.Error(), pw) {
			t.Errorf("err = %v", err)
		}
		id, err := w.store.CreateClient(ctx, acsync.NewClient{Email: "jo@example.com", Account: provider.Account{Username: "jo", Domain: "jo.example"}})
		if err != nil {
			t.Fatal(err)
		}
		form := w.srv.Requests("AddClient")[1].Form
		if form.Get("noemail") != "1" || form.Get("skipvalidation") != "1" || len(w.srv.Emails()) != 0 {
			t.Errorf("AddClient %v, e-mails %v", form, w.srv.Emails())
		}
		if cl := w.srv.Clients(); len(cl) != 1 || cl[0].ID != id || cl[0].FirstName != "jo" || cl[0].CompanyName != "jo.example" {
			t.Errorf("clients %+v", cl)
		}
	})
	t.Run("an address a client has is ErrExists", func(t *testing.T) {
		w := newWorld(t, whmcstest.Options{})
		w.srv.AddClient(whmcstest.Client{Email: "jo@example.com"})
		if _, err := w.store.CreateClient(ctx, acsync.NewClient{Email: "JO@example.com"}); !errors.Is(err, provider.ErrExists) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("an address only a WHMCS 8 user has gets a client owned by that user", func(t *testing.T) {
		w := newWorld(t, whmcstest.Options{})
		uid := w.srv.AddUser(whmcstest.User{Email: "jo@example.com"})
		id, err := w.store.CreateClient(ctx, acsync.NewClient{Email: "jo@example.com"})
		if err != nil {
			t.Fatal(err)
		}
		cl := w.srv.Clients()
		if len(cl) != 1 || cl[0].ID != id || cl[0].OwnerUserID != uid {
			t.Errorf("clients %+v, want one owned by user %s", cl, uid)
		}
	})
	t.Run("an unknown address is ErrNotFound", func(t *testing.T) {
		w := newWorld(t, whmcstest.Options{})
		if _, err := w.store.FindClientByEmail(ctx, "nobody@example.com"); !errors.Is(err, provider.ErrNotFound) {
			t.Errorf("err = %v", err)
		}
	})
}

func TestProducts(t *testing.T) {
	ctx := context.Background()
	t.Run("a created product is hidden, free, never set up, and carries the package", func(t *testing.T) {
		w := newWorld(t, whmcstest.Options{})
		id, err := w.store.CreateProduct(ctx, acsync.NewProduct{Package: "reseller_Gold & Silver"})
		if err != nil {
			t.Fatal(err)
		}
		p := w.srv.Products()[0]
		if p.ID != id || !p.Hidden || p.PayType != "free" || p.Type != "hostingaccount" || p.Module != "cpanel" ||
			p.Package != "reseller_Gold & Silver" || p.GroupID != w.group || p.AutoSetup != "" || p.Name != "reseller_Gold & Silver" {
			t.Errorf("product %+v", p)
		}
	})
	t.Run("a store started afresh finds the products created before", func(t *testing.T) {
		w := newWorld(t, whmcstest.Options{})
		id, _ := w.store.CreateProduct(ctx, acsync.NewProduct{Package: "gold"})
		fresh, _ := w.client.NewStore(w.storeConfig)
		again, err := fresh.CreateProduct(ctx, acsync.NewProduct{Package: "gold"})
		if err != nil || again != id || len(w.srv.Products()) != 1 {
			t.Errorf("CreateProduct = %q, %v; products %d", again, err, len(w.srv.Products()))
		}
		m, err := fresh.Products(ctx)
		if err != nil || m["gold"] != id {
			t.Errorf("Products = %v, %v", m, err)
		}
	})
	t.Run("a product of the same name the store did not create is not taken", func(t *testing.T) {
		w := newWorld(t, whmcstest.Options{})
		mine := w.srv.AddProduct(whmcstest.Product{GroupID: w.group, Name: "gold", Module: "cpanel", Package: "gold"})
		id, err := w.store.CreateProduct(ctx, acsync.NewProduct{Package: "gold"})
		if err != nil || id == mine {
			t.Errorf("CreateProduct = %q, %v", id, err)
		}
	})
	t.Run("packages map onto the caller's own products", func(t *testing.T) {
		w := newWorld(t, whmcstest.Options{})
		pid := w.srv.AddProduct(whmcstest.Product{GroupID: w.group, Name: "Starter", Module: "cpanel", Package: "starter"})
		s, _ := w.client.NewStore(whmcs.StoreConfig{ServerID: w.web1, ProductGroupID: w.group, PaymentMethod: "mailin", Products: map[string]string{"starter": pid}})
		c := w.srv.AddClient(whmcstest.Client{Email: "a@example.com"})
		w.srv.AddService(whmcstest.Service{ClientID: c, ProductID: pid, ServerID: w.web1, Domain: "a.example"})
		got, err := s.CreateProduct(ctx, acsync.NewProduct{Package: "starter"})
		svcs, _ := s.Services(ctx)
		if err != nil || got != pid || len(w.srv.Products()) != 1 || svcs[0].Package != "starter" {
			t.Errorf("CreateProduct = %q, %v; services %+v", got, err, svcs)
		}
	})
	t.Run("concurrent creations make one product", func(t *testing.T) {
		w := newWorld(t, whmcstest.Options{})
		var wg sync.WaitGroup
		for range 6 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				w.store.CreateProduct(ctx, acsync.NewProduct{Package: "gold"})
			}()
		}
		wg.Wait()
		if n := len(w.srv.Products()); n != 1 {
			t.Errorf("%d products", n)
		}
	})
}

func TestNotify(t *testing.T) {
	ctx := context.Background()
	t.Run("a welcome sends the product template for the service", func(t *testing.T) {
		w := newWorld(t, whmcstest.Options{})
		ids := seedServices(w, 1)
		if err := w.store.Notify(ctx, acsync.Notification{Kind: acsync.NotificationKindWelcome, Key: "site0.example", ServiceID: ids[0]}); err != nil {
			t.Fatal(err)
		}
		if e := w.srv.Emails(); len(e) != 1 || e[0].Template != whmcs.DefaultWelcomeTemplate || e[0].RelID != ids[0] {
			t.Errorf("e-mails %+v", e)
		}
	})
	t.Run("a new password is stored on the service and sent, and never shown in an error", func(t *testing.T) {
		w := newWorld(t, whmcstest.Options{}, func(c *whmcs.StoreConfig) {
			c.Templates = map[acsync.NotificationKind]string{acsync.NotificationKindNewPassword: "No Such Template"}
		})
		ids := seedServices(w, 1)
		const pw = "N3w-Acc0unt-Passw0rd"
		err := w.store.Notify(ctx, acsync.Notification{Kind: acsync.NotificationKindNewPassword, Key: "site0.example", ServiceID: ids[0], Password: pw})
		if err == nil || !strings.Contains(err.Error(), "Email Template not found") || strings.Contains(fmt.Sprint(err), pw) {
			t.Errorf("err = %v", err)
		}
		if got, _ := w.srv.Service(ids[0]); got.Password != pw {
			t.Errorf("password not stored")
		}
		if strings.Contains(w.logs.String(), pw) {
			t.Error("the password is in the log")
		}
	})
	t.Run("hosting details need a template", func(t *testing.T) {
		w := newWorld(t, whmcstest.Options{})
		ids := seedServices(w, 1)
		err := w.store.Notify(ctx, acsync.Notification{Kind: acsync.NotificationKindHostingDetails, ServiceID: ids[0]})
		if !errors.Is(err, provider.ErrNotSupported) || len(w.srv.Emails()) != 0 {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("an empty template sends nothing", func(t *testing.T) {
		w := newWorld(t, whmcstest.Options{}, func(c *whmcs.StoreConfig) {
			c.Templates = map[acsync.NotificationKind]string{acsync.NotificationKindWelcome: ""}
		})
		ids := seedServices(w, 1)
		if err := w.store.Notify(ctx, acsync.Notification{Kind: acsync.NotificationKindWelcome, ServiceID: ids[0]}); err != nil || len(w.srv.Emails()) != 0 {
			t.Errorf("err = %v, e-mails %v", err, w.srv.Emails())
		}
	})
}

func TestRecordWritesTheActivityLog(t *testing.T) {
	w := newWorld(t, whmcstest.Options{})
	err := w.store.Record(context.Background(), acsync.Entry{Kind: acsync.KindImport, Key: "jo.example", ServiceID: "4", Outcome: acsync.OutcomeSucceeded, Message: "service 4 created"})
	if err != nil {
		t.Fatal(err)
	}
	a := w.srv.Activity()
	if len(a) != 1 || a[0].Description != "accountsync: server 1: import jo.example (service 4): succeeded: service 4 created" {
		t.Errorf("activity %+v", a)
	}
}

func TestClientsListsEveryAddressOnceAndLeavesSharedOnesOut(t *testing.T) {
	w := newWorld(t, whmcstest.Options{}, func(c *whmcs.StoreConfig) { c.PageSize = 2 })
	a := w.srv.AddClient(whmcstest.Client{Email: "A@Example.com"})
	w.srv.AddClient(whmcstest.Client{Email: "shared@example.com"})
	w.srv.AddUser(whmcstest.User{Email: "x@example.com"})
	b := w.srv.AddClient(whmcstest.Client{Email: "b@example.com"})
	w.srv.AddService(whmcstest.Service{}) // not a client
	// A second client with one address, as only an import or the admin
	// area can make.
	w.srv.OnCall("GetClients", func(n int) {
		if n == 1 {
			w.srv.AddClient(whmcstest.Client{Email: "SHARED@example.com", OwnerUserID: "99"})
		}
	})
	got, err := w.store.Clients(context.Background())
	want := map[string]string{"a@example.com": a, "b@example.com": b}
	if err != nil || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Clients = %v, %v; want %v", got, err, want)
	}
}

func TestAnAddressDroppedFromTheAllowListMidRunFailsTheListing(t *testing.T) {
	w := newWorld(t, whmcstest.Options{}, func(c *whmcs.StoreConfig) { c.PageSize = 2 })
	seedServices(w, 5)
	w.srv.OnCall("GetClientsProducts", func(n int) {
		if n == 2 {
			w.srv.SetAllowedIPs("192.0.2.1") // the host moved to IPv6, say
		}
	})
	svcs, err := w.store.Services(context.Background())
	if svcs != nil || !errors.Is(err, provider.ErrUnauthorized) || !strings.Contains(err.Error(), "Invalid IP 127.0.0.1") {
		t.Errorf("Services = %d, %v", len(svcs), err)
	}
}

func TestFindClientsByEmail(t *testing.T) {
	for _, n := range []int{3, 80} {
		t.Run(fmt.Sprintf("%d addresses are found without regard to case, the unknown left out", n), func(t *testing.T) {
			w := newWorld(t, whmcstest.Options{}, func(c *whmcs.StoreConfig) { c.PageSize = 25 })
			want := map[string]string{}
			var emails []string
			for i := range n {
				e := fmt.Sprintf("Client%d@Example.com", i)
				id := w.srv.AddClient(whmcstest.Client{Email: strings.ToLower(e)})
				if i%2 == 0 {
					want[e] = id
				}
				emails = append(emails, e)
				if i%2 == 1 {
					emails[len(emails)-1] = fmt.Sprintf("nobody%d@example.com", i)
				}
			}
			got, err := w.store.FindClientsByEmail(context.Background(), emails)
			if err != nil || fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("got %v, %v\nwant %v", got, err, want)
			}
		})
	}
}
