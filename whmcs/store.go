package whmcs

import (
	"context"
	"errors"
	"fmt"
	"html"
	"log/slog"
	"net/url"
	"slices"
	"strconv"
	"strings"
	gosync "sync"

	"github.com/accountsync/accountsync/provider"
	acsync "github.com/accountsync/accountsync/sync"
)

// Paging: WHMCS runs several queries per GetClientsProducts row (custom
// fields, configurable options, names), so pages stay small.
const (
	DefaultPageSize = 1000
	MaxPageSize     = 2000
)

// StoreConfig configures a [Store]: the billing side of one WHMCS server.
type StoreConfig struct {
	// ServerID is the ID of the WHMCS server (Setup » Servers) whose
	// services the store holds (required). The store lists, creates,
	// changes and terminates services of this server only.
	ServerID string
	// ProductGroupID is the product group CreateProduct puts the products
	// it creates in, and where it finds them again. Use a hidden group of
	// its own. Required for CreateProduct only.
	ProductGroupID string
	// PaymentMethod is the payment gateway of created orders and services,
	// in WHMCS's system form ("mailin", "paypal"); WHMCS takes only an
	// active gateway. Required for CreateService only.
	PaymentMethod string
	// Module is the server module of created products ("cpanel"). It
	// defaults to the module of ServerID, and must match it when set.
	Module string

	// KeyField is the server type's UniqueIdentifierField: "domain" (the
	// default), "username" or "customfield.<name>", for which the store
	// reads and writes the product custom field of that name.
	KeyField string
	// Products maps server packages to IDs of products the store did not
	// create (your own catalogue). The store reports those services'
	// Package from it, since the API cannot read a product's package.
	Products map[string]string
	// MoveServices lets CreateService move a live service it finds for the
	// key on another server to this one (and to the new product when the
	// other server runs another module), rather than fail the import:
	// the account moved between servers. Set it for the run that follows
	// a migration, once the account is gone from the old server: while
	// both servers hold it, their two syncs would move the service back
	// and forth.
	MoveServices bool
	// AllowUnlisted is how many active or suspended services and module
	// addons GetServers may count on the server beyond those the listing
	// shows before Services fails. Services of deleted products are
	// invisible to the listing; set this only after checking that the
	// difference is addons.
	AllowUnlisted int
	// Templates names the e-mail template SendEmail sends per
	// notification kind. Missing kinds take the defaults: the welcome and
	// new-password e-mails send "Hosting Account Welcome Email" (which
	// shows the service's password); hosting-details has no default. An
	// empty name sends nothing.
	Templates map[acsync.NotificationKind]string
	// PageSize is the number of services (and clients) read per page
	// (default DefaultPageSize, at most MaxPageSize).
	PageSize int
}

// String describes the configuration.
func (c StoreConfig) String() string {
	return fmt.Sprintf("whmcs.StoreConfig{ServerID:%s ProductGroupID:%s PaymentMethod:%s Module:%s KeyField:%s}",
		c.ServerID, c.ProductGroupID, c.PaymentMethod, c.Module, c.KeyField)
}

// Store is the billing side of one WHMCS server, over the External API:
// it implements sync.Store, sync.Notifier and sync.Journal. It is safe for
// concurrent use.
//
// A Store holds the services of exactly one server, StoreConfig.ServerID.
// Give each server its own Store and never hand one Store to the syncs of
// two servers: the plan would export the first server's accounts onto the
// second.
type Store struct {
	c          *Client
	cfg        StoreConfig
	log        *slog.Logger
	field      string            // custom field name of the key, or ""
	configured map[string]string // package -> product ID (StoreConfig.Products)
	packageOf  map[string]string // product ID -> package, from Products
	pageSize   int

	mu       gosync.Mutex
	host     *ServerInfo       // the server, once read
	fieldIDs map[string]string // product ID -> custom field ID of the key

	products gosync.Mutex // serialises CreateProduct
	keys     keyLocks     // serialise CreateService per key
}

var (
	_ acsync.Store        = (*Store)(nil)
	_ acsync.Notifier     = (*Store)(nil)
	_ acsync.Journal      = (*Store)(nil)
	_ acsync.ClientFinder = (*Store)(nil)
)

