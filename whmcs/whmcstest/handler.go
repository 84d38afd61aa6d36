package whmcstest

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
)

// errResult is an action's failure, answered with HTTP 200.
func errResult(message string) obj { return obj{"result": "error", "message": message} }

// md5Hex matches what the legacy login accepts as a password hash.
var md5Hex = regexp.MustCompile(`^[0-9a-fA-F]{32}$`)

// serveHTTP records the request, applies latency and faults, checks access
// control, credentials and the API role in WHMCS's order, and dispatches
// to the action.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/includes/api.php" {
		w.Header().Set("Content-Type", "text/html; charset=UTF-8")
		w.WriteHeader(http.StatusNotFound)
		w.Write([]byte("<!DOCTYPE html><html><head><title>Oops! Something went wrong!</title></head><body><h1>Page Not Found</h1></body></html>\n"))
		return
	}
	// The action names the request in the log and the fault schedule;
	// the body is read for it and put back for ParseForm.
	body, _ := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	r.Body = io.NopCloser(bytes.NewReader(body))
	posted, _ := url.ParseQuery(string(body))
	raw := posted.Get("action")
	if raw == "" {
		raw = r.URL.Query().Get("action")
	}
	action := strings.ToLower(strings.TrimSpace(raw))
	s.faults.Record(action, r)
	n := s.faults.Calls(action)
	fault := s.faults.Take(action, applies)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "whmcstest: unreadable form: "+err.Error(), http.StatusBadRequest)
		return
	}
	f := parseForm(r.URL.Query(), r.PostForm)
	if !wait(r.Context(), s.opts.Latency) {
		return
	}
	if fault == FaultSlow {
		if !wait(r.Context(), s.opts.SlowDelay) {
			return
		}
		fault = FaultNone
	}
	if s.faults.Redirect(w, fault) || s.network(w, fault) {
		return
	}
	// Until ActionResponseFormat has run, errors come in the format as
	// sent: only an exact "json" or "xml" gets one of those.
	format := f.get("responsetype")
	if fault == FaultUnauthorized {
		s.answer(w, http.StatusForbidden, format, action, errResult("Authentication Failed"))
		return
	}
	device, msg := s.authenticate(r, f)
	if msg != "" {
		s.answer(w, http.StatusForbidden, format, action, errResult(msg))
		return
	}
	if action == "" {
		s.answer(w, http.StatusBadRequest, format, action, errResult("Empty action request"))
		return
	}
	handler, known := actions[action]
	if device && !s.roleAllows(action) {
		if !known {
			s.answer(w, http.StatusForbidden, format, action, errResult(`Invalid API Action: "`+action+`" is not a valid API action`))
		} else {
			s.answer(w, http.StatusForbidden, format, action, errResult(`Invalid Permissions: API action "`+action+`" is not allowed`))
		}
		return
	}
	format = strings.ToLower(format)
	switch {
	case format == "":
		format = "nvp"
		if listActions[action] {
			format = "xml"
		}
	case format != "json" && format != "xml" && format != "nvp":
		s.answer(w, http.StatusOK, "nvp", action, errResult(`Unsupported API response type format "`+format+`". Supported formats include: json, xml, nvp`))
		return
	case format == "nvp" && listActions[action]:
		s.answer(w, http.StatusOK, format, action, errResult("This API action only supports the XML or JSON response type formats"))
		return
	}
	if !known {
		s.answer(w, http.StatusOK, format, action, errResult("Command Not Found"))
		return
	}
	s.mu.Lock()
	failMsg, failing := s.failCalls[action][n]
	drop := s.drops[action][n]
	hooks := slices.Clone(s.hooks[action])
	s.mu.Unlock()
	for _, h := range hooks {
		h(n)
	}
	if fault == FaultAPIError {
		s.answer(w, http.StatusOK, format, action, errResult("An unexpected error occurred. Please check the system activity log for more details."))
		return
	}
	if failing {
		s.answer(w, http.StatusOK, format, action, errResult(failMsg))
		return
	}
	s.mu.Lock()
	res := handler(s, &call{form: f, action: action})
	s.mu.Unlock()
	if drop {
		hangUp(w)
		return
	}
	switch fault {
	case FaultWrongShape:
		res = obj{"result": "success"}
	case FaultNullList, FaultWrongType:
		for _, k := range []string{"products", "clients", "users", "servers"} {
			if _, ok := res[k]; ok || k == listKey[action] {
				res[k] = nil
				if fault == FaultWrongType {
					res[k] = "whmcstest"
				}
			}
		}
	case FaultNVP:
		format = "nvp"
	}
	s.answer(w, http.StatusOK, format, action, res)
}

// call is one dispatched action.
type call struct {
	form   form
	action string
}

// listKey is the member that holds each list action's records.
var listKey = map[string]string{"getclientsproducts": "products", "getclients": "clients", "getproducts": "products",
	"getusers": "users", "getservers": "servers"}

func (s *Server) answer(w http.ResponseWriter, status int, format, action string, res obj) {
	switch format {
	case "json":
		writeJSON(w, status, res)
	case "xml":
		writeXML(w, status, action, res)
	default:
		writeNVP(w, status, res)
	}
}

// authenticate applies access control and checks the credentials, in the
// order WHMCS does, and returns whether API credentials (not the legacy
// admin login) were used, or the error message.
func (s *Server) authenticate(r *http.Request, f form) (device bool, msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ip, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		ip = r.RemoteAddr
	}
	if s.banned {
		return false, "IP Banned"
	}
	if key := f.get("accesskey"); s.opts.AccessKey != "" && key != "" {
		if key != s.opts.AccessKey {
			return false, "Invalid Access Key"
		}
	} else if !slices.Contains(s.allowed, ip) {
		return false, "Invalid IP " + ip
	}
	if id := f.get("identifier"); id != "" {
		return true, s.checkDevice(id, f.get("secret"))
	}
	user, pass := f.get("username"), f.get("password")
	if user == s.opts.Identifier {
		return true, s.checkDevice(user, pass)
	}
	if user == "" || pass == "" {
		return false, "Invalid or missing credentials"
	}
	if user != s.opts.AdminUsername {
		s.failedLogin()
		return false, "Authentication Failed"
	}
	if !md5Hex.MatchString(pass) {
		return false, "Invalid password provided"
	}
	if !strings.EqualFold(pass, PasswordHash(s.opts.AdminPassword)) {
		s.failedLogin()
		return false, "Authentication Failed"
	}
	return false, ""
}

func (s *Server) checkDevice(id, secret string) string {
	if id == "" || secret == "" || id != s.opts.Identifier {
		return "Invalid or missing credentials"
	}
	if secret != s.opts.Secret {
		s.failedLogin()
		return "Authentication Failed"
	}
	return ""
}

func (s *Server) failedLogin() {
	s.failed++
	if s.opts.BanAfter > 0 && s.failed >= s.opts.BanAfter {
		s.banned = true
	}
}

func (s *Server) roleAllows(action string) bool {
	if _, known := actions[action]; !known {
		return false
	}
	if s.opts.AllowedActions == nil {
		return true
	}
	return slices.ContainsFunc(s.opts.AllowedActions, func(a string) bool { return strings.EqualFold(a, action) })
}

// hangUp closes the connection without an answer.
func hangUp(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}

// wait sleeps for d, or until ctx ends; it reports whether d passed.
func wait(ctx context.Context, d time.Duration) bool {
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
