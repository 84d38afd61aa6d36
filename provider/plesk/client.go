package plesk

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/accountsync/accountsync/internal/httpx"
	"github.com/accountsync/accountsync/provider"
)

// Ports and path of the XML-API.
const (
	// DefaultPort is Plesk's https port, used when a [provider.Server] is
	// Secure and names no port.
	DefaultPort = 8443
	// DefaultPlainPort is Plesk's plain http port.
	DefaultPlainPort = 8880
	// AgentPath is where every XML-API packet is posted.
	AgentPath = "/enterprise/control/agent.php"
)

// Config configures a [Client]. Zero values mean the documented defaults.
type Config struct {
	// BaseURL is the panel's address, "https://host:8443"; required.
	BaseURL string
	// Username and Password log in with the HTTP_AUTH_LOGIN and
	// HTTP_AUTH_PASSWD headers. Use the administrator: listing needs every
	// customer, reseller and service plan.
	Username string
	Password string
	// APIToken is a Plesk secret key, sent in the KEY header. When set, it
	// is used instead of Username and Password.
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

	// Location is where a subscription's creation date, which Plesk gives
	// as a date only, starts: Created is midnight of cr_date in Location.
	// nil means UTC.
	Location *time.Location
	// IP is the address new subscriptions are hosted on (Plesk requires
	// one). NewAccount.Extra["ip_address"] overrides it.
	IP string
	// Version is the packet version attribute ("1.6.9.1"). Empty leaves it
	// out, and the panel answers with its newest protocol.
	Version string
}

