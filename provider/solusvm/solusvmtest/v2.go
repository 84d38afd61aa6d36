package solusvmtest

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// v2Handler is a SolusVM 2 route; the fault has been taken already.
type v2Handler func(w http.ResponseWriter, r *http.Request, f Fault)

// faultKey carries the request's fault from dispatch, through the
// ServeMux (which fills in the path values), to the route.
type faultKey struct{}

// ServeHTTP calls the route with the fault dispatch put in the context.
func (h v2Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f, _ := r.Context().Value(faultKey{}).(Fault)
	h(w, r, f)
}

func (s *Server) routesV2() {
	s.mux.Handle("GET /api/v1/servers", v2Handler(s.v2ListServers))
	s.mux.Handle("GET /api/v1/servers/{id}", v2Handler(s.v2GetServer))
	s.mux.Handle("POST /api/v1/servers", v2Handler(s.v2CreateServer))
	s.mux.Handle("DELETE /api/v1/servers/{id}", v2Handler(s.v2DeleteServer))
	s.mux.Handle("POST /api/v1/servers/{id}/suspend", v2Handler(s.v2Suspend(true)))
	s.mux.Handle("POST /api/v1/servers/{id}/resume", v2Handler(s.v2Suspend(false)))
	s.mux.Handle("GET /api/v1/plans", v2Handler(s.v2ListPlans))
	s.mux.Handle("GET /api/v1/users", v2Handler(s.v2ListUsers))
	s.mux.Handle("POST /api/v1/users", v2Handler(s.v2CreateUser))
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write(b)
}

func notFound(w http.ResponseWriter) {
	writeJSON(w, http.StatusNotFound, map[string]any{"message": "No query results for model [App\\Models\\Server]."})
}

func invalid(w http.ResponseWriter, field, msg string) {
	writeJSON(w, http.StatusUnprocessableEntity, map[string]any{
		"message": "The given data was invalid.",
		"errors":  map[string][]string{field: {msg}},
	})
}

// page writes one page of a list of n items in Laravel's envelope, as a
// paginated API resource renders it: data, links (first, last, prev,
// next) and meta (current_page, from, last_page, path, per_page, to,
// total; from and to are null on an empty page). render(i) renders item
// i, and is called only for the page's items. The page size is
// Options.PageSize: the fake, like the public clients of SolusVM 2, knows
// no parameter that changes it.
func (s *Server) page(w http.ResponseWriter, r *http.Request, path string, n int, render func(i int) any, f Fault) {
	size := s.opts.PageSize
	last := max(1, (n+size-1)/size)
	p, err := strconv.Atoi(r.URL.Query().Get("page"))
	if err != nil || p < 1 {
		p = 1
	}
	if f == FaultPageLoop {
		p, last = 1, max(last, 2)
	}
	first, end := min((p-1)*size, n), min(p*size, n)
	items := make([]any, 0, max(0, end-first))
	for i := first; i < end; i++ {
		items = append(items, render(i))
	}
	pageURL := func(k int) any { return path + "?page=" + strconv.Itoa(k) }
	var prev, next, from, to any
	if p > 1 {
		prev = pageURL(p - 1)
	}
	if p < last {
		next = pageURL(p + 1)
	}
	if len(items) > 0 {
		from, to = first+1, end
	}
	env := map[string]any{
		"data":  items,
		"links": map[string]any{"first": pageURL(1), "last": pageURL(last), "prev": prev, "next": next},
		"meta": map[string]any{
			"current_page": p, "from": from, "last_page": last, "path": path,
			"per_page": size, "to": to, "total": n,
		},
	}
	switch f {
	case FaultWrongShape:
		delete(env, "data")
	case FaultNullList:
		env["data"] = nil
	case FaultWrongType:
		env["data"] = map[string]any{}
	}
	writeJSON(w, http.StatusOK, env)
}

// v2Server renders a server as the SolusVM 2 API does; s.mu is held.
func (s *Server) v2Server(v *vserver, malformed bool) map[string]any {
	var v4 []map[string]any
	var v6 any
	for i, ip := range v.ips {
		if strings.Contains(ip, ":") {
			if v6 == nil {
				v6 = map[string]any{"primary_ip": ip}
			}
			continue
		}
		v4 = append(v4, map[string]any{"id": v.id*100 + int64(i), "ip": ip})
	}
	if v4 == nil {
		v4 = []map[string]any{}
	}
	addrs := map[string]any{"ipv4": v4}
	if v6 != nil {
		addrs["ipv6"] = v6
	}
	created := v.created.UTC().Format("2006-01-02T15:04:05.000000Z")
	if malformed {
		created = v.created.UTC().Format("02/01/2006 15:04")
	}
	status := "started"
	if v.offline {
		status = "stopped"
	}
	out := map[string]any{
		"id": v.id, "uuid": v.uuid, "name": v.hostname, "description": "", "status": status,
		"virtualization_type": strings.ReplaceAll(v.node.vtype, " ", ""), "is_suspended": v.suspended,
		"is_processing": false, "created_at": created, "fqdns": []string{v.hostname},
		"location":     map[string]any{"id": 1, "name": "Fake DC"},
		"ip_addresses": addrs, "plan": nil, "user": nil,
	}
	if p, ok := s.planByName(v.plan); ok && v.plan != "" {
		out["plan"] = map[string]any{"id": p.id, "name": p.name}
	}
	if c := s.clientByID(v.clientID); c != nil {
		out["user"] = map[string]any{"id": c.id, "email": c.email, "status": "active"}
	}
	return out
}

func (s *Server) v2ListServers(w http.ResponseWriter, r *http.Request, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.page(w, r, "/api/v1/servers", len(s.servers), func(i int) any {
		return s.v2Server(s.servers[i], f == FaultMalformed && i == 0)
	}, f)
}

