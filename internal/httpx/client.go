package httpx

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
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
	// DefaultMaxBodyBytes caps the answer of a call that names no cap of
	// its own: one account, a login, a task. 4 MiB is a hundred times
	// what such answers hold, and what a Keystone catalog of a big cloud
	// needs.
	DefaultMaxBodyBytes = 4 << 20
	// ListingMaxBodyBytes is the cap panels give a listing (a page, or a
	// whole listing in one answer): 64 MiB holds 10,000 accounts of the
	// most verbose panel answer several times over.
	ListingMaxBodyBytes = 64 << 20
	// ErrorBodyBytes is the most kept of an answer whose status is not
	// 2xx; the rest is discarded unread, since such a body serves only the
	// error message.
	ErrorBodyBytes = 64 << 10
	excerptBytes   = 300
	// prefixBytes is how much of a streamed answer Response.Body keeps.
	prefixBytes = 512
	// defaultIdleConns is the least number of idle connections kept.
	defaultIdleConns = 16
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
	// aimed at one server can share one budget (see NewLimiter).
	Limiter *rate.Limiter
	// IdleConns is the number of idle connections kept to the server
	// (default, and minimum, 16): a panel whose listing keeps N calls in
	// flight sets N, so that each call reuses a connection instead of
	// opening one (and, over TLS, shaking hands) for most calls.
	IdleConns int
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
	// MaxBodyBytes caps the body of an answer to a request that sets no
	// Request.MaxBodyBytes (default DefaultMaxBodyBytes). A 2xx answer over
	// the cap is an error; a longer error answer is cut at ErrorBodyBytes.
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
	// MaxBodyBytes caps the answer's body for this call (default: the
	// client's Config.MaxBodyBytes). Listings set ListingMaxBodyBytes;
	// calls about one account keep the small default, so that a hostile
	// answer costs little memory, however many such calls run at once. A
	// declared Content-Length over the cap fails before anything is read.
	MaxBodyBytes int64
	// Decode, when set, reads a 2xx answer as it arrives instead of
	// collecting it first, within the cap: Do passes it the body and
	// keeps only the first bytes in Response.Body (for LooksLikeHTML and
	// error excerpts). A failure to read the body (cut short, over the
	// cap) is Do's error, retried like any transport failure when the
	// call is a read; an error of Decode's own (the body is not what it
	// expects) is left in Response.DecodeErr for the panel to word.
	// [DecodeJSON] is the usual Decode.
	Decode func(body io.Reader) error
}

