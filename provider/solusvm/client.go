package solusvm

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/accountsync/accountsync/internal/httpx"
	"github.com/accountsync/accountsync/provider"
)

// typeName is the server type in errors, logs and [Client.Metadata].
const typeName = "solusvm"

// Defaults for the zero values of [Config].
const (
	// DefaultConcurrency is how many calls a listing keeps in flight at
	// once: SolusVM 1's calls per node, then per virtual server; SolusVM
	// 2's pages after the first. It bounds the work a listing puts on
	// the panel at any moment (each SolusVM 1 state call makes the master
	// ask a node), whatever the latency.
	DefaultConcurrency = 8
	// DefaultRateLimit is the requests per second a client sends to one
	// panel. It caps a listing's load on the panel (a SolusVM 1 listing
	// is one call per virtual server) below the 50 per second this module
	// allows itself by default, while a SolusVM 2 listing of 10,000
	// servers (667 pages of 15) takes about 17 s.
	DefaultRateLimit = 40
	// DefaultSecurePort and DefaultPlainPort are the SolusVM 1 master's
	// API ports, used by [FromServer] when the server names none.
	DefaultSecurePort = 5656
	DefaultPlainPort  = 5353
)

// defaultVirtTypes are the SolusVM 1 virtualization types a listing walks,
// in order, when Config.VirtTypes is empty. Read only.
var defaultVirtTypes = []string{"openvz", "xen", "xen hvm", "kvm"}

// createKeys are the NewAccount.Extra (and Config.CreateDefaults) keys
// CreateAccount passes on, per protocol. Read only.
var (
	createKeysV1 = []string{"type", "node", "nodegroup", "template", "ips", "firstname", "lastname",
		"hvmt", "custommemory", "customdiskspace", "custombandwidth", "customcpu", "customextraip",
		"issuelicense", "internalip"}
	createKeysV2 = []string{"location", "os", "application", "project", "additional_ip_count"}
)

// Config configures a [Client]. Zero values mean the documented defaults.
type Config struct {
	// BaseURL is the panel's address. SolusVM 1: the master,
	// "https://master.example.com:5656" (the path /api/admin/command.php is
	// added). SolusVM 2: "https://solus.example.com" (the path /api/v1 is
	// added). Required.
	BaseURL string
	// APIVersion selects the protocol: 1 (the default) for the SolusVM 1
	// admin API, 2 for the SolusVM 2 REST API.
	APIVersion int
	// Username is the SolusVM 1 API ID (sent as "id"). Required for
	// SolusVM 1, unused by SolusVM 2. It is treated as a secret: it never
	// appears in logs or errors.
	Username string
	// Password is not used by either protocol; it is accepted so that all
	// panel packages share one Config shape.
	Password string
	// APIToken is the SolusVM 1 API key (sent as "key") or the SolusVM 2
	// API token (sent as "Authorization: Bearer"). Required.
	APIToken string

	// Concurrency bounds the calls a listing keeps in flight: SolusVM 1's
	// node and per-server calls, SolusVM 2's pages after the first
	// (default DefaultConcurrency). The rate limit still applies.
	Concurrency int
	// VirtTypes are the SolusVM 1 virtualization types whose nodes a
	// listing walks (default: openvz, xen, xen hvm, kvm). Name
	// only the types the master runs if it refuses the others.
	VirtTypes []string
	// Location, when set, is the zone Account.Created is expressed in
	// (SolusVM 2 only; its timestamps are UTC). Default UTC.
	Location *time.Location
	// CreateDefaults are the parameters CreateAccount sends unless the
	// NewAccount's Extra overrides them. SolusVM 1 keys: type (default
	// "kvm"), node, nodegroup, template, ips (default "1"), firstname,
	// lastname, hvmt, custommemory, customdiskspace, custombandwidth,
	// customcpu, customextraip, issuelicense, internalip. SolusVM 2 keys
	// (ids): location, os, application, project, additional_ip_count.
	CreateDefaults map[string]string

	// HTTPClient is the base HTTP client. Its Transport, when nil or an
	// *http.Transport, is cloned and gets the TLS settings; its
	// CheckRedirect is replaced, because a redirect to another scheme,
	// host or port is an error, never followed.
	HTTPClient *http.Client
	// Logger receives one debug line per HTTP attempt and warnings about
	// odd data, never a secret. nil discards.
	Logger *slog.Logger
	// RateLimit is requests per second to this server (default
	// DefaultRateLimit, 40); negative means unlimited. Burst defaults to
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
}

