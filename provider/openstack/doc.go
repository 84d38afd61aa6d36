// Package openstack lists, creates, suspends and deletes the servers of an
// OpenStack cloud (Keystone v3 and Nova, compute API v2.1) as WHMCS
// accounts. It speaks the REST APIs directly, on the module's shared HTTP
// stack, without an SDK.
//
//	c, err := openstack.New(openstack.Config{
//		BaseURL:     "https://keystone.example.com:5000",
//		Username:    "whmcs-sync",
//		Password:    password,
//		ProjectName: "hosting",
//		DomainName:  "Default",
//		AllTenants:  true, // an admin listing of every project
//	})
//	accounts, err := c.ListAccounts(ctx)
//
// # Authentication
//
// The client asks Keystone for a token (POST {BaseURL}/v3/auth/tokens) and
// reads it from the X-Subject-Token response header. Two methods are
// supported:
//
//   - password: Password with Username (in DomainName or DomainID) or
//     UserID, scoped to ProjectName (in ProjectDomainName or
//     ProjectDomainID, else the user's domain) or ProjectID. A user or
//     project named without a domain is looked up in the domain with id
//     "default" ([DefaultDomainID]).
//   - application credential: ApplicationCredentialID with its secret in
//     APIToken. The credential carries its own project scope, so no scope
//     is sent.
//
// The token's catalog names the compute endpoint: the "compute" service's
// endpoint with Config.Interface ("public" unless set) in Config.Region.
// Region may be left empty when the catalog has a single compute endpoint
// for that interface; several give an error listing the regions.
//
// One token serves every call and every goroutine. It is renewed shortly
// before its expires_at, and when Nova refuses it (401) the client
// authenticates again once and repeats the request; a second refusal is an
// error matching provider.ErrUnauthorized. However many calls find the token
// expired at once, one authentication runs and the others wait for it (a
// caller whose context ends while waiting returns; the others carry on).
// Credentials Keystone refuses are not retried: clouds lock out users that
// keep failing.
//
// The token is sent only to the catalog's compute endpoint: the pages of a
// listing are requested from that endpoint with the query of Nova's next
// link, never from the host the link names. That endpoint may be on
// another host than Keystone (Keystone, once it has authenticated the
// client, is trusted to name it), but redirects are judged against the
// endpoint's own origin: a compute answer that redirects to another host
// fails like any other, and a plain-http compute endpoint behind an https
// Keystone is refused rather than sent the token unencrypted.
//
// # What is listed and how it maps to WHMCS fields
//
// ListAccounts and [Client.Servers] call GET /servers/detail with limit
// (Config.PageSize, default 1000, Nova's default [api] max_limit: 10,000
// servers are 11 pages, the last one empty) and follow servers_links
// rel="next" with its marker until a page has no next link. With
// Config.AllTenants the query adds all_tenants=1 and the listing covers
// every project; without it, only the token's project, which is what a
// non-admin user can see.
//
// Nova links the next page exactly when a page is full (it holds
// min(limit, max_limit) servers), with the last server's id as the marker.
// So every page must carry its "servers" list (a page of {},
// {"unexpected":true} or {"servers":null} is an error, never the end), a
// page of limit servers must link the next one, and a next link must have
// the page's last server as its marker, one not used before: anything else
// fails the listing rather than cut it short, skip or loop. A server
// listed twice fails it too. The same holds for the flavor pages of
// ListPackages and CreateAccount and the name pages of CreateAccount, and
// a flavor or server read without its object is an error.
//
// The client asks for compute microversion 2.69 (OpenStack-API-Version and
// X-OpenStack-Nova-API-Version headers). A cloud that answers 406 is asked
// for 2.47, then for the base API; the version that worked is kept for the
// client's lifetime.
//
// Each server becomes a [provider.Account]:
//
//	UniqueIdentifier  the server id (UUID)
//	Domain            name
//	Product           the flavor name: flavor.original_name from 2.47; before
//	                  2.47, GET /flavors/{id} once per flavor per listing, and
//	                  the bare flavor id when the flavor has been deleted
//	                  (404 "Flavor <id> could not be found."; another 404 is
//	                  an error)
//	PrimaryIP         accessIPv4, else the first floating IPv4, else the first
//	                  fixed IPv4, then the same steps for IPv6 (accessIPv6,
//	                  floating, fixed); networks in name order and addresses
//	                  in Nova's order within a network, so the pick is the
//	                  same on every run (Server.PrimaryIP)
//	Created           created (UTC; in Config.Location when set)
//	Status            Suspended when status is SUSPENDED, else Active
//	Email             server metadata "whmcs_email" (MetadataEmail), else ""
//	Username          server metadata "whmcs_username" (MetadataUsername), else ""
//
// CreateAccount writes both metadata keys, so servers created through this
// package list with their owner; servers created elsewhere list with an
// empty e-mail and username unless someone sets those keys.
//
// Extra carries the raw detail: "status" (Nova's status, such as SHUTOFF,
// PAUSED, ERROR or UNKNOWN, all listed as Active), "vm_state",
// "task_state" (such as "deleting" just after a terminate), "tenant_id",
// "user_id", "flavor_id" (before 2.47), "image_id" (absent for a server
// booted from a volume) and "partial".
//
// A server in a cell Nova cannot reach comes back, from 2.69, as a record
// with only id, status UNKNOWN, tenant_id and created. It is listed, not
// dropped: its identifier and creation time are kept, Domain, Product,
// PrimaryIP, Email and Username are empty, Status is Active (the real
// state is unknown) and Extra["partial"] is "true". A caller comparing
// fields must skip partial records rather than read the empty fields as
// changes (the sync engine does: see provider.ExtraPartial); what matters
// is that the server is not mistaken for a deleted one. Before 2.69 Nova leaves such servers out of the listing without a
// sign, so on a cloud older than 2.69 an unreachable cell shortens the
// listing and nothing here can tell.
//
// Metadata identifies accounts by the custom field "vmID" (shown as "VM
// ID"): the product custom field in which ModulesGarden's OpenStack VPS
// module keeps the Nova server UUID, so WHMCS services it created match
// the servers they own. Names are not unique in Nova and are not used as
// the key. The product is configoption1.
//
// # Capabilities with the remote call each makes
//
//	ListAccounts      GET /servers/detail, paged; GET /flavors/{id} before 2.47. Read-only.
//	Servers           the same, streamed as an iter.Seq2 (a failure is yielded
//	                  once, and the servers before it are not a complete list).
//	CreateAccount     GET /flavors/detail (flavor by name, else by id), GET
//	                  /servers?name=^name$ (ErrExists when the name is taken),
//	                  POST /servers {name, imageRef, flavorRef, networks,
//	                  adminPass, key_name, metadata}, then GET /servers/{id}
//	                  every Config.PollInterval until it leaves BUILD. Image,
//	                  network and key pair come from NewAccount.Extra "image",
//	                  "network", "key_name", else Config.Image, Network, KeyName.
//	                  Not idempotent; a server that ends in ERROR is an error
//	                  naming its id, and is left for the caller to delete.
//	TerminateAccount  DELETE /servers/{id}; Nova's 404 for the instance
//	                  ("Instance <id> could not be found.", "Instance could
//	                  not be found") means already gone (nil); another 404
//	                  ("The resource could not be found.": no such path) or
//	                  a 409 ("Instance <id> is locked") is an error.
//	SuspendAccount    GET /servers/{id}, then POST /servers/{id}/action
//	                  {"suspend": null} unless already SUSPENDED. Idempotent; a
//	                  409 is re-read and is nil when the server is suspended or
//	                  suspending. Nova stores no reason.
//	UnsuspendAccount  GET /servers/{id}, then {"resume": null} when SUSPENDED.
//	                  Idempotent, with the same 409 re-read.
//	ListPackages      GET /flavors/detail, paged by flavors_links (is_public=None
//	                  with AllTenants, to include private flavors). Read-only.
//
// Setting passwords is not offered: Nova's changePassword needs a guest
// agent that many images lack.
//
// # Errors
//
// Every error is prefixed "openstack: <op>: " and is an
// [*provider.APIError] or wraps one, with Type "openstack", the operation
// (sub-steps read "list accounts: authenticate" or "create account: list
// flavors"), the HTTP status, and Nova's fault name and message
// ({"itemNotFound":{"code":404,"message":...}} gives Code "itemNotFound")
// or Keystone's error title. Statuses match the sentinels: 401 and 403
// provider.ErrUnauthorized, 404 provider.ErrNotFound, 429
// provider.ErrRateLimited, 5xx provider.ErrTransient. An HTML page or a body
// that is not JSON is an error with a redacted excerpt; a record missing a
// key Nova always sends, or with a created time that does not parse, is an
// error naming the server id. A listing is all or nothing. No error or log
// line holds the password, the application credential secret, a token, or
// the adminPass of a new server.
//
// # Rate limits and retries
//
// Keystone and Nova calls share one client-side rate limit
// (Config.RateLimit, Burst). Reads (listing pages, flavor and server
// reads, and token requests, which change nothing) are retried on
// transport errors, 429 (after Retry-After) and 5xx, up to
// Config.MaxRetries times with backoff between RetryWaitMin and
// RetryWaitMax; mutations are retried only when the request provably never
// reached the cloud. Config.Timeout bounds each attempt; ctx bounds the
// whole call, polling included.
//
// Whatever the panel answers, the client never follows a redirect to
// another scheme, host or port (the call fails naming the target, and
// nothing is sent there; a same-origin redirect is followed only when the
// method and body survive it), never gives up TLS silently (CertSHA256 or
// InsecureSkipVerify with an http:// BaseURL is an error from New), and
// reads at most 64 MiB of a listing and 4 MiB of any other answer.
//
// # Testing with openstacktest
//
// Package openstacktest serves Keystone and Nova on one httptest server on
// 127.0.0.1, with a catalog pointing back at itself, paged listings,
// microversions, state across calls, and faults (expired token, 500, 429
// with Retry-After, slow, truncated, HTML, malformed record, looping page
// link, down cell, pages without their list or their next link, reads
// without their object, Nova's 404 and 409 wordings):
//
//	srv := openstacktest.NewServer(t, accounts...)
//	c, _ := openstack.New(openstack.Config{BaseURL: srv.URL, Username: openstacktest.Username,
//		Password: openstacktest.Password, ProjectName: openstacktest.ProjectName})
package openstack
