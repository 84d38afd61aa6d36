package plesktest

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"golang.org/x/net/idna"
)

// XML-API error codes the fake answers with.
const (
	errAuthFailed   = 1001
	errAgentInit    = 1003
	errExists       = 1007
	errNotFound     = 1013
	errParse        = 1014
	errOwnerMissing = 1015
	errInvalidValue = 1019
	errOpFailed     = 1023
	errAuthMethod   = 1029
	errSecretKey    = 11003
)

// ServeHTTP answers XML-API packets posted to AgentPath.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != AgentPath {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, "<!DOCTYPE html><html><head><title>404 Not Found</title></head><body><h1>Not Found</h1></body></html>")
		return
	}
	body, _ := readAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	req, perr := parsePacket(body)
	var functions []string
	if req != nil {
		for _, oc := range req.operators {
			for _, c := range oc.calls {
				functions = append(functions, c.function())
			}
		}
	}
	s.faults.RecordCalls(r, functions...)
	fault := s.faults.Take("", func(f Fault, _ string) bool {
		return !f.IsWrongShape() || slices.Contains(functions, "webspace.get")
	})
	if s.faults.Redirect(w, fault) {
		return
	}

	ctx := r.Context()
	if !sleep(ctx, s.latency) {
		return
	}
	version := Version
	if req != nil && req.version != "" {
		version = req.version
	}
	switch fault {
	case FaultUnauthorized:
		writeXML(w, systemError(version, errAuthFailed, "Authentication failed - wrong password."))
		return
	case FaultServerError:
		http.Error(w, "500 Internal Server Error", http.StatusInternalServerError)
		return
	case FaultRateLimited:
		w.Header().Set("Retry-After", "1")
		http.Error(w, "429 Too Many Requests", http.StatusTooManyRequests)
		return
	case FaultSlow:
		if !sleep(ctx, s.slowDelay) {
			return
		}
	case FaultHTML:
		w.Header().Set("Content-Type", "text/html; charset=UTF-8")
		fmt.Fprint(w, "<!DOCTYPE html>\n<html><head><title>Plesk Obsidian</title></head><body><form id=\"form-login\" method=\"post\" action=\"/login_up.php\"><input name=\"login_name\"><input name=\"passwd\" type=\"password\"></form></body></html>")
		return
	case FaultPacketError:
		writeXML(w, systemError(version, errAgentInit, "Agent initialization failed"))
		return
	}

	if code, text := s.authenticate(r); code != 0 {
		writeXML(w, systemError(version, code, text))
		return
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); r.Method != http.MethodPost || mt != "text/xml" {
		writeXML(w, systemError(version, errParse, "Parser error: Request is invalid. Send the packet with POST and Content-Type: text/xml"))
		return
	}
	if perr != nil {
		writeXML(w, systemError(version, errParse, perr.Error()))
		return
	}
	for _, oc := range req.operators {
		for _, c := range oc.calls {
			if c.req == nil {
				writeXML(w, systemError(version, errParse, fmt.Sprintf("Parser error: Request is invalid. Element '%s': This element is not expected.", c.operation)))
				return
			}
		}
	}

	if fault.IsWrongShape() {
		writeXML(w, wrongShape(version, fault))
		return
	}
	out, err := s.process(req, version, fault)
	if err != nil {
		var pe *parseError
		if errors.As(err, &pe) {
			writeXML(w, systemError(version, errParse, pe.msg))
			return
		}
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	if fault == FaultTruncated {
		w.Header().Set("Content-Type", "text/xml")
		w.Header().Set("Content-Length", strconv.Itoa(len(out)+1024))
		w.WriteHeader(http.StatusOK)
		w.Write(out[:len(out)/2])
		return // the server closes the connection: the body is short
	}
	writeXML(w, out)
}

func writeXML(w http.ResponseWriter, b []byte) {
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.Write(b)
}

