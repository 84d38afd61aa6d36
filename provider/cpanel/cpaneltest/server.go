package cpaneltest

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/accountsync/accountsync/internal/panelfake"
	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/providertest"
)

// Default credentials the server accepts when Options leaves them empty.
const (
	Username = "root"
	// Token is an API token in the form WHM issues them: 32 upper-case
	// letters and digits.
	Token = "CPANELTEST0API0TOKEN0000000000A1"
	// Password is root's password, for HTTP Basic authentication.
	Password = "cpaneltest-Root-Passw0rd"
	// DefaultIP is the shared address given to accounts that do not name
	// one.
	DefaultIP = "192.0.2.10"
	// DefaultPackage is the package every server has and new accounts get
	// when createacct names none.
	DefaultPackage = "default"
)

// hostname is the server's name in nameserver answers and temporary
// domains; .invalid never resolves.
const hostname = "server.cpaneltest.invalid"

// Options configures a [Server]. The zero value is a server with no
// accounts, the "default" package and the default credentials.
type Options struct {
	// Accounts seed the server, in listing order. Each maps onto a WHM
	// account as ListAccounts would show it: Username (derived from the
	// domain when empty), Domain (derived from the username when empty),
	// Email (empty lists as "*unknown*"), Product (the plan; empty means
	// "default"), PrimaryIP (empty means Options.IP), Created (zero lists
	// unix_startdate "*unknown*"), Status, and the Extra keys "owner"
	// (default: the server's Username), "suspend_reason" and "locked"
	// ("1": only root may unsuspend). Two seeds with one username or one
	// domain make New panic.
	Accounts []provider.Account
	// Packages are package names listpkgs returns besides "default" and
	// the seeds' plans.
	Packages []string
	// Username, Token and Password are the credentials accepted (defaults
	// [Username], [Token], [Password]).
	Username string
	Token    string
	Password string
	// IP is the shared address of accounts that do not name one (default
	// [DefaultIP]).
	IP string
	// Location is the server's local timezone, in which listaccts writes
	// the human-readable startdate (default UTC). unix_startdate is an
	// epoch and does not depend on it.
	Location *time.Location
	// Now stamps created accounts and suspensions (default time.Now).
	Now func() time.Time
	// Latency delays every request, or until the request's context ends.
	Latency time.Duration
	// SlowDelay is how long [FaultSlow] holds a request before answering
	// normally (default one minute), unless the request's context ends
	// first.
	SlowDelay time.Duration
	// QuotedInts makes integers in listaccts and listpkgs records arrive
	// as strings ("suspended":"0"), as some WHM versions send them.
	QuotedInts bool
	// TLS serves https with a self-signed certificate, like port 2087;
	// pin it with [Server.CertSHA256] or use Server.Client().
	TLS bool
}

// Server is a running fake WHM server. URL, Client and Close come from the
// embedded httptest.Server. It is safe for concurrent use.
type Server struct {
	*httptest.Server

	opts   Options
	fields []string // listaccts fields without want
	// validUser and validDomain are createacct's checks: a username starts
	// with a letter and has at most 16 letters and digits; a domain is
	// ASCII (IDNs in punycode) with at least two labels.
	validUser, validDomain *regexp.Regexp

	mu       sync.Mutex
	accounts map[string]*account // by username
	order    []string            // usernames in listing order
	domains  map[string]string   // domain -> username
	packages []string
	nextUID  int

	faults panelfake.Faults
}

// account is one cPanel account as the server keeps it.
type account struct {
	user, domain, email, plan, ip, owner string
	start                                int64 // unix seconds; 0: unknown
	uid                                  int
	suspended, locked                    bool
	suspendReason                        string
	suspendTime                          int64
	password                             string
}

