package config

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/accountsync/accountsync/nsscan"
	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/cpanel"
	"github.com/accountsync/accountsync/provider/directadmin"
	"github.com/accountsync/accountsync/provider/openstack"
	"github.com/accountsync/accountsync/provider/plesk"
	"github.com/accountsync/accountsync/provider/proxmox"
	"github.com/accountsync/accountsync/provider/solusvm"
	"github.com/accountsync/accountsync/sqlstore"
	acsync "github.com/accountsync/accountsync/sync"
	"github.com/accountsync/accountsync/whmcs"
)

// Registry returns a registry of the six panels this module ships, keyed
// by Server.Type. It is a new map on every call; add your own types to
// it freely.
func Registry() provider.Registry {
	return provider.Registry{
		"cpanel":      provider.FactoryOf(cpanel.FromServer),
		"directadmin": provider.FactoryOf(directadmin.FromServer),
		"plesk":       provider.FactoryOf(plesk.FromServer),
		"solusvm":     provider.FactoryOf(solusvm.FromServer),
		"openstack":   provider.FactoryOf(openstack.FromServer),
		"proxmox":     provider.FactoryOf(proxmox.FromServer),
	}
}

// Provider returns s as the provider package's Server.
func (s Server) Provider() provider.Server {
	return provider.Server{
		Type: s.Type, Name: s.Name, Hostname: s.Hostname, IP: s.IP, Port: s.Port, Secure: s.Secure,
		Username: s.Username, Password: s.Password, AccessHash: s.AccessHash, Params: s.Params,
		InsecureSkipVerify: s.InsecureSkipVerify, CertSHA256: s.CertSHA256,
		RateLimit: s.RateLimit, Burst: s.Burst, Timeout: time.Duration(s.Timeout),
	}
}

// NewProvider returns the provider of s from [Registry], logging to
// logger (nil discards).
func NewProvider(s Server, logger *slog.Logger) (provider.Provider, error) {
	ps := s.Provider()
	if logger != nil {
		ps.Logger = logger.With("server", s.Name)
	}
	p, err := Registry().New(ps)
	if err != nil {
		return nil, fmt.Errorf("server %s: %w", s.Name, err)
	}
	return p, nil
}

// Server returns the server called name; or else the one server whose
// ip is name; or else the one whose hostname is name (a WHMCS module has
// $params['serverip'] and $params['serverhostname']). Hosts are compared
// without regard to case and a final dot, and a hostname written as a
// URL counts by its host. A name that matches no server, or several at
// the same step, finds none.
func (c *Config) Server(name string) (Server, bool) {
	for _, s := range c.Servers {
		if s.Name == name {
			return s, true
		}
	}
	want := normHost(name)
	if want == "" {
		return Server{}, false
	}
	wantIP := net.ParseIP(want)
	byIP := func(s Server) bool {
		ip := net.ParseIP(s.IP)
		return wantIP != nil && ip != nil && ip.Equal(wantIP)
	}
	byHost := func(s Server) bool {
		h := normHost(s.Hostname)
		ip := net.ParseIP(h)
		return h == want || wantIP != nil && ip != nil && ip.Equal(wantIP)
	}
	for _, match := range []func(Server) bool{byIP, byHost} {
		var found []Server
		for _, s := range c.Servers {
			if match(s) {
				found = append(found, s)
			}
		}
		switch len(found) {
		case 1:
			return found[0], true
		case 0:
			continue
		}
		return Server{}, false
	}
	return Server{}, false
}

// normHost returns the host of a hostname (which may be written as a
// URL), lower case and without a final dot.
func normHost(h string) string {
	h = strings.TrimSpace(h)
	if strings.Contains(h, "://") {
		if u, err := url.Parse(h); err == nil {
			h = u.Hostname()
		}
	}
	return strings.TrimSuffix(strings.ToLower(h), ".")
}

// Names returns the names of the configured servers, in file order.
func (c *Config) Names() []string {
	out := make([]string, len(c.Servers))
	for i, s := range c.Servers {
		out[i] = s.Name
	}
	return out
}

// ServerPolicy returns the policy of the server called name: the
// defaults with its overrides laid over them.
func (c *Config) ServerPolicy(name string) Policy {
	if p, ok := c.policies[name]; ok {
		return p
	}
	p := c.Policy
	p.Servers = nil
	return p
}

