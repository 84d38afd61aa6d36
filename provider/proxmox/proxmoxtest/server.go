package proxmoxtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/accountsync/accountsync/internal/panelfake"
	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/providertest"
)

// Default credentials the fake accepts.
const (
	// TokenID is the API token ID, the Username of a token client.
	TokenID = "accountsync@pve!sync"
	// Token is the secret of TokenID.
	Token = "5b4c0e52-8f0d-4b1e-9a57-3d2f6c1e8a90"
	// Username is the user a ticket client logs in as.
	Username = "root@pam"
	// Password is Username's password.
	Password = "Fake-PVE-Passw0rd!"
)

// API functions, as counted by [Server.Calls] and recorded by
// [Server.Received]: the method and the path pattern below /api2/json.
const (
	FnTicket      = "POST /access/ticket"
	FnPermissions = "GET /access/permissions"
	FnResources   = "GET /cluster/resources"
	FnNextID      = "GET /cluster/nextid"
	FnPools       = "GET /pools"
	FnVersion     = "GET /version"
	FnConfig      = "GET /nodes/{node}/{type}/{vmid}/config"
	FnSetConfig   = "PUT /nodes/{node}/{type}/{vmid}/config"
	FnStatus      = "GET /nodes/{node}/{type}/{vmid}/status/current"
	FnPower       = "POST /nodes/{node}/{type}/{vmid}/status/{action}"
	FnClone       = "POST /nodes/{node}/{type}/{vmid}/clone"
	FnDelete      = "DELETE /nodes/{node}/{type}/{vmid}"
	FnTaskStatus  = "GET /nodes/{node}/tasks/{upid}/status"
)

// Fault is a failure the fake injects: one of the names every panel fake
// of this module shares (package providertest), or one of Proxmox VE's own
// below. Unless noted, a fault answers every request it is set for.
//
// FaultUnauthorized answers "401 authentication failure", the login
// included; FaultServerError a 500 with a pmxcfs lock error as its reason;
// FaultRateLimited "429 Too Many Requests" with Retry-After: 1; FaultSlow
// waits Options.SlowDelay, or until the request's context ends, before
// answering normally; FaultTruncated declares a Content-Length larger than
// the body it sends, then hangs up; FaultHTML answers an HTML error page
// with status 200; FaultMalformed makes /cluster/resources send the first
// guest with a VM ID that is not a number (other requests are not
// affected, nor counted by FailNext); FaultRedirect302 and
// FaultRedirect307 redirect to the [Server.RedirectTo] target.
//
// The listing faults apply to GET /cluster/resources only, after
// authentication: FaultWrongShape answers {} (no "data"), FaultNullList
// {"data":null} and FaultWrongType {"data":{}}. [Server.FaultOnly] points
// them at the other reads a listing makes instead: GET /pools answers
// them as /cluster/resources does; GET .../config, /access/permissions
// and /version, whose data is an object, answer FaultWrongShape with the
// envelope holding an empty object ({"data":{}}: a configuration without
// its digest, permissions without /vms, a version without its number),
// FaultNullList {"data":null} and FaultWrongType {"data":[]}.
type Fault = providertest.Fault

// The faults.
const (
	FaultNone         = providertest.FaultNone
	FaultUnauthorized = providertest.FaultUnauthorized
	FaultServerError  = providertest.FaultServerError
	FaultRateLimited  = providertest.FaultRateLimited
	FaultSlow         = providertest.FaultSlow
	FaultTruncated    = providertest.FaultTruncated
	FaultHTML         = providertest.FaultHTML
	FaultMalformed    = providertest.FaultMalformed
	FaultRedirect302  = providertest.FaultRedirect302
	FaultRedirect307  = providertest.FaultRedirect307
	FaultWrongShape   = providertest.FaultWrongShape
	FaultNullList     = providertest.FaultNullList
	FaultWrongType    = providertest.FaultWrongType

	// FaultForbidden answers "403 Permission check failed (/vms,
	// VM.Audit)".
	FaultForbidden Fault = "proxmox-forbidden"
	// FaultExpiredTicket answers "401 permission denied - invalid PVE
	// ticket", as Proxmox VE does for an expired ticket. The login is not
	// affected.
	FaultExpiredTicket Fault = "proxmox-expired-ticket"
	// FaultNodeDown answers "596 Broken pipe" to every request below
	// /nodes/, as the contacted node does when it cannot reach the target
	// node. Cluster-wide calls are not affected.
	FaultNodeDown Fault = "proxmox-node-down"
)

