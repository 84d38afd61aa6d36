package directadmin

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/accountsync/accountsync/internal/httpx"
	"github.com/accountsync/accountsync/provider"
)

// DefaultPort is DirectAdmin's port, for http and https alike.
const DefaultPort = 2222

// DefaultConcurrency is the number of user-config calls a listing keeps in
// flight when Config.Concurrency is zero: enough to keep DefaultRateLimit
// busy across a WAN round trip of up to about 150 ms, and few enough that
// a panel's worker pool never sees more than eight of this client's calls
// at once.
const DefaultConcurrency = 8

// DefaultRateLimit is the requests per second sent to one panel when
// Config.RateLimit is zero. A listing reads one user.conf per user (no
// bulk call carries the contact e-mail; see the package documentation),
// so this rate bounds how long a big server takes (10,000 users in about
// 200 seconds) and how hard the client leans on a panel that is also
// serving its customers: about 50 small reads a second, the politeness
// limit this module keeps for every panel.
const DefaultRateLimit = 50

// Scope says which users ListAccounts lists.
type Scope string

const (
	// ScopeServer lists every user and reseller on the server with
	// CMD_API_SHOW_ALL_USERS. It needs an admin login. It is the default.
	ScopeServer Scope = "server"
	// ScopeOwned lists what WHMCS's DirectAdmin module lists: the users the
	// login created (CMD_API_SHOW_USERS) plus, for an admin, the resellers
	// (CMD_API_SHOW_RESELLERS), but not the resellers' users. Use it with a
	// reseller login, or with "admin|reseller" to list one reseller's users.
	ScopeOwned Scope = "owned"
)

// Config configures a [Client]. Zero values mean the documented defaults.
type Config struct {
	// BaseURL is the panel's address, "https://host:2222". Required.
	BaseURL string
	// Username is the login: an admin or reseller name, or "admin|user"
	// to act as that user (DirectAdmin's login-as). Required.
	Username string
	// Password is the login's password. APIToken is preferred.
	Password string
	// APIToken is a DirectAdmin login key. When set it is used instead of
	// Password. One of the two is required.
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
	// max(1, RateLimit). A listing costs one request per user, so at the
	// default 10,000 users take about 200 seconds: raise it (with
	// Concurrency) for big servers the panel can take.
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

	// Scope selects the users ListAccounts lists (default ScopeServer).
	Scope Scope
	// Concurrency is the number of user-config calls a listing keeps in
	// flight (default DefaultConcurrency).
	Concurrency int
	// Location is the timezone date_created is read in. DirectAdmin writes
	// it as server-local wall time without a zone, so set this to the
	// panel server's zone (default UTC).
	Location *time.Location
	// JSON asks the panel for JSON answers (json=yes) instead of the
	// URL-encoded form. Both are always understood; older panels only
	// speak the URL-encoded one.
	JSON bool
	// IP is the address new accounts are created on, unless
	// NewAccount.Extra["ip"] names one. CMD_API_ACCOUNT_USER requires one
	// of the creator's free or shared IPs.
	IP string
}

// String describes the configuration without its secrets.
func (c Config) String() string {
	return fmt.Sprintf("directadmin.Config{BaseURL:%s Username:%s Password:%s APIToken:%s Scope:%s Concurrency:%d JSON:%t}",
		c.BaseURL, c.Username, provider.MaskSecret(c.Password), provider.MaskSecret(c.APIToken), c.Scope, c.Concurrency, c.JSON)
}

// LogValue masks the secrets when a Config is logged with log/slog.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("baseURL", c.BaseURL),
		slog.String("username", c.Username),
		slog.String("password", provider.MaskSecret(c.Password)),
		slog.String("apiToken", provider.MaskSecret(c.APIToken)),
		slog.String("scope", string(c.Scope)),
		slog.Int("concurrency", c.Concurrency),
		slog.Bool("json", c.JSON),
	)
}

// Client is a DirectAdmin server reached through its legacy CMD_API_*
// commands. It implements [provider.Provider] and every optional
// capability. It is safe for concurrent use.
type Client struct {
	http        *httpx.Client
	auth        string // the Authorization header value
	scope       Scope
	concurrency int
	loc         *time.Location
	json        bool
	ip          string
	log         *slog.Logger
}