// sleep waits d or until ctx ends; it reports whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// authenticate checks the headers the way Plesk does: a KEY header is a
// secret key; otherwise HTTP_AUTH_LOGIN and HTTP_AUTH_PASSWD; with
// neither, the authentication method is not specified.
func (s *Server) authenticate(r *http.Request) (int, string) {
	if key, ok := header(r, "KEY"); ok {
		if key != s.creds.Token {
			return errSecretKey, "Secret key validation failed."
		}
		return 0, ""
	}
	login, hasLogin := header(r, "HTTP_AUTH_LOGIN")
	passwd, hasPasswd := header(r, "HTTP_AUTH_PASSWD")
	if !hasLogin || !hasPasswd {
		return errAuthMethod, "Authentication method is not specified or not supported."
	}
	if login != s.creds.Username || passwd != s.creds.Password {
		return errAuthFailed, "Authentication failed - wrong password."
	}
	return 0, ""
}

func header(r *http.Request, name string) (string, bool) {
	vs := r.Header.Values(name)
	if len(vs) == 0 {
		return "", false
	}
	return vs[0], true
}

// process answers every call of the packet under one lock, so that a
// packet sees and leaves a consistent state.
func (s *Server) process(req *request, version string, fault Fault) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var b bytes.Buffer
	b.WriteString(xml.Header)
	b.WriteString(`<packet version="` + escAttr(version) + `">`)
	for _, oc := range req.operators {
		b.WriteString("<" + oc.name + ">")
		for _, c := range oc.calls {
			b.WriteString("<" + c.operation + ">")
			// FaultResultError: a get answers its results plus an error
			// result; any other operation fails without taking effect.
			if fault != FaultResultError || c.operation == "get" {
				if err := s.answer(&b, c, fault); err != nil {
					return nil, err
				}
			}
			if fault == FaultResultError {
				if err := marshalAll(&b, []plainResult{{statusXML: fail(errOpFailed, "Operation failed.")}}); err != nil {
					return nil, err
				}
			}
			b.WriteString("</" + c.operation + ">")
		}
		b.WriteString("</" + oc.name + ">")
	}
	b.WriteString("</packet>")
	return b.Bytes(), nil
}

