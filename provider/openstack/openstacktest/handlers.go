package openstacktest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// request is what a compute handler needs to know about its request.
type request struct {
	w       http.ResponseWriter
	r       *http.Request
	mv      int    // compute microversion, 1 for the base API
	base    string // the compute endpoint's URL
	project string // the token's project
	user    string
	fault   Fault // a listing fault to apply: malformed, page loop, down cell
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v3/auth/tokens", s.handle(FuncAuth, false, s.auth))
	c := "/compute/{region}/v2.1"
	mux.HandleFunc("GET "+c+"/servers/detail", s.handle(FuncListServers, true, s.listServers))
	mux.HandleFunc("GET "+c+"/servers", s.handle(FuncListNames, true, s.listNames))
	mux.HandleFunc("POST "+c+"/servers", s.handle(FuncCreateServer, true, s.createServer))
	mux.HandleFunc("GET "+c+"/servers/{id}", s.handle(FuncShowServer, true, s.showServer))
	mux.HandleFunc("DELETE "+c+"/servers/{id}", s.handle(FuncDeleteServer, true, s.deleteServer))
	mux.HandleFunc("POST "+c+"/servers/{id}/action", s.handle(FuncServerAction, true, s.serverAction))
	mux.HandleFunc("GET "+c+"/flavors/detail", s.handle(FuncListFlavors, true, s.listFlavors))
	mux.HandleFunc("GET "+c+"/flavors/{id}", s.handle(FuncShowFlavor, true, s.showFlavor))
	return mux
}

// handle counts the call, applies faults, and for compute requests checks
// the token and the microversion before calling h with s.mu held.
func (s *Server) handle(function string, compute bool, h func(*request)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		// Recording reads the whole body first, which lets net/http notice
		// a client that hangs up and cancel r.Context() (FaultSlow relies
		// on it).
		s.faults.Record(function, r)
		for _, do := range s.takeHooks(function) {
			do()
		}
		fault := s.faults.Take(function, appliesTo)
		if s.faults.Redirect(w, fault) {
			return
		}

		switch fault {
		case FaultUnauthorized:
			writeJSON(w, http.StatusUnauthorized, keystoneError(http.StatusUnauthorized, "Unauthorized", "The request you have made requires authentication."))
			return
		case FaultServerError:
			writeFault(w, http.StatusInternalServerError, "computeFault", "Unexpected API Error. Please report this at http://bugs.launchpad.net/nova/ and attach the Nova API log if possible.")
			return
		case FaultRateLimited:
			w.Header().Set("Retry-After", "1")
			writeFault(w, http.StatusTooManyRequests, "overLimit", "This request was rate-limited.")
			return
		case FaultSlow:
			t := time.NewTimer(s.opts.SlowDelay)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				return
			}
		case FaultTruncated:
			truncate(w)
			return
		case FaultUnknownPath:
			writeFault(w, http.StatusNotFound, "itemNotFound", "The resource could not be found.")
			return
		case FaultHTML:
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(http.StatusOK)
			_, _ = io.WriteString(w, "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n<body><h1>Bad Gateway</h1><p>The proxy server received an invalid response from an upstream server.</p></body></html>\n")
			return
		}

		s.mu.Lock()
		defer s.mu.Unlock()
		req := &request{w: w, r: r, mv: 1, fault: fault}
		if compute {
			if !slices.Contains(s.opts.Regions, r.PathValue("region")) {
				writeFault(w, http.StatusNotFound, "itemNotFound", "The resource could not be found.")
				return
			}
			tok := r.Header.Get("X-Auth-Token")
			info, ok := s.tokens[tok]
			if ok && time.Now().After(info.expires) {
				delete(s.tokens, tok)
				ok = false
			}
			if fault == FaultTokenExpired && ok {
				delete(s.tokens, tok)
				ok = false
			}
			if !ok {
				w.Header().Set("WWW-Authenticate", `Keystone uri="`+s.URL+`/v3"`)
				writeJSON(w, http.StatusUnauthorized, keystoneError(http.StatusUnauthorized, "Unauthorized", "The request you have made requires authentication."))
				return
			}
			req.project, req.user = info.project, info.user
			mv, ok := s.microversion(r)
			if !ok {
				writeFault(w, http.StatusNotAcceptable, "computeFault", fmt.Sprintf("Version %s is not supported by the API. Minimum is 2.1 and maximum is %s.",
					requestedVersion(r), s.opts.MaxMicroversion))
				return
			}
			req.mv = mv
			v := "2." + strconv.Itoa(mv)
			w.Header().Set("OpenStack-API-Version", "compute "+v)
			w.Header().Set("X-OpenStack-Nova-API-Version", v)
			w.Header().Set("Vary", "OpenStack-API-Version, X-OpenStack-Nova-API-Version")
			req.base = s.URL + "/compute/" + r.PathValue("region") + "/v2.1"
		}
		w.Header().Set("X-Openstack-Request-Id", "req-"+newUUID())
		h(req)
	}
}

