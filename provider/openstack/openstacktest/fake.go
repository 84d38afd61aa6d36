package openstacktest

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
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

// Default credentials and names the fake accepts and uses.
const (
	Username    = "whmcs-sync"
	UserID      = "0f6e3c5b7a2d4e1f9c8b7a6d5e4f3a2b"
	Password    = "Fake-Keystone-Passw0rd!"
	DomainName  = "Default"
	DomainID    = "default"
	ProjectName = "hosting"
	ProjectID   = "8d4c2b6a1e3f4a5b9c7d0e1f2a3b4c5d"
	// ApplicationCredentialID and ApplicationCredentialSecret are an
	// application credential scoped to ProjectID.
	ApplicationCredentialID     = "2e9b5c1d7f3a4b6c8d0e2f4a6b8c0d1e"
	ApplicationCredentialSecret = "Fake-AppCred-Secret-7Q2x"
	// Region is the catalog's first region.
	Region = "RegionOne"
	// ImageID and NetworkID are the image and network new servers may use;
	// NetworkName is that network's name in server addresses.
	ImageID     = "5f1c9a0e-3b7d-4e2a-9c6f-1d8b0a2e4c6f"
	NetworkID   = "3a7e1c9b-5d2f-4b8a-8e6c-0f4a2d9b7c1e"
	NetworkName = "public"
	// DefaultMaxMicroversion is the highest compute microversion the fake
	// supports unless Options.MaxMicroversion says otherwise.
	DefaultMaxMicroversion = "2.96"
)

// Names of the API functions, for [Server.Calls], [Server.LastQuery] and
// the function argument of faults.
const (
	FuncAuth         = "auth"              // POST /v3/auth/tokens
	FuncListServers  = "list servers"      // GET /servers/detail
	FuncListNames    = "list server names" // GET /servers
	FuncShowServer   = "show server"       // GET /servers/{id}
	FuncCreateServer = "create server"     // POST /servers
	FuncDeleteServer = "delete server"     // DELETE /servers/{id}
	FuncServerAction = "server action"     // POST /servers/{id}/action
	FuncListFlavors  = "list flavors"      // GET /flavors/detail
	FuncShowFlavor   = "show flavor"       // GET /flavors/{id}
)

// Fault is a failure the fake injects: one of the names every panel fake
// of this module shares (package providertest), or one of OpenStack's own
// below.
//
// Each applies to the requests it can affect: FaultTokenExpired to compute
// requests; FaultMalformed and FaultPageLoop to server listings; the
// listing-shape faults to server listings (detailed or not);
// FaultDownCell to server listings and reads; the others to every
// request. FaultUnauthorized answers 401 with Keystone's error body, to
// authentication and compute requests alike; FaultServerError 500 with a
// computeFault body; FaultRateLimited 429 with Retry-After: 1; FaultSlow
// waits Options.SlowDelay, or until the request's context ends, before
// answering normally; FaultTruncated announces a longer body than it
// sends, then hangs up; FaultHTML answers 200 with a proxy's HTML error
// page; FaultMalformed gives the first server of a listing page a created
// time that is not a date; FaultRedirect302 and FaultRedirect307 redirect
// to the [Server.RedirectTo] target. A listing page (of servers, server
// names or flavors) under FaultWrongShape is {} (no "servers"), under
// FaultNullList {"servers":null} and under FaultWrongType {"servers":{}}
// ("flavors" for flavors).
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

	// FaultTokenExpired revokes the token the request carries and answers
	// 401, as Nova does when a token has expired; a new token works.
	FaultTokenExpired Fault = "openstack-token-expired"
	// FaultPageLoop gives every listing page a next link whose marker does
	// not move.
	FaultPageLoop Fault = "openstack-page-loop"
	// FaultDownCell makes cell "cell2" unreachable: its servers list as
	// UNKNOWN records with only id, status, tenant_id, created and links
	// from microversion 2.69, and are left out before it.
	FaultDownCell Fault = "openstack-down-cell"
	// FaultUnexpectedKey answers a listing page with HTTP 200 and
	// {"unexpected":true}: valid JSON without the list.
	FaultUnexpectedKey Fault = "openstack-unexpected-key"
	// FaultNoNextLink leaves the next link out of a full listing page,
	// which Nova always links to the next one.
	FaultNoNextLink Fault = "openstack-no-next-link"
	// FaultEmptyObject answers a read of one object (GET /servers/{id},
	// GET /flavors/{id}) with HTTP 200 and {}, and a token request with
	// HTTP 201, a token in X-Subject-Token and {} as the body.
	FaultEmptyObject Fault = "openstack-empty-object"
	// FaultUnknownPath answers 404 {"itemNotFound":{"code":404,"message":
	// "The resource could not be found."}}, Nova's answer for a path it
	// has no route for (a catalog naming a wrong endpoint), to compute
	// requests.
	FaultUnknownPath Fault = "openstack-unknown-path"
	// FaultDeletedMeanwhile makes DELETE /servers/{id} find the server and
	// lose it to another request before Nova acts on it: the server is
	// gone, and the answer is 404 "Instance could not be found" (nova
	// servers.py, delete), without the id the lookup's message has.
	FaultDeletedMeanwhile Fault = "openstack-deleted-meanwhile"
)

