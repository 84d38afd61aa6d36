package synctest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"github.com/accountsync/accountsync/provider"
	acsync "github.com/accountsync/accountsync/sync"
)

// kitTimeout bounds each call the kit makes, so a store that hangs fails
// instead of stalling the test binary.
const kitTimeout = time.Minute

// RunStore checks that the stores newStore returns follow the contract
// written on [acsync.Store], and on [acsync.Notifier] and [acsync.Journal]
// when they implement them, as providertest.Run does for providers. Each
// rule is a named subtest.
//
// newStore is called once per subtest and must return the store of one
// server in a billing system that has none of the kit's records: e-mail
// addresses at kit.example, packages named "kit-...", domains under
// kit.example. The kit creates the clients and products it needs through
// the store, so the store must be able to create services (for WHMCS: a
// payment method, a product group and a server).
func RunStore(t *testing.T, newStore func(t *testing.T) acsync.Store) {
	t.Helper()
	k := &storeKit{newStore: newStore}
	t.Run("Services succeeds and is stable across calls", k.testServices)
	t.Run("a created client is found by e-mail without regard to case", k.testFindClient)
	t.Run("an unknown e-mail address is ErrNotFound", k.testUnknownClient)
	t.Run("a second client with the same e-mail address is ErrExists", k.testClientTwice)
	t.Run("CreateProduct returns one product per package, however often asked", k.testProductTwice)
	t.Run("concurrent CreateProduct calls for one package agree", k.testProductConcurrent)
	t.Run("a created service is listed as it was created", k.testCreateService)
	t.Run("a suspended service is created suspended", k.testCreateSuspended)
	t.Run("UpdateService changes the fields it names and no others", k.testUpdate)
	t.Run("UpdateService clears a field changed to empty", k.testUpdateClears)
	t.Run("UpdateService of an unknown service is ErrNotFound", k.testUpdateUnknown)
	t.Run("TerminateService terminates in billing and is idempotent", k.testTerminate)
	t.Run("TerminateService of an unknown service is ErrNotFound", k.testTerminateUnknown)
	t.Run("concurrent creations are each listed once", k.testConcurrent)
	t.Run("a done context is refused and lists nothing", k.testCancelled)
	t.Run("Notifier", func(t *testing.T) {
		t.Run("a welcome e-mail for a created service is sent", k.testNotify)
	})
	t.Run("Journal", func(t *testing.T) {
		t.Run("an entry is recorded", k.testRecord)
	})
}

type storeKit struct {
	newStore func(t *testing.T) acsync.Store
}

func kitCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), kitTimeout)
	t.Cleanup(cancel)
	return ctx
}

// kitService returns the i-th service the kit creates, for a client and
// product.
func kitService(i int, client, product, pkg string) acsync.Service {
	return acsync.Service{
		ClientID: client, ProductID: product, Package: pkg,
		Domain: fmt.Sprintf("site%d.kit.example", i), Username: fmt.Sprintf("kit%d", i),
		Status: acsync.ServiceStatusActive, DedicatedIP: fmt.Sprintf("192.0.2.%d", 10+i),
		RegDate:      time.Date(2021, 3, 4, 0, 0, 0, 0, time.UTC),
		NextDueDate:  time.Date(2030, 5, 6, 0, 0, 0, 0, time.UTC),
		BillingCycle: "Monthly",
	}
}

// setup creates a client and a product through the store.
func setup(t *testing.T, s acsync.Store, n int) (client, product, pkg string) {
	t.Helper()
	ctx := kitCtx(t)
	email := fmt.Sprintf("owner%d@kit.example", n)
	client, err := s.CreateClient(ctx, acsync.NewClient{Email: email, Account: provider.Account{Username: fmt.Sprintf("kit%d", n), Domain: fmt.Sprintf("site%d.kit.example", n)}})
	if err != nil {
		t.Fatalf("CreateClient(%s): %v", email, err)
	}
	if client == "" {
		t.Fatalf("CreateClient(%s) returned no ID", email)
	}
	pkg = "kit-gold"
	if product, err = s.CreateProduct(ctx, acsync.NewProduct{Package: pkg}); err != nil {
		t.Fatalf("CreateProduct(%s): %v", pkg, err)
	}
	if product == "" {
		t.Fatalf("CreateProduct(%s) returned no ID", pkg)
	}
	return client, product, pkg
}

