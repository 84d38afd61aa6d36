// Package synctest provides an in-memory billing side for tests of code
// that uses the sync engine: one [Store] value that implements sync.Store,
// sync.Notifier and sync.Journal, that a test seeds and inspects; and
// [RunStore], the conformance kit every sync.Store implementation should
// pass.
//
//	store := synctest.NewStore()
//	store.AddService(acsync.Service{Domain: "example.com", Status: acsync.ServiceStatusActive, ...})
//	e := &acsync.Executor{Provider: fake, Store: store, Notifier: store, Journal: store}
//	report, err := e.Run(ctx, opts)
//	sent := store.Notifications()
//
// # One server per store
//
// A Store is the billing side of ONE server: every service it holds is
// taken to belong to the server it is synced with. A test of several
// servers needs one Store per server; one Store handed to two servers'
// syncs makes the second plan export the first server's accounts onto the
// second server.
package synctest

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	gosync "sync"

	"github.com/accountsync/accountsync/provider"
	acsync "github.com/accountsync/accountsync/sync"
)

// Store is an in-memory billing system holding the services of one
// server (see the package doc: never share one between servers). It is
// strict where a real one would be: services must name an existing client
// and product, a client's e-mail address is unique, and UpdateService
// changes only the fields its changes name. It does not stop two services from sharing a domain, so
// tests can see duplicates. IDs are "1", "2", ... per kind of record.
//
// Its methods are safe for concurrent use, and each returns ctx.Err()
// (wrapped) when ctx is done.
type Store struct {
	// Fault, if set before use, is called before every change with the
	// operation ("create-client", "create-service", "update-service",
	// "terminate-service", "create-product", "notify", "record") and its
	// subject (e-mail address, domain, service ID or package); a non-nil
	// result is returned instead of acting.
	Fault func(op, subject string) error

	mu            gosync.Mutex
	services      []acsync.Service
	clients       []client
	products      []product
	notifications []acsync.Notification
	entries       []acsync.Entry
	serviceSeq    int
	clientSeq     int
	productSeq    int
}

type client struct{ id, email string }

type product struct{ id, pkg string }

var (
	_ acsync.Store    = (*Store)(nil)
	_ acsync.Notifier = (*Store)(nil)
	_ acsync.Journal  = (*Store)(nil)
)

// NewStore returns an empty store for the services of one server. Use a
// new Store for each server a test syncs.
func NewStore() *Store { return &Store{} }

// AddService seeds a service and returns its ID, assigning one when s.ID
// is empty. The client and product need not exist.
func (s *Store) AddService(svc acsync.Service) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if svc.ID == "" {
		s.serviceSeq++
		svc.ID = strconv.Itoa(s.serviceSeq)
	}
	s.services = append(s.services, svc)
	return svc.ID
}

// AddClient seeds a client and returns its ID.
func (s *Store) AddClient(email string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addClient(email)
}

func (s *Store) addClient(email string) string {
	s.clientSeq++
	id := strconv.Itoa(s.clientSeq)
	s.clients = append(s.clients, client{id: id, email: strings.ToLower(strings.TrimSpace(email))})
	return id
}

// AddProduct seeds a product for a package and returns its ID.
func (s *Store) AddProduct(pkg string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addProduct(pkg)
}

func (s *Store) addProduct(pkg string) string {
	s.productSeq++
	id := strconv.Itoa(s.productSeq)
	s.products = append(s.products, product{id: id, pkg: pkg})
	return id
}

// Service returns the service with this ID.
func (s *Store) Service(id string) (acsync.Service, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if i := s.find(id); i >= 0 {
		return s.services[i], true
	}
	return acsync.Service{}, false
}

// Clients returns the clients as Options.Clients wants them: e-mail
// address to client ID.
func (s *Store) Clients() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]string, len(s.clients))
	for _, c := range s.clients {
		out[c.email] = c.id
	}
	return out
}

// Products returns the products as Options.Products wants them: package to
// product ID.
func (s *Store) Products() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]string, len(s.products))
	for _, p := range s.products {
		out[p.pkg] = p.id
	}
	return out
}

// Notifications returns the notifications sent so far, in order.
func (s *Store) Notifications() []acsync.Notification {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.notifications)
}

// Entries returns the journal entries recorded so far, in order.
func (s *Store) Entries() []acsync.Entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.entries)
}

func (s *Store) find(id string) int {
	return slices.IndexFunc(s.services, func(v acsync.Service) bool { return v.ID == id })
}

// begin checks ctx and the fault hook, and locks the store.
func (s *Store) begin(ctx context.Context, op, subject string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("synctest: %s: %w", op, err)
	}
	if s.Fault != nil {
		if err := s.Fault(op, subject); err != nil {
			return fmt.Errorf("synctest: %s %s: %w", op, subject, err)
		}
	}
	s.mu.Lock()
	return nil
}

