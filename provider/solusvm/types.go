package solusvm

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"
)

// ---- SolusVM 1 ----

// v1Reply is any answer of the SolusVM 1 admin API, whichever action was
// called: each action fills the fields it has. It decodes from JSON
// (rdtype=json) and from the XML the API sends by default: a fragment of
// sibling elements without a root, or a rooted document (node listings on
// some masters), either one with or without an XML declaration.
//
// The fields a listing depends on (nodes, plans, state, and the two
// lists) record whether the answer carried them at all, so that an answer
// of the wrong shape is an error rather than an empty list.
type v1Reply struct {
	Status    flexString `json:"status" xml:"status"`
	StatusMsg flexString `json:"statusmsg" xml:"statusmsg"`

	Nodes      v1Field    `json:"nodes" xml:"nodes"`         // node-idlist: "1,2,3"
	Plans      v1Field    `json:"plans" xml:"plans"`         // listplans: "a,b,c"
	VServerID  flexString `json:"vserverid" xml:"vserverid"` // vserver-create
	Hostname   flexString `json:"hostname" xml:"hostname"`   // vserver-create
	MainIP     flexString `json:"mainipaddress" xml:"mainipaddress"`
	ExtraIP    flexString `json:"extraipaddress" xml:"extraipaddress"`
	NodeID     flexString `json:"nodeid" xml:"nodeid"`
	VirtID     flexString `json:"virtid" xml:"virtid"`
	State      v1Field    `json:"state" xml:"state"` // vserver-infoall: online, offline, disabled
	IPs        flexString `json:"ipaddresses" xml:"ipaddresses"`
	Node       flexString `json:"node" xml:"node"` // vserver-infoall: the node's name
	Type       flexString `json:"type" xml:"type"`
	InternalIP flexString `json:"internalips" xml:"internalips"`

	VirtualServers v1List[v1VServer] `json:"virtualservers" xml:"virtualservers"`
	Clients        v1List[v1Client]  `json:"clients" xml:"clients"`
}

// v1VServer is one entry of node-virtualservers. Every value is a string on
// the wire, numbers included. The entry has no state, plan, owner e-mail
// or creation time (see doc.go for the sources of this field list).
type v1VServer struct {
	VServerID flexString `json:"vserverid" xml:"vserverid"`
	CTIDXID   flexString `json:"ctid-xid" xml:"ctid-xid"`
	ClientID  flexString `json:"clientid" xml:"clientid"`
	IPAddress flexString `json:"ipaddress" xml:"ipaddress"`
	Hostname  flexString `json:"hostname" xml:"hostname"`
	Template  flexString `json:"template" xml:"template"`
	Type      flexString `json:"type" xml:"type"`
}

// itemName is the element name of one entry in the XML list.
func (v1VServer) itemName() string { return "virtualserver" }

// v1Client is one entry of client-list.
type v1Client struct {
	ID       flexString `json:"id" xml:"id"`
	Username flexString `json:"username" xml:"username"`
	Email    flexString `json:"email" xml:"email"`
	Status   flexString `json:"status" xml:"status"`
}

// itemName is the element name of one entry in the XML list.
func (v1Client) itemName() string { return "client" }

// flexString is a scalar SolusVM sends as a string, or sometimes as a
// number, a boolean, null, or {} (an empty XML element converted to JSON).
// In XML it is the element's text.
type flexString string

func (f flexString) String() string { return strings.TrimSpace(string(f)) }

// UnmarshalJSON accepts a string, a number, a boolean, null, or an empty
// object or array.
func (f *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || string(b) == "null":
		*f = ""
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
	case b[0] == '{' || b[0] == '[':
		var v any
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		switch x := v.(type) {
		case map[string]any:
			if len(x) != 0 {
				return fmt.Errorf("want a string, got an object")
			}
		case []any:
			if len(x) != 0 {
				return fmt.Errorf("want a string, got a list")
			}
		}
		*f = ""
	default: // number or boolean, kept as written
		*f = flexString(b)
	}
	return nil
}

// v1Field is a scalar whose absence means the answer is not what the
// action returns: a node-idlist without "nodes" says nothing about the
// nodes, while "nodes":"" says there are none.
type v1Field struct {
	val     flexString
	present bool
	bad     string // what came instead of a scalar; "" when it was one
}

