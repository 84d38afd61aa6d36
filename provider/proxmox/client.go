package proxmox

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/accountsync/accountsync/internal/httpx"
	"github.com/accountsync/accountsync/provider"
)

// typeName is the registry key and the prefix of every error.
const typeName = "proxmox"

// Defaults for the zero values of [Config].
const (
	// DefaultPort is the port pveproxy listens on (https only).
	DefaultPort = 8006
	// DefaultRateLimit is the request budget per second to one cluster.
	// It protects the node the client talks to: pveproxy serves the web
	// interface and the API with three worker processes by default, and
	// forwards each guest's request to the guest's node. A first listing
	// reads one configuration per guest, because nothing in the API
	// returns the creation time, cloud-init user or addresses of many
	// guests at once, so it takes about N/50 seconds (10,000 guests: over
	// three minutes); later listings of the same Client read only what
	// changed (see Config.CacheMaxAge). Raise Config.RateLimit for a
	// faster first listing on a cluster that can take it.
	DefaultRateLimit = 50
	// DefaultConcurrency is the number of configuration reads a listing
	// keeps in flight. It bounds the load when the cluster is slow to
	// answer; at the default rate and a WAN round trip below 150 ms, the
	// rate is what limits.
	DefaultConcurrency = 8
	// DefaultCacheMaxAge is how long a listing reuses the cloud-init user,
	// addresses and hostname it read from a running guest's configuration;
	// see Config.CacheMaxAge.
	DefaultCacheMaxAge = time.Hour
	// DefaultIdentifierField is the WHMCS field the VM ID is matched
	// against: a product custom field named "vmid".
	DefaultIdentifierField = "customfield.vmid"
	// DefaultProductTagPrefix starts the tag that names a guest's product:
	// "plan-vps2" gives product "vps2".
	DefaultProductTagPrefix = "plan-"
	// DefaultOwnerTagPrefix starts the tag that carries the owner's e-mail
	// address, with "@" written as "_at_" because tags cannot hold "@":
	// "owner-alice_at_example.com".
	DefaultOwnerTagPrefix = "owner-"
	// SuspendedTag is the tag SuspendAccount sets and UnsuspendAccount
	// removes. A guest is Suspended when it has this tag and is stopped.
	SuspendedTag = "accountsync-suspended"
	// DefaultPollInterval is the wait between two task status reads.
	DefaultPollInterval = time.Second
	// DefaultTaskTimeout bounds a task wait when the context has no
	// deadline.
	DefaultTaskTimeout = 10 * time.Minute
	// DefaultTicketRenewAfter is the age at which a login ticket is
	// renewed. Tickets are valid for two hours.
	DefaultTicketRenewAfter = time.Hour
)

// PoolUse says what a guest's resource pool stands for.
type PoolUse int

const (
	// PoolIgnored (the default): pools carry no meaning for the mapping.
	PoolIgnored PoolUse = iota
	// PoolIsProduct: a guest's product is its pool, ListPackages lists the
	// pools, and CreateAccount puts the new guest in the pool named by the
	// package (the template then comes from NewAccount.Extra["template"]).
	PoolIsProduct
	// PoolIsOwner: a pool per customer, whose comment is the owner's e-mail
	// address (GET /pools, once per listing).
	PoolIsOwner
)

// String returns "ignored", "product" or "owner", the values of the
// "pools" server parameter.
func (p PoolUse) String() string {
	switch p {
	case PoolIsProduct:
		return "product"
	case PoolIsOwner:
		return "owner"
	}
	return "ignored"
}