func create(t *testing.T, s acsync.Store, svc acsync.Service) string {
	t.Helper()
	id, err := s.CreateService(kitCtx(t), svc)
	if err != nil {
		t.Fatalf("CreateService(%s): %v", svc.Domain, err)
	}
	if id == "" {
		t.Fatalf("CreateService(%s) returned no ID", svc.Domain)
	}
	return id
}

func list(t *testing.T, s acsync.Store) []acsync.Service {
	t.Helper()
	svcs, err := s.Services(kitCtx(t))
	if err != nil {
		t.Fatalf("Services: %v", err)
	}
	return svcs
}

func find(t *testing.T, s acsync.Store, id string) acsync.Service {
	t.Helper()
	var found []acsync.Service
	for _, svc := range list(t, s) {
		if svc.ID == id {
			found = append(found, svc)
		}
	}
	if len(found) != 1 {
		t.Fatalf("service %s is listed %d times", id, len(found))
	}
	return found[0]
}

func day(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format("2006-01-02")
}

// compare reports the fields of got that differ from want: those a store
// must keep as given. ClientEmail and Package may be left empty by a store
// that cannot tell them, but must not be wrong.
func compare(t *testing.T, got, want acsync.Service) {
	t.Helper()
	check := func(field, g, w string) {
		if g != w {
			t.Errorf("service %s: %s = %q, want %q", got.ID, field, g, w)
		}
	}
	check("ClientID", got.ClientID, want.ClientID)
	check("ProductID", got.ProductID, want.ProductID)
	check("Domain", got.Domain, want.Domain)
	check("Username", got.Username, want.Username)
	check("Status", string(got.Status), string(want.Status))
	check("DedicatedIP", got.DedicatedIP, want.DedicatedIP)
	check("RegDate", day(got.RegDate), day(want.RegDate))
	check("NextDueDate", day(got.NextDueDate), day(want.NextDueDate))
	check("BillingCycle", got.BillingCycle, want.BillingCycle)
	if got.Package != "" && !strings.EqualFold(got.Package, want.Package) {
		t.Errorf("service %s: Package = %q, want %q", got.ID, got.Package, want.Package)
	}
	if got.ClientEmail != "" && want.ClientEmail != "" && !strings.EqualFold(got.ClientEmail, want.ClientEmail) {
		t.Errorf("service %s: ClientEmail = %q, want %q", got.ID, got.ClientEmail, want.ClientEmail)
	}
}

func ids(svcs []acsync.Service) []string {
	out := make([]string, 0, len(svcs))
	for _, s := range svcs {
		out = append(out, s.ID)
	}
	slices.Sort(out)
	return out
}

func (k *storeKit) testServices(t *testing.T) {
	s := k.newStore(t)
	first := list(t, s)
	client, product, pkg := setup(t, s, 1)
	id := create(t, s, kitService(1, client, product, pkg))
	a, b := list(t, s), list(t, s)
	if !slices.Equal(ids(a), ids(b)) {
		t.Errorf("two listings differ: %v and %v", ids(a), ids(b))
	}
	if len(a) != len(first)+1 || !slices.Contains(ids(a), id) {
		t.Errorf("after one creation the listing has %d services (before: %d), IDs %v, want %s among them", len(a), len(first), ids(a), id)
	}
}

