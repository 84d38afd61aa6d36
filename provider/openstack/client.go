package openstack

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/accountsync/accountsync/internal/httpx"
	"github.com/accountsync/accountsync/provider"
)

// typeName is the server type in errors, logs and [Client.Metadata].
const typeName = "openstack"

// Defaults for the zero values of [Config].
const (
	DefaultInterface    = "public"
	DefaultPageSize     = 1000 // Nova's default [api] max_limit
	DefaultPollInterval = 2 * time.Second
	// DefaultDomainID is the Keystone domain used when a user or project is
	// named without a domain: the id of Keystone's built-in default domain.
	DefaultDomainID = "default"
)

// Metadata keys the package writes on servers it creates and reads back in
// listings. A WHMCS module (or an operator) that writes the same keys gets
// the same mapping.
const (
	// MetadataEmail holds the owner's e-mail address; it becomes
	// [provider.Account.Email].
	MetadataEmail = "whmcs_email"
	// MetadataUsername holds the WHMCS service username; it becomes
	// [provider.Account.Username].
	MetadataUsername = "whmcs_username"
)

// Config configures a [Client]. Zero values mean the documented defaults.
//
// Authentication uses either a password (Password with Username or UserID,
// scoped to ProjectName or ProjectID) or an application credential
// (ApplicationCredentialID with its secret in APIToken; the credential
// carries its own project scope, so the project fields are ignored).
type Config struct {
	// BaseURL is the Keystone v3 endpoint, with or without the "/v3"
	// suffix: "https://keystone.example.com:5000" or
	// "https://cloud.example.com/identity/v3". Required.
	BaseURL string
	// Username or UserID names the user for password authentication.
	Username string
	UserID   string
	// Password is the user's password.
	Password string
	// APIToken is the application credential's secret.
	APIToken string
	// ApplicationCredentialID selects application-credential
	// authentication.
	ApplicationCredentialID string
	// DomainName or DomainID is the user's domain when the user is given
	// by name, and the project's domain unless ProjectDomainName or
	// ProjectDomainID says otherwise. Default: DomainID "default".
	DomainName string
	DomainID   string
	// ProjectName or ProjectID is the project the token is scoped to.
	ProjectName       string
	ProjectID         string
	ProjectDomainName string
	ProjectDomainID   string

	// Region picks the compute endpoint's region from the catalog. It may
	// be empty when the catalog has one compute endpoint per interface.
	Region string
	// Interface picks the endpoint interface: "public" (default),
	// "internal" or "admin".
	Interface string
	// AllTenants lists the servers of every project (all_tenants=1, an
	// admin-only query); otherwise only the token's project is listed. It
	// also shows private flavors in ListPackages.
	AllTenants bool
	// PageSize is the limit sent with each page (default DefaultPageSize).
	PageSize int

	// Image is the image id CreateAccount boots from, unless the
	// NewAccount's Extra["image"] names one.
	Image string
	// Network is the network id (or a comma-separated list of ids, or
	// "auto" or "none") new servers attach to, unless Extra["network"]
	// names one. Empty means "auto".
	Network string
	// KeyName is the key pair injected into new servers, unless
	// Extra["key_name"] names one. Empty means none.
	KeyName string
	// PollInterval is how often CreateAccount polls a new server until it
	// leaves BUILD (default DefaultPollInterval).
	PollInterval time.Duration
	// Location, when set, is the zone Account.Created is expressed in;
	// Nova's timestamps are UTC.
	Location *time.Location

	// HTTPClient is the base HTTP client. Its Transport, when nil or an
	// *http.Transport, is cloned and gets the TLS settings; its
	// CheckRedirect is replaced, because a redirect to another scheme,
	// host or port is an error, never followed.
	HTTPClient *http.Client
	// Logger receives one debug line per HTTP attempt and warnings about
	// odd data, never a secret. nil discards.
	Logger *slog.Logger
	// RateLimit is requests per second to this server (default 10);
	// negative means unlimited. Burst defaults to max(1, RateLimit).
	// Keystone and the compute endpoint share this one budget.
	RateLimit float64
	Burst     int
	// Timeout bounds each HTTP attempt, body included (default 2 minutes).
	Timeout time.Duration
	// CertSHA256 pins the server's certificate by the hex SHA-256 of its
	// DER bytes, so that a self-signed certificate is trusted when, and
	// only when, it matches. It applies to Keystone and to the
	// compute endpoint alike. It needs an https BaseURL: with
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
}

