package solusvmtest

import (
	"bytes"
	"context"
	"fmt"
	"io"
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
	// APIID is the SolusVM 1 API ID ("id"); pass it as Config.Username.
	APIID = "fake-solusvm-api-id-4f2a"
	// APIKey is the SolusVM 1 API key ("key"); pass it as Config.APIToken.
	APIKey = "fake-solusvm-api-key-9c1e7b"
	// Token is the SolusVM 2 API token; pass it as Config.APIToken.
	Token = "fake-solusvm2-token-b81d03e6"
)

// Fault is a failure the fake injects into its answers: one of the names
// every panel fake of this module shares (package providertest), or one of
// SolusVM's own below. Each applies to SolusVM 1 and SolusVM 2 requests
// alike unless it says otherwise.
//
// FaultUnauthorized: SolusVM 1 answers HTTP 200 with the bare line
// "Invalid id or key"; SolusVM 2 answers 401 {"message":"Unauthenticated."}.
// FaultServerError answers HTTP 500; FaultRateLimited HTTP 429 with
// Retry-After: 1; FaultSlow waits Options.SlowDelay, or until the request's
// context ends, then answers normally; FaultTruncated sends a
// Content-Length larger than the body, half the body, then hangs up;
// FaultHTML answers HTTP 200 with an HTML error page; FaultMalformed gives
// one record of each listing a malformed field (a vserverid that is not a
// number in SolusVM 1's node-virtualservers, a created_at that is not a
// time in SolusVM 2's /servers); FaultRedirect302 and FaultRedirect307
// redirect to the [Server.RedirectTo] target.
//
// The listing-shape faults ([FaultWrongShape], [FaultNullList],
// [FaultWrongType], [FaultEmptyObject], [FaultUnexpectedObject]) apply,
// through SetFault, FailNext and FailAfter, to the call that lists the
// servers: SolusVM 1's node-virtualservers and SolusVM 2's GET /servers.
// [Server.SetFaultFor] aims them at any other call, each of which renders
// them on the value it exists for: SolusVM 1's node-idlist ("nodes"),
// listplans ("plans"), client-list ("clients"), vserver-infoall ("state")
// and vserver-status ("statusmsg"); SolusVM 2's list pages ("data") and
// GET /servers/{id} ("data"). FaultWrongShape leaves that value out
// (SolusVM 2 keeps the page's links and meta); FaultNullList makes it JSON
// null (the text "null" in XML); FaultWrongType gives it another type (a
// list where SolusVM 1 sends a comma-separated string, a string where it
// sends a list, an element where it sends text; an object where SolusVM 2
// sends a list, a list where it sends an object).
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

	// FaultEmptyObject answers HTTP 200 with the JSON "{}" and nothing
	// else (in XML, a declaration and no element): valid, and no answer
	// at all. A listing-shape fault.
	FaultEmptyObject Fault = "solusvm-empty-object"
	// FaultUnexpectedObject answers HTTP 200 with {"unexpected":true}
	// (in XML, <unexpected>true</unexpected>): valid, and of another
	// shape entirely. A listing-shape fault.
	FaultUnexpectedObject Fault = "solusvm-unexpected-object"

	// FaultNodeDown makes SolusVM 1's node-virtualservers for the last node
	// fail (status error, "Unable to connect to node"). No effect on
	// SolusVM 2, whose server list comes from the panel's database.
	FaultNodeDown Fault = "solusvm-node-down"
	// FaultPageLoop makes SolusVM 2's list endpoints answer page 1, with
	// meta.current_page 1 and a last_page of at least 2, whatever page was
	// asked for. No effect on SolusVM 1, which has no pages.
	FaultPageLoop Fault = "solusvm-page-loop"
	// FaultLostAnswer carries the request out, state changes included,
	// then answers HTTP 502 with a proxy's HTML page, as when the panel's
	// answer times out on its way back: the caller cannot tell from the
	// answer whether anything happened.
	FaultLostAnswer Fault = "solusvm-lost-answer"

	// The panel's own wordings, answered without looking at the state.
	// Sources: the official SolusVM 1 WHMCS module (solusio/
	// SolusVM-WHMCS-Module, solusvmpro.php compares "Virtual server not
	// found" and "Client already exists"), newx/solusvm (base.rb matches
	// "Invalid ipaddress", "Invalid id or key", "Node not found" and
	// "Virtual server not found" in the body), and for SolusVM 2 Laravel's
	// JSON 404 for a model that does not exist, the status solus-go-sdk's
	// IsNotFound tests.

	// FaultServerNotFound answers a call about one server as if it did
	// not exist: SolusVM 1 status error "Virtual server not found";
	// SolusVM 2 HTTP 404 {"message":"No query results for model
	// [App\\Models\\Server]."}. It applies to those calls only
	// (vserver-* but vserver-create; /servers/{id}...).
	FaultServerNotFound Fault = "solusvm-server-not-found"
	// FaultNodeNotFound answers SolusVM 1's node calls (node-*) with the
	// bare line "Node not found". No effect on SolusVM 2.
	FaultNodeNotFound Fault = "solusvm-node-not-found"
	// FaultAddressRefused answers SolusVM 1 with status error "Invalid
	// ipaddress", the master's answer to a caller whose address is not
	// on the API's allow list. No effect on SolusVM 2.
	FaultAddressRefused Fault = "solusvm-address-refused"
	// FaultClientExists answers SolusVM 1's client-create with status
	// error "Client already exists", as when another request created the
	// client a moment before: the client exists afterwards. No effect on
	// SolusVM 2 (whose 422 "has already been taken" the fake answers from
	// its state).
	FaultClientExists Fault = "solusvm-client-exists"
)