// appliesTo reports whether f can affect a request for function.
func appliesTo(f Fault, function string) bool {
	switch {
	case f == FaultTokenExpired:
		return function != FuncAuth
	case f == FaultMalformed, f == FaultPageLoop:
		return function == FuncListServers
	case f.IsWrongShape(), f == FaultUnexpectedKey, f == FaultNoNextLink:
		return function == FuncListServers || function == FuncListNames || function == FuncListFlavors
	case f == FaultEmptyObject:
		return function == FuncShowServer || function == FuncShowFlavor || function == FuncAuth
	case f == FaultUnknownPath:
		return function != FuncAuth
	case f == FaultDeletedMeanwhile:
		return function == FuncDeleteServer
	case f == FaultDownCell:
		return function == FuncListServers || function == FuncShowServer
	}
	return f != FaultNone
}

// Options configures a fake cloud. Zero values mean the documented
// defaults.
type Options struct {
	// Accounts are seeded as servers: Domain is the name, UniqueIdentifier
	// the id (generated when empty), Product the flavor, PrimaryIP a fixed
	// address on network "public", Created the creation time (now when
	// zero), Status SUSPENDED or ACTIVE, and Email and Username the
	// metadata whmcs_email and whmcs_username. Extra["tenant_id"] sets the
	// owning project (default ProjectID) and Extra["cell"] the cell
	// (default: "cell1" and "cell2" in turn).
	Accounts []provider.Account
	// Servers are raw Nova server records, seeded after Accounts and
	// served as they are, apart from the flavor's form, which follows the
	// microversion. Each needs an "id".
	Servers []json.RawMessage
	// Packages are the flavor names (default m1.small, m1.medium,
	// m1.large); products of Accounts and Servers are added.
	Packages []string
	// Regions are the catalog's compute regions (default Region).
	Regions []string
	// MaxLimit is Nova's [api] max_limit, the largest page (default 1000).
	MaxLimit int
	// MaxMicroversion is the highest compute microversion accepted
	// (default DefaultMaxMicroversion); "2.1" accepts none above the base.
	MaxMicroversion string
	// NonAdmin makes tokens lack the admin role: all_tenants is refused
	// with 403.
	NonAdmin bool
	// TokenTTL is the lifetime of tokens (default one hour).
	TokenTTL time.Duration
	// BuildPolls is how many reads a new server answers BUILD before it
	// turns ACTIVE (default 0: ACTIVE at once).
	BuildPolls int
	// SlowDelay is how long FaultSlow waits (default 10 seconds).
	SlowDelay time.Duration
}

// Server is a fake OpenStack cloud. It is safe for concurrent use.
type Server struct {
	*httptest.Server
	opts  Options
	maxMV int // minor of the highest microversion

	mu      sync.Mutex
	servers []*server
	byID    map[string]*server
	flavors []*flavor
	tokens  map[string]token
	issued  []string
	faults  panelfake.Faults
	hooks   map[string][]func()
	nextIP  int
}

type token struct {
	expires time.Time
	project string
	user    string
}

type flavor struct {
	ID    string
	Name  string
	VCPUs int
	RAM   int
	Disk  int
}

// server is one Nova server: the record at microversion 2.69 minus its
// flavor, which is rendered per request.
type server struct {
	doc        map[string]any
	flavor     flavor
	cell       string
	buildPolls int
	// rendered caches the JSON per flavor form (0: id, 1: embedded).
	rendered [2][]byte
}