// String describes the configuration without its secrets. The SolusVM 1 API
// ID (Username) counts as one.
func (c Config) String() string {
	return fmt.Sprintf("solusvm.Config{BaseURL:%s APIVersion:%d Username:%s Password:%s APIToken:%s}",
		c.BaseURL, c.version(), provider.MaskSecret(c.Username), provider.MaskSecret(c.Password), provider.MaskSecret(c.APIToken))
}

// LogValue masks Username (the SolusVM 1 API ID), Password and APIToken
// when a Config is logged with log/slog.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("baseURL", c.BaseURL),
		slog.Int("apiVersion", c.version()),
		slog.String("username", provider.MaskSecret(c.Username)),
		slog.String("password", provider.MaskSecret(c.Password)),
		slog.String("apiToken", provider.MaskSecret(c.APIToken)),
	)
}

func (c Config) version() int {
	if c.APIVersion == 0 {
		return 1
	}
	return c.APIVersion
}

// Client is a SolusVM master (version 1) or SolusVM 2 panel seen as a
// [provider.Provider]. It is safe for concurrent use.
type Client struct {
	cfg     Config
	version int
	hc      *httpx.Client
	path    string // "/api/admin/command.php" or "/api/v1", after BaseURL
	secrets []string
	loc     *time.Location
}

