// Package whmcs is the billing side of a sync against WHMCS: a small
// client of WHMCS's External API (includes/api.php) and, over it, a
// [Store] that implements sync.Store, sync.Notifier and sync.Journal for
// the services of one WHMCS server.
//
//	c, err := whmcs.New(whmcs.Config{
//		BaseURL:    "https://billing.example.com",
//		Identifier: os.Getenv("WHMCS_IDENTIFIER"),
//		Secret:     os.Getenv("WHMCS_SECRET"),
//	})
//	store, err := c.NewStore(whmcs.StoreConfig{
//		ServerID:       "3",      // the panel's server, as Setup » Servers numbers it
//		ProductGroupID: "7",      // a hidden group for the products the sync creates
//		PaymentMethod:  "mailin", // an active gateway, for the orders of imports
//	})
//	e := &sync.Executor{Provider: panel, Store: store, Notifier: store, Journal: store}
//	report, err := e.Run(ctx, opts)
//
// # One server per store
//
// A Store holds the services of exactly one WHMCS server
// (StoreConfig.ServerID): Services lists only that server's services, and
// updates and terminations refuse a service of another server. Build one
// Store per server and hand it only to that server's sync; a Store shared
// by two servers would make the plan export one server's accounts onto
// the other. [Store.Server] returns the server as WHMCS knows it (name,
// hostname, IP, module), so a program can check that it is the machine
// its provider talks to.
//
// # The API role: least privilege
//
// Create API credentials (System Settings » Manage API Credentials) for
// an API role (System Settings » API Roles) that allows exactly these
// actions and no others:
//
//	GetClientsProducts   list services; look a key up before creating
//	GetServers           check the server; count its live services
//	GetProducts          find the products the store created
//	GetClients           client e-mail addresses; case-insensitive lookup
//	GetClientsDetails    find a client by e-mail
//	GetUsers             find a WHMCS 8 user who has an address but no client
//	AddClient            create a client (no e-mail)
//	AddProduct           create a hidden product for a package
//	AddOrder             create a service (no invoice, no e-mail)
//	AcceptOrder          activate it without provisioning or e-mail
//	UpdateClientProduct  dates, IP, username, status, password; terminate in billing
//	SendEmail            the e-mails the plan asks for
//	LogActivity          the sync log
//
// A report-only run needs only the first five. The store never calls
// ModuleCreate, ModuleTerminate, ModuleSuspend or ModuleChangePw, which
// act on the server: leave them out of the role, and a mistake cannot
// reach a panel through WHMCS. An action the role lacks fails with
// WHMCS's "Invalid Permissions: API action "x" is not allowed", an error
// wrapping provider.ErrUnauthorized.
//
// # Access control
//
// WHMCS answers API calls only from addresses on its allow-list (General
// Settings » Security » API IP Access Restriction); anything else gets
// "Invalid IP <address>". Add the address the sync runs from, including
// its IPv6 address if it has one: a host that switches to IPv6 gets
// "Invalid IP" out of the blue. Where the address is not fixed, set
// $api_access_key in WHMCS's configuration.php and Config.AccessKey to
// the same value: WHMCS then skips the allow-list for requests that carry
// the key (a wrong key gets "Invalid Access Key").
//
// Repeated failed logins get the caller's address banned ("IP Banned"),
// so authentication failures are never retried. Every error WHMCS reports
// for access or credentials ("Invalid IP", "Invalid Access Key", "IP
// Banned", "Authentication Failed", "Invalid or missing credentials",
// "Access Denied", "Invalid Permissions", ...) wraps
// provider.ErrUnauthorized.
//
// # The wire
//
// Every call is a form-encoded POST to BaseURL + "/includes/api.php" with
// responsetype=json (without it WHMCS answers in XML or name=value pairs)
// and PHP-style arrays ("pid[0]", "unset[]"). Credentials travel in the
// body, never in a URL. Numbers are read whether WHMCS sends them as
// strings ("totalresults": "2") or as numbers, and lists whether they come
// wrapped ({"product": [...]}), empty ("products": ""), null or missing.
// The answer's result is read before anything else; result=error is an
// error with WHMCS's message, and a body that is not JSON (an HTML login
// page, a PHP fatal error, a firewall's page) is an error too, never an
// empty result.
//
// Like every client in this module it refuses a redirect to another
// scheme, host or port (naming the target, sending it nothing), TLS that
// is not verified unless pinned (Config.CertSHA256) or explicitly turned
// off, and answers larger than the module's caps (64 MiB for a page of a
// listing, 4 MiB for anything else).
//
// Reads (Get... actions) are retried on transport errors, 429 and 5xx.
// Writes are never sent twice once they may have reached WHMCS: a write
// whose answer is lost is an error, and the next attempt looks before it
// acts (see CreateService).
//
// GetClientsProducts sends every service's password decrypted. The client
// never decodes it, and no error or log line holds it, nor the API
// secret, the access key, a new service password or a client's password.
//
// # What a first run against a production WHMCS looks like
//
//  1. Create the API role and credentials above, allow the sync's address
//     (or set an access key), and create a hidden product group for the
//     products the sync may create. Note the server's ID (Setup »
//     Servers) and an active payment gateway's system name.
//  2. Plan without applying (sync.Diff on the two listings, as the
//     example does by default) and print the plan. The store reads every
//     service of the installation in pages of StoreConfig.PageSize (WHMCS
//     cannot filter by server), the addresses of its clients, the server
//     and its products; nothing is written. WHMCS runs several queries
//     per listed row (custom fields, options, names), so a large
//     installation takes a while: the pages stay at StoreConfig.PageSize
//     rows to keep each request well inside PHP's time limit.
//  3. Read the plan. Imports are accounts on the server with no service
//     for their key on this server; each names the client it finds or
//     creates and the product (StoreConfig.Products maps packages onto
//     your products; unmapped packages get a hidden, free product the
//     store creates, and that you can price and show later). Reviews and
//     conflicts need a person. Terminations are off unless asked for.
//  4. Apply. Each import is an order without invoice or e-mail, accepted
//     without module setup or e-mail, then updated with the account's
//     dates, IP, username and status, and checked by reading it back.
//     WHMCS's activity log gets one "accountsync: ..." line per action.
//     No e-mail goes out and no module is called unless the plan's
//     options ask for e-mails or password resets.
//  5. Run again: the plan should be empty. What is left is what needs a
//     person.
//
// # Services WHMCS does not list
//
// GetClientsProducts joins each service to its product and product group,
// so a service whose product or group was deleted is missing from the
// listing and its count, even when filtered by domain. A sync that took
// the listing at its word would import those accounts a second time and
// bill them twice. The store counts instead: GetServers reports the
// server's active and suspended services whatever their product (plus
// module addons), and when that count exceeds the live services listed,
// Services fails with an [*UnlistedError] rather than return a listing it
// knows is short. Restore the product, or move the services to one that
// exists, in WHMCS; if the difference is module addons, say so with
// StoreConfig.AllowUnlisted.
//
// # Creating services
//
// WHMCS has no action that creates a service; CreateService places an
// order and accepts it (see there), in three writes that a crash can
// interrupt. It therefore first looks the key up on every server and
// finishes a half-done import of the same client and product rather than
// place a second order. A crash right after AddOrder can leave a Pending
// service on this server, if WHMCS chose it as the product's default
// server: the next plan shows it for review (a Pending service whose
// account exists), never imports it again; accept its order in WHMCS with
// "Run Module Create" and the welcome e-mail unticked. A live service for the key on
// another server (an account moved between servers) is an
// [*ElsewhereError], or is moved to this server with
// StoreConfig.MoveServices.
//
// # Errors
//
// Every error but [*UnlistedError] and [*ElsewhereError] is, or wraps, a
// *provider.APIError with Type "whmcs", the operation ("list services",
// "create service", ...), the action and WHMCS's message, and maps onto
// the provider sentinels:
//
//	provider.ErrUnauthorized  access control and credentials (above); HTTP 401/403
//	provider.ErrNotFound      "Client Not Found", "Service ID Not Found", a service of another server
//	provider.ErrExists        "A user already exists with that email address",
//	                          "The email address entered is not available for use.",
//	                          an open service for the key elsewhere ([*ElsewhereError])
//	provider.ErrNotSupported  "Invalid API Action" (an older WHMCS), custom-field keys in CreateProduct
//	provider.ErrTransient     HTTP 5xx, timeouts, a listing that changed while it was read
package whmcs
