package httpx

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"
	"golang.org/x/time/rate"

	"github.com/accountsync/accountsync/provider"
)

// Defaults for the zero values of [Config].
const (
	DefaultRateLimit     = 10              // requests per second to one server
	DefaultTimeout       = 2 * time.Minute // per attempt; big panels answer listings slowly
	DefaultMaxRetries    = 3               // attempts after the first
	DefaultRetryWaitMin  = 300 * time.Millisecond
	DefaultRetryWaitMax  = 3 * time.Second
	DefaultMaxRetryAfter = 30 * time.Second // a longer Retry-After ends the call as rate limited
	DefaultMaxBodyBytes  = 256 << 20        // 256 MiB: 10,000 accounts of JSON fit many times over
	excerptBytes         = 300
)

// Config configures a [Client]. Zero values mean the documented defaults.
type Config struct {
	// Type names the server type in errors, logs and the User-Agent
	// ("cpanel").
	Type string
	// BaseURL is the server's base URL ("https://host:2087"); Request.Path
	// is appended to it.
	BaseURL string
	// HTTPClient is the base client. Its Transport, when nil or an
	// *http.Transport, is cloned and gets the TLS settings below; another
	// RoundTripper is used as it is, and then CertSHA256 and
	// InsecureSkipVerify cannot be honoured and New returns an error if they
	// are set.
	HTTPClient *http.Client
	// Logger receives one debug line per attempt. nil discards.
	Logger *slog.Logger
	// RateLimit is the requests per second allowed to this server (default
	// DefaultRateLimit); negative means unlimited. Burst defaults to
	// max(1, RateLimit).
	RateLimit float64
	Burst     int
	// Limiter, when set, replaces RateLimit and Burst, so several clients
	// aimed at one server can share one budget.
	Limiter *rate.Limiter
	// Timeout bounds each attempt, body included (default DefaultTimeout).
	Timeout time.Duration
	// CertSHA256 pins the server's leaf certificate by the hex SHA-256 of
	// its DER bytes (colons and case ignored). When set, that certificate is
	// accepted, self-signed or not, and no other. With an http:// BaseURL
	// it is an error, not ignored.
	CertSHA256 string
	// InsecureSkipVerify disables certificate verification entirely. With
	// an http:// BaseURL it is an error, as it means TLS was intended.
	InsecureSkipVerify bool
	// MaxRetries is the number of retries after the first attempt (default
	// DefaultMaxRetries); negative means none.
	MaxRetries int
	// RetryWaitMin and RetryWaitMax bound the exponential backoff.
	RetryWaitMin, RetryWaitMax time.Duration
	// MaxRetryAfter is the longest Retry-After the client will wait for
	// (default DefaultMaxRetryAfter); a longer one ends the call with an
	// error matching provider.ErrRateLimited.
	MaxRetryAfter time.Duration
	// MaxBodyBytes caps a response body (default DefaultMaxBodyBytes).
	MaxBodyBytes int64
	// Secrets are values (passwords, tokens, hashes) removed from every log
	// line and error.
	Secrets []string
	// SensitiveParams are extra query or form parameter names whose values
	// are removed from logs and errors.
	SensitiveParams []string
}

// Client sends requests to one server. It is safe for concurrent use.
type Client struct {
	typ       string
	base      *url.URL
	rc        *retryablehttp.Client
	log       *slog.Logger
	redact    *Redactor
	userAgent string
	maxBody   int64
	maxRA     time.Duration
}

// Request is one API call. Body is kept in memory so that it can be sent
// again on a retry.
type Request struct {
	// Op names the operation in errors and logs ("list accounts").
	Op     string
	Method string // default GET
	// Path is appended to the base URL's path ("/json-api/listaccts").
	Path   string
	Query  url.Values
	Header http.Header
	Body   []byte
	// Idempotent marks a read (or a call safe to repeat): it is retried on
	// transport errors, 429 and 5xx. A mutation is retried only when the
	// server provably did not process it.
	Idempotent bool
}

// Response is a whole response. Body has been read and closed.
type Response struct {
	StatusCode int
	Status     string // the status line's text, as "596 Connection timed out"
	Header     http.Header
	Body       []byte
}