func (s *Server) lookup(r *http.Request) *vserver {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return nil
	}
	return s.byID[id]
}

func (s *Server) v2GetServer(w http.ResponseWriter, r *http.Request, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.lookup(r)
	if v == nil {
		notFound(w)
		return
	}
	var data any = s.v2Server(v, false)
	switch f {
	case FaultWrongShape:
		writeJSON(w, http.StatusOK, map[string]any{})
		return
	case FaultNullList:
		data = nil
	case FaultWrongType:
		data = []any{data}
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": data})
}

// task is the body of an asynchronous action's answer.
func (s *Server) task(action string, v *vserver) map[string]any {
	s.nextTask++
	return map[string]any{"data": map[string]any{
		"id": s.nextTask, "action": action, "status": "queued", "progress": 0,
		"compute_resource_vm_id": v.id, "output": "",
	}}
}

func (s *Server) v2DeleteServer(w http.ResponseWriter, r *http.Request, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.lookup(r)
	if v == nil {
		notFound(w)
		return
	}
	s.remove(v.id)
	writeJSON(w, http.StatusOK, s.task("vm-delete", v))
}

func (s *Server) v2Suspend(suspend bool) v2Handler {
	return func(w http.ResponseWriter, r *http.Request, f Fault) {
		s.mu.Lock()
		defer s.mu.Unlock()
		v := s.lookup(r)
		if v == nil {
			notFound(w)
			return
		}
		v.suspended = suspend
		action := "vm-resume"
		if suspend {
			action = "vm-suspend"
		}
		writeJSON(w, http.StatusOK, s.task(action, v))
	}
}

func (s *Server) v2ListPlans(w http.ResponseWriter, r *http.Request, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.page(w, r, "/api/v1/plans", len(s.plans), func(i int) any {
		p := s.plans[i]
		return map[string]any{
			"id": p.id, "name": p.name, "params": map[string]any{"disk": 10 * p.id, "ram": 1073741824 * p.id, "vcpu": p.id},
			"is_default": p.id == 1, "is_visible": true,
		}
	}, f)
}

func (s *Server) v2User(c *client) map[string]any {
	return map[string]any{"id": c.id, "email": c.email, "status": "active", "created_at": "2024-01-02T00:00:00.000000Z"}
}

// v2ListUsers honours filter[search] as a substring of the e-mail.
func (s *Server) v2ListUsers(w http.ResponseWriter, r *http.Request, f Fault) {
	search := strings.ToLower(r.URL.Query().Get("filter[search]"))
	s.mu.Lock()
	defer s.mu.Unlock()
	var match []*client
	for _, c := range s.clients {
		if search == "" || strings.Contains(strings.ToLower(c.email), search) {
			match = append(match, c)
		}
	}
	s.page(w, r, "/api/v1/users", len(match), func(i int) any { return s.v2User(match[i]) }, f)
}

func (s *Server) v2CreateUser(w http.ResponseWriter, r *http.Request, f Fault) {
	var in struct {
		Email    string `json:"email"`
		Password string `json:"password"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"message": "Malformed JSON."})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case !strings.Contains(in.Email, "@"):
		invalid(w, "email", "The email must be a valid email address.")
		return
	case in.Password == "":
		invalid(w, "password", "The password field is required.")
		return
	}
	for _, c := range s.clients {
		if strings.EqualFold(c.email, in.Email) {
			invalid(w, "email", "The email has already been taken.")
			return
		}
	}
	c := &client{id: s.nextClient, email: in.Email, password: in.Password}
	c.username = "vmuser" + strconv.FormatInt(c.id, 10)
	s.nextClient++
	s.clients = append(s.clients, c)
	writeJSON(w, http.StatusCreated, map[string]any{"data": s.v2User(c)})
}

// v2CreateServer implements POST /servers: name (unique), plan, location,
// os or application, user, password.
func (s *Server) v2CreateServer(w http.ResponseWriter, r *http.Request, f Fault) {
	var in struct {
		Name        string   `json:"name"`
		FQDNs       []string `json:"fqdns"`
		Plan        int64    `json:"plan"`
		Location    int64    `json:"location"`
		OS          int64    `json:"os"`
		Application int64    `json:"application"`
		User        int64    `json:"user"`
		Password    string   `json:"password"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"message": "Malformed JSON."})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var pl *plan
	for i := range s.plans {
		if s.plans[i].id == in.Plan {
			pl = &s.plans[i]
		}
	}
	c := s.clientByID(in.User)
	switch {
	case strings.TrimSpace(in.Name) == "":
		invalid(w, "name", "The name field is required.")
		return
	case pl == nil:
		invalid(w, "plan", "The selected plan is invalid.")
		return
	case in.Location != 1:
		invalid(w, "location", "The selected location is invalid.")
		return
	case in.OS <= 0 && in.Application <= 0:
		invalid(w, "os", "The os field is required when application is not present.")
		return
	case c == nil:
		invalid(w, "user", "The selected user is invalid.")
		return
	}
	for _, v := range s.servers {
		if strings.EqualFold(v.hostname, in.Name) {
			invalid(w, "name", "The name has already been taken.")
			return
		}
	}
	nodes := s.nodesOf("kvm")
	v := &vserver{id: s.nextServer, node: nodes[int(s.nextServer)%len(nodes)], clientID: c.id, hostname: in.Name,
		plan: pl.name, template: "os-" + strconv.FormatInt(in.OS, 10), ips: s.allocIPs(1),
		created: s.opts.Now().UTC().Truncate(time.Microsecond), uuid: fakeUUID(s.nextServer)}
	s.nextServer++
	s.insert(v)
	writeJSON(w, http.StatusCreated, map[string]any{"data": s.v2Server(v, false)})
}
