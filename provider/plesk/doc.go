// Package plesk is a client for the Plesk XML-API (the "packet" protocol):
// it lists a Plesk server's subscriptions as WHMCS ListAccounts records, and
// creates, removes, suspends and unsuspends them, lists service plans and
// sets passwords.
//
//	c, err := plesk.New(plesk.Config{
//		BaseURL:  "https://plesk.example.com:8443",
//		Username: "admin",
//		Password: os.Getenv("PLESK_PASSWORD"),
//	})
//	accounts, err := c.ListAccounts(ctx)
//
// Every call is one HTTP POST of an XML packet to
// https://host:8443/enterprise/control/agent.php with Content-Type
// text/xml. Packets are built with encoding/xml from typed structs, so a
// value holding &, <, >, quotes or line breaks is escaped and can never add
// markup of its own.
//
// # Authentication
//
// Either the administrator's login, sent in the HTTP_AUTH_LOGIN and
// HTTP_AUTH_PASSWD headers (Config.Username and Config.Password), or a
// secret key, sent in the KEY header (Config.APIToken; created with
// "plesk bin secret_key -c -ip-address <caller>" and bound to the
// caller's address). The key wins when both are set. Header names travel
// in Go's canonical case (Http_auth_login); HTTP header names are
// case-insensitive. Use the administrator: listing reads every customer,
// reseller and service plan.
//
// [FromServer] builds a client from a WHMCS server record: Hostname (or
// IP), Port and Secure give the URL with Plesk's ports 8443 (https) and
// 8880 (http); Username and Password log in; AccessHash is the secret
// key. IP, when it is an address, is where CreateAccount hosts new
// subscriptions (as WHMCS does); Params "ip", "timezone" (an IANA zone
// for creation dates) and "version" (the packet version) override the
// defaults, and any other key is an error. Register it with provider.FactoryOf(plesk.FromServer).
//
// # What is listed and how it maps to WHMCS fields
//
// An account is a subscription (the webspace operator), owned by a
// customer, a reseller or the administrator. ListAccounts maps each one as
// WHMCS's own Plesk module does:
//
//	Domain, UniqueIdentifier  gen_info/name (Unicode for IDN names; the
//	                          punycode form is in Extra["ascii_name"])
//	Username                  the hosting property ftp_login (the system user);
//	                          for forwarding or hostless subscriptions, the
//	                          owner's login
//	Email                     the owning customer's or reseller's e-mail; empty
//	                          for the administrator's own subscriptions
//	Product                   the name of the service plan its plan-guid points
//	                          at; empty for a custom subscription (no plan);
//	                          add-on plan GUIDs are skipped
//	PrimaryIP                 the first gen_info/dns_ip_address (else the
//	                          hosting ip_address)
//	Created                   midnight of gen_info/cr_date, a date only, in
//	                          Config.Location (default UTC)
//	Status                    Suspended when the status bitmask is not 0
//	                          (16 admin, 32 reseller, 64 customer, 256 expired,
//	                          4 backup running, 2 via parent); the raw value is
//	                          in Extra["status"]
//
// Extra also holds "id", "guid", "owner_id", "owner_login", "owner_type"
// ("customer", "reseller" or "admin": neither a customer nor a reseller
// the login can see), "htype" and "plan_guid".
//
// Listing takes three calls made in parallel, plus one when needed:
// webspace get (datasets gen_info, hosting, subscriptions; empty filter),
// customer get (gen_info; empty filter), service-plan get (owner-all, so
// resellers' plans resolve too), and reseller get (gen-info; all) only
// when some owner is not a customer. The XML-API has no pagination: a big
// server answers with one big packet.
//
// A record the client cannot map fails the listing with an error naming
// it: no gen_info, an empty name, a cr_date that is not YYYY-MM-DD, a
// status that is not a number, or plan GUIDs none of which is a service
// plan. Nothing is dropped or guessed.
//
// # Capabilities with the remote call each makes
//
//	ListAccounts      webspace get, customer get, service-plan get [, reseller get]
//	CreateAccount     customer get (all, to find the owner by e-mail) and, when
//	                  there is none, customer add; then webspace add (gen_setup
//	                  with owner-id, htype vrt_hst, ip_address, status 0;
//	                  hosting ftp_login and ftp_password; plan-name) and a
//	                  webspace get of the new id
//	TerminateAccount  webspace del, filter by name; "does not exist" is success
//	SuspendAccount    webspace set, gen_setup status 16 (disabled by the admin)
//	UnsuspendAccount  webspace set, gen_setup status 0
//	ListPackages      service-plan get with an empty filter (the login's plans)
//	SetPassword       webspace set, hosting property ftp_password
//
// Suspend and unsuspend set a status rather than toggle it, so both are
// idempotent without reading it first. Reads are retried on transient
// failures; mutations are not retried once sent.
//
// # Errors
//
// The XML-API answers HTTP 200 even when it fails, at two levels, and the
// client reads both: a packet-level error
// (<system><status>error</status><errcode>...) for authentication,
// version or parse failures, and an error per operation result, where one
// packet may mix ok and error results. Either becomes a
// *provider.APIError with Type "plesk", the operation ("list accounts"),
// StatusCode 200, the Plesk error code and text, and a redacted excerpt
// of the body. Codes map to sentinels:
//
//	1001, 1006, 1010, 1011, 1012, 1029, 11003  provider.ErrUnauthorized
//	1013 (object does not exist)               provider.ErrNotFound
//	1002, 1007 (already exists)                provider.ErrExists
//
// Other HTTP statuses map through *provider.APIError (429 rate limited,
// 5xx transient, 401/403 unauthorized); an HTML page or an undecodable
// body is an APIError with an excerpt. A listing is all or nothing, and
// so is each of its calls: a packet without the operator asked for, or a
// get without a single result (Plesk answers an empty selection with one
// result that is only <status>ok</status>), or one holding text where
// results belong, fails the listing; so does it in the subscription
// look-ups of the other methods, where it is never read as "no such
// subscription". No error or log line holds the password, the secret key
// or an account's new password.
//
// # Rate limits and retries
//
// Plesk documents no request rate limit; its Fail2Ban may block an
// address that keeps failing to log in, so authentication failures are
// never retried. Config.RateLimit (default 10 requests/s) caps the pace,
// shared by the parallel listing calls. Reads retry up to Config.MaxRetries
// times (default 3) on transport errors, 429 (honouring Retry-After) and
// 5xx.
//
// Whatever the panel answers, the client never follows a redirect to
// another scheme, host or port (the call fails naming the target, and
// nothing is sent there; a same-origin redirect is followed only when the
// method and body survive it), never gives up TLS silently (CertSHA256 or
// InsecureSkipVerify with an http:// BaseURL is an error from New), and
// reads at most 64 MiB of a listing and 4 MiB of any other answer.
//
// # Testing with plesktest
//
// Package plesktest is an in-memory Plesk XML-API on httptest: it checks
// both authentication styles, keeps customers, resellers, service plans and
// subscriptions, answers with real response packets including packet-level
// and per-result errors, and injects faults. See its documentation.
package plesk
