package directadmintest

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/accountsync/accountsync/internal/panelfake"
	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/providertest"
)

// Default credentials the fake accepts for its admin, as the password or
// as a login key.
const (
	Username = "admin"
	Password = "fake-Admin-Passw0rd"
	Token    = "FAKELOGINKEY0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV"
)

// Options configures [New].
type Options struct {
	// Accounts seed the server. Username (derived from the domain when
	// empty), Domain, Email, Product (the package), PrimaryIP, Created and
	// Status map onto user.conf; Extra["usertype"] ("user" or "reseller",
	// default "user") and Extra["creator"] (default the admin) too. Seeded
	// users have no password until one is set through the API.
	Accounts []provider.Account
	// Packages are the user packages; by default "default" plus every
	// Product of Accounts.
	Packages []string
	// Username, Password and Token are the admin's login, its password and
	// its login key (defaults: the package constants).
	Username, Password, Token string
	// Location is the zone date_created is written in (default UTC).
	Location *time.Location
	// Latency delays every answer.
	Latency time.Duration
	// SlowDelay is how long FaultSlow holds an answer (default 5s), or
	// less if the request's context ends first.
	SlowDelay time.Duration
	// Now stamps created users (default time.Now).
	Now func() time.Time
}

// Fault is a failure the server injects instead of (or into) an answer:
// one of the names every panel fake of this module shares (package
// providertest), or one of DirectAdmin's own below. Each is sent in
// DirectAdmin's own manner: FaultUnauthorized answers 401 with
// X-DirectAdmin: Unauthorized and the login page, as for wrong
// credentials; FaultServerError answers 500; FaultRateLimited 429 with
// Retry-After: 1; FaultSlow holds the answer for Options.SlowDelay or until
// the request's context ends, then answers normally; FaultTruncated
// declares a longer Content-Length than it sends, then hangs up; FaultHTML
// answers 200 with an HTML error page; FaultMalformed gives user-config
// answers a date_created that does not parse (other commands answer
// normally); FaultRedirect302 and FaultRedirect307 redirect to the
// [Server.RedirectTo] target.
//
// The listing faults apply to the user listings (CMD_API_SHOW_ALL_USERS,
// CMD_API_SHOW_USERS, CMD_API_SHOW_RESELLERS), and to one user's
// CMD_API_SHOW_USER_CONFIG under [Server.FailUser], where they answer no
// config ({} or error=0&text=Success), null ("null" or a bare "=") or a
// list (["admin"] or list[]=admin). With json=yes, where
// a listing is a bare array, FaultWrongShape answers {}, FaultNullList
// null and FaultWrongType "admin" (a string). URL-encoded, FaultWrongShape
// answers error=0&text=Success with no list[] at all (a real empty listing
// is an empty body), FaultNullList a bare "list=" and FaultWrongType a
// scalar "list=admin" instead of list[] entries.
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

	// FaultLoginPage answers 200 with DirectAdmin's HTML login page and no
	// X-DirectAdmin header, as some setups do for wrong credentials.
	FaultLoginPage Fault = "directadmin-login-page"
	// FaultCommandError answers 200 with error=1&text=...&details=..., a
	// command DirectAdmin could not carry out.
	FaultCommandError Fault = "directadmin-command-error"
)