// Response is a whole response. Body has been read and closed.
type Response struct {
	StatusCode int
	Status     string // the status line's text, as "596 Connection timed out"
	Header     http.Header
	// Body is the whole body; when Request.Decode read it, only its first
	// 512 bytes; for a status other than 2xx, at most ErrorBodyBytes.
	Body []byte
	// DecodeErr is the error Request.Decode returned for a body that
	// arrived whole but did not decode; nil otherwise.
	DecodeErr error
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
		limiter = NewLimiter(cfg.RateLimit, cfg.Burst)
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

// Scrub removes the client's credentials and the given per-call secrets
// (a password being set, a session token) from err's *provider.APIError,
// in place, and returns err; see [Redactor.Scrub]. Every panel scrubs its
// errors this way.
func (c *Client) Scrub(err error, secrets ...string) error {
	return c.redact.With(secrets...).Scrub(err)
}

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
	limit := req.MaxBodyBytes
	if limit <= 0 {
		limit = c.maxBody
	}
	var (
		got       []byte
		gotResp   *http.Response
		decodeErr error
	)
	rr.SetResponseHandler(func(resp *http.Response) error {
		if req.Decode != nil && resp.StatusCode/100 == 2 {
			prefix, derr, err := c.streamBody(resp, limit, req.Decode)
			if err != nil {
				return err
			}
			got, gotResp, decodeErr = prefix, resp, derr
			return nil
		}
		b, err := c.readBody(resp, limit)
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
		b, rerr := c.readBody(resp, limit)
		if rerr != nil {
			return nil, c.transportError(req.Op, rerr)
		}
		got = b
	}
	out := &Response{StatusCode: resp.StatusCode, Status: resp.Status, Header: resp.Header, Body: got, DecodeErr: decodeErr}
	if resp.StatusCode == http.StatusTooManyRequests {
		if d, ok := retryAfter(resp.Header); ok && d > c.maxRA {
			return nil, &provider.APIError{Type: c.typ, Op: req.Op, StatusCode: resp.StatusCode,
				Message: fmt.Sprintf("rate limited; server asks to retry after %s", d)}
		}
	}
	return out, nil
}

// readBody reads and closes the body within limit: over it, a 2xx answer
// is an error and any other is cut at ErrorBodyBytes.
func (c *Client) readBody(resp *http.Response, limit int64) ([]byte, error) {
	defer resp.Body.Close()
	errorAnswer := resp.StatusCode/100 != 2
	if errorAnswer {
		limit = min(limit, ErrorBodyBytes)
	} else if n := resp.ContentLength; n > limit {
		return nil, &bodyTooLargeError{limit: limit}
	}
	b, err := readCapped(resp.Body, limit, resp.ContentLength)
	if err != nil {
		return nil, fmt.Errorf("read response body: %w", err)
	}
	if int64(len(b)) == limit {
		// One byte more tells a body that ends at the cap from a longer
		// one, without growing the buffer past the cap.
		var one [1]byte
		if n, _ := io.ReadFull(resp.Body, one[:]); n > 0 {
			if errorAnswer {
				return b, nil
			}
			return nil, &bodyTooLargeError{limit: limit}
		}
	}
	return b, nil
}

// readCapped reads r to its end or to limit bytes, whichever comes first.
// The buffer starts at the declared length (or 64 KiB) and doubles, never
// past limit: bytes.Buffer and io.ReadAll would grow it beyond the cap
// before noticing the end.
func readCapped(r io.Reader, limit, declared int64) ([]byte, error) {
	size := int64(64 << 10)
	if declared > 0 {
		// One byte of room lets the read that finds the end find it
		// without growing the buffer.
		size = declared + 1
	}
	buf := make([]byte, 0, min(size, limit))
	for {
		if len(buf) == cap(buf) {
			if int64(len(buf)) >= limit {
				return buf, nil
			}
			grown := make([]byte, len(buf), min(max(2*int64(cap(buf)), 64<<10), limit))
			copy(grown, buf)
			buf = grown
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		switch {
		case err == io.EOF:
			return buf, nil
		case err != nil:
			return nil, err
		}
	}
}

// streamBody hands a 2xx body to decode as it arrives, within limit, and
// returns its first bytes. err is a failure to read the body (cut short,
// over the cap); decodeErr is decode's own complaint about a body that
// arrived whole.
func (c *Client) streamBody(resp *http.Response, limit int64, decode func(io.Reader) error) (prefix []byte, decodeErr, err error) {
	defer resp.Body.Close()
	if resp.ContentLength > limit {
		return nil, nil, &bodyTooLargeError{limit: limit}
	}
	r := &capReader{r: resp.Body, left: limit, limit: limit}
	derr := decode(r)
	if r.err != nil {
		return nil, nil, r.err
	}
	return r.prefix, derr, nil
}

// capReader reads at most left bytes, keeps the first ones, and records
// why reading stopped, so that a read failure is told from a decode
// failure.
type capReader struct {
	r      io.Reader
	left   int64
	limit  int64
	prefix []byte
	err    error // a read failure or the cap; not io.EOF
}

func (r *capReader) Read(p []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	if r.left <= 0 {
		// One byte more than the cap tells a body that ends exactly at
		// the cap from a longer one.
		var one [1]byte
		if n, _ := r.r.Read(one[:]); n > 0 {
			r.err = &bodyTooLargeError{limit: r.limit}
			return 0, r.err
		}
		return 0, io.EOF
	}
	if int64(len(p)) > r.left {
		p = p[:r.left]
	}
	n, err := r.r.Read(p)
	r.left -= int64(n)
	if keep := min(n, prefixBytes-len(r.prefix)); keep > 0 {
		r.prefix = append(r.prefix, p[:keep]...)
	}
	if err != nil && err != io.EOF {
		r.err = fmt.Errorf("read response body: %w", err)
		return n, r.err
	}
	return n, err
}

// DecodeJSON returns a [Request.Decode] that decodes one JSON value into
// v as the body streams in, and, like json.Unmarshal, accepts nothing
// after it but white space.
func DecodeJSON(v any) func(io.Reader) error {
	return func(r io.Reader) error {
		dec := json.NewDecoder(r)
		if err := dec.Decode(v); err != nil {
			return err
		}
		if _, err := dec.Token(); err != io.EOF {
			return errors.New("invalid character after top-level value")
		}
		return nil
	}
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
	t.MaxIdleConnsPerHost = max(t.MaxIdleConnsPerHost, cfg.IdleConns, defaultIdleConns)
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

// NewLimiter returns the limiter Config.RateLimit and Config.Burst
// describe: rps requests per second (0: DefaultRateLimit; negative:
// unlimited) with a burst of burst (0: max(1, rps)). A panel whose
// clients share one budget (Keystone and compute) builds one and sets
// Config.Limiter on each.
func NewLimiter(rps float64, burst int) *rate.Limiter {
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