func (k *storeKit) testFindClient(t *testing.T) {
	s := k.newStore(t)
	ctx := kitCtx(t)
	id, err := s.CreateClient(ctx, acsync.NewClient{Email: "Jo.Smith@Kit.Example", Account: provider.Account{Username: "jo"}})
	if err != nil {
		t.Fatalf("CreateClient: %v", err)
	}
	for _, email := range []string{"Jo.Smith@Kit.Example", "jo.smith@kit.example", "JO.SMITH@KIT.EXAMPLE"} {
		got, err := s.FindClientByEmail(ctx, email)
		if err != nil || got != id {
			t.Errorf("FindClientByEmail(%q) = %q, %v; want %q", email, got, err, id)
		}
	}
}

func (k *storeKit) testUnknownClient(t *testing.T) {
	s := k.newStore(t)
	id, err := s.FindClientByEmail(kitCtx(t), "nobody@kit.example")
	if !errors.Is(err, provider.ErrNotFound) {
		t.Errorf("FindClientByEmail(unknown) = %q, %v; want an error wrapping ErrNotFound", id, err)
	}
}

func (k *storeKit) testClientTwice(t *testing.T) {
	s := k.newStore(t)
	ctx := kitCtx(t)
	first, err := s.CreateClient(ctx, acsync.NewClient{Email: "twice@kit.example"})
	if err != nil {
		t.Fatalf("CreateClient: %v", err)
	}
	id, err := s.CreateClient(ctx, acsync.NewClient{Email: "TWICE@kit.example"})
	if !errors.Is(err, provider.ErrExists) {
		t.Errorf("second CreateClient = %q, %v; want an error wrapping ErrExists", id, err)
	}
	if got, err := s.FindClientByEmail(ctx, "twice@kit.example"); err != nil || got != first {
		t.Errorf("after the refused creation FindClientByEmail = %q, %v; want %q", got, err, first)
	}
}

func (k *storeKit) testProductTwice(t *testing.T) {
	s := k.newStore(t)
	ctx := kitCtx(t)
	a, err := s.CreateProduct(ctx, acsync.NewProduct{Package: "kit-silver"})
	if err != nil {
		t.Fatalf("CreateProduct: %v", err)
	}
	b, err := s.CreateProduct(ctx, acsync.NewProduct{Package: "kit-silver"})
	if err != nil || b != a {
		t.Errorf("second CreateProduct = %q, %v; want %q", b, err, a)
	}
	c, err := s.CreateProduct(ctx, acsync.NewProduct{Package: "kit-bronze"})
	if err != nil || c == "" || c == a {
		t.Errorf("CreateProduct(another package) = %q, %v; want a new product", c, err)
	}
}

func (k *storeKit) testProductConcurrent(t *testing.T) {
	s := k.newStore(t)
	ctx := kitCtx(t)
	const n = 8
	got := make([]string, n)
	errs := make([]error, n)
	var wg gosync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], errs[i] = s.CreateProduct(ctx, acsync.NewProduct{Package: "kit-platinum"})
		}()
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil || got[i] != got[0] {
			t.Errorf("call %d: %q, %v; call 0: %q", i, got[i], errs[i], got[0])
		}
	}
}

func (k *storeKit) testCreateService(t *testing.T) {
	s := k.newStore(t)
	client, product, pkg := setup(t, s, 1)
	want := kitService(1, client, product, pkg)
	want.ClientEmail = "owner1@kit.example"
	want.ID = create(t, s, want)
	compare(t, find(t, s, want.ID), want)
}

func (k *storeKit) testCreateSuspended(t *testing.T) {
	s := k.newStore(t)
	client, product, pkg := setup(t, s, 1)
	want := kitService(1, client, product, pkg)
	want.Status = acsync.ServiceStatusSuspended
	want.ID = create(t, s, want)
	compare(t, find(t, s, want.ID), want)
}

