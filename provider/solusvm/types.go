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
type v1Reply struct {
	Status    flexString `json:"status" xml:"status"`
	StatusMsg flexString `json:"statusmsg" xml:"statusmsg"`

	Nodes      flexString `json:"nodes" xml:"nodes"`         // node-idlist: "1,2,3"
	Plans      flexString `json:"plans" xml:"plans"`         // listplans: "a,b,c"
	VServerID  flexString `json:"vserverid" xml:"vserverid"` // vserver-create
	Hostname   flexString `json:"hostname" xml:"hostname"`   // vserver-create
	MainIP     flexString `json:"mainipaddress" xml:"mainipaddress"`
	ExtraIP    flexString `json:"extraipaddress" xml:"extraipaddress"`
	NodeID     flexString `json:"nodeid" xml:"nodeid"`
	VirtID     flexString `json:"virtid" xml:"virtid"`
	State      flexString `json:"state" xml:"state"` // vserver-infoall: online, offline, disabled
	IPs        flexString `json:"ipaddresses" xml:"ipaddresses"`
	Node       flexString `json:"node" xml:"node"` // vserver-infoall: the node's name
	Type       flexString `json:"type" xml:"type"`
	InternalIP flexString `json:"internalips" xml:"internalips"`

	VirtualServers vserverList `json:"virtualservers" xml:"virtualservers>virtualserver"`
	Clients        clientList  `json:"clients" xml:"clients>client"`
}

// v1VServer is one entry of node-virtualservers. Every value is a string on
// the wire, numbers included.
type v1VServer struct {
	VServerID flexString `json:"vserverid" xml:"vserverid"`
	CTIDXID   flexString `json:"ctid-xid" xml:"ctid-xid"`
	ClientID  flexString `json:"clientid" xml:"clientid"`
	IPAddress flexString `json:"ipaddress" xml:"ipaddress"`
	Hostname  flexString `json:"hostname" xml:"hostname"`
	Template  flexString `json:"template" xml:"template"`
	Type      flexString `json:"type" xml:"type"`
}

// v1Client is one entry of client-list.
type v1Client struct {
	ID       flexString `json:"id" xml:"id"`
	Username flexString `json:"username" xml:"username"`
	Email    flexString `json:"email" xml:"email"`
	Status   flexString `json:"status" xml:"status"`
}

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

// vserverList is the "virtualservers" value: a list, a single record (an
// XML one-item list converted to JSON gives an object), a wrapper object
// {"virtualserver": ...}, or empty.
type vserverList []v1VServer

// UnmarshalJSON accepts every shape listed on vserverList.
func (l *vserverList) UnmarshalJSON(b []byte) error {
	return decodeList(b, "virtualserver", (*[]v1VServer)(l))
}

// clientList is the "clients" value, in the same shapes as vserverList.
type clientList []v1Client

// UnmarshalJSON accepts every shape listed on vserverList.
func (l *clientList) UnmarshalJSON(b []byte) error {
	return decodeList(b, "client", (*[]v1Client)(l))
}

// decodeList decodes a list that may arrive as an array, one object, an
// object wrapping the items under the singular element name, or an empty
// value ("", null, {}).
func decodeList[T any](b []byte, item string, out *[]T) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || string(b) == "null" || string(b) == `""` {
		*out = nil
		return nil
	}
	switch b[0] {
	case '[':
		return json.Unmarshal(b, out)
	case '{':
		var probe map[string]json.RawMessage
		if err := json.Unmarshal(b, &probe); err != nil {
			return err
		}
		if len(probe) == 0 {
			*out = nil
			return nil
		}
		if inner, ok := probe[item]; ok && len(probe) == 1 {
			return decodeList(inner, item, out)
		}
		var one T
		if err := json.Unmarshal(b, &one); err != nil {
			return err
		}
		*out = []T{one}
		return nil
	}
	return fmt.Errorf("want a list of %ss, got %.20s", item, b)
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

// v2Page is a page of a SolusVM 2 list (Laravel-style pagination).
type v2Page[T any] struct {
	Data []T    `json:"data"`
	Meta v2Meta `json:"meta"`
}

// v2Meta is a page's position. A missing meta reads as a single page.
type v2Meta struct {
	CurrentPage int  `json:"current_page"`
	LastPage    int  `json:"last_page"`
	PerPage     int  `json:"per_page"`
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