// Config configures a [Client]. Zero values mean the documented defaults.
type Config struct {
	// BaseURL is the address of any cluster node, "https://pve.example.com:8006".
	// The API path "/api2/json" is appended unless it is already there.
	BaseURL string
	// Username is the API token ID "user@realm!tokenid" when APIToken is
	// set, or the user "user@realm" for a ticket login with Password.
	Username string
	// Password logs in for a ticket (POST /access/ticket). Used only when
	// APIToken is empty.
	Password string
	// APIToken is the secret of the API token named by Username. It is
	// preferred over Password: no login, no CSRF token, no expiry.
	APIToken string

	// HTTPClient is the base HTTP client. Its Transport, when nil or an
	// *http.Transport, is cloned and gets the TLS settings; its
	// CheckRedirect is replaced, because a redirect to another scheme,
	// host or port is an error, never followed.
	HTTPClient *http.Client
	// Logger receives one debug line per HTTP attempt and warnings about
	// odd data, never a secret. nil discards.
	Logger *slog.Logger
	// RateLimit is requests per second to this server (default
	// DefaultRateLimit, 50); negative means unlimited. Burst defaults to
	// max(1, RateLimit).
	RateLimit float64
	Burst     int
	// Timeout bounds each HTTP attempt, body included (default 2 minutes).
	Timeout time.Duration
	// CertSHA256 pins the server's certificate by the hex SHA-256 of its
	// DER bytes, so that a self-signed certificate is trusted when, and
	// only when, it matches. It needs an https BaseURL: with
	// http, New returns an error rather than ignore it.
	CertSHA256 string
	// InsecureSkipVerify turns certificate verification off; prefer
	// CertSHA256. It too needs an https BaseURL.
	InsecureSkipVerify bool
	// MaxRetries is the number of retries of a read after the first
	// attempt (default 3; negative means none). Mutations are retried
	// only when they provably did not reach the server.
	MaxRetries int
	// RetryWaitMin and RetryWaitMax bound the backoff between retries
	// (defaults 300ms and 3s).
	RetryWaitMin time.Duration
	RetryWaitMax time.Duration

	// Location is the zone Created is expressed in (default UTC). WHMCS
	// shows dates in its own zone; set it to that.
	Location *time.Location
	// Concurrency is the number of guest configuration reads in flight
	// during a listing (default DefaultConcurrency).
	Concurrency int
	// CacheMaxAge bounds how long the Client reuses what it read from a
	// guest's configuration in an earlier listing (default
	// DefaultCacheMaxAge; negative: every listing reads every guest's
	// configuration). The values are reused only while the guest has run
	// without a stop since they were read, as its uptime in
	// /cluster/resources shows: a guest stopped, restarted, migrated or
	// destroyed and recreated under its VM ID is read again, so the
	// creation time is always the guest's own. The cloud-init user, the
	// addresses and a container's hostname can be edited while the guest
	// runs; such an edit shows in a listing at most CacheMaxAge later.
	// The product, owner, status, name and lock come from
	// /cluster/resources in every listing, never from the cache.
	CacheMaxAge time.Duration
	// Cluster, when set, prefixes every UniqueIdentifier ("pve1/101"), so
	// that guests of several clusters, whose VM IDs overlap, stay apart.
	Cluster string
	// IdentifierField is Metadata().UniqueIdentifierField (default
	// DefaultIdentifierField).
	IdentifierField string
	// ProductTagPrefix starts the tag naming a guest's product (default
	// DefaultProductTagPrefix). Ignored when Pools is PoolIsProduct.
	ProductTagPrefix string
	// OwnerTagPrefix starts the tag carrying the owner's e-mail address
	// (default DefaultOwnerTagPrefix). Ignored when Pools is PoolIsOwner.
	OwnerTagPrefix string
	// Pools says what resource pools stand for (default PoolIgnored).
	Pools PoolUse
	// LinkedClone makes CreateAccount ask for linked clones (full=0), which
	// share the template's disks. The default is a full clone.
	LinkedClone bool
	// PollInterval is the wait between task status reads (default
	// DefaultPollInterval).
	PollInterval time.Duration
	// TaskTimeout bounds a task wait when the context has no deadline
	// (default DefaultTaskTimeout).
	TaskTimeout time.Duration
	// TicketRenewAfter is the age at which a ticket is renewed (default
	// DefaultTicketRenewAfter; tickets live two hours).
	TicketRenewAfter time.Duration
}

// String describes the configuration without its secrets.
func (c Config) String() string {
	return fmt.Sprintf("proxmox.Config{BaseURL:%s Username:%s Password:%s APIToken:%s Cluster:%s}",
		c.BaseURL, c.Username, provider.MaskSecret(c.Password), provider.MaskSecret(c.APIToken), c.Cluster)
}

// LogValue masks the secrets when a Config is logged with log/slog.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("baseURL", c.BaseURL),
		slog.String("username", c.Username),
		slog.String("password", provider.MaskSecret(c.Password)),
		slog.String("apiToken", provider.MaskSecret(c.APIToken)),
		slog.String("cluster", c.Cluster),
	)
}

// Client talks to one Proxmox VE cluster (or standalone node) through its
// REST API. It is safe for concurrent use.
type Client struct {
	cfg   Config
	hc    *httpx.Client
	log   *slog.Logger
	auth  *authState // nil with an API token
	token string     // the Authorization header value with an API token
	cache *guestCache
}