// The wording faults answer HTTP 200 with one of DirectAdmin's own error
// messages (error=1&text=...&details=..., or {"error":...,"result":...}
// with json=yes), taken from the panel's English message table: the
// lang/en/internal/*.txt files every skin ships, cited as file:id (the
// copy read is github.com/WorkingClassKid/DirectAdmin-Evolution-FR). A
// "%s" in a message is filled with the user the request names (select0,
// user or username). They apply to every command, so FailFunction,
// FailUser and FailNext can aim them; the state is left as it is unless a
// fault says otherwise.
const (
	// FaultUserDidNotExist: "Error while deleting Users" (command.txt:16)
	// with "User %s did not exist on the server.  Removing it from your
	// list." (user.txt:50), what CMD_API_SELECT_USERS answers when the
	// user vanished between a client's check and its delete. As on the
	// panel, the named users are gone afterwards.
	FaultUserDidNotExist Fault = "directadmin-user-did-not-exist"
	// FaultUserDoesNotExist: "Cannot Execute Your Request" (command.txt:10)
	// with "That user does not exist" (command.txt:11).
	FaultUserDoesNotExist Fault = "directadmin-user-does-not-exist"
	// FaultNoSuchUser: "Cannot Execute Your Request" with "No such user"
	// (authentication.txt:4).
	FaultNoSuchUser Fault = "directadmin-no-such-user"
	// FaultNotYourUser: "Cannot Execute Your Request" with "That user does
	// not belong to you" (command.txt:12).
	FaultNotYourUser Fault = "directadmin-not-your-user"
	// FaultNotCreatedByYou: "Error while deleting Users" with "User %s was
	// not created by you-> Not Deleted." in bold (user.txt:54).
	FaultNotCreatedByYou Fault = "directadmin-not-created-by-you"
	// FaultNoControl: "Cannot Execute Your Request" with "You do not have
	// control over user %s" (command.txt:25).
	FaultNoControl Fault = "directadmin-no-control"
	// FaultAuthorityLevel: "You cannot execute that command"
	// (command.txt:351) with "The request you've made cannot be executed
	// because it does not exist in your authority level" (command.txt:352),
	// a refusal whose words include "does not exist".
	FaultAuthorityLevel Fault = "directadmin-authority-level"
	// FaultAlreadySuspended: "Cannot Execute Your Request" with "%s is
	// already suspended" (command.txt:30). The user is suspended
	// afterwards, as if someone else had got there first.
	FaultAlreadySuspended Fault = "directadmin-already-suspended"
	// FaultAlreadyUnsuspended: "Cannot Execute Your Request" with "%s is
	// already unsuspended" (command.txt:29). The user is active afterwards.
	FaultAlreadyUnsuspended Fault = "directadmin-already-unsuspended"
	// FaultUsernameTaken: "Cannot Create Account" (command.txt:33) with
	// "That username already exists on the system" (command.txt:34).
	FaultUsernameTaken Fault = "directadmin-username-taken"
	// FaultUserExists: "Error Creating User" (command.txt:45) with "User %s
	// already exists.  Please chose a different username." (user.txt:6).
	FaultUserExists Fault = "directadmin-user-exists"
	// FaultUserOnOtherServer: "Cannot Create Account" with "That User
	// already exists on another server" (user.txt:75), from a multi-server
	// cluster.
	FaultUserOnOtherServer Fault = "directadmin-user-on-other-server"
	// FaultDomainTaken: "Cannot Create Account" with "That domain already
	// exists" (command.txt:38).
	FaultDomainTaken Fault = "directadmin-domain-taken"
	// FaultDomainOnOtherServer: "Cannot Create Account" with "That domain
	// already exists on another server" (command.txt:39).
	FaultDomainOnOtherServer Fault = "directadmin-domain-on-other-server"
	// FaultPackageNotFound: "Cannot Create Account" with "Package not
	// found" (command.txt:35).
	FaultPackageNotFound Fault = "directadmin-package-not-found"
)

// A wording is the text and details a wording fault answers with.
type wording struct {
	text, details string
	effect        func(s *Server, names []string) // under s.mu
}

// wordings are the answers of the wording faults; see their constants.
var wordings = map[Fault]wording{
	FaultUserDidNotExist: {text: "Error while deleting Users",
		details: "User %s did not exist on the server.  Removing it from your list.<br>\n",
		effect: func(s *Server, names []string) {
			for _, n := range names {
				s.remove(n)
			}
		}},
	FaultUserDoesNotExist: {text: "Cannot Execute Your Request", details: "That user does not exist"},
	FaultNoSuchUser:       {text: "Cannot Execute Your Request", details: "No such user"},
	FaultNotYourUser:      {text: "Cannot Execute Your Request", details: "That user does not belong to you"},
	FaultNotCreatedByYou:  {text: "Error while deleting Users", details: "<b>User %s was not created by you-> Not Deleted.</b><br>\n"},
	FaultNoControl:        {text: "Cannot Execute Your Request", details: "You do not have control over user %s"},
	FaultAuthorityLevel: {text: "You cannot execute that command",
		details: "The request you've made cannot be executed because it does not exist in your authority level"},
	FaultAlreadySuspended: {text: "Cannot Execute Your Request", details: "%s is already suspended<br>\n",
		effect: func(s *Server, names []string) { s.setSuspended(names, true) }},
	FaultAlreadyUnsuspended: {text: "Cannot Execute Your Request", details: "%s is already unsuspended<br>\n",
		effect: func(s *Server, names []string) { s.setSuspended(names, false) }},
	FaultUsernameTaken:       {text: "Cannot Create Account", details: "That username already exists on the system"},
	FaultUserExists:          {text: "Error Creating User", details: "User %s already exists.  Please chose a different username."},
	FaultUserOnOtherServer:   {text: "Cannot Create Account", details: "That User already exists on another server"},
	FaultDomainTaken:         {text: "Cannot Create Account", details: "That domain already exists"},
	FaultDomainOnOtherServer: {text: "Cannot Create Account", details: "That domain already exists on another server"},
	FaultPackageNotFound:     {text: "Cannot Create Account", details: "Package not found"},
}

