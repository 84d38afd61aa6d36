// Package whmcstest is an in-memory WHMCS that speaks the External API's
// wire format at /includes/api.php, for tests and demos that must not
// touch a real billing system.
//
// [New] starts one on 127.0.0.1 from a plain program; [NewServer] does the
// same inside a test and closes it when the test ends:
//
//	srv := whmcstest.NewServer(t, whmcstest.Options{})
//	web1 := srv.AddHostingServer(whmcstest.HostingServer{Name: "web1", Module: "cpanel"})
//	group := srv.AddProductGroup("Imported")
//	c, err := whmcs.New(whmcs.Config{BaseURL: srv.URL, Identifier: whmcstest.Identifier, Secret: whmcstest.Secret})
//
// # What it implements
//
// Requests are form-encoded POSTs (or GETs; query and body are merged,
// the body winning) with PHP-style arrays ("pid[0]", "unset[]"). The
// actions are GetClientsProducts, GetClients, GetClientsDetails, GetUsers,
// AddClient, AddOrder, AcceptOrder, UpdateClientProduct, AddProduct,
// GetProducts, GetServers, SendEmail, LogActivity and the Module...
// actions (ModuleCreate, ModuleTerminate, ModuleSuspend, ModuleUnsuspend,
// ModuleChangePw), with the parameters, answers and error messages of
// WHMCS 8's documentation and the behaviour noted on each action: state
// is kept across calls, so an accepted order's service is listed as
// Active and a terminated one carries today's termination date.
//
// The quirks a client must survive are reproduced on purpose:
//
//   - numbers as strings in GetClientsProducts ("totalresults": "2") and
//     as numbers elsewhere; [Options.Numbers] makes them all one or the
//     other;
//   - "products": "" when GetClientsProducts has no results, no
//     "products" at all for a page past the end, no "clients" when
//     GetClients returns none, no "products" when GetProducts has none;
//   - GetClientsProducts without limitnum (or with 0) returns every row;
//     GetClients and GetUsers return 25; GetClients orders by last name
//     unless orderby=id is sent;
//   - UpdateClientProduct applies only PHP-truthy values ("" and "0" are
//     ignored, "0.00" is not) and clears with unset[]; a status change to
//     Terminated or Cancelled sets today's termination date; nextduedate
//     also sets the next invoice date; neither pid nor serverid is
//     checked;
//   - AcceptOrder applies serverid, serviceusername, autosetup and
//     sendemail only when present, and reads them as PHP does ("false" is
//     true); with autosetup the module's CreateAccount is recorded;
//   - AddOrder ignores a scalar billingcycle or domain beside an array
//     pid, assigns the module's default server at once, and sends the
//     order confirmation and an invoice unless told not to;
//   - services whose product or product group was deleted
//     ([Server.DeleteProduct]) vanish from GetClientsProducts, rows and
//     total alike, but still count in GetServers' activeServices;
//   - GetProducts never returns a product's configoption1 or hidden flag;
//   - GetClientsProducts sends each service's password decrypted;
//   - GetClientsDetails matches an e-mail address without regard to case,
//     as MySQL's usual collations do ([Options.BinaryCollation] makes it
//     exact);
//   - without responsetype, list actions answer in XML and others in
//     name=value pairs; responsetype=nvp on a list action is refused.
//
// # Authentication and access control
//
// Checked in WHMCS's order, each failure with its own message and HTTP
// 403: a banned address ("IP Banned", after Options.BanAfter failed
// logins); the access key, when Options.AccessKey is set and the request
// sends one ("Invalid Access Key"), which otherwise skips the allow-list;
// the IP allow-list against the caller's address ("Invalid IP
// 127.0.0.1"); the credentials: identifier and secret ("Invalid or missing
// credentials", "Authentication Failed"), also accepted as username and
// password, or the legacy admin username with the MD5 of its password
// ("Invalid password provided" for anything but an MD5); and the API role
// (Options.AllowedActions): "Invalid Permissions: API action "x" is not
// allowed", or "Invalid API Action: ..." for an action the fake does not
// know. Action errors come with HTTP 200.
//
// # State and what happened
//
// Seed with AddHostingServer, AddProductGroup, AddProduct, AddClient,
// AddUser and AddService; change behind the API's back with
// DeleteProduct, DeleteProductGroup, DeleteService, SetServerAddons and
// SetAllowedIPs. Inspect with Services (including hidden ones), Orders,
// Invoices, Clients, Users, Products, Emails (every e-mail WHMCS sent,
// automatic or asked for), Activity (the activity log), ModuleCalls
// (every call to a server module, which an import must never cause),
// Calls and Requests (what arrived, secrets included).
//
// # Faults
//
// The fault names are the ones every fake of this module shares (package
// providertest), plus [FaultAPIError] and [FaultNVP]; [Fault] says how
// each is rendered. [Server.SetFault] makes every request fail a given
// way until SetFault(FaultNone), [Server.FailNext] the next n requests and
// [Server.FailAfter] n requests after skip; [Server.RedirectTo] sets where
// the redirect faults point. Beyond those, [Server.FailCall] answers the
// nth call of one action with result=error; [Server.DropAfter] lets the
// nth call of an action act and then hangs up, which is how a crash
// between AddOrder and AcceptOrder looks from WHMCS's side; and
// [Server.OnCall] runs a function before a call, to insert or delete rows
// between two pages, or to take the caller's address off the allow-list
// mid-run. [Server.Calls] and [Server.Requests] tell what arrived, as in
// the panel fakes.
package whmcstest
