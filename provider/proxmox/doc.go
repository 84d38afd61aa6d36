// Package proxmox lists and manages the guests (QEMU VMs and LXC
// containers) of a Proxmox VE cluster through its REST API
// (https://HOST:8006/api2/json), as WHMCS ListAccounts records.
//
//	c, err := proxmox.New(proxmox.Config{
//		BaseURL:    "https://pve1.example.com:8006",
//		Username:   "whmcs@pve!sync", // API token ID
//		APIToken:   "5b4c0e52-...",    // its secret
//		CertSHA256: "9f86d0...",       // pin the node's self-signed certificate
//	})
//	accounts, err := c.ListAccounts(ctx)
//
// Callers that keep servers as WHMCS records use [FromServer], or register
// provider.FactoryOf(proxmox.FromServer) under "proxmox".
//
// # Authentication
//
// An API token is the preferred credential: every request carries
// "Authorization: PVEAPIToken=USER@REALM!TOKENID=SECRET" (Config.Username
// is "user@realm!tokenid", Config.APIToken the secret), with no login, no
// CSRF token and no expiry.
//
// The alternative is a ticket: with Config.Password and a user
// "user@realm", the client posts POST /access/ticket, then sends the
// ticket as the PVEAuthCookie cookie and, on every write, the
// CSRFPreventionToken header. Tickets live two hours; the client renews
// one after Config.TicketRenewAfter (one hour), and on a 401 ("invalid PVE
// ticket") it logs in again once and resends the refused request.
// Concurrent callers share one login. Accounts that need a second factor
// cannot log in this way (the error says so): use a token.
//
// Either way the credentials need VM.Audit on /vms, propagated (the
// PVEAuditor role), to list; and VM.PowerMgmt, VM.Allocate, VM.Clone,
// VM.Config.Options, VM.Config.Cloudinit and Datastore.AllocateSpace to
// act. A new privilege-separated token has no permissions at all, and
// Proxmox VE then answers the listing with fewer guests, or none, rather
// than a 403. So every listing first reads GET
// /access/permissions?path=/vms (the effective privileges of the caller,
// each with its propagate flag) and fails with provider.ErrUnauthorized
// when VM.Audit is missing or not propagated. With Config.Pools it also
// needs Pool.Audit on /pool, propagated: without it Proxmox VE lists
// guests without their pool. A token scoped to a pool or
// to single VMs therefore cannot list: its view is partial by design, and
// a partial list would read as deleted accounts.
//
// # What is listed and how it maps to WHMCS fields
//
// GET /cluster/resources?type=vm returns every guest of the cluster with
// its node, status, name, tags (from Proxmox VE 7.3 on), pool and lock in
// one answer (it has no paging); templates (template=1) are left out. What
// it lacks, the creation time, the cloud-init user and the static address
// (and the hostname of a container it lists as "CT<vmid>"), only each
// guest's GET /nodes/{node}/{qemu|lxc}/{vmid}/config holds: the API has no
// call that returns them for many guests. A first listing reads them
// Config.Concurrency at a time, within Config.RateLimit; later listings of
// the same Client reuse what they read for every guest that has kept
// running since (its uptime in /cluster/resources shows no stop, and a
// guest is stopped before it is destroyed, so a VM ID reused is always
// read again), up to Config.CacheMaxAge for the values that can be edited
// while a guest runs. Before 7.3 every configuration is read every time,
// for the tags. Accounts come in VM ID order.
//
//	uniqueIdentifier  the VM ID, "101"; "pve1/101" with Config.Cluster (VM IDs are unique
//	                  per cluster only). Metadata names the WHMCS field it is matched
//	                  against: Config.IdentifierField, default "customfield.vmid".
//	domain            the QEMU name or the LXC hostname; "" when the guest has none
//	                  (the listing shows such guests as "VM 105" or "CT105": not names)
//	username          the QEMU cloud-init user (ciuser); "" for LXC
//	email             the owner tag "owner-alice_at_example.com" (tags cannot hold "@",
//	                  so it is written "_at_"), or the pool comment with PoolIsOwner
//	product           the tag "plan-<product>", or the pool with PoolIsProduct
//	primaryip         the first static address of ipconfig0..31 (QEMU cloud-init) or
//	                  net0..31 (LXC), IPv4 before IPv6; "" for DHCP. The guest agent
//	                  is not asked: it needs a running guest and one call more each.
//	created           the ctime in the QEMU "meta" property ("creation-qemu=8.1.5,
//	                  ctime=1708264093"), in Config.Location; zero for LXC, which has
//	                  no such property, and for VMs made by older releases
//	status            Suspended when the guest has the tag SuspendedTag
//	                  ("accountsync-suspended") and is stopped; else Active
//
// A plain stopped guest is Active: Proxmox VE has no billing-suspended
// state, and a guest can be stopped by its owner. A guest with the tag
// that someone started again is Active too (it serves); a hibernated one
// (lock "suspended") without the tag is Active. Extra holds "vmid",
// "node", "type" (qemu|lxc), "status" (the raw state), and when set
// "lock", "pool", "tags" and "cluster".
//
// Tag prefixes are Config.ProductTagPrefix and Config.OwnerTagPrefix;
// Config.Pools says whether pools stand for products or owners instead.
// Two tags with one prefix that disagree make the record malformed.
//
// The status in /cluster/resources comes from the nodes' status daemon
// and may lag a power change by a few seconds; the actions below read the
// fresh GET .../status/current instead.
//
// # Capabilities with the remote call each makes
//
// Slow operations (clone, start, stop, delete) answer a task id (UPID);
// the client polls GET /nodes/{node}/tasks/{upid}/status every
// Config.PollInterval until the task stops, within the context's
// deadline (or Config.TaskTimeout when it has none), and fails with the
// task's exit status when it is not "OK" (or "WARNINGS: n").
//
//   - [Client.ListAccounts]: see above.
//   - [Client.CreateAccount]: GET /cluster/resources (the template by
//     name, and no guest with the same name: else provider.ErrExists), GET
//     /cluster/nextid, POST .../{template}/clone (full clone unless
//     Config.LinkedClone), PUT .../config (tags; ciuser and cipassword for
//     QEMU), POST .../status/start. Not idempotent.
//   - [Client.TerminateAccount]: GET .../status/current, POST
//     .../status/stop when running, DELETE
//     .../{vmid}?purge=1&destroy-unreferenced-disks=1. Idempotent; refuses
//     templates. When a step fails, the guest's absence from
//     /cluster/resources, not the error's wording, says whether it is
//     gone.
//   - [Client.SuspendAccount]: POST .../status/stop, then the tag (PUT
//     .../config guarded by the config digest). [Client.UnsuspendAccount]:
//     POST .../status/start, then the tag is removed. Power first, marker
//     second, so that a failure leaves a state that reads right. Both
//     idempotent.
//   - [Client.ListPackages]: the templates by name, or GET /pools with
//     PoolIsProduct.
//
// Each action finds the guest's current node in /cluster/resources first:
// nodes change when guests migrate. A missing guest is provider.ErrNotFound
// only after /access/permissions has shown that the credentials could see
// it, so an invisible guest never reads as "already terminated". An
// identifier with another cluster's prefix is an error.
//
// # Errors
//
// Proxmox VE puts its error text in the HTTP reason phrase ("500
// Configuration file 'nodes/pve1/qemu-server/123.conf' does not exist")
// with a body of {"data":null}; a 400 adds {"errors":{"param":"message"}}.
// A reverse proxy in front of pveproxy must pass the status line through
// unchanged (net/http's ReverseProxy does not), or those messages, and the
// sentinels read from them, are lost.
// Errors are *provider.APIError with Type "proxmox", the operation, the
// status, the reason phrase and the parameter messages as Message, and a
// redacted body excerpt. 401 and 403 match provider.ErrUnauthorized, 429
// provider.ErrRateLimited, 5xx provider.ErrTransient; Proxmox VE's words
// for a guest that is not there ("Configuration file
// 'nodes/pve1/qemu-server/105.conf' does not exist", "unable to find
// configuration file for VM 105 on node 'pve1'") match
// provider.ErrNotFound, and those for a VM ID in use ("VM 105 already
// exists on node 'pve1'", "unable to create VM 105: config file already
// exists") provider.ErrExists; other "does not exist" messages (a pool, a
// storage) do not. 595, 596 and 597 (the proxy could not reach the
// target node) and guests listed with status "unknown" (their node is
// offline, or has not reported a new guest yet) match
// [ErrNodeUnreachable] and fail the listing: a node out of sight never
// reads as "no VMs". An HTML page, a body that is not the JSON envelope,
// {"data":null} where a list was due, or a configuration without the
// "digest" Proxmox VE always adds is an error, never an empty list; a
// malformed record (a VM ID that is not a number, a ctime that is not a
// Unix time, an address that does not parse) fails the listing and names
// the record. No error or log line holds the password,
// the token secret, a ticket or a CSRF token.
//
// # Rate limits and retries
//
// Reads are retried on transport errors, 429 (after Retry-After) and 5xx,
// Config.MaxRetries times; writes only when they provably did not arrive,
// and once after a refused ticket.
// The request budget is Config.RateLimit, by default [DefaultRateLimit]
// (50 a second), which a first listing of a big cluster spends on one
// configuration per guest: 10,000 guests take about three and a half
// minutes, a later listing a few seconds (the permission check, the
// version, the guest listing, and the configurations of stopped or
// restarted guests). The client keeps Config.Concurrency+2 idle
// connections (at least 16), so that a listing does not open a TLS
// connection per read.
//
// Whatever the panel answers, the client never follows a redirect to
// another scheme, host or port (the call fails naming the target, and
// nothing is sent there; a same-origin redirect is followed only when the
// method and body survive it), never gives up TLS silently (CertSHA256 or
// InsecureSkipVerify with an http:// BaseURL is an error from New), and
// reads at most 64 MiB of a listing and 4 MiB of any other answer.
//
// # Testing with proxmoxtest
//
// Package proxmoxtest is a stateful fake of this API on httptest, with
// token and ticket+CSRF authentication, tasks, and faults (expired
// ticket, 401, 403, 500, 429, slow, truncated, HTML, malformed record,
// node 596, node offline, a token without privileges). The tests here run
// providertest.Run against it with both credentials.
package proxmox
