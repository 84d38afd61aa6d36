package config

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"time"
)

// Config is one configuration file: the servers, their billing side, the
// sync policy, and the settings of scheduled runs and of the ListAccounts
// bridge. Load or Parse returns one that is valid: every key known, every
// environment variable set, every value in range.
type Config struct {
	// Servers are the hosting servers, with the fields WHMCS keeps for a
	// server (Setup » Servers).
	Servers []Server `json:"servers"`
	// Billing is the billing side every server is synced with.
	Billing Billing `json:"billing"`
	// Policy is what a sync may do: the defaults, and per-server
	// overrides in Policy.Servers. Read one server's with
	// [Config.ServerPolicy].
	Policy Policy `json:"policy"`
	// Run configures scheduled runs (accountsync run).
	Run Run `json:"run"`
	// Serve configures the ListAccounts bridge (accountsync serve).
	Serve Serve `json:"serve"`

	// File is the path the configuration was read from ("" for Parse
	// without a name). Relative paths in the file are relative to its
	// directory.
	File string `json:"-"`

	data      []byte            // the cleaned text, for positions
	positions map[string]int    // key path -> offset of its value
	policies  map[string]Policy // server name -> merged policy
}

// Server is one hosting server. The first fields are WHMCS's own (Setup »
// Servers); the rest are transport settings.
type Server struct {
	// Type is the panel: cpanel, directadmin, plesk, solusvm, openstack
	// or proxmox.
	Type string `json:"type"`
	// Name is how every command and the policy address the server. It
	// must be unique.
	Name     string `json:"name"`
	Hostname string `json:"hostname"`
	IP       string `json:"ip"`
	// Port is the panel's API port; 0 takes the panel's default.
	Port int `json:"port"`
	// Secure selects https, as WHMCS's "Secure" checkbox does.
	Secure bool `json:"secure"`
	// Username, Password and AccessHash are the credentials, each
	// usually "${VARIABLE}".
	Username   string `json:"username"`
	Password   string `json:"password"`
	AccessHash string `json:"accessHash"`
	// Params holds panel specifics (an OpenStack project, a Proxmox
	// realm), documented by each provider package. Values may name
	// environment variables.
	Params map[string]string `json:"params"`
	// CertSHA256 pins the server's certificate (hex SHA-256 of its DER
	// bytes; colons allowed).
	CertSHA256 string `json:"certSHA256"`
	// InsecureSkipVerify turns TLS verification off; prefer CertSHA256.
	InsecureSkipVerify bool `json:"insecureSkipVerify"`
	// RateLimit is requests per second (0: the panel's default); Burst its
	// burst.
	RateLimit float64 `json:"rateLimit"`
	Burst     int     `json:"burst"`
	// Timeout bounds each request to the panel ("90s"; 0: the default).
	Timeout Duration `json:"timeout"`
}

// Billing is the billing side: exactly one of WHMCS and SQLite is set.
type Billing struct {
	WHMCS  *WHMCS  `json:"whmcs"`
	SQLite *SQLite `json:"sqlite"`
}

// WHMCS is a WHMCS installation reached through its External API.
type WHMCS struct {
	// URL is WHMCS's root, the address of its client area.
	URL string `json:"url"`
	// Identifier and Secret are API credentials; AccessKey is the
	// optional $api_access_key of configuration.php.
	Identifier string `json:"identifier"`
	Secret     string `json:"secret"`
	AccessKey  string `json:"accessKey"`
	// CertSHA256 pins WHMCS's certificate; InsecureSkipVerify turns
	// verification off.
	CertSHA256         string `json:"certSHA256"`
	InsecureSkipVerify bool   `json:"insecureSkipVerify"`
	// Timeout bounds each request (0: the default, 2 minutes).
	Timeout Duration `json:"timeout"`
	// Servers maps each configured server's name to its WHMCS server ID
	// (Setup » Servers). Every configured server needs one.
	Servers map[string]string `json:"servers"`
	// ProductGroupID is the (hidden) product group that products created
	// for unmapped packages go to; PaymentMethod the gateway of the
	// orders of imports ("mailin").
	ProductGroupID string `json:"productGroupId"`
	PaymentMethod  string `json:"paymentMethod"`
	// AllowUnlisted is whmcs.StoreConfig.AllowUnlisted.
	AllowUnlisted int `json:"allowUnlisted"`
}

// SQLite is the embedded billing store (package sqlstore).
type SQLite struct {
	// Path is the database file, relative to the configuration file's
	// directory. Its directory must exist; the file is created.
	Path string `json:"path"`
}