func escAttr(s string) string {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// answer writes the results of one call.
func (s *Server) answer(b *bytes.Buffer, c call, fault Fault) error {
	st := s.st
	switch r := c.req.(type) {
	case *webspaceGetReq:
		return st.webspaceGet(b, r, fault == FaultMalformed)
	case *webspaceAddReq:
		res, err := st.webspaceAdd(r, s.now())
		if err != nil {
			return err
		}
		return marshalAll(b, []plainResult{res})
	case *webspaceDelReq:
		res, err := st.webspaceDel(r)
		if err != nil {
			return err
		}
		return marshalAll(b, res)
	case *webspaceSetReq:
		res, err := st.webspaceSet(r)
		if err != nil {
			return err
		}
		return marshalAll(b, res)
	case *customerGetReq:
		return st.customerGet(b, r)
	case *customerAddReq:
		res, err := st.customerAdd(r, s.now())
		if err != nil {
			return err
		}
		return marshalAll(b, []plainResult{res})
	case *resellerGetReq:
		return st.resellerGet(b, r)
	case *servicePlanGetReq:
		return st.servicePlanGet(b, r)
	}
	return fmt.Errorf("plesktest: no handler for %s", c.function())
}

func required(node string) error {
	return &parseError{fmt.Sprintf("Parser error: Request is invalid. Missing child element(s). Expected is ( %s ).", node)}
}

// selectWebspaces applies a filter: for each value, the matches (or a 1013
// result naming the value). An empty filter selects every subscription.
func (st *state) selectWebspaces(f *webspaceFilter) (matches []*webspace, filterIDs []string, missing []string, err error) {
	if len(f.ID)+len(f.Name)+len(f.GUID)+len(f.OwnerID)+len(f.OwnerLogin) == 0 {
		return st.webspaces, nil, nil, nil
	}
	add := func(w *webspace, v string) { matches = append(matches, w); filterIDs = append(filterIDs, v) }
	for _, v := range f.ID {
		id, err := atoi(v)
		if err != nil {
			return nil, nil, nil, err
		}
		if w := st.webspaceByID(id); w != nil {
			add(w, v)
		} else {
			missing = append(missing, v)
		}
	}
	for _, v := range f.Name {
		if w := st.byName[strings.ToLower(strings.TrimSpace(v))]; w != nil {
			add(w, v)
		} else {
			missing = append(missing, v)
		}
	}
	for _, v := range f.GUID {
		found := false
		for _, w := range st.webspaces {
			if strings.EqualFold(w.guid, v) {
				add(w, v)
				found = true
			}
		}
		if !found {
			missing = append(missing, v)
		}
	}
	for _, v := range f.OwnerID {
		id, err := atoi(v)
		if err != nil {
			return nil, nil, nil, err
		}
		for _, w := range st.webspaces {
			if w.ownerID == id {
				add(w, v)
			}
		}
	}
	for _, v := range f.OwnerLogin {
		o := st.clientByLogin[strings.ToLower(v)]
		for _, w := range st.webspaces {
			if o != nil && w.ownerID == o.id {
				add(w, v)
			}
		}
	}
	return matches, filterIDs, missing, nil
}

func (st *state) webspaceGet(b *bytes.Buffer, r *webspaceGetReq, malformed bool) error {
	if r.Filter == nil {
		return required("filter")
	}
	if r.Dataset == nil {
		return required("dataset")
	}
	ds := r.Dataset
	key := fmt.Sprintf("webspace.get:%t:%t:%t", ds.GenInfo, ds.Hosting, ds.Subscriptions)
	all := len(r.Filter.ID)+len(r.Filter.Name)+len(r.Filter.GUID)+len(r.Filter.OwnerID)+len(r.Filter.OwnerLogin) == 0
	if all && !malformed {
		if cached, ok := st.cached(key); ok {
			b.Write(cached)
			return nil
		}
	}
	matches, filterIDs, missing, err := st.selectWebspaces(r.Filter)
	if err != nil {
		return err
	}
	results := make([]webspaceResult, 0, len(matches)+len(missing)+1)
	for i, w := range matches {
		res := webspaceResult{statusXML: ok(), ID: w.id, Data: st.webspaceData(w, bool(ds.GenInfo), bool(ds.Hosting), bool(ds.Subscriptions))}
		if filterIDs != nil {
			res.FilterID = filterIDs[i]
		}
		if malformed && i == 0 && res.Data.GenInfo != nil {
			res.Data.GenInfo.CrDate = "30/08/2022"
		}
		results = append(results, res)
	}
	for _, v := range missing {
		results = append(results, webspaceResult{statusXML: fail(errNotFound, "webspace does not exist"), FilterID: v})
	}
	if len(results) == 0 {
		results = append(results, webspaceResult{statusXML: ok()})
	}
	start := b.Len()
	if err := marshalAll(b, results); err != nil {
		return err
	}
	if all && !malformed {
		st.store(key, bytes.Clone(b.Bytes()[start:]))
	}
	return nil
}

func (st *state) webspaceData(w *webspace, genInfo, hosting, subs bool) *webspaceData {
	d := &webspaceData{}
	if genInfo {
		gi := &genInfoXML{
			CrDate: w.crDate, Name: w.name, ASCIIName: w.ascii, Status: w.status,
			OwnerID: w.ownerID, DNSIPAddress: w.ips, HType: w.htype, GUID: w.guid, WebspaceGUID: w.guid,
		}
		if o := st.clients[w.ownerID]; o != nil {
			gi.OwnerLogin = o.login
		}
		d.GenInfo = gi
	}
	if hosting {
		h := &hostingXML{}
		ip := ""
		if len(w.ips) > 0 {
			ip = w.ips[0]
		}
		switch w.htype {
		case "vrt_hst":
			h.VrtHst = &vrtHstXML{
				Property: []propertyXML{
					{Name: "ftp_login", Value: w.ftpLogin},
					{Name: "php", Value: "true"},
					{Name: "ssl", Value: "true"},
					{Name: "www_root", Value: "/var/www/vhosts/" + w.ascii + "/httpdocs"},
				},
				IPAddress: w.ips,
			}
		case "std_fwd":
			h.StdFwd = &forwardXML{DestURL: "http://www." + w.ascii + "/", IPAddress: ip}
		case "frm_fwd":
			h.FrmFwd = &forwardXML{DestURL: "http://www." + w.ascii + "/", IPAddress: ip}
		default:
			h.None = &struct{}{}
		}
		d.Hosting = h
	}
	if subs {
		sub := subscriptionXML{Locked: w.planGUID == "", Synchronized: w.planGUID != ""}
		if w.planGUID != "" {
			sub.Plan = []planRef{{PlanGUID: w.planGUID}}
		}
		d.Subscriptions = &subscriptionsXML{Subscription: []subscriptionXML{sub}}
	}
	return d
}

func (st *state) webspaceAdd(r *webspaceAddReq, now time.Time) (plainResult, error) {
	gs := r.GenSetup
	if gs == nil {
		return plainResult{}, required("gen_setup")
	}
	if strings.TrimSpace(gs.Name) == "" {
		return plainResult{}, required("name")
	}
	if len(gs.IPAddress) == 0 {
		return plainResult{}, required("ip_address")
	}
	name := strings.TrimSpace(gs.Name)
	ascii, err := idna.Lookup.ToASCII(name)
	if err != nil || !strings.Contains(ascii, ".") {
		return plainResult{statusXML: fail(errInvalidValue, "Invalid domain name "+strconv.Quote(name)+".")}, nil
	}
	if st.byName[strings.ToLower(name)] != nil || st.byName[strings.ToLower(ascii)] != nil {
		return plainResult{statusXML: fail(errExists, "Domain "+name+" already exists.")}, nil
	}
	for _, ip := range gs.IPAddress {
		if net.ParseIP(strings.TrimSpace(ip)) == nil {
			return plainResult{statusXML: fail(errInvalidValue, "Invalid IP address "+strconv.Quote(ip)+".")}, nil
		}
	}
	ownerID := adminID
	switch {
	case strings.TrimSpace(gs.OwnerID) != "":
		id, err := atoi(gs.OwnerID)
		if err != nil {
			return plainResult{}, err
		}
		if st.clients[id] == nil {
			return plainResult{statusXML: fail(errOwnerMissing, "Owner not found.")}, nil
		}
		ownerID = id
	case strings.TrimSpace(gs.OwnerLogin) != "":
		o := st.clientByLogin[strings.ToLower(strings.TrimSpace(gs.OwnerLogin))]
		if o == nil {
			return plainResult{statusXML: fail(errOwnerMissing, "Owner not found.")}, nil
		}
		ownerID = o.id
	}
	htype := strings.TrimSpace(gs.HType)
	if htype == "" {
		htype = "none"
	}
	w := &webspace{name: name, ascii: ascii, htype: htype, ownerID: ownerID, crDate: now.Format(time.DateOnly)}
	for _, ip := range gs.IPAddress {
		w.ips = append(w.ips, strings.TrimSpace(ip))
	}
	if s := strings.TrimSpace(gs.Status); s != "" {
		n, err := atoi(s)
		if err != nil {
			return plainResult{}, err
		}
		w.status = n
	}
	if htype == "vrt_hst" {
		if r.Hosting == nil || r.Hosting.VrtHst == nil {
			return plainResult{statusXML: fail(errInvalidValue, "Hosting settings are required for virtual hosting.")}, nil
		}
		for _, p := range r.Hosting.VrtHst.Property {
			switch p.Name {
			case "ftp_login":
				w.ftpLogin = p.Value
			case "ftp_password":
				w.ftpPassword = p.Value
			}
		}
		if res, bad := st.checkSystemUser(w.ftpLogin, nil); bad {
			return res, nil
		}
		if w.ftpPassword == "" {
			return plainResult{statusXML: fail(errInvalidValue, "The password of the system user is empty.")}, nil
		}
	}
	if p, res, bad := st.planFor(r, ownerID); bad {
		return res, nil
	} else if p != nil {
		w.planGUID = p.guid
	}
	st.addWebspace(w, "")
	return plainResult{statusXML: ok(), ID: w.id, GUID: w.guid}, nil
}

// checkSystemUser validates a system user name and its uniqueness.
func (st *state) checkSystemUser(login string, self *webspace) (plainResult, bool) {
	if !validLogin(login, 32) {
		return plainResult{statusXML: fail(errInvalidValue, "Invalid system user name "+strconv.Quote(login)+".")}, true
	}
	if w := st.ftpLogins[strings.ToLower(login)]; w != nil && w != self {
		return plainResult{statusXML: fail(errExists, "System user "+login+" already exists.")}, true
	}
	return plainResult{}, false
}

// validLogin: a letter, then letters, digits, '_', '.', '-' (and '@' is
// not allowed for system users), at most max characters.
func validLogin(s string, max int) bool {
	if s == "" || len(s) > max {
		return false
	}
	for i, r := range s {
		switch {
		case r < 128 && unicode.IsLetter(r):
		case i > 0 && (unicode.IsDigit(r) || r == '_' || r == '.' || r == '-') && r < 128:
		default:
			return false
		}
	}
	return true
}

// planFor finds the plan a webspace add names, among the owner's and the
// administrator's plans.
func (st *state) planFor(r *webspaceAddReq, ownerID int) (*servicePlan, plainResult, bool) {
	name, id, g := strings.TrimSpace(r.PlanName), strings.TrimSpace(r.PlanID), strings.TrimSpace(r.PlanGUID)
	if name == "" && id == "" && g == "" {
		return nil, plainResult{}, false
	}
	owners := map[int]bool{adminID: true, ownerID: true}
	if o := st.clients[ownerID]; o != nil {
		owners[o.ownerID] = true
	}
	for _, p := range st.plans {
		if !owners[p.ownerID] {
			continue
		}
		if (name != "" && p.name == name) || (id != "" && strconv.Itoa(p.id) == id) || (g != "" && strings.EqualFold(p.guid, g)) {
			return p, plainResult{}, false
		}
	}
	return nil, plainResult{statusXML: fail(errNotFound, "Service plan does not exist.")}, true
}

func (st *state) webspaceDel(r *webspaceDelReq) ([]plainResult, error) {
	if r.Filter == nil {
		return nil, required("filter")
	}
	matches, filterIDs, missing, err := st.selectWebspaces(r.Filter)
	if err != nil {
		return nil, err
	}
	matches = append([]*webspace(nil), matches...) // the slice is state's own
	var out []plainResult
	for i, w := range matches {
		st.removeWebspace(w)
		res := plainResult{statusXML: ok(), ID: w.id}
		if filterIDs != nil {
			res.FilterID = filterIDs[i]
		}
		out = append(out, res)
	}
	for _, v := range missing {
		out = append(out, plainResult{statusXML: fail(errNotFound, "webspace does not exist"), FilterID: v})
	}
	if len(out) == 0 {
		out = append(out, plainResult{statusXML: ok()})
	}
	return out, nil
}

func (st *state) webspaceSet(r *webspaceSetReq) ([]plainResult, error) {
	if r.Filter == nil {
		return nil, required("filter")
	}
	if r.Values == nil {
		return nil, required("values")
	}
	matches, filterIDs, missing, err := st.selectWebspaces(r.Filter)
	if err != nil {
		return nil, err
	}
	var out []plainResult
	for i, w := range matches {
		res := st.setOne(w, r)
		if filterIDs != nil {
			res.FilterID = filterIDs[i]
		}
		out = append(out, res)
	}
	for _, v := range missing {
		out = append(out, plainResult{statusXML: fail(errNotFound, "webspace does not exist"), FilterID: v})
	}
	if len(out) == 0 {
		out = append(out, plainResult{statusXML: ok()})
	}
	return out, nil
}

// setOne applies values to one subscription, all or nothing.
func (st *state) setOne(w *webspace, r *webspaceSetReq) plainResult {
	v := r.Values
	status := w.status
	if v.GenSetup != nil && v.GenSetup.Status != nil {
		n, err := strconv.Atoi(strings.TrimSpace(*v.GenSetup.Status))
		if err != nil || (n != 0 && n != 16 && n != 32 && n != 64) {
			return plainResult{statusXML: fail(errInvalidValue, "Invalid status "+strconv.Quote(*v.GenSetup.Status)+".")}
		}
		status = n
	}
	login, passwd := w.ftpLogin, w.ftpPassword
	if v.Hosting != nil && v.Hosting.VrtHst != nil {
		if w.htype != "vrt_hst" {
			return plainResult{statusXML: fail(errOpFailed, "The subscription has no virtual hosting.")}
		}
		for _, p := range v.Hosting.VrtHst.Property {
			switch p.Name {
			case "ftp_login":
				login = p.Value
			case "ftp_password":
				if p.Value == "" {
					return plainResult{statusXML: fail(errInvalidValue, "The password of the system user is empty.")}
				}
				passwd = p.Value
			}
		}
		if res, bad := st.checkSystemUser(login, w); bad {
			return res
		}
	}
	if login != w.ftpLogin {
		delete(st.ftpLogins, strings.ToLower(w.ftpLogin))
		st.ftpLogins[strings.ToLower(login)] = w
	}
	w.status, w.ftpLogin, w.ftpPassword = status, login, passwd
	st.changed()
	return plainResult{statusXML: ok(), ID: w.id}
}

// selectClients applies a customer or reseller filter to clients of kind.
func (st *state) selectClients(f *clientFilter, kind string) (matches []*client, filterIDs []string, missing []string, err error) {
	if len(f.ID)+len(f.Login)+len(f.GUID) == 0 {
		for id := adminID; id < st.nextClient; id++ {
			if c := st.clients[id]; c != nil && c.kind == kind {
				matches = append(matches, c)
			}
		}
		return matches, nil, nil, nil
	}
	for _, v := range f.ID {
		id, err := atoi(v)
		if err != nil {
			return nil, nil, nil, err
		}
		if c := st.clients[id]; c != nil && c.kind == kind {
			matches, filterIDs = append(matches, c), append(filterIDs, v)
		} else {
			missing = append(missing, v)
		}
	}
	for _, v := range f.Login {
		if c := st.clientByLogin[strings.ToLower(v)]; c != nil && c.kind == kind {
			matches, filterIDs = append(matches, c), append(filterIDs, v)
		} else {
			missing = append(missing, v)
		}
	}
	for _, v := range f.GUID {
		found := false
		for _, c := range st.clients {
			if c.kind == kind && strings.EqualFold(c.guid, v) {
				matches, filterIDs = append(matches, c), append(filterIDs, v)
				found = true
			}
		}
		if !found {
			missing = append(missing, v)
		}
	}
	return matches, filterIDs, missing, nil
}

func (c *client) info() *clientInfoXML {
	return &clientInfoXML{CName: c.cname, PName: c.pname, Login: c.login, Status: c.status,
		Email: c.email, Locale: "en-US", GUID: c.guid}
}

func (st *state) customerGet(b *bytes.Buffer, r *customerGetReq) error {
	if r.Filter == nil {
		return required("filter")
	}
	if r.Dataset == nil {
		return required("dataset")
	}
	matches, filterIDs, missing, err := st.selectClients(r.Filter, "customer")
	if err != nil {
		return err
	}
	results := make([]customerResult, 0, len(matches)+len(missing)+1)
	for i, c := range matches {
		res := customerResult{statusXML: ok(), ID: c.id}
		if filterIDs != nil {
			res.FilterID = filterIDs[i]
		}
		if r.Dataset.GenInfo {
			gi := c.info()
			gi.CrDate = c.crDate
			gi.OwnerID = c.ownerID
			res.Data = &struct {
				GenInfo *clientInfoXML `xml:"gen_info"`
			}{gi}
		}
		results = append(results, res)
	}
	for _, v := range missing {
		results = append(results, customerResult{statusXML: fail(errNotFound, "Client does not exist"), FilterID: v})
	}
	if len(results) == 0 {
		results = append(results, customerResult{statusXML: ok()})
	}
	return marshalAll(b, results)
}

func (st *state) resellerGet(b *bytes.Buffer, r *resellerGetReq) error {
	if r.Filter == nil {
		return required("filter")
	}
	if r.Dataset == nil {
		return required("dataset")
	}
	matches, filterIDs, missing, err := st.selectClients(r.Filter, "reseller")
	if err != nil {
		return err
	}
	results := make([]resellerResult, 0, len(matches)+len(missing)+1)
	for i, c := range matches {
		res := resellerResult{statusXML: ok(), ID: c.id}
		if filterIDs != nil {
			res.FilterID = filterIDs[i]
		}
		if r.Dataset.GenInfo {
			gi := c.info()
			gi.CrDateR = c.crDate
			res.Data = &struct {
				GenInfo *clientInfoXML `xml:"gen-info"`
			}{gi}
		}
		results = append(results, res)
	}
	for _, v := range missing {
		results = append(results, resellerResult{statusXML: fail(errNotFound, "Reseller does not exist"), FilterID: v})
	}
	if len(results) == 0 {
		results = append(results, resellerResult{statusXML: ok()})
	}
	return marshalAll(b, results)
}

func (st *state) customerAdd(r *customerAddReq, now time.Time) (plainResult, error) {
	gi := r.GenInfo
	if gi == nil {
		return plainResult{}, required("gen_info")
	}
	if gi.PName == "" || gi.Login == "" || gi.Passwd == "" {
		return plainResult{}, required("pname, login, passwd")
	}
	if !validLogin(gi.Login, 60) {
		return plainResult{statusXML: fail(errInvalidValue, "Invalid login "+strconv.Quote(gi.Login)+".")}, nil
	}
	if st.clientByLogin[strings.ToLower(gi.Login)] != nil {
		return plainResult{statusXML: fail(errExists, "User "+gi.Login+" already exists.")}, nil
	}
	if gi.Email != "" {
		if a, err := mail.ParseAddress(gi.Email); err != nil || a.Name != "" || a.Address != gi.Email {
			return plainResult{statusXML: fail(errInvalidValue, "Invalid e-mail address "+strconv.Quote(gi.Email)+".")}, nil
		}
	}
	status := 0
	if s := strings.TrimSpace(gi.Status); s != "" {
		n, err := atoi(s)
		if err != nil {
			return plainResult{}, err
		}
		if n != 0 && n != 16 {
			return plainResult{statusXML: fail(errInvalidValue, "Invalid status "+strconv.Quote(s)+".")}, nil
		}
		status = n
	}
	c := st.addClient(&client{kind: "customer", login: gi.Login, pname: gi.PName, cname: gi.CName,
		email: gi.Email, passwd: gi.Passwd, status: status, crDate: now.Format(time.DateOnly)})
	return plainResult{statusXML: ok(), ID: c.id, GUID: c.guid}, nil
}

func (st *state) servicePlanGet(b *bytes.Buffer, r *servicePlanGetReq) error {
	if r.Filter == nil {
		return required("filter")
	}
	inScope := func(p *servicePlan) bool { return p.ownerID == adminID }
	switch {
	case bool(r.OwnerAll):
		inScope = func(*servicePlan) bool { return true }
	case strings.TrimSpace(r.OwnerID) != "":
		id, err := atoi(r.OwnerID)
		if err != nil {
			return err
		}
		inScope = func(p *servicePlan) bool { return p.ownerID == id }
	case strings.TrimSpace(r.OwnerLogin) != "":
		o := st.clientByLogin[strings.ToLower(strings.TrimSpace(r.OwnerLogin))]
		if o == nil {
			return marshalAll(b, []servicePlanResult{{statusXML: fail(errNotFound, "Owner not found.")}})
		}
		inScope = func(p *servicePlan) bool { return p.ownerID == o.id }
	}
	render := func(p *servicePlan, filterID string) servicePlanResult {
		return servicePlanResult{statusXML: ok(), FilterID: filterID, ID: p.id, GUID: p.guid,
			ExternalID: &struct{}{}, Name: p.name, OwnerID: p.ownerID}
	}
	var results []servicePlanResult
	f := r.Filter
	if len(f.ID)+len(f.Name)+len(f.GUID) == 0 {
		for _, p := range st.plans {
			if inScope(p) {
				results = append(results, render(p, ""))
			}
		}
	}
	match := func(v string, is func(*servicePlan) bool) {
		for _, p := range st.plans {
			if inScope(p) && is(p) {
				results = append(results, render(p, v))
				return
			}
		}
		results = append(results, servicePlanResult{statusXML: fail(errNotFound, "Service plan does not exist."), FilterID: v})
	}
	for _, v := range f.ID {
		match(v, func(p *servicePlan) bool { return strconv.Itoa(p.id) == strings.TrimSpace(v) })
	}
	for _, v := range f.Name {
		match(v, func(p *servicePlan) bool { return p.name == v })
	}
	for _, v := range f.GUID {
		match(v, func(p *servicePlan) bool { return strings.EqualFold(p.guid, v) })
	}
	if len(results) == 0 {
		results = append(results, servicePlanResult{statusXML: ok()})
	}
	return marshalAll(b, results)
}

// wrongShape is a webspace.get answer of the shape a listing fault stands
// for.
func wrongShape(version string, f Fault) []byte {
	inner := ""
	switch f {
	case FaultNullList:
		inner = "<webspace><get/></webspace>"
	case FaultWrongType:
		inner = "<webspace><get>all subscriptions</get></webspace>"
	}
	return []byte(xml.Header + `<packet version="` + version + `">` + inner + "</packet>")
}