// Services returns every service.
func (s *Store) Services(ctx context.Context) ([]acsync.Service, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("synctest: services: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.services), nil
}

// FindClientByEmail returns the client with this e-mail address, ignoring
// case, or an error wrapping provider.ErrNotFound.
func (s *Store) FindClientByEmail(ctx context.Context, email string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("synctest: find client: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	email = strings.ToLower(strings.TrimSpace(email))
	for _, c := range s.clients {
		if c.email == email {
			return c.id, nil
		}
	}
	return "", fmt.Errorf("synctest: find client %s: %w", email, provider.ErrNotFound)
}

// CreateClient creates a client, or returns an error wrapping
// provider.ErrExists if one has that e-mail address.
func (s *Store) CreateClient(ctx context.Context, c acsync.NewClient) (string, error) {
	if err := s.begin(ctx, "create-client", c.Email); err != nil {
		return "", err
	}
	defer s.mu.Unlock()
	email := strings.ToLower(strings.TrimSpace(c.Email))
	if email == "" {
		return "", fmt.Errorf("synctest: create client: no e-mail address")
	}
	for _, have := range s.clients {
		if have.email == email {
			return "", fmt.Errorf("synctest: create client %s: %w", email, provider.ErrExists)
		}
	}
	return s.addClient(email), nil
}

// CreateService creates a service for an existing client and product.
func (s *Store) CreateService(ctx context.Context, svc acsync.Service) (string, error) {
	if err := s.begin(ctx, "create-service", svc.Domain); err != nil {
		return "", err
	}
	defer s.mu.Unlock()
	if svc.ID != "" {
		return "", fmt.Errorf("synctest: create service: the new service has an ID")
	}
	if !slices.ContainsFunc(s.clients, func(c client) bool { return c.id == svc.ClientID }) {
		return "", fmt.Errorf("synctest: create service: client %q: %w", svc.ClientID, provider.ErrNotFound)
	}
	if !slices.ContainsFunc(s.products, func(p product) bool { return p.id == svc.ProductID }) {
		return "", fmt.Errorf("synctest: create service: product %q: %w", svc.ProductID, provider.ErrNotFound)
	}
	s.serviceSeq++
	svc.ID = strconv.Itoa(s.serviceSeq)
	s.services = append(s.services, svc)
	return svc.ID, nil
}

// UpdateService changes the fields its changes name, taking the new values
// from svc; an unknown field is an error.
func (s *Store) UpdateService(ctx context.Context, svc acsync.Service, changes []acsync.Change) error {
	if err := s.begin(ctx, "update-service", svc.ID); err != nil {
		return err
	}
	defer s.mu.Unlock()
	i := s.find(svc.ID)
	if i < 0 {
		return fmt.Errorf("synctest: update service %s: %w", svc.ID, provider.ErrNotFound)
	}
	cur := s.services[i]
	for _, c := range changes {
		switch c.Field {
		case acsync.FieldStatus:
			cur.Status = svc.Status
		case acsync.FieldPackage:
			cur.Package = svc.Package
		case acsync.FieldProductID:
			cur.ProductID = svc.ProductID
		case acsync.FieldDomain:
			cur.Domain = svc.Domain
		case acsync.FieldUsername:
			cur.Username = svc.Username
		case acsync.FieldDedicatedIP:
			cur.DedicatedIP = svc.DedicatedIP
		default:
			return fmt.Errorf("synctest: update service %s: unknown field %q", svc.ID, c.Field)
		}
	}
	s.services[i] = cur
	return nil
}

// TerminateService sets the service Terminated.
func (s *Store) TerminateService(ctx context.Context, svc acsync.Service) error {
	if err := s.begin(ctx, "terminate-service", svc.ID); err != nil {
		return err
	}
	defer s.mu.Unlock()
	i := s.find(svc.ID)
	if i < 0 {
		return fmt.Errorf("synctest: terminate service %s: %w", svc.ID, provider.ErrNotFound)
	}
	s.services[i].Status = acsync.ServiceStatusTerminated
	return nil
}

// CreateProduct returns the product of the package, creating it if there
// is none.
func (s *Store) CreateProduct(ctx context.Context, p acsync.NewProduct) (string, error) {
	if err := s.begin(ctx, "create-product", p.Package); err != nil {
		return "", err
	}
	defer s.mu.Unlock()
	for _, have := range s.products {
		if have.pkg == p.Package {
			return have.id, nil
		}
	}
	return s.addProduct(p.Package), nil
}

// Notify keeps the notification.
func (s *Store) Notify(ctx context.Context, n acsync.Notification) error {
	if err := s.begin(ctx, "notify", n.Key); err != nil {
		return err
	}
	defer s.mu.Unlock()
	s.notifications = append(s.notifications, n)
	return nil
}

// Record keeps the journal entry.
func (s *Store) Record(ctx context.Context, e acsync.Entry) error {
	if err := s.begin(ctx, "record", e.Key); err != nil {
		return err
	}
	defer s.mu.Unlock()
	s.entries = append(s.entries, e)
	return nil
}
