package whmcstest

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/accountsync/accountsync/internal/panelfake"
)

// Version is the WHMCS version the fake claims in XML answers.
const Version = "8.12.1-release.1"

// Default credentials and settings the server accepts when Options leaves
// them empty.
const (
	// Identifier and Secret are API credentials in the form WHMCS issues
	// them: 32 letters and digits each.
	Identifier = "WHMCSTESTidentifier0000000000001"
	Secret     = "WHMCSTESTsecret00000000000000001"
	// AdminUsername and AdminPassword are the legacy login: the password
	// travels as its MD5 hash.
	AdminUsername = "admin"
	AdminPassword = "whmcstest-Admin-Passw0rd"
	// Gateway is the one active payment gateway ("Mail In Payment").
	Gateway = "mailin"
	// WelcomeTemplate is the product welcome e-mail template every product
	// uses unless it names another.
	WelcomeTemplate = "Hosting Account Welcome Email"
)

// Numbers chooses how numbers are written in answers.
type Numbers int

// The number styles of [Options.Numbers].
const (
	// NumbersAsDocumented writes them as WHMCS's documentation examples
	// show them: strings in GetClientsProducts rows and totals, and in
	// the IDs AddClient, AddOrder and UpdateClientProduct answer; JSON
	// numbers elsewhere (startnumber, numreturned, GetClients,
	// GetProducts, GetServers, GetUsers).
	NumbersAsDocumented Numbers = iota
	// NumbersAsStrings writes every number as a string.
	NumbersAsStrings
	// NumbersAsInts writes every number as a JSON number.
	NumbersAsInts
)

// Options configures a [Server]. The zero value is an empty WHMCS that
// accepts [Identifier] and [Secret] from loopback, allows every action,
// has the [Gateway] payment gateway and the usual e-mail templates.
type Options struct {
	// Identifier and Secret are the API credentials accepted (defaults
	// [Identifier], [Secret]).
	Identifier string
	Secret     string
	// AllowedActions is the API role of those credentials: the actions
	// they may call, in any case. nil allows every action.
	AllowedActions []string
	// AdminUsername and AdminPassword are the legacy admin login (defaults
	// [AdminUsername], [AdminPassword]), sent as username and the MD5 of
	// the password; it may call every action.
	AdminUsername string
	AdminPassword string
	// AccessKey is configuration.php's $api_access_key; empty means none
	// is configured, so every caller must be on AllowedIPs.
	AccessKey string
	// AllowedIPs is the API IP allow-list (default 127.0.0.1 and ::1).
	// Use []string{} for an empty list.
	AllowedIPs []string
	// BanAfter bans the caller's IP after that many failed logins, so that
	// every later request gets "IP Banned" (0: never).
	BanAfter int
	// Gateways are the active payment gateway modules (default
	// [Gateway]).
	Gateways []string
	// Templates are the e-mail templates SendEmail knows, by name, with
	// their type ("product", "general", ...); the default set holds
	// WHMCS's stock templates, such as [WelcomeTemplate].
	Templates map[string]string
	// Numbers chooses how numbers are written in answers.
	Numbers Numbers
	// BinaryCollation makes GetClientsDetails match e-mail addresses
	// exactly, as on a database whose collation is case-sensitive; by
	// default it ignores case, as MySQL's usual collations do.
	BinaryCollation bool
	// Now is the server's clock, for order, registration and termination
	// dates (default time.Now, in UTC).
	Now func() time.Time
	// Latency delays every request, or until the request's context ends.
	Latency time.Duration
	// SlowDelay is how long [FaultSlow] holds a request before answering
	// normally (default one minute), unless the request's context ends.
	SlowDelay time.Duration
	// TLS serves https with a self-signed certificate; pin it with
	// [Server.CertSHA256] or use Server.Client().
	TLS bool
}

// HostingServer is a server WHMCS provisions on (tblservers).
type HostingServer struct {
	ID       string
	Name     string
	Hostname string
	IP       string
	// Module is the server type, such as "cpanel".
	Module string
	// Default marks the server AddOrder assigns new services of its
	// module to; without one, the first server of the module is used.
	Default bool
	// Disabled servers are left out of GetServers.
	Disabled bool
	// Addons is the number of active module-provisioned addons on the
	// server, which GetServers counts with the services.
	Addons int
}

