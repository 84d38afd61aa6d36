package cpaneltest

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// dispatch runs one WHM API 1 function. malformed asks listaccts to spoil
// one record.
func (s *Server) dispatch(w http.ResponseWriter, function string, p url.Values, malformed bool) {
	switch function {
	case "listaccts":
		s.listaccts(w, p, malformed)
	case "accountsummary":
		s.accountsummary(w, p)
	case "createacct":
		s.createacct(w, p)
	case "removeacct":
		s.removeacct(w, p)
	case "suspendacct":
		s.suspendacct(w, p)
	case "unsuspendacct":
		s.unsuspendacct(w, p)
	case "listpkgs":
		s.listpkgs(w, p)
	case "passwd":
		s.passwd(w, p)
	default:
		s.reply(w, function, nil, false, "Unknown app (“"+function+"”) requested for this version (1) of the API.", "")
	}
}

// listaccts lists accounts, filtered by search/searchtype/searchmethod and
// trimmed to the fields in want. With no match it answers OK with no data,
// as WHM does: Whostmgr::API::1::Accounts::listaccts sets result 1 and
// "OK" and returns nothing when the count is 0.
func (s *Server) listaccts(w http.ResponseWriter, p url.Values, malformed bool) {
	match, ok := matcher(p)
	if !ok {
		s.reply(w, "listaccts", nil, false, "Unknown search type.", "")
		return
	}
	var want []string
	if p.Has("want") {
		want = strings.Split(p.Get("want"), ",")
	}
	s.mu.Lock()
	var matched []*account
	for _, u := range s.order {
		if a := s.accounts[u]; match(a) {
			matched = append(matched, a)
		}
	}
	b := make([]byte, 0, 64+len(matched)*256)
	b = append(b, `{"acct":[`...)
	for i, a := range matched {
		if i > 0 {
			b = append(b, ',')
		}
		// FaultMalformed spoils the last record: the earlier ones decode,
		// and the listing must still fail.
		b = s.appendAccount(b, a, want, malformed && i == len(matched)-1)
	}
	s.mu.Unlock()
	n := len(matched)
	if malformed && n == 0 {
		b = append(b, `{"user":"malformed","domain":"malformed.invalid","suspended":0,"unix_startdate":"yesterday 10am"}`...)
		n++
	}
	b = append(b, "]}"...)
	if n == 0 {
		s.reply(w, "listaccts", nil, true, "OK", "")
		return
	}
	s.reply(w, "listaccts", b, true, "OK", "")
}

// matcher builds the listaccts search filter; ok is false for an unknown
// searchtype.
func matcher(p url.Values) (func(*account) bool, bool) {
	search, typ := p.Get("search"), p.Get("searchtype")
	all := func(*account) bool { return true }
	field := func(a *account) []string { return nil }
	switch typ {
	case "":
		if search == "" {
			return all, true
		}
		field = func(a *account) []string { return []string{a.domain} }
	case "domain":
		field = func(a *account) []string { return []string{a.domain} }
	case "user":
		field = func(a *account) []string { return []string{a.user} }
	case "ip":
		field = func(a *account) []string { return []string{a.ip} }
	case "package":
		field = func(a *account) []string { return []string{a.plan} }
	case "owner":
		field = func(a *account) []string { return []string{a.owner} }
	case "domain_and_user":
		field = func(a *account) []string { return []string{a.domain, a.user} }
	default:
		return nil, false
	}
	if search == "" {
		return all, true
	}
	if p.Get("searchmethod") == "exact" {
		want := strings.ToLower(search)
		return func(a *account) bool {
			for _, v := range field(a) {
				if strings.ToLower(v) == want {
					return true
				}
			}
			return false
		}, true
	}
	re, err := regexp.Compile("(?i)" + search)
	if err != nil {
		// WHM falls back to matching everything.
		return all, true
	}
	return func(a *account) bool {
		for _, v := range field(a) {
			if re.MatchString(v) {
				return true
			}
		}
		return false
	}, true
}

// defaultFields are the listaccts fields, in the order the server writes
// them when want is not given.
const defaultFields = "backup,disklimit,diskused,domain,email,inodeslimit,inodesused,ip,ipv6," +
	"is_locked,legacy_backup,mailbox_format,max_defer_fail_percentage,max_email_per_hour," +
	"max_emailacct_quota,maxaddons,maxftp,maxlst,maxparked,maxpop,maxsql,maxsub," +
	"outgoing_mail_hold,outgoing_mail_suspended,owner,partition,plan,shell,startdate," +
	"suspended,suspendreason,suspendtime,temporary,theme,uid,unix_startdate,user"

