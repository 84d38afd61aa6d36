package httpx_test

import (
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/accountsync/accountsync/internal/httpx"
	"github.com/accountsync/accountsync/provider"
)

// foreignServer starts a server on another loopback address (127.0.0.2
// where the system has it, else another port of 127.0.0.1) that counts
// what reaches it.
func foreignServer(t *testing.T) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var hits atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		io.WriteString(w, "foreign answer")
	}))
	if l, err := net.Listen("tcp", "127.0.0.2:0"); err == nil {
		srv.Listener.Close()
		srv.Listener = l
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, &hits
}

func TestRedirects(t *testing.T) {
	foreign, foreignHits := foreignServer(t)
	tests := []struct {
		name     string
		method   string
		status   int
		location string // relative to the panel unless absolute
		want     string // in the error; "" means the call succeeds
	}{
		{name: "a 302 of a read to another host is refused", method: "GET", status: 302, location: foreign.URL + "/api?key=SECRET-IN-QUERY", want: foreign.URL + "/api"},
		{name: "a 307 of a read to another host is refused", method: "GET", status: 307, location: foreign.URL + "/api", want: foreign.URL + "/api"},
		{name: "a 307 of a POST to another host is refused", method: "POST", status: 307, location: foreign.URL + "/api", want: foreign.URL + "/api"},
		{name: "a 308 of a POST to another host is refused", method: "POST", status: 308, location: foreign.URL + "/", want: foreign.URL},
		{name: "a 301 to another host is refused", method: "GET", status: 301, location: foreign.URL + "/", want: "another origin"},
		{name: "user info in the target is not repeated", method: "GET", status: 302, location: strings.Replace(foreign.URL, "http://", "http://user:SECRET-IN-USERINFO@", 1) + "/x", want: "/x"},
		{name: "a same-origin 302 of a read is followed", method: "GET", status: 302, location: "/target"},
		{name: "a same-origin 307 of a POST is followed with its body", method: "POST", status: 307, location: "/target"},
		{name: "a same-origin 308 of a POST is followed with its body", method: "POST", status: 308, location: "/target"},
		{name: "a same-origin 302 of a POST is refused, because it would become a GET", method: "POST", status: 302, location: "/target", want: "turn POST into GET"},
		{name: "a same-origin 303 of a POST is refused, because it would become a GET", method: "POST", status: 303, location: "/target", want: "turn POST into GET"},
		{name: "a same-origin 301 of a DELETE is refused, because it would become a GET", method: "DELETE", status: 301, location: "/target", want: "turn DELETE into GET"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			foreignHits.Store(0)
			var hits, targetHits atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/target" {
					targetHits.Add(1)
					body, _ := io.ReadAll(r.Body)
					io.WriteString(w, r.Method+" "+string(body))
					return
				}
				hits.Add(1)
				http.Redirect(w, r, tt.location, tt.status)
			}))
			defer srv.Close()
			c, _ := newClient(t, srv, func(cfg *httpx.Config) { cfg.Secrets = []string{"SECRET-IN-QUERY"} })
			req := &httpx.Request{Op: "list accounts", Method: tt.method, Path: "/start", Idempotent: true,
				Header: http.Header{"Key": {"panel-key"}}}
			if tt.method != "GET" {
				req.Body = []byte("form=1")
			}
			resp, err := c.Do(t.Context(), req)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Do: %v", err)
				}
				wantBody := tt.method + " "
				if tt.method != "GET" {
					wantBody += "form=1"
				}
				if string(resp.Body) != wantBody || targetHits.Load() != 1 {
					t.Fatalf("answer %q after %d target hits, want %q from the target", resp.Body, targetHits.Load(), wantBody)
				}
				return
			}
			if err == nil {
				t.Fatalf("Do succeeded with %q; want an error", resp.Body)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "nothing was sent there") {
				t.Errorf("error %q does not say %q and that nothing was sent", err, tt.want)
			}
			for _, secret := range []string{"SECRET-IN-QUERY", "SECRET-IN-USERINFO", "key="} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error %q repeats %q", err, secret)
				}
			}
			if n := foreignHits.Load() + targetHits.Load(); n != 0 {
				t.Errorf("the redirect's target received %d requests, want none", n)
			}
			if n := hits.Load(); n != 1 {
				t.Errorf("the panel received %d requests; a refused redirect is not retried", n)
			}
			var apiErr *provider.APIError
			if !errors.As(err, &apiErr) || apiErr.StatusCode != tt.status || apiErr.Op != "list accounts" {
				t.Errorf("error %#v is not an APIError for the operation with status %d", err, tt.status)
			}
			var re *httpx.RedirectError
			if !errors.As(err, &re) || re.StatusCode != tt.status {
				t.Errorf("error %v is not a RedirectError with status %d", err, tt.status)
			}
			if errors.Is(err, provider.ErrTransient) {
				t.Errorf("a refused redirect matches ErrTransient: %v", err)
			}
		})
	}

	t.Run("another scheme on the same host and port is another origin", func(t *testing.T) {
		var hits atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hits.Add(1)
			http.Redirect(w, r, "https://"+r.Host+"/secure", http.StatusFound)
		}))
		defer srv.Close()
		c, _ := newClient(t, srv, nil)
		_, err := c.Do(t.Context(), &httpx.Request{Op: "list accounts", Idempotent: true})
		if err == nil || !strings.Contains(err.Error(), "https://"+srv.Listener.Addr().String()+"/secure") {
			t.Fatalf("err = %v, want a refusal naming the https target", err)
		}
		if hits.Load() != 1 {
			t.Errorf("the panel received %d requests, want 1", hits.Load())
		}
	})

	t.Run("a caller's CheckRedirect cannot reopen other origins", func(t *testing.T) {
		foreignHits.Store(0)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, foreign.URL+"/", http.StatusTemporaryRedirect)
		}))
		defer srv.Close()
		c, _ := newClient(t, srv, func(cfg *httpx.Config) {
			cfg.HTTPClient = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return nil }}
		})
		if _, err := c.Do(t.Context(), &httpx.Request{Op: "list accounts", Idempotent: true}); err == nil {
			t.Fatal("Do followed the redirect to another origin")
		}
		if foreignHits.Load() != 0 {
			t.Errorf("the foreign server received %d requests", foreignHits.Load())
		}
	})

	t.Run("a same-origin redirect loop ends with an error", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/again", http.StatusFound)
		}))
		defer srv.Close()
		c, _ := newClient(t, srv, nil)
		_, err := c.Do(t.Context(), &httpx.Request{Op: "list accounts", Idempotent: true})
		if err == nil || !strings.Contains(err.Error(), "stopped after 10 redirects") {
			t.Fatalf("err = %v, want a stop after 10 redirects", err)
		}
	})
}