func (k *storeKit) testUpdate(t *testing.T) {
	s := k.newStore(t)
	ctx := kitCtx(t)
	client, product, pkg := setup(t, s, 1)
	want := kitService(1, client, product, pkg)
	want.ID = create(t, s, want)
	steps := []struct {
		change acsync.Change
		apply  func(v *acsync.Service)
	}{
		{acsync.Change{Field: acsync.FieldStatus}, func(v *acsync.Service) { v.Status = acsync.ServiceStatusSuspended }},
		{acsync.Change{Field: acsync.FieldStatus}, func(v *acsync.Service) { v.Status = acsync.ServiceStatusActive }},
		{acsync.Change{Field: acsync.FieldDomain}, func(v *acsync.Service) { v.Domain = "renamed1.kit.example" }},
		{acsync.Change{Field: acsync.FieldUsername}, func(v *acsync.Service) { v.Username = "kitrenamed" }},
		{acsync.Change{Field: acsync.FieldDedicatedIP}, func(v *acsync.Service) { v.DedicatedIP = "192.0.2.99" }},
	}
	for _, st := range steps {
		// The update carries other changed values too; only the named
		// field may change.
		upd := want
		st.apply(&upd)
		decoy := upd
		if st.change.Field != acsync.FieldDomain {
			decoy.Domain = "decoy.kit.example"
		}
		if st.change.Field != acsync.FieldUsername {
			decoy.Username = "decoy"
		}
		if st.change.Field != acsync.FieldDedicatedIP {
			decoy.DedicatedIP = "198.51.100.1"
		}
		if err := s.UpdateService(ctx, decoy, []acsync.Change{st.change}); err != nil {
			t.Fatalf("UpdateService(%s): %v", st.change.Field, err)
		}
		want = upd
		compare(t, find(t, s, want.ID), want)
	}
}

func (k *storeKit) testUpdateClears(t *testing.T) {
	s := k.newStore(t)
	client, product, pkg := setup(t, s, 1)
	want := kitService(1, client, product, pkg)
	want.ID = create(t, s, want)
	upd := want
	upd.DedicatedIP = ""
	if err := s.UpdateService(kitCtx(t), upd, []acsync.Change{{Field: acsync.FieldDedicatedIP, Old: want.DedicatedIP, New: ""}}); err != nil {
		t.Fatalf("UpdateService: %v", err)
	}
	compare(t, find(t, s, want.ID), upd)
}

func (k *storeKit) testUpdateUnknown(t *testing.T) {
	s := k.newStore(t)
	err := s.UpdateService(kitCtx(t), acsync.Service{ID: "987654", Status: acsync.ServiceStatusSuspended}, []acsync.Change{{Field: acsync.FieldStatus}})
	if !errors.Is(err, provider.ErrNotFound) {
		t.Errorf("UpdateService(unknown) = %v; want an error wrapping ErrNotFound", err)
	}
}

func (k *storeKit) testTerminate(t *testing.T) {
	s := k.newStore(t)
	client, product, pkg := setup(t, s, 1)
	keep := create(t, s, kitService(1, client, product, pkg))
	svc := kitService(2, client, product, pkg)
	svc.ID = create(t, s, svc)
	for i := range 2 {
		if err := s.TerminateService(kitCtx(t), svc); err != nil {
			t.Fatalf("TerminateService (call %d): %v", i+1, err)
		}
	}
	if got := find(t, s, svc.ID); got.Status != acsync.ServiceStatusTerminated {
		t.Errorf("status after TerminateService = %s", got.Status)
	}
	if got := find(t, s, keep); got.Status != acsync.ServiceStatusActive {
		t.Errorf("another service's status became %s", got.Status)
	}
}

func (k *storeKit) testTerminateUnknown(t *testing.T) {
	s := k.newStore(t)
	err := s.TerminateService(kitCtx(t), acsync.Service{ID: "987654", Status: acsync.ServiceStatusActive})
	if !errors.Is(err, provider.ErrNotFound) {
		t.Errorf("TerminateService(unknown) = %v; want an error wrapping ErrNotFound", err)
	}
}

