package solusvmtest

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"html"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// kv is one field of a SolusVM 1 answer, in order.
type kv struct{ k, v string }

// raw is a field's value as written, replacing its string (for the
// listing-shape faults): JSON and XML text.
type raw struct{ json, xml string }

// v1Answer is a SolusVM 1 answer: status fields, scalars, and at most one
// list of records.
type v1Answer struct {
	fields   []kv
	list     string // "virtualservers", "clients"
	item     string // "virtualserver", "client"
	items    [][]kv
	rooted   bool // a rooted XML document with a declaration and no status
	bareText string
	// listJSON and listXML, when set, replace the list's items: a raw
	// JSON value and XML text, for the listing-shape faults.
	listJSON, listXML string
	// raw replaces fields' values, by name.
	raw map[string]raw
}

func success(msg string, fields ...kv) v1Answer {
	return v1Answer{fields: append([]kv{{"status", "success"}, {"statusmsg", msg}}, fields...)}
}

func failure(msg string) v1Answer {
	return v1Answer{fields: []kv{{"status", "error"}, {"statusmsg", msg}}}
}

// write encodes the answer as JSON (every value a string) or as the XML
// fragment SolusVM sends without rdtype=json.
func (a v1Answer) write(w http.ResponseWriter, asJSON bool) {
	var b bytes.Buffer
	switch {
	case a.bareText != "":
		w.Header().Set("Content-Type", "text/html; charset=UTF-8")
		b.WriteString(a.bareText)
	case asJSON:
		w.Header().Set("Content-Type", "application/json")
		if a.rooted {
			// JSON answers always carry a status.
			a.fields = success("").fields
		}
		b.WriteByte('{')
		for i, f := range a.fields {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSONPair(&b, f, a.raw[f.k])
		}
		if a.list != "" {
			if len(a.fields) > 0 {
				b.WriteByte(',')
			}
			writeJSONString(&b, a.list)
			b.WriteByte(':')
		}
		switch {
		case a.list == "":
		case a.listJSON != "":
			b.WriteString(a.listJSON)
		default:
			b.WriteByte('[')
			for i, it := range a.items {
				if i > 0 {
					b.WriteByte(',')
				}
				b.WriteByte('{')
				for j, f := range it {
					if j > 0 {
						b.WriteByte(',')
					}
					writeJSONPair(&b, f, raw{})
				}
				b.WriteByte('}')
			}
			b.WriteByte(']')
		}
		b.WriteByte('}')
	default:
		w.Header().Set("Content-Type", "text/html; charset=UTF-8")
		if a.rooted {
			b.WriteString("<?xml version='1.0'?>\n")
		}
		for _, f := range a.fields {
			writeXMLElem(&b, f, a.raw[f.k])
			b.WriteByte('\n')
		}
		switch {
		case a.list == "":
		case a.listXML != "":
			b.WriteString("<" + a.list + ">" + a.listXML + "</" + a.list + ">\n")
		default:
			b.WriteString("<" + a.list + ">\n")
			for _, it := range a.items {
				b.WriteString("  <" + a.item + ">")
				for _, f := range it {
					writeXMLElem(&b, f, raw{})
				}
				b.WriteString("</" + a.item + ">\n")
			}
			b.WriteString("</" + a.list + ">\n")
		}
	}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b.Bytes())
}

func writeJSONString(b *bytes.Buffer, s string) {
	enc, _ := json.Marshal(s)
	b.Write(enc)
}

func writeJSONPair(b *bytes.Buffer, f kv, r raw) {
	writeJSONString(b, f.k)
	b.WriteByte(':')
	if r.json != "" {
		b.WriteString(r.json)
		return
	}
	writeJSONString(b, f.v)
}

func writeXMLElem(b *bytes.Buffer, f kv, r raw) {
	b.WriteString("<" + f.k + ">")
	if r.xml != "" {
		b.WriteString(r.xml)
	} else {
		_ = xml.EscapeText(b, []byte(f.v))
	}
	b.WriteString("</" + f.k + ">")
}

// shapeKeys are the values the listing-shape faults spoil, per action:
// what each call exists to answer.
var shapeKeys = map[string]string{
	"node-idlist":         "nodes",
	"listplans":           "plans",
	"client-list":         "clients",
	"node-virtualservers": "virtualservers",
	"vserver-infoall":     "state",
	"vserver-status":      "statusmsg",
}

// reshape applies a listing-shape fault to an answer: the value the
// action exists for is left out, made null, or given another type.
func reshape(action string, a v1Answer, f Fault) v1Answer {
	key, ok := shapeKeys[action]
	if !ok || a.bareText != "" || a.status() != "success" {
		return a
	}
	if key == a.list {
		switch f {
		case FaultWrongShape:
			a.list, a.items = "", nil
			if a.rooted {
				// A rooted document without its list is an empty
				// document; in JSON, a status and nothing else.
				a = success("")
			}
		case FaultNullList:
			a.listJSON, a.listXML = "null", "null"
		case FaultWrongType:
			a.listJSON, a.listXML = `"none"`, "none"
		}
		return a
	}
	for i, fld := range a.fields {
		if fld.k != key {
			continue
		}
		switch f {
		case FaultWrongShape:
			if key == "statusmsg" {
				a.fields[i].v = ""
			} else {
				a.fields = append(a.fields[:i:i], a.fields[i+1:]...)
			}
		case FaultNullList:
			a.raw = map[string]raw{key: {"null", "null"}}
		case FaultWrongType:
			js, _ := json.Marshal(strings.Split(fld.v, ","))
			a.raw = map[string]raw{key: {string(js), "<item>" + html.EscapeString(fld.v) + "</item>"}}
		}
		return a
	}
	return a
}