// appendAccount writes one acct record with the fields in want (all when
// want is nil); unknown fields are null, as in WHM. spoil writes an
// unix_startdate that is not a number.
func (s *Server) appendAccount(b []byte, a *account, want []string, spoil bool) []byte {
	if want == nil {
		want = s.fields
	}
	b = append(b, '{')
	for i, f := range want {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, f)
		b = append(b, ':')
		if spoil && f == "unix_startdate" {
			b = appendString(b, "yesterday 10am")
			spoil = false
			continue
		}
		b = s.appendField(b, a, f)
	}
	if spoil {
		b = append(b, `,"unix_startdate":"yesterday 10am"`...)
	}
	return append(b, '}')
}

func (s *Server) appendField(b []byte, a *account, f string) []byte {
	switch f {
	case "user":
		return appendString(b, a.user)
	case "domain":
		return appendString(b, a.domain)
	case "email":
		if a.email == "" {
			return appendString(b, "*unknown*")
		}
		return appendString(b, a.email)
	case "plan":
		return appendString(b, a.plan)
	case "ip":
		return appendString(b, a.ip)
	case "ipv6":
		return append(b, "[]"...)
	case "owner":
		return appendString(b, a.owner)
	case "unix_startdate":
		if a.start == 0 {
			return appendString(b, "*unknown*")
		}
		return s.appendInt(b, a.start)
	case "startdate":
		if a.start == 0 {
			return appendString(b, "*unknown*")
		}
		return appendString(b, time.Unix(a.start, 0).In(s.opts.Location).Format("06 Jan 02 15:04"))
	case "suspended":
		return s.appendInt(b, boolInt(a.suspended))
	case "suspendreason":
		switch {
		case !a.suspended:
			return appendString(b, "not suspended")
		case a.suspendReason == "":
			return appendString(b, "*unknown*")
		}
		return appendString(b, a.suspendReason)
	case "suspendtime":
		return s.appendInt(b, a.suspendTime)
	case "is_locked":
		return s.appendInt(b, boolInt(a.locked))
	case "uid":
		return s.appendInt(b, int64(a.uid))
	case "shell":
		if a.suspended {
			return appendString(b, "/bin/false")
		}
		return appendString(b, "/usr/local/cpanel/bin/noshell")
	case "theme":
		return appendString(b, "jupiter")
	case "partition":
		return appendString(b, "home")
	case "mailbox_format":
		return appendString(b, "maildir")
	case "disklimit", "inodeslimit", "max_defer_fail_percentage", "max_email_per_hour", "max_emailacct_quota",
		"maxaddons", "maxftp", "maxlst", "maxparked", "maxpop", "maxsql", "maxsub":
		return appendString(b, "unlimited")
	case "diskused":
		return appendString(b, "0M")
	case "inodesused":
		return appendString(b, "none")
	case "backup", "legacy_backup", "outgoing_mail_hold", "outgoing_mail_suspended", "temporary":
		return s.appendInt(b, 0)
	}
	return append(b, "null"...)
}

// accountsummary returns one account by user or domain.
func (s *Server) accountsummary(w http.ResponseWriter, p url.Values) {
	s.mu.Lock()
	var a *account
	switch {
	case p.Has("user"):
		a = s.accounts[strings.ToLower(p.Get("user"))]
	case p.Has("domain"):
		a = s.accounts[s.domains[normalizeDomain(p.Get("domain"))]]
	default:
		s.mu.Unlock()
		s.reply(w, "accountsummary", nil, false, "You must specify a user or domain to get a summary of.", "")
		return
	}
	var b []byte
	if a != nil {
		b = s.appendAccount(append(b, `{"acct":[`...), a, nil, false)
		b = append(b, "]}"...)
	}
	s.mu.Unlock()
	if a == nil {
		s.reply(w, "accountsummary", []byte(`{"acct":[]}`), false, "Account does not exist.", "")
		return
	}
	s.reply(w, "accountsummary", b, true, "OK", "")
}