func (f v1Field) String() string { return f.val.String() }

// problem says why the answer's field cannot be used, or "" when it can.
func (f v1Field) problem() string {
	if !f.present {
		return "missing"
	}
	return f.bad
}

// UnmarshalJSON records the field as present and null as a problem. A
// list or an object where the scalar belongs fails the decoding.
func (f *v1Field) UnmarshalJSON(b []byte) error {
	f.present = true
	if string(bytes.TrimSpace(b)) == "null" {
		f.bad = "null"
		return nil
	}
	return f.val.UnmarshalJSON(b)
}

// UnmarshalXML records the element as present and reads its text; an
// element inside it is recorded as a problem.
func (f *v1Field) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	f.present = true
	var text strings.Builder
	for {
		tok, err := d.Token()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if f.bad == "" {
				f.bad = "an element <" + t.Name.Local + ">"
			}
			if err := d.Skip(); err != nil {
				return err
			}
		case xml.CharData:
			text.Write(t)
		case xml.EndElement:
			f.val = flexString(text.String())
			if f.val.String() == "null" && f.bad == "" {
				// XML has no null; a master never writes the word
				// where a value belongs.
				f.bad = "null"
			}
			return nil
		}
	}
}

// v1List is a list of records in a SolusVM 1 answer: "virtualservers" or
// "clients". In JSON it is an array; the converted-XML shapes SolusVM also
// produces are read too: one record as an object, the records wrapped
// under their element name, and an empty element ({} or ""). In XML it is
// the list element holding one element per record. A list that is absent,
// null, or of another type is recorded as a problem, never as empty.
type v1List[T interface{ itemName() string }] struct {
	items   []T
	present bool
	bad     string // what came instead of a list; "" when it was one
}

// problem says why the answer's list cannot be used, or "" when it can.
func (l v1List[T]) problem() string {
	switch {
	case !l.present:
		return "missing"
	case l.bad != "":
		return l.bad
	}
	return ""
}

// UnmarshalJSON reads the list in any of the shapes described on v1List.
func (l *v1List[T]) UnmarshalJSON(b []byte) error {
	l.present = true
	var zero T
	return l.decodeJSON(bytes.TrimSpace(b), zero.itemName())
}

func (l *v1List[T]) decodeJSON(b []byte, item string) error {
	switch {
	case len(b) == 0:
		l.bad = "empty"
	case string(b) == "null":
		l.bad = "null"
	case string(b) == `""`:
		l.items = nil // an empty XML element, converted
	case b[0] == '[':
		return json.Unmarshal(b, &l.items)
	case b[0] == '{':
		var probe map[string]json.RawMessage
		if err := json.Unmarshal(b, &probe); err != nil {
			return err
		}
		if len(probe) == 0 {
			l.items = nil // an empty XML element, converted
			return nil
		}
		if inner, ok := probe[item]; ok && len(probe) == 1 {
			return l.decodeJSON(bytes.TrimSpace(inner), item)
		}
		var one T
		if err := json.Unmarshal(b, &one); err != nil {
			return err
		}
		l.items = []T{one}
	case b[0] == '"':
		l.bad = "a string"
	default:
		l.bad = fmt.Sprintf("the value %.20s", b)
	}
	return nil
}

// UnmarshalXML reads one element per record. Text where the records
// belong ("null", "none") is recorded as a problem.
func (l *v1List[T]) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	l.present = true
	var zero T
	item := zero.itemName()
	var text strings.Builder
	for {
		tok, err := d.Token()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Local != item {
				if l.bad == "" {
					l.bad = "an element <" + t.Name.Local + ">"
				}
				if err := d.Skip(); err != nil {
					return err
				}
				continue
			}
			var one T
			if err := d.DecodeElement(&one, &t); err != nil {
				return err
			}
			l.items = append(l.items, one)
		case xml.CharData:
			text.Write(t)
		case xml.EndElement:
			if s := strings.TrimSpace(text.String()); s != "" && l.bad == "" {
				l.bad = "the text " + quote(s)
			}
			return nil
		}
	}
}