// New returns a Client for cfg. It checks that BaseURL is set and that
// either APIToken (with a token ID "user@realm!tokenid" in Username) or
// Password (with "user@realm") is given. It makes no network call.
func New(cfg Config) (*Client, error) {
	if strings.TrimSpace(cfg.BaseURL) == "" {
		return nil, errors.New("proxmox: Config.BaseURL is empty (want https://host:8006)")
	}
	cfg.Username = strings.TrimSpace(cfg.Username)
	switch {
	case cfg.APIToken != "":
		user, tokenID, ok := strings.Cut(cfg.Username, "!")
		if !ok || !strings.Contains(user, "@") || tokenID == "" {
			return nil, fmt.Errorf("proxmox: Config.Username %q is not an API token ID (want user@realm!tokenid)", cfg.Username)
		}
	case cfg.Password != "":
		if !strings.Contains(cfg.Username, "@") || strings.Contains(cfg.Username, "!") {
			return nil, fmt.Errorf("proxmox: Config.Username %q is not a user (want user@realm, e.g. root@pam)", cfg.Username)
		}
	default:
		return nil, errors.New("proxmox: Config.APIToken and Config.Password are both empty (set one)")
	}
	if cfg.Concurrency < 0 {
		return nil, fmt.Errorf("proxmox: Config.Concurrency %d is negative", cfg.Concurrency)
	}
	if strings.Contains(cfg.Cluster, "/") {
		return nil, fmt.Errorf("proxmox: Config.Cluster %q contains \"/\"", cfg.Cluster)
	}
	if cfg.Pools < PoolIgnored || cfg.Pools > PoolIsOwner {
		return nil, fmt.Errorf("proxmox: Config.Pools %d is not a PoolUse", cfg.Pools)
	}
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	if cfg.Concurrency == 0 {
		cfg.Concurrency = DefaultConcurrency
	}
	if cfg.IdentifierField == "" {
		cfg.IdentifierField = DefaultIdentifierField
	}
	if cfg.ProductTagPrefix == "" {
		cfg.ProductTagPrefix = DefaultProductTagPrefix
	}
	if cfg.OwnerTagPrefix == "" {
		cfg.OwnerTagPrefix = DefaultOwnerTagPrefix
	}
	for name, p := range map[string]string{"ProductTagPrefix": cfg.ProductTagPrefix, "OwnerTagPrefix": cfg.OwnerTagPrefix} {
		if !validTag(p) {
			return nil, fmt.Errorf("proxmox: Config.%s %q cannot start a Proxmox VE tag (letters, digits and _ - + . only)", name, p)
		}
	}
	if strings.EqualFold(cfg.ProductTagPrefix, cfg.OwnerTagPrefix) {
		return nil, fmt.Errorf("proxmox: Config.ProductTagPrefix and OwnerTagPrefix are both %q", cfg.ProductTagPrefix)
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = DefaultPollInterval
	}
	if cfg.TaskTimeout <= 0 {
		cfg.TaskTimeout = DefaultTaskTimeout
	}
	if cfg.TicketRenewAfter <= 0 {
		cfg.TicketRenewAfter = DefaultTicketRenewAfter
	}
	if cfg.CacheMaxAge == 0 {
		cfg.CacheMaxAge = DefaultCacheMaxAge
	}
	rateLimit := cfg.RateLimit
	if rateLimit == 0 {
		rateLimit = DefaultRateLimit
	}
	base := strings.TrimRight(strings.TrimSpace(cfg.BaseURL), "/")
	if !strings.HasSuffix(base, "/api2/json") {
		base += "/api2/json"
	}
	var secrets []string
	for _, s := range []string{cfg.Password, cfg.APIToken} {
		if s != "" {
			secrets = append(secrets, s)
		}
	}
	hc, err := httpx.New(httpx.Config{
		Type:               typeName,
		BaseURL:            base,
		HTTPClient:         cfg.HTTPClient,
		IdleConns:          cfg.Concurrency + 2,
		Logger:             cfg.Logger,
		RateLimit:          rateLimit,
		Burst:              cfg.Burst,
		Timeout:            cfg.Timeout,
		CertSHA256:         cfg.CertSHA256,
		InsecureSkipVerify: cfg.InsecureSkipVerify,
		MaxRetries:         cfg.MaxRetries,
		RetryWaitMin:       cfg.RetryWaitMin,
		RetryWaitMax:       cfg.RetryWaitMax,
		Secrets:            secrets,
		SensitiveParams:    []string{"cipassword", "ticket"},
	})
	if err != nil {
		return nil, err
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := &Client{cfg: cfg, hc: hc, log: log, cache: &guestCache{maxAge: cfg.CacheMaxAge}}
	if cfg.APIToken != "" {
		c.token = "PVEAPIToken=" + cfg.Username + "=" + cfg.APIToken
	} else {
		c.auth = &authState{}
	}
	return c, nil
}

// FromServer returns a Client for a WHMCS-style server record. The URL is
// built from Hostname/IP, Port (default 8006) and Secure (Proxmox VE
// serves https only, so set it for a real cluster). Username, Password and
// AccessHash (the API token secret) map to the Config fields of the same
// meaning; with an AccessHash, Username must be the token ID
// "user@realm!tokenid" (or the user, with Params["tokenid"]).
//
// Params keys, all optional (any other is an error):
//
//	realm            appended to a Username without "@" (default "pam")
//	tokenid          appended to Username as "!tokenid" when it has none
//	cluster          Config.Cluster: prefix of every identifier ("pve1" gives "pve1/101")
//	identifier_field Config.IdentifierField (default "customfield.vmid")
//	product_tag      Config.ProductTagPrefix (default "plan-")
//	owner_tag        Config.OwnerTagPrefix (default "owner-")
//	pools            "product" or "owner": Config.Pools
//	concurrency      Config.Concurrency
//	linked_clone     "1" or "true": Config.LinkedClone
//	timezone         an IANA zone name for Config.Location (default UTC)
func FromServer(s provider.Server) (*Client, error) {
	params, err := provider.ReadParams(typeName, s, "realm", "tokenid", "cluster", "identifier_field", "product_tag",
		"owner_tag", "pools", provider.ParamConcurrency, "linked_clone", provider.ParamTimezone)
	if err != nil {
		return nil, err
	}
	base, err := s.BaseURL(DefaultPort, DefaultPort)
	if err != nil {
		return nil, fmt.Errorf("proxmox: %w", err)
	}
	user := strings.TrimSpace(s.Username)
	if user != "" && !strings.Contains(user, "@") {
		realm := params.String("realm")
		if realm == "" {
			realm = "pam"
		}
		name, tok, hasTok := strings.Cut(user, "!")
		user = name + "@" + realm
		if hasTok {
			user += "!" + tok
		}
	}
	if s.AccessHash != "" && !strings.Contains(user, "!") && params.Has("tokenid") {
		user += "!" + params.String("tokenid")
	}
	cfg := Config{
		BaseURL:            base,
		Username:           user,
		Password:           s.Password,
		APIToken:           strings.TrimSpace(s.AccessHash),
		HTTPClient:         s.HTTPClient,
		Logger:             s.Logger,
		RateLimit:          s.RateLimit,
		Burst:              s.Burst,
		Timeout:            s.Timeout,
		CertSHA256:         s.CertSHA256,
		InsecureSkipVerify: s.InsecureSkipVerify,
		Cluster:            params.String("cluster"),
		IdentifierField:    params.String("identifier_field"),
		ProductTagPrefix:   params.String("product_tag"),
		OwnerTagPrefix:     params.String("owner_tag"),
	}
	switch v := strings.ToLower(params.String("pools")); v {
	case "", "ignored", "none":
	case "product":
		cfg.Pools = PoolIsProduct
	case "owner":
		cfg.Pools = PoolIsOwner
	default:
		return nil, fmt.Errorf("proxmox: server %q: param \"pools\" is %q, want \"product\" or \"owner\"", s.Name, v)
	}
	if cfg.Concurrency, err = params.PositiveInt(provider.ParamConcurrency); err != nil {
		return nil, err
	}
	if cfg.LinkedClone, err = params.Bool("linked_clone"); err != nil {
		return nil, err
	}
	if cfg.Location, err = params.Location(provider.ParamTimezone); err != nil {
		return nil, err
	}
	return New(cfg)
}

// Metadata describes Proxmox VE for WHMCS: the VM ID is the key, matched
// against Config.IdentifierField (default the custom field "vmid"), and the
// product sits in configoption1. It does no I/O.
func (c *Client) Metadata() provider.Metadata {
	return provider.Metadata{
		Type:                        typeName,
		DisplayName:                 "Proxmox VE",
		UniqueIdentifierField:       c.cfg.IdentifierField,
		UniqueIdentifierDisplayName: "VM ID",
		ProductField:                "configoption1",
	}
}

var (
	_ provider.Provider      = (*Client)(nil)
	_ provider.Creator       = (*Client)(nil)
	_ provider.Terminator    = (*Client)(nil)
	_ provider.Suspender     = (*Client)(nil)
	_ provider.PackageLister = (*Client)(nil)
)
