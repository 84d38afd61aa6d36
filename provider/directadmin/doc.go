// Package directadmin is a [provider.Provider] for DirectAdmin servers,
// built on the panel's legacy CMD_API_* commands on port 2222.
//
//	c, err := directadmin.New(directadmin.Config{
//		BaseURL:  "https://panel.example.com:2222",
//		Username: "admin",
//		APIToken: loginKey,
//		Location: serverZone, // the zone date_created is written in
//	})
//	accounts, err := c.ListAccounts(ctx)
//
// or, from a WHMCS-style server record, provider.FactoryOf(directadmin.FromServer)
// in a [provider.Registry].
//
// # Authentication
//
// Every request carries HTTP basic auth, "Username:secret", where the
// secret is Config.APIToken (a DirectAdmin login key) or, when that is
// empty, Config.Password. Prefer a login key: it can be limited to source
// addresses and to the commands this package sends (CMD_API_SHOW_ALL_USERS
// or CMD_API_SHOW_USERS and CMD_API_SHOW_RESELLERS, CMD_API_SHOW_USER_CONFIG,
// CMD_API_ACCOUNT_USER, CMD_API_SELECT_USERS, CMD_API_PACKAGES_USER,
// CMD_API_USER_PASSWD), and the account's password may be barred from the
// API altogether (api_with_password=no).
//
// Username may take DirectAdmin's login-as form, "admin|reseller": the
// admin's key then acts as that reseller, which with [ScopeOwned] lists the
// reseller's users. The panel answers bad credentials with the header
// X-DirectAdmin: Unauthorized (or, on some setups, its HTML login page);
// both give an error matching [provider.ErrUnauthorized], and it is never
// retried: DirectAdmin's brute-force monitor blocks addresses that keep
// failing to log in ("Your IP is blacklisted", also ErrUnauthorized).
//
// TLS is verified by default. Panels often use a self-signed certificate on
// port 2222: pin it with Config.CertSHA256 rather than turning verification
// off with Config.InsecureSkipVerify. A panel that requires https and is
// called over http answers "use https"; that is an error saying so.
//
// # What is listed and how it maps to WHMCS fields
//
// ListAccounts first gets the usernames and then reads each user's
// user.conf with CMD_API_SHOW_USER_CONFIG, Config.Concurrency calls at a
// time (default 8). Which usernames depends on Config.Scope:
//
//   - [ScopeServer] (the default): CMD_API_SHOW_ALL_USERS, every user and
//     reseller on the server. It needs an admin login; a reseller login is
//     refused with HTTP 403, never quietly given a narrower list.
//   - [ScopeOwned]: what WHMCS's own DirectAdmin module lists, the users the
//     login created (CMD_API_SHOW_USERS) plus the resellers
//     (CMD_API_SHOW_RESELLERS, skipped when the panel answers "You cannot
//     execute that command", as it does for a reseller). Users of other
//     resellers are not listed.
//
// Admin accounts are panel operators, not hosting accounts, and are left
// out. Each user.conf maps to a [provider.Account] as WHMCS maps it:
//
//	username          username
//	domain            domain (the default domain; addon domains are not accounts)
//	uniqueIdentifier  domain
//	email             email (may be empty)
//	product           package
//	primaryip         ip
//	created           date_created, see below
//	status            suspended: "yes" Suspended, "no" Active
//
// Extra holds "usertype" ("user" or "reseller") and "creator" (the owning
// reseller or admin). Domains are listed as the panel stores them, in
// A-label (xn--) form for IDNs.
//
// date_created has no timezone: DirectAdmin writes the server's local wall
// time in ctime's form ("Tue Feb  5 08:01:09 2019"). It is read leniently
// (runs of spaces collapsed; ctime with or without the weekday, ISO dates
// with or without a time, RFC 3339, and Unix times are all accepted) as
// wall time in Config.Location, which defaults to UTC: set it to the
// panel server's zone, or every date is off by the zone's offset. An
// empty date_created gives a zero Created (the server does not say).
//
// A listing is all or nothing. The first failed user-config call cancels
// the calls still in flight and fails the listing; so does a config that
// does not parse: a date in no known form, a "suspended" value other than
// yes or no, an empty domain, or a config of another user than the one
// asked for. The error names the user. An HTML page where a list or a
// config was expected is an error, never an empty list, and so is an
// empty CMD_API_SHOW_ALL_USERS answer (the admin is always on it).
//
// # Capabilities
//
// *Client implements every optional capability of package provider:
//
//	CreateAccount     CMD_API_ACCOUNT_USER (action=create, notify=no), then CMD_API_SHOW_USER_CONFIG;
//	                  the IP is NewAccount.Extra["ip"] or Config.IP. Not idempotent; a second call
//	                  gives provider.ErrExists.
//	TerminateAccount  CMD_API_SHOW_USER_CONFIG, then CMD_API_SELECT_USERS (confirmed=Confirm,
//	                  delete=yes, select0=USER). Idempotent: a user already gone returns nil.
//	SuspendAccount    CMD_API_SHOW_USER_CONFIG, then CMD_API_SELECT_USERS (suspend=Suspend) only if
//	UnsuspendAccount  the user is not yet in the wanted state, then CMD_API_SHOW_USER_CONFIG again
//	                  to confirm. Idempotent.
//	ListPackages      CMD_API_PACKAGES_USER. Read-only.
//	SetPassword       CMD_API_SHOW_USER_CONFIG, then CMD_API_USER_PASSWD (username, passwd, passwd2).
//
// DirectAdmin's suspend button toggles: sending it for a suspended user
// unsuspends it. That is why suspend and unsuspend read the state first,
// and why the toggle is never retried. DirectAdmin accepts suspension
// reasons only from its own list, so the reason argument is not sent.
//
// Terminate, suspend, unsuspend and set password act on Account.Username,
// and first check that the user still holds Account.Domain (compared in
// A-label form): a username that was deleted and reused for another
// customer is refused with an error rather than changed.
//
// # Errors
//
// Every error is an *[provider.APIError] with Type "directadmin" and Op
// "list accounts", "create account", "terminate account", "suspend
// account", "unsuspend account", "list packages" or "set password", and
// reads "directadmin: list accounts: HTTP 200: user "bob": ...". Failures
// that DirectAdmin reports with HTTP 200 (error=1&text=...&details=... or,
// with Config.JSON, {"error":...,"result":...}) carry the panel's text and
// details, cleaned of the HTML the panel puts in them, and match a
// sentinel where the text says so: "does not exist" [provider.ErrNotFound],
// "already exists" on create [provider.ErrExists], "You cannot execute
// that command" [provider.ErrUnauthorized]. DirectAdmin has no error codes,
// so this reads its English messages. HTTP statuses map as APIError
// documents (401 and 403 unauthorized, 429 rate limited, 5xx transient).
// No error or log line holds the password, the login key, the
// Authorization header or a password being set.
//
// # Rate limits and retries
//
// The client sends Config.RateLimit requests per second
// to the panel (default 10; negative for none), retries with backoff for
// reads (Config.MaxRetries, default 3) on transport errors, 429 and 5xx,
// and none for writes unless the request never reached the panel. A
// listing costs 1 request (2 with ScopeOwned) plus one per user, so with
// the default rate limit a server of 10,000 users takes about 17 minutes:
// raise RateLimit to what the panel can take, and keep Config.Timeout
// (per attempt, default 2 minutes) above the panel's slowest answer.
// Answers are URL-encoded unless Config.JSON asks for json=yes; both forms
// are always understood.
//
// Whatever the panel answers, the client never follows a redirect to
// another scheme, host or port (the call fails naming the target, and
// nothing is sent there; a same-origin redirect is followed only when the
// method and body survive it), never gives up TLS silently (CertSHA256 or
// InsecureSkipVerify with an http:// BaseURL is an error from New), and
// reads at most 64 MiB of a listing and 4 MiB of any other answer.
//
// # Testing with directadmintest
//
// Package directadmintest runs an in-memory DirectAdmin on 127.0.0.1 that
// speaks the same wire format, checks basic auth (password, login key and
// the "admin|user" form), keeps state across calls, toggles suspension as
// the real panel does, and injects faults (wrong credentials, 500, 429, a
// slow or truncated answer, an HTML page, a malformed record, a panel
// error, or one user's config call failing):
//
//	srv := directadmintest.NewServer(t, accounts...)
//	c, _ := directadmin.New(directadmin.Config{BaseURL: srv.URL,
//		Username: directadmintest.Username, APIToken: directadmintest.Token})
//	srv.FailUser("bob", directadmintest.FaultCommandError)
package directadmin