// isShapeFault reports whether f is one of the listing-shape faults.
func isShapeFault(f Fault) bool {
	return f.IsWrongShape() || f == FaultEmptyObject || f == FaultUnexpectedObject
}

// applies reports whether f, set with SetFault, FailNext or FailAfter,
// can affect a request for function.
func applies(f Fault, function string) bool {
	v2 := strings.Contains(function, " /")
	oneServer := (!v2 && strings.HasPrefix(function, "vserver-") && function != "vserver-create") ||
		(v2 && strings.Contains(function, "{id}"))
	switch {
	case isShapeFault(f):
		return function == "node-virtualservers" || function == "GET /servers"
	case f == FaultServerNotFound:
		return oneServer
	case f == FaultNodeNotFound:
		return strings.HasPrefix(function, "node-")
	case f == FaultAddressRefused:
		return !v2
	case f == FaultClientExists:
		return function == "client-create"
	}
	return true
}

// Options configures the fake. Zero values mean the documented defaults.
type Options struct {
	// Accounts seed the panel. UniqueIdentifier becomes the server id when
	// it is a free positive number (else one is assigned); Domain the
	// hostname (SolusVM 2 name); Username and Email the owner (a SolusVM 1
	// client, a SolusVM 2 user; a client is made once per username);
	// Product the plan; PrimaryIP then Extra["ips"] (comma-separated) the
	// addresses; Status Suspended a suspended (SolusVM 1 "disabled")
	// server; Created the SolusVM 2 created_at (default: when seeded).
	// Extra["type"] is the virtualization type (default "kvm") and
	// Extra["state"] "offline" a stopped server.
	Accounts []provider.Account
	// Packages are plan names, offered for every virtualization type
	// (default "VPS-1G", "VPS-2G"). Seeded products are added.
	Packages []string
	// Credentials; defaults APIID, APIKey and Token.
	APIID, APIKey, Token string
	// NodesPerType is the number of SolusVM 1 nodes per virtualization type
	// in use (default 2). KVM and OpenVZ nodes always exist.
	NodesPerType int
	// PageSize is the SolusVM 2 page size (default 15, Laravel's).
	PageSize int
	// XMLOnly makes the SolusVM 1 API ignore rdtype=json and answer XML,
	// as a master older than 1.14 does.
	XMLOnly bool
	// SlowDelay is how long FaultSlow waits (default 10 seconds).
	SlowDelay time.Duration
	// Now is the clock for created_at of new servers (default time.Now).
	Now func() time.Time
}

