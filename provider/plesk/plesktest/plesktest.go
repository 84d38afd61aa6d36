package plesktest

import (
	"fmt"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/idna"

	"github.com/accountsync/accountsync/internal/panelfake"
	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/providertest"
)

// Default credentials and settings of the fake.
const (
	// Username and Password are the administrator login the fake accepts
	// in the HTTP_AUTH_LOGIN and HTTP_AUTH_PASSWD headers.
	Username = "admin"
	Password = "plesktest-Passw0rd"
	// Token is the secret key the fake accepts in the KEY header.
	Token = "plesktest-secret-key-5b0c7e1d9a"
	// DefaultIP is the address seeded subscriptions are hosted on when an
	// account has no PrimaryIP.
	DefaultIP = "192.0.2.10"
	// AgentPath is the one path the fake answers.
	AgentPath = "/enterprise/control/agent.php"
	// Version is the protocol version the fake answers with when a packet
	// names none.
	Version = "1.6.9.1"
)

// Fault is a failure the fake injects: one of the names every panel fake
// of this module shares (package providertest), or one of Plesk's own
// below. FaultSlow, FaultTruncated, FaultMalformed and FaultResultError
// alter the real answer; the others replace it.
//
// FaultUnauthorized answers HTTP 200 with a packet-level error 1001, as
// Plesk does for a wrong password; FaultServerError HTTP 500 with a plain
// error page; FaultRateLimited HTTP 429 with Retry-After: 1; FaultSlow
// waits Options.SlowDelay, or until the request's context ends, then
// answers normally; FaultTruncated declares a Content-Length larger than
// the body, sends half the answer and hangs up; FaultHTML answers HTTP 200
// with an HTML login page instead of a packet; FaultMalformed answers
// normally, except that the first subscription in a webspace get answer
// has a cr_date that is not a date; FaultRedirect302 and FaultRedirect307
// redirect to the [Server.RedirectTo] target.
//
// The listing faults apply to packets that carry webspace.get: under
// FaultWrongShape the answer packet has no webspace element at all, under
// FaultNullList an empty <webspace><get/></webspace> (no result, where
// Plesk always sends at least one), and under FaultWrongType a get that
// holds text instead of results.
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

	// FaultPacketError answers HTTP 200 with a packet-level error that is
	// not about credentials (1003, agent initialization failed).
	FaultPacketError Fault = "plesk-packet-error"
	// FaultResultError answers HTTP 200 with the operations' results plus,
	// in every operation, an error result (1023, operation failed): a get
	// then mixes ok and error results, as one packet may.
	FaultResultError Fault = "plesk-result-error"
)

// Options configure a fake made with [New].
type Options struct {
	// Accounts seed subscriptions. Each maps onto Plesk's records:
	//
	//	Domain           the subscription name (UniqueIdentifier when Domain is empty)
	//	Username         the system (FTP) user; for Extra["htype"] other than
	//	                 vrt_hst, the owner's login
	//	Email            the owner's e-mail: one customer per distinct e-mail;
	//	                 empty means the administrator owns it
	//	Product          the service plan, created when missing; empty: a custom
	//	                 subscription without a plan
	//	PrimaryIP        the hosting address (default DefaultIP)
	//	Created          the creation date (cr_date); zero: today
	//	Status           Suspended: status 16 (disabled by the administrator)
	//	Extra["status"]      a raw status bitmask, overriding Status ("272")
	//	Extra["owner_type"]  "reseller" makes the owner a reseller, whose plans
	//	                     are the reseller's own; "admin" the administrator
	//	Extra["owner_login"] the owner's login (default: the username, made unique)
	//	Extra["htype"]       vrt_hst (default), std_fwd, frm_fwd or none
	//	Extra["ascii_name"]  the punycode name (default: computed)
	//	Extra["guid"]        the subscription GUID (default: derived from its id)
	//	Extra["password"]    the system user's password
	//
	// New panics on a seed without a domain or with a duplicate one.
	Accounts []provider.Account
	// Packages are service plans of the administrator besides those the
	// accounts use. nil means "Default Domain" and "Unlimited".
	Packages []string
	// Username, Password and Token replace the default credentials.
	Username, Password, Token string
	// Latency delays every answer (or until the request's context ends).
	Latency time.Duration
	// SlowDelay is how long FaultSlow waits (default 30 seconds).
	SlowDelay time.Duration
	// Now stamps the creation date of new subscriptions (default
	// time.Now).
	Now func() time.Time
}