// Wordings returns every wording fault, in a fixed order.
func Wordings() []Fault {
	out := make([]Fault, 0, len(wordings))
	for f := range wordings {
		out = append(out, f)
	}
	slices.Sort(out)
	return out
}

// answerWording answers with the wording of f about the users the request
// names, and applies its effect.
func (s *Server) answerWording(a answer, f Fault, form url.Values) {
	w := wordings[f]
	names := named(form)
	if w.effect != nil {
		s.mu.Lock()
		w.effect(s, names)
		s.mu.Unlock()
	}
	who := strings.Join(names, ", ")
	a.fail(w.text, strings.ReplaceAll(w.details, "%s", who))
}

// named returns the users a request is about: select0, select1, ... or
// user or username.
func named(f url.Values) []string {
	var names []string
	for i := 0; ; i++ {
		n := f.Get("select" + strconv.Itoa(i))
		if n == "" {
			break
		}
		names = append(names, n)
	}
	if len(names) == 0 {
		for _, k := range []string{"user", "username"} {
			if n := f.Get(k); n != "" {
				return []string{n}
			}
		}
	}
	return names
}

// remove deletes a user. It runs under s.mu.
func (s *Server) remove(name string) {
	u := s.users[name]
	if u == nil {
		return
	}
	delete(s.users, name)
	delete(s.domains, strings.ToLower(u.domain))
	if i, found := slices.BinarySearch(s.names, name); found {
		s.names = slices.Delete(s.names, i, i+1)
	}
}

// setSuspended sets the users' suspension. It runs under s.mu.
func (s *Server) setSuspended(names []string, suspended bool) {
	for _, n := range names {
		if u := s.users[n]; u != nil {
			u.suspended = suspended
		}
	}
}

// isListing reports whether function lists users, the requests the
// listing-shape faults apply to.
func isListing(function string) bool {
	switch function {
	case "CMD_API_SHOW_ALL_USERS", "CMD_API_SHOW_USERS", "CMD_API_SHOW_RESELLERS":
		return true
	}
	return false
}

func applies(f Fault, function string) bool { return !f.IsWrongShape() || isListing(function) }

// wrongShape answers a listing with the shape f stands for.
func (a answer) wrongShape(f Fault) {
	if a.json {
		body := map[Fault]string{FaultWrongShape: "{}", FaultNullList: "null", FaultWrongType: `"admin"`}[f]
		a.write(http.StatusOK, body)
		return
	}
	body := map[Fault]string{FaultWrongShape: "error=0&text=Success", FaultNullList: "list=", FaultWrongType: "list=admin"}[f]
	a.write(http.StatusOK, body)
}

// wrongConfig answers a user-config call with the shape f stands for: no
// config at all ({} or error=0&text=Success), null (or a bare "="), or a
// list where the config belongs.
func (a answer) wrongConfig(f Fault) {
	if a.json {
		body := map[Fault]string{FaultWrongShape: "{}", FaultNullList: "null", FaultWrongType: `["admin"]`}[f]
		a.write(http.StatusOK, body)
		return
	}
	body := map[Fault]string{FaultWrongShape: "error=0&text=Success", FaultNullList: "=", FaultWrongType: "list%5B%5D=admin"}[f]
	a.write(http.StatusOK, body)
}

// user is one user.conf.
type user struct {
	username, usertype, creator string
	domain, email, ip, pkg      string
	created                     time.Time
	dateCreated                 string // as written to user.conf
	suspended                   bool
	password                    string
}

// Server is a fake DirectAdmin server. Its methods are safe for concurrent
// use with the requests it serves.
type Server struct {
	*httptest.Server
	opts Options

	mu       sync.RWMutex
	users    map[string]*user
	names    []string // sorted
	domains  map[string]string
	packages []string

	faults     panelfake.Faults
	fmu        sync.Mutex
	userFaults map[string]Fault
	funcFaults map[string]Fault
}

