package httpx_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/accountsync/accountsync/internal/httpx"
	"github.com/accountsync/accountsync/provider"
)

// newClient returns a client for srv with waits shrunk to milliseconds and
// its debug log captured.
func newClient(t *testing.T, srv *httptest.Server, mod func(*httpx.Config)) (*httpx.Client, *bytes.Buffer) {
	t.Helper()
	var logs bytes.Buffer
	cfg := httpx.Config{
		Type:         "testpanel",
		BaseURL:      srv.URL,
		Logger:       slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		RateLimit:    -1,
		RetryWaitMin: time.Millisecond,
		RetryWaitMax: 5 * time.Millisecond,
		Timeout:      5 * time.Second,
	}
	if srv.TLS != nil {
		cfg.HTTPClient = &http.Client{Transport: &http.Transport{}}
	}
	if mod != nil {
		mod(&cfg)
	}
	c, err := httpx.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c, &logs
}

// statusSequence answers with the given statuses in turn, then 200 "ok".
func statusSequence(hits *atomic.Int32, statuses ...int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		n := int(hits.Add(1))
		if n <= len(statuses) {
			w.WriteHeader(statuses[n-1])
			io.WriteString(w, "failure "+strconv.Itoa(n))
			return
		}
		io.WriteString(w, "ok")
	}
}

func TestRetryPolicy(t *testing.T) {
	tests := []struct {
		name       string
		idempotent bool
		statuses   []int
		wantHits   int32
		wantStatus int
	}{
		{name: "a read is retried after a 500 and then succeeds", idempotent: true, statuses: []int{500, 502}, wantHits: 3, wantStatus: 200},
		{name: "a read is retried after a 429", idempotent: true, statuses: []int{429}, wantHits: 2, wantStatus: 200},
		{name: "a read gives the last 503 once retries run out", idempotent: true, statuses: []int{503, 503, 503, 503, 503}, wantHits: 4, wantStatus: 503},
		{name: "a mutation is not retried after a 500, because it may have been done", statuses: []int{500}, wantHits: 1, wantStatus: 500},
		{name: "a mutation is retried after a 429, because the server refused it", statuses: []int{429}, wantHits: 2, wantStatus: 200},
		{name: "a 401 is never retried", idempotent: true, statuses: []int{401}, wantHits: 1, wantStatus: 401},
		{name: "a 403 is never retried", idempotent: true, statuses: []int{403}, wantHits: 1, wantStatus: 403},
		{name: "a 501 is not retried", idempotent: true, statuses: []int{501}, wantHits: 1, wantStatus: 501},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hits atomic.Int32
			srv := httptest.NewServer(statusSequence(&hits, tt.statuses...))
			defer srv.Close()
			c, _ := newClient(t, srv, nil)
			resp, err := c.Do(t.Context(), &httpx.Request{Op: "op", Method: "POST", Path: "/x", Body: []byte("a=1"), Idempotent: tt.idempotent})
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.wantStatus || hits.Load() != tt.wantHits {
				t.Errorf("status %d after %d requests, want %d after %d", resp.StatusCode, hits.Load(), tt.wantStatus, tt.wantHits)
			}
		})
	}
}

func TestRetryAfter(t *testing.T) {
	t.Run("a Retry-After within the bound is waited for", func(t *testing.T) {
		var hits atomic.Int32
		var first time.Time
		var gap time.Duration
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if hits.Add(1) == 1 {
				first = time.Now()
				w.Header().Set("Retry-After", "1")
				w.WriteHeader(429)
				return
			}
			gap = time.Since(first)
		}))
		defer srv.Close()
		c, _ := newClient(t, srv, nil)
		resp, err := c.Do(t.Context(), &httpx.Request{Op: "list", Idempotent: true})
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("Do = %v, %v", resp, err)
		}
		// The backoff without the header is at most 5ms; only honouring
		// Retry-After explains a gap of a second.
		if gap < 900*time.Millisecond {
			t.Errorf("retried after %s, want the 1s the server asked for", gap)
		}
	})
	t.Run("a Retry-After beyond the bound ends the call as rate limited", func(t *testing.T) {
		var hits atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hits.Add(1)
			w.Header().Set("Retry-After", "3600")
			w.WriteHeader(429)
		}))
		defer srv.Close()
		c, _ := newClient(t, srv, nil)
		_, err := c.Do(t.Context(), &httpx.Request{Op: "list accounts", Idempotent: true})
		if !errors.Is(err, provider.ErrRateLimited) || !errors.Is(err, provider.ErrTransient) || hits.Load() != 1 {
			t.Fatalf("err = %v after %d requests", err, hits.Load())
		}
		if !strings.Contains(err.Error(), "testpanel: list accounts: HTTP 429") || !strings.Contains(err.Error(), "1h0m0s") {
			t.Errorf("error %q does not say who, what and how long", err)
		}
	})
}