// String describes the configuration without its secrets.
func (c Config) String() string {
	return fmt.Sprintf("openstack.Config{BaseURL:%s Username:%s UserID:%s ProjectName:%s ProjectID:%s ApplicationCredentialID:%s Region:%s Interface:%s AllTenants:%t Password:%s APIToken:%s}",
		c.BaseURL, c.Username, c.UserID, c.ProjectName, c.ProjectID, c.ApplicationCredentialID, c.Region, c.Interface, c.AllTenants, provider.MaskSecret(c.Password), provider.MaskSecret(c.APIToken))
}

// LogValue masks Password and APIToken when a Config is logged with
// log/slog.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("baseURL", c.BaseURL),
		slog.String("username", c.Username),
		slog.String("userID", c.UserID),
		slog.String("project", c.ProjectName),
		slog.String("projectID", c.ProjectID),
		slog.String("applicationCredentialID", c.ApplicationCredentialID),
		slog.String("region", c.Region),
		slog.String("interface", c.Interface),
		slog.Bool("allTenants", c.AllTenants),
		slog.String("password", provider.MaskSecret(c.Password)),
		slog.String("apiToken", provider.MaskSecret(c.APIToken)),
	)
}

// Client is an OpenStack cloud (Keystone v3 and Nova) seen as a
// [provider.Provider]. It is safe for concurrent use; it holds one token at
// a time and renews it on expiry, one renewal for all concurrent callers.
type Client struct {
	cfg      Config
	identity *httpx.Client
	authPath string // "/v3/auth/tokens" or "/auth/tokens", after BaseURL
	limiter  *rate.Limiter
	secrets  []string
	log      *slog.Logger

	mu     sync.Mutex
	sess   *session
	flight *authFlight

	// mv indexes microversions: the compute microversion in use, lowered
	// when the cloud answers 406.
	mv atomic.Int32
}

// New returns a Client for the cloud cfg describes. It checks the
// configuration and makes no network call.
func New(cfg Config) (*Client, error) {
	cfg.BaseURL = strings.TrimRight(strings.TrimSpace(cfg.BaseURL), "/")
	switch {
	case cfg.BaseURL == "":
		return nil, errors.New("openstack: Config.BaseURL (the Keystone URL) is required")
	case cfg.ApplicationCredentialID != "":
		if cfg.APIToken == "" {
			return nil, errors.New("openstack: Config.APIToken (the application credential secret) is required with Config.ApplicationCredentialID")
		}
	case cfg.Password == "":
		return nil, errors.New("openstack: Config.Password is required (or Config.ApplicationCredentialID with Config.APIToken)")
	case cfg.Username == "" && cfg.UserID == "":
		return nil, errors.New("openstack: Config.Username or Config.UserID is required with Config.Password")
	case cfg.ProjectName == "" && cfg.ProjectID == "":
		return nil, errors.New("openstack: Config.ProjectName or Config.ProjectID is required with Config.Password")
	}
	if cfg.Interface == "" {
		cfg.Interface = DefaultInterface
	}
	switch cfg.Interface {
	case "public", "internal", "admin":
	default:
		return nil, fmt.Errorf("openstack: Config.Interface %q: want public, internal or admin", cfg.Interface)
	}
	if cfg.PageSize <= 0 {
		cfg.PageSize = DefaultPageSize
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = DefaultPollInterval
	}
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("openstack: invalid Config.BaseURL %q: want https://host[:port][/v3]", cfg.BaseURL)
	}
	authPath := "/v3/auth/tokens"
	if strings.HasSuffix(u.Path, "/v3") {
		authPath = "/auth/tokens"
	}
	c := &Client{cfg: cfg, authPath: authPath, log: cfg.Logger}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	for _, s := range []string{cfg.Password, cfg.APIToken} {
		if s != "" {
			c.secrets = append(c.secrets, s)
		}
	}
	c.limiter = httpx.NewLimiter(cfg.RateLimit, cfg.Burst)
	c.identity, err = httpx.New(c.httpConfig(cfg.BaseURL))
	if err != nil {
		return nil, err
	}
	return c, nil
}