// New returns a Client for one server.
func New(cfg Config) (*Client, error) {
	if cfg.Type == "" {
		return nil, errors.New("httpx: Config.Type is empty")
	}
	base, err := url.Parse(strings.TrimRight(cfg.BaseURL, "/"))
	if err != nil || base.Host == "" || (base.Scheme != "http" && base.Scheme != "https") {
		return nil, fmt.Errorf("%s: invalid base URL %q: want http(s)://host[:port]", cfg.Type, cfg.BaseURL)
	}
	if base.Scheme == "http" && (cfg.CertSHA256 != "" || cfg.InsecureSkipVerify) {
		// The TLS settings would be silently ignored and the credentials
		// sent in plain text: the caller meant https.
		field := "CertSHA256"
		if cfg.CertSHA256 == "" {
			field = "InsecureSkipVerify"
		}
		return nil, fmt.Errorf("%s: %s is set but the base URL %q is plain http, where no certificate is checked: use https://", cfg.Type, field, base.Redacted())
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	redact := NewRedactor(cfg.Secrets, cfg.SensitiveParams...)
	if base.User != nil {
		if p, ok := base.User.Password(); ok {
			redact = NewRedactor(append(append([]string{}, cfg.Secrets...), p), cfg.SensitiveParams...)
		}
	}

	transport, err := buildTransport(cfg)
	if err != nil {
		return nil, err
	}
	limiter := cfg.Limiter
	if limiter == nil {
		limiter = newLimiter(cfg.RateLimit, cfg.Burst)
	}
	hc := &http.Client{}
	if cfg.HTTPClient != nil {
		*hc = *cfg.HTTPClient
	}
	hc.CheckRedirect = checkRedirect
	hc.Transport = &limitedTransport{next: transport, limiter: limiter, log: log, redact: redact, typ: cfg.Type}
	hc.Timeout = orDuration(cfg.Timeout, DefaultTimeout)

	retries := cfg.MaxRetries
	switch {
	case retries == 0:
		retries = DefaultMaxRetries
	case retries < 0:
		retries = 0
	}
	c := &Client{
		typ:       cfg.Type,
		base:      base,
		log:       log,
		redact:    redact,
		userAgent: userAgent(),
		maxBody:   cfg.MaxBodyBytes,
		maxRA:     orDuration(cfg.MaxRetryAfter, DefaultMaxRetryAfter),
	}
	if c.maxBody <= 0 {
		c.maxBody = DefaultMaxBodyBytes
	}
	c.rc = &retryablehttp.Client{
		HTTPClient:   hc,
		RetryWaitMin: orDuration(cfg.RetryWaitMin, DefaultRetryWaitMin),
		RetryWaitMax: orDuration(cfg.RetryWaitMax, DefaultRetryWaitMax),
		RetryMax:     retries,
		CheckRetry:   c.checkRetry,
		Backoff:      retryablehttp.DefaultBackoff,
		ErrorHandler: retryablehttp.PassthroughErrorHandler,
	}
	return c, nil
}

// Redactor returns the client's redactor, for panels that build their own
// error text from response bodies.
func (c *Client) Redactor() *Redactor { return c.redact }

// BaseURL returns the server's base URL.
func (c *Client) BaseURL() string { return c.base.String() }

// Do sends req and returns the whole response, whatever its status. The
// error is non-nil only when no usable response arrived: ctx ended (the
// error wraps ctx.Err()), the transport failed after its retries, the body
// was cut short or exceeded the size cap, or a Retry-After was too long. It
// is then an *provider.APIError naming the server type and operation, free
// of secrets. A context that is already done returns at once, before any
// network call.
func (c *Client) Do(ctx context.Context, req *Request) (*Response, error) {
	if err := ctx.Err(); err != nil {
		return nil, &provider.APIError{Type: c.typ, Op: req.Op, Err: err}
	}
	method := req.Method
	if method == "" {
		method = http.MethodGet
	}
	u := *c.base
	u.Path = c.base.Path + req.Path
	if len(req.Query) > 0 {
		u.RawQuery = req.Query.Encode()
	}
	ctx = context.WithValue(ctx, requestInfoKey{}, requestInfo{idempotent: req.Idempotent, op: req.Op})
	var body any
	if req.Body != nil {
		body = req.Body
	}
	rr, err := retryablehttp.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return nil, &provider.APIError{Type: c.typ, Op: req.Op, Err: fmt.Errorf("build request: %s", c.redact.String(err.Error()))}
	}
	for k, vs := range req.Header {
		for _, v := range vs {
			rr.Header.Add(k, v)
		}
	}
	rr.Header.Set("User-Agent", c.userAgent)

	// The body is read inside the retry loop, so that a read cut short is
	// retried like any other transport failure.
	var (
		got     []byte
		gotResp *http.Response
	)
	rr.SetResponseHandler(func(resp *http.Response) error {
		b, err := c.readBody(resp)
		if err != nil {
			return err
		}
		got, gotResp = b, resp
		return nil
	})

	resp, err := c.rc.Do(rr)
	if err != nil {
		if cerr := ctx.Err(); cerr != nil {
			return nil, &provider.APIError{Type: c.typ, Op: req.Op, Err: cerr}
		}
		return nil, c.transportError(req.Op, err)
	}
	if resp != gotResp {
		// Retries ran out (or stopped) on a response the handler never saw.
		b, rerr := c.readBody(resp)
		if rerr != nil {
			return nil, c.transportError(req.Op, rerr)
		}
		got = b
	}
	out := &Response{StatusCode: resp.StatusCode, Status: resp.Status, Header: resp.Header, Body: got}
	if resp.StatusCode == http.StatusTooManyRequests {
		if d, ok := retryAfter(resp.Header); ok && d > c.maxRA {
			return nil, &provider.APIError{Type: c.typ, Op: req.Op, StatusCode: resp.StatusCode,
				Message: fmt.Sprintf("rate limited; server asks to retry after %s", d)}
		}
	}
	return out, nil
}