// cutAfterRequest reads the request, then drops the connection without a
// response, as a panel that crashes mid-call does.
func cutAfterRequest(hits *atomic.Int32) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		io.ReadAll(r.Body)
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	}
}

func TestTransportFailures(t *testing.T) {
	t.Run("a read is retried when the connection drops after the request was sent", func(t *testing.T) {
		var hits atomic.Int32
		srv := httptest.NewServer(cutAfterRequest(&hits))
		defer srv.Close()
		c, _ := newClient(t, srv, nil)
		_, err := c.Do(t.Context(), &httpx.Request{Op: "list accounts", Idempotent: true})
		if err == nil || hits.Load() != 4 {
			t.Fatalf("err = %v after %d requests, want an error after 4", err, hits.Load())
		}
		if !errors.Is(err, provider.ErrTransient) {
			t.Errorf("err = %v, want it transient", err)
		}
		var apiErr *provider.APIError
		if !errors.As(err, &apiErr) || apiErr.Type != "testpanel" || apiErr.Op != "list accounts" {
			t.Errorf("err = %#v, want an APIError naming the panel and operation", err)
		}
	})
	t.Run("a mutation is not retried when the connection drops after the request was sent", func(t *testing.T) {
		var hits atomic.Int32
		srv := httptest.NewServer(cutAfterRequest(&hits))
		defer srv.Close()
		c, _ := newClient(t, srv, nil)
		_, err := c.Do(t.Context(), &httpx.Request{Op: "create account", Method: "POST", Body: []byte("x=1")})
		if err == nil || hits.Load() != 1 {
			t.Fatalf("err = %v after %d requests, want an error after 1", err, hits.Load())
		}
	})
	t.Run("a mutation is retried when the connection is refused", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		srv := &httptest.Server{URL: "http://" + addr}
		c, logs := newClient(t, srv, nil)
		_, err = c.Do(t.Context(), &httpx.Request{Op: "create account", Method: "POST", Body: []byte("x=1")})
		if err == nil || !errors.Is(err, provider.ErrTransient) {
			t.Fatalf("err = %v, want a transient error", err)
		}
		if n := strings.Count(logs.String(), "http request"); n != 4 {
			t.Errorf("%d attempts logged, want 4:\n%s", n, logs)
		}
	})
	t.Run("a body cut short is retried for a read and reported", func(t *testing.T) {
		var hits atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hits.Add(1)
			w.Header().Set("Content-Length", "1000")
			io.WriteString(w, `{"data":[`)
		}))
		defer srv.Close()
		c, _ := newClient(t, srv, nil)
		_, err := c.Do(t.Context(), &httpx.Request{Op: "list accounts", Idempotent: true})
		if err == nil || hits.Load() != 4 || !errors.Is(err, provider.ErrTransient) {
			t.Fatalf("err = %v after %d requests", err, hits.Load())
		}
	})
	t.Run("a body over the cap is an error and not retried", func(t *testing.T) {
		var hits atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hits.Add(1)
			io.WriteString(w, strings.Repeat("x", 2000))
		}))
		defer srv.Close()
		c, _ := newClient(t, srv, func(cfg *httpx.Config) { cfg.MaxBodyBytes = 1000 })
		_, err := c.Do(t.Context(), &httpx.Request{Op: "list accounts", Idempotent: true})
		if err == nil || !strings.Contains(err.Error(), "larger than 1000 bytes") || hits.Load() != 1 {
			t.Fatalf("err = %v after %d requests", err, hits.Load())
		}
		if errors.Is(err, provider.ErrTransient) {
			t.Error("an oversized body is not transient")
		}
	})
	t.Run("a slow answer times out as a transient error", func(t *testing.T) {
		release := make(chan struct{})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}))
		defer srv.Close()
		defer close(release)
		c, _ := newClient(t, srv, func(cfg *httpx.Config) { cfg.Timeout = 50 * time.Millisecond; cfg.MaxRetries = -1 })
		_, err := c.Do(t.Context(), &httpx.Request{Op: "list accounts", Idempotent: true})
		if err == nil || !errors.Is(err, provider.ErrTransient) {
			t.Fatalf("err = %v, want a transient timeout", err)
		}
	})
}

