package openstack

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// Wire types of Keystone v3 and Nova (compute API v2.1). They decode only
// the fields the client uses.

// authRequest is the body of POST /v3/auth/tokens.
type authRequest struct {
	Auth authBody `json:"auth"`
}

type authBody struct {
	Identity authIdentity `json:"identity"`
	Scope    *authScope   `json:"scope,omitempty"`
}

type authIdentity struct {
	Methods               []string      `json:"methods"`
	Password              *authPassword `json:"password,omitempty"`
	ApplicationCredential *authAppCred  `json:"application_credential,omitempty"`
}

type authPassword struct {
	User authUser `json:"user"`
}

type authUser struct {
	ID       string      `json:"id,omitempty"`
	Name     string      `json:"name,omitempty"`
	Domain   *authDomain `json:"domain,omitempty"`
	Password string      `json:"password"`
}

type authAppCred struct {
	ID     string `json:"id"`
	Secret string `json:"secret"`
}

type authDomain struct {
	ID   string `json:"id,omitempty"`
	Name string `json:"name,omitempty"`
}

type authScope struct {
	Project *authProject `json:"project,omitempty"`
}

type authProject struct {
	ID     string      `json:"id,omitempty"`
	Name   string      `json:"name,omitempty"`
	Domain *authDomain `json:"domain,omitempty"`
}

// tokenResponse is the body Keystone returns with the token in the
// X-Subject-Token header.
type tokenResponse struct {
	Token struct {
		ExpiresAt string `json:"expires_at"`
		Project   *struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"project"`
		Catalog []catalogEntry `json:"catalog"`
	} `json:"token"`
}

type catalogEntry struct {
	Type      string `json:"type"`
	Name      string `json:"name"`
	Endpoints []struct {
		Interface string `json:"interface"`
		Region    string `json:"region"`
		RegionID  string `json:"region_id"`
		URL       string `json:"url"`
	} `json:"endpoints"`
}

// link is one entry of servers_links or flavors_links.
type link struct {
	Rel  string `json:"rel"`
	Href string `json:"href"`
}

// serversPage is the body of GET /servers/detail. Servers is a pointer so
// that a page without its list (or with null) can be told from an empty
// one.
type serversPage struct {
	Servers *[]serverJSON `json:"servers"`
	Links   []link        `json:"servers_links"`
}

// serverJSON is one server as GET /servers/detail and GET /servers/{id}
// return it. Name is a pointer because a down-cell record has none.
type serverJSON struct {
	ID         string                   `json:"id"`
	Name       *string                  `json:"name"`
	Status     string                   `json:"status"`
	TenantID   string                   `json:"tenant_id"`
	UserID     string                   `json:"user_id"`
	Created    string                   `json:"created"`
	AccessIPv4 string                   `json:"accessIPv4"`
	AccessIPv6 string                   `json:"accessIPv6"`
	Addresses  map[string][]addressJSON `json:"addresses"`
	Flavor     flavorRefJSON            `json:"flavor"`
	Image      imageRefJSON             `json:"image"`
	Metadata   map[string]string        `json:"metadata"`
	VMState    string                   `json:"OS-EXT-STS:vm_state"`
	TaskState  *string                  `json:"OS-EXT-STS:task_state"`
	Fault      *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"fault"`
}

type addressJSON struct {
	Addr    string `json:"addr"`
	Version int    `json:"version"`
	Type    string `json:"OS-EXT-IPS:type"`
}

// flavorRefJSON is a server's flavor: {"id":"1","links":[...]} before
// microversion 2.47, {"original_name":"m1.small","vcpus":1,...} from 2.47.
type flavorRefJSON struct {
	ID           flexString `json:"id"`
	OriginalName string     `json:"original_name"`
}

// imageRefJSON is a server's image: an object with an id, or the empty
// string for a server booted from a volume.
type imageRefJSON struct {
	ID string
}

// UnmarshalJSON accepts {"id":...}, "" and null.
func (i *imageRefJSON) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '{' {
		var s string
		if len(b) > 0 && b[0] == '"' {
			if err := json.Unmarshal(b, &s); err != nil {
				return err
			}
		}
		*i = imageRefJSON{}
		return nil
	}
	var w struct {
		ID flexString `json:"id"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	i.ID = string(w.ID)
	return nil
}

// flexString reads a JSON string or number as a string: old clouds send
// some ids as numbers.
type flexString string

// UnmarshalJSON accepts a string, a number or null.
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
	default:
		if _, err := strconv.ParseFloat(string(b), 64); err != nil {
			return fmt.Errorf("want a string or a number, got %.20s", b)
		}
		*f = flexString(b)
	}
	return nil
}

// serverEnvelope is the body of GET /servers/{id}.
type serverEnvelope struct {
	Server *serverJSON `json:"server"`
}

// createRequest is the body of POST /servers.
type createRequest struct {
	Server createServer `json:"server"`
}

type createServer struct {
	Name      string            `json:"name"`
	ImageRef  string            `json:"imageRef"`
	FlavorRef string            `json:"flavorRef"`
	Networks  any               `json:"networks,omitempty"` // "auto" or [{"uuid":...}]
	KeyName   string            `json:"key_name,omitempty"`
	AdminPass string            `json:"adminPass,omitempty"`
	Metadata  map[string]string `json:"metadata,omitempty"`
}

type networkRef struct {
	UUID string `json:"uuid"`
}

// createResponse is the 202 body of POST /servers.
type createResponse struct {
	Server struct {
		ID string `json:"id"`
	} `json:"server"`
}

// nameOnlyPage is the body of GET /servers (names and ids only).
type nameOnlyPage struct {
	Servers *[]struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"servers"`
	Links []link `json:"servers_links"`
}

// flavorsPage is the body of GET /flavors/detail.
type flavorsPage struct {
	Flavors *[]flavorJSON `json:"flavors"`
	Links   []link        `json:"flavors_links"`
}

type flavorJSON struct {
	ID    flexString `json:"id"`
	Name  string     `json:"name"`
	RAM   int        `json:"ram"`
	VCPUs int        `json:"vcpus"`
	Disk  int        `json:"disk"`
}

// flavorEnvelope is the body of GET /flavors/{id}.
type flavorEnvelope struct {
	Flavor *flavorJSON `json:"flavor"`
}