// Server is an in-memory Plesk XML-API on an httptest server at
// 127.0.0.1. It speaks the XML-API packet protocol at AgentPath, checks
// the HTTP_AUTH_LOGIN/HTTP_AUTH_PASSWD or KEY headers, and keeps customers,
// resellers, service plans and subscriptions across calls. It is safe for
// concurrent use.
type Server struct {
	*httptest.Server

	creds     Options
	slowDelay time.Duration
	latency   time.Duration
	now       func() time.Time

	mu     sync.Mutex
	st     *state
	faults panelfake.Faults
}

// New starts a fake seeded from opts. The caller closes it.
func New(opts Options) *Server {
	s := &Server{
		creds:     opts,
		slowDelay: opts.SlowDelay,
		latency:   opts.Latency,
		now:       opts.Now,
	}
	if s.creds.Username == "" {
		s.creds.Username = Username
	}
	if s.creds.Password == "" {
		s.creds.Password = Password
	}
	if s.creds.Token == "" {
		s.creds.Token = Token
	}
	if s.slowDelay == 0 {
		s.slowDelay = 30 * time.Second
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.st = newState(s.creds.Username)
	pkgs := opts.Packages
	if pkgs == nil {
		pkgs = []string{"Default Domain", "Unlimited"}
	}
	for _, p := range pkgs {
		s.st.planNamed(p, adminID)
	}
	for _, a := range opts.Accounts {
		if err := s.st.seed(a, s.now()); err != nil {
			panic("plesktest: " + err.Error())
		}
	}
	s.Server = httptest.NewServer(s)
	return s
}

// NewServer starts a fake with the default credentials and plans, seeded
// with accounts, and closes it when the test ends.
func NewServer(t testing.TB, accounts ...provider.Account) *Server {
	t.Helper()
	s := New(Options{Accounts: accounts})
	t.Cleanup(s.Close)
	return s
}

// SetFault makes every request the fault applies to get f, until
// SetFault(FaultNone).
func (s *Server) SetFault(f Fault) { s.faults.SetFault(f) }

// FailNext makes the next n requests the fault applies to get f, before
// any SetFault fault.
func (s *Server) FailNext(f Fault, n int) { s.faults.FailNext(f, n) }

// FailAfter lets the next skip requests f applies to pass, then makes n
// of them get f.
func (s *Server) FailAfter(f Fault, skip, n int) { s.faults.FailAfter(f, skip, n) }

// RedirectTo sets the Location FaultRedirect302 and FaultRedirect307
// answer with.
func (s *Server) RedirectTo(target string) { s.faults.RedirectTo(target) }

// Calls returns how many requests carried the operation function, named
// "operator.operation": "webspace.get", "webspace.add", "webspace.del",
// "webspace.set", "customer.get", "customer.add", "reseller.get",
// "service-plan.get". Requests that failed, by a fault or otherwise,
// count.
func (s *Server) Calls(function string) int { return s.faults.Calls(function) }

// Requests returns the requests that carried the operation function (see
// Calls; "" for all), oldest first; the fake keeps the last 1000. A
// packet's Function names all its operations, joined by ",".
func (s *Server) Requests(function string) []providertest.Request {
	return s.faults.Requests(function)
}

// Password returns the system (FTP) user password of the subscription
// named domain.
func (s *Server) Password(domain string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.st.byName[strings.ToLower(domain)]
	if w == nil {
		return "", false
	}
	return w.ftpPassword, true
}

// Accounts returns the subscriptions as a client lists them, sorted by
// domain: e-mail from the owning customer or reseller (empty for the
// administrator), username from the system user or else the owner's
// login, product from the service plan, Created at midnight UTC of
// cr_date, and any non-zero status as Suspended. Extra carries id, guid,
// status, owner_id, owner_login, owner_type, ascii_name, htype and
// plan_guid.
func (s *Server) Accounts() []provider.Account {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]provider.Account, 0, len(s.st.webspaces))
	for _, w := range s.st.webspaces {
		out = append(out, s.st.account(w))
	}
	slices.SortFunc(out, func(a, b provider.Account) int { return strings.Compare(a.Domain, b.Domain) })
	return out
}