func TestContext(t *testing.T) {
	t.Run("a cancelled context returns at once without a request", func(t *testing.T) {
		var hits atomic.Int32
		srv := httptest.NewServer(statusSequence(&hits))
		defer srv.Close()
		c, _ := newClient(t, srv, nil)
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		_, err := c.Do(ctx, &httpx.Request{Op: "list accounts", Idempotent: true})
		if !errors.Is(err, context.Canceled) || hits.Load() != 0 {
			t.Fatalf("err = %v after %d requests", err, hits.Load())
		}
	})
	t.Run("a context cancelled during the call ends it", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
		defer srv.Close()
		c, _ := newClient(t, srv, nil)
		ctx, cancel := context.WithCancel(t.Context())
		go func() { time.Sleep(20 * time.Millisecond); cancel() }()
		_, err := c.Do(ctx, &httpx.Request{Op: "list accounts", Idempotent: true})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
	})
}

func TestRateLimit(t *testing.T) {
	// One request per hour: the first goes through on the burst, and any
	// further attempt must wait for the limiter, retries included.
	slow := func(cfg *httpx.Config) { cfg.Limiter = rate.NewLimiter(rate.Every(time.Hour), 1) }
	tests := []struct {
		name     string
		statuses []int
		calls    int
	}{
		{name: "a second call waits for the limiter", calls: 2},
		{name: "a retry waits for the limiter too", statuses: []int{503}, calls: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hits atomic.Int32
			srv := httptest.NewServer(statusSequence(&hits, tt.statuses...))
			defer srv.Close()
			c, _ := newClient(t, srv, slow)
			var err error
			for i := 0; i < tt.calls; i++ {
				ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
				_, err = c.Do(ctx, &httpx.Request{Op: "list", Idempotent: true})
				cancel()
			}
			if !errors.Is(err, context.DeadlineExceeded) || hits.Load() != 1 {
				t.Fatalf("err = %v after %d requests; want the limiter to hold everything after the first", err, hits.Load())
			}
		})
	}
	t.Run("clients sharing a limiter share the budget", func(t *testing.T) {
		var hits atomic.Int32
		srv := httptest.NewServer(statusSequence(&hits))
		defer srv.Close()
		shared := rate.NewLimiter(rate.Every(time.Hour), 1)
		a, _ := newClient(t, srv, func(cfg *httpx.Config) { cfg.Limiter = shared })
		b, _ := newClient(t, srv, func(cfg *httpx.Config) { cfg.Limiter = shared })
		if _, err := a.Do(t.Context(), &httpx.Request{Op: "list", Idempotent: true}); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
		defer cancel()
		if _, err := b.Do(ctx, &httpx.Request{Op: "list", Idempotent: true}); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("second client's call = %v, want it held by the shared limiter", err)
		}
	})
}