// Product is a product (tblproducts).
type Product struct {
	ID      string
	GroupID string
	Name    string
	// Type is hostingaccount, reselleraccount, server or other.
	Type string
	// PayType is free, onetime or recurring.
	PayType     string
	Description string
	// Module is the server module (servertype), and Package its first
	// setting (configoption1), which GetProducts never returns.
	Module  string
	Package string
	Hidden  bool
	// AutoSetup is "" (never), "on" (when the order is accepted), "order"
	// or "payment".
	AutoSetup string
	// WelcomeEmail is the product's welcome template (default
	// [WelcomeTemplate]).
	WelcomeEmail string
	// Price is the recurring price of every cycle ("0.00" when empty).
	Price        string
	CustomFields []CustomField
}

// CustomField is a product custom field.
type CustomField struct {
	ID   string
	Name string
	// ShowOnOrder makes GetProducts list the field; GetClientsProducts
	// lists every field.
	ShowOnOrder bool
}

// Client is a client account (tblclients).
type Client struct {
	ID          string
	OwnerUserID string
	FirstName   string
	LastName    string
	CompanyName string
	Email       string
	// Status is Active, Inactive or Closed.
	Status string
}

// User is a login (WHMCS 8 users), which owns clients.
type User struct {
	ID        string
	Email     string
	FirstName string
	LastName  string
	ClientIDs []string
}

// Service is a client's product (tblhosting). Dates are "2006-01-02", with
// "0000-00-00" for none.
type Service struct {
	ID        string
	ClientID  string
	OrderID   string
	ProductID string
	ServerID  string
	Domain    string
	Username  string
	// Password is kept as given and sent back decrypted by
	// GetClientsProducts, as WHMCS does.
	Password        string
	Status          string
	BillingCycle    string
	PaymentMethod   string
	DedicatedIP     string
	AssignedIPs     string
	Notes           string
	SuspendReason   string
	RegDate         string
	NextDueDate     string
	NextInvoiceDate string
	TerminationDate string
	CompletedDate   string
	FirstPayment    string
	Amount          string
	// CustomFields holds values by field ID.
	CustomFields map[string]string
}

// Order is an order (tblorders).
type Order struct {
	ID            string
	OrderNumber   string
	ClientID      string
	Status        string
	PaymentMethod string
	InvoiceID     string
	// ServiceIDs are the services the order created.
	ServiceIDs []string
}

// Invoice is an invoice an order generated.
type Invoice struct {
	ID       string
	ClientID string
	OrderID  string
}

// Email is a message WHMCS sent: by SendEmail, or by itself (a welcome on
// AcceptOrder, an order confirmation, an invoice, a client signup).
type Email struct {
	Template string
	// Type is the template's type: product, general or invoice.
	Type string
	// RelID is the service, client or invoice it is about.
	RelID string
	// Action is the API action that sent it.
	Action string
}

// Activity is an activity log line.
type Activity struct {
	Description string
	ClientID    string
	// Action is the API action that wrote it.
	Action string
}

// ModuleCall is a call WHMCS made to a server module: what an import must
// never cause.
type ModuleCall struct {
	// Function is the module function: CreateAccount, TerminateAccount,
	// SuspendAccount, UnsuspendAccount or ChangePassword.
	Function  string
	ServiceID string
	Action    string
}

// Server is a running fake WHMCS. URL, Client and Close come from the
// embedded httptest.Server. It is safe for concurrent use.
type Server struct {
	*httptest.Server

	opts Options

	mu        sync.Mutex
	servers   []*HostingServer
	groups    map[string]string // id -> name
	products  []*Product
	clients   []*Client
	users     []*User
	services  []*Service
	orders    []*Order
	invoices  []Invoice
	emails    []Email
	activity  []Activity
	modules   []ModuleCall
	seq       map[string]int
	failed    int // failed logins
	banned    bool
	allowed   []string // IP allow-list
	faults    panelfake.Faults
	failCalls map[string]map[int]string // action -> call number -> message
	drops     map[string]map[int]bool   // action -> call number
	hooks     map[string][]func(call int)
}