func (sv *server) id() string     { s, _ := sv.doc["id"].(string); return s }
func (sv *server) name() string   { s, _ := sv.doc["name"].(string); return s }
func (sv *server) status() string { s, _ := sv.doc["status"].(string); return s }
func (sv *server) tenant() string { s, _ := sv.doc["tenant_id"].(string); return s }

func (sv *server) set(k string, v any) {
	sv.doc[k] = v
	sv.rendered = [2][]byte{}
}

// New starts a fake cloud on 127.0.0.1. The caller closes it. It panics
// on an Options.Servers record that is not a JSON object with an id,
// because that is a mistake in the test.
func New(opts Options) *Server {
	if opts.MaxLimit <= 0 {
		opts.MaxLimit = 1000
	}
	if opts.MaxMicroversion == "" {
		opts.MaxMicroversion = DefaultMaxMicroversion
	}
	if opts.TokenTTL <= 0 {
		opts.TokenTTL = time.Hour
	}
	if opts.SlowDelay <= 0 {
		opts.SlowDelay = 10 * time.Second
	}
	if len(opts.Regions) == 0 {
		opts.Regions = []string{Region}
	}
	if len(opts.Packages) == 0 {
		opts.Packages = []string{"m1.small", "m1.medium", "m1.large"}
	}
	mv, ok := parseMicroversion(opts.MaxMicroversion)
	if !ok {
		panic(fmt.Sprintf("openstacktest: Options.MaxMicroversion %q is not 2.N", opts.MaxMicroversion))
	}
	s := &Server{
		opts:   opts,
		maxMV:  mv,
		byID:   map[string]*server{},
		tokens: map[string]token{},
	}
	for _, name := range opts.Packages {
		s.flavorByName(name)
	}
	for i, a := range opts.Accounts {
		s.add(s.fromAccount(a, i))
	}
	for _, raw := range opts.Servers {
		sv, err := s.fromRaw(raw)
		if err != nil {
			panic("openstacktest: Options.Servers: " + err.Error())
		}
		s.add(sv)
	}
	s.Server = httptest.NewServer(s.routes())
	return s
}

// NewServer starts a fake cloud holding accounts, with default options,
// and closes it when the test ends.
func NewServer(t testing.TB, accounts ...provider.Account) *Server {
	t.Helper()
	s := New(Options{Accounts: accounts})
	t.Cleanup(s.Close)
	return s
}

// SetFault makes every request the fault applies to fail with f, until
// SetFault(FaultNone).
func (s *Server) SetFault(f Fault) { s.faults.SetFault(f) }

// FailNext makes the next n requests f applies to fail with f.
func (s *Server) FailNext(f Fault, n int) { s.faults.FailNext(f, n) }

// FailAfter lets the next skip requests f applies to pass, then makes n
// fail with f: FailAfter(FaultServerError, 1, 1) fails the second page of
// a listing whose token is already issued.
func (s *Server) FailAfter(f Fault, skip, n int) { s.faults.FailAfter(f, skip, n) }

// RedirectTo sets the Location FaultRedirect302 and FaultRedirect307
// answer with.
func (s *Server) RedirectTo(target string) { s.faults.RedirectTo(target) }

// Requests returns the requests for function (one of the Func constants;
// "" for all), oldest first; the fake keeps the last 1000.
func (s *Server) Requests(function string) []providertest.Request {
	return s.faults.Requests(function)
}

// OnNext runs do once, just before the fake answers the next request for
// function, so that a test can change the cloud between two calls of a
// client, as another user would: [Server.Delete], [Server.Lock],
// [Server.SetTaskState].
func (s *Server) OnNext(function string, do func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hooks == nil {
		s.hooks = map[string][]func(){}
	}
	s.hooks[function] = append(s.hooks[function], do)
}

// takeHooks returns and forgets the hooks for function.
func (s *Server) takeHooks(function string) []func() {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := s.hooks[function]
	delete(s.hooks, function)
	return h
}

// Delete removes a server, as another user's delete would.
func (s *Server) Delete(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.remove(id)
}

// remove drops a server; s.mu is held.
func (s *Server) remove(id string) {
	delete(s.byID, id)
	s.servers = slices.DeleteFunc(s.servers, func(x *server) bool { return x.id() == id })
}