// httpConfig is the httpx configuration for Keystone or a compute
// endpoint; both share one rate limiter.
func (c *Client) httpConfig(base string) httpx.Config {
	return httpx.Config{
		Type:               typeName,
		BaseURL:            base,
		HTTPClient:         c.cfg.HTTPClient,
		Logger:             c.cfg.Logger,
		Limiter:            c.limiter,
		Timeout:            c.cfg.Timeout,
		CertSHA256:         c.cfg.CertSHA256,
		InsecureSkipVerify: c.cfg.InsecureSkipVerify,
		MaxRetries:         c.cfg.MaxRetries,
		RetryWaitMin:       c.cfg.RetryWaitMin,
		RetryWaitMax:       c.cfg.RetryWaitMax,
		Secrets:            c.secrets,
		SensitiveParams:    []string{"adminPass"},
	}
}

// FromServer returns a Client for a WHMCS server record. BaseURL is built
// from the server's hostname (which may be a full Keystone URL such as
// "https://cloud.example.com/identity/v3") and port, 5000 by default.
// Username, Password and AccessHash become Username, Password and
// APIToken. These Params keys are read:
//
//	domain, domain_id                   user (and default project) domain
//	project, project_id                 project scope
//	project_domain, project_domain_id   project domain
//	user_id                             user id, instead of the username
//	application_credential_id           use the application credential whose
//	                                    secret is AccessHash (or Password)
//	region, interface                   compute endpoint selection
//	all_tenants                         "1" or "true": list every project
//	page_size                           servers per page
//	image, network, key_name            CreateAccount defaults
//	timezone                            IANA zone for Account.Created
//
// Any other key is an error. Register it with
// provider.FactoryOf(openstack.FromServer).
func FromServer(s provider.Server) (*Client, error) {
	params, err := provider.ReadParams(typeName, s, "domain", "domain_id", "project", "project_id",
		"project_domain", "project_domain_id", "user_id", "application_credential_id", "region", "interface",
		"all_tenants", "page_size", "image", "network", "key_name", provider.ParamTimezone)
	if err != nil {
		return nil, err
	}
	base, err := s.BaseURL(5000, 5000)
	if err != nil {
		return nil, fmt.Errorf("openstack: %w", err)
	}
	p := s.Params
	cfg := Config{
		BaseURL:                 base,
		Username:                s.Username,
		UserID:                  p["user_id"],
		Password:                s.Password,
		APIToken:                s.AccessHash,
		ApplicationCredentialID: p["application_credential_id"],
		DomainName:              p["domain"],
		DomainID:                p["domain_id"],
		ProjectName:             p["project"],
		ProjectID:               p["project_id"],
		ProjectDomainName:       p["project_domain"],
		ProjectDomainID:         p["project_domain_id"],
		Region:                  p["region"],
		Interface:               p["interface"],
		Image:                   p["image"],
		Network:                 p["network"],
		KeyName:                 p["key_name"],
		HTTPClient:              s.HTTPClient,
		Logger:                  s.Logger,
		RateLimit:               s.RateLimit,
		Burst:                   s.Burst,
		Timeout:                 s.Timeout,
		CertSHA256:              s.CertSHA256,
		InsecureSkipVerify:      s.InsecureSkipVerify,
	}
	if cfg.ApplicationCredentialID != "" && cfg.APIToken == "" {
		cfg.APIToken = s.Password
	}
	if cfg.AllTenants, err = params.Bool("all_tenants"); err != nil {
		return nil, err
	}
	if cfg.PageSize, err = params.PositiveInt("page_size"); err != nil {
		return nil, err
	}
	if cfg.Location, err = params.Location(provider.ParamTimezone); err != nil {
		return nil, err
	}
	return New(cfg)
}

// Metadata describes OpenStack for WHMCS: accounts are identified by the
// Nova server id, kept in the product custom field "vmID" (labelled "VM
// ID"), the field ModulesGarden's OpenStack VPS module stores it in; the
// flavor name is the product, read from configoption1.
func (c *Client) Metadata() provider.Metadata {
	return provider.Metadata{
		Type:                        typeName,
		DisplayName:                 "OpenStack",
		UniqueIdentifierField:       "customfield.vmID",
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