// NewStore returns the store of the server cfg.ServerID. It checks the
// configuration and makes no request; the first call checks the server
// with WHMCS.
func (c *Client) NewStore(cfg StoreConfig) (*Store, error) {
	id, ok := text(cfg.ServerID).id()
	if !ok {
		return nil, fmt.Errorf("whmcs: StoreConfig.ServerID %q is not a server ID: one Store holds the services of one server", cfg.ServerID)
	}
	cfg.ServerID = id
	if cfg.ProductGroupID != "" {
		gid, ok := text(cfg.ProductGroupID).id()
		if !ok {
			return nil, fmt.Errorf("whmcs: StoreConfig.ProductGroupID %q is not a product group ID", cfg.ProductGroupID)
		}
		cfg.ProductGroupID = gid
	}
	s := &Store{c: c, cfg: cfg, log: c.log, configured: map[string]string{}, packageOf: map[string]string{},
		fieldIDs: map[string]string{}, pageSize: cfg.PageSize}
	switch {
	case cfg.KeyField == "" || cfg.KeyField == "domain" || cfg.KeyField == "username":
	case strings.HasPrefix(cfg.KeyField, "customfield.") && strings.TrimSpace(strings.TrimPrefix(cfg.KeyField, "customfield.")) != "":
		s.field = strings.TrimSpace(strings.TrimPrefix(cfg.KeyField, "customfield."))
	default:
		return nil, fmt.Errorf(`whmcs: StoreConfig.KeyField %q: want "domain", "username" or "customfield.<name>"`, cfg.KeyField)
	}
	switch {
	case s.pageSize == 0:
		s.pageSize = DefaultPageSize
	case s.pageSize < 0 || s.pageSize > MaxPageSize:
		return nil, fmt.Errorf("whmcs: StoreConfig.PageSize %d: want 1 to %d (WHMCS runs queries per row)", cfg.PageSize, MaxPageSize)
	}
	if cfg.AllowUnlisted < 0 {
		return nil, errors.New("whmcs: StoreConfig.AllowUnlisted must not be negative")
	}
	for pkg, pid := range cfg.Products {
		id, ok := text(pid).id()
		if !ok {
			return nil, fmt.Errorf("whmcs: StoreConfig.Products[%q] = %q is not a product ID", pkg, pid)
		}
		if other, dup := s.packageOf[id]; dup && !strings.EqualFold(strings.TrimSpace(other), strings.TrimSpace(pkg)) {
			return nil, fmt.Errorf("whmcs: StoreConfig.Products: product %s is mapped from two packages, %q and %q", id, other, pkg)
		}
		s.configured[pkg] = id
		s.packageOf[id] = pkg
	}
	for k := range cfg.Templates {
		switch k {
		case acsync.NotificationKindWelcome, acsync.NotificationKindHostingDetails, acsync.NotificationKindNewPassword:
		default:
			return nil, fmt.Errorf("whmcs: StoreConfig.Templates: unknown notification kind %q", k)
		}
	}
	return s, nil
}

// ServerID returns the ID of the one server whose services the store
// holds.
func (s *Store) ServerID() string { return s.cfg.ServerID }

// ServerInfo describes a WHMCS server as GetServers lists it.
type ServerInfo struct {
	ID       string
	Name     string
	Hostname string
	IP       string
	// Module is the server type, such as "cpanel".
	Module string
	// ActiveServices counts the Active and Suspended services on the
	// server, whatever their product, plus its active module addons.
	ActiveServices int
}

// Servers lists WHMCS's enabled servers (GetServers).
func (c *Client) Servers(ctx context.Context) ([]ServerInfo, error) {
	return c.servers(ctx, "list servers")
}

func (c *Client) servers(ctx context.Context, op string) ([]ServerInfo, error) {
	var a serversAnswer
	if err := c.call(ctx, op, "GetServers", nil, &a); err != nil {
		return nil, err
	}
	if a.Servers == nil {
		return nil, c.shapeError(op, "GetServers", "the answer has no servers list")
	}
	out := make([]ServerInfo, 0, len(a.Servers.items))
	for _, r := range a.Servers.items {
		id, ok := r.ID.id()
		if !ok {
			return nil, c.shapeError(op, "GetServers", "a server has no ID")
		}
		n, err := r.ActiveServices.int()
		if err != nil {
			return nil, c.shapeError(op, "GetServers", "server "+id+": activeServices "+err.Error())
		}
		out = append(out, ServerInfo{ID: id, Name: string(r.Name), Hostname: string(r.Hostname), IP: string(r.IPAddress),
			Module: string(r.Module), ActiveServices: n})
	}
	return out, nil
}