// RemoveFlavor deletes the flavor named name, as an administrator would:
// its servers keep it, and GET /flavors/{id} answers 404 "Flavor <id>
// could not be found.".
func (s *Server) RemoveFlavor(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.flavors = slices.DeleteFunc(s.flavors, func(f *flavor) bool { return f.Name == name })
}

// Lock locks or unlocks a server: Nova then refuses suspend, resume and
// delete with 409 "Instance <id> is locked".
func (s *Server) Lock(id string, locked bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sv, ok := s.byID[id]; ok {
		sv.set("locked", locked)
	}
}

// SetTaskState sets a server's OS-EXT-STS:task_state ("suspending",
// "deleting", ...; "" for none), as an action in progress would. Actions
// on a server with a task state answer 409 "Cannot '<action>' instance
// <id> while it is in task_state <state>".
func (s *Server) SetTaskState(id, state string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sv, ok := s.byID[id]; ok {
		if state == "" {
			sv.set("OS-EXT-STS:task_state", nil)
		} else {
			sv.set("OS-EXT-STS:task_state", state)
		}
	}
}

// ExpireTokens revokes every token issued so far, as their expiry would.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.tokens)
}

// Tokens returns every token issued, expired or not, in issue order, for
// tests that check no token leaks into errors or logs.
func (s *Server) Tokens() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.issued)
}

// Calls returns how many requests the fake received for function (one of
// the Func constants), faults included.
func (s *Server) Calls(function string) int { return s.faults.Calls(function) }

// AdminPass returns the adminPass a server was created with.
func (s *Server) AdminPass(id string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sv, ok := s.byID[id]; ok {
		p, _ := sv.doc["-adminPass"].(string)
		return p
	}
	return ""
}

// Accounts returns the servers as WHMCS accounts, the way package
// openstack maps them, in creation order: the true state, including
// servers in a down cell.
func (s *Server) Accounts() []provider.Account {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]provider.Account, 0, len(s.servers))
	for _, sv := range s.servers {
		md, _ := sv.doc["metadata"].(map[string]string)
		created, _ := time.Parse(time.RFC3339, fmt.Sprint(sv.doc["created"]))
		a := provider.Account{
			Email:            md["whmcs_email"],
			Username:         md["whmcs_username"],
			Domain:           sv.name(),
			UniqueIdentifier: sv.id(),
			Product:          sv.flavor.Name,
			PrimaryIP:        primaryIP(sv.doc),
			Created:          created,
			Status:           provider.StatusActive,
		}
		if sv.status() == "SUSPENDED" {
			a.Status = provider.StatusSuspended
		}
		out = append(out, a)
	}
	return out
}