// Server is a fake SolusVM panel on 127.0.0.1 that speaks both the SolusVM 1
// admin API (/api/admin/command.php) and the SolusVM 2 REST API (/api/v1/),
// over one shared state: a server created through one protocol is listed
// by the other. It is safe for concurrent use.
type Server struct {
	*httptest.Server

	opts Options
	mux  *http.ServeMux // SolusVM 2 routes

	mu         sync.Mutex
	nodes      []*node
	clients    []*client
	servers    []*vserver // in id order
	byID       map[int64]*vserver
	plans      []plan
	nextServer int64
	nextClient int64
	nextIP     int
	nextTask   int64
	faults     panelfake.Faults
	aimed      map[string]Fault // SetFaultFor
}

type node struct {
	id       int
	vtype    string
	name     string
	group    int
	hostname string
}

type client struct {
	id       int64
	username string
	email    string
	password string
}

type vserver struct {
	id        int64
	node      *node
	clientID  int64
	hostname  string
	plan      string
	template  string
	ips       []string
	suspended bool
	offline   bool
	created   time.Time
	uuid      string
}

type plan struct {
	id   int64
	name string
}

// virtTypes are SolusVM 1's virtualization types, in listing order.
var virtTypes = []string{"openvz", "xen", "xen hvm", "kvm"}