// requestedVersion returns the microversion the request names, or "".
func requestedVersion(r *http.Request) string {
	if v := r.Header.Get("OpenStack-API-Version"); v != "" {
		if svc, ver, ok := strings.Cut(strings.TrimSpace(v), " "); ok && svc == "compute" {
			return strings.TrimSpace(ver)
		}
		return ""
	}
	return strings.TrimSpace(r.Header.Get("X-OpenStack-Nova-API-Version"))
}

// microversion returns the request's compute microversion: 1 without a
// header, the maximum for "latest", false when unsupported.
func (s *Server) microversion(r *http.Request) (int, bool) {
	v := requestedVersion(r)
	switch v {
	case "":
		return 1, true
	case "latest":
		return s.maxMV, true
	}
	n, ok := parseMicroversion(v)
	if !ok || n > s.maxMV {
		return 0, false
	}
	return n, true
}

// truncate announces a longer body than it sends and hangs up.
func truncate(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		w.Header().Set("Content-Length", "4096")
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, `{"servers": [{"id": "`)
		return
	}
	conn, buf, err := hj.Hijack()
	if err != nil {
		return
	}
	_, _ = buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 4096\r\n\r\n{\"servers\": [{\"id\": \"")
	_ = buf.Flush()
	_ = conn.Close()
}

func keystoneError(code int, title, msg string) map[string]any {
	return map[string]any{"error": map[string]any{"code": code, "title": title, "message": msg}}
}