// New starts a server on 127.0.0.1 seeded from opts. The caller must Close
// it. It panics if two seeded accounts share a username or a domain.
func New(opts Options) *Server {
	if opts.Username == "" {
		opts.Username = Username
	}
	if opts.Password == "" {
		opts.Password = Password
	}
	if opts.Token == "" {
		opts.Token = Token
	}
	if opts.Location == nil {
		opts.Location = time.UTC
	}
	if opts.SlowDelay <= 0 {
		opts.SlowDelay = 5 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Server{
		opts:       opts,
		users:      make(map[string]*user, len(opts.Accounts)+1),
		domains:    make(map[string]string, len(opts.Accounts)),
		userFaults: map[string]Fault{},
		funcFaults: map[string]Fault{},
	}
	s.users[opts.Username] = &user{username: opts.Username, usertype: "admin", creator: "root",
		email: "admin@localhost", dateCreated: "", password: opts.Password}
	pkgs := opts.Packages
	if len(pkgs) == 0 {
		pkgs = []string{"default"}
	}
	for _, a := range opts.Accounts {
		u := s.seed(a)
		if len(opts.Packages) == 0 && u.pkg != "" && !slices.Contains(pkgs, u.pkg) {
			pkgs = append(pkgs, u.pkg)
		}
	}
	s.packages = pkgs
	for name := range s.users {
		s.names = append(s.names, name)
	}
	sort.Strings(s.names)
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// NewServer starts a server seeded with accounts and closes it when the
// test ends.
func NewServer(t testing.TB, accounts ...provider.Account) *Server {
	t.Helper()
	s := New(Options{Accounts: accounts})
	t.Cleanup(s.Close)
	return s
}

var nonAlnum = regexp.MustCompile(`[^a-z0-9]`)

// seed adds one account. It runs before the server starts.
func (s *Server) seed(a provider.Account) *user {
	name := strings.ToLower(a.Username)
	if name == "" {
		label, _, _ := strings.Cut(strings.ToLower(a.Domain), ".")
		name = nonAlnum.ReplaceAllString(label, "")
		if name == "" || name[0] < 'a' || name[0] > 'z' {
			name = "u" + name
		}
		name = name[:min(len(name), 8)]
		for i := 1; s.users[name] != nil; i++ {
			suffix := strconv.Itoa(i)
			name = name[:min(len(name), 8-len(suffix))] + suffix
		}
	}
	if s.users[name] != nil {
		panic("directadmintest: two seeded accounts share the username " + strconv.Quote(name))
	}
	domain := strings.ToLower(a.Domain)
	if owner, dup := s.domains[domain]; dup && domain != "" {
		panic("directadmintest: seeded accounts " + strconv.Quote(owner) + " and " + strconv.Quote(name) + " share the domain " + strconv.Quote(domain))
	}
	u := &user{
		username: name, usertype: a.Extra["usertype"], creator: a.Extra["creator"],
		domain: a.Domain, email: a.Email, ip: a.PrimaryIP, pkg: a.Product,
		suspended: a.Status == provider.StatusSuspended,
	}
	if u.usertype == "" {
		u.usertype = "user"
	}
	if u.creator == "" {
		u.creator = s.opts.Username
	}
	s.setCreated(u, a.Created)
	s.users[name] = u
	if domain != "" {
		s.domains[domain] = name
	}
	return u
}

// setCreated records a creation time as DirectAdmin writes it: ctime's
// form, server-local, whole seconds.
func (s *Server) setCreated(u *user, t time.Time) {
	if t.IsZero() {
		u.created, u.dateCreated = time.Time{}, ""
		return
	}
	u.created = t.In(s.opts.Location).Truncate(time.Second)
	u.dateCreated = u.created.Format(time.ANSIC)
}

// Accounts returns the users and resellers as a client lists them, sorted
// by username, without consulting the fault knobs. Admins are left out.
func (s *Server) Accounts() []provider.Account {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]provider.Account, 0, len(s.names))
	for _, name := range s.names {
		u := s.users[name]
		if u.usertype == "admin" {
			continue
		}
		status := provider.StatusActive
		if u.suspended {
			status = provider.StatusSuspended
		}
		out = append(out, provider.Account{
			Email: u.email, Username: u.username, Domain: u.domain, UniqueIdentifier: u.domain,
			Product: u.pkg, PrimaryIP: u.ip, Created: u.created, Status: status,
			Extra: map[string]string{"usertype": u.usertype, "creator": u.creator},
		})
	}
	return out
}

// CheckPassword reports whether username's password (or, for the admin,
// its password or login key) is password.
func (s *Server) CheckPassword(username, password string) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	u := s.users[username]
	if u == nil {
		return false
	}
	if u.usertype == "admin" && username == s.opts.Username && password == s.opts.Token {
		return true
	}
	return u.password != "" && u.password == password
}