// readBody reads and closes the body, within the size cap.
func (c *Client) readBody(resp *http.Response) ([]byte, error) {
	defer resp.Body.Close()
	// Sizing the buffer from Content-Length spares a big listing the
	// repeated growth of io.ReadAll; the cap still bounds what is read.
	var buf bytes.Buffer
	if n := resp.ContentLength; n > 0 && n <= c.maxBody {
		buf.Grow(int(n) + 1)
	}
	_, err := buf.ReadFrom(io.LimitReader(resp.Body, c.maxBody+1))
	b := buf.Bytes()
	if err != nil {
		return nil, fmt.Errorf("read response body: %w", err)
	}
	if int64(len(b)) > c.maxBody {
		return nil, &bodyTooLargeError{limit: c.maxBody}
	}
	return b, nil
}

type bodyTooLargeError struct{ limit int64 }

func (e *bodyTooLargeError) Error() string {
	return fmt.Sprintf("response body larger than %d bytes", e.limit)
}

// transportError wraps a failure with no usable response. Everything but a
// TLS verification failure or an oversized body may pass on its own.
func (c *Client) transportError(op string, err error) error {
	msg := c.redact.String(stripURLs(err.Error()))
	cause := &causeError{msg: msg, err: err, transient: retryableTransportError(err)}
	apiErr := &provider.APIError{Type: c.typ, Op: op, Err: cause}
	var re *RedirectError
	if errors.As(err, &re) {
		apiErr.StatusCode = re.StatusCode
	}
	return apiErr
}

// causeError carries a redacted message, so that no URL with credentials
// is ever printed, while errors.Is and errors.As still reach the cause.
type causeError struct {
	msg       string
	err       error
	transient bool
}

func (e *causeError) Error() string { return e.msg }
func (e *causeError) Unwrap() error { return e.err }
func (e *causeError) Is(target error) bool {
	return e.transient && target == provider.ErrTransient
}

// stripURLs drops the request URL that *url.Error puts in its message:
// the operation and status already say what failed, and URLs may hold
// credentials.
func stripURLs(s string) string {
	for _, m := range []string{"Get ", "Post ", "Put ", "Delete ", "Patch ", "Head "} {
		if strings.HasPrefix(s, m+"\"") {
			if i := strings.Index(s[len(m)+1:], "\": "); i >= 0 {
				return strings.ToLower(strings.TrimSpace(m)) + ": " + s[len(m)+1+i+3:]
			}
		}
	}
	return s
}