func (k *storeKit) testConcurrent(t *testing.T) {
	s := k.newStore(t)
	ctx := kitCtx(t)
	_, product, pkg := setup(t, s, 0)
	before := len(list(t, s))
	const n = 6
	created := make([]string, n)
	errs := make([]error, n)
	var wg gosync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client, err := s.CreateClient(ctx, acsync.NewClient{Email: fmt.Sprintf("many%d@kit.example", i)})
			if err != nil {
				errs[i] = err
				return
			}
			created[i], errs[i] = s.CreateService(ctx, kitService(10+i, client, product, pkg))
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("creation %d: %v", i, err)
		}
	}
	svcs := list(t, s)
	if len(svcs) != before+n {
		t.Errorf("%d services listed after %d concurrent creations (before: %d)", len(svcs), n, before)
	}
	for _, id := range created {
		n := 0
		for _, v := range svcs {
			if v.ID == id {
				n++
			}
		}
		if n != 1 {
			t.Errorf("service %s is listed %d times", id, n)
		}
	}
}

func (k *storeKit) testCancelled(t *testing.T) {
	s := k.newStore(t)
	client, product, pkg := setup(t, s, 1)
	svc := kitService(1, client, product, pkg)
	svc.ID = create(t, s, svc)
	done, cancel := context.WithCancel(t.Context())
	cancel()
	svcs, err := s.Services(done)
	if !errors.Is(err, context.Canceled) || svcs != nil {
		t.Errorf("Services = %d services, %v; want none and an error wrapping context.Canceled", len(svcs), err)
	}
	calls := map[string]error{}
	_, calls["FindClientByEmail"] = s.FindClientByEmail(done, "owner1@kit.example")
	_, calls["CreateClient"] = s.CreateClient(done, acsync.NewClient{Email: "late@kit.example"})
	_, calls["CreateProduct"] = s.CreateProduct(done, acsync.NewProduct{Package: "kit-late"})
	late := kitService(2, client, product, pkg)
	_, calls["CreateService"] = s.CreateService(done, late)
	suspended := svc
	suspended.Status = acsync.ServiceStatusSuspended
	calls["UpdateService"] = s.UpdateService(done, suspended, []acsync.Change{{Field: acsync.FieldStatus}})
	calls["TerminateService"] = s.TerminateService(done, svc)
	for name, err := range calls {
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a done context = %v; want an error wrapping context.Canceled", name, err)
		}
	}
	if got := find(t, s, svc.ID); got.Status != acsync.ServiceStatusActive {
		t.Errorf("the refused calls changed the service to %s", got.Status)
	}
	if len(list(t, s)) != 1 {
		t.Error("the refused CreateService created a service")
	}
}

func (k *storeKit) testNotify(t *testing.T) {
	s := k.newStore(t)
	n, ok := s.(acsync.Notifier)
	if !ok {
		t.Skip("the store does not implement sync.Notifier")
	}
	client, product, pkg := setup(t, s, 1)
	svc := kitService(1, client, product, pkg)
	svc.ID = create(t, s, svc)
	err := n.Notify(kitCtx(t), acsync.Notification{Kind: acsync.NotificationKindWelcome, Key: svc.Domain, ServiceID: svc.ID,
		ClientID: client, Email: "owner1@kit.example", Username: svc.Username, Domain: svc.Domain})
	if err != nil {
		t.Errorf("Notify(welcome): %v", err)
	}
}

func (k *storeKit) testRecord(t *testing.T) {
	s := k.newStore(t)
	j, ok := s.(acsync.Journal)
	if !ok {
		t.Skip("the store does not implement sync.Journal")
	}
	err := j.Record(kitCtx(t), acsync.Entry{Time: time.Now(), Kind: acsync.KindImport, Key: "site1.kit.example",
		ServiceID: "1", Outcome: acsync.OutcomeSucceeded, Message: "service 1 created"})
	if err != nil {
		t.Errorf("Record: %v", err)
	}
}