// New starts a fake on 127.0.0.1. The caller closes it.
func New(opts Options) *Server {
	if opts.APIID == "" {
		opts.APIID = APIID
	}
	if opts.APIKey == "" {
		opts.APIKey = APIKey
	}
	if opts.Token == "" {
		opts.Token = Token
	}
	if opts.NodesPerType <= 0 {
		opts.NodesPerType = 2
	}
	if opts.PageSize <= 0 {
		opts.PageSize = 15
	}
	if opts.SlowDelay <= 0 {
		opts.SlowDelay = 10 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Packages == nil {
		opts.Packages = []string{"VPS-1G", "VPS-2G"}
	}
	s := &Server{
		opts:       opts,
		byID:       map[int64]*vserver{},
		nextServer: 1,
		nextClient: 1,
		nextTask:   1,
	}
	s.seed()
	s.mux = http.NewServeMux()
	s.routesV2()
	s.Server = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	return s
}

// NewServer starts a fake with the default options and accounts, and
// closes it when the test ends.
func NewServer(t testing.TB, accounts ...provider.Account) *Server {
	t.Helper()
	s := New(Options{Accounts: accounts})
	t.Cleanup(s.Close)
	return s
}

func (s *Server) seed() {
	used := map[string]bool{"kvm": true, "openvz": true}
	for _, a := range s.opts.Accounts {
		used[seedType(a)] = true
	}
	id := 1
	for _, vt := range virtTypes {
		if !used[vt] {
			continue
		}
		for k := 1; k <= s.opts.NodesPerType; k++ {
			name := strings.ReplaceAll(vt, " ", "") + "-node-" + strconv.Itoa(k)
			s.nodes = append(s.nodes, &node{id: id, vtype: vt, name: name, group: 1, hostname: name + ".fake.example"})
			id++
		}
	}
	for _, p := range s.opts.Packages {
		s.addPlan(p)
	}
	taken := map[int64]bool{}
	for _, a := range s.opts.Accounts {
		if n, err := strconv.ParseInt(a.UniqueIdentifier, 10, 64); err == nil && n > 0 {
			taken[n] = true
		}
	}
	perType := map[string]int{}
	for _, a := range s.opts.Accounts {
		vt := seedType(a)
		nodes := s.nodesOf(vt)
		n := nodes[perType[vt]%len(nodes)]
		perType[vt]++
		var sid int64
		if v, err := strconv.ParseInt(a.UniqueIdentifier, 10, 64); err == nil && v > 0 && s.byID[v] == nil {
			sid = v
		} else {
			for taken[s.nextServer] || s.byID[s.nextServer] != nil {
				s.nextServer++
			}
			sid = s.nextServer
		}
		if sid >= s.nextServer {
			s.nextServer = sid + 1
		}
		var clientID int64
		if a.Username != "" || a.Email != "" {
			clientID = s.clientFor(a.Username, a.Email, "").id
		}
		var ips []string
		for _, ip := range append([]string{a.PrimaryIP}, strings.Split(a.Extra["ips"], ",")...) {
			if ip = strings.TrimSpace(ip); ip != "" && !slices.Contains(ips, ip) {
				ips = append(ips, ip)
			}
		}
		if a.Product != "" {
			s.addPlan(a.Product)
		}
		created := a.Created
		if created.IsZero() {
			created = s.opts.Now()
		}
		s.insert(&vserver{
			id: sid, node: n, clientID: clientID, hostname: a.Domain, plan: a.Product,
			template: "debian-12-x86_64", ips: ips, suspended: a.Status == provider.StatusSuspended,
			offline: strings.EqualFold(a.Extra["state"], "offline"), created: created.UTC(),
			uuid: fakeUUID(sid),
		})
	}
}

func seedType(a provider.Account) string {
	vt := strings.ToLower(strings.TrimSpace(a.Extra["type"]))
	if slices.Contains(virtTypes, vt) {
		return vt
	}
	return "kvm"
}

func fakeUUID(id int64) string {
	return fmt.Sprintf("5e1f0000-0000-4000-8000-%012d", id)
}

// addPlan adds a plan once; call with s.mu held (or before serving).
func (s *Server) addPlan(name string) {
	for _, p := range s.plans {
		if p.name == name {
			return
		}
	}
	s.plans = append(s.plans, plan{id: int64(len(s.plans) + 1), name: name})
}

func (s *Server) planByName(name string) (plan, bool) {
	for _, p := range s.plans {
		if p.name == name {
			return p, true
		}
	}
	return plan{}, false
}

func (s *Server) nodesOf(vt string) []*node {
	var out []*node
	for _, n := range s.nodes {
		if n.vtype == vt {
			out = append(out, n)
		}
	}
	return out
}

// clientFor returns the client with this username (or, without one, this
// e-mail), creating it.
func (s *Server) clientFor(username, email, password string) *client {
	for _, c := range s.clients {
		if (username != "" && strings.EqualFold(c.username, username)) || (username == "" && strings.EqualFold(c.email, email)) {
			return c
		}
	}
	c := &client{id: s.nextClient, username: username, email: email, password: password}
	if c.username == "" {
		c.username = "vmuser" + strconv.FormatInt(c.id, 10)
	}
	s.nextClient++
	s.clients = append(s.clients, c)
	return c
}

func (s *Server) clientByID(id int64) *client {
	for _, c := range s.clients {
		if c.id == id {
			return c
		}
	}
	return nil
}

func (s *Server) insert(v *vserver) {
	s.byID[v.id] = v
	i, _ := slices.BinarySearchFunc(s.servers, v.id, func(x *vserver, id int64) int {
		switch {
		case x.id < id:
			return -1
		case x.id > id:
			return 1
		}
		return 0
	})
	s.servers = slices.Insert(s.servers, i, v)
}

func (s *Server) remove(id int64) {
	delete(s.byID, id)
	s.servers = slices.DeleteFunc(s.servers, func(v *vserver) bool { return v.id == id })
}

// allocIPs hands out n fresh addresses.
func (s *Server) allocIPs(n int) []string {
	out := make([]string, 0, n)
	for range n {
		s.nextIP++
		out = append(out, fmt.Sprintf("10.%d.%d.%d", 200+s.nextIP/65025%50, s.nextIP/255%255, s.nextIP%255+1))
	}
	return out
}

// Accounts returns the servers as SolusVM 2 lists them (and as this
// package's client maps them): e-mail as username, plan as product,
// created_at as Created.
func (s *Server) Accounts() []provider.Account {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]provider.Account, 0, len(s.servers))
	for _, v := range s.servers {
		a := s.account(v)
		if c := s.clientByID(v.clientID); c != nil {
			a.Username = c.email
		}
		a.Product = v.plan
		a.Created = v.created.Truncate(time.Microsecond)
		out = append(out, a)
	}
	return out
}