// Error builds the *provider.APIError for a response the panel reported as
// failed: its status, the panel's code and message, and a redacted excerpt
// of the body. cause may be nil or a provider sentinel such as
// provider.ErrNotFound.
func (c *Client) Error(op string, resp *Response, code, message string, cause error) *provider.APIError {
	e := &provider.APIError{Type: c.typ, Op: op, Code: code, Message: c.redact.String(message), Err: cause}
	if resp != nil {
		e.StatusCode = resp.StatusCode
		e.Body = c.redact.Excerpt(resp.Body, excerptBytes)
	}
	return e
}

// LooksLikeHTML reports whether the body is an HTML page, as proxies and
// login screens send where an API answer was expected.
func (r *Response) LooksLikeHTML() bool {
	b := bytes.TrimSpace(r.Body)
	if len(b) > 64 {
		b = b[:64]
	}
	s := strings.ToLower(string(b))
	return strings.HasPrefix(s, "<!doctype html") || strings.HasPrefix(s, "<html") || strings.Contains(s, "<head") || strings.Contains(s, "<body")
}

// PinError is returned when a server's certificate does not match
// Config.CertSHA256.
type PinError struct{ Got, Want string }

// Error names both fingerprints, so an operator can tell a changed
// certificate from a mistyped pin.
func (e *PinError) Error() string {
	return fmt.Sprintf("certificate sha256 %s does not match the pinned %s", e.Got, e.Want)
}

func buildTransport(cfg Config) (http.RoundTripper, error) {
	var base http.RoundTripper
	if cfg.HTTPClient != nil {
		base = cfg.HTTPClient.Transport
	}
	wantTLS := cfg.CertSHA256 != "" || cfg.InsecureSkipVerify
	var t *http.Transport
	switch bt := base.(type) {
	case nil:
		t = http.DefaultTransport.(*http.Transport).Clone()
	case *http.Transport:
		t = bt.Clone()
	default:
		if wantTLS {
			return nil, fmt.Errorf("%s: CertSHA256 and InsecureSkipVerify need an *http.Transport, and HTTPClient.Transport is a %T", cfg.Type, base)
		}
		return base, nil
	}
	// The default keeps two idle connections per host; panels read with
	// several calls at once, and each new connection costs a handshake.
	t.MaxIdleConnsPerHost = max(t.MaxIdleConnsPerHost, 16)
	if !wantTLS {
		return t, nil
	}
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if t.TLSClientConfig != nil {
		tc = t.TLSClientConfig.Clone()
	}
	if cfg.CertSHA256 != "" {
		want := normalizeFingerprint(cfg.CertSHA256)
		if len(want) != 64 {
			return nil, fmt.Errorf("%s: CertSHA256 %q is not a hex SHA-256 (64 hex digits)", cfg.Type, cfg.CertSHA256)
		}
		// The pin replaces chain verification: the leaf must be exactly this
		// certificate, whoever signed it.
		tc.InsecureSkipVerify = true
		tc.VerifyConnection = func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return &PinError{Got: "none", Want: want}
			}
			sum := sha256.Sum256(cs.PeerCertificates[0].Raw)
			if got := hex.EncodeToString(sum[:]); got != want {
				return &PinError{Got: got, Want: want}
			}
			return nil
		}
	} else {
		tc.InsecureSkipVerify = true
	}
	t.TLSClientConfig = tc
	return t, nil
}

func normalizeFingerprint(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.TrimPrefix(s, "sha256:")
	return strings.NewReplacer(":", "", " ", "", "-", "").Replace(s)
}

// CertSHA256 returns the pin of a DER certificate in the form
// Config.CertSHA256 accepts.
func CertSHA256(der []byte) string {
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:])
}

func newLimiter(rps float64, burst int) *rate.Limiter {
	if rps < 0 {
		return rate.NewLimiter(rate.Inf, 1)
	}
	if rps == 0 {
		rps = DefaultRateLimit
	}
	if burst <= 0 {
		burst = max(1, int(rps))
	}
	return rate.NewLimiter(rate.Limit(rps), burst)
}

func orDuration(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

const modulePath = "github.com/accountsync/accountsync"

// userAgent names the module and, when the binary records it, its version.
func userAgent() string {
	version := "devel"
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Path == modulePath && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			version = bi.Main.Version
		}
		for _, d := range bi.Deps {
			if d.Path == modulePath && d.Version != "" {
				version = d.Version
			}
		}
	}
	return "accountsync/" + version + " (+https://" + modulePath + ")"
}
