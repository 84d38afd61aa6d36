// Package cpanel lists and manages the accounts of a cPanel & WHM server
// through WHM API 1 (JSON), as WHMCS's own cPanel module does.
//
//	c, err := cpanel.New(cpanel.Config{
//		BaseURL:  "https://whm.example.net:2087",
//		Username: "root",
//		APIToken: os.Getenv("WHM_TOKEN"),
//	})
//	accounts, err := c.ListAccounts(ctx)
//
// Or from a WHMCS server record: cpanel.FromServer(server), which a
// provider.Registry takes as provider.FactoryOf(cpanel.FromServer).
//
// # Authentication
//
// Every call goes to /json-api/<function>?api.version=1 on port 2087
// (https) or 2086 (plain http; avoid it) with the header
//
//	Authorization: whm USER:TOKEN
//
// where TOKEN is an API token (WHM » Development » Manage API Tokens) or
// the deprecated remote access hash, whose newlines are removed. Without a
// token, Config.Password is sent with HTTP Basic authentication. USER is
// root or a reseller; a reseller lists and acts on its own accounts only.
// WHM answers bad credentials with HTTP 403 "Access denied"; the error
// wraps provider.ErrUnauthorized and is never retried, because cPHulk
// blocks addresses that keep failing to log in.
//
// TLS is verified. A server with a self-signed certificate is trusted by
// pinning it (Config.CertSHA256), or, as a last resort, with
// Config.InsecureSkipVerify.
//
// # What is listed and how it maps to WHMCS fields
//
// ListAccounts calls listaccts once with
// want=user,domain,email,plan,ip,owner,unix_startdate,suspended,suspendreason,is_locked
// and maps each record as WHMCS's cPanel module does:
//
//	username          user
//	domain            domain (the main domain; addon, parked and sub domains are not accounts)
//	uniqueIdentifier  domain
//	email             email; "*unknown*" and "" give "", of two addresses the first
//	product           plan (a reseller's packages carry its prefix, "reseller_Gold")
//	primaryip         ip; "*unknown*" gives ""
//	created           unix_startdate, an epoch, in Config.Location (default UTC);
//	                  never startdate, which is server-local time without seconds.
//	                  "*unknown*" or 0 gives a zero Created (marshalled as "")
//	status            Suspended when suspended is non-zero, else Active
//
// Numbers may arrive as JSON numbers or quoted strings; both are read.
// Account.Extra holds "owner" (root, a reseller, or the account itself),
// "reseller" ("1" when the account owns itself, the usual shape of a
// reseller account), "suspend_reason" and "locked" ("1" when only root may
// unsuspend). WHM answers an empty listing with no data at all
// (Whostmgr::API::1::Accounts::listaccts returns nothing for a count of
// 0); that is an empty list.
//
// The listing is all or nothing: data without its acct array
// ({"data":{}}, "acct":null, or an acct that is not an array), a record
// with no user or domain, an unix_startdate that is not an epoch, or a
// missing suspended flag fails the whole listing with an error naming the
// record. The same holds for the listaccts look-ups terminate, suspend and
// set password make: a broken answer is an error, never "no such account".
//
// # Capabilities with the remote call each makes
//
//	ListAccounts      GET  listaccts (want=..., one call)
//	CreateAccount     POST createacct, then GET listaccts (searchtype=user) to return the account as listed
//	TerminateAccount  POST removeacct (username); already gone is success; after a failure, GET listaccts
//	SuspendAccount    POST suspendacct (user, reason); already suspended is success; after a failure, GET listaccts
//	UnsuspendAccount  POST unsuspendacct (user); not suspended is success; after a failure, GET listaccts
//	ListPackages      GET  listpkgs (want=creatable)
//	SetPassword       POST passwd (user, password)
//
// Mutations send their parameters in a form-encoded POST body, so that no
// password reaches a URL or an access log. Terminate, suspend, unsuspend
// and set password need the cPanel username; given an Account with only a
// Domain they look the user up with listaccts (searchtype=domain) first.
//
// # Errors
//
// Every error is prefixed "cpanel: <operation>: " and is, or wraps, a
// *provider.APIError with Type "cpanel", the operation ("list accounts",
// "create account", "terminate account", "suspend account", "unsuspend
// account", "list packages", "set password"), the HTTP status, WHM's
// reason and a short redacted excerpt of the body. WHM reports a failed
// function with HTTP 200, metadata.result 0 and a reason in words; the
// words, as cPanel's own source writes them, are mapped onto sentinels:
//
//	provider.ErrNotFound      "You do not have a user named “x”.", "System user x does not exist!",
//	                          "_suspendacct called for a user that does not exist. (x)"
//	provider.ErrExists        createacct: "This system already has an account named “x”." (or a group,
//	                          or a database owner), "... the same initial 8 characters ...", ...
//	provider.ErrUnauthorized  HTTP 401/403, "Access denied", "You do not have access to an account
//	                          named “x”.", "... is not permitted to access the account ...", "... can
//	                          only be unsuspended by root ..."
//	provider.ErrRateLimited   HTTP 429 after the retries
//	provider.ErrTransient     HTTP 5xx, timeouts, a body cut short
//
// Terminate, suspend and unsuspend do not stop at the words. After a
// failed removeacct, suspendacct or unsuspendacct they read the account
// again with listaccts, and its state decides: an account listaccts no
// longer shows is terminated (nil) and cannot be suspended
// (provider.ErrNotFound), whatever the words; one it shows in the wanted
// state is success; one it still shows keeps the error, which then never
// matches ErrNotFound. After a refusal (ErrUnauthorized) nothing more is
// sent. A reseller gets "You do not have access to an account named" for
// an account that is gone as for one it does not own, so for a reseller a
// terminate of a vanished account stays an error.
//
// An HTML page where JSON was expected (a login page, a proxy error, or
// WHM's redirect when plain http reaches its SSL port), a body that is not
// JSON, or an answer without WHM API 1 metadata is an error with an
// excerpt, never a partial result. No error or log line holds the token,
// the password or an account's new password: createacct echoes the new
// password in its raw output, and it is removed from errors.
//
// # Rate limits and retries
//
// WHM has no documented request limit, but it runs each call as a process
// on the server. The client sends at most Config.RateLimit requests per
// second (default 10) and retries reads (listaccts, listpkgs) on transport
// errors, HTTP 429 (honouring Retry-After) and 5xx, up to Config.MaxRetries
// times with exponential backoff. Mutations are retried only when they
// provably never reached the server. A listing of thousands of accounts
// is one request; Config.Timeout (default 2 minutes) bounds it.
//
// Whatever the panel answers, the client never follows a redirect to
// another scheme, host or port (the call fails naming the target, and
// nothing is sent there; a same-origin redirect is followed only when the
// method and body survive it), never gives up TLS silently (CertSHA256 or
// InsecureSkipVerify with an http:// BaseURL is an error from New), and
// reads at most 64 MiB of a listing and 4 MiB of any other answer.
//
// # Testing with cpaneltest
//
// Package cpaneltest is an in-memory WHM server speaking the same wire
// format, with state and injectable faults:
//
//	srv := cpaneltest.NewServer(t, provider.Account{Username: "alice", Domain: "alice.example"})
//	c, _ := cpanel.New(cpanel.Config{BaseURL: srv.URL, APIToken: cpaneltest.Token})
//	srv.FailNext(cpaneltest.FaultServerError, 1) // the first listing attempt fails, the retry succeeds
package cpanel