// New returns a client for one DirectAdmin server. It fails when BaseURL,
// Username, or both Password and APIToken are missing, or when a setting is
// invalid.
func New(cfg Config) (*Client, error) {
	switch {
	case strings.TrimSpace(cfg.BaseURL) == "":
		return nil, errors.New("directadmin: Config.BaseURL is empty")
	case cfg.Username == "":
		return nil, errors.New("directadmin: Config.Username is empty")
	case cfg.Password == "" && cfg.APIToken == "":
		return nil, errors.New("directadmin: Config.Password and Config.APIToken are both empty; set a login key in APIToken")
	case strings.ContainsAny(cfg.Username, ":\r\n"):
		return nil, errors.New("directadmin: Config.Username contains a colon or a line break")
	}
	scope := cfg.Scope
	switch scope {
	case "":
		scope = ScopeServer
	case ScopeServer, ScopeOwned:
	default:
		return nil, fmt.Errorf("directadmin: Config.Scope %q is neither %q nor %q", cfg.Scope, ScopeServer, ScopeOwned)
	}
	conc := cfg.Concurrency
	if conc <= 0 {
		conc = DefaultConcurrency
	}
	loc := cfg.Location
	if loc == nil {
		loc = time.UTC
	}
	secret := cfg.APIToken
	if secret == "" {
		secret = cfg.Password
	}
	var secrets []string
	for _, s := range []string{cfg.Password, cfg.APIToken} {
		if s != "" {
			secrets = append(secrets, s)
		}
	}
	token := base64.StdEncoding.EncodeToString([]byte(cfg.Username + ":" + secret))
	secrets = append(secrets, token)

	rate := cfg.RateLimit
	if rate == 0 {
		rate = DefaultRateLimit
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	h, err := httpx.New(httpx.Config{
		Type:               "directadmin",
		BaseURL:            cfg.BaseURL,
		HTTPClient:         cfg.HTTPClient,
		IdleConns:          conc,
		Logger:             log,
		RateLimit:          rate,
		Burst:              cfg.Burst,
		Timeout:            cfg.Timeout,
		CertSHA256:         cfg.CertSHA256,
		InsecureSkipVerify: cfg.InsecureSkipVerify,
		MaxRetries:         cfg.MaxRetries,
		RetryWaitMin:       cfg.RetryWaitMin,
		RetryWaitMax:       cfg.RetryWaitMax,
		Secrets:            secrets,
		SensitiveParams:    []string{"passwd2"},
	})
	if err != nil {
		return nil, err
	}
	return &Client{
		http:        h,
		auth:        "Basic " + token,
		scope:       scope,
		concurrency: conc,
		loc:         loc,
		json:        cfg.JSON,
		ip:          strings.TrimSpace(cfg.IP),
		log:         log,
	}, nil
}

// FromServer returns a client for a WHMCS-style server record: BaseURL from
// the hostname (or IP), port (default 2222) and secure flag; Username,
// Password and AccessHash (a login key, used as APIToken); the transport
// settings; and IP as the address new accounts are created on.
//
// Params may set (any other key is an error):
//
//	scope        "server" (default) or "owned"; see Scope
//	concurrency  user-config calls in flight, e.g. "8"
//	timezone     IANA zone of date_created, e.g. "Europe/Amsterdam"
//	json         "yes" to ask for JSON answers
//	ip           the address for new accounts, overriding IP
func FromServer(s provider.Server) (*Client, error) {
	params, err := provider.ReadParams("directadmin", s, "scope", provider.ParamConcurrency, provider.ParamTimezone, "json", provider.ParamIP)
	if err != nil {
		return nil, err
	}
	base, err := s.BaseURL(DefaultPort, DefaultPort)
	if err != nil {
		return nil, fmt.Errorf("directadmin: %w", err)
	}
	cfg := Config{
		BaseURL:            base,
		Username:           s.Username,
		Password:           s.Password,
		APIToken:           s.AccessHash,
		HTTPClient:         s.HTTPClient,
		Logger:             s.Logger,
		RateLimit:          s.RateLimit,
		Burst:              s.Burst,
		Timeout:            s.Timeout,
		CertSHA256:         s.CertSHA256,
		InsecureSkipVerify: s.InsecureSkipVerify,
		IP:                 s.IP,
		Scope:              Scope(strings.ToLower(params.String("scope"))),
	}
	if params.Has(provider.ParamIP) {
		cfg.IP = params.String(provider.ParamIP)
	}
	if cfg.Concurrency, err = params.PositiveInt(provider.ParamConcurrency); err != nil {
		return nil, err
	}
	if cfg.Location, err = params.Location(provider.ParamTimezone); err != nil {
		return nil, err
	}
	if cfg.JSON, err = params.Bool("json"); err != nil {
		return nil, err
	}
	return New(cfg)
}

// Metadata describes DirectAdmin as WHMCS's DirectAdmin module does:
// accounts keyed by domain, the package in configoption1.
func (c *Client) Metadata() provider.Metadata {
	return provider.Metadata{
		Type:                        "directadmin",
		DisplayName:                 "DirectAdmin",
		UniqueIdentifierField:       "domain",
		UniqueIdentifierDisplayName: "Domain",
		ProductField:                "configoption1",
	}
}

// call sends one legacy command and checks the answer. Reads go as GET
// with the parameters in the query and are retried; writes go as a POST
// form and are not (a repeated toggle would undo itself).
func (c *Client) call(ctx context.Context, op, cmd string, params url.Values, write bool) (*reply, error) {
	req := &httpx.Request{
		Op:         op,
		Path:       "/" + cmd,
		Header:     http.Header{"Authorization": {c.auth}},
		Idempotent: !write,
	}
	switch cmd {
	case cmdShowAllUsers, cmdShowUsers, cmdShowResellers, cmdPackagesUser:
		// Listings are big by nature; a user's config, or a write, keeps
		// httpx's small default cap, so that the concurrent per-user reads
		// of a listing stay cheap against a hostile answer.
		req.MaxBodyBytes = httpx.ListingMaxBodyBytes
	}
	query := url.Values{}
	if c.json {
		query.Set("json", "yes")
	}
	if write {
		req.Method = http.MethodPost
		req.Body = []byte(params.Encode())
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		req.Method = http.MethodGet
		for k, v := range params {
			query[k] = v
		}
	}
	if len(query) > 0 {
		req.Query = query
	}
	resp, err := c.http.Do(ctx, req)
	if err != nil {
		return nil, err
	}
	return c.check(op, resp)
}

var (
	_ provider.Provider       = (*Client)(nil)
	_ provider.Creator        = (*Client)(nil)
	_ provider.Terminator     = (*Client)(nil)
	_ provider.Suspender      = (*Client)(nil)
	_ provider.PackageLister  = (*Client)(nil)
	_ provider.PasswordSetter = (*Client)(nil)
)