// Options configures a [Server]. Zero values mean the defaults.
type Options struct {
	// Accounts are seeded as guests; see the package documentation.
	Accounts []provider.Account
	// Guests are seeded as they are, after Accounts.
	Guests []Guest
	// Packages names QEMU templates to seed (VM IDs 9000 up, on the first
	// node). Default: the distinct products of Accounts, or
	// "debian12-cloud" when they have none.
	Packages []string
	// Pools are seeded resource pools. Pools that guests name are added
	// with an empty comment.
	Pools []Pool
	// Nodes are the cluster's nodes (default "pve1", "pve2").
	Nodes []string
	// Cluster is the prefix Accounts returns in identifiers ("pve1" gives
	// "pve1/101"), matching a client with Config.Cluster.
	Cluster string

	// TokenID and Token are the accepted API token (default TokenID,
	// Token); Username and Password the accepted login (default Username,
	// Password).
	TokenID, Token     string
	Username, Password string
	// NoPrivileges makes the credentials see nothing, like a new
	// privilege-separated token: /cluster/resources lists no guests,
	// /access/permissions is empty, and calls below /nodes/ answer 403.
	NoPrivileges bool
	// TicketLifetime is how long a ticket is valid (default 2 hours).
	TicketLifetime time.Duration
	// TaskPolls is the number of status polls that report a task
	// "running" before it stops (default 1; negative: 0).
	TaskPolls int
	// SlowDelay is how long FaultSlow waits (default 10 seconds).
	SlowDelay time.Duration
	// TLS serves https with a self-signed certificate; see
	// [Server.CertSHA256].
	TLS bool
	// Now is the clock for ctime of clones, uptimes and ticket expiry
	// (default time.Now).
	Now func() time.Time
	// Version is the pve-manager version GET /version reports (default
	// DefaultVersion). Before 7.3, /cluster/resources has no tags.
	Version string
}

// DefaultVersion is the pve-manager version the fake reports by default.
const DefaultVersion = "8.2.4"

// Guest is a guest as seeded in [Options.Guests] or returned by
// [Server.Guests].
type Guest struct {
	VMID     int
	Type     string // "qemu" (default) or "lxc"
	Node     string // default: the nodes in turn
	Name     string // the QEMU name or LXC hostname
	Status   string // "running" (default) or "stopped"
	Template bool
	Pool     string
	Tags     []string
	Lock     string
	// Config holds further configuration keys: "meta", "ipconfig0",
	// "net0", "ciuser", "memory", ...
	Config map[string]string
}

// Pool is a resource pool.
type Pool struct {
	ID      string
	Comment string
}

// Server is the fake Proxmox VE API. URL (from httptest.Server) is the
// base a client takes as its BaseURL ("http://127.0.0.1:port"); the API
// lives below /api2/json. It is safe for concurrent use.
type Server struct {
	*httptest.Server

	opts Options
	mux  *http.ServeMux

	mu        sync.Mutex
	nodes     []string
	down      map[string]bool
	guests    map[int]*vm
	pools     map[string]string
	tasks     map[string]*fakeTask
	tickets   map[string]*issued
	faults    panelfake.Faults
	only      []string // FaultOnly's functions
	hooks     map[string][]func()
	taskFails []string
	pid       int
}

// issued is a ticket the fake handed out.
type issued struct {
	user    string
	csrf    string
	expires time.Time
}