// New starts a server on 127.0.0.1 with opts. The caller must Close it.
// It panics if the seed accounts clash, as httptest panics when it cannot
// listen.
func New(opts Options) *Server {
	if opts.Username == "" {
		opts.Username = Username
	}
	if opts.Token == "" {
		opts.Token = Token
	}
	if opts.Password == "" {
		opts.Password = Password
	}
	if opts.IP == "" {
		opts.IP = DefaultIP
	}
	if opts.Location == nil {
		opts.Location = time.UTC
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.SlowDelay <= 0 {
		opts.SlowDelay = time.Minute
	}
	s := &Server{
		opts:        opts,
		fields:      strings.Split(defaultFields, ","),
		validUser:   regexp.MustCompile(`^[a-z][a-z0-9]{0,15}$`),
		validDomain: regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$`),
		accounts:    map[string]*account{},
		domains:     map[string]string{},
		nextUID:     1001,
	}
	s.addPackage(DefaultPackage)
	for _, p := range opts.Packages {
		s.addPackage(p)
	}
	for i, a := range opts.Accounts {
		if err := s.seed(a); err != nil {
			panic(fmt.Sprintf("cpaneltest: seed account %d: %v", i, err))
		}
	}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(s.serveHTTP))
	// TLS handshakes that a test makes fail on purpose would be logged.
	s.Config.ErrorLog = log.New(io.Discard, "", 0)
	if opts.TLS {
		s.StartTLS()
	} else {
		s.Start()
	}
	return s
}

// NewServer starts a server seeded with accounts and default options, and
// closes it when the test ends.
func NewServer(t testing.TB, accounts ...provider.Account) *Server {
	t.Helper()
	s := New(Options{Accounts: accounts})
	t.Cleanup(s.Close)
	return s
}

// CertSHA256 returns the hex SHA-256 of the server's TLS certificate, the
// form a client's CertSHA256 pin takes, or "" when the server is plain
// http.
func (s *Server) CertSHA256() string {
	if s.Certificate() == nil {
		return ""
	}
	sum := sha256.Sum256(s.Certificate().Raw)
	return hex.EncodeToString(sum[:])
}

// Accounts returns the accounts the server holds, in listing order, as a
// WHM API 1 client maps them: Email "" for "*unknown*", Created in UTC
// (zero when unknown), UniqueIdentifier the domain, and Extra "owner",
// "reseller" ("1" when the account owns itself), "suspend_reason" and
// "locked" ("1"). Seeding a new server with them reproduces this state.
func (s *Server) Accounts() []provider.Account {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]provider.Account, 0, len(s.order))
	for _, u := range s.order {
		a := s.accounts[u]
		pa := provider.Account{
			Email: a.email, Username: a.user, Domain: a.domain, UniqueIdentifier: a.domain,
			Product: a.plan, PrimaryIP: a.ip, Status: provider.StatusActive,
			Extra: map[string]string{"owner": a.owner},
		}
		if a.start != 0 {
			pa.Created = time.Unix(a.start, 0).UTC()
		}
		if a.owner == a.user {
			pa.Extra["reseller"] = "1"
		}
		if a.suspended {
			pa.Status = provider.StatusSuspended
			if a.suspendReason != "" {
				pa.Extra["suspend_reason"] = a.suspendReason
			}
		}
		if a.locked {
			pa.Extra["locked"] = "1"
		}
		out = append(out, pa)
	}
	return out
}

// Packages returns the package names listpkgs lists, "default" first.
func (s *Server) Packages() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.packages)
}

// AddPackage adds a package to what listpkgs lists, for createacct to use.
func (s *Server) AddPackage(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addPackage(name)
}

// PasswordOf returns the password last set for username by createacct or
// passwd; seeded accounts have none.
func (s *Server) PasswordOf(username string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.accounts[username]
	if !ok || a.password == "" {
		return "", false
	}
	return a.password, true
}

// SetFault makes every request the fault applies to get f, until
// SetFault(FaultNone).
func (s *Server) SetFault(f Fault) { s.faults.SetFault(f) }

// FailNext makes the next n requests the fault applies to get f; after
// them the fault set with SetFault applies again.
func (s *Server) FailNext(f Fault, n int) { s.faults.FailNext(f, n) }

// FailAfter lets the next skip requests f applies to pass, then makes n
// of them get f: FailAfter(FaultServerError, 2, 1) fails the third.
func (s *Server) FailAfter(f Fault, skip, n int) { s.faults.FailAfter(f, skip, n) }

// RedirectTo sets the Location FaultRedirect302 and FaultRedirect307
// answer with.
func (s *Server) RedirectTo(target string) { s.faults.RedirectTo(target) }

// Calls returns how many requests named function ("listaccts"), faulted,
// refused or not, the server received.
func (s *Server) Calls(function string) int { return s.faults.Calls(function) }

// Requests returns the requests for function ("" for all), oldest first;
// the server keeps the last 1000.
func (s *Server) Requests(function string) []providertest.Request {
	return s.faults.Requests(function)
}

// seed adds a seed account; the lock is not needed before the server runs.
func (s *Server) seed(pa provider.Account) error {
	a := &account{
		user:   strings.ToLower(strings.TrimSpace(pa.Username)),
		domain: normalizeDomain(pa.Domain),
		email:  strings.TrimSpace(pa.Email),
		plan:   pa.Product,
		ip:     pa.PrimaryIP,
		owner:  pa.Extra["owner"],
	}
	if a.user == "" {
		a.user = s.userFromDomain(a.domain)
	}
	if a.domain == "" {
		a.domain = a.user + ".cpaneltest.invalid"
	}
	if a.user == "" {
		return fmt.Errorf("no username and no domain to derive one from")
	}
	if _, dup := s.accounts[a.user]; dup {
		return fmt.Errorf("username %q is taken", a.user)
	}
	if _, dup := s.domains[a.domain]; dup {
		return fmt.Errorf("domain %q is taken", a.domain)
	}
	if a.plan == "" {
		a.plan = DefaultPackage
	}
	if a.ip == "" {
		a.ip = s.opts.IP
	}
	if a.owner == "" {
		a.owner = s.opts.Username
	}
	if !pa.Created.IsZero() {
		a.start = pa.Created.Unix()
	}
	if pa.Status == provider.StatusSuspended {
		a.suspended = true
		a.suspendReason = cleanReason(pa.Extra["suspend_reason"])
		a.suspendTime = a.start
		a.locked = pa.Extra["locked"] == "1"
	}
	s.addPackage(a.plan)
	s.insert(a)
	return nil
}

// userFromDomain makes a free username from a domain's first label.
func (s *Server) userFromDomain(domain string) string {
	var b strings.Builder
	for _, r := range strings.SplitN(domain, ".", 2)[0] {
		if (r >= 'a' && r <= 'z') || (b.Len() > 0 && r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
		if b.Len() == 8 {
			break
		}
	}
	base := b.String()
	if base == "" {
		base = "user"
	}
	name := base
	for i := 1; s.accounts[name] != nil; i++ {
		name = fmt.Sprintf("%s%d", base[:min(len(base), 6)], i)
	}
	return name
}

func (s *Server) insert(a *account) {
	a.uid = s.nextUID
	s.nextUID++
	s.accounts[a.user] = a
	s.domains[a.domain] = a.user
	s.order = append(s.order, a.user)
}

func (s *Server) remove(user string) {
	a := s.accounts[user]
	delete(s.accounts, user)
	delete(s.domains, a.domain)
	if i := slices.Index(s.order, user); i >= 0 {
		s.order = slices.Delete(s.order, i, i+1)
	}
}

func (s *Server) addPackage(name string) {
	if name != "" && !slices.Contains(s.packages, name) {
		s.packages = append(s.packages, name)
	}
}

// serveHTTP records the request, applies latency and faults, checks the
// credentials and dispatches to the WHM function.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	function, isAPI := strings.CutPrefix(r.URL.Path, "/json-api/")
	s.faults.Record(function, r)
	fault := s.faults.Take(function, applies)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "cpaneltest: unreadable form: "+err.Error(), http.StatusBadRequest)
		return
	}
	if !wait(r, s.opts.Latency) {
		return
	}
	if fault == FaultSlow {
		if !wait(r, s.opts.SlowDelay) {
			return
		}
		fault = FaultNone
	}
	if s.faults.Redirect(w, fault) || s.network(w, function, fault) {
		return
	}
	if fault == FaultUnauthorized || !s.authorized(r) {
		writeAccessDenied(w)
		return
	}
	if !isAPI || function == "" || strings.Contains(function, "/") {
		http.Error(w, "404 Not Found", http.StatusNotFound)
		return
	}
	if r.Form.Get("api.version") != "1" {
		// Without api.version the server answers in the legacy API 0
		// shape; this fake speaks only API 1.
		writeJSON(w, []byte(`{"status":0,"statusmsg":"cpaneltest speaks WHM API 1 only: add api.version=1"}`))
		return
	}
	if _, ok := wordings[fault]; ok {
		s.answerWording(w, function, fault, r.Form)
		return
	}
	switch fault {
	case FaultAPIError:
		s.reply(w, function, nil, false, "cpaneltest: injected failure of “"+function+"”.", "")
		return
	case FaultLegacyAPI:
		writeJSON(w, []byte(`{"status":1,"statusmsg":"Ok"}`))
		return
	case FaultWrongShape, FaultNullList, FaultWrongType:
		s.wrongShape(w, fault)
		return
	case FaultMalformed:
		if function != "listaccts" {
			writeJSON(w, []byte(`{"metadata":{"command":`+string(appendString(nil, function))+`,"result":1,"reason":"OK"`))
			return
		}
	}
	s.dispatch(w, function, r.Form, fault == FaultMalformed)
}

// authorized checks "Authorization: whm USER:TOKEN" or Basic USER:PASSWORD.
func (s *Server) authorized(r *http.Request) bool {
	h := strings.TrimSpace(r.Header.Get("Authorization"))
	scheme, rest, _ := strings.Cut(h, " ")
	switch strings.ToLower(scheme) {
	case "whm":
		user, token, ok := strings.Cut(strings.TrimSpace(rest), ":")
		// An access hash is sent with its newlines removed.
		token = strings.Join(strings.Fields(token), "")
		return ok && user == s.opts.Username && equal(token, s.opts.Token)
	case "basic":
		user, pass, ok := r.BasicAuth()
		return ok && user == s.opts.Username && equal(pass, s.opts.Password)
	}
	return false
}

func equal(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// wait sleeps d, or until the request's context ends; it reports whether
// the request is still wanted.
func wait(r *http.Request, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}

// normalizeDomain lower-cases a domain and drops a trailing dot.
func normalizeDomain(d string) string {
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(d)), ".")
}

// cleanReason drops what WHM's suspendacct script drops from a reason.
func cleanReason(r string) string {
	return strings.Map(func(c rune) rune {
		if c == '=' || c == '\n' || c == 0 {
			return -1
		}
		return c
	}, r)
}

// isReserved reports names WHM keeps for the system.
func isReserved(name string) bool {
	switch name {
	case "root", "nobody", "cpanel", "admin", "mail", "ftp", "www", "mysql", "virtfs", "cpses", "all", "system":
		return true
	}
	return false
}

var _ providertest.HTTPFake = (*Server)(nil)