// decodeV1 decodes a SolusVM 1 body, JSON or XML.
func decodeV1(body []byte) (*v1Reply, error) {
	b := bytes.TrimSpace(body)
	if len(b) > 0 && b[0] == '{' {
		var r v1Reply
		if err := json.Unmarshal(b, &r); err != nil {
			return nil, fmt.Errorf("decode JSON: %w", err)
		}
		return &r, nil
	}
	if len(b) > 0 && b[0] == '<' {
		return decodeV1XML(b)
	}
	return nil, fmt.Errorf("neither JSON nor XML")
}

// decodeV1XML wraps the body in a root element, after dropping any XML
// declaration, so that a fragment and a rooted document read alike.
func decodeV1XML(b []byte) (*v1Reply, error) {
	for bytes.HasPrefix(b, []byte("<?")) {
		end := bytes.Index(b, []byte("?>"))
		if end < 0 {
			return nil, fmt.Errorf("decode XML: unterminated declaration")
		}
		b = bytes.TrimSpace(b[end+2:])
	}
	wrapped := make([]byte, 0, len(b)+32)
	wrapped = append(wrapped, "<solusvm>"...)
	wrapped = append(wrapped, b...)
	wrapped = append(wrapped, "</solusvm>"...)
	// SolusVM builds its XML by concatenation and does not always escape
	// values: a bare "&" in a hostname, or an HTML entity, is read as text.
	d := xml.NewDecoder(bytes.NewReader(wrapped))
	d.Strict = false
	d.Entity = xml.HTMLEntity
	var r v1Reply
	if err := d.Decode(&r); err != nil {
		return nil, fmt.Errorf("decode XML: %w", err)
	}
	return &r, nil
}

// splitList splits a comma-separated SolusVM list, dropping blanks.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// validID reports whether s is a positive decimal id, as SolusVM's
// vserverid, clientid and nodeid are.
func validID(s string) bool {
	n, err := strconv.ParseUint(s, 10, 64)
	return err == nil && n > 0
}

// ---- SolusVM 2 ----

// v2Page is a page of a SolusVM 2 list, in the envelope Laravel's
// paginated resources always send: {"data": [...], "links": {...},
// "meta": {...}}. Data and Links stay raw so that a missing, null or
// mistyped value is told apart from an empty list.
type v2Page struct {
	Data  json.RawMessage `json:"data"`
	Links json.RawMessage `json:"links"`
	Meta  *v2Meta         `json:"meta"`
}

// v2Meta is a page's position. Pointers tell a missing value from zero.
type v2Meta struct {
	CurrentPage *int `json:"current_page"`
	LastPage    *int `json:"last_page"`
	PerPage     *int `json:"per_page"`
	Total       *int `json:"total"`
}

// v2Server is a SolusVM 2 server as /servers lists it, reduced to what the
// mapping needs.
type v2Server struct {
	ID                 *int64       `json:"id"`
	UUID               string       `json:"uuid"`
	Name               string       `json:"name"`
	Status             string       `json:"status"`
	VirtualizationType string       `json:"virtualization_type"`
	IsSuspended        *bool        `json:"is_suspended"`
	CreatedAt          string       `json:"created_at"`
	FQDNs              []string     `json:"fqdns"`
	Plan               *v2Named     `json:"plan"`
	User               *v2User      `json:"user"`
	Location           *v2Named     `json:"location"`
	IPAddresses        *v2Addresses `json:"ip_addresses"`
}

// v2Named is an object with an id and a name: a plan, a location.
type v2Named struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// v2User is a server's owner.
type v2User struct {
	ID    int64  `json:"id"`
	Email string `json:"email"`
}

// v2Addresses is a server's ip_addresses object.
type v2Addresses struct {
	IPv4 []struct {
		IP string `json:"ip"`
	} `json:"ipv4"`
	IPv6 *struct {
		PrimaryIP string `json:"primary_ip"`
	} `json:"ipv6"`
}

// v2Plan is an entry of /plans.
type v2Plan struct {
	ID     int64  `json:"id"`
	Name   string `json:"name"`
	Params struct {
		Disk json.Number `json:"disk"`
		RAM  json.Number `json:"ram"`
		VCPU json.Number `json:"vcpu"`
	} `json:"params"`
}

// v2Error is the body of a failed SolusVM 2 call.
type v2Error struct {
	Message string              `json:"message"`
	Errors  map[string][]string `json:"errors"`
}

// v2Data wraps a single object: {"data": {...}}.
type v2Data[T any] struct {
	Data T `json:"data"`
}