func TestTLS(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	defer srv.Close()
	pin := httpx.CertSHA256(srv.Certificate().Raw)
	colonPin := strings.ToUpper(pin[:2]) + ":" + pin[2:]
	tests := []struct {
		name      string
		mod       func(*httpx.Config)
		wantErr   string
		transient bool
	}{
		{name: "a self-signed certificate is refused by default", mod: func(*httpx.Config) {}, wantErr: "certificate"},
		{name: "a matching pin accepts the self-signed certificate", mod: func(c *httpx.Config) { c.CertSHA256 = pin }},
		{name: "a pin with colons and capitals is read the same", mod: func(c *httpx.Config) { c.CertSHA256 = colonPin }},
		{name: "a pin that does not match is refused", mod: func(c *httpx.Config) { c.CertSHA256 = strings.Repeat("ab", 32) }, wantErr: "does not match the pinned"},
		{name: "skipping verification accepts any certificate", mod: func(c *httpx.Config) { c.InsecureSkipVerify = true }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newClient(t, srv, tt.mod)
			resp, err := c.Do(t.Context(), &httpx.Request{Op: "list", Idempotent: true})
			if tt.wantErr == "" {
				if err != nil || string(resp.Body) != "ok" {
					t.Fatalf("Do = %v, %v", resp, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want one mentioning %q", err, tt.wantErr)
			}
			if errors.Is(err, provider.ErrTransient) {
				t.Errorf("a certificate failure is not transient: %v", err)
			}
		})
	}
	t.Run("a malformed pin is a configuration error", func(t *testing.T) {
		_, err := httpx.New(httpx.Config{Type: "x", BaseURL: srv.URL, CertSHA256: "abc"})
		if err == nil {
			t.Fatal("New accepted a 3-digit pin")
		}
	})
}

func TestTLSSettingsNeedHTTPS(t *testing.T) {
	var hits atomic.Int32
	plain := httptest.NewServer(statusSequence(&hits))
	defer plain.Close()
	pin := strings.Repeat("ab", 32)
	tests := []struct {
		name    string
		cfg     httpx.Config
		wantErr string // "" for success
	}{
		{name: "a pin with a plain http base URL is refused", cfg: httpx.Config{BaseURL: plain.URL, CertSHA256: pin}, wantErr: "CertSHA256 is set but the base URL"},
		{name: "skipping verification with a plain http base URL is refused", cfg: httpx.Config{BaseURL: plain.URL, InsecureSkipVerify: true}, wantErr: "InsecureSkipVerify is set but the base URL"},
		{name: "the refusal names the URL without its password", cfg: httpx.Config{BaseURL: "http://u:Pa55word@panel.example:2086", CertSHA256: pin}, wantErr: "http://u:xxxxx@panel.example:2086"},
		{name: "a pin with an https base URL is accepted", cfg: httpx.Config{BaseURL: "https://panel.example:2087", CertSHA256: pin}},
		{name: "plain http without TLS settings is accepted", cfg: httpx.Config{BaseURL: plain.URL}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.Type = "testpanel"
			c, err := httpx.New(tt.cfg)
			if tt.wantErr == "" {
				if err != nil || c == nil {
					t.Fatalf("New = %v, %v", c, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || strings.Contains(err.Error(), "Pa55word") {
				t.Fatalf("New error = %v, want one with %q and no password", err, tt.wantErr)
			}
		})
	}
	if hits.Load() != 0 {
		t.Errorf("the plain http server received %d requests", hits.Load())
	}
}

func TestNoSecretLeaks(t *testing.T) {
	const (
		password = "Sup3r$ecret&pw"
		token    = "TKN0123456789ABCDEF"
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		// A panel that echoes the request back in its error page.
		w.WriteHeader(500)
		io.WriteString(w, "<html>bad request "+r.URL.RawQuery+" "+string(body)+" "+r.Header.Get("Authorization")+"</html>")
	}))
	defer srv.Close()
	c, logs := newClient(t, srv, func(cfg *httpx.Config) {
		cfg.Secrets = []string{password, token}
		cfg.MaxRetries = 1
	})
	form := url.Values{"user": {"jo"}, "password": {password}}
	resp, err := c.Do(t.Context(), &httpx.Request{
		Op: "set password", Method: "POST", Path: "/api",
		Query:  url.Values{"api_key": {"k-" + token}, "user": {"jo"}},
		Header: http.Header{"Authorization": {"whm root:" + token}},
		Body:   []byte(form.Encode()), Idempotent: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	apiErr := c.Error("set password", resp, "", "", nil)
	outputs := []string{apiErr.Error(), apiErr.Body, logs.String()}
	for _, out := range outputs {
		for _, s := range []string{password, url.QueryEscape(password), token} {
			if strings.Contains(out, s) {
				t.Errorf("secret %q leaked in %q", s, out)
			}
		}
	}
	if !strings.Contains(logs.String(), "user=jo") || !strings.Contains(logs.String(), "api_key=REDACTED") {
		t.Errorf("log lost the useful parts or did not mark the redaction:\n%s", logs)
	}
	// Transport errors carry the URL in their text; it must be gone too.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	dead, _ := newClient(t, &httptest.Server{URL: "http://" + addr}, func(cfg *httpx.Config) { cfg.Secrets = []string{token}; cfg.MaxRetries = -1 })
	_, err = dead.Do(t.Context(), &httpx.Request{Op: "list", Query: url.Values{"key": {token}}, Idempotent: true})
	if err == nil || strings.Contains(err.Error(), token) {
		t.Errorf("transport error %v leaks the token or is missing", err)
	}
}

func TestUserAgentAndHTML(t *testing.T) {
	var ua string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ua = r.Header.Get("User-Agent")
		io.WriteString(w, "\n  <!DOCTYPE html><html><body>Login</body></html>")
	}))
	defer srv.Close()
	c, _ := newClient(t, srv, nil)
	resp, err := c.Do(t.Context(), &httpx.Request{Op: "list", Idempotent: true})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(ua, "accountsync/") {
		t.Errorf("User-Agent = %q, want it to name the module", ua)
	}
	if !resp.LooksLikeHTML() {
		t.Error("an HTML login page was not recognised")
	}
	if (&httpx.Response{Body: []byte(`{"data":"<html>"}`)}).LooksLikeHTML() {
		t.Error("JSON mentioning html was taken for a page")
	}
}
