package whmcs

import (
	"bytes"
	"context"
	"encoding/json"
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

// APIPath is where the External API lives below the WHMCS root.
const APIPath = "/includes/api.php"

// Config configures a [Client]. Zero values mean the documented defaults.
type Config struct {
	// BaseURL is the WHMCS root, the address of its client area
	// ("https://billing.example.com" or "https://example.com/whmcs");
	// requests go to BaseURL + "/includes/api.php" (required).
	BaseURL string
	// Identifier and Secret are API credentials (WHMCS » System Settings »
	// Manage API Credentials), whose API role should allow exactly the
	// actions the package doc lists (required).
	Identifier string
	Secret     string
	// AccessKey is the $api_access_key of WHMCS's configuration.php, sent
	// with every request so that WHMCS skips its IP allow-list. Leave it
	// empty to rely on the allow-list instead.
	AccessKey string

	// HTTPClient is the base HTTP client. Its Transport, when nil or an
	// *http.Transport, is cloned and gets the TLS settings; its
	// CheckRedirect is replaced, because a redirect to another scheme,
	// host or port is an error, never followed.
	HTTPClient *http.Client
	// Logger receives one debug line per HTTP attempt (never a parameter:
	// they travel in the POST body) and warnings about odd data, never a
	// secret. nil discards.
	Logger *slog.Logger
	// RateLimit is requests per second to WHMCS (default 10); negative
	// means unlimited. Burst defaults to max(1, RateLimit). WHMCS documents
	// no limit, but every call is a PHP request against its database.
	RateLimit float64
	Burst     int
	// Timeout bounds each HTTP attempt, body included (default 2 minutes).
	Timeout time.Duration
	// CertSHA256 pins WHMCS's certificate by the hex SHA-256 of its DER
	// bytes, so that a self-signed certificate is trusted when, and only
	// when, it matches. It needs an https BaseURL: with http, New returns
	// an error rather than ignore it.
	CertSHA256 string
	// InsecureSkipVerify turns certificate verification off; prefer
	// CertSHA256. It too needs an https BaseURL.
	InsecureSkipVerify bool
	// MaxRetries is the number of retries of a read after the first
	// attempt (default 3; negative means none). Writes are retried only
	// when they provably did not reach WHMCS.
	MaxRetries int
	// RetryWaitMin and RetryWaitMax bound the backoff between retries
	// (defaults 300ms and 3s).
	RetryWaitMin time.Duration
	RetryWaitMax time.Duration
}

// String describes the configuration without its secrets.
func (c Config) String() string {
	return fmt.Sprintf("whmcs.Config{BaseURL:%s Identifier:%s Secret:%s AccessKey:%s}",
		c.BaseURL, provider.MaskSecret(c.Identifier), provider.MaskSecret(c.Secret), provider.MaskSecret(c.AccessKey))
}

// LogValue masks the secrets when a Config is logged with log/slog.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("baseURL", c.BaseURL),
		slog.String("identifier", provider.MaskSecret(c.Identifier)),
		slog.String("secret", provider.MaskSecret(c.Secret)),
		slog.String("accessKey", provider.MaskSecret(c.AccessKey)),
	)
}

// Client calls the WHMCS External API. It is safe for concurrent use.
type Client struct {
	http    *httpx.Client
	auth    url.Values // identifier, secret, accesskey
	secrets []string
	log     *slog.Logger
}

// sensitiveParams are form fields whose values are removed from logs and
// errors, besides httpx's defaults (password, secret, ...).
var sensitiveParams = []string{"identifier", "accesskey", "password2", "servicepassword", "rootpw"}