// primaryIP applies the rule of openstack.Server.PrimaryIP to a record
// the fake built: accessIPv4, floating then fixed IPv4, then IPv6, with
// networks in name order.
func primaryIP(doc map[string]any) string {
	if v, _ := doc["accessIPv4"].(string); v != "" {
		return v
	}
	addrs, _ := doc["addresses"].(map[string][]address)
	names := make([]string, 0, len(addrs))
	for n := range addrs {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, version := range []int{4, 6} {
		if version == 6 {
			if v, _ := doc["accessIPv6"].(string); v != "" {
				return v
			}
		}
		for _, typ := range []string{"floating", "fixed"} {
			for _, n := range names {
				for _, a := range addrs[n] {
					if a.Version == version && a.Type == typ {
						return a.Addr
					}
				}
			}
		}
	}
	return ""
}

// address is one entry of a server's "addresses".
type address struct {
	Addr    string `json:"addr"`
	Version int    `json:"version"`
	Type    string `json:"OS-EXT-IPS:type"`
	MAC     string `json:"OS-EXT-IPS-MAC:mac_addr"`
}

func (s *Server) add(sv *server) {
	s.servers = append(s.servers, sv)
	s.byID[sv.id()] = sv
}

// flavorByName returns the flavor named name, adding it when missing.
// The caller holds s.mu or is New.
func (s *Server) flavorByName(name string) flavor {
	for _, f := range s.flavors {
		if f.Name == name {
			return *f
		}
	}
	n := len(s.flavors) + 1
	f := &flavor{ID: strconv.Itoa(n), Name: name, VCPUs: n, RAM: 1024 * n, Disk: 10 * n}
	s.flavors = append(s.flavors, f)
	return *f
}

func (s *Server) flavorByID(id string) (flavor, bool) {
	for _, f := range s.flavors {
		if f.ID == id {
			return *f, true
		}
	}
	return flavor{}, false
}

// fromAccount builds the record of a seeded account.
func (s *Server) fromAccount(a provider.Account, i int) *server {
	id := a.UniqueIdentifier
	if id == "" {
		id = newUUID()
	}
	created := a.Created
	if created.IsZero() {
		created = time.Now()
	}
	product := a.Product
	if product == "" {
		product = s.opts.Packages[0]
	}
	tenant := a.Extra["tenant_id"]
	if tenant == "" {
		tenant = ProjectID
	}
	cell := a.Extra["cell"]
	if cell == "" {
		cell = "cell" + strconv.Itoa(1+i%2)
	}
	addrs := map[string][]address{}
	if a.PrimaryIP != "" {
		v := 4
		if strings.Contains(a.PrimaryIP, ":") {
			v = 6
		}
		addrs[NetworkName] = []address{{Addr: a.PrimaryIP, Version: v, Type: "fixed", MAC: mac(i)}}
	}
	md := map[string]string{}
	if a.Email != "" {
		md["whmcs_email"] = a.Email
	}
	if a.Username != "" {
		md["whmcs_username"] = a.Username
	}
	status, vmState, power := "ACTIVE", "active", 1
	if a.Status == provider.StatusSuspended {
		status, vmState, power = "SUSPENDED", "suspended", 7
	}
	return &server{
		doc:    s.newDoc(id, a.Domain, tenant, UserID, created.UTC(), status, vmState, power, addrs, md),
		flavor: s.flavorByName(product),
		cell:   cell,
	}
}

// newDoc is a server record with the fields Nova returns at 2.69.
func (s *Server) newDoc(id, name, tenant, user string, created time.Time, status, vmState string, power int,
	addrs map[string][]address, md map[string]string) map[string]any {
	ts := created.Format(time.RFC3339)
	return map[string]any{
		"id":                                   id,
		"name":                                 name,
		"status":                               status,
		"tenant_id":                            tenant,
		"user_id":                              user,
		"created":                              ts,
		"updated":                              ts,
		"hostId":                               "2091634baaccdc4c5a1d57069c833e402921df696b7f970791b12ec6",
		"accessIPv4":                           "",
		"accessIPv6":                           "",
		"addresses":                            addrs,
		"image":                                map[string]any{"id": ImageID, "links": []any{}},
		"metadata":                             md,
		"key_name":                             nil,
		"config_drive":                         "",
		"progress":                             0,
		"locked":                               false,
		"description":                          nil,
		"tags":                                 []string{},
		"host_status":                          "UP",
		"security_groups":                      []map[string]string{{"name": "default"}},
		"OS-DCF:diskConfig":                    "AUTO",
		"OS-EXT-AZ:availability_zone":          "nova",
		"OS-EXT-STS:vm_state":                  vmState,
		"OS-EXT-STS:task_state":                nil,
		"OS-EXT-STS:power_state":               power,
		"OS-SRV-USG:launched_at":               created.Format("2006-01-02T15:04:05.000000"),
		"OS-SRV-USG:terminated_at":             nil,
		"os-extended-volumes:volumes_attached": []any{},
		"links":                                nil, // filled when rendered
	}
}

// fromRaw seeds a raw record. Its flavor is kept apart and rendered per
// microversion.
func (s *Server) fromRaw(raw json.RawMessage) (*server, error) {
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, err
	}
	id, _ := doc["id"].(string)
	if id == "" {
		return nil, fmt.Errorf("a record has no \"id\": %.80s", raw)
	}
	sv := &server{doc: doc, cell: "cell1"}
	if fl, ok := doc["flavor"].(map[string]any); ok {
		if name, _ := fl["original_name"].(string); name != "" {
			sv.flavor = s.flavorByName(name)
		} else if fid := fmt.Sprint(fl["id"]); fl["id"] != nil {
			sv.flavor, ok = s.flavorByID(fid)
			if !ok {
				// A deleted flavor: only its id remains.
				sv.flavor = flavor{ID: fid}
			}
		}
		delete(doc, "flavor")
	}
	// Addresses are re-read into the fake's type so that PrimaryIP works.
	if b, err := json.Marshal(doc["addresses"]); err == nil {
		var addrs map[string][]address
		if json.Unmarshal(b, &addrs) == nil && addrs != nil {
			doc["addresses"] = addrs
		}
	}
	if md, ok := doc["metadata"].(map[string]any); ok {
		m := make(map[string]string, len(md))
		for k, v := range md {
			m[k] = fmt.Sprint(v)
		}
		doc["metadata"] = m
	}
	return sv, nil
}