// AccountsV1 returns the servers as a SolusVM 1 listing shows them: the
// client's username, and no product or creation time, which that API
// does not expose.
func (s *Server) AccountsV1() []provider.Account {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]provider.Account, 0, len(s.servers))
	for _, v := range s.servers {
		out = append(out, s.account(v))
	}
	return out
}

func (s *Server) account(v *vserver) provider.Account {
	a := provider.Account{
		Domain:           v.hostname,
		UniqueIdentifier: strconv.FormatInt(v.id, 10),
		Status:           provider.StatusActive,
	}
	if v.suspended {
		a.Status = provider.StatusSuspended
	}
	if len(v.ips) > 0 {
		a.PrimaryIP = v.ips[0]
	}
	if c := s.clientByID(v.clientID); c != nil {
		a.Email, a.Username = c.email, c.username
	}
	return a
}

// SetFault makes every request the fault applies to get f, until
// SetFault(FaultNone).
func (s *Server) SetFault(f Fault) { s.faults.SetFault(f) }

// SetFaultFor makes every request for function (named as for Calls) get
// f, until SetFaultFor(function, FaultNone), whether or not f would apply
// to it through SetFault. It comes before the other faults. It is how a
// test gives one call of a listing (a node list, the client list, one
// server's state) a hostile answer while the others answer normally.
func (s *Server) SetFaultFor(function string, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.aimed == nil {
		s.aimed = map[string]Fault{}
	}
	if f == FaultNone {
		delete(s.aimed, function)
		return
	}
	s.aimed[function] = f
}

// FailNext makes the next n requests the fault applies to get f; then
// SetFault's fault applies again.
func (s *Server) FailNext(f Fault, n int) { s.faults.FailNext(f, n) }

// FailAfter lets the next skip requests f applies to pass, then makes n
// of them get f.
func (s *Server) FailAfter(f Fault, skip, n int) { s.faults.FailAfter(f, skip, n) }

// RedirectTo sets the Location FaultRedirect302 and FaultRedirect307
// answer with.
func (s *Server) RedirectTo(target string) { s.faults.RedirectTo(target) }

// Calls returns how many requests the fake received for a function: a
// SolusVM 1 action ("node-virtualservers") or a SolusVM 2 route
// ("GET /servers", "POST /servers/{id}/suspend").
func (s *Server) Calls(function string) int { return s.faults.Calls(function) }

// Requests returns the requests for a function (named as for Calls; ""
// for all), oldest first; the fake keeps the last 1000. A SolusVM 1
// request's parameters are in Form (the POST body) or Query.
func (s *Server) Requests(function string) []providertest.Request {
	return s.faults.Requests(function)
}

