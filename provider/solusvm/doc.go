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
// vserver-infoall for each server, whose state and addresses the node
// listing lacks. Answers are requested as JSON (rdtype=json), in which
// every number is a string; XML is read as well, since older masters and
// some actions answer with XML fragments that have no root element, or
// with rooted documents that start with an XML declaration; a value the
// master left unescaped (a bare "&") is read as text. A list that
// holds one item may come as an object rather than a list, and is read
// either way.
//
//	uniqueIdentifier  vserverid (unique on the master; ctid-xid is per node)
//	domain            hostname
//	email, username   the owner's, from client-list (joined on clientid);
//	                  empty when the record has no clientid, or the client
//	                  list does not hold it
//	primaryip         vserver-infoall mainipaddress, else the node listing's
//	                  ipaddress, else the first of ipaddresses
//	status            Suspended when vserver-infoall's state is "disabled",
//	                  Active when "online" or "offline"; any other state is
//	                  an error naming the server
//	product           empty: no SolusVM 1 call tells a server's plan
//	created           empty: no SolusVM 1 call tells when a server was made
//
// The product and created fields are left empty rather than guessed (from
// memory and disk sizes, or the client's creation date).
// Extra: node_id, node (name), type, state (raw), client_id, virt_id
// (ctid-xid), template, ips (every address, comma-separated),
// internal_ips.
//
// SolusVM 2: ListAccounts reads GET /servers?page=1, 2, ... up to
// meta.last_page.
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
//     or DELETE /servers/{id}. A server already gone is success.
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
// ipaddress" match provider.ErrUnauthorized, "... not found" matches
// provider.ErrNotFound and "... already exists" provider.ErrExists; other
// messages are carried as they are. SolusVM 2 failures are HTTP statuses
// with {"message", "errors"}: 401/403, 404, 429 and 5xx map to the
// sentinels through the status, and a 422 saying a value "has already been
// taken" matches provider.ErrExists.
//
// A listing is all or nothing: a failed node, server or page call, an HTML
// page or an undecodable body, a malformed record (a vserverid that is not
// a number, a created_at that is not a time, an unknown state) or a page
// that does not advance ends it with an error and no accounts. A server
// listed twice, or a page count that no longer matches meta.total, means
// the list changed while it was read: the error matches
// provider.ErrTransient. Errors and logs never hold the API ID, key, token
// or a new server's password; passwords the create answer echoes
// (rootpassword, consolepassword) are removed from error excerpts.
//
// # Rate limits and retries
//
// The client sends Config.RateLimit requests per second
// (default 10), reads retried on transport errors, 429 and 5xx, honouring
// Retry-After. A SolusVM 1 listing of N servers on M nodes makes
// N + M + 5 calls, Config.Concurrency (default 4) at a time, so at the
// default rate a master with 10,000 servers takes about 17 minutes: raise
// RateLimit as far as the master allows. The client keeps as many idle
// connections as it has calls in flight. SolusVM 2 needs one call per page.
//
// Whatever the panel answers, the client never follows a redirect to
// another scheme, host or port (the call fails naming the target, and
// nothing is sent there; a same-origin redirect is followed only when the
// method and body survive it), never gives up TLS silently (CertSHA256 or
// InsecureSkipVerify with an http:// BaseURL is an error from New), and
// reads at most 64 MiB of a listing and 4 MiB of any other answer.
//
// # Testing with solusvmtest
//
// Package solusvmtest is a fake panel on 127.0.0.1 that speaks both
// protocols over one state, checks credentials as SolusVM does and injects
// faults (a refused key, 500, 429 with Retry-After, a slow or truncated
// answer, an HTML page, a malformed record, a node that fails, a page that
// does not advance):
//
//	srv := solusvmtest.NewServer(t, accounts...)
//	c, err := solusvm.New(solusvm.Config{BaseURL: srv.URL,
//		Username: solusvmtest.APIID, APIToken: solusvmtest.APIKey})
//	// or APIVersion: 2, APIToken: solusvmtest.Token
package solusvm