// createacct creates an account after WHM's checks on the name, the
// domain and the package.
func (s *Server) createacct(w http.ResponseWriter, p url.Values) {
	user := strings.ToLower(strings.TrimSpace(p.Get("username")))
	domain := normalizeDomain(p.Get("domain"))
	plan := p.Get("plan")
	fail := func(reason string) {
		s.reply(w, "createacct", nil, false, reason, "Checking input data...\n"+reason+"\n")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case user == "":
		fail("You must specify a username for the new account.")
		return
	case !s.validUser.MatchString(user) || strings.HasPrefix(user, "test"):
		fail("“" + user + "” is not a valid username on this system.")
		return
	case isReserved(user):
		fail("“" + user + "” is a reserved username on this system.")
		return
	case s.accounts[user] != nil:
		fail("This system already has an account named “" + user + "”.")
		return
	}
	if len(user) >= 8 {
		for _, other := range s.order {
			if len(other) >= 8 && other[:8] == user[:8] {
				fail("The name of another account on this server has the same initial 8 characters as the given username (" + user + "). Each username’s first 8 characters must be unique.")
				return
			}
		}
	}
	if domain == "" {
		// WHM gives an account without a domain a temporary one.
		domain = user + "." + hostname
	}
	switch {
	case !s.validDomain.MatchString(domain):
		fail("“" + domain + "” is not a valid domain.")
		return
	case s.domains[domain] != "":
		fail("The domain “" + domain + "” already exists in the userdata.")
		return
	}
	if plan == "" {
		plan = DefaultPackage
	}
	if !slices.Contains(s.packages, plan) {
		fail("The package “" + plan + "” does not exist.")
		return
	}
	a := &account{
		user: user, domain: domain, email: strings.TrimSpace(p.Get("contactemail")), plan: plan,
		ip: s.opts.IP, owner: s.opts.Username, start: s.opts.Now().Unix(), password: p.Get("password"),
	}
	if ip := p.Get("customip"); ip != "" {
		a.ip = ip
	}
	if owner := p.Get("owner"); owner != "" {
		a.owner = owner
	}
	s.insert(a)

	var data []byte
	data = append(data, `{"ip":`...)
	data = appendString(data, a.ip)
	data = append(data, `,"nameserver":"ns1.cpaneltest.invalid","nameserver2":"ns2.cpaneltest.invalid","nameserver3":"","nameserver4":"","nameservera":null,"nameservera2":null,"nameservera3":null,"nameservera4":null,"nameserverentry":null,"nameserverentry2":null,"nameserverentry3":null,"nameserverentry4":null,"package":`...)
	data = appendString(data, a.plan)
	data = append(data, '}')
	raw := "Checking input data......Done\nValidating Username......Done\n" +
		"+===================================+\n| New Account Info |\n+===================================+\n" +
		"| Domain: " + a.domain + "\n| Ip: " + a.ip + " (n)\n| UserName: " + a.user + "\n| PassWord: " + a.password +
		"\n| Contact Email: " + a.email + "\n| Package: " + a.plan + "\n+===================================+\n" +
		"wwwacct creation finished\nAccount Creation Complete!!!...Account Creation Ok...Done\n"
	s.reply(w, "createacct", data, true, "Account Creation Ok", raw)
}

// userNotFound is how WHM's account-access check words a missing user.
func userNotFound(user string) string { return "You do not have a user named “" + user + "”." }