// account maps a subscription the way the XML-API shows it to a client.
func (st *state) account(w *webspace) provider.Account {
	o := st.clients[w.ownerID]
	a := provider.Account{
		Domain:           w.name,
		UniqueIdentifier: w.name,
		Username:         w.ftpLogin,
		Status:           provider.StatusActive,
		Extra: map[string]string{
			"id": strconv.Itoa(w.id), "guid": w.guid, "status": strconv.Itoa(w.status),
			"owner_id": strconv.Itoa(w.ownerID), "owner_type": "admin", "ascii_name": w.ascii, "htype": w.htype,
		},
	}
	if o != nil {
		a.Extra["owner_login"] = o.login
		if a.Username == "" {
			a.Username = o.login
		}
		if o.kind != "admin" {
			a.Email = o.email
			a.Extra["owner_type"] = o.kind
		}
	}
	if p := st.planByGUID[w.planGUID]; p != nil {
		a.Product = p.name
		a.Extra["plan_guid"] = p.guid
	}
	if len(w.ips) > 0 {
		a.PrimaryIP = w.ips[0]
	}
	if t, err := time.ParseInLocation(time.DateOnly, w.crDate, time.UTC); err == nil {
		a.Created = t
	}
	if w.status != 0 {
		a.Status = provider.StatusSuspended
	}
	return a
}

// seed adds one account from Options.Accounts.
func (st *state) seed(a provider.Account, now time.Time) error {
	name := strings.TrimSpace(a.Domain)
	if name == "" {
		name = strings.TrimSpace(a.UniqueIdentifier)
	}
	if name == "" {
		return fmt.Errorf("seed account %+v has no domain", a)
	}
	if st.byName[strings.ToLower(name)] != nil {
		return fmt.Errorf("seed account %q is listed twice", name)
	}
	ascii := a.Extra["ascii_name"]
	if ascii == "" {
		if s, err := idna.Lookup.ToASCII(name); err == nil {
			ascii = s
		} else {
			ascii = name
		}
	}
	htype := a.Extra["htype"]
	if htype == "" {
		htype = "vrt_hst"
	}
	kind := a.Extra["owner_type"]
	switch {
	case kind == "" && strings.TrimSpace(a.Email) == "":
		kind = "admin"
	case kind == "":
		kind = "customer"
	}
	ownerID := adminID
	if kind != "admin" {
		login := a.Extra["owner_login"]
		if login == "" {
			login = a.Username
		}
		if login == "" {
			login = "owner"
		}
		ownerID = st.ownerFor(kind, login, a.Email, now).id
	}
	w := &webspace{
		name: name, ascii: ascii, htype: htype, ownerID: ownerID,
		ips: []string{DefaultIP}, ftpPassword: a.Extra["password"],
	}
	if ip := strings.TrimSpace(a.PrimaryIP); ip != "" {
		w.ips = []string{ip}
	}
	if htype == "vrt_hst" {
		w.ftpLogin = a.Username
		if w.ftpLogin == "" {
			w.ftpLogin = "ftp" + strconv.Itoa(st.nextWebspace)
		}
	}
	if p := strings.TrimSpace(a.Product); p != "" {
		planOwner := adminID
		if kind == "reseller" {
			planOwner = ownerID
		}
		w.planGUID = st.planNamed(p, planOwner).guid
	}
	created := a.Created
	if created.IsZero() {
		created = now
	}
	w.crDate = created.Format(time.DateOnly)
	if raw, ok := a.Extra["status"]; ok {
		n, err := strconv.Atoi(raw)
		if err != nil {
			return fmt.Errorf("seed account %q: Extra[\"status\"] %q is not a number", name, raw)
		}
		w.status = n
	} else if a.Status == provider.StatusSuspended {
		w.status = statusDisabledByAdmin
	}
	st.addWebspace(w, a.Extra["guid"])
	return nil
}

var _ providertest.HTTPFake = (*Server)(nil)
