package whmcstest

import (
	"encoding/base64"
	"fmt"
	"net/mail"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// actions are the API actions the fake implements, by lower-case name.
// Their behaviour follows WHMCS 8's: the developer documentation for
// parameters, answers and error messages, and the observed behaviour noted
// on each.
var actions = map[string]func(s *Server, c *call) obj{
	"getclientsproducts":  (*Server).getClientsProducts,
	"getclients":          (*Server).getClients,
	"getclientsdetails":   (*Server).getClientsDetails,
	"getusers":            (*Server).getUsers,
	"addclient":           (*Server).addClientAction,
	"addorder":            (*Server).addOrder,
	"acceptorder":         (*Server).acceptOrder,
	"updateclientproduct": (*Server).updateClientProduct,
	"addproduct":          (*Server).addProductAction,
	"getproducts":         (*Server).getProducts,
	"getservers":          (*Server).getServers,
	"sendemail":           (*Server).sendEmail,
	"logactivity":         (*Server).logActivity,
	"modulecreate":        (*Server).moduleCreate,
	"moduleterminate":     (*Server).moduleTerminate,
	"modulesuspend":       (*Server).moduleSuspend,
	"moduleunsuspend":     (*Server).moduleUnsuspend,
	"modulechangepw":      (*Server).moduleChangePw,
}

// num writes a number the way opts.Numbers says; asString is what the
// documentation shows for this field.
func (s *Server) num(n int, asString bool) any {
	switch s.opts.Numbers {
	case NumbersAsStrings:
		return strconv.Itoa(n)
	case NumbersAsInts:
		return n
	}
	if asString {
		return strconv.Itoa(n)
	}
	return n
}

// idNum writes a stored ID (a decimal string) as num does.
func (s *Server) idNum(id string, asString bool) any {
	n, err := strconv.Atoi(id)
	if err != nil {
		return id
	}
	return s.num(n, asString)
}

// intParam casts a parameter as PHP's (int) does: leading digits, else 0.
func intParam(v string) int {
	v = strings.TrimSpace(v)
	end := 0
	for end < len(v) && (v[end] >= '0' && v[end] <= '9' || (end == 0 && v[end] == '-')) {
		end++
	}
	n, _ := strconv.Atoi(v[:end])
	return n
}

// sameID compares an ID parameter with a stored ID as MySQL compares a
// string with an integer column.
func sameID(param, id string) bool {
	return intParam(param) == intParam(id) && intParam(id) != 0
}

// sameText compares as MySQL's default collations do: without regard to
// case or trailing spaces.
func sameText(a, b string) bool {
	return strings.EqualFold(strings.TrimRight(a, " "), strings.TrimRight(b, " "))
}

func byID[T any](items []T, id func(T) string) {
	sort.SliceStable(items, func(i, j int) bool { return intParam(id(items[i])) < intParam(id(items[j])) })
}

// getClientsProducts lists services: filters applied only when truthy,
// ORDER BY id, limitnum 0 or missing meaning all rows (999999), services
// whose product or product group is gone left out of rows and total alike,
// "products" an empty string when the total is 0 and absent when a page
// past the end is asked for, and each row's password decrypted.
func (s *Server) getClientsProducts(c *call) obj {
	f := c.form
	var rows []*Service
	for _, v := range s.services {
		if !s.visible(v) {
			continue
		}
		if p := f.get("clientid"); truthy(p) && !sameID(p, v.ClientID) ||
			truthy(f.get("serviceid")) && !sameID(f.get("serviceid"), v.ID) ||
			truthy(f.get("pid")) && !sameID(f.get("pid"), v.ProductID) ||
			truthy(f.get("domain")) && !sameText(f.get("domain"), v.Domain) ||
			truthy(f.get("username2")) && !sameText(f.get("username2"), v.Username) {
			continue
		}
		rows = append(rows, v)
	}
	byID(rows, func(v *Service) string { return v.ID })
	start, num := max(0, intParam(f.get("limitstart"))), intParam(f.get("limitnum"))
	if num <= 0 {
		num = 999999
	}
	var page []*Service
	if start < len(rows) {
		page = rows[start:min(len(rows), start+num)]
	}
	res := obj{
		"result": "success", "clientid": echo(f, "clientid"), "serviceid": echo(f, "serviceid"),
		"pid": echo(f, "pid"), "domain": echo(f, "domain"),
		"totalresults": s.num(len(rows), true), "startnumber": start, "numreturned": len(page),
	}
	if len(rows) == 0 {
		res["products"] = ""
	}
	if len(page) > 0 {
		items := make(list, 0, len(page))
		for _, v := range page {
			items = append(items, s.serviceRow(v))
		}
		res["products"] = obj{"product": items}
	}
	return res
}

// echo returns a filter parameter as WHMCS echoes it: null when not sent.
func echo(f form, name string) any {
	if !f.has(name) {
		return nil
	}
	return f.get(name)
}

func (s *Server) serviceRow(v *Service) obj {
	p := s.product(v.ProductID)
	group := s.groups[p.GroupID]
	order := s.order(v.OrderID)
	ordernum := ""
	if order != nil {
		ordernum = order.OrderNumber
	}
	var servername, serverip, serverhost any = "", nil, nil
	if h := s.server(v.ServerID); h != nil {
		servername, serverip, serverhost = h.Name, h.IP, h.Hostname
	}
	fields := list{}
	for _, cf := range p.CustomFields {
		fields = append(fields, obj{"id": s.idNum(cf.ID, true), "name": cf.Name, "translated_name": cf.Name, "value": v.CustomFields[cf.ID]})
	}
	return obj{
		"id": s.idNum(v.ID, true), "qty": s.num(1, true), "clientid": s.idNum(v.ClientID, true),
		"orderid": s.idNum(v.OrderID, true), "ordernumber": ordernum, "pid": s.idNum(v.ProductID, true),
		"regdate": v.RegDate, "name": p.Name, "translated_name": p.Name, "groupname": group,
		"translated_groupname": group, "domain": v.Domain, "dedicatedip": v.DedicatedIP,
		"serverid": s.idNum(v.ServerID, true), "servername": servername, "serverip": serverip,
		"serverhostname": serverhost, "suspensionreason": v.SuspendReason,
		"firstpaymentamount": v.FirstPayment, "recurringamount": v.Amount,
		"paymentmethod": v.PaymentMethod, "paymentmethodname": gatewayName(v.PaymentMethod),
		"billingcycle": v.BillingCycle, "nextduedate": v.NextDueDate, "status": v.Status,
		"username": v.Username, "password": v.Password, "subscriptionid": "", "promoid": s.num(0, true),
		"overideautosuspend": "", "overidesuspenduntil": noDate, "ns1": "", "ns2": "",
		"assignedips": v.AssignedIPs, "notes": v.Notes, "diskusage": s.num(0, true), "disklimit": s.num(0, true),
		"bwusage": s.num(0, true), "bwlimit": s.num(0, true), "lastupdate": "0000-00-00 00:00:00",
		"customfields": obj{"customfield": fields}, "configoptions": obj{"configoption": list{}},
	}
}

func gatewayName(g string) any {
	switch g {
	case "":
		return nil
	case "mailin":
		return "Mail In Payment"
	case "paypal":
		return "PayPal"
	}
	return g
}

// getClients pages clients: search is a prefix of e-mail or names,
// limitnum defaults to 25 (not all), and the default order is by last
// name, which makes offset paging unstable unless orderby=id is sent
// (WHMCS 8.2 and later). "clients" is absent when no row is returned.
func (s *Server) getClients(c *call) obj {
	f := c.form
	status := f.get("status")
	if status != "" {
		status = strings.ToUpper(status[:1]) + strings.ToLower(status[1:])
		if !slices.Contains([]string{"Active", "Inactive", "Closed"}, status) {
			return errResult("Invalid client status supplied. Supported client statuses include: Active, Inactive, Closed")
		}
	}
	search := strings.ToLower(f.get("search"))
	var rows []*Client
	for _, cl := range s.clients {
		if status != "" && cl.Status != status {
			continue
		}
		if strings.TrimSpace(search) != "" && !hasPrefixAny(search, cl.Email, cl.FirstName, cl.LastName, cl.CompanyName, cl.FirstName+" "+cl.LastName) {
			continue
		}
		rows = append(rows, cl)
	}
	key := func(cl *Client) string { return cl.LastName }
	switch strings.ToLower(strings.TrimSpace(f.get("orderby"))) {
	case "id":
		key = func(cl *Client) string { return fmt.Sprintf("%012d", intParam(cl.ID)) }
	case "email":
		key = func(cl *Client) string { return strings.ToLower(cl.Email) }
	case "firstname":
		key = func(cl *Client) string { return cl.FirstName }
	}
	byID(rows, func(cl *Client) string { return cl.ID })
	sort.SliceStable(rows, func(i, j int) bool { return key(rows[i]) < key(rows[j]) })
	if strings.ToUpper(f.get("sorting")) == "DESC" {
		slices.Reverse(rows)
	}
	start, num := max(0, intParam(f.get("limitstart"))), intParam(f.get("limitnum"))
	if num <= 0 {
		num = 25
	}
	var page []*Client
	if start < len(rows) {
		page = rows[start:min(len(rows), start+num)]
	}
	res := obj{"result": "success", "totalresults": s.num(len(rows), false), "startnumber": start, "numreturned": len(page)}
	if len(page) > 0 {
		items := make(list, 0, len(page))
		for _, cl := range page {
			items = append(items, obj{"id": s.idNum(cl.ID, false), "firstname": cl.FirstName, "lastname": cl.LastName,
				"companyname": cl.CompanyName, "email": cl.Email, "datecreated": s.today(), "groupid": s.num(0, false), "status": cl.Status})
		}
		res["clients"] = obj{"client": items}
	}
	return res
}

func hasPrefixAny(prefix string, fields ...string) bool {
	for _, f := range fields {
		if strings.HasPrefix(strings.ToLower(f), prefix) {
			return true
		}
	}
	return false
}

// getClientsDetails finds one client by clientid or by e-mail address
// (compared without regard to case, as MySQL's collation does), and
// answers its details both at the top level (deprecated) and under
// "client".
func (s *Server) getClientsDetails(c *call) obj {
	f := c.form
	id, email := f.get("clientid"), f.get("email")
	if !truthy(id) && !truthy(email) {
		return errResult("Either clientid Or email Is Required")
	}
	var found *Client
	for _, cl := range s.clients {
		sameEmail := sameText(email, cl.Email)
		if s.opts.BinaryCollation {
			sameEmail = email == cl.Email
		}
		if truthy(id) && sameID(id, cl.ID) || !truthy(id) && sameEmail {
			found = cl
			break
		}
	}
	if found == nil {
		return errResult("Client Not Found")
	}
	users := list{}
	for _, u := range s.users {
		if slices.Contains(u.ClientIDs, found.ID) {
			users = append(users, obj{"id": s.idNum(u.ID, false), "name": u.FirstName + " " + u.LastName, "email": u.Email, "is_owner": u.ID == found.OwnerUserID})
		}
	}
	details := obj{
		"client_id": s.idNum(found.ID, false), "userid": s.idNum(found.ID, false), "id": s.idNum(found.ID, false),
		"owner_user_id": s.idNum(found.OwnerUserID, false), "firstname": found.FirstName, "lastname": found.LastName,
		"fullname": found.FirstName + " " + found.LastName, "companyname": found.CompanyName, "email": found.Email,
		"status": found.Status, "currency": s.num(1, false), "currency_code": "USD", "users": obj{"user": users},
	}
	res := obj{"result": "success", "client": details}
	for k, v := range details {
		res[k] = v
	}
	if truthy(f.get("stats")) {
		res["stats"] = obj{"productsnumactive": s.num(0, false)}
	}
	return res
}

// getUsers pages users (WHMCS 8.1 and later): search is a prefix of the
// e-mail address or names, and "users" is a plain array, present even
// when empty.
func (s *Server) getUsers(c *call) obj {
	f := c.form
	search := strings.ToLower(f.get("search"))
	var rows []*User
	for _, u := range s.users {
		if strings.TrimSpace(search) == "" || hasPrefixAny(search, u.Email, u.FirstName, u.LastName) {
			rows = append(rows, u)
		}
	}
	start, num := max(0, intParam(f.get("limitstart"))), intParam(f.get("limitnum"))
	if num <= 0 {
		num = 25
	}
	var page []*User
	if start < len(rows) {
		page = rows[start:min(len(rows), start+num)]
	}
	items := list{}
	for _, u := range page {
		clients := list{}
		for _, id := range u.ClientIDs {
			cl := s.client(id)
			clients = append(clients, obj{"id": s.idNum(id, false), "isOwner": cl != nil && cl.OwnerUserID == u.ID})
		}
		items = append(items, obj{"id": s.idNum(u.ID, false), "firstname": u.FirstName, "lastname": u.LastName,
			"email": u.Email, "datecreated": s.today() + " 00:00:00", "validationdata": "", "clients": clients})
	}
	return obj{"result": "success", "totalresults": s.num(len(rows), false), "startnumber": start, "numreturned": len(page), "users": items}
}

// addClientAction creates a client and, unless owner_user_id names one,
// its owner user. With skipvalidation only the e-mail's uniqueness is
// checked: "A user already exists with that email address" when a user
// (login) has the address, "The email address entered is not available
// for use." when a client has it. noemail suppresses the signup e-mail.
func (s *Server) addClientAction(c *call) obj {
	f := c.form
	var owner *User
	if id := f.get("owner_user_id"); intParam(id) != 0 {
		if owner = s.user(strconv.Itoa(intParam(id))); owner == nil {
			return errResult("Invalid Owner User ID")
		}
	}
	email := strings.TrimSpace(f.get("email"))
	if !truthy(f.get("skipvalidation")) {
		for _, r := range []struct{ field, msg string }{
			{"firstname", "You did not enter your first name"},
			{"lastname", "You did not enter your last name"},
			{"email", "You did not enter your email address"},
		} {
			if strings.TrimSpace(f.get(r.field)) == "" {
				return errResult(r.msg)
			}
		}
		if _, err := mail.ParseAddress(email); err != nil {
			return errResult("The email address you entered was not valid")
		}
		for _, r := range []struct{ field, msg string }{
			{"address1", "You did not enter your address (line 1)"},
			{"city", "You did not enter your city"},
			{"state", "You did not enter your state"},
			{"postcode", "You did not enter your postcode"},
			{"phonenumber", "You did not enter your phone number"},
		} {
			if strings.TrimSpace(f.get(r.field)) == "" {
				return errResult(r.msg)
			}
		}
	}
	if email == "" {
		return errResult("You did not enter your email address")
	}
	if owner == nil && slices.ContainsFunc(s.users, func(u *User) bool { return sameText(u.Email, email) }) {
		return errResult("A user already exists with that email address")
	}
	if slices.ContainsFunc(s.clients, func(cl *Client) bool { return sameText(cl.Email, email) }) {
		return errResult("The email address entered is not available for use.")
	}
	ownerID := ""
	if owner != nil {
		ownerID = owner.ID
	}
	id := s.addClient(Client{FirstName: f.get("firstname"), LastName: f.get("lastname"), CompanyName: f.get("companyname"), Email: email}, ownerID)
	cl := s.client(id)
	if !truthy(f.get("noemail")) {
		s.emails = append(s.emails, Email{Template: "Client Signup Email", Type: "general", RelID: id, Action: c.action})
	}
	return obj{"result": "success", "clientid": s.idNum(id, true), "owner_id": s.idNum(cl.OwnerUserID, false)}
}

// cycles maps AddOrder's system cycle names onto the names services store.
var cycles = map[string]string{
	"monthly": "Monthly", "quarterly": "Quarterly", "semiannually": "Semi-Annually",
	"annually": "Annually", "biennially": "Biennially", "triennially": "Triennially",
}

// addOrder places an order: pid, domain and billingcycle as PHP arrays (a
// scalar domain or billingcycle beside an array pid is silently ignored,
// as WHMCS ignores it), paymentmethod one of the active gateways, the
// product's default server of its module assigned at once, every service
// Pending. It sends the order confirmation unless noemail, and creates an
// invoice (and its e-mail, unless noinvoiceemail) unless noinvoice. The
// product's auto-setup setting is ignored: AcceptOrder must follow.
func (s *Server) addOrder(c *call) obj {
	f := c.form
	cl := s.client(strconv.Itoa(intParam(f.get("clientid"))))
	if cl == nil {
		return errResult("Client ID Not Found")
	}
	if cl.Status == "Closed" {
		return errResult("Unable to add order when client status is Closed")
	}
	pm := f.get("paymentmethod")
	if !slices.Contains(s.opts.Gateways, pm) {
		return errResult("Invalid Payment Method. Valid options include " + strings.Join(s.opts.Gateways, ","))
	}
	type item struct{ pid, domain, cycle, fields string }
	var items []item
	if f.isArray("pid") {
		for i, pid := range f.values("pid") {
			if !truthy(pid) {
				continue
			}
			it := item{pid: pid}
			if f.isArray("domain") {
				it.domain = f.index("domain", i)
			}
			if f.isArray("billingcycle") {
				it.cycle = f.index("billingcycle", i)
			}
			if f.isArray("customfields") {
				it.fields = f.index("customfields", i)
			}
			items = append(items, it)
		}
	} else if truthy(f.get("pid")) {
		items = append(items, item{pid: f.get("pid"), domain: f.get("domain"), cycle: f.get("billingcycle"), fields: f.get("customfields")})
	}
	items = slices.DeleteFunc(items, func(it item) bool { return s.product(strconv.Itoa(intParam(it.pid))) == nil })
	if len(items) == 0 {
		return errResult("No items added to cart so order cannot proceed")
	}
	o := &Order{ID: s.next("order"), ClientID: cl.ID, Status: "Pending", PaymentMethod: pm}
	o.OrderNumber = fmt.Sprintf("%010d", 4817263500+intParam(o.ID))
	today := s.today()
	for _, it := range items {
		p := s.product(strconv.Itoa(intParam(it.pid)))
		amount := p.Price
		if amount == "" || p.PayType == "free" {
			amount = "0.00"
		}
		v := &Service{
			ID: s.next("service"), ClientID: cl.ID, OrderID: o.ID, ProductID: p.ID, ServerID: s.defaultServer(p.Module),
			Domain: it.domain, Status: "Pending", BillingCycle: cycleOf(p, it.cycle), PaymentMethod: pm,
			RegDate: today, NextDueDate: today, NextInvoiceDate: today, TerminationDate: noDate, CompletedDate: noDate,
			FirstPayment: amount, Amount: amount, CustomFields: map[string]string{},
		}
		if v.BillingCycle == "Free Account" {
			v.NextDueDate, v.NextInvoiceDate = noDate, noDate
		}
		if it.fields != "" {
			if raw, err := base64.StdEncoding.DecodeString(it.fields); err == nil {
				if m, err := unserialize(string(raw)); err == nil {
					for id, val := range m {
						v.CustomFields[id] = val
					}
				}
			}
		}
		s.services = append(s.services, v)
		o.ServiceIDs = append(o.ServiceIDs, v.ID)
	}
	if !truthy(f.get("noinvoice")) {
		inv := Invoice{ID: s.next("invoice"), ClientID: cl.ID, OrderID: o.ID}
		s.invoices = append(s.invoices, inv)
		o.InvoiceID = inv.ID
		if !truthy(f.get("noinvoiceemail")) {
			s.emails = append(s.emails, Email{Template: "Invoice Created", Type: "invoice", RelID: inv.ID, Action: c.action})
		}
	}
	if !truthy(f.get("noemail")) {
		s.emails = append(s.emails, Email{Template: "Order Confirmation", Type: "general", RelID: cl.ID, Action: c.action})
	}
	s.orders = append(s.orders, o)
	ids := strings.Join(o.ServiceIDs, ",")
	res := obj{"result": "success", "orderid": s.idNum(o.ID, true), "productids": ids, "serviceids": ids, "addonids": "", "domainids": ""}
	if o.InvoiceID != "" {
		res["invoiceid"] = s.idNum(o.InvoiceID, true)
	}
	return res
}

// cycleOf is the cycle a new service of p gets for AddOrder's cycle.
func cycleOf(p *Product, cycle string) string {
	switch p.PayType {
	case "free":
		return "Free Account"
	case "onetime":
		return "One Time"
	}
	if c, ok := cycles[strings.ToLower(strings.TrimSpace(cycle))]; ok {
		return c
	}
	return "Monthly"
}

// defaultServer is the server AddOrder assigns: the module's default
// server, or its first, or none.
func (s *Server) defaultServer(module string) string {
	if module == "" {
		return "0"
	}
	first := ""
	for _, h := range s.servers {
		if h.Module != module || h.Disabled {
			continue
		}
		if h.Default {
			return h.ID
		}
		if first == "" {
			first = h.ID
		}
	}
	if first == "" {
		return "0"
	}
	return first
}

// acceptOrder accepts a Pending order. serverid, serviceusername,
// servicepassword, autosetup and sendemail apply only when sent; once any
// of them is sent, the product's auto-setup and welcome settings no longer
// apply, and autosetup and sendemail are PHP truthy ("false" is true).
// With autosetup the module's CreateAccount runs (recorded); either way
// the Pending services become Active, and the product's welcome e-mail
// goes out when sendemail (or, with nothing sent, the product) says so.
func (s *Server) acceptOrder(c *call) obj {
	f := c.form
	o := s.order(strconv.Itoa(intParam(f.get("orderid"))))
	if o == nil || o.Status != "Pending" {
		return errResult("Order ID not found or Status not Pending")
	}
	apiVars := false
	for _, k := range []string{"serverid", "serviceusername", "servicepassword", "registrar", "sendregistrar", "autosetup", "sendemail"} {
		apiVars = apiVars || f.has(k)
	}
	for _, id := range o.ServiceIDs {
		v := s.service(id)
		if v == nil || v.Status != "Pending" {
			continue
		}
		if truthy(f.get("serverid")) {
			v.ServerID = strconv.Itoa(intParam(f.get("serverid")))
		}
		if truthy(f.get("serviceusername")) {
			v.Username = f.get("serviceusername")
		}
		if truthy(f.get("servicepassword")) {
			v.Password = f.get("servicepassword")
		}
		p := s.product(v.ProductID)
		autosetup, welcome := p != nil && p.AutoSetup != "", p != nil && p.AutoSetup != ""
		if apiVars {
			autosetup, welcome = false, false
			if f.has("autosetup") {
				autosetup = truthy(f.get("autosetup"))
			}
			if f.has("sendemail") {
				welcome = truthy(f.get("sendemail"))
			}
		}
		if autosetup && p != nil && p.Module != "" {
			s.activity = append(s.activity, Activity{Description: "Running Module Create on Accept Pending Order", ClientID: v.ClientID, Action: c.action})
			s.modules = append(s.modules, ModuleCall{Function: "CreateAccount", ServiceID: v.ID, Action: c.action})
		}
		v.Status = "Active"
		if welcome {
			s.emails = append(s.emails, Email{Template: welcomeOf(p), Type: "product", RelID: v.ID, Action: c.action})
		}
	}
	o.Status = "Active"
	s.activity = append(s.activity, Activity{Description: "Order Accepted - Order ID: " + o.ID, ClientID: o.ClientID, Action: c.action})
	return obj{"result": "success"}
}

func welcomeOf(p *Product) string {
	if p != nil && p.WelcomeEmail != "" {
		return p.WelcomeEmail
	}
	return WelcomeTemplate
}

// unsettable are the fields unset[] may clear.
var unsettable = map[string]bool{"domain": true, "serviceusername": true, "servicepassword": true, "subscriptionid": true,
	"ns1": true, "ns2": true, "dedicatedip": true, "assignedips": true, "notes": true, "suspendreason": true}

// updateClientProduct changes a service. Every field is applied only when
// PHP-truthy, so "" and "0" change nothing and unset[] is the way to clear
// one; pid and serverid are not checked; nextduedate also sets the next
// invoice date; a status that differs from the stored one is written
// without validation, and Terminated or Cancelled set today's termination
// date unless one is sent (or the service had already ended), Completed
// sets the completion date, any other status clears both.
func (s *Server) updateClientProduct(c *call) obj {
	f := c.form
	v := s.service(strconv.Itoa(intParam(f.get("serviceid"))))
	if v == nil {
		return errResult("Service ID Not Found")
	}
	set := func(name string, dst *string) {
		if x := f.get(name); truthy(x) {
			*dst = x
		}
	}
	if truthy(f.get("pid")) {
		v.ProductID = strconv.Itoa(intParam(f.get("pid")))
	}
	if truthy(f.get("serverid")) {
		v.ServerID = strconv.Itoa(intParam(f.get("serverid")))
	}
	set("regdate", &v.RegDate)
	if x := f.get("nextduedate"); truthy(x) {
		v.NextDueDate, v.NextInvoiceDate = x, x
	}
	set("domain", &v.Domain)
	set("firstpaymentamount", &v.FirstPayment)
	set("recurringamount", &v.Amount)
	set("billingcycle", &v.BillingCycle)
	set("paymentmethod", &v.PaymentMethod)
	stored, status, term := v.Status, f.get("status"), f.get("terminationdate")
	completed := ""
	if truthy(status) && status != stored {
		switch status {
		case "Terminated", "Cancelled":
			if (!truthy(term) || term == noDate) && stored != "Terminated" && stored != "Cancelled" {
				term = s.today()
			}
			completed = noDate
		case "Completed":
			completed = s.today()
			term = noDate
		default:
			term, completed = noDate, noDate
		}
		v.Status = status
	}
	if truthy(term) {
		if !truthy(status) && stored != "Terminated" && stored != "Cancelled" {
			term = noDate
		}
		if !(!truthy(status) && term == noDate && (stored == "Terminated" || stored == "Cancelled")) {
			v.TerminationDate = term
		}
	}
	if completed != "" {
		v.CompletedDate = completed
	}
	set("serviceusername", &v.Username)
	set("servicepassword", &v.Password)
	set("dedicatedip", &v.DedicatedIP)
	set("assignedips", &v.AssignedIPs)
	set("notes", &v.Notes)
	set("suspendreason", &v.SuspendReason)
	for _, name := range f.values("unset") {
		if !unsettable[name] {
			continue
		}
		switch name {
		case "domain":
			v.Domain = ""
		case "serviceusername":
			v.Username = ""
		case "servicepassword":
			v.Password = ""
		case "dedicatedip":
			v.DedicatedIP = ""
		case "assignedips":
			v.AssignedIPs = ""
		case "notes":
			v.Notes = ""
		case "suspendreason":
			v.SuspendReason = ""
		}
	}
	if x := f.get("customfields"); truthy(x) {
		if raw, err := base64.StdEncoding.DecodeString(x); err == nil {
			if m, err := unserialize(string(raw)); err == nil {
				if v.CustomFields == nil {
					v.CustomFields = map[string]string{}
				}
				for id, val := range m {
					v.CustomFields[id] = val
				}
			}
		}
	}
	if truthy(f.get("autorecalc")) {
		if p := s.product(v.ProductID); p != nil {
			v.Amount = p.Price
			if v.Amount == "" || p.PayType == "free" {
				v.Amount = "0.00"
			}
		}
	}
	return obj{"result": "success", "serviceid": s.idNum(v.ID, true)}
}

// addProductAction creates a product: name and an existing gid required,
// type defaulting to "other" and paytype to "free", hidden cast to bool.
func (s *Server) addProductAction(c *call) obj {
	f := c.form
	if strings.TrimSpace(f.get("name")) == "" {
		return errResult("You must supply a name for the product")
	}
	typ := f.get("type")
	if typ == "" {
		typ = "other"
	} else if !slices.Contains([]string{"hostingaccount", "reselleraccount", "server", "other"}, typ) {
		return errResult(`Invalid product type. Must be one of "hostingaccount", "reselleraccount", "server" or "other"`)
	}
	gid := strconv.Itoa(intParam(f.get("gid")))
	if _, ok := s.groups[gid]; !ok {
		return errResult("You must supply a valid Product Group ID")
	}
	pay := f.get("paytype")
	if pay == "" {
		pay = "free"
	} else if !slices.Contains([]string{"free", "onetime", "recurring"}, pay) {
		return errResult(`Invalid pay type. Must be one of "free", "onetime" or "recurring"`)
	}
	auto := f.get("autosetup")
	if !slices.Contains([]string{"", "on", "order", "payment"}, auto) {
		return errResult(`Invalid autosetup value. Must be one of "", "on", "order" or "payment"`)
	}
	id := s.addProduct(Product{GroupID: gid, Name: f.get("name"), Type: typ, PayType: pay, Description: f.get("description"),
		Module: f.get("module"), Package: f.get("configoption1"), Hidden: truthy(f.get("hidden")), AutoSetup: auto})
	return obj{"result": "success", "pid": s.idNum(id, false)}
}

// getProducts lists products, filtered by pid (one or a comma list), gid
// and module, without their module settings (no configoption1) or hidden
// flag, custom fields only when shown on the order form, and no
// "products" member at all when none match. Products whose group is gone
// are left out.
func (s *Server) getProducts(c *call) obj {
	f := c.form
	var rows []*Product
	for _, p := range s.products {
		if _, ok := s.groups[p.GroupID]; !ok {
			continue
		}
		if pid := f.get("pid"); truthy(pid) && !slices.ContainsFunc(strings.Split(pid, ","), func(x string) bool { return sameID(x, p.ID) }) {
			continue
		}
		if gid := f.get("gid"); truthy(gid) && !sameID(gid, p.GroupID) {
			continue
		}
		if m := f.get("module"); m != "" && !sameText(m, p.Module) {
			continue
		}
		rows = append(rows, p)
	}
	res := obj{"result": "success", "totalresults": s.num(len(rows), false)}
	if len(rows) == 0 {
		return res
	}
	items := list{}
	for _, p := range rows {
		fields := list{}
		for _, cf := range p.CustomFields {
			if cf.ShowOnOrder {
				fields = append(fields, obj{"id": s.idNum(cf.ID, false), "name": cf.Name, "description": "", "required": ""})
			}
		}
		price := p.Price
		if price == "" {
			price = "-1.00"
		}
		items = append(items, obj{
			"pid": s.idNum(p.ID, false), "gid": s.idNum(p.GroupID, false), "type": p.Type, "name": p.Name,
			"slug": "", "product_url": "", "description": p.Description, "module": p.Module, "paytype": p.PayType,
			"allowqty": s.num(0, false), "quantity_available": s.num(0, false),
			"pricing":       obj{"USD": obj{"prefix": "$", "suffix": " USD", "monthly": price, "annually": price}},
			"customfields":  obj{"customfield": fields},
			"configoptions": obj{"configoption": list{}},
		})
	}
	res["products"] = obj{"product": items}
	return res
}

// getServers lists the enabled servers, by name, with activeServices
// counting the Active and Suspended services on each (whatever their
// product: this count sees services GetClientsProducts hides) plus its
// active addons. serviceId narrows the list to that service's server
// type, and fails for a service that does not exist.
func (s *Server) getServers(c *call) obj {
	f := c.form
	module := ""
	if id := f.get("serviceId"); id != "" && intParam(id) != 0 {
		v := s.service(strconv.Itoa(intParam(id)))
		if v == nil {
			return errResult("ServiceID not found")
		}
		h := s.server(v.ServerID)
		if h == nil || h.Module == "" {
			return errResult("ServiceID not assigned to a module type")
		}
		module = h.Module
	}
	hosts := slices.Clone(s.servers)
	sort.SliceStable(hosts, func(i, j int) bool { return hosts[i].Name < hosts[j].Name })
	items := list{}
	for _, h := range hosts {
		if h.Disabled || module != "" && h.Module != module {
			continue
		}
		n := h.Addons
		for _, v := range s.services {
			if v.ServerID == h.ID && (v.Status == "Active" || v.Status == "Suspended") {
				n++
			}
		}
		items = append(items, obj{"id": s.idNum(h.ID, false), "name": h.Name, "hostname": h.Hostname, "ipaddress": h.IP,
			"active": h.Default, "activeServices": s.num(n, false), "maxAllowedServices": s.num(500, false),
			"percentUsed": s.num(n*100/500, false), "module": h.Module,
			"status": obj{"http": false, "load": "", "uptime": ""}})
	}
	return obj{"result": "success", "servers": items, "fetchStatus": f.get("fetchStatus")}
}

// sendEmail sends a template by name to the service (product templates)
// or client (general templates) id.
func (s *Server) sendEmail(c *call) obj {
	f := c.form
	name, rel := f.get("messagename"), f.get("id")
	if !truthy(name) && !truthy(f.get("customtype")) {
		return errResult("You must provide either an existing email template name or a custom message type")
	}
	if !truthy(rel) || intParam(rel) == 0 {
		return errResult("A related ID is required")
	}
	typ := f.get("customtype")
	if typ == "" {
		var ok bool
		if typ, ok = s.opts.Templates[name]; !ok {
			return errResult("Email Template not found")
		}
	} else {
		name = "Mass Mail Template"
	}
	id := strconv.Itoa(intParam(rel))
	switch typ {
	case "product":
		if s.service(id) == nil {
			return errResult("Sending Failed. Please see documentation.")
		}
	case "general":
		if s.client(id) == nil {
			return errResult("Sending Failed. Please see documentation.")
		}
	}
	s.emails = append(s.emails, Email{Template: name, Type: typ, RelID: id, Action: c.action})
	return obj{"result": "success"}
}

// logActivity writes a line to the activity log; clientid was userid
// before WHMCS 8.
func (s *Server) logActivity(c *call) obj {
	f := c.form
	id := f.get("clientid")
	if intParam(id) == 0 {
		id = f.get("userid")
	}
	if intParam(id) == 0 {
		id = ""
	}
	s.activity = append(s.activity, Activity{Description: f.get("description"), ClientID: id, Action: c.action})
	return obj{"result": "success"}
}

// module runs a module function on a service, as the Module... actions do.
func (s *Server) module(c *call, function string, apply func(v *Service)) obj {
	f := c.form
	id := f.get("serviceid")
	if id == "" {
		id = f.get("accountid") // the name before WHMCS 7.7
	}
	if intParam(id) == 0 {
		return errResult("Service ID is required")
	}
	v := s.service(strconv.Itoa(intParam(id)))
	if v == nil {
		return errResult("Service ID not found")
	}
	p := s.product(v.ProductID)
	if p == nil || p.Module == "" {
		return errResult("Service not assigned to a module")
	}
	s.modules = append(s.modules, ModuleCall{Function: function, ServiceID: v.ID, Action: c.action})
	apply(v)
	return obj{"result": "success"}
}

func (s *Server) moduleCreate(c *call) obj {
	return s.module(c, "CreateAccount", func(v *Service) {
		v.Status = "Active"
		s.emails = append(s.emails, Email{Template: welcomeOf(s.product(v.ProductID)), Type: "product", RelID: v.ID, Action: c.action})
	})
}

func (s *Server) moduleTerminate(c *call) obj {
	return s.module(c, "TerminateAccount", func(v *Service) {
		v.Status, v.TerminationDate = "Terminated", s.today()
	})
}

func (s *Server) moduleSuspend(c *call) obj {
	return s.module(c, "SuspendAccount", func(v *Service) {
		v.Status, v.SuspendReason = "Suspended", c.form.get("suspendreason")
	})
}

func (s *Server) moduleUnsuspend(c *call) obj {
	return s.module(c, "UnsuspendAccount", func(v *Service) { v.Status, v.SuspendReason = "Active", "" })
}

func (s *Server) moduleChangePw(c *call) obj {
	return s.module(c, "ChangePassword", func(v *Service) {
		if pw := c.form.get("servicepassword"); pw != "" {
			v.Password = pw
		}
	})
}
