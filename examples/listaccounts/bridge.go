package main

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/accountsync/accountsync/provider"
)

// bridge answers GET /servers/{name}/accounts with a WHMCS ListAccounts
// answer, from a per-server cache.
type bridge struct {
	servers  map[string]provider.Provider
	token    string
	ttl      time.Duration
	timeout  time.Duration
	location *time.Location
	log      *slog.Logger
	now      func() time.Time

	mu    sync.Mutex
	cache map[string]*entry
}

// entry is one server's cached listing. Concurrent requests for a server
// whose listing is being fetched wait for that one fetch.
type entry struct {
	done     chan struct{}
	accounts []provider.Account
	err      error
	fetched  time.Time
}

func (b *bridge) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /servers/{name}/accounts", b.handleAccounts)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeResult(w, http.StatusNotFound, provider.ListAccountsResult{Error: "no such endpoint: use GET /servers/{name}/accounts"})
	})
	return mux
}

func (b *bridge) handleAccounts(w http.ResponseWriter, r *http.Request) {
	if !b.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="accountsync"`)
		writeResult(w, http.StatusUnauthorized, provider.ListAccountsResult{Error: "missing or wrong bearer token"})
		return
	}
	name := r.PathValue("name")
	if _, ok := b.servers[name]; !ok {
		writeResult(w, http.StatusNotFound, provider.ListAccountsResult{Error: "unknown server " + quote(name)})
		return
	}
	accounts, err := b.accounts(r.Context(), name)
	if err != nil {
		b.log.Warn("list accounts failed", "server", name, "error", err)
		writeResult(w, statusFor(err), provider.ListAccountsResult{Error: err.Error()})
		return
	}
	out := make([]provider.Account, len(accounts))
	for i, a := range accounts {
		out[i] = a.In(b.location)
	}
	writeResult(w, http.StatusOK, provider.ListAccountsResult{Success: true, Accounts: out})
}

func (b *bridge) authorized(r *http.Request) bool {
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && subtle.ConstantTimeCompare([]byte(got), []byte(b.token)) == 1
}

// accounts returns the server's listing, fetching it when the cached one
// is older than the TTL. Failures are not cached: the next request tries
// again.
func (b *bridge) accounts(ctx context.Context, name string) ([]provider.Account, error) {
	b.mu.Lock()
	e := b.cache[name]
	if e != nil {
		select {
		case <-e.done:
			if e.err != nil || b.now().Sub(e.fetched) >= b.ttl {
				e = nil
			}
		default: // a fetch is under way: wait for it
		}
	}
	if e == nil {
		e = &entry{done: make(chan struct{})}
		b.cache[name] = e
		// The fetch belongs to the cache, not to the request that started
		// it, so one impatient client cannot fail the others waiting.
		go b.fetch(name, e)
	}
	b.mu.Unlock()
	select {
	case <-e.done:
		return e.accounts, e.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (b *bridge) fetch(name string, e *entry) {
	ctx, cancel := context.WithTimeout(context.Background(), b.timeout)
	defer cancel()
	start := b.now()
	e.accounts, e.err = b.servers[name].ListAccounts(ctx)
	e.fetched = b.now()
	b.log.Info("listed accounts", "server", name, "accounts", len(e.accounts), "duration", e.fetched.Sub(start), "error", e.err)
	close(e.done)
}

// statusFor maps a listing failure to the status a WHMCS module sees.
func statusFor(err error) int {
	if errors.Is(err, context.DeadlineExceeded) {
		return http.StatusGatewayTimeout
	}
	return http.StatusBadGateway
}

func writeResult(w http.ResponseWriter, status int, res provider.ListAccountsResult) {
	body, err := json.Marshal(res)
	if err != nil {
		status = http.StatusInternalServerError
		body, _ = json.Marshal(provider.ListAccountsResult{Error: "encode: " + err.Error()})
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(append(body, '\n'))
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