// PolicyFor returns the sync options of the server called name, as its
// policy sets them. The caller sets what comes from the listing and the
// billing side: KeyField, Now, Products (when the billing side maps
// packages itself), SeenMissing and Nameservers.
func (c *Config) PolicyFor(name string) acsync.Options {
	p := c.ServerPolicy(name)
	opts := acsync.Options{
		TerminateLocal:                p.TerminateLocal,
		TerminateRemote:               p.TerminateRemote,
		TerminateIncorrectNameservers: p.TerminateIncorrectNameservers,
		Products:                      p.Products,
		Billing:                       acsync.Billing{Cycle: p.BillingCycle, NextDueInDays: p.NextDueInDays, Free: p.Free},
		ResetPassword:                 p.ResetPassword,
		Emails:                        acsync.Emails{Welcome: p.Emails.Welcome, HostingDetails: p.Emails.HostingDetails},
		ConfirmRuns:                   p.ConfirmRuns,
		MaxActions:                    p.MaxActions,
		Limits:                        acsync.Limits{MaxTerminations: p.MaxTerminations},
	}
	switch p.Mode {
	case "import-only":
		opts.Mode = acsync.ModeImportOnly
	case "export-only":
		opts.Mode = acsync.ModeExportOnly
	}
	if p.StatusAuthority == "billing" {
		opts.StatusAuthority = acsync.SideLocal
	}
	return opts
}

// Expectation returns the nameserver expectation of the server called
// name, and false when its policy names no nameservers.
func (c *Config) Expectation(name string) (nsscan.Expectation, bool) {
	p := c.ServerPolicy(name)
	if len(p.Nameservers) == 0 {
		return nsscan.Expectation{}, false
	}
	return nsscan.Expectation{Nameservers: p.Nameservers, MinMatches: p.NameserverMinMatches}, true
}

// Store is the billing side of one server, as the sync engine and a
// scheduled run use it. *sqlstore.Store and *whmcs.Store are Stores.
type Store interface {
	acsync.Store
	acsync.Notifier
	acsync.Journal
	// Products returns the product ID of each package.
	Products(ctx context.Context) (map[string]string, error)
}

// BillingSide is the opened billing side of a configuration. Close it
// when done.
type BillingSide struct {
	cfg    *Config
	db     *sqlstore.DB
	client *whmcs.Client
	logger *slog.Logger
}

// OpenBilling opens the billing side: the SQLite database (created if
// missing, in a directory that must exist) or a WHMCS API client (no
// request is made yet). logger gets the client's debug lines; nil
// discards.
func (c *Config) OpenBilling(ctx context.Context, logger *slog.Logger) (*BillingSide, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	b := &BillingSide{cfg: c, logger: logger}
	switch {
	case c.Billing.SQLite != nil:
		path := c.SQLitePath()
		dir := filepath.Dir(path)
		if fi, err := os.Stat(dir); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil, c.errKey("billing.sqlite.path", "directory %s does not exist; create it first", dir)
			}
			return nil, c.errKey("billing.sqlite.path", "%v", err)
		} else if !fi.IsDir() {
			return nil, c.errKey("billing.sqlite.path", "%s is not a directory", dir)
		}
		db, err := sqlstore.Open(ctx, path)
		if err != nil {
			return nil, c.errKey("billing.sqlite.path", "open %s: %v", path, err)
		}
		b.db = db
	case c.Billing.WHMCS != nil:
		w := c.Billing.WHMCS
		client, err := whmcs.New(whmcs.Config{
			BaseURL: w.URL, Identifier: w.Identifier, Secret: w.Secret, AccessKey: w.AccessKey,
			CertSHA256: w.CertSHA256, InsecureSkipVerify: w.InsecureSkipVerify,
			Timeout: time.Duration(w.Timeout), Logger: logger.With("billing", "whmcs"),
		})
		if err != nil {
			return nil, c.errKey("billing.whmcs", "%v", err)
		}
		b.client = client
	default:
		return nil, c.errKey("billing", "no billing side")
	}
	return b, nil
}

// SQLitePath returns the SQLite billing store's path, resolved against
// the configuration file's directory, or "" when billing is WHMCS.
func (c *Config) SQLitePath() string {
	if c.Billing.SQLite == nil {
		return ""
	}
	p := c.Billing.SQLite.Path
	if !filepath.IsAbs(p) && c.File != "" {
		p = filepath.Join(filepath.Dir(c.File), p)
	}
	return p
}

// Store returns the billing side of the server called name, whose
// provider's metadata is md.
func (b *BillingSide) Store(ctx context.Context, name string, md provider.Metadata) (Store, error) {
	if b.db != nil {
		return b.db.Server(ctx, name, md.Type, md.UniqueIdentifierField)
	}
	w := b.cfg.Billing.WHMCS
	p := b.cfg.ServerPolicy(name)
	return b.client.NewStore(whmcs.StoreConfig{
		ServerID: w.Servers[name], ProductGroupID: w.ProductGroupID, PaymentMethod: w.PaymentMethod,
		Module: md.Type, KeyField: md.UniqueIdentifierField, Products: p.Products, AllowUnlisted: w.AllowUnlisted,
	})
}

// DB returns the SQLite database, or nil when billing is WHMCS.
func (b *BillingSide) DB() *sqlstore.DB { return b.db }

// WHMCS returns the WHMCS client, or nil when billing is SQLite.
func (b *BillingSide) WHMCS() *whmcs.Client { return b.client }

// Close closes the database, if any.
func (b *BillingSide) Close() error {
	if b.db != nil {
		return b.db.Close()
	}
	return nil
}
