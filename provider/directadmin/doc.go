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
// time (default 8, at most Config.RateLimit a second, default 50). Which
// usernames depends on Config.Scope:
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
// empty CMD_API_SHOW_ALL_USERS answer (the admin is always on it), a JSON
// list that is not an array ({} or null where [] belongs), and a config
// that is empty, null or a list.
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
// details, cleaned of the HTML the panel puts in them. HTTP statuses map
// as APIError documents (401 and 403 unauthorized, 429 rate limited, 5xx
// transient). No error or log line holds the password, the login key, the
// Authorization header or a password being set.
//
// DirectAdmin has no error codes, only English messages from its message
// table (the lang/en/internal/*.txt files its skins ship), so the client
// decides by the server's state where it can and by the words where it
// must:
//
//   - Whether a user is gone is read from CMD_API_SHOW_ALL_USERS, not from
//     the words of an error. When terminate's config read or delete fails
//     (the user vanished in between: "User x did not exist on the
//     server...", or a 500 after the panel acted), the user counts as
//     gone, and terminate returns nil, only if the list no longer holds
//     it; when the words say "does not exist" but the list still holds the
//     user, the error stays and does not match [provider.ErrNotFound].
//     Suspend, unsuspend and set password match ErrNotFound the same way.
//     A reseller may not read that list, and one missing from its own
//     (CMD_API_SHOW_USERS) may belong to someone else, so for a reseller
//     the words decide.
//   - A suspend or unsuspend whose toggle is refused ("... is already
//     suspended") reads the state again and returns nil when the user is
//     in the wanted state.
//   - The words: "You cannot execute that command", "... does not exist in
//     your authority level", "That user does not belong to you", "You do
//     not have control over user", "User x was not created by you" match
//     [provider.ErrUnauthorized]; "User x did not exist on the server",
//     "That user does not exist", "No such user", "User x does not exist
//     on the system" match [provider.ErrNotFound] for a command about a
//     user; on create, "... already exists" (username, user, domain, on
//     this or another server) and "Domain exists on ..." match
//     [provider.ErrExists], and "Package not found" ErrNotFound.
//
// A refused login (X-DirectAdmin: Unauthorized, the login page, "Your IP
// is blacklisted") is never followed by another call.
//
// # Rate limits and retries
//
// The client sends at most Config.RateLimit requests per second to the
// panel (default [DefaultRateLimit], 50; negative for none) with
// Config.Concurrency calls in flight (default [DefaultConcurrency], 8),
// retries with backoff for reads (Config.MaxRetries, default 3) on
// transport errors, 429 and 5xx, and none for writes unless the request
// never reached the panel. A listing costs 1 request (2 with ScopeOwned)
// plus one per user, so at the defaults a server of 1,000 users takes
// about 20 seconds and one of 10,000 about 200 seconds; raise RateLimit
// (and Concurrency for a slow link) to what the panel can take, and keep
// Config.Timeout (per attempt, default 2 minutes) above the panel's
// slowest answer. Answers are URL-encoded unless Config.JSON asks for
// json=yes; both forms are always understood.
//
// There is no faster way that keeps the listing complete. The panel's
// paged table of users (CMD_ALL_USER_SHOW with json=yes and ipp, or
// CMD_USER_SHOW for a reseller) carries each user's name, creator,
// suspension, IPs, domains, usage and creation date, but not the contact
// e-mail, and lists all of a user's domains without marking the default
// one (the admin table in DirectAdmin's Evolution skin shows Username,
// Creator, Bandwidth, Disk Usage, Domains, IPs, Suspended, Sent E-mails,
// Date Created and Databases; public clients read the same fields), and
// the JSON API has no endpoint that lists users with details. So every
// user's user.conf is read anyway, and the table would only add pages.
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
// error, one of the panel's own error messages, or one user's config call
// failing):
//
//	srv := directadmintest.NewServer(t, accounts...)
//	c, _ := directadmin.New(directadmin.Config{BaseURL: srv.URL,
//		Username: directadmintest.Username, APIToken: directadmintest.Token})
//	srv.FailUser("bob", directadmintest.FaultCommandError)
package directadmin