// New starts a fake on 127.0.0.1 with opts. The caller closes it.
func New(opts Options) *Server {
	if opts.TokenID == "" {
		opts.TokenID = TokenID
	}
	if opts.Token == "" {
		opts.Token = Token
	}
	if opts.Username == "" {
		opts.Username = Username
	}
	if opts.Password == "" {
		opts.Password = Password
	}
	if len(opts.Nodes) == 0 {
		opts.Nodes = []string{"pve1", "pve2"}
	}
	if opts.TicketLifetime <= 0 {
		opts.TicketLifetime = 2 * time.Hour
	}
	if opts.TaskPolls == 0 {
		opts.TaskPolls = 1
	} else if opts.TaskPolls < 0 {
		opts.TaskPolls = 0
	}
	if opts.SlowDelay <= 0 {
		opts.SlowDelay = 10 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Version == "" {
		opts.Version = DefaultVersion
	}
	s := &Server{
		opts:    opts,
		nodes:   slices.Clone(opts.Nodes),
		down:    map[string]bool{},
		guests:  map[int]*vm{},
		pools:   map[string]string{},
		tasks:   map[string]*fakeTask{},
		tickets: map[string]*issued{},
		pid:     0x1a2b,
	}
	s.seed()
	s.routes()
	s.Server = httptest.NewUnstartedServer(s)
	if opts.TLS {
		// A client that refuses the certificate is a test case, not news.
		s.Config.ErrorLog = log.New(io.Discard, "", 0)
		s.StartTLS()
	} else {
		s.Start()
	}
	return s
}

// NewServer starts a fake with the default options and accounts, and
// closes it when t ends.
func NewServer(t testing.TB, accounts ...provider.Account) *Server {
	t.Helper()
	s := New(Options{Accounts: accounts})
	t.Cleanup(s.Close)
	return s
}

// CertSHA256 returns the pin of the TLS certificate (Options.TLS), for a
// client's Config.CertSHA256; "" without TLS.
func (s *Server) CertSHA256() string {
	if s.Certificate() == nil {
		return ""
	}
	sum := sha256.Sum256(s.Certificate().Raw)
	return hex.EncodeToString(sum[:])
}

// SetFault makes every request the fault applies to get f, until
// SetFault(FaultNone).
func (s *Server) SetFault(f Fault) { s.faults.SetFault(f) }

// FailNext makes the next n requests that f applies to get f.
func (s *Server) FailNext(f Fault, n int) { s.faults.FailNext(f, n) }

// FailAfter lets the next skip requests f applies to pass, then makes n
// of them get f.
func (s *Server) FailAfter(f Fault, skip, n int) { s.faults.FailAfter(f, skip, n) }

// RedirectTo sets the Location FaultRedirect302 and FaultRedirect307
// answer with.
func (s *Server) RedirectTo(target string) { s.faults.RedirectTo(target) }

// FaultOnly makes faults apply to requests for the given functions only
// (FnConfig, FnPermissions, ...), instead of where each fault's
// documentation says; with no function, it restores that.
func (s *Server) FaultOnly(functions ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.only = slices.Clone(functions)
}

// OnNext runs do once, just before the fake answers the next request for
// function, so that a test can change the cluster between two calls of
// a client, as another administrator would: [Server.Remove],
// [Server.SetStatus], [Server.SetLock], [Server.Replace].
func (s *Server) OnNext(function string, do func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hooks == nil {
		s.hooks = map[string][]func(){}
	}
	s.hooks[function] = append(s.hooks[function], do)
}

// Remove deletes a guest, as a destroy by someone else would.
func (s *Server) Remove(vmid int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.guests, vmid)
}

// SetStatus powers a guest on ("running", a fresh start) or off
// ("stopped"), as its owner or another administrator would.
func (s *Server) SetStatus(vmid int, status string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if v := s.guests[vmid]; v != nil {
		if status == "running" && v.status != "running" {
			v.start = s.opts.Now()
		}
		v.status = status
	}
}

// SetLock sets a guest's lock ("backup", "migrate", ...; "" removes it).
func (s *Server) SetLock(vmid int, lock string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if v := s.guests[vmid]; v != nil {
		v.lock = lock
	}
}

// Replace destroys the guest with g's VM ID, if any, and creates g in its
// place, started now when its status is "running": a VM ID reused, as a
// reinstall by another tool does.
func (s *Server) Replace(g Guest) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.guests, g.VMID)
	s.add(g)
	s.guests[g.VMID].start = s.opts.Now()
}

// SetConfig sets (or, with "", deletes) configuration keys of a guest, as
// an edit by someone else would; tags and the name are keys like the
// others ("tags", "name" or "hostname").
func (s *Server) SetConfig(vmid int, kv map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if v := s.guests[vmid]; v != nil {
		for k, val := range kv {
			if val == "" {
				delete(v.config, k)
			} else {
				v.config[k] = val
			}
		}
	}
}

// FailNextTask makes the next task end with exitstatus instead of "OK",
// without its effect.
func (s *Server) FailNextTask(exitstatus string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.taskFails = append(s.taskFails, exitstatus)
}

// SetNodeDown takes node offline (or back): its guests are listed with
// status "unknown" and every call below /nodes/{node}/ answers "595 No
// route to host".
func (s *Server) SetNodeDown(node string, down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down[node] = down
}

// ExpireTickets makes every ticket issued so far invalid, as two hours
// passing would.
func (s *Server) ExpireTickets() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.tickets {
		t.expires = time.Time{}
	}
}