// serveHTTP counts the call, applies any fault and dispatches to the
// protocol.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	r.Body = io.NopCloser(bytes.NewReader(body))
	v1 := r.URL.Path == "/api/admin/command.php"
	var fn string
	if v1 {
		_ = r.ParseForm()
		fn = r.Form.Get("action")
		r.Body = io.NopCloser(bytes.NewReader(body))
	} else {
		_, pattern := s.mux.Handler(r)
		fn = strings.Replace(pattern, "/api/v1", "", 1)
		if fn == "" {
			fn = r.Method + " " + r.URL.Path
		}
	}
	s.faults.Record(fn, r)
	s.mu.Lock()
	f, aimed := s.aimed[fn]
	s.mu.Unlock()
	if !aimed {
		f = s.faults.Take(fn, applies)
	}
	if s.faults.Redirect(w, f) {
		return
	}
	asJSON := v1 && r.Form.Get("rdtype") == "json" && !s.opts.XMLOnly

	switch f {
	case FaultUnauthorized:
		if v1 {
			writeText(w, http.StatusOK, "text/html; charset=UTF-8", "Invalid id or key")
		} else {
			writeText(w, http.StatusUnauthorized, "application/json", `{"message":"Unauthenticated."}`)
		}
		return
	case FaultServerError:
		if v1 {
			writeText(w, http.StatusInternalServerError, "text/plain", "Internal Server Error")
		} else {
			writeText(w, http.StatusInternalServerError, "application/json", `{"message":"Server Error"}`)
		}
		return
	case FaultRateLimited:
		w.Header().Set("Retry-After", "1")
		if v1 {
			writeText(w, http.StatusTooManyRequests, "text/plain", "Too Many Requests")
		} else {
			writeText(w, http.StatusTooManyRequests, "application/json", `{"message":"Too Many Attempts."}`)
		}
		return
	case FaultHTML:
		writeText(w, http.StatusOK, "text/html", badGateway)
		return
	case FaultLostAnswer:
		s.dispatch(httptest.NewRecorder(), r, v1, FaultNone)
		writeText(w, http.StatusBadGateway, "text/html", badGateway)
		return
	case FaultEmptyObject:
		if v1 && !asJSON {
			writeText(w, http.StatusOK, "text/xml", "<?xml version=\"1.0\"?>\n")
		} else {
			writeText(w, http.StatusOK, "application/json", "{}")
		}
		return
	case FaultUnexpectedObject:
		if v1 && !asJSON {
			writeText(w, http.StatusOK, "text/html; charset=UTF-8", "<unexpected>true</unexpected>")
		} else {
			writeText(w, http.StatusOK, "application/json", `{"unexpected":true}`)
		}
		return
	case FaultServerNotFound:
		if v1 {
			failure("Virtual server not found").write(w, asJSON)
		} else {
			notFound(w)
		}
		return
	case FaultNodeNotFound:
		if v1 {
			v1Answer{bareText: "Node not found"}.write(w, asJSON)
			return
		}
	case FaultAddressRefused:
		if v1 {
			failure("Invalid ipaddress").write(w, asJSON)
			return
		}
	case FaultClientExists:
		if v1 {
			s.dispatch(httptest.NewRecorder(), r, v1, FaultNone)
			failure("Client already exists").write(w, asJSON)
			return
		}
	case FaultSlow:
		t := time.NewTimer(s.opts.SlowDelay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return
		}
	case FaultTruncated:
		rec := httptest.NewRecorder()
		s.dispatch(rec, r, v1, FaultNone)
		full := rec.Body.Bytes()
		for k, vs := range rec.Header() {
			w.Header()[k] = vs
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(full)+512))
		w.WriteHeader(rec.Code)
		_, _ = w.Write(full[:len(full)/2])
		if fl, ok := w.(http.Flusher); ok {
			fl.Flush()
		}
		panic(http.ErrAbortHandler)
	}
	s.dispatch(w, r, v1, f)
}

func (s *Server) dispatch(w http.ResponseWriter, r *http.Request, v1 bool, f Fault) {
	if v1 {
		s.serveV1(w, r, f)
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+s.opts.Token {
		writeText(w, http.StatusUnauthorized, "application/json", `{"message":"Unauthenticated."}`)
		return
	}
	if _, pattern := s.mux.Handler(r); pattern == "" {
		writeText(w, http.StatusNotFound, "application/json", `{"message":"Not Found"}`)
		return
	}
	s.mux.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), faultKey{}, f)))
}

// badGateway is the page a proxy answers when the panel behind it fails.
const badGateway = "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>" +
	"<body><h1>Bad Gateway</h1><p>The proxy server received an invalid response.</p></body></html>\n"

func writeText(w http.ResponseWriter, code int, ctype, body string) {
	w.Header().Set("Content-Type", ctype)
	w.WriteHeader(code)
	_, _ = io.WriteString(w, body)
}

var _ providertest.HTTPFake = (*Server)(nil)