func writeFault(w http.ResponseWriter, status int, name, msg string) {
	writeJSON(w, status, map[string]any{name: map[string]any{"code": status, "message": msg}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	writeBytes(w, status, b)
}

func writeBytes(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// auth is POST /v3/auth/tokens: password or application credential.
func (s *Server) auth(q *request) {
	var body struct {
		Auth struct {
			Identity struct {
				Methods  []string `json:"methods"`
				Password *struct {
					User struct {
						ID       string  `json:"id"`
						Name     string  `json:"name"`
						Password string  `json:"password"`
						Domain   *domain `json:"domain"`
					} `json:"user"`
				} `json:"password"`
				ApplicationCredential *struct {
					ID     string `json:"id"`
					Secret string `json:"secret"`
				} `json:"application_credential"`
			} `json:"identity"`
			Scope *struct {
				Project *struct {
					ID     string  `json:"id"`
					Name   string  `json:"name"`
					Domain *domain `json:"domain"`
				} `json:"project"`
			} `json:"scope"`
		} `json:"auth"`
	}
	if err := json.NewDecoder(q.r.Body).Decode(&body); err != nil {
		writeJSON(q.w, http.StatusBadRequest, keystoneError(http.StatusBadRequest, "Bad Request", "Expecting to find auth in request body."))
		return
	}
	id := body.Auth.Identity
	denied := func() {
		writeJSON(q.w, http.StatusUnauthorized, keystoneError(http.StatusUnauthorized, "Unauthorized", "The request you have made requires authentication."))
	}
	project, methods := "", id.Methods
	switch {
	case slices.Equal(methods, []string{"application_credential"}) && id.ApplicationCredential != nil:
		ac := id.ApplicationCredential
		if ac.ID != ApplicationCredentialID || ac.Secret != ApplicationCredentialSecret {
			denied()
			return
		}
		if body.Auth.Scope != nil {
			writeJSON(q.w, http.StatusUnauthorized, keystoneError(http.StatusUnauthorized, "Unauthorized", "Application credentials cannot request a scope."))
			return
		}
		project = ProjectID
	case slices.Equal(methods, []string{"password"}) && id.Password != nil:
		u := id.Password.User
		userOK := u.ID == UserID || (u.ID == "" && u.Name == Username && u.Domain.matches())
		if !userOK || u.Password != Password {
			denied()
			return
		}
		if sc := body.Auth.Scope; sc != nil && sc.Project != nil {
			p := sc.Project
			if p.ID != ProjectID && !(p.ID == "" && p.Name == ProjectName && p.Domain.matches()) {
				denied()
				return
			}
			project = ProjectID
		}
	default:
		writeJSON(q.w, http.StatusBadRequest, keystoneError(http.StatusBadRequest, "Bad Request", "Invalid authentication request."))
		return
	}

	tok := newToken()
	now := time.Now().UTC()
	expires := now.Add(s.opts.TokenTTL)
	s.tokens[tok] = token{expires: expires, project: project, user: UserID}
	s.issued = append(s.issued, tok)
	t := map[string]any{
		"methods":    methods,
		"expires_at": expires.Format("2006-01-02T15:04:05.000000Z"),
		"issued_at":  now.Format("2006-01-02T15:04:05.000000Z"),
		"user":       map[string]any{"id": UserID, "name": Username, "domain": map[string]string{"id": DomainID, "name": DomainName}, "password_expires_at": nil},
		"audit_ids":  []string{"3T2dc1CGQxyJsHdDu1xkcw"},
	}
	if project != "" {
		role := "member"
		if !s.opts.NonAdmin {
			role = "admin"
		}
		t["project"] = map[string]any{"id": ProjectID, "name": ProjectName, "domain": map[string]string{"id": DomainID, "name": DomainName}}
		t["roles"] = []map[string]string{{"id": "r-" + role, "name": role}}
		t["catalog"] = s.catalog()
		t["is_domain"] = false
	}
	q.w.Header().Set("X-Subject-Token", tok)
	if q.fault == FaultEmptyObject {
		writeBytes(q.w, http.StatusCreated, []byte(`{}`))
		return
	}
	writeJSON(q.w, http.StatusCreated, map[string]any{"token": t})
}

type domain struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

func (d *domain) matches() bool {
	return d != nil && (d.ID == DomainID || (d.ID == "" && d.Name == DomainName))
}

func (s *Server) catalog() []map[string]any {
	var compute, identity []map[string]string
	for _, region := range s.opts.Regions {
		for _, iface := range []string{"public", "internal", "admin"} {
			compute = append(compute, map[string]string{"id": newUUID(), "interface": iface, "region": region, "region_id": region,
				"url": s.URL + "/compute/" + region + "/v2.1"})
			identity = append(identity, map[string]string{"id": newUUID(), "interface": iface, "region": region, "region_id": region,
				"url": s.URL + "/v3"})
		}
	}
	return []map[string]any{
		{"id": newUUID(), "type": "identity", "name": "keystone", "endpoints": identity},
		{"id": newUUID(), "type": "compute", "name": "nova", "endpoints": compute},
	}
}

// visible returns the servers the request may list: the token's project,
// or every project with all_tenants (admins only). ok is false when the
// answer was written (403).
func (s *Server) visible(q *request) ([]*server, bool) {
	all := q.r.URL.Query().Get("all_tenants")
	if all != "" && all != "0" && !strings.EqualFold(all, "false") {
		if s.opts.NonAdmin {
			writeFault(q.w, http.StatusForbidden, "forbidden", "Policy doesn't allow os_compute_api:servers:detail:get_all_tenants to be performed.")
			return nil, false
		}
		return s.servers, true
	}
	out := make([]*server, 0, len(s.servers))
	for _, sv := range s.servers {
		if sv.tenant() == q.project {
			out = append(out, sv)
		}
	}
	return out, true
}

// page applies name, marker and limit, and builds the next link.
func (s *Server) page(q *request, list []*server, path string) ([]*server, string, bool) {
	query := q.r.URL.Query()
	if pat := query.Get("name"); pat != "" {
		re, err := regexp.Compile(pat)
		if err != nil {
			writeFault(q.w, http.StatusBadRequest, "badRequest", "Invalid regular expression in name filter.")
			return nil, "", false
		}
		var kept []*server
		for _, sv := range list {
			if re.MatchString(sv.name()) {
				kept = append(kept, sv)
			}
		}
		list = kept
	}
	limit := s.opts.MaxLimit
	if v := query.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			writeFault(q.w, http.StatusBadRequest, "badRequest", fmt.Sprintf("Invalid input for query parameters limit. Value: %s.", v))
			return nil, "", false
		}
		limit = min(n, s.opts.MaxLimit)
	}
	start := 0
	if m := query.Get("marker"); m != "" {
		i := slices.IndexFunc(list, func(sv *server) bool { return sv.id() == m })
		if i < 0 {
			writeFault(q.w, http.StatusBadRequest, "badRequest", fmt.Sprintf("marker [%s] not found", m))
			return nil, "", false
		}
		start = i + 1
	}
	end := min(start+limit, len(list))
	page := list[start:end]
	next := ""
	if ((len(page) == limit && limit > 0) || q.fault == FaultPageLoop) && q.fault != FaultNoNextLink {
		marker := query.Get("marker")
		if marker == "" || q.fault != FaultPageLoop {
			marker = "loop"
			if len(page) > 0 {
				marker = page[len(page)-1].id()
			}
		}
		nq := url.Values{}
		for k, v := range query {
			nq[k] = v
		}
		nq.Set("marker", marker)
		if nq.Get("limit") == "" {
			nq.Set("limit", strconv.Itoa(limit))
		}
		next = q.base + path + "?" + nq.Encode()
	}
	return page, next, true
}

// listServers is GET /servers/detail.
func (s *Server) listServers(q *request) {
	list, ok := s.visible(q)
	if !ok {
		return
	}
	if q.fault == FaultDownCell && q.mv < 69 {
		// Before 2.69 Nova leaves out what it cannot reach.
		list = slices.DeleteFunc(slices.Clone(list), func(sv *server) bool { return sv.cell == "cell2" })
	}
	page, next, ok := s.page(q, list, "/servers/detail")
	if !ok {
		return
	}
	items := make([][]byte, len(page))
	for i, sv := range page {
		if q.fault == FaultDownCell && sv.cell == "cell2" {
			items[i] = renderPartial(sv, q.base)
		} else {
			items[i] = s.render(sv, q.mv, q.base)
		}
	}
	if q.fault == FaultMalformed && len(items) > 0 {
		items[0] = malformed(items[0])
	}
	if wrongShape(q, "servers") {
		return
	}
	writeBytes(q.w, http.StatusOK, joinJSON("servers", items, next))
}

// listNames is GET /servers: ids, names and links.
func (s *Server) listNames(q *request) {
	list, ok := s.visible(q)
	if !ok {
		return
	}
	page, next, ok := s.page(q, list, "/servers")
	if !ok {
		return
	}
	items := make([][]byte, len(page))
	for i, sv := range page {
		items[i], _ = json.Marshal(map[string]any{"id": sv.id(), "name": sv.name(), "links": serverLinks(q.base, sv.id())})
	}
	if wrongShape(q, "servers") {
		return
	}
	writeBytes(q.w, http.StatusOK, joinJSON("servers", items, next))
}

// wrongShape answers a listing whose list is key with the shape a
// listing-shape fault stands for, and reports whether it did.
func wrongShape(q *request, key string) bool {
	var body string
	switch q.fault {
	case FaultWrongShape:
		body = `{}`
	case FaultUnexpectedKey:
		body = `{"unexpected":true}`
	case FaultNullList:
		body = `{"` + key + `":null}`
	case FaultWrongType:
		body = `{"` + key + `":{}}`
	default:
		return false
	}
	writeBytes(q.w, http.StatusOK, []byte(body))
	return true
}

// lookup finds the server named by the path for the token's project (or
// any, for an admin). It writes 404 when there is none.
func (s *Server) lookup(q *request) (*server, bool) {
	id := q.r.PathValue("id")
	sv, ok := s.byID[id]
	if ok && (sv.tenant() == q.project || !s.opts.NonAdmin) {
		return sv, true
	}
	writeFault(q.w, http.StatusNotFound, "itemNotFound", fmt.Sprintf("Instance %s could not be found.", id))
	return nil, false
}

// showServer is GET /servers/{id}.
func (s *Server) showServer(q *request) {
	sv, ok := s.lookup(q)
	if !ok {
		return
	}
	if q.fault == FaultEmptyObject {
		writeBytes(q.w, http.StatusOK, []byte(`{}`))
		return
	}
	var b []byte
	switch {
	case q.fault == FaultDownCell && sv.cell == "cell2" && q.mv >= 69:
		b = renderPartial(sv, q.base)
	case q.fault == FaultDownCell && sv.cell == "cell2":
		writeFault(q.w, http.StatusInternalServerError, "computeFault", "Unexpected API Error.")
		return
	case sv.buildPolls > 0:
		sv.buildPolls--
		if sv.buildPolls == 0 {
			sv.set("status", "ACTIVE")
			sv.set("OS-EXT-STS:vm_state", "active")
			sv.set("OS-EXT-STS:task_state", nil)
			sv.set("OS-EXT-STS:power_state", 1)
		}
		b = s.render(sv, q.mv, q.base)
	default:
		b = s.render(sv, q.mv, q.base)
	}
	out := make([]byte, 0, len(b)+12)
	out = append(out, `{"server":`...)
	out = append(out, b...)
	out = append(out, '}')
	writeBytes(q.w, http.StatusOK, out)
}

// createServer is POST /servers.
func (s *Server) createServer(q *request) {
	var body struct {
		Server *struct {
			Name      string            `json:"name"`
			ImageRef  string            `json:"imageRef"`
			FlavorRef string            `json:"flavorRef"`
			Networks  json.RawMessage   `json:"networks"`
			AdminPass string            `json:"adminPass"`
			KeyName   string            `json:"key_name"`
			Metadata  map[string]string `json:"metadata"`
		} `json:"server"`
	}
	if err := json.NewDecoder(q.r.Body).Decode(&body); err != nil || body.Server == nil {
		writeFault(q.w, http.StatusBadRequest, "badRequest", "Invalid input for field/attribute server.")
		return
	}
	in := body.Server
	if strings.TrimSpace(in.Name) == "" || len(in.Name) > 255 {
		writeFault(q.w, http.StatusBadRequest, "badRequest", "Invalid input for field/attribute name.")
		return
	}
	if in.ImageRef != ImageID {
		writeFault(q.w, http.StatusBadRequest, "badRequest", fmt.Sprintf("Image %s could not be found.", in.ImageRef))
		return
	}
	fl, ok := s.flavorByID(in.FlavorRef)
	if !ok {
		writeFault(q.w, http.StatusBadRequest, "badRequest", fmt.Sprintf("Flavor %s could not be found.", in.FlavorRef))
		return
	}
	for k, v := range in.Metadata {
		if len(k) > 255 || len(v) > 255 {
			writeFault(q.w, http.StatusBadRequest, "badRequest", "Invalid input for field/attribute metadata.")
			return
		}
	}
	var addrs map[string][]address
	switch {
	case len(in.Networks) == 0 && q.mv >= 37:
		writeFault(q.w, http.StatusBadRequest, "badRequest", "Invalid input for field/attribute server. Value: networks is a required property.")
		return
	case string(in.Networks) == `"none"`:
	case len(in.Networks) == 0, string(in.Networks) == `"auto"`:
		addrs = map[string][]address{NetworkName: {s.allocate()}}
	default:
		var nets []struct {
			UUID string `json:"uuid"`
		}
		if json.Unmarshal(in.Networks, &nets) != nil || len(nets) == 0 {
			writeFault(q.w, http.StatusBadRequest, "badRequest", "Invalid input for field/attribute networks.")
			return
		}
		for _, n := range nets {
			if n.UUID != NetworkID {
				writeFault(q.w, http.StatusBadRequest, "badRequest", fmt.Sprintf("Network %s could not be found.", n.UUID))
				return
			}
		}
		addrs = map[string][]address{NetworkName: {s.allocate()}}
	}
	if in.AdminPass == "" {
		in.AdminPass = "Gen3ratedPass" + strconv.Itoa(s.nextIP)
	}
	md := in.Metadata
	if md == nil {
		md = map[string]string{}
	}
	id := newUUID()
	status, vmState, power := "ACTIVE", "active", 1
	if s.opts.BuildPolls > 0 {
		status, vmState, power = "BUILD", "building", 0
	}
	sv := &server{
		doc:        s.newDoc(id, in.Name, q.project, q.user, time.Now().UTC().Truncate(time.Second), status, vmState, power, addrs, md),
		flavor:     fl,
		cell:       "cell1",
		buildPolls: s.opts.BuildPolls,
	}
	if in.KeyName != "" {
		sv.doc["key_name"] = in.KeyName
	}
	sv.doc["-adminPass"] = in.AdminPass
	s.add(sv)
	q.w.Header().Set("Location", q.base+"/servers/"+id)
	writeJSON(q.w, http.StatusAccepted, map[string]any{"server": map[string]any{
		"id": id, "links": serverLinks(q.base, id), "adminPass": in.AdminPass,
		"OS-DCF:diskConfig": "AUTO", "security_groups": []map[string]string{{"name": "default"}},
	}})
}

// allocate returns the next fixed address on the public network.
func (s *Server) allocate() address {
	s.nextIP++
	n := s.nextIP
	return address{Addr: fmt.Sprintf("203.0.%d.%d", 113+(n/250)%10, 1+n%250), Version: 4, Type: "fixed", MAC: mac(n)}
}

// deleteServer is DELETE /servers/{id}.
func (s *Server) deleteServer(q *request) {
	sv, ok := s.lookup(q)
	if !ok {
		return
	}
	if q.fault == FaultDeletedMeanwhile {
		s.remove(sv.id())
		writeFault(q.w, http.StatusNotFound, "itemNotFound", "Instance could not be found")
		return
	}
	if locked, _ := sv.doc["locked"].(bool); locked {
		writeFault(q.w, http.StatusConflict, "conflictingRequest", fmt.Sprintf("Instance %s is locked", sv.id()))
		return
	}
	if ts, _ := sv.doc["OS-EXT-STS:task_state"].(string); ts == "deleting" {
		q.w.WriteHeader(http.StatusNoContent)
		return
	}
	s.remove(sv.id())
	q.w.WriteHeader(http.StatusNoContent)
}

// serverAction is POST /servers/{id}/action with suspend or resume.
func (s *Server) serverAction(q *request) {
	sv, ok := s.lookup(q)
	if !ok {
		return
	}
	var body map[string]json.RawMessage
	if err := json.NewDecoder(q.r.Body).Decode(&body); err != nil || len(body) != 1 {
		writeFault(q.w, http.StatusBadRequest, "badRequest", "Malformed request body.")
		return
	}
	conflict := func(action, state string) {
		writeFault(q.w, http.StatusConflict, "conflictingRequest",
			fmt.Sprintf("Cannot '%s' instance %s while it is in vm_state %s", action, sv.id(), state))
	}
	vmState, _ := sv.doc["OS-EXT-STS:vm_state"].(string)
	action := "suspend"
	if body["resume"] != nil {
		action = "resume"
	}
	if locked, _ := sv.doc["locked"].(bool); locked {
		writeFault(q.w, http.StatusConflict, "conflictingRequest", fmt.Sprintf("Instance %s is locked", sv.id()))
		return
	}
	if ts, _ := sv.doc["OS-EXT-STS:task_state"].(string); ts != "" {
		writeFault(q.w, http.StatusConflict, "conflictingRequest",
			fmt.Sprintf("Cannot '%s' instance %s while it is in task_state %s", action, sv.id(), ts))
		return
	}
	switch {
	case body["suspend"] != nil:
		if sv.status() != "ACTIVE" {
			conflict("suspend", vmState)
			return
		}
		sv.set("status", "SUSPENDED")
		sv.set("OS-EXT-STS:vm_state", "suspended")
		sv.set("OS-EXT-STS:power_state", 7)
	case body["resume"] != nil:
		if sv.status() != "SUSPENDED" {
			conflict("resume", vmState)
			return
		}
		sv.set("status", "ACTIVE")
		sv.set("OS-EXT-STS:vm_state", "active")
		sv.set("OS-EXT-STS:power_state", 1)
	default:
		writeFault(q.w, http.StatusBadRequest, "badRequest", "There is no such action.")
		return
	}
	q.w.WriteHeader(http.StatusAccepted)
}

func (s *Server) flavorJSON(f *flavor, base string) map[string]any {
	return map[string]any{
		"id": f.ID, "name": f.Name, "ram": f.RAM, "vcpus": f.VCPUs, "disk": f.Disk,
		"OS-FLV-EXT-DATA:ephemeral": 0, "swap": "", "rxtx_factor": 1.0,
		"os-flavor-access:is_public": true, "OS-FLV-DISABLED:disabled": false,
		"links": []map[string]string{{"rel": "self", "href": base + "/flavors/" + f.ID}},
	}
}

// listFlavors is GET /flavors/detail, paged by limit and marker.
func (s *Server) listFlavors(q *request) {
	query := q.r.URL.Query()
	limit := s.opts.MaxLimit
	if v := query.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			writeFault(q.w, http.StatusBadRequest, "badRequest", "Invalid input for query parameters limit.")
			return
		}
		limit = min(n, s.opts.MaxLimit)
	}
	start := 0
	if m := query.Get("marker"); m != "" {
		i := slices.IndexFunc(s.flavors, func(f *flavor) bool { return f.ID == m })
		if i < 0 {
			writeFault(q.w, http.StatusBadRequest, "badRequest", fmt.Sprintf("marker [%s] not found", m))
			return
		}
		start = i + 1
	}
	page := s.flavors[start:min(start+limit, len(s.flavors))]
	items := make([][]byte, len(page))
	for i, f := range page {
		items[i], _ = json.Marshal(s.flavorJSON(f, q.base))
	}
	next := ""
	if len(page) == limit && limit > 0 && q.fault != FaultNoNextLink {
		nq := url.Values{}
		for k, v := range query {
			nq[k] = v
		}
		nq.Set("marker", page[len(page)-1].ID)
		next = q.base + "/flavors/detail?" + nq.Encode()
	}
	if wrongShape(q, "flavors") {
		return
	}
	writeBytes(q.w, http.StatusOK, joinJSON("flavors", items, next))
}

// showFlavor is GET /flavors/{id}.
func (s *Server) showFlavor(q *request) {
	id := q.r.PathValue("id")
	for _, f := range s.flavors {
		if f.ID == id {
			if q.fault == FaultEmptyObject {
				writeBytes(q.w, http.StatusOK, []byte(`{}`))
				return
			}
			writeJSON(q.w, http.StatusOK, map[string]any{"flavor": s.flavorJSON(f, q.base)})
			return
		}
	}
	writeFault(q.w, http.StatusNotFound, "itemNotFound", fmt.Sprintf("Flavor %s could not be found.", id))
}