// Calls returns the number of requests for an API function (FnResources,
// FnConfig, ...), faulted ones included.
func (s *Server) Calls(function string) int { return s.faults.Calls(function) }

// Requests returns the requests for an API function ("" for all), oldest
// first; the fake keeps the last 1000.
func (s *Server) Requests(function string) []providertest.Request {
	return s.faults.Requests(function)
}

// Secrets returns every credential the fake knows or handed out: the
// token, the password, and each ticket and CSRF token issued. A test
// asserts that none of them shows up in errors or logs.
func (s *Server) Secrets() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []string{s.opts.Token, s.opts.Password}
	for t, is := range s.tickets {
		out = append(out, t, is.csrf)
	}
	return out
}

// ServeHTTP counts and records the request, applies faults and
// authentication, then routes it.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, pattern := s.mux.Handler(r)
	fn := strings.Replace(pattern, "/api2/json", "", 1)
	s.faults.Record(fn, r)
	s.mu.Lock()
	only := s.only
	hooks := s.hooks[fn]
	delete(s.hooks, fn)
	s.mu.Unlock()
	for _, do := range hooks {
		do()
	}
	f := s.faults.Take(fn, func(f Fault, fn string) bool {
		if len(only) > 0 {
			return f != FaultNone && slices.Contains(only, fn)
		}
		return applies(f, fn, r)
	})
	if err := r.ParseForm(); err != nil {
		writeError(w, http.StatusBadRequest, "Parameter verification failed.", map[string]string{"body": "unable to parse form"})
		return
	}
	if s.faults.Redirect(w, f) {
		return
	}

	switch f {
	case FaultUnauthorized:
		writeError(w, http.StatusUnauthorized, "authentication failure", nil)
		return
	case FaultForbidden:
		writeError(w, http.StatusForbidden, "Permission check failed (/vms, VM.Audit)", nil)
		return
	case FaultServerError:
		writeError(w, http.StatusInternalServerError, "cfs-lock 'file-replication_cfg' error: got lock request timeout", nil)
		return
	case FaultRateLimited:
		w.Header().Set("Retry-After", "1")
		writeError(w, http.StatusTooManyRequests, "Too Many Requests", nil)
		return
	case FaultSlow:
		select {
		case <-time.After(s.opts.SlowDelay):
		case <-r.Context().Done():
			return
		}
	case FaultTruncated:
		writeRaw(w, "200 OK", "application/json;charset=UTF-8", 4096, []byte(`{"data":[{"id":"qemu/100","type":"qemu","vmid":100,"na`))
		return
	case FaultHTML:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		fmt.Fprint(w, "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1><p>pveproxy is restarting</p></body></html>\n")
		return
	case FaultExpiredTicket:
		writeError(w, http.StatusUnauthorized, "permission denied - invalid PVE ticket", nil)
		return
	case FaultNodeDown:
		writeError(w, 596, "Broken pipe", nil)
		return
	}
	if fn != FnTicket && pattern != "" {
		if !s.authorize(w, r) {
			return
		}
	}
	if body, ok := wrongShape(f, fn); ok {
		writeRaw(w, "200 OK", "application/json;charset=UTF-8", len(body), []byte(body))
		return
	}
	if f == FaultMalformed {
		r = r.WithContext(context.WithValue(r.Context(), malformedKey{}, true))
	}
	s.mux.ServeHTTP(w, r)
}

type malformedKey struct{}

// wrongShape returns the answer of a listing fault to a request for fn:
// a list's envelope without its list, or an object's without its keys.
func wrongShape(f Fault, fn string) (string, bool) {
	list := fn == FnResources || fn == FnPools
	switch f {
	case FaultWrongShape:
		if list {
			return `{}`, true
		}
		return `{"data":{}}`, true
	case FaultNullList:
		return `{"data":null}`, true
	case FaultWrongType:
		if list {
			return `{"data":{}}`, true
		}
		return `{"data":[]}`, true
	}
	return "", false
}

// applies reports whether f can affect request r for fn.
func applies(f Fault, fn string, r *http.Request) bool {
	switch {
	case f == FaultNone:
		return false
	case f == FaultMalformed, f.IsWrongShape():
		return fn == FnResources
	case f == FaultNodeDown:
		return strings.HasPrefix(r.URL.Path, "/api2/json/nodes/")
	case f == FaultExpiredTicket:
		return fn != FnTicket
	}
	return true
}