// shapeError reports an answer that decoded but does not make sense.
func (c *Client) shapeError(op, action, msg string) error {
	return c.http.Error(op, nil, "", action+": "+msg, nil)
}

// Server returns the store's server as WHMCS lists it, so that a caller
// can check it is the machine the provider talks to.
func (s *Store) Server(ctx context.Context) (ServerInfo, error) {
	return s.server(ctx, "server")
}

// server reads the store's server from GetServers and checks Module.
func (s *Store) server(ctx context.Context, op string) (ServerInfo, error) {
	all, err := s.c.servers(ctx, op)
	if err != nil {
		return ServerInfo{}, err
	}
	i := slices.IndexFunc(all, func(h ServerInfo) bool { return h.ID == s.cfg.ServerID })
	if i < 0 {
		return ServerInfo{}, s.c.http.Error(op, nil, "", fmt.Sprintf("server %s is not among WHMCS's enabled servers (GetServers); check StoreConfig.ServerID", s.cfg.ServerID), provider.ErrNotFound)
	}
	h := all[i]
	if s.cfg.Module != "" && !strings.EqualFold(s.cfg.Module, h.Module) {
		return ServerInfo{}, s.c.http.Error(op, nil, "", fmt.Sprintf("server %s (%s) runs module %q, not StoreConfig.Module %q", h.ID, h.Name, h.Module, s.cfg.Module), nil)
	}
	s.mu.Lock()
	s.host = &h
	s.mu.Unlock()
	return h, nil
}

// hostInfo returns the server, reading it once.
func (s *Store) hostInfo(ctx context.Context, op string) (ServerInfo, error) {
	s.mu.Lock()
	h := s.host
	s.mu.Unlock()
	if h != nil {
		return *h, nil
	}
	return s.server(ctx, op)
}

// module is the module of created products.
func (s *Store) module(ctx context.Context, op string) (string, error) {
	if s.cfg.Module != "" {
		return s.cfg.Module, nil
	}
	h, err := s.hostInfo(ctx, op)
	if err != nil {
		return "", err
	}
	if h.Module == "" {
		return "", s.c.http.Error(op, nil, "", fmt.Sprintf("server %s has no module; set StoreConfig.Module", h.ID), nil)
	}
	return h.Module, nil
}

// The description of a product the store created ends with this marker
// and the query-escaped package, which survives WHMCS's HTML encoding of
// input; it is how a store started afresh finds its products again.
const packageMarker = "accountsync-package="

func markerOf(pkg string) string { return packageMarker + url.QueryEscape(pkg) }

// packageFromDescription returns the package a created product's
// description names.
func packageFromDescription(d string) (string, bool) {
	d = html.UnescapeString(d)
	i := strings.LastIndex(d, packageMarker)
	if i < 0 {
		return "", false
	}
	rest := strings.TrimSpace(d[i+len(packageMarker):])
	if j := strings.IndexAny(rest, " \r\n<"); j >= 0 {
		rest = rest[:j]
	}
	pkg, err := url.QueryUnescape(rest)
	if err != nil {
		return "", false
	}
	return pkg, true
}

// created lists the products the store created: in ProductGroupID, with
// the module, carrying the marker. Of two for one package (two stores
// racing) the lowest ID wins. It returns package -> product ID.
func (s *Store) created(ctx context.Context, op string) (map[string]string, error) {
	out := map[string]string{}
	if s.cfg.ProductGroupID == "" {
		return out, nil
	}
	module, err := s.module(ctx, op)
	if err != nil {
		return nil, err
	}
	var a productsAnswer
	if err := s.c.call(ctx, op, "GetProducts", url.Values{"gid": {s.cfg.ProductGroupID}, "module": {module}}, &a); err != nil {
		return nil, err
	}
	if a.Products == nil {
		return out, nil // WHMCS leaves "products" out when none match
	}
	for _, p := range a.Products.items {
		pid, ok := p.PID.id()
		if !ok {
			return nil, s.c.shapeError(op, "GetProducts", "a product has no pid")
		}
		if g, ok := p.GID.id(); ok && g != s.cfg.ProductGroupID {
			continue
		}
		pkg, ok := packageFromDescription(string(p.Description))
		if !ok {
			continue
		}
		if old, dup := out[pkg]; dup && idLess(old, pid) {
			continue
		}
		out[pkg] = pid
	}
	return out, nil
}

func idLess(a, b string) bool {
	x, _ := strconv.ParseUint(a, 10, 64)
	y, _ := strconv.ParseUint(b, 10, 64)
	return x < y
}