// Policy is what a sync may do, as the MG WHMCS add-on's settings have it.
// The zero value imports and exports, never terminates, sends no e-mail,
// and applies every action in one run.
type Policy struct {
	// Mode is synchronize (the default), import-only, export-only, or
	// report: plan and report, never change anything.
	Mode string `json:"mode"`
	// StatusAuthority is the side whose Active/Suspended status wins:
	// server (the default) or billing.
	StatusAuthority string `json:"statusAuthority"`
	// Products maps server packages to billing product IDs. Per-server
	// overrides add to the defaults' map.
	Products map[string]string `json:"products"`
	// BillingCycle of imported services ("Monthly" when empty);
	// NextDueInDays sets their next due date that many days after the
	// run; Free imports them as free accounts.
	BillingCycle  string `json:"billingCycle"`
	NextDueInDays int    `json:"nextDueInDays"`
	Free          bool   `json:"free"`
	// ResetPassword gives every imported account a new password, set on
	// the server and e-mailed to the client.
	ResetPassword bool `json:"resetPassword"`
	// Emails chooses the e-mails sent for imports.
	Emails Emails `json:"emails"`
	// Nameservers are the correct nameservers of hosted domains; when
	// set, scheduled runs check each account's domain. At least
	// NameserverMinMatches (default 1) of a domain's delegated
	// nameservers must be among them.
	Nameservers          []string `json:"nameservers"`
	NameserverMinMatches int      `json:"nameserverMinMatches"`
	// TerminateRemote terminates server accounts whose billing service
	// ended; TerminateLocal terminates billing services whose account is
	// gone from the server; TerminateIncorrectNameservers (with
	// TerminateRemote) terminates accounts whose nameservers are wrong.
	TerminateRemote               bool `json:"terminateRemote"`
	TerminateLocal                bool `json:"terminateLocal"`
	TerminateIncorrectNameservers bool `json:"terminateIncorrectNameservers"`
	// ConfirmRuns is how many runs in a row must see a key missing or
	// its nameservers incorrect before it is terminated (hysteresis).
	ConfirmRuns int `json:"confirmRuns"`
	// MaxActions caps the actions of one run on one server; the rest
	// waits for the next run. 0: no cap.
	MaxActions int `json:"maxActions"`
	// MaxTerminations caps terminations per run and server whatever the
	// population (0: the engine's default; negative: no cap).
	MaxTerminations int `json:"maxTerminations"`
	// Servers holds per-server overrides, keyed by server name: each an
	// object with any of the keys above, replacing the defaults' value
	// for that server (Products are merged).
	Servers map[string]json.RawMessage `json:"servers" config:"policy"`
}

// Emails chooses the e-mails sent after an import.
type Emails struct {
	Welcome        bool `json:"welcome"`
	HostingDetails bool `json:"hostingDetails"`
}

// Run configures scheduled runs.
type Run struct {
	// Interval between runs ("1h" when empty); accountsync run -once
	// ignores it.
	Interval Duration `json:"interval"`
	// Concurrency is how many servers are synced at once (default 4).
	Concurrency int `json:"concurrency"`
	// Timeout bounds one server's sync ("30m" when empty).
	Timeout Duration `json:"timeout"`
	// Report sends a summary by e-mail.
	Report Report `json:"report"`
}

// Report is the periodic report of scheduled runs.
type Report struct {
	// Every is how often it is sent ("24h" when empty).
	Every Duration `json:"every"`
	// SMTP is the mail server (host:port). Without it the report is
	// written to standard output.
	SMTP     string   `json:"smtp"`
	From     string   `json:"from"`
	To       []string `json:"to"`
	Username string   `json:"username"`
	Password string   `json:"password"`
}

// Serve configures the ListAccounts bridge.
type Serve struct {
	// Listen is the address ("127.0.0.1:8080" when empty).
	Listen string `json:"listen"`
	// Token is the bearer token WHMCS modules send, usually
	// "${ACCOUNTSYNC_BRIDGE_TOKEN}". Required to serve.
	Token string `json:"token"`
	// Timezone is WHMCS's time zone, in which created dates are written
	// ("Local" when empty).
	Timezone string `json:"timezone"`
	// Cache is how long a listing is reused ("5m" when empty).
	Cache Duration `json:"cache"`
	// Timeout bounds one listing ("5m" when empty).
	Timeout Duration `json:"timeout"`
}

// Duration is a time.Duration written as a string ("90s", "1h30m").
type Duration time.Duration

// MarshalJSON writes d as a duration string.
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

// UnmarshalJSON reads a duration string.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("want a duration string such as \"90s\"")
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("%q is not a duration such as \"90s\" or \"1h\"", s)
	}
	*d = Duration(v)
	return nil
}

// Or returns d, or def when d is 0.
func (d Duration) Or(def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return time.Duration(d)
}

// Error is a problem with a configuration file: where it is and which key.
type Error struct {
	File   string // the file, or "" for data without one
	Line   int    // 1-based; 0 when the problem has no place in the file
	Column int
	Key    string // the key path, such as "servers[0].accessHash"; may be ""
	Err    error
}

// Error returns "file:line:col: key: problem".
func (e *Error) Error() string {
	s := e.File
	if s == "" {
		s = "config"
	}
	if e.Line > 0 {
		s += fmt.Sprintf(":%d:%d", e.Line, e.Column)
	}
	if e.Key != "" {
		s += ": " + e.Key
	}
	return s + ": " + e.Err.Error()
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// String describes s with its credentials masked, as provider.Server
// does, so that printing a configuration never shows a secret.
func (s Server) String() string { return s.Provider().String() }

// LogValue is s for log/slog, with its credentials masked.
func (s Server) LogValue() slog.Value { return s.Provider().LogValue() }

// String describes w without its credentials.
func (w WHMCS) String() string {
	return fmt.Sprintf("WHMCS %s (servers %v)", w.URL, w.Servers)
}

// LogValue is w for log/slog, without its credentials.
func (w WHMCS) LogValue() slog.Value { return slog.StringValue(w.String()) }

// String describes r without its password.
func (r Report) String() string {
	return fmt.Sprintf("report every %v by %s from %s to %v", time.Duration(r.Every), r.SMTP, r.From, r.To)
}

// LogValue is r for log/slog, without its password.
func (r Report) LogValue() slog.Value { return slog.StringValue(r.String()) }

// String describes s without its token.
func (s Serve) String() string {
	return fmt.Sprintf("serve on %s (timezone %q, cache %v)", s.Listen, s.Timezone, time.Duration(s.Cache))
}

// LogValue is s for log/slog, without its token.
func (s Serve) LogValue() slog.Value { return slog.StringValue(s.String()) }