// New starts a server on 127.0.0.1 with opts. The caller must Close it.
func New(opts Options) *Server {
	if opts.Identifier == "" {
		opts.Identifier = Identifier
	}
	if opts.Secret == "" {
		opts.Secret = Secret
	}
	if opts.AdminUsername == "" {
		opts.AdminUsername = AdminUsername
	}
	if opts.AdminPassword == "" {
		opts.AdminPassword = AdminPassword
	}
	if opts.AllowedIPs == nil {
		opts.AllowedIPs = []string{"127.0.0.1", "::1"}
	}
	if opts.Gateways == nil {
		opts.Gateways = []string{Gateway}
	}
	if opts.Templates == nil {
		opts.Templates = map[string]string{
			WelcomeTemplate:                       "product",
			"Reseller Account Welcome Email":      "product",
			"Dedicated/VPS Server Welcome Email":  "product",
			"Other Product/Service Welcome Email": "product",
			"Service Suspension Notification":     "product",
			"Client Signup Email":                 "general",
			"Order Confirmation":                  "general",
			"Invoice Created":                     "invoice",
		}
	}
	if opts.Now == nil {
		opts.Now = func() time.Time { return time.Now().UTC() }
	}
	if opts.SlowDelay <= 0 {
		opts.SlowDelay = time.Minute
	}
	s := &Server{
		opts:      opts,
		groups:    map[string]string{},
		seq:       map[string]int{},
		allowed:   slices.Clone(opts.AllowedIPs),
		failCalls: map[string]map[int]string{},
		drops:     map[string]map[int]bool{},
		hooks:     map[string][]func(int){},
	}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(s.serveHTTP))
	// Connections the faults drop on purpose would be logged.
	s.Config.ErrorLog = log.New(io.Discard, "", 0)
	if opts.TLS {
		s.StartTLS()
	} else {
		s.Start()
	}
	return s
}

// NewServer starts a server with opts and closes it when the test ends.
func NewServer(t testing.TB, opts Options) *Server {
	t.Helper()
	s := New(opts)
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

// PasswordHash returns the MD5 hex of a password, the form the legacy
// admin login sends.
func PasswordHash(password string) string {
	sum := md5.Sum([]byte(password))
	return hex.EncodeToString(sum[:])
}

func (s *Server) next(kind string) string {
	s.seq[kind]++
	return strconv.Itoa(s.seq[kind])
}

func (s *Server) today() string { return s.opts.Now().Format(dateLayout) }

const (
	dateLayout = "2006-01-02"
	noDate     = "0000-00-00"
)

// AddHostingServer adds a server and returns its ID.
func (s *Server) AddHostingServer(h HostingServer) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := h
	c.ID = s.next("server")
	s.servers = append(s.servers, &c)
	return c.ID
}

// SetServerAddons sets how many active module addons server id has.
func (s *Server) SetServerAddons(id string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if h := s.server(id); h != nil {
		h.Addons = n
	}
}

// AddProductGroup adds a product group and returns its ID.
func (s *Server) AddProductGroup(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.next("group")
	s.groups[id] = name
	return id
}

// DeleteProductGroup deletes a group and leaves its products, which
// GetProducts and GetClientsProducts then no longer show.
func (s *Server) DeleteProductGroup(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.groups, id)
}

// AddProduct adds a product and returns its ID. Custom fields get IDs when
// they have none.
func (s *Server) AddProduct(p Product) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addProduct(p)
}

func (s *Server) addProduct(p Product) string {
	c := p
	c.ID = s.next("product")
	if c.Type == "" {
		c.Type = "hostingaccount"
	}
	if c.PayType == "" {
		c.PayType = "free"
	}
	c.CustomFields = slices.Clone(p.CustomFields)
	for i := range c.CustomFields {
		if c.CustomFields[i].ID == "" {
			c.CustomFields[i].ID = s.next("customfield")
		}
	}
	s.products = append(s.products, &c)
	return c.ID
}

// DeleteProduct deletes a product the way the admin area lets one, and
// keeps its services: they become invisible to GetClientsProducts.
func (s *Server) DeleteProduct(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.products = slices.DeleteFunc(s.products, func(p *Product) bool { return p.ID == id })
}

// AddClient adds a client, and an owner user with its e-mail address,
// and returns the client's ID.
func (s *Server) AddClient(c Client) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addClient(c, "")
}

func (s *Server) addClient(c Client, owner string) string {
	n := c
	n.ID = s.next("client")
	if n.Status == "" {
		n.Status = "Active"
	}
	if owner == "" && n.OwnerUserID == "" {
		owner = s.addUser(User{Email: c.Email, FirstName: c.FirstName, LastName: c.LastName})
	}
	if owner != "" {
		n.OwnerUserID = owner
	}
	if u := s.user(n.OwnerUserID); u != nil {
		u.ClientIDs = append(u.ClientIDs, n.ID)
	}
	s.clients = append(s.clients, &n)
	return n.ID
}

// AddUser adds a login without a client, as WHMCS 8 allows, and returns
// its ID.
func (s *Server) AddUser(u User) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addUser(u)
}

func (s *Server) addUser(u User) string {
	n := u
	n.ID = s.next("user")
	n.ClientIDs = slices.Clone(u.ClientIDs)
	s.users = append(s.users, &n)
	return n.ID
}