// status is the answer's status field.
func (a v1Answer) status() string {
	for _, f := range a.fields {
		if f.k == "status" {
			return f.v
		}
	}
	if a.rooted {
		return "success"
	}
	return ""
}

// serveV1 answers /api/admin/command.php. Credentials are checked first,
// as SolusVM does: a wrong id or key gets the bare line "Invalid id or key"
// with HTTP 200.
func (s *Server) serveV1(w http.ResponseWriter, r *http.Request, f Fault) {
	p := r.Form
	asJSON := p.Get("rdtype") == "json" && !s.opts.XMLOnly
	if p.Get("id") != s.opts.APIID || p.Get("key") != s.opts.APIKey {
		v1Answer{bareText: "Invalid id or key"}.write(w, asJSON)
		return
	}
	s.mu.Lock()
	a := s.v1Action(p.Get("action"), p.Get, f)
	s.mu.Unlock()
	if isShapeFault(f) {
		a = reshape(p.Get("action"), a, f)
	}
	a.write(w, asJSON)
}

// v1Action runs one action; s.mu is held.
func (s *Server) v1Action(action string, p func(string) string, f Fault) v1Answer {
	switch action {
	case "node-idlist":
		vt := p("type")
		if !slices.Contains(virtTypes, vt) {
			return failure("Invalid type")
		}
		var ids []string
		for _, n := range s.nodesOf(vt) {
			ids = append(ids, strconv.Itoa(n.id))
		}
		return success("", kv{"nodes", strings.Join(ids, ",")})
	case "listnodegroups":
		return success("", kv{"nodegroups", "0|--none--,1|Default"})
	case "listplans":
		if !slices.Contains(virtTypes, p("type")) {
			return failure("Invalid type")
		}
		names := make([]string, 0, len(s.plans))
		for _, pl := range s.plans {
			names = append(names, pl.name)
		}
		return success("", kv{"plans", strings.Join(names, ",")})
	case "node-virtualservers":
		return s.v1NodeServers(p("nodeid"), f)
	case "client-list":
		a := success("")
		a.list, a.item = "clients", "client"
		for _, c := range s.clients {
			a.items = append(a.items, []kv{{"id", strconv.FormatInt(c.id, 10)}, {"username", c.username},
				{"email", c.email}, {"firstname", ""}, {"lastname", ""}, {"company", ""}, {"level", "Client"},
				{"status", "Active"}, {"created", "2024-01-02"}, {"lastlogin", "never"}})
		}
		return a
	case "client-create":
		if p("username") == "" || p("password") == "" || p("email") == "" {
			return failure("Missing required fields")
		}
		for _, c := range s.clients {
			if strings.EqualFold(c.username, p("username")) {
				return failure("Client already exists")
			}
		}
		c := s.clientFor(p("username"), p("email"), p("password"))
		return success("Client created", kv{"username", c.username}, kv{"password", p("password")})
	case "vserver-create":
		return s.v1Create(p)
	case "vserver-infoall":
		v, bad := s.v1Server(p("vserverid"))
		if bad != nil {
			return *bad
		}
		state := "online"
		switch {
		case v.suspended:
			state = "disabled"
		case v.offline:
			state = "offline"
		}
		main := ""
		if len(v.ips) > 0 {
			main = v.ips[0]
		}
		return success("", kv{"state", state}, kv{"ipaddresses", strings.Join(v.ips, ",")}, kv{"mainipaddress", main},
			kv{"type", strings.ReplaceAll(v.node.vtype, " ", "")}, kv{"node", v.node.name},
			kv{"hdd", "10737418240,2147483648,8589934592,20"}, kv{"bandwidth", "1073741824000,0,1073741824000,0"},
			kv{"memory", "1073741824,0,1073741824,0"}, kv{"internalips", ""})
	case "vserver-status":
		v, bad := s.v1Server(p("vserverid"))
		if bad != nil {
			return *bad
		}
		switch {
		case v.suspended:
			return success("disabled")
		case v.offline:
			return success("offline")
		}
		return success("online")
	case "vserver-checkexists":
		if _, bad := s.v1Server(p("vserverid")); bad != nil {
			return *bad
		}
		return success("Virtual server exists")
	case "vserver-suspend", "vserver-unsuspend":
		v, bad := s.v1Server(p("vserverid"))
		if bad != nil {
			return *bad
		}
		v.suspended = action == "vserver-suspend"
		if v.suspended {
			return success("Virtual server suspended")
		}
		return success("Virtual server unsuspended")
	case "vserver-terminate":
		v, bad := s.v1Server(p("vserverid"))
		if bad != nil {
			return *bad
		}
		s.remove(v.id)
		if p("deleteclient") == "true" {
			s.deleteClientIfIdle(v.clientID)
		}
		return success("Virtual server terminated")
	}
	return failure("Invalid action")
}