// String describes the configuration without its secrets.
func (c Config) String() string {
	return fmt.Sprintf("plesk.Config{BaseURL:%s Username:%s Password:%s APIToken:%s}",
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

// Client talks to one Plesk server through its XML-API. It is safe for
// concurrent use.
type Client struct {
	http    *httpx.Client
	header  http.Header
	loc     *time.Location
	ip      string
	version string
}

// New returns a client for cfg. BaseURL is required, and either APIToken or
// both Username and Password.
func New(cfg Config) (*Client, error) {
	if strings.TrimSpace(cfg.BaseURL) == "" {
		return nil, errors.New("plesk: Config.BaseURL is empty")
	}
	header := http.Header{}
	header.Set("Content-Type", "text/xml")
	switch {
	case cfg.APIToken != "":
		header.Set("KEY", cfg.APIToken)
	case cfg.Username == "" && cfg.Password == "":
		return nil, errors.New("plesk: Config needs APIToken (a secret key), or Username and Password")
	case cfg.Username == "":
		return nil, errors.New("plesk: Config.Username is empty")
	case cfg.Password == "":
		return nil, errors.New("plesk: Config.Password is empty")
	default:
		header.Set("HTTP_AUTH_LOGIN", cfg.Username)
		header.Set("HTTP_AUTH_PASSWD", cfg.Password)
	}
	if strings.ContainsAny(cfg.Username+cfg.Password+cfg.APIToken, "\r\n") {
		return nil, errors.New("plesk: Config credentials must not contain line breaks")
	}
	if cfg.IP != "" && net.ParseIP(cfg.IP) == nil {
		return nil, fmt.Errorf("plesk: Config.IP %q is not an IP address", cfg.IP)
	}
	hc, err := httpx.New(httpx.Config{
		Type:               "plesk",
		BaseURL:            cfg.BaseURL,
		HTTPClient:         cfg.HTTPClient,
		Logger:             cfg.Logger,
		RateLimit:          cfg.RateLimit,
		Burst:              cfg.Burst,
		Timeout:            cfg.Timeout,
		CertSHA256:         cfg.CertSHA256,
		InsecureSkipVerify: cfg.InsecureSkipVerify,
		MaxRetries:         cfg.MaxRetries,
		RetryWaitMin:       cfg.RetryWaitMin,
		RetryWaitMax:       cfg.RetryWaitMax,
		Secrets:            []string{cfg.Password, cfg.APIToken},
		SensitiveParams:    []string{"passwd", "ftp_password"},
	})
	if err != nil {
		return nil, err
	}
	loc := cfg.Location
	if loc == nil {
		loc = time.UTC
	}
	return &Client{http: hc, header: header, loc: loc, ip: cfg.IP, version: cfg.Version}, nil
}

// FromServer returns a client for a WHMCS server record: the base URL from
// Hostname (or IP), Port and Secure with Plesk's ports 8443 and 8880;
// Username and Password; AccessHash as the secret key (APIToken); the
// transport settings as they are. IP, when it is an address, is where new
// subscriptions are hosted, as in WHMCS.
//
// Params keys (any other is an error):
//
//	ip        the address new subscriptions are hosted on (overrides IP)
//	timezone  an IANA zone for creation dates ("Europe/Berlin"; default UTC)
//	version   the packet version attribute (default: none)
func FromServer(s provider.Server) (*Client, error) {
	params, err := provider.ReadParams("plesk", s, provider.ParamIP, provider.ParamTimezone, "version")
	if err != nil {
		return nil, err
	}
	base, err := s.BaseURL(DefaultPort, DefaultPlainPort)
	if err != nil {
		return nil, fmt.Errorf("plesk: %w", err)
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
		Version:            params.String("version"),
	}
	switch {
	case params.Has(provider.ParamIP):
		cfg.IP = params.String(provider.ParamIP)
	case net.ParseIP(strings.TrimSpace(s.IP)) != nil:
		cfg.IP = strings.TrimSpace(s.IP)
	}
	if cfg.Location, err = params.Location(provider.ParamTimezone); err != nil {
		return nil, err
	}
	return New(cfg)
}

// Metadata describes Plesk the way WHMCS's own Plesk module does: accounts
// are identified by domain, and the product's first module setting
// (configoption1) holds the service plan name.
func (c *Client) Metadata() provider.Metadata {
	return provider.Metadata{
		Type:                        "plesk",
		DisplayName:                 "Plesk",
		UniqueIdentifierField:       "domain",
		UniqueIdentifierDisplayName: "Domain",
		ProductField:                "configoption1",
	}
}

// call posts one packet and returns the decoded answer, after checking the
// HTTP status, the body's shape and the packet-level (system) status.
// Per-result statuses are the caller's to check. secret, when set, is a
// value of this request (a new password) scrubbed from any error.
func (c *Client) call(ctx context.Context, op string, idempotent bool, pkt *requestPacket, secret string) (*responsePacket, *httpx.Response, error) {
	pkt.Version = c.version
	body, err := xml.Marshal(pkt)
	if err != nil {
		return nil, nil, fmt.Errorf("plesk: %s: encode request: %w", op, err)
	}
	body = append([]byte(xml.Header), body...)
	resp, err := c.http.Do(ctx, &httpx.Request{
		Op:         op,
		Method:     http.MethodPost,
		Path:       AgentPath,
		Header:     c.header,
		Body:       body,
		Idempotent: idempotent,
		// Every read of this client is a get of a list (subscriptions,
		// customers, plans), possibly of all of them; a write answers
		// about one subscription and keeps httpx's small default cap.
		MaxBodyBytes: listingCap(idempotent),
	})
	if err != nil {
		return nil, nil, err
	}
	out, err := c.decode(op, resp)
	if err != nil {
		return nil, resp, c.http.Scrub(err, secret)
	}
	return out, resp, nil
}

// listingCap is the body cap of a read (a get, which lists), or 0 for
// httpx's default.
func listingCap(read bool) int64 {
	if read {
		return httpx.ListingMaxBodyBytes
	}
	return 0
}

// Interface guards.
var (
	_ provider.Provider       = (*Client)(nil)
	_ provider.Creator        = (*Client)(nil)
	_ provider.Terminator     = (*Client)(nil)
	_ provider.Suspender      = (*Client)(nil)
	_ provider.PackageLister  = (*Client)(nil)
	_ provider.PasswordSetter = (*Client)(nil)
)
