package main

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/accountsync/accountsync/config"
	"github.com/accountsync/accountsync/provider"
)

const serveUsage = `usage: accountsync serve [flags]

Answers GET /servers/{server}/accounts with the JSON a WHMCS server
module's ListAccounts function returns, for the configured servers, so a
module needs a few lines of PHP and no panel API code (the PHP is in
cmd/accountsync/README.md). {server} is the server's name, hostname or IP,
since WHMCS gives a module $params['serverhostname'] and
$params['serverip'].

Callers send "Authorization: Bearer TOKEN" with serve.token from the
configuration. A failed listing is always {"success":false,"error":...}
with HTTP 502 (504 on a timeout), never an empty or partial list. A
creation date the panel does not know is sent as "0000-00-00 00:00:00",
WHMCS's own empty date, because PHP's DateTime::createFromFormat rejects "".

Example:
  ACCOUNTSYNC_BRIDGE_TOKEN=$(openssl rand -hex 24) accountsync serve -listen 127.0.0.1:8080
  curl -H "Authorization: Bearer $ACCOUNTSYNC_BRIDGE_TOKEN" http://127.0.0.1:8080/servers/web1.example.net/accounts
`

// emptyCreated is the created date of an account whose creation date is
// unknown: MySQL's zero date, which WHMCS itself stores for "no date" and
// which PHP's DateTime::createFromFormat('Y-m-d H:i:s', ...) accepts.
const emptyCreated = "0000-00-00 00:00:00"

func runServe(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "serve", serveUsage, false, false)
	listen := f.String("listen", "", "address to serve on (default serve.listen, else 127.0.0.1:8080)")
	if err := f.parse(args); err != nil {
		return err
	}
	if err := f.noArgs(); err != nil {
		return err
	}
	cfg, err := f.load()
	if err != nil {
		return err
	}
	if cfg.Serve.Token == "" {
		return refused(`no bearer token: set "serve.token" in %s, usually to "${ACCOUNTSYNC_BRIDGE_TOKEN}"`, cfg.File)
	}
	loc := time.Local
	if cfg.Serve.Timezone != "" {
		loc, _ = time.LoadLocation(cfg.Serve.Timezone) // checked by config
	}
	log := f.logger(slog.LevelInfo)
	b := &bridge{cfg: cfg, providers: map[string]provider.Provider{}, token: cfg.Serve.Token,
		ttl: cfg.Serve.Cache.Or(5 * time.Minute), timeout: cfg.Serve.Timeout.Or(5 * time.Minute),
		location: loc, log: log, now: e.now, cache: map[string]*entry{}}
	for _, s := range cfg.Servers {
		p, err := config.NewProvider(s, log)
		if err != nil {
			return err
		}
		b.providers[s.Name] = p
	}
	addr := *listen
	if addr == "" {
		addr = cfg.Serve.Listen
	}
	if addr == "" {
		addr = "127.0.0.1:8080"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: b.routes(), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(shutdown)
	}()
	log.Info("serving ListAccounts", "addr", ln.Addr().String(), "servers", len(b.providers))
	if e.listening != nil {
		e.listening(ln.Addr().String())
	}
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// bridge answers GET /servers/{name}/accounts from a per-server cache.
type bridge struct {
	cfg       *config.Config
	providers map[string]provider.Provider
	token     string
	ttl       time.Duration
	timeout   time.Duration
	location  *time.Location
	log       *slog.Logger
	now       func() time.Time

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
		writeResult(w, http.StatusNotFound, listResult{Error: "no such endpoint: use GET /servers/{server}/accounts"})
	})
	return mux
}

// listResult is a ListAccounts answer: {"success":true,"accounts":[...]}
// or {"success":false,"error":"..."}.
type listResult struct {
	Success  bool          `json:"success"`
	Accounts []wireAccount `json:"accounts,omitempty"`
	Error    string        `json:"error,omitempty"`
}

// wireAccount is provider.Account's WHMCS JSON, with an unknown created
// date written as emptyCreated rather than "".
type wireAccount struct {
	Email            string `json:"email"`
	Username         string `json:"username"`
	Domain           string `json:"domain"`
	UniqueIdentifier string `json:"uniqueIdentifier"`
	Product          string `json:"product"`
	PrimaryIP        string `json:"primaryip"`
	Created          string `json:"created"`
	Status           string `json:"status"`
}

func (b *bridge) handleAccounts(w http.ResponseWriter, r *http.Request) {
	if !b.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="accountsync"`)
		b.log.Warn("refused a request without the bearer token", "remote", r.RemoteAddr)
		writeResult(w, http.StatusUnauthorized, listResult{Error: "missing or wrong bearer token"})
		return
	}
	asked := r.PathValue("name")
	s, ok := b.cfg.Server(asked)
	if !ok {
		b.log.Warn("request for an unknown server", "server", asked)
		writeResult(w, http.StatusNotFound, listResult{Error: fmt.Sprintf("unknown server %q: configured are %s (by name, hostname or ip)", asked, strings.Join(b.cfg.Names(), ", "))})
		return
	}
	accounts, err := b.accounts(r.Context(), s.Name)
	if err != nil {
		// Never a partial list: WHMCS would read the missing accounts
		// as gone.
		status := http.StatusBadGateway
		if errors.Is(err, context.DeadlineExceeded) {
			status = http.StatusGatewayTimeout
		}
		writeResult(w, status, listResult{Error: err.Error()})
		return
	}
	out := make([]wireAccount, len(accounts))
	for i, a := range accounts {
		created := emptyCreated
		if !a.Created.IsZero() {
			created = a.Created.In(b.location).Format(provider.CreatedLayout)
		}
		out[i] = wireAccount{Email: a.Email, Username: a.Username, Domain: a.Domain, UniqueIdentifier: a.UniqueIdentifier,
			Product: a.Product, PrimaryIP: a.PrimaryIP, Created: created, Status: string(a.Status)}
	}
	writeResult(w, http.StatusOK, listResult{Success: true, Accounts: out})
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
	accounts, err := b.providers[name].ListAccounts(ctx)
	e.fetched = b.now()
	took := e.fetched.Sub(start).Round(time.Millisecond)
	switch {
	case err != nil:
		e.err = err
		level := slog.LevelWarn
		if errors.Is(err, provider.ErrUnauthorized) || errors.Is(err, provider.ErrNotSupported) {
			level = slog.LevelError // a person must act
		}
		b.log.Log(ctx, level, "listing failed", "server", name, "duration", took, "error", err)
	default:
		e.accounts = accounts
		b.log.Info("listed accounts", "server", name, "accounts", len(accounts), "duration", took)
	}
	close(e.done)
}

func writeResult(w http.ResponseWriter, status int, res listResult) {
	body, err := json.Marshal(res)
	if err != nil {
		status = http.StatusInternalServerError
		body, _ = json.Marshal(listResult{Error: "encode: " + err.Error()})
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(append(body, '\n'))
}