func mac(i int) string {
	return fmt.Sprintf("fa:16:3e:%02x:%02x:%02x", (i>>16)&0xff, (i>>8)&0xff, i&0xff)
}

func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func newToken() string {
	var b [24]byte
	_, _ = rand.Read(b[:])
	return "gAAAAA" + hex.EncodeToString(b[:])
}

// parseMicroversion reads "2.N" (or "latest", as -1) and returns N.
func parseMicroversion(v string) (int, bool) {
	major, minor, ok := strings.Cut(strings.TrimSpace(v), ".")
	if !ok || major != "2" {
		return 0, false
	}
	n, err := strconv.Atoi(minor)
	return n, err == nil && n >= 1
}

// render returns the server's JSON at microversion mv.
func (s *Server) render(sv *server, mv int, base string) []byte {
	form := 0
	if mv >= 47 {
		form = 1
	}
	if b := sv.rendered[form]; b != nil {
		return b
	}
	doc := make(map[string]any, len(sv.doc)+1)
	for k, v := range sv.doc {
		if !strings.HasPrefix(k, "-") {
			doc[k] = v
		}
	}
	doc["links"] = serverLinks(base, sv.id())
	if form == 1 && sv.flavor.Name != "" {
		f := sv.flavor
		doc["flavor"] = map[string]any{"original_name": f.Name, "vcpus": f.VCPUs, "ram": f.RAM, "disk": f.Disk,
			"ephemeral": 0, "swap": 0, "extra_specs": map[string]string{"hw_rng:allowed": "True"}}
	} else if sv.flavor.ID != "" {
		doc["flavor"] = map[string]any{"id": sv.flavor.ID,
			"links": []map[string]string{{"rel": "bookmark", "href": base + "/flavors/" + sv.flavor.ID}}}
	}
	b, err := json.Marshal(doc)
	if err != nil {
		panic("openstacktest: render: " + err.Error())
	}
	sv.rendered[form] = b
	return b
}

// renderPartial is a server in an unreachable cell, as 2.69 lists it.
func renderPartial(sv *server, base string) []byte {
	b, _ := json.Marshal(map[string]any{
		"id": sv.id(), "status": "UNKNOWN", "tenant_id": sv.tenant(), "created": sv.doc["created"],
		"links": serverLinks(base, sv.id()),
	})
	return b
}

func serverLinks(base, id string) []map[string]string {
	return []map[string]string{
		{"rel": "self", "href": base + "/servers/" + id},
		{"rel": "bookmark", "href": base + "/servers/" + id},
	}
}

// malformed returns a copy of a rendered record with a created time that
// is not a date.
func malformed(b []byte) []byte {
	var doc map[string]any
	if json.Unmarshal(b, &doc) != nil {
		return b
	}
	doc["created"] = "last Tuesday"
	out, _ := json.Marshal(doc)
	return out
}

// joinJSON writes {"<key>":[items...],"<key>_links":[next]}.
func joinJSON(key string, items [][]byte, next string) []byte {
	var buf bytes.Buffer
	n := 64
	for _, it := range items {
		n += len(it) + 1
	}
	buf.Grow(n + len(next))
	buf.WriteString(`{"` + key + `":[`)
	for i, it := range items {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.Write(it)
	}
	buf.WriteByte(']')
	if next != "" {
		// Nova (Python's json) writes & as it is, not as \u0026.
		var l bytes.Buffer
		enc := json.NewEncoder(&l)
		enc.SetEscapeHTML(false)
		_ = enc.Encode([]map[string]string{{"rel": "next", "href": next}})
		buf.WriteString(`,"` + key + `_links":`)
		buf.Write(bytes.TrimSpace(l.Bytes()))
	}
	buf.WriteByte('}')
	return buf.Bytes()
}

var _ providertest.HTTPFake = (*Server)(nil)
