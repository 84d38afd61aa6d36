package proxmox

import (
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/accountsync/accountsync/internal/httpx"
	"github.com/accountsync/accountsync/provider"
)

// ErrNodeUnreachable is matched by errors from a call the contacted node
// had to forward to a cluster node it could not reach: HTTP 595, 596 or
// 597, the pveproxy (AnyEvent) codes for a failed connection, TLS
// handshake or transfer between nodes. Such errors also match
// [provider.ErrTransient]. A listing that meets one fails as a whole: the
// guests on that node are not gone, only out of sight.
var ErrNodeUnreachable = errors.New("node unreachable")

// reason returns the reason phrase of the status line, where Proxmox VE
// puts its error text: "596 Broken pipe" gives "Broken pipe".
func reason(resp *httpx.Response) string {
	s := strings.TrimSpace(resp.Status)
	if code, rest, ok := strings.Cut(s, " "); ok && code == strconv.Itoa(resp.StatusCode) {
		s = strings.TrimSpace(rest)
	} else if s == strconv.Itoa(resp.StatusCode) {
		s = ""
	}
	return s
}

// Proxmox VE's own words, from its source, for the two cases the client
// tells apart by text (the actions confirm both by the cluster's state
// before they act on them; see TerminateAccount and power):
//
//   - the guest is not on that node: "Configuration file
//     'nodes/pve1/qemu-server/105.conf' does not exist" (pve-guest-common,
//     PVE::AbstractConfig::load_config, which nearly every call on a guest
//     starts with; lxc/ for a container) and "unable to find configuration
//     file for VM 105 on node 'pve1'" (qemu-server,
//     PVE::QemuConfig::assert_config_exists_on_node). Other "does not
//     exist" messages name a pool, a storage, a snapshot or a bridge, not
//     the guest, and are not ErrNotFound;
//   - the VM ID is taken: "VM 105 already exists on node 'pve1'" and "CT
//     105 already exists on node 'pve1'" (pve-cluster,
//     PVE::Cluster::check_vmid_unused), "unable to create VM 105: config
//     file already exists" (qemu-server, clone), and "VM 105 already
//     exists" (pve-manager, GET /cluster/nextid?vmid=, a 400).
//
// Other wordings the actions meet, and what decides instead of them:
// "VM 105 already running" (a QEMU start task), "CT 105 already running"
// and "CT 105 not running" (pve-container refuses an LXC start or stop in
// the handler): the power state, read again; "VM 105 is running - destroy
// failed" and "unable to destroy CT 105 - container is running": an error,
// as it should be; "VM is locked (backup)", "CT is locked (migrate)"
// (PVE::AbstractConfig::check_lock): an error.
var (
	guestMissingRE = regexp.MustCompile(`(?i)configuration file '[^']*/(qemu-server|lxc)/\d+\.conf' does not exist|unable to find configuration file for (VM|CT) \d+`)
	idTakenRE      = regexp.MustCompile(`(?i)\b(VM|CT) \d+ already exists|unable to create (VM|CT) \d+: config file already exists`)
)

// textCause returns the sentinel a message from Proxmox VE carries by its
// wording: provider.ErrNotFound for a guest that is not there,
// provider.ErrExists for a VM ID in use, nil otherwise.
func textCause(msg string) error {
	switch {
	case guestMissingRE.MatchString(msg):
		return provider.ErrNotFound
	case idTakenRE.MatchString(msg):
		return provider.ErrExists
	}
	return nil
}

// statusError turns a non-2xx answer into an *provider.APIError. The
// message is the reason phrase, followed by the per-parameter messages of
// a 400 ({"errors":{...},"data":null}). The sentinels come from the
// status (see provider.APIError.Is) and from the wording (textCause).
func (c *Client) statusError(op string, resp *httpx.Response, context string) error {
	msg := reason(resp)
	if std := http.StatusText(resp.StatusCode); msg == "" && std != "" {
		msg = strings.ToLower(std)
	}
	var env envelope[json.RawMessage]
	if resp.LooksLikeHTML() {
		msg += " (unexpected HTML page)"
	} else if err := json.Unmarshal(resp.Body, &env); err == nil && len(env.Errors) > 0 {
		msg += ": " + sortedErrors(env.Errors)
	}
	var cause error
	switch {
	case resp.StatusCode >= 595 && resp.StatusCode <= 597:
		cause = ErrNodeUnreachable
		msg = "node unreachable: " + msg
	default:
		cause = textCause(msg)
	}
	if context != "" {
		msg = context + ": " + msg
	}
	return c.hc.Error(op, resp, "", msg, cause)
}

// decodeError reports a 2xx answer that is not the JSON envelope the call
// expects: an HTML page (a proxy or login screen), a body cut short or a
// record of the wrong shape.
func (c *Client) decodeError(op string, resp *httpx.Response, context string, err error) error {
	msg := "undecodable response: " + err.Error()
	if resp.LooksLikeHTML() {
		msg = "unexpected HTML page where JSON was expected"
	}
	if context != "" {
		msg = context + ": " + msg
	}
	return c.hc.Error(op, resp, "", msg, nil)
}

// recordError reports a malformed record in a listing, naming it.
func (c *Client) recordError(op, label, problem string) error {
	return &provider.APIError{Type: typeName, Op: op, Message: "malformed record " + label + ": " + c.hc.Redactor().String(problem)}
}
