// Package solusvm lists and manages the virtual servers of a SolusVM panel
// as WHMCS ListAccounts records. It speaks both generations of the API:
// the SolusVM 1 admin API of a master (command.php) and the SolusVM 2 REST
// API. [Config].APIVersion (1, the default, or 2) picks one;
// [FromServer] reads it from Params["api_version"].
//
// # Authentication
//
// SolusVM 1: every call is a POST form to /api/admin/command.php on the
// master (port 5656 over https, 5353 over http) carrying the API ID
// (Config.Username, sent as "id") and the API key (Config.APIToken, sent
// as "key"), as the official WHMCS module sends them; the key never sits
// in a URL. Both count as secrets: neither appears in errors or logs. The
// master also checks the caller's address; a refused one is reported as
// provider.ErrUnauthorized ("invalid ipaddress"). A master behind an
// htpasswd prompt needs the credentials in BaseURL's user info.
//
// SolusVM 2: every call carries "Authorization: Bearer <Config.APIToken>",
// a token made on the panel's account page, against /api/v1 on BaseURL.
//
// Masters often use self-signed certificates: pin the certificate with
// Config.CertSHA256 rather than setting InsecureSkipVerify.
//
// # What is listed and how it maps to WHMCS fields
//
// SolusVM 1 has no "all servers" call. ListAccounts calls node-idlist for
// each virtualization type (openvz, xen, "xen hvm", kvm; Config.VirtTypes
// narrows them), client-list once, node-virtualservers for each node, and
// vserver-infoall for each server. node-virtualservers answers vserverid,
// ctid-xid, clientid, ipaddress, hostname, template, hdd, memory,
// swap-burst, type and mac for each server, and nothing else: no state,
// no plan, no owner e-mail, no creation time (the field list of
// newx/solusvm's recorded answer and tests and of megamsys/solusvm_go's
// VirtualServer; no public client knows a call that answers the state of
// many servers). Whether a server is suspended
// is only in its own vserver-infoall (or vserver-status) state, so a
// listing of N servers makes one such call per server; see "Rate limits"
// below for what that costs. Answers are requested as JSON (rdtype=json),
// in which every number is a string; XML is read as well, since older
// masters and some actions answer with XML fragments that have no root
// element, or with rooted documents that start with an XML declaration; a
// value the master left unescaped (a bare "&") is read as text. A list
// that holds one item may come as an object rather than a list, and is
// read either way.
//
//	uniqueIdentifier  vserverid (unique on the master; ctid-xid is per node)
//	domain            hostname
//	email, username   the owner's, from client-list (joined on clientid);
//	                  empty when the record has no clientid, or the client
//	                  list does not hold it
//	primaryip         vserver-infoall mainipaddress, else the node listing's
//	                  ipaddress, else the first of ipaddresses
//	status            Suspended when vserver-infoall's state is "disabled"
//	                  (as the official WHMCS module reads it), Active when
//	                  "online" or "offline"; any other state, or none, is
//	                  an error naming the server, never a guess
//	product           empty: no SolusVM 1 call tells a server's plan
//	created           empty: no SolusVM 1 call tells when a server was made
//
// The product and created fields are left empty rather than guessed (from
// memory and disk sizes, or the client's creation date).
// Extra: node_id, node (name), type, state (raw), client_id, virt_id
// (ctid-xid), template, ips (every address, comma-separated),
// internal_ips.
//
// SolusVM 2: ListAccounts reads GET /servers?page=1, then pages 2 to
// meta.last_page, Config.Concurrency at a time. The page size is the
// panel's own (the fake's is 15, Laravel's default): no public client of
// SolusVM 2 (solus-go-sdk, the WHMCS and Blesta modules, HostBill's
// converter) sends a page size and none documents one, so the client does
// not send one either.
//
//	uniqueIdentifier  server id
//	domain            name (else fqdns[0])
//	email, username   user.email (SolusVM 2 users have no username; the
//	                  official WHMCS module reports the e-mail for both)
//	product           plan.name; empty when the plan is null
//	primaryip         first of ip_addresses.ipv4, else ipv6.primary_ip
//	created           created_at, in Config.Location (default UTC)
//	status            Suspended when is_suspended
//
// Extra: status (raw), uuid, ips, plan_id, user_id, location,
// virtualization_type.
//
// [Client.Metadata] gives Type "solusvm" and the identifier field
// "customfield.vserverid": the official SolusVM 1 WHMCS module
// (solusvmpro) keeps each service's vserverid in a product custom field of
// that name. The SolusVM 2 module (solusiovps) keeps the server id in its
// own table (solusiovps_servers.server_id) and matches services by domain;
// a bridge serving it exposes that id under the same field name, so one
// key works for both generations. The product field is configoption4 for
// SolusVM 1 (solusvmpro's "Default Plan") and configoption1 for SolusVM 2.
//
// # Capabilities
//
//   - [Client.ListAccounts]: as above; read only, retried.
//   - [Client.CreateAccount] (not idempotent, not retried once sent).
//     SolusVM 1: client-list; for an existing client, node-idlist and
//     node-virtualservers to refuse a second server with the same hostname
//     (provider.ErrExists), since SolusVM itself accepts one; for a new
//     client, client-create; then vserver-create. SolusVM 2: GET /plans
//     (the plan by name), GET /users?filter[search]= or POST /users (the
//     user by e-mail), POST /servers; a name already taken is
//     provider.ErrExists. Parameters the NewAccount lacks come from its
//     Extra, then Config.CreateDefaults (see there).
//   - [Client.TerminateAccount]: vserver-terminate with deleteclient=false,
//     or DELETE /servers/{id}. A server already gone is success, as the
//     state check after a failure shows (vserver-checkexists, or GET
//     /servers/{id}; see Errors).
//   - [Client.SuspendAccount], [Client.UnsuspendAccount]: vserver-status
//     then vserver-suspend or vserver-unsuspend; or GET /servers/{id} then
//     POST /servers/{id}/suspend or /resume. Each acts only when the state
//     must change; a missing server is provider.ErrNotFound.
//   - [Client.ListPackages]: listplans per virtualization type (names only;
//     Extra["types"]), or every page of GET /plans (Extra: id, disk, ram,
//     vcpu).
//
// Setting passwords is not offered.
//
// # Errors
//
// Errors are *provider.APIError values, prefixed "solusvm: <operation>: ".
// The SolusVM 1 listing names its sub-steps: "list nodes", "list clients",
// "list virtual servers" and "get virtual server". SolusVM 1 answers HTTP
// 200 whether a call worked or not: the outcome is in <status>/<statusmsg>,
// or a bare line for credential errors. "Invalid id or key" and "Invalid
// ipaddress" match provider.ErrUnauthorized, "... not found" ("Virtual
// server not found", "Node not found") matches provider.ErrNotFound and
// "... already exists" ("Client already exists") provider.ErrExists;
// other messages are carried as they are. These are the wordings the
// official WHMCS module (solusvmpro) and newx/solusvm compare against;
// package solusvmtest answers each on demand. SolusVM 2 failures are HTTP statuses
// with {"message", "errors"}: 401/403, 404, 429 and 5xx map to the
// sentinels through the status, and a 422 saying a value "has already been
// taken" matches provider.ErrExists.
//
// A listing is all or nothing: a failed node, server or page call, an HTML
// page or an undecodable body, a malformed record (a vserverid that is not
// a number, a created_at that is not a time, an unknown state) or a page
// that does not advance ends it with an error and no accounts. So does an
// answer that reports success without what the call exists for: a
// node-idlist without "nodes", a client-list or node-virtualservers
// without its list (or with null, or another type, in its place), a
// vserver-infoall without "state", a SolusVM 2 page without its "data"
// list, its "links", or a "meta" giving current_page, last_page, per_page
// and total; "{}" is such an answer. A server listed twice, a server that
// vanishes between its node's listing and its own call, a page that
// counts another total than page 1, or a page holding fewer records than
// its paging says means the list changed while it was read: the error
// matches provider.ErrTransient. Errors and logs never hold the API ID,
// key, token or a new server's password; passwords the create answer
// echoes (rootpassword, consolepassword) are removed from error excerpts.
//
// Terminate, suspend and unsuspend do not trust a failure's wording: when
// the call fails, whatever it said, the client reads the state again
// (vserver-checkexists or vserver-status; GET /servers/{id}) and reports
// success if the server is gone, or in the state asked for, and the
// original error otherwise. An answer lost on its way back (a proxy's
// 502 after the panel acted) therefore does not fail a sync.
//
// # Rate limits and retries
//
// The client sends Config.RateLimit requests per second (default 40,
// below the 50 per second this module allows itself against one panel),
// Config.Concurrency (default 8) at a time, reads retried on transport
// errors, 429 and 5xx, honouring Retry-After. The client keeps as many
// idle connections as it has calls in flight.
//
// A SolusVM 1 listing of N servers on M nodes makes N + M +
// len(Config.VirtTypes) + 1 calls. The N per-server calls cannot be
// avoided (see above), so at the default rate a master with 10,000
// servers takes about 4 minutes to list (1,000 servers about 25 s);
// listing it within a minute needs about 170 requests per second, which
// a user may allow by raising RateLimit and Concurrency where the master
// can take it. A SolusVM 2 listing needs one call per page of 15: 10,000
// servers in about 17 s.
//
// Whatever the panel answers, the client never follows a redirect to
// another scheme, host or port (the call fails naming the target, and
// nothing is sent there; a same-origin redirect is followed only when the
// method and body survive it), never gives up TLS silently (CertSHA256 or
// InsecureSkipVerify with an http:// BaseURL is an error from New), and
// reads at most 64 MiB of a SolusVM 1 listing (a node's servers, the
// clients, the nodes, the plans) and 4 MiB of any other answer, a SolusVM
// 2 page of 15 records included.
//
// # Testing with solusvmtest
//
// Package solusvmtest is a fake panel on 127.0.0.1 that speaks both
// protocols over one state, checks credentials as SolusVM does and injects
// faults (a refused key or address, 500, 429 with Retry-After, a slow or
// truncated answer, an HTML page, a malformed record, an answer of the
// wrong shape for any call, the panel's "not found" and "already exists"
// wordings, an answer lost after the panel acted, a node that fails, a
// page that does not advance):
//
//	srv := solusvmtest.NewServer(t, accounts...)
//	c, err := solusvm.New(solusvm.Config{BaseURL: srv.URL,
//		Username: solusvmtest.APIID, APIToken: solusvmtest.APIKey})
//	// or APIVersion: 2, APIToken: solusvmtest.Token
package solusvm