// New returns a client for the WHMCS at cfg.BaseURL. It returns an error
// naming the field when BaseURL is missing or invalid or the credentials
// are missing. No request is made.
func New(cfg Config) (*Client, error) {
	base := strings.TrimSpace(cfg.BaseURL)
	if base == "" {
		return nil, errors.New("whmcs: Config.BaseURL is empty: want the WHMCS root, such as https://billing.example.com")
	}
	// A pasted API URL would otherwise become .../includes/api.php/includes/api.php.
	base = strings.TrimSuffix(strings.TrimRight(base, "/"), APIPath)
	if strings.TrimSpace(cfg.Identifier) == "" || cfg.Secret == "" {
		return nil, errors.New("whmcs: Config.Identifier and Config.Secret are required (API credentials from Manage API Credentials)")
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	secrets := []string{cfg.Secret, cfg.AccessKey, strings.TrimSpace(cfg.Identifier)}
	hc, err := httpx.New(httpx.Config{
		Type:               "whmcs",
		BaseURL:            base,
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
		SensitiveParams:    sensitiveParams,
	})
	if err != nil {
		return nil, err
	}
	auth := url.Values{"identifier": {strings.TrimSpace(cfg.Identifier)}, "secret": {cfg.Secret}}
	if cfg.AccessKey != "" {
		auth.Set("accesskey", cfg.AccessKey)
	}
	return &Client{http: hc, auth: auth, secrets: secrets, log: log}, nil
}

// listings are the actions whose answers are pages of records: they get
// httpx's listing cap on the body rather than the default.
var listings = map[string]bool{"getclientsproducts": true, "getclients": true, "getproducts": true, "getusers": true}

// isRead reports whether an action only reads, and may be retried. Every
// WHMCS read action is named Get...; anything else is treated as a write,
// which is never sent twice once WHMCS may have received it.
func isRead(action string) bool {
	return len(action) > 3 && strings.EqualFold(action[:3], "get")
}

// Call sends one API action with params and decodes a successful answer
// into out, a pointer to a struct or map (or nil to discard it). It is the
// way to reach actions the Store does not use. Authentication,
// responsetype=json and the access key are added; params must not hold
// them.
//
// Actions named Get... are reads and are retried on transport errors, 429
// and 5xx answers; every other action is a write and is sent again only
// when it provably never reached WHMCS. An answer with result=error is a
// *provider.APIError carrying WHMCS's message, mapped onto the provider
// sentinels (see the package doc); so is a body that is not JSON, such as
// an HTML login page or a PHP error.
func (c *Client) Call(ctx context.Context, action string, params url.Values, out any) error {
	if strings.TrimSpace(action) == "" {
		return errors.New("whmcs: call: empty action")
	}
	for _, k := range []string{"action", "identifier", "secret", "username", "password", "accesskey", "responsetype"} {
		if params.Has(k) {
			return fmt.Errorf("whmcs: call %s: params hold %q, which the client sets", action, k)
		}
	}
	return c.call(ctx, "call "+action, action, params, out)
}

// call sends action and decodes the answer into out. secrets are values of
// this call (a new password) removed from any error, on top of the
// client's credentials.
func (c *Client) call(ctx context.Context, op, action string, params url.Values, out any, secrets ...string) error {
	form := make(url.Values, len(params)+5)
	for k, v := range params {
		form[k] = v
	}
	for k, v := range c.auth {
		form[k] = v
	}
	form.Set("action", action)
	form.Set("responsetype", "json")
	req := &httpx.Request{
		Op:     op,
		Method: http.MethodPost,
		Path:   APIPath,
		Header: http.Header{
			"Content-Type": {"application/x-www-form-urlencoded"},
			"Accept":       {"application/json"},
		},
		Body:       []byte(form.Encode()),
		Idempotent: isRead(action),
	}
	if listings[strings.ToLower(action)] {
		req.MaxBodyBytes = httpx.ListingMaxBodyBytes
	}
	resp, err := c.http.Do(ctx, req)
	if err != nil {
		return c.http.Scrub(noAnswer(ctx, action, err), secrets...)
	}
	return c.http.Scrub(c.decode(op, action, resp, out), secrets...)
}

// noAnswer names the action in a transport failure and, for a write,
// says that WHMCS may have acted: the caller must look before trying
// again.
func noAnswer(ctx context.Context, action string, err error) error {
	var ae *provider.APIError
	if ctx.Err() != nil || !errors.As(err, &ae) || ae.Err == nil || ae.Message != "" {
		return err
	}
	c := *ae
	c.Message = action + ": no answer (" + ae.Err.Error() + ")"
	if !isRead(action) {
		c.Message += "; WHMCS may have carried it out, so it is not sent again"
	}
	return &c
}

// decode checks an answer: a JSON object whose result is read before
// anything else. Every failure is a *provider.APIError naming the
// operation and action.
func (c *Client) decode(op, action string, resp *httpx.Response, out any) error {
	body := bytes.TrimSpace(resp.Body)
	fail := func(message string, cause error) error {
		return c.http.Error(op, resp, "", action+": "+message, cause)
	}
	if len(body) == 0 {
		return fail(fmt.Sprintf("empty answer (HTTP %d)", resp.StatusCode), nil)
	}
	if body[0] != '{' {
		return fail(notJSON(resp, body), nil)
	}
	var env map[string]json.RawMessage
	if err := json.Unmarshal(body, &env); err != nil {
		return fail("the answer is not valid JSON (cut short, or a PHP notice before it?)", nil)
	}
	var result, message text
	if raw, ok := env["result"]; ok {
		if err := json.Unmarshal(raw, &result); err != nil {
			return fail("the answer's result is not a string", nil)
		}
	}
	if raw, ok := env["message"]; ok {
		_ = json.Unmarshal(raw, &message) // best effort: the result decides
	}
	switch strings.ToLower(string(result)) {
	case "success":
	case "error":
		msg := strings.TrimSpace(string(message))
		if msg == "" {
			msg = "WHMCS reported an error without a message"
		}
		return fail(msg, classify(msg))
	case "":
		return fail("the answer has no result", nil)
	default:
		return fail(fmt.Sprintf("unknown result %q", string(result)), nil)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fail("result=success with an HTTP error status", nil)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fail("unexpected answer shape: "+shapeError(err), nil)
	}
	return nil
}

// notJSON describes a body that is not a JSON object, for the error.
func notJSON(resp *httpx.Response, body []byte) string {
	switch {
	case resp.LooksLikeHTML() && resp.StatusCode == http.StatusOK:
		return "not an API answer: an HTML page with HTTP 200 (a login page or a firewall's page?); check BaseURL"
	case resp.LooksLikeHTML():
		return fmt.Sprintf("not an API answer: an HTML page with HTTP %d (a PHP error, a proxy or a firewall?)", resp.StatusCode)
	case bytes.HasPrefix(body, []byte("<?xml")) || bytes.HasPrefix(body, []byte("<")):
		return "the answer is XML, not JSON (a proxy dropped responsetype?)"
	case bytes.HasPrefix(body, []byte("result=")):
		msg := ""
		for _, kv := range strings.Split(string(body), ";") {
			if v, ok := strings.CutPrefix(kv, "message="); ok {
				msg = ": " + v
			}
		}
		return "the answer is in NVP, not JSON (a proxy dropped responsetype?)" + msg
	}
	return fmt.Sprintf("not an API answer: HTTP %d with a body that is not JSON", resp.StatusCode)
}

// shapeError shortens a json error to the field and types, without data.
func shapeError(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("field %q holds a JSON %s", te.Field, te.Value)
	}
	return err.Error()
}