// removeacct removes an account; "username" is the parameter, "user" its
// deprecated alias.
func (s *Server) removeacct(w http.ResponseWriter, p url.Values) {
	user := p.Get("username")
	if user == "" {
		user = p.Get("user")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.accounts[user]
	if a == nil {
		s.reply(w, "removeacct", nil, false, userNotFound(user), "")
		return
	}
	s.remove(user)
	s.reply(w, "removeacct", nil, true, user+" account removed",
		"Collecting Domain Name and IP...User: "+user+"\nDomain: "+a.domain+"\n...Done\nAccount Removal Complete!!!..."+user+" account removed...Done\n")
}

// suspendacct suspends an account. Suspending a suspended account
// succeeds and changes nothing, as WHM's script refuses without --force.
func (s *Server) suspendacct(w http.ResponseWriter, p url.Values) {
	user := p.Get("user")
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.accounts[user]
	switch {
	case a == nil:
		s.reply(w, "suspendacct", nil, false, userNotFound(user), "")
		return
	case a.suspended:
		s.reply(w, "suspendacct", nil, true, "OK", "User '"+user+"' is already suspended. Provide '--force' argument if you wish to do this.\n")
		return
	}
	a.suspended = true
	a.suspendReason = cleanReason(p.Get("reason"))
	a.suspendTime = s.opts.Now().Unix()
	a.locked = p.Get("disallowun") == "1"
	s.reply(w, "suspendacct", nil, true, "OK", "Changing Shell to /bin/false...Done\nLocking Password...Done\n"+user+"'s account has been suspended\n")
}

// unsuspendacct unsuspends an account. Unsuspending an active account
// succeeds and says so only in the raw output, as WHM does.
func (s *Server) unsuspendacct(w http.ResponseWriter, p url.Values) {
	user := p.Get("user")
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.accounts[user]
	switch {
	case a == nil:
		s.reply(w, "unsuspendacct", nil, false, userNotFound(user), "")
		return
	case !a.suspended:
		s.reply(w, "unsuspendacct", nil, true, "OK", "An error occurred while attempting to unsuspend “"+user+"”. The user “"+user+"” is not in a suspended state.\n")
		return
	}
	a.suspended, a.locked, a.suspendReason, a.suspendTime = false, false, "", 0
	s.reply(w, "unsuspendacct", nil, true, "OK", "Unsuspending websites...\n"+user+"'s account has been unsuspended\n")
}

// listpkgs lists the packages with WHM's upper-case settings.
func (s *Server) listpkgs(w http.ResponseWriter, p url.Values) {
	switch p.Get("want") {
	case "", "all", "creatable", "editable", "viewable":
	default:
		s.reply(w, "listpkgs", nil, false, "Invalid value for “want”: "+p.Get("want"), "")
		return
	}
	s.mu.Lock()
	b := []byte(`{"pkg":[`)
	for i, name := range s.packages {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"name":`...)
		b = appendString(b, name)
		b = append(b, `,"BWLIMIT":"unlimited","CGI":"y","CPMOD":"jupiter","DIGESTAUTH":"n","FEATURELIST":"default","HASSHELL":"n","IP":"n","LANG":"en","MAXADDON":`...)
		b = s.appendInt(b, int64(i))
		b = append(b, `,"MAXFTP":"unlimited","MAXLST":"unlimited","MAXPARK":"unlimited","MAXPOP":"unlimited","MAXSQL":"unlimited","MAXSUB":"unlimited","QUOTA":`...)
		b = s.appendInt(b, int64(1024*(i+1)))
		b = append(b, `,"_PACKAGE_EXTENSIONS":""}`...)
	}
	s.mu.Unlock()
	b = append(b, "]}"...)
	s.reply(w, "listpkgs", b, true, "OK", "")
}

// passwd sets an account's password.
func (s *Server) passwd(w http.ResponseWriter, p url.Values) {
	user, pw := p.Get("user"), p.Get("password")
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.accounts[user]
	switch {
	case a == nil:
		s.reply(w, "passwd", nil, false, userNotFound(user), "")
		return
	case pw == "":
		s.reply(w, "passwd", nil, false, "The password cannot be empty.", "")
		return
	}
	a.password = pw
	s.reply(w, "passwd", []byte(`{"app":["system","ftp","mail","mySQL","postgresql","webdisk"]}`), true, "Password changed for user “"+user+"”.", "")
}

// reply writes the WHM API 1 envelope around data (raw JSON, or nil for
// none), without copying data.
func (s *Server) reply(w http.ResponseWriter, function string, data []byte, ok bool, reason, raw string) {
	var head []byte
	if data != nil {
		head = []byte(`{"data":`)
	}
	tail := make([]byte, 0, 128+len(raw))
	if data != nil {
		tail = append(tail, ',')
	} else {
		tail = append(tail, '{')
	}
	tail = append(tail, `"metadata":{"command":`...)
	tail = appendString(tail, function)
	if raw != "" {
		tail = append(tail, `,"output":{"raw":`...)
		tail = appendString(tail, raw)
		tail = append(tail, '}')
	}
	tail = append(tail, `,"reason":`...)
	tail = appendString(tail, reason)
	tail = append(tail, `,"result":`...)
	tail = strconv.AppendInt(tail, boolInt(ok), 10)
	tail = append(tail, `,"version":1}}`...)
	tail = append(tail, '\n')
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(head)+len(data)+len(tail)))
	w.WriteHeader(http.StatusOK)
	w.Write(head)
	w.Write(data)
	w.Write(tail)
}

func writeJSON(w http.ResponseWriter, b []byte) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	w.Write(b)
}

// appendInt writes n, quoted when Options.QuotedInts is set.
func (s *Server) appendInt(b []byte, n int64) []byte {
	if s.opts.QuotedInts {
		b = append(b, '"')
		b = strconv.AppendInt(b, n, 10)
		return append(b, '"')
	}
	return strconv.AppendInt(b, n, 10)
}

func boolInt(v bool) int64 {
	if v {
		return 1
	}
	return 0
}

// appendString writes s as a JSON string, escaping what JSON requires and
// the HTML-sensitive <, > and & as encoding/json does.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