// Products returns the product of each package, for sync.Options.Products:
// StoreConfig.Products and the products the store created, found through
// WHMCS (GetProducts).
func (s *Store) Products(ctx context.Context) (map[string]string, error) {
	out, err := s.created(ctx, "products")
	if err != nil {
		return nil, err
	}
	for pkg, pid := range s.configured {
		out[pkg] = pid
	}
	return out, nil
}

// CreateProduct returns the product for the package: the one
// StoreConfig.Products names, or the one the store created before, which
// it finds through WHMCS (GetProducts in ProductGroupID with the module),
// never from memory alone; otherwise it creates one with AddProduct: a
// hidden, free hosting account product in ProductGroupID, named after the
// package, with the module and the package as its first module setting,
// and never set up automatically. It is idempotent, also across restarts.
//
// For a server keyed on a custom field it creates nothing and returns an
// error wrapping provider.ErrNotSupported: AddProduct cannot add the
// field the key lives in, so map the package to a product that has it.
func (s *Store) CreateProduct(ctx context.Context, p acsync.NewProduct) (string, error) {
	const op = "create product"
	if err := ctx.Err(); err != nil {
		return "", &provider.APIError{Type: "whmcs", Op: op, Err: err}
	}
	if id, ok := s.configured[p.Package]; ok {
		return id, nil
	}
	if s.field != "" {
		return "", s.c.http.Error(op, nil, "", fmt.Sprintf("package %q: the server is keyed on custom field %q, which AddProduct cannot create; create the product with that field and map it in StoreConfig.Products", p.Package, s.field), provider.ErrNotSupported)
	}
	if s.cfg.ProductGroupID == "" {
		return "", s.c.http.Error(op, nil, "", fmt.Sprintf("package %q has no product and StoreConfig.ProductGroupID is empty", p.Package), nil)
	}
	s.products.Lock()
	defer s.products.Unlock()
	have, err := s.created(ctx, op)
	if err != nil {
		return "", err
	}
	if id, ok := have[p.Package]; ok {
		return id, nil
	}
	module, err := s.module(ctx, op)
	if err != nil {
		return "", err
	}
	name := p.Package
	if strings.TrimSpace(name) == "" {
		name = "Imported (no package)"
	}
	var a addProductAnswer
	err = s.c.call(ctx, op, "AddProduct", url.Values{
		"name": {name}, "gid": {s.cfg.ProductGroupID}, "type": {"hostingaccount"}, "paytype": {"free"},
		"hidden": {"1"}, "module": {module}, "configoption1": {p.Package}, "autosetup": {""},
		"description": {"Created by accountsync for the server package below.\n" + markerOf(p.Package)},
	}, &a)
	if err != nil {
		return "", err
	}
	pid, ok := a.PID.id()
	if !ok {
		// Look it up rather than guess: the product may exist now.
		if have, err = s.created(ctx, op); err == nil && have[p.Package] != "" {
			return have[p.Package], nil
		}
		return "", s.c.shapeError(op, "AddProduct", "the answer has no pid")
	}
	// Another store may have created one at the same time; both settle
	// on the lowest ID.
	if have, err = s.created(ctx, op); err == nil && have[p.Package] != "" {
		return have[p.Package], nil
	}
	return pid, nil
}

// packages returns product ID -> package for the listing: the products
// the store created and StoreConfig.Products.
func (s *Store) packages(ctx context.Context, op string) (map[string]string, error) {
	have, err := s.created(ctx, op)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(have)+len(s.packageOf))
	for pkg, pid := range have {
		out[pid] = pkg
	}
	for pid, pkg := range s.packageOf {
		out[pid] = pkg
	}
	return out, nil
}

// keyLocks serialises work on one key.
type keyLocks struct {
	mu    gosync.Mutex
	locks map[string]*keyLock
}

type keyLock struct {
	gosync.Mutex
	users int
}

func (k *keyLocks) lock(key string) func() {
	k.mu.Lock()
	if k.locks == nil {
		k.locks = map[string]*keyLock{}
	}
	l := k.locks[key]
	if l == nil {
		l = &keyLock{}
		k.locks[key] = l
	}
	l.users++
	k.mu.Unlock()
	l.Lock()
	return func() {
		l.Unlock()
		k.mu.Lock()
		if l.users--; l.users == 0 {
			delete(k.locks, key)
		}
		k.mu.Unlock()
	}
}