func (s *Server) deleteClientIfIdle(id int64) {
	for _, v := range s.servers {
		if v.clientID == id {
			return
		}
	}
	s.clients = slices.DeleteFunc(s.clients, func(c *client) bool { return c.id == id })
}

func (s *Server) v1Server(id string) (*vserver, *v1Answer) {
	n, err := strconv.ParseInt(id, 10, 64)
	if v := s.byID[n]; err == nil && v != nil {
		return v, nil
	}
	a := failure("Virtual server not found")
	return nil, &a
}

// v1NodeServers lists one node. OpenVZ nodes answer (in XML) with a rooted
// document, declaration included and no status, as real masters do.
func (s *Server) v1NodeServers(nodeID string, f Fault) v1Answer {
	var n *node
	for _, x := range s.nodes {
		if strconv.Itoa(x.id) == nodeID {
			n = x
		}
	}
	if n == nil {
		return v1Answer{bareText: "Node not found"}
	}
	if f == FaultNodeDown && n == s.nodes[len(s.nodes)-1] {
		return failure("Unable to connect to node")
	}
	var a v1Answer
	if n.vtype == "openvz" {
		a.rooted = true
	} else {
		a = success("")
	}
	a.list, a.item = "virtualservers", "virtualserver"
	malformed := f == FaultMalformed
	for _, v := range s.servers {
		if v.node != n {
			continue
		}
		id := strconv.FormatInt(v.id, 10)
		if malformed {
			id, malformed = "vs-"+id, false
		}
		main := ""
		if len(v.ips) > 0 {
			main = v.ips[0]
		}
		ctid := strconv.FormatInt(100+v.id, 10)
		if n.vtype != "openvz" {
			ctid = "kvm" + ctid
		}
		a.items = append(a.items, []kv{{"vserverid", id}, {"ctid-xid", ctid},
			{"clientid", strconv.FormatInt(v.clientID, 10)}, {"ipaddress", main}, {"hostname", v.hostname},
			{"template", v.template}, {"hdd", "10737418240"}, {"memory", "1073741824"}, {"swap-burst", "0"},
			{"type", strings.ReplaceAll(n.vtype, " ", "")}, {"mac", "52:54:00:00:" + strconv.Itoa(int(v.id%90)+10) + ":01"}})
	}
	return a
}

// v1Create implements vserver-create: type, node or nodegroup, hostname,
// password, username (an existing client), plan, template, ips.
func (s *Server) v1Create(p func(string) string) v1Answer {
	vt := p("type")
	if !slices.Contains(virtTypes, vt) {
		return failure("Invalid Virtual Server type")
	}
	var c *client
	for _, x := range s.clients {
		if strings.EqualFold(x.username, p("username")) {
			c = x
		}
	}
	switch {
	case c == nil:
		return failure("Client not found")
	case strings.TrimSpace(p("hostname")) == "":
		return failure("Hostname not specified")
	case p("password") == "":
		return failure("Password not specified")
	case p("template") == "":
		return failure("Template not found")
	}
	if _, ok := s.planByName(p("plan")); !ok {
		return failure("Plan not found")
	}
	var n *node
	candidates := s.nodesOf(vt)
	switch {
	case p("node") != "":
		for _, x := range candidates {
			if x.name == p("node") || strconv.Itoa(x.id) == p("node") {
				n = x
			}
		}
	case p("nodegroup") == "1" || strings.EqualFold(p("nodegroup"), "Default"):
		// The least loaded node of the group.
		best := -1
		for _, x := range candidates {
			load := 0
			for _, v := range s.servers {
				if v.node == x {
					load++
				}
			}
			if best < 0 || load < best {
				n, best = x, load
			}
		}
	default:
		return failure("Node or node group not specified")
	}
	if n == nil {
		return failure("Node not found")
	}
	count := 1
	if k, err := strconv.Atoi(p("ips")); err == nil && k > 0 && k <= 16 {
		count = k
	}
	v := &vserver{id: s.nextServer, node: n, clientID: c.id, hostname: p("hostname"), plan: p("plan"),
		template: p("template"), ips: s.allocIPs(count), created: s.opts.Now().UTC(), uuid: fakeUUID(s.nextServer)}
	s.nextServer++
	s.insert(v)
	return success("Virtual server created",
		kv{"mainipaddress", v.ips[0]}, kv{"extraipaddress", strings.Join(v.ips[1:], ",")},
		kv{"rootpassword", p("password")}, kv{"vserverid", strconv.FormatInt(v.id, 10)},
		kv{"consoleuser", "console-" + strconv.FormatInt(v.id, 10)}, kv{"consolepassword", p("password")},
		kv{"hostname", v.hostname}, kv{"virtid", "kvm" + strconv.FormatInt(100+v.id, 10)},
		kv{"nodeid", strconv.Itoa(n.id)})
}
