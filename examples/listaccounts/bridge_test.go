package main

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/providertest"
)

const token = "bridge-test-token"

var seed = []provider.Account{
	{Email: "ana@example.com", Username: "ana", Domain: "ana.example", UniqueIdentifier: "ana.example", Product: "Starter", PrimaryIP: "192.0.2.10", Created: time.Date(2024, 1, 15, 23, 30, 0, 0, time.UTC), Status: provider.StatusActive},
}

// clock is a settable clock for cache tests.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newBridge(t *testing.T, servers map[string]provider.Provider) (*bridge, *clock) {
	clk := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	return &bridge{
		servers: servers, token: token, ttl: time.Minute, timeout: 5 * time.Second,
		location: time.FixedZone("UTC+1", 3600), log: slog.New(slog.DiscardHandler),
		now: clk.now, cache: map[string]*entry{},
	}, clk
}

func get(t *testing.T, h http.Handler, path, auth string) (int, string, http.Header) {
	t.Helper()
	req := httptest.NewRequest("GET", path, nil)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String(), rec.Header()
}

func TestBridge(t *testing.T) {
	failing := providertest.NewFake(seed...)
	failing.Fail(providertest.OpList, &provider.APIError{Type: "cpanel", Op: "list accounts", StatusCode: 403, Message: "access denied"})
	b, _ := newBridge(t, map[string]provider.Provider{
		"web1":  providertest.NewFake(seed...),
		"empty": providertest.NewFake(),
		"bad":   failing,
	})
	h := b.routes()
	tests := []struct {
		name       string
		path, auth string
		wantStatus int
		wantBody   string
	}{
		{
			name: "a listing is the exact WHMCS JSON with dates in WHMCS's zone", path: "/servers/web1/accounts", auth: "Bearer " + token, wantStatus: 200,
			wantBody: `{"success":true,"accounts":[{"email":"ana@example.com","username":"ana","domain":"ana.example","uniqueIdentifier":"ana.example","product":"Starter","primaryip":"192.0.2.10","created":"2024-01-16 00:30:00","status":"Active"}]}` + "\n",
		},
		{name: "an empty server gives an empty list", path: "/servers/empty/accounts", auth: "Bearer " + token, wantStatus: 200, wantBody: `{"success":true,"accounts":[]}` + "\n"},
		{name: "a failed listing is success false with a 502", path: "/servers/bad/accounts", auth: "Bearer " + token, wantStatus: 502, wantBody: `{"success":false,"error":"fake: list accounts: cpanel: list accounts: HTTP 403: access denied"}` + "\n"},
		{name: "a missing token is refused", path: "/servers/web1/accounts", wantStatus: 401, wantBody: `{"success":false,"error":"missing or wrong bearer token"}` + "\n"},
		{name: "a wrong token is refused", path: "/servers/web1/accounts", auth: "Bearer nope", wantStatus: 401},
		{name: "a token without the Bearer scheme is refused", path: "/servers/web1/accounts", auth: token, wantStatus: 401},
		{name: "an unknown server is a 404", path: "/servers/web9/accounts", auth: "Bearer " + token, wantStatus: 404, wantBody: `{"success":false,"error":"unknown server \"web9\""}` + "\n"},
		{name: "another path is a 404", path: "/accounts", auth: "Bearer " + token, wantStatus: 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body, hdr := get(t, h, tt.path, tt.auth)
			if status != tt.wantStatus {
				t.Errorf("status = %d, want %d (body %s)", status, tt.wantStatus, body)
			}
			if tt.wantBody != "" && body != tt.wantBody {
				t.Errorf("body:\n got %s\nwant %s", body, tt.wantBody)
			}
			if ct := hdr.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type = %q", ct)
			}
		})
	}
}

func TestBridgeCache(t *testing.T) {
	fake := providertest.NewFake(seed...)
	b, clk := newBridge(t, map[string]provider.Provider{"web1": fake})
	h := b.routes()
	auth := "Bearer " + token
	t.Run("a second request within the TTL is served from the cache", func(t *testing.T) {
		get(t, h, "/servers/web1/accounts", auth)
		get(t, h, "/servers/web1/accounts", auth)
		if n := fake.Calls(providertest.OpList); n != 1 {
			t.Errorf("server listed %d times, want 1", n)
		}
	})
	t.Run("a request after the TTL lists again", func(t *testing.T) {
		clk.add(2 * time.Minute)
		get(t, h, "/servers/web1/accounts", auth)
		if n := fake.Calls(providertest.OpList); n != 2 {
			t.Errorf("server listed %d times, want 2", n)
		}
	})
	t.Run("a failure is not cached", func(t *testing.T) {
		clk.add(2 * time.Minute)
		fake.FailNext(providertest.OpList, errors.New("boom"))
		if status, _, _ := get(t, h, "/servers/web1/accounts", auth); status != 502 {
			t.Fatalf("status = %d, want 502", status)
		}
		if status, _, _ := get(t, h, "/servers/web1/accounts", auth); status != 200 {
			t.Fatalf("status after the failure = %d, want 200", status)
		}
	})
	t.Run("concurrent requests share one listing", func(t *testing.T) {
		clk.add(2 * time.Minute)
		before := fake.Calls(providertest.OpList)
		fake.SetDelay(50 * time.Millisecond)
		defer fake.SetDelay(0)
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() { defer wg.Done(); get(t, h, "/servers/web1/accounts", auth) }()
		}
		wg.Wait()
		if n := fake.Calls(providertest.OpList) - before; n != 1 {
			t.Errorf("8 concurrent requests listed %d times, want 1", n)
		}
	})
}

func TestOnce(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "servers.json")
	os.WriteFile(cfg, []byte(`[{"type":"nosuchpanel","name":"web1","hostname":"127.0.0.1"}]`), 0o600)
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"-config", cfg, "-once", "web1"}, &out, &errOut, func(string) string { return "" })
	if err == nil || !strings.Contains(err.Error(), `type "nosuchpanel"`) {
		t.Fatalf("run = %v, want an unknown-type error", err)
	}

	b, _ := newBridge(t, map[string]provider.Provider{"web1": providertest.NewFake(seed...)})
	b.location = time.UTC
	out.Reset()
	if err := printOnce(context.Background(), b, "web1", &out); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), `{"success":true,"accounts":[{"email":"ana@example.com"`) {
		t.Errorf("-once printed %s", out.String())
	}
	failing := providertest.NewFake()
	failing.Fail(providertest.OpList, errors.New("boom"))
	b.servers["bad"] = failing
	out.Reset()
	if err := printOnce(context.Background(), b, "bad", &out); !errors.Is(err, errListingFailed) || out.String() != `{"success":false,"error":"fake: list accounts: boom"}`+"\n" {
		t.Errorf("-once on a failing server = %v, printed %q", err, out.String())
	}
}