// authorize checks the API token or the ticket (and, on writes, the CSRF
// token) as Proxmox VE does, and answers 401 when they fail.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) bool {
	if h := r.Header.Get("Authorization"); h != "" {
		v, ok := strings.CutPrefix(h, "PVEAPIToken=")
		id, secret, ok2 := strings.Cut(v, "=")
		if !ok || !ok2 || id != s.opts.TokenID || secret != s.opts.Token {
			writeError(w, http.StatusUnauthorized, "invalid token value!", nil)
			return false
		}
		return true
	}
	c, err := r.Cookie("PVEAuthCookie")
	if err != nil || c.Value == "" {
		writeError(w, http.StatusUnauthorized, "No ticket", nil)
		return false
	}
	s.mu.Lock()
	t, ok := s.tickets[c.Value]
	valid := ok && s.opts.Now().Before(t.expires)
	var csrf string
	if ok {
		csrf = t.csrf
	}
	s.mu.Unlock()
	if !valid {
		writeError(w, http.StatusUnauthorized, "permission denied - invalid PVE ticket", nil)
		return false
	}
	if r.Method != http.MethodGet && r.Header.Get("CSRFPreventionToken") != csrf {
		writeError(w, http.StatusUnauthorized, "Permission denied - invalid csrf token", nil)
		return false
	}
	return true
}

// user names the caller in task ids.
func (s *Server) user(r *http.Request) string {
	if r.Header.Get("Authorization") != "" {
		return s.opts.TokenID
	}
	return s.opts.Username
}

// login answers POST /access/ticket. A valid ticket is accepted as the
// password, which is how clients renew one.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	user, pass := r.PostForm.Get("username"), r.PostForm.Get("password")
	s.mu.Lock()
	ok := user == s.opts.Username && pass == s.opts.Password
	if t, known := s.tickets[pass]; known && t.user == user && s.opts.Now().Before(t.expires) {
		ok = true
	}
	if !ok {
		s.mu.Unlock()
		writeError(w, http.StatusUnauthorized, "authentication failure", nil)
		return
	}
	now := s.opts.Now()
	ticket := fmt.Sprintf("PVE:%s:%08X::%s", user, now.Unix(), randomB64(256))
	csrf := fmt.Sprintf("%08X:%s", now.Unix(), randomB64(32))
	s.tickets[ticket] = &issued{user: user, csrf: csrf, expires: now.Add(s.opts.TicketLifetime)}
	s.mu.Unlock()
	writeData(w, map[string]any{
		"username":            user,
		"ticket":              ticket,
		"CSRFPreventionToken": csrf,
		"clustername":         "fakecluster",
		"cap":                 map[string]any{"vms": map[string]int{"VM.Audit": 1}},
	})
}

// writeData answers 200 {"data": v}.
func writeData(w http.ResponseWriter, v any) {
	b, err := json.Marshal(struct {
		Data any `json:"data"`
	}{v})
	if err != nil {
		writeError(w, http.StatusInternalServerError, "fake: "+err.Error(), nil)
		return
	}
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	w.Write(b)
}

// writeError answers code with reason in the status line and
// {"data":null} (plus "errors" when given) as the body.
func writeError(w http.ResponseWriter, code int, reason string, errs map[string]string) {
	body := map[string]any{"data": nil}
	if len(errs) > 0 {
		body["errors"] = errs
	}
	b, _ := json.Marshal(body)
	if reason == http.StatusText(code) {
		w.Header().Set("Content-Type", "application/json;charset=UTF-8")
		w.WriteHeader(code)
		w.Write(b)
		return
	}
	extra := ""
	if ra := w.Header().Get("Retry-After"); ra != "" {
		extra = "Retry-After: " + ra + "\r\n"
	}
	writeRawHeaders(w, strconv.Itoa(code)+" "+reason, "application/json;charset=UTF-8", extra, len(b), b)
}

// writeRaw writes a whole response on the hijacked connection: net/http
// writes only the standard reason phrases, and Proxmox VE puts its error
// text there. length may exceed len(body) to cut a response short.
func writeRaw(w http.ResponseWriter, status, contentType string, length int, body []byte) {
	writeRawHeaders(w, status, contentType, "", length, body)
}

func writeRawHeaders(w http.ResponseWriter, status, contentType, extra string, length int, body []byte) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		http.Error(w, status, http.StatusInternalServerError)
		return
	}
	conn, buf, err := hj.Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	fmt.Fprintf(buf, "HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n%sConnection: close\r\n\r\n", status, contentType, length, extra)
	buf.Write(body)
	buf.Flush()
}

func randomB64(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

var _ providertest.HTTPFake = (*Server)(nil)