// New returns a Client for the panel cfg describes. It checks the
// configuration and makes no network call.
func New(cfg Config) (*Client, error) {
	cfg.BaseURL = strings.TrimRight(strings.TrimSpace(cfg.BaseURL), "/")
	version := cfg.version()
	switch {
	case cfg.BaseURL == "":
		return nil, errors.New("solusvm: Config.BaseURL is required")
	case version != 1 && version != 2:
		return nil, fmt.Errorf("solusvm: Config.APIVersion %d: want 1 (SolusVM 1) or 2 (SolusVM 2)", cfg.APIVersion)
	case version == 1 && cfg.Username == "":
		return nil, errors.New("solusvm: Config.Username (the SolusVM 1 API ID) is required")
	case version == 1 && cfg.APIToken == "":
		return nil, errors.New("solusvm: Config.APIToken (the SolusVM 1 API key) is required")
	case version == 2 && cfg.APIToken == "":
		return nil, errors.New("solusvm: Config.APIToken (the SolusVM 2 API token) is required")
	}
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("solusvm: invalid Config.BaseURL %q: want http(s)://host[:port]", cfg.BaseURL)
	}
	// A base URL given with the API path is accepted as it is.
	path := "/api/admin/command.php"
	if version == 2 {
		path = "/api/v1"
	}
	cfg.BaseURL = strings.TrimSuffix(cfg.BaseURL, path)
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = DefaultConcurrency
	}
	if cfg.RateLimit == 0 {
		cfg.RateLimit = DefaultRateLimit
	}
	if len(cfg.VirtTypes) == 0 {
		cfg.VirtTypes = defaultVirtTypes
	}
	cfg.VirtTypes = append([]string(nil), cfg.VirtTypes...)
	defaults := make(map[string]string, len(cfg.CreateDefaults))
	for k, v := range cfg.CreateDefaults {
		defaults[k] = v
	}
	cfg.CreateDefaults = defaults

	c := &Client{cfg: cfg, version: version, path: path, loc: cfg.Location}
	if c.loc == nil {
		c.loc = time.UTC
	}
	for _, s := range []string{cfg.Username, cfg.Password, cfg.APIToken} {
		if s != "" {
			c.secrets = append(c.secrets, s)
		}
	}
	c.hc, err = httpx.New(httpx.Config{
		Type:               typeName,
		BaseURL:            cfg.BaseURL,
		HTTPClient:         cfg.HTTPClient,
		IdleConns:          cfg.Concurrency,
		Logger:             cfg.Logger,
		RateLimit:          cfg.RateLimit,
		Burst:              cfg.Burst,
		Timeout:            cfg.Timeout,
		CertSHA256:         cfg.CertSHA256,
		InsecureSkipVerify: cfg.InsecureSkipVerify,
		MaxRetries:         cfg.MaxRetries,
		RetryWaitMin:       cfg.RetryWaitMin,
		RetryWaitMax:       cfg.RetryWaitMax,
		Secrets:            c.secrets,
		// "id" is the SolusVM 1 API ID; "key" and the password
		// parameters are covered by httpx's own list.
		SensitiveParams: []string{"id", "rootpassword", "consolepassword", "vncpassword"},
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// FromServer returns a Client for a WHMCS server record. Params["api_version"]
// ("1", the default, or "2") selects the protocol.
//
// SolusVM 1: BaseURL is built from the hostname and port, 5656 when Secure
// and 5353 otherwise, as the WHMCS SolusVM module does. Username is the API
// ID; the API key is taken from Password, the field the WHMCS module keeps
// it in, or from AccessHash when Password is empty.
//
// SolusVM 2: BaseURL uses ports 443 and 80; the API token is AccessHash, or
// Password when AccessHash is empty.
//
// These Params keys are read as well; any other is an error:
//
//	concurrency      calls in flight during a listing (Config.Concurrency)
//	types            SolusVM 1 virtualization types to list, comma-separated
//	timezone         IANA zone for Account.Created (SolusVM 2)
//	type, node, nodegroup, template, ips, location, os, application,
//	project          CreateAccount defaults (see Config.CreateDefaults)
//
// Register it with provider.FactoryOf(solusvm.FromServer).
func FromServer(s provider.Server) (*Client, error) {
	known := append([]string{"api_version", provider.ParamConcurrency, "types", provider.ParamTimezone}, createKeysV1...)
	params, err := provider.ReadParams(typeName, s, append(known, createKeysV2...)...)
	if err != nil {
		return nil, err
	}
	version := 1
	if v := params.String("api_version"); v != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(strings.ToLower(v), "v"))
		if err != nil || (n != 1 && n != 2) {
			return nil, fmt.Errorf("solusvm: server %q: param \"api_version\" is %q, want 1 or 2", s.Name, v)
		}
		version = n
	}
	cfg := Config{
		APIVersion:         version,
		Username:           s.Username,
		HTTPClient:         s.HTTPClient,
		Logger:             s.Logger,
		RateLimit:          s.RateLimit,
		Burst:              s.Burst,
		Timeout:            s.Timeout,
		CertSHA256:         s.CertSHA256,
		InsecureSkipVerify: s.InsecureSkipVerify,
		CreateDefaults:     map[string]string{},
	}
	if version == 1 {
		cfg.BaseURL, err = s.BaseURL(DefaultSecurePort, DefaultPlainPort)
		cfg.APIToken = firstNonEmpty(s.Password, s.AccessHash)
	} else {
		cfg.BaseURL, err = s.BaseURL(443, 80)
		cfg.APIToken = firstNonEmpty(s.AccessHash, s.Password)
		cfg.Username = ""
	}
	if err != nil {
		return nil, fmt.Errorf("solusvm: %w", err)
	}
	if cfg.Concurrency, err = params.PositiveInt(provider.ParamConcurrency); err != nil {
		return nil, err
	}
	if v := params.String("types"); v != "" {
		cfg.VirtTypes = splitList(v)
	}
	if cfg.Location, err = params.Location(provider.ParamTimezone); err != nil {
		return nil, err
	}
	for _, k := range append(append([]string{}, createKeysV1...), createKeysV2...) {
		if v, ok := s.Params[k]; ok {
			cfg.CreateDefaults[k] = v
		}
	}
	return New(cfg)
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// APIVersion reports the protocol the client speaks: 1 or 2.
func (c *Client) APIVersion() int { return c.version }

// Metadata describes SolusVM for WHMCS. Accounts are identified by the
// virtual server id (SolusVM 1 vserverid, SolusVM 2 server id), kept in the
// product custom field "vserverid", where the official SolusVM 1 WHMCS
// module (solusvmpro) stores it. The plan is read from configoption4 for
// SolusVM 1 (solusvmpro's "Default Plan") and configoption1 for SolusVM 2
// (the SolusVM 2 module's plan).
func (c *Client) Metadata() provider.Metadata {
	if c.version == 2 {
		return provider.Metadata{
			Type:                        typeName,
			DisplayName:                 "SolusVM 2",
			UniqueIdentifierField:       "customfield.vserverid",
			UniqueIdentifierDisplayName: "Server ID",
			ProductField:                "configoption1",
		}
	}
	return provider.Metadata{
		Type:                        typeName,
		DisplayName:                 "SolusVM",
		UniqueIdentifierField:       "customfield.vserverid",
		UniqueIdentifierDisplayName: "Virtual Server ID",
		ProductField:                "configoption4",
	}
}

var (
	_ provider.Provider      = (*Client)(nil)
	_ provider.Creator       = (*Client)(nil)
	_ provider.Terminator    = (*Client)(nil)
	_ provider.Suspender     = (*Client)(nil)
	_ provider.PackageLister = (*Client)(nil)
)