// SetFault makes every request the fault applies to get f, until
// SetFault(FaultNone).
func (s *Server) SetFault(f Fault) { s.faults.SetFault(f) }

// FailNext makes the next n requests the fault applies to get f. It takes
// precedence over FailFunction and SetFault.
func (s *Server) FailNext(f Fault, n int) { s.faults.FailNext(f, n) }

// FailAfter lets the next skip requests f applies to pass, then makes n
// of them get f, with FailNext's precedence.
func (s *Server) FailAfter(f Fault, skip, n int) { s.faults.FailAfter(f, skip, n) }

// RedirectTo sets the Location FaultRedirect302 and FaultRedirect307
// answer with.
func (s *Server) RedirectTo(target string) { s.faults.RedirectTo(target) }

// Requests returns the requests for function ("" for all), oldest first;
// the server keeps the last 1000.
func (s *Server) Requests(function string) []providertest.Request {
	return s.faults.Requests(function)
}

// FailUser makes every CMD_API_SHOW_USER_CONFIG request for username get f
// (FaultCommandError for a panel-level failure of that one user), until
// FailUser(username, FaultNone).
func (s *Server) FailUser(username string, f Fault) {
	s.fmu.Lock()
	defer s.fmu.Unlock()
	if f == FaultNone {
		delete(s.userFaults, username)
		return
	}
	s.userFaults[username] = f
}

// FailFunction makes every request to function (such as
// "CMD_API_SELECT_USERS") get f, until FailFunction(function, FaultNone).
// FailNext takes precedence over it, and it over SetFault.
func (s *Server) FailFunction(function string, f Fault) {
	s.fmu.Lock()
	defer s.fmu.Unlock()
	if f == FaultNone {
		delete(s.funcFaults, function)
		return
	}
	s.funcFaults[function] = f
}

// Calls returns how many requests reached the function, such as
// "CMD_API_SHOW_USER_CONFIG", failed and refused ones included.
func (s *Server) Calls(function string) int { return s.faults.Calls(function) }

// begin records a request and returns the fault it gets.
func (s *Server) begin(fn string, r *http.Request) Fault {
	s.faults.Record(fn, r)
	if f, ok := s.faults.TakeScheduled(fn, applies); ok {
		return f
	}
	s.fmu.Lock()
	f, ok := s.funcFaults[fn]
	s.fmu.Unlock()
	if ok && applies(f, fn) {
		return f
	}
	return s.faults.Sticky(fn, applies)
}

func (s *Server) userFault(name string) Fault {
	s.fmu.Lock()
	defer s.fmu.Unlock()
	return s.userFaults[name]
}

