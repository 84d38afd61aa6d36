package cpanel

import (
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/accountsync/accountsync/internal/httpx"
	"github.com/accountsync/accountsync/provider"
)

// WHM's ports: 2087 for https, 2086 for plain http. FromServer picks one by
// the server's Secure flag when it names no port.
const (
	SecurePort = 2087
	PlainPort  = 2086
)

// DefaultUsername is the WHM user a Config without one logs in as.
const DefaultUsername = "root"

// Config configures a [Client]. Zero values mean the documented defaults.
type Config struct {
	// BaseURL is the server's WHM address, "https://host:2087"
	// (required). A path, such as a service-subdomain proxy's, is kept.
	BaseURL string
	// Username is the WHM user: root or a reseller (default "root"). A
	// reseller sees and acts on its own accounts only.
	Username string
	// Password is the user's password, sent with HTTP Basic
	// authentication when APIToken is empty. Prefer an API token.
	Password string
	// APIToken is a WHM API token or a (deprecated) remote access hash,
	// sent as "Authorization: whm USER:TOKEN". Whitespace and newlines are
	// removed, so an access hash can be pasted as WHM shows it.
	APIToken string
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

	// Location is the timezone Account.Created is expressed in (default
	// UTC). WHM sends an epoch, so this changes the rendering only.
	Location *time.Location
}

// String describes the configuration without its secrets.
func (c Config) String() string {
	return fmt.Sprintf("cpanel.Config{BaseURL:%s Username:%s Password:%s APIToken:%s}",
		c.BaseURL, c.Username, provider.MaskSecret(c.Password), provider.MaskSecret(c.APIToken))
}

// LogValue masks the secrets when a Config is logged with log/slog.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("baseURL", c.BaseURL),
		slog.String("username", c.Username),
		slog.String("password", provider.MaskSecret(c.Password)),
		slog.String("apiToken", provider.MaskSecret(c.APIToken)),
	)
}

// Client talks WHM API 1 JSON to one cPanel & WHM server. It is safe for
// concurrent use.
type Client struct {
	http     *httpx.Client
	auth     string // the Authorization header
	location *time.Location
	log      *slog.Logger
}

// New returns a client for the server cfg describes. It returns an error
// naming the field when BaseURL is missing or invalid, or when neither
// APIToken nor Password is set. No request is made.
func New(cfg Config) (*Client, error) {
	if strings.TrimSpace(cfg.BaseURL) == "" {
		return nil, errors.New("cpanel: Config.BaseURL is empty: want https://host:2087")
	}
	user := strings.TrimSpace(cfg.Username)
	if user == "" {
		user = DefaultUsername
	}
	if strings.ContainsAny(user, ": \t\r\n") {
		return nil, errors.New("cpanel: Config.Username contains a colon or whitespace")
	}
	token := strings.Join(strings.Fields(cfg.APIToken), "")
	var auth string
	switch {
	case token != "":
		auth = "whm " + user + ":" + token
	case cfg.Password != "":
		auth = "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+cfg.Password))
	default:
		return nil, errors.New("cpanel: Config.APIToken is empty (set an API token or access hash, or a Password)")
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	secrets := []string{cfg.APIToken, token, cfg.Password}
	hc, err := httpx.New(httpx.Config{
		Type:               "cpanel",
		BaseURL:            cfg.BaseURL,
		HTTPClient:         cfg.HTTPClient,
		Logger:             log,
		RateLimit:          cfg.RateLimit,
		Burst:              cfg.Burst,
		Timeout:            cfg.Timeout,
		CertSHA256:         cfg.CertSHA256,
		InsecureSkipVerify: cfg.InsecureSkipVerify,
		MaxRetries:         cfg.MaxRetries,
		RetryWaitMin:       cfg.RetryWaitMin,
		RetryWaitMax:       cfg.RetryWaitMax,
		Secrets:            secrets,
	})
	if err != nil {
		return nil, err
	}
	loc := cfg.Location
	if loc == nil {
		loc = time.UTC
	}
	return &Client{http: hc, auth: auth, location: loc, log: log}, nil
}

// FromServer returns a client for a server as WHMCS stores it: the base
// URL from its hostname (or IP), port and Secure flag (https on 2087,
// plain http on 2086, unless Port is set); Username (default "root");
// AccessHash as the API token; Password; and the transport settings
// (HTTPClient, Logger, RateLimit, Burst, Timeout, CertSHA256,
// InsecureSkipVerify). Register it with provider.FactoryOf(cpanel.FromServer).
//
// Params may hold "timezone" (provider.ParamTimezone), an IANA zone name
// ("Europe/Berlin") for Account.Created; any other key is an error.
func FromServer(s provider.Server) (*Client, error) {
	params, err := provider.ReadParams("cpanel", s, provider.ParamTimezone)
	if err != nil {
		return nil, err
	}
	base, err := s.BaseURL(SecurePort, PlainPort)
	if err != nil {
		return nil, fmt.Errorf("cpanel: %w", err)
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
	}
	if cfg.Location, err = params.Location(provider.ParamTimezone); err != nil {
		return nil, err
	}
	return New(cfg)
}

// Metadata describes cPanel/WHM the way WHMCS's own cPanel module does:
// accounts are identified by their main domain, and the product's first
// module setting (configoption1) holds the WHM package name.
func (c *Client) Metadata() provider.Metadata {
	return provider.Metadata{
		Type:                        "cpanel",
		DisplayName:                 "cPanel/WHM",
		UniqueIdentifierField:       "domain",
		UniqueIdentifierDisplayName: "Domain",
		ProductField:                "configoption1",
	}
}

var (
	_ provider.Provider       = (*Client)(nil)
	_ provider.Creator        = (*Client)(nil)
	_ provider.Terminator     = (*Client)(nil)
	_ provider.Suspender      = (*Client)(nil)
	_ provider.PackageLister  = (*Client)(nil)
	_ provider.PasswordSetter = (*Client)(nil)
)