// AddService adds a service as it is and returns its ID. Empty dates are
// "0000-00-00", an empty status is Active and an empty cycle "Monthly".
func (s *Server) AddService(svc Service) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := svc
	c.ID = s.next("service")
	if c.Status == "" {
		c.Status = "Active"
	}
	if c.BillingCycle == "" {
		c.BillingCycle = "Monthly"
	}
	if c.ServerID == "" {
		c.ServerID = "0"
	}
	for _, d := range []*string{&c.RegDate, &c.NextDueDate, &c.NextInvoiceDate, &c.TerminationDate, &c.CompletedDate} {
		if *d == "" {
			*d = noDate
		}
	}
	if c.Amount == "" {
		c.Amount = "0.00"
	}
	if c.FirstPayment == "" {
		c.FirstPayment = c.Amount
	}
	if c.OrderID == "" {
		c.OrderID = "0"
	}
	c.CustomFields = cloneMap(svc.CustomFields)
	s.services = append(s.services, &c)
	return c.ID
}

// DeleteService removes a service row, as the admin area's delete does.
func (s *Server) DeleteService(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.services = slices.DeleteFunc(s.services, func(v *Service) bool { return v.ID == id })
}

// SetAllowedIPs replaces the IP allow-list, as when the caller's address
// changes mid-run.
func (s *Server) SetAllowedIPs(ips ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.allowed = slices.Clone(ips)
}

// Service returns the service with this ID.
func (s *Server) Service(id string) (Service, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if v := s.service(id); v != nil {
		return cloneService(v), true
	}
	return Service{}, false
}

// Services returns every service, including those of deleted products.
func (s *Server) Services() []Service {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Service, 0, len(s.services))
	for _, v := range s.services {
		out = append(out, cloneService(v))
	}
	return out
}

// Orders returns every order.
func (s *Server) Orders() []Order {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Order, 0, len(s.orders))
	for _, o := range s.orders {
		c := *o
		c.ServiceIDs = slices.Clone(o.ServiceIDs)
		out = append(out, c)
	}
	return out
}

// Invoices returns every invoice orders generated.
func (s *Server) Invoices() []Invoice {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.invoices)
}

// Clients returns every client.
func (s *Server) Clients() []Client {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Client, 0, len(s.clients))
	for _, c := range s.clients {
		out = append(out, *c)
	}
	return out
}

// Users returns every user.
func (s *Server) Users() []User {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]User, 0, len(s.users))
	for _, u := range s.users {
		c := *u
		c.ClientIDs = slices.Clone(u.ClientIDs)
		out = append(out, c)
	}
	return out
}

// Products returns every product that has not been deleted.
func (s *Server) Products() []Product {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Product, 0, len(s.products))
	for _, p := range s.products {
		c := *p
		c.CustomFields = slices.Clone(p.CustomFields)
		out = append(out, c)
	}
	return out
}

// Emails returns the e-mails sent so far, in order.
func (s *Server) Emails() []Email {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.emails)
}

// Activity returns the activity log, oldest first.
func (s *Server) Activity() []Activity {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.activity)
}

// ModuleCalls returns the server module calls made so far, in order.
func (s *Server) ModuleCalls() []ModuleCall {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.modules)
}

func (s *Server) server(id string) *HostingServer {
	for _, h := range s.servers {
		if h.ID == id {
			return h
		}
	}
	return nil
}

func (s *Server) product(id string) *Product {
	for _, p := range s.products {
		if p.ID == id {
			return p
		}
	}
	return nil
}

func (s *Server) client(id string) *Client {
	for _, c := range s.clients {
		if c.ID == id {
			return c
		}
	}
	return nil
}

func (s *Server) user(id string) *User {
	for _, u := range s.users {
		if u.ID == id {
			return u
		}
	}
	return nil
}

func (s *Server) service(id string) *Service {
	for _, v := range s.services {
		if v.ID == id {
			return v
		}
	}
	return nil
}

func (s *Server) order(id string) *Order {
	for _, o := range s.orders {
		if o.ID == id {
			return o
		}
	}
	return nil
}

// visible reports whether GetClientsProducts shows a service: its product
// and the product's group must exist (WHMCS joins both).
func (s *Server) visible(v *Service) bool {
	p := s.product(v.ProductID)
	if p == nil {
		return false
	}
	_, ok := s.groups[p.GroupID]
	return ok
}

func cloneService(v *Service) Service {
	c := *v
	c.CustomFields = cloneMap(v.CustomFields)
	return c
}

func cloneMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
