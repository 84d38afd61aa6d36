package proxmox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// envelope is every Proxmox VE answer: {"data": ...}, plus "errors" on a
// 400 (parameter verification failed). Data is a pointer so that
// {"data":null} can be told from a value.
type envelope[T any] struct {
	Data   *T                `json:"data"`
	Errors map[string]string `json:"errors"`
}

// resource is one entry of GET /cluster/resources?type=vm.
type resource struct {
	ID       string   `json:"id"`   // "qemu/105", "lxc/210"
	Type     string   `json:"type"` // qemu | lxc
	VMID     flexText `json:"vmid"` // a number, or a string on some versions
	Name     string   `json:"name"`
	Node     string   `json:"node"`
	Status   string   `json:"status"` // running | stopped | unknown (node offline) | ...
	Template flexBool `json:"template"`
	Pool     string   `json:"pool"`
	Tags     string   `json:"tags"` // "a;b", from 7.3 on
	Lock     string   `json:"lock"`
	Uptime   flexText `json:"uptime"` // seconds; 0 when stopped
}

// pveVersion is GET /version: {"version":"8.2.4","release":"8.2",
// "repoid":"..."} (pve-manager, PVE/API2.pm).
type pveVersion struct {
	Version string `json:"version"` // "8.2.4"; "7.4-17" before 8.0
	Release string `json:"release"` // "8.2"
}

// tagsInResources reports whether GET /cluster/resources carries each
// guest's tags: from pve-manager 7.3 on (commit d18b6982, "api:
// /cluster/resources: add tags to returned properties", November 2022).
func (v pveVersion) tagsInResources() (bool, error) {
	s := v.Release
	if s == "" {
		s = v.Version
	}
	parts := strings.FieldsFunc(s, func(r rune) bool { return r == '.' || r == '-' })
	if len(parts) < 2 {
		return false, fmt.Errorf("release %q, version %q: not a Proxmox VE version", v.Release, v.Version)
	}
	major, err1 := strconv.Atoi(parts[0])
	minor, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil {
		return false, fmt.Errorf("release %q, version %q: not a Proxmox VE version", v.Release, v.Version)
	}
	return major > 7 || (major == 7 && minor >= 3), nil
}

// label names the record in errors: its "id" when the panel sent one.
func (r resource) label() string {
	if r.ID != "" {
		return r.ID
	}
	if r.Type != "" || r.VMID != "" {
		return r.Type + "/" + string(r.VMID)
	}
	return "(record without id)"
}

// vmid parses the guest id, which the API sends as a number or a string.
// Proxmox VE allows 100 to 999999999.
func parseVMID(s string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 100 || n > 999999999 {
		return 0, fmt.Errorf("invalid VM ID %q", s)
	}
	return n, nil
}

// guestConfig is GET /nodes/{node}/{qemu|lxc}/{vmid}/config, reduced to
// the string values the mapping reads. Numbers (memory, cores) arrive as
// numbers or strings depending on the key and version; they are kept as
// their JSON text.
type guestConfig map[string]string

// UnmarshalJSON reads any JSON object, keeping strings as they are and
// other scalars as their JSON text.
func (c *guestConfig) UnmarshalJSON(b []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	out := make(guestConfig, len(raw))
	for k, v := range raw {
		v = bytes.TrimSpace(v)
		if len(v) > 0 && v[0] == '"' {
			var s string
			if err := json.Unmarshal(v, &s); err != nil {
				return fmt.Errorf("config key %q: %w", k, err)
			}
			out[k] = s
			continue
		}
		if string(v) == "null" {
			continue
		}
		out[k] = string(v)
	}
	*c = out
	return nil
}

// task is GET /nodes/{node}/tasks/{upid}/status.
type task struct {
	Status     string `json:"status"`     // running | stopped
	ExitStatus string `json:"exitstatus"` // "OK", "WARNINGS: n", or the error text
	Type       string `json:"type"`
	ID         string `json:"id"`
	Node       string `json:"node"`
}

// guestStatus is GET /nodes/{node}/{qemu|lxc}/{vmid}/status/current.
type guestStatus struct {
	Status    string `json:"status"`    // running | stopped
	QMPStatus string `json:"qmpstatus"` // running | paused | ... (QEMU only)
	Lock      string `json:"lock"`
}

// pool is one entry of GET /pools.
type pool struct {
	PoolID  string `json:"poolid"`
	Comment string `json:"comment"`
}

// ticket is the answer of POST /access/ticket.
type ticket struct {
	Username string   `json:"username"`
	Ticket   string   `json:"ticket"`
	CSRF     string   `json:"CSRFPreventionToken"`
	NeedTFA  flexBool `json:"NeedTFA"`
}

// flexText reads a JSON string or number as its text.
type flexText string

// UnmarshalJSON accepts "101" and 101.
func (f *flexText) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexText(s)
	case string(b) == "null":
		*f = ""
	default:
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return fmt.Errorf("want a string or a number, got %s", b)
		}
		*f = flexText(n.String())
	}
	return nil
}

// flexBool reads 0/1, true/false and "0"/"1".
type flexBool bool

// UnmarshalJSON accepts 0, 1, true, false, "0", "1" and null.
func (f *flexBool) UnmarshalJSON(b []byte) error {
	switch strings.Trim(string(bytes.TrimSpace(b)), `"`) {
	case "1", "true":
		*f = true
	case "0", "false", "", "null":
		*f = false
	default:
		return fmt.Errorf("want 0 or 1, got %s", b)
	}
	return nil
}

// splitTags splits a Proxmox VE tag list. The API writes ";" between tags
// and accepts ",", ";" and spaces on input.
func splitTags(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == ',' || r == ' ' })
}

// joinTags writes a tag list the way the API stores it.
func joinTags(tags []string) string { return strings.Join(tags, ";") }

// propertyList parses "k1=v1,k2=v2" property strings such as meta, net0
// and ipconfig0. A bare first item ("virtio=..." is keyed, "dhcp" is not)
// is stored under the empty key.
func propertyList(s string) map[string]string {
	out := map[string]string{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			out[""] = part
			continue
		}
		out[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	return out
}

// sortedErrors renders a 400's "errors" object as "param: message" pairs in
// a fixed order.
func sortedErrors(errs map[string]string) string {
	keys := make([]string, 0, len(errs))
	for k := range errs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+": "+strings.TrimSpace(errs[k]))
	}
	return strings.Join(parts, "; ")
}