// actor is who a request acts as.
type actor struct {
	name, usertype string
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	fn := strings.TrimPrefix(r.URL.Path, "/")
	fault := s.begin(fn, r)
	if s.opts.Latency > 0 && !sleep(r.Context(), s.opts.Latency) {
		return
	}
	if fault == FaultSlow && !sleep(r.Context(), s.opts.SlowDelay) {
		return
	}
	if s.faults.Redirect(w, fault) || s.inject(w, fault) {
		return
	}
	who, ok := s.authenticate(r)
	if !ok {
		unauthorized(w)
		return
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	a := answer{w: w, json: r.Form.Get("json") == "yes"}
	if fault.IsWrongShape() {
		a.wrongShape(fault)
		return
	}
	if _, ok := wordings[fault]; ok {
		s.answerWording(a, fault, r.Form)
		return
	}
	switch fn {
	case "CMD_API_SHOW_ALL_USERS":
		s.showAllUsers(a, who)
	case "CMD_API_SHOW_USERS":
		s.showUsers(a, who, r.Form.Get("reseller"))
	case "CMD_API_SHOW_RESELLERS":
		s.showResellers(a, who)
	case "CMD_API_SHOW_USER_CONFIG":
		name := r.Form.Get("user")
		if f := s.userFault(name); f != FaultNone {
			if f == FaultSlow && !sleep(r.Context(), s.opts.SlowDelay) {
				return
			}
			if s.inject(w, f) {
				return
			}
			if _, ok := wordings[f]; ok {
				s.answerWording(a, f, r.Form)
				return
			}
			if f.IsWrongShape() {
				a.wrongConfig(f)
				return
			}
			fault = f
		}
		s.showUserConfig(a, who, name, fault == FaultMalformed)
	case "CMD_API_ACCOUNT_USER":
		s.accountUser(a, who, r.Form)
	case "CMD_API_SELECT_USERS":
		s.selectUsers(a, who, r.Form)
	case "CMD_API_PACKAGES_USER":
		s.mu.RLock()
		pkgs := slices.Clone(s.packages)
		s.mu.RUnlock()
		a.list(pkgs)
	case "CMD_API_USER_PASSWD":
		s.userPasswd(a, who, r.Form)
	default:
		http.Error(w, "Not Found", http.StatusNotFound)
	}
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

const loginPage = `<!DOCTYPE html>
<html><head><title>DirectAdmin Login</title></head>
<body><form action="/CMD_LOGIN" method="POST"><input name="username"><input type="password" name="password"></form></body></html>
`

func unauthorized(w http.ResponseWriter) {
	w.Header().Set("X-DirectAdmin", "Unauthorized")
	w.Header().Set("Content-Type", "text/html")
	w.WriteHeader(http.StatusUnauthorized)
	fmt.Fprint(w, loginPage)
}

// inject writes the answer of a fault and reports whether it did.
// FaultNone, FaultSlow (already waited) and FaultMalformed write nothing.
func (s *Server) inject(w http.ResponseWriter, f Fault) bool {
	switch f {
	case FaultUnauthorized:
		unauthorized(w)
	case FaultServerError:
		http.Error(w, "Internal Server Error", http.StatusInternalServerError)
	case FaultRateLimited:
		w.Header().Set("Retry-After", "1")
		http.Error(w, "Too Many Requests", http.StatusTooManyRequests)
	case FaultTruncated:
		hj, ok := w.(http.Hijacker)
		if !ok {
			http.Error(w, "cannot truncate", http.StatusInternalServerError)
			return true
		}
		conn, buf, err := hj.Hijack()
		if err != nil {
			return true
		}
		writeTruncated(buf)
		conn.Close()
	case FaultHTML:
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<!DOCTYPE html>\n<html><head><title>500 Internal Error</title></head><body><h1>Something went wrong</h1></body></html>\n")
	case FaultLoginPage:
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, loginPage)
	case FaultCommandError:
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprint(w, "error=1&text=Cannot%20execute%20your%20request&details=An%20internal%20error%20occurred%26%2360%3Bbr%26%2362%3B")
	default:
		return false
	}
	return true
}

func writeTruncated(buf *bufio.ReadWriter) {
	body := "list%5B%5D=alice&list%5B%5D=bo"
	fmt.Fprintf(buf, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s", len(body)+512, body)
	buf.Flush()
}

// authenticate checks basic auth: "login:secret" or "login|user:secret".
// The admin's secret is its password or login key; a reseller's or user's
// is the password last set for it.
func (s *Server) authenticate(r *http.Request) (actor, bool) {
	login, secret, ok := r.BasicAuth()
	if !ok || secret == "" {
		return actor{}, false
	}
	login, as, impersonate := strings.Cut(login, "|")
	s.mu.RLock()
	defer s.mu.RUnlock()
	u := s.users[login]
	if u == nil || u.suspended {
		return actor{}, false
	}
	valid := u.password != "" && secret == u.password
	if login == s.opts.Username && secret == s.opts.Token {
		valid = true
	}
	if !valid {
		return actor{}, false
	}
	who := actor{name: u.username, usertype: u.usertype}
	if impersonate {
		t := s.users[as]
		if t == nil || !(who.usertype == "admin" || t.creator == who.name) {
			return actor{}, false
		}
		who = actor{name: t.username, usertype: t.usertype}
	}
	return who, true
}

// manages reports whether who may act on u.
func (who actor) manages(u *user) bool {
	return who.usertype == "admin" || u.creator == who.name
}

func (s *Server) showAllUsers(a answer, who actor) {
	if who.usertype != "admin" {
		a.refuse()
		return
	}
	s.mu.RLock()
	names := slices.Clone(s.names)
	s.mu.RUnlock()
	a.list(names)
}

func (s *Server) showUsers(a answer, who actor, reseller string) {
	owner := who.name
	switch {
	case who.usertype == "user":
		a.refuse()
		return
	case reseller != "" && who.usertype != "admin":
		a.refuse()
		return
	case reseller != "":
		owner = reseller
	}
	s.mu.RLock()
	var names []string
	for _, n := range s.names {
		if u := s.users[n]; u.usertype == "user" && u.creator == owner {
			names = append(names, n)
		}
	}
	s.mu.RUnlock()
	a.list(names)
}

func (s *Server) showResellers(a answer, who actor) {
	if who.usertype != "admin" {
		a.refuse()
		return
	}
	s.mu.RLock()
	var names []string
	for _, n := range s.names {
		if s.users[n].usertype == "reseller" {
			names = append(names, n)
		}
	}
	s.mu.RUnlock()
	a.list(names)
}

func (s *Server) showUserConfig(a answer, who actor, name string, malformed bool) {
	s.mu.RLock()
	u := s.users[name]
	var conf [][2]string
	if u != nil && (who.manages(u) || who.name == name) {
		conf = userConf(u)
	}
	s.mu.RUnlock()
	switch {
	case u == nil:
		a.fail("Cannot Execute Your Request", "That user does not exist")
	case conf == nil:
		a.fail("Cannot Execute Your Request", "That user does not belong to you")
	default:
		if malformed {
			for i := range conf {
				if conf[i][0] == "date_created" {
					conf[i][1] = "sometime last spring"
				}
			}
		}
		a.fields(conf)
	}
}

// userConf renders a user.conf, keys in DirectAdmin's alphabetical order.
func userConf(u *user) [][2]string {
	suspended := "no"
	if u.suspended {
		suspended = "yes"
	}
	return [][2]string{
		{"account", "ON"},
		{"bandwidth", "unlimited"},
		{"creator", u.creator},
		{"date_created", u.dateCreated},
		{"domain", u.domain},
		{"email", u.email},
		{"ip", u.ip},
		{"ips", "1"},
		{"language", "en"},
		{"package", u.pkg},
		{"quota", "1024"},
		{"suspended", suspended},
		{"username", u.username},
		{"usertype", u.usertype},
		{"vdomains", "unlimited"},
	}
}

var (
	validUsername = regexp.MustCompile(`^[a-z][a-z0-9]{2,15}$`)
	validDomain   = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$`)
)

func (s *Server) accountUser(a answer, who actor, f url.Values) {
	if who.usertype == "user" {
		a.refuse()
		return
	}
	if f.Get("action") != "create" {
		a.fail("Unable to Create User", "Unknown action "+f.Get("action"))
		return
	}
	name, domain := f.Get("username"), strings.ToLower(f.Get("domain"))
	email, pw, ip, pkg := f.Get("email"), f.Get("passwd"), f.Get("ip"), f.Get("package")
	s.mu.Lock()
	defer s.mu.Unlock()
	const cannot = "Cannot Create Account" // command.txt:33
	switch {
	case !validUsername.MatchString(name):
		a.fail(cannot, "The username is invalid. Usernames must start with a-z, contain >= 3 characters and <= 16.") // command.txt:32
	case s.users[name] != nil:
		a.fail(cannot, "That username already exists on the system") // command.txt:34
	case !validDomain.MatchString(domain):
		a.fail(cannot, "Invalid Domain") // user.txt:109
	case s.domains[domain] != "":
		a.fail(cannot, "That domain already exists") // command.txt:38
	case !strings.Contains(email, "@") || strings.ContainsAny(email, " \t\r\n"):
		a.fail(cannot, "Invalid E-Mail") // user.txt:121
	case pw != f.Get("passwd2"):
		a.fail(cannot, "Passwords do not match") // command.txt:9
	case len(pw) < 5:
		a.fail(cannot, "Password is too short") // command.txt:6
	case net.ParseIP(ip) == nil:
		a.fail(cannot, "You must provide a valid ip") // user.txt:23
	case !slices.Contains(s.packages, pkg):
		a.fail(cannot, "Package not found") // command.txt:35
	default:
		u := &user{username: name, usertype: "user", creator: who.name, domain: domain, email: email,
			ip: ip, pkg: pkg, password: pw}
		s.setCreated(u, s.opts.Now())
		s.users[name] = u
		s.domains[domain] = name
		i, _ := slices.BinarySearch(s.names, name)
		s.names = slices.Insert(s.names, i, name)
		a.ok("User "+name+" created", "") // command.txt:44
	}
}

// selectUsers deletes (delete=yes&confirmed=Confirm) or toggles the
// suspension (any suspend=...) of select0, select1, ...
func (s *Server) selectUsers(a answer, who actor, f url.Values) {
	if who.usertype == "user" {
		a.refuse()
		return
	}
	var names []string
	for i := 0; ; i++ {
		n := f.Get("select" + strconv.Itoa(i))
		if n == "" {
			break
		}
		names = append(names, n)
	}
	del := f.Get("delete") == "yes" && f.Get("confirmed") == "Confirm"
	_, toggle := f["suspend"]
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case len(names) == 0:
		a.fail("No users selected", "Select at least one user")
		return
	case !del && !toggle:
		a.fail("Unknown action", "Send delete=yes&confirmed=Confirm or suspend")
		return
	}
	text := "Cannot Execute Your Request" // command.txt:1
	if del {
		text = "Error while deleting Users" // command.txt:16
	}
	for _, n := range names {
		u := s.users[n]
		switch {
		case u == nil:
			a.fail(text, "That user does not exist") // command.txt:11
			return
		case (!who.manages(u) || u.usertype == "admin") && del:
			a.fail(text, "<b>User "+n+" was not created by you-> Not Deleted.</b><br>\n") // user.txt:54
			return
		case !who.manages(u) || u.usertype == "admin":
			a.fail(text, "You do not have control over user "+n) // command.txt:25
			return
		}
	}
	var log strings.Builder
	for _, n := range names {
		u := s.users[n]
		if del {
			s.remove(n)
			log.WriteString("User " + n + " Removed<br>\n") // command.txt:49
			continue
		}
		u.suspended = !u.suspended
	}
	if del {
		a.ok("Users deleted", log.String()) // command.txt:15
		return
	}
	a.ok("Success", "All selected Users have been suspended") // command.txt:26, :27
}

func (s *Server) userPasswd(a answer, who actor, f url.Values) {
	name, pw := f.Get("username"), f.Get("passwd")
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.users[name]
	const cannot = "Cannot change password" // command.txt:2
	switch {
	case u == nil:
		a.fail(cannot, "That user does not exist") // command.txt:11
	case !who.manages(u) && who.name != name:
		a.fail(cannot, "That user does not belong to you") // command.txt:12
	case pw != f.Get("passwd2"):
		a.fail(cannot, "Passwords do not match") // command.txt:9
	case len(pw) < 5:
		a.fail(cannot, "Password is too short") // command.txt:6
	default:
		u.password = pw
		a.ok("Password Changed", "")
	}
}

// answer writes in the form the request asked for.
type answer struct {
	w    http.ResponseWriter
	json bool
}

func (a answer) write(status int, body string) {
	if a.json {
		a.w.Header().Set("Content-Type", "application/json")
	} else {
		a.w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	}
	a.w.WriteHeader(status)
	a.w.Write([]byte(body))
}

// list writes list[]=a&list[]=b, or a JSON array.
func (a answer) list(items []string) {
	if a.json {
		if items == nil {
			items = []string{}
		}
		b, _ := json.Marshal(items)
		a.write(http.StatusOK, string(b))
		return
	}
	var b strings.Builder
	b.Grow(len(items) * 24)
	for i, it := range items {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString("list%5B%5D=")
		b.WriteString(escape(it))
	}
	a.write(http.StatusOK, b.String())
}

// fields writes key=value pairs in order, or a JSON object.
func (a answer) fields(kv [][2]string) {
	if a.json {
		m := make(map[string]string, len(kv))
		for _, p := range kv {
			m[p[0]] = p[1]
		}
		b, _ := json.Marshal(m)
		a.write(http.StatusOK, string(b))
		return
	}
	var b strings.Builder
	b.Grow(len(kv) * 24)
	for i, p := range kv {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p[0])
		b.WriteByte('=')
		b.WriteString(escape(p[1]))
	}
	a.write(http.StatusOK, b.String())
}

// escape URL-encodes a value the way DirectAdmin does: HTML-special
// characters as character references (&#60;), then percent-encoded.
func escape(v string) string {
	if strings.ContainsAny(v, "<>") {
		v = strings.NewReplacer("<", "&#60;", ">", "&#62;").Replace(v)
	}
	return strings.ReplaceAll(url.QueryEscape(v), "+", "%20")
}

func (a answer) ok(text, details string) {
	if a.json {
		b, _ := json.Marshal(map[string]string{"success": text, "result": details})
		a.write(http.StatusOK, string(b))
		return
	}
	a.write(http.StatusOK, "error=0&text="+escape(text)+"&details="+escape(details))
}

func (a answer) fail(text, details string) {
	a.failStatus(http.StatusOK, text, details)
}

func (a answer) failStatus(status int, text, details string) {
	if a.json {
		b, _ := json.Marshal(map[string]string{"error": text, "result": html.EscapeString(details)})
		a.write(status, string(b))
		return
	}
	a.write(status, "error=1&text="+escape(text)+"&details="+escape(details))
}

// refuse is DirectAdmin's answer to a command the login may not run.
func (a answer) refuse() {
	a.failStatus(http.StatusForbidden, "You cannot execute that command", "")
}

var _ providertest.HTTPFake = (*Server)(nil)
