package solusvm

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/accountsync/accountsync/internal/httpx"
	"github.com/accountsync/accountsync/provider"
)

// Operation names of the SolusVM 1 listing's sub-steps, as they appear in
// errors ("solusvm: list virtual servers: ...").
const (
	opListNodes   = "list nodes"
	opListClients = "list clients"
	opListServers = "list virtual servers"
	opGetServer   = "get virtual server"
)

// v1Call sends one SolusVM 1 admin API action as a POST form (the way the
// official WHMCS module calls it, so that the key never sits in a URL) and
// returns the decoded reply. context prefixes panel error messages ("node
// 3"); extra are this call's own secrets, kept out of errors.
func (c *Client) v1Call(ctx context.Context, op, action string, params url.Values, idempotent bool, context string, extra ...string) (*v1Reply, *httpx.Response, error) {
	form := make(url.Values, len(params)+4)
	for k, v := range params {
		form[k] = v
	}
	form.Set("id", c.cfg.Username)
	form.Set("key", c.cfg.APIToken)
	form.Set("action", action)
	form.Set("rdtype", "json")
	resp, err := c.hc.Do(ctx, &httpx.Request{
		Op:     op,
		Method: http.MethodPost,
		Path:   c.path,
		Header: http.Header{
			"Content-Type": {"application/x-www-form-urlencoded"},
			"Accept":       {"application/json, application/xml;q=0.9, text/plain;q=0.5"},
		},
		Body:       []byte(form.Encode()),
		Idempotent: idempotent,
		// One node's servers, the clients, the nodes or the plans are
		// listings; anything else answers about one server and keeps
		// httpx's small default cap.
		MaxBodyBytes: v1BodyCap(action),
	})
	if err != nil {
		return nil, nil, err
	}
	r, err := c.v1Result(op, action, resp, context, extra...)
	return r, resp, err
}

// v1Node is a node of a virtualization type.
type v1Node struct {
	ID   string
	Type string
}

// v1Nodes calls node-idlist for each virtualization type and returns the
// nodes in type order, each once. An answer without its "nodes" value is
// an error: "nodes":"" is how a type without nodes reads.
func (c *Client) v1Nodes(ctx context.Context) ([]v1Node, error) {
	var nodes []v1Node
	seen := map[string]bool{}
	for _, vt := range c.cfg.VirtTypes {
		where := "type " + vt
		r, resp, err := c.v1Call(ctx, opListNodes, "node-idlist", url.Values{"type": {vt}}, true, where)
		if err != nil {
			return nil, err
		}
		if p := r.Nodes.problem(); p != "" {
			return nil, c.shapeError(opListNodes, resp, where, "nodes", p)
		}
		for _, id := range splitList(r.Nodes.String()) {
			if !validID(id) {
				return nil, c.apiError(opListNodes, resp, "", fmt.Sprintf("type %s: malformed node id %s", vt, quote(id)), nil, nil)
			}
			if !seen[id] {
				seen[id] = true
				nodes = append(nodes, v1Node{ID: id, Type: vt})
			}
		}
	}
	return nodes, nil
}

// v1Clients calls client-list and indexes the clients by id. An answer
// without its "clients" list is an error, not a master without clients.
func (c *Client) v1Clients(ctx context.Context, op string) (map[string]v1Client, error) {
	r, resp, err := c.v1Call(ctx, op, "client-list", nil, true, "")
	if err != nil {
		return nil, err
	}
	if p := r.Clients.problem(); p != "" {
		return nil, c.shapeError(op, resp, "", "clients", p)
	}
	out := make(map[string]v1Client, len(r.Clients.items))
	for _, cl := range r.Clients.items {
		id := cl.ID.String()
		if !validID(id) {
			return nil, c.apiError(op, resp, "", fmt.Sprintf("client %s has a malformed id %s", quote(cl.Username.String()), quote(id)), nil, nil)
		}
		out[id] = cl
	}
	return out, nil
}

// shapeError is the error for an answer that reports success but lacks
// the value the call exists for (key), or holds something else there:
// a listing must never read that as empty.
func (c *Client) shapeError(op string, resp *httpx.Response, where, key, problem string) error {
	msg := fmt.Sprintf("the answer has no %s list (%s)", quote(key), problem)
	if problem == "missing" {
		msg = fmt.Sprintf("the answer has no %s", quote(key))
	}
	return c.apiError(op, resp, "", join(where, msg), nil, nil)
}

// v1Found is a virtual server and the node it was listed on.
type v1Found struct {
	Node   v1Node
	Server v1VServer
}

// v1Servers calls node-virtualservers for every node, Concurrency at a
// time, and returns the servers in node order. A node that fails fails the
// whole call; a record without a usable vserverid, or a vserverid listed
// twice, is an error naming it.
func (c *Client) v1Servers(ctx context.Context, nodes []v1Node) ([]v1Found, error) {
	perNode := make([][]v1Found, len(nodes))
	err := c.forEach(ctx, opListServers, len(nodes), func(ctx context.Context, i int) error {
		n := nodes[i]
		where := "node " + n.ID
		r, resp, err := c.v1Call(ctx, opListServers, "node-virtualservers", url.Values{"nodeid": {n.ID}}, true, where)
		if err != nil {
			return err
		}
		if p := r.VirtualServers.problem(); p != "" {
			return c.shapeError(opListServers, resp, where, "virtualservers", p)
		}
		found := make([]v1Found, 0, len(r.VirtualServers.items))
		for k, s := range r.VirtualServers.items {
			if id := s.VServerID.String(); !validID(id) {
				return c.apiError(opListServers, resp, "", fmt.Sprintf("%s: record %d (hostname %s) has a malformed vserverid %s",
					where, k+1, quote(s.Hostname.String()), quote(id)), nil, nil)
			}
			found = append(found, v1Found{Node: n, Server: s})
		}
		perNode[i] = found
		return nil
	})
	if err != nil {
		return nil, err
	}
	var all []v1Found
	seen := map[string]string{}
	for _, list := range perNode {
		for _, f := range list {
			id := f.Server.VServerID.String()
			if other, dup := seen[id]; dup {
				return nil, &provider.APIError{Type: typeName, Op: opListServers,
					Message: fmt.Sprintf("vserverid %s is listed on node %s and node %s; the listing changed while it was read", id, other, f.Node.ID),
					Err:     provider.ErrTransient}
			}
			seen[id] = f.Node.ID
			all = append(all, f)
		}
	}
	return all, nil
}

// listV1 lists every virtual server: node-idlist per virtualization type,
// client-list once, node-virtualservers per node, then vserver-infoall per
// server for its state (a suspended server is "disabled") and its IP
// addresses, which the node listing lacks. No SolusVM 1 call answers the
// state of many servers at once, so the last step is one call per server,
// Concurrency at a time.
func (c *Client) listV1(ctx context.Context) ([]provider.Account, error) {
	nodes, err := c.v1Nodes(ctx)
	if err != nil {
		return nil, err
	}
	clients, err := c.v1Clients(ctx, opListClients)
	if err != nil {
		return nil, err
	}
	found, err := c.v1Servers(ctx, nodes)
	if err != nil {
		return nil, err
	}
	accounts := make([]provider.Account, len(found))
	err = c.forEach(ctx, opGetServer, len(found), func(ctx context.Context, i int) error {
		f := found[i]
		id := f.Server.VServerID.String()
		where := "vserverid " + id
		info, resp, err := c.v1Call(ctx, opGetServer, "vserver-infoall",
			url.Values{"vserverid": {id}, "nographs": {"true"}}, true, where)
		if panelNotFound(err) {
			// Listed a moment ago, gone now: the listing is out of date,
			// not wrong, and a fresh one will not show the server.
			var ae *provider.APIError
			errors.As(err, &ae)
			return &provider.APIError{Type: typeName, Op: opGetServer, StatusCode: ae.StatusCode, Err: provider.ErrTransient,
				Message: fmt.Sprintf("%s, listed on node %s, is gone (%s); the listing changed while it was read", where, f.Node.ID, ae.Message)}
		}
		if err != nil {
			return err
		}
		var owner *v1Client
		if cl, ok := clients[f.Server.ClientID.String()]; ok {
			owner = &cl
		}
		a, err := v1Account(f.Node, f.Server, owner, info)
		if err != nil {
			return c.apiError(opGetServer, resp, "", err.Error(), nil, nil)
		}
		accounts[i] = a
		return nil
	})
	if err != nil {
		return nil, err
	}
	return accounts, nil
}

// v1State reads a server's state ("online", "offline" or "disabled", the
// state of a suspended server) from vserver-infoall's state or
// vserver-status's statusmsg. Anything else, an empty state included, is
// an error: a state the client cannot read is never taken for Active,
// because a wrong Active can make a sync unsuspend a server.
func v1State(raw string) (provider.Status, error) {
	switch strings.ToLower(strings.TrimSpace(raw)) {
	case "online", "offline":
		return provider.StatusActive, nil
	case "disabled":
		return provider.StatusSuspended, nil
	}
	return "", fmt.Errorf("unknown state %s (want online, offline or disabled)", quote(raw))
}

// v1Account maps a node-virtualservers entry, its owner from client-list
// (nil when the client list does not have it) and its vserver-infoall
// reply to the WHMCS record. The API exposes neither the plan nor the
// creation time of a virtual server, so Product and Created stay empty.
func v1Account(node v1Node, s v1VServer, owner *v1Client, info *v1Reply) (provider.Account, error) {
	id := s.VServerID.String()
	if !validID(id) {
		return provider.Account{}, fmt.Errorf("vserverid %s: malformed", quote(id))
	}
	if p := info.State.problem(); p != "" {
		return provider.Account{}, fmt.Errorf("vserverid %s (hostname %s): the answer has no \"state\" (%s)", id, quote(s.Hostname.String()), p)
	}
	status, err := v1State(info.State.String())
	if err != nil {
		return provider.Account{}, fmt.Errorf("vserverid %s (hostname %s): %v", id, quote(s.Hostname.String()), err)
	}
	state := strings.ToLower(info.State.String())
	ips := splitList(info.IPs.String())
	primary := info.MainIP.String()
	if primary == "" {
		primary = s.IPAddress.String()
	}
	if primary == "" && len(ips) > 0 {
		primary = ips[0]
	}
	if primary != "" && !slices.Contains(ips, primary) {
		ips = append([]string{primary}, ips...)
	}
	vt := s.Type.String()
	if vt == "" {
		vt = node.Type
	}
	a := provider.Account{
		Domain:           s.Hostname.String(),
		UniqueIdentifier: id,
		PrimaryIP:        primary,
		Status:           status,
		Extra: map[string]string{
			"node_id":   node.ID,
			"type":      vt,
			"state":     state,
			"client_id": s.ClientID.String(),
		},
	}
	if owner != nil {
		a.Email = owner.Email.String()
		a.Username = owner.Username.String()
	}
	setNonEmpty(a.Extra, "node", info.Node.String())
	setNonEmpty(a.Extra, "virt_id", s.CTIDXID.String())
	setNonEmpty(a.Extra, "template", s.Template.String())
	setNonEmpty(a.Extra, "ips", strings.Join(ips, ","))
	setNonEmpty(a.Extra, "internal_ips", info.InternalIP.String())
	return a, nil
}

func setNonEmpty(m map[string]string, k, v string) {
	if v != "" {
		m[k] = v
	}
}

// createV1 makes the client if it is new (client-create) and the virtual
// server (vserver-create). SolusVM accepts a second server with the same
// hostname, so a retried create would make a twin: when the client exists,
// its servers are checked first (node-idlist and node-virtualservers), and a
// server with that hostname gives provider.ErrExists.
func (c *Client) createV1(ctx context.Context, n provider.NewAccount) (provider.Account, error) {
	const op = "create account"
	switch {
	case strings.TrimSpace(n.Domain) == "":
		return provider.Account{}, invalid(op, "NewAccount.Domain (the hostname) is required")
	case strings.TrimSpace(n.Username) == "":
		return provider.Account{}, invalid(op, "NewAccount.Username (the SolusVM client) is required")
	case n.Password == "":
		return provider.Account{}, invalid(op, "NewAccount.Password (the client's and the server's root password) is required")
	case strings.TrimSpace(n.Product) == "":
		return provider.Account{}, invalid(op, "NewAccount.Product (the plan) is required")
	}
	params := c.createParams(n.Extra, createKeysV1)
	if params.Get("type") == "" {
		params.Set("type", "kvm")
	}
	if params.Get("ips") == "" {
		params.Set("ips", "1")
	}
	clients, err := c.v1Clients(ctx, op)
	if err != nil {
		return provider.Account{}, err
	}
	var owner *v1Client
	for _, cl := range clients {
		if strings.EqualFold(cl.Username.String(), n.Username) {
			owner = &cl
			break
		}
	}
	email := n.Email
	if owner != nil {
		email = owner.Email.String()
		nodes, err := c.v1Nodes(ctx)
		if err != nil {
			return provider.Account{}, err
		}
		found, err := c.v1Servers(ctx, nodes)
		if err != nil {
			return provider.Account{}, err
		}
		for _, f := range found {
			if f.Server.ClientID.String() == owner.ID.String() && strings.EqualFold(f.Server.Hostname.String(), n.Domain) {
				return provider.Account{}, &provider.APIError{Type: typeName, Op: op, Err: provider.ErrExists,
					Message: fmt.Sprintf("client %s already has virtual server %s with hostname %s",
						quote(owner.Username.String()), f.Server.VServerID.String(), quote(n.Domain))}
			}
		}
	} else {
		if strings.TrimSpace(n.Email) == "" {
			return provider.Account{}, invalid(op, "NewAccount.Email is required to create the SolusVM client")
		}
		cp := url.Values{
			"username":  {n.Username},
			"password":  {n.Password},
			"email":     {n.Email},
			"firstname": {params.Get("firstname")},
			"lastname":  {params.Get("lastname")},
		}
		_, _, err := c.v1Call(ctx, op, "client-create", cp, false, "client "+n.Username, n.Password)
		if err != nil && !errors.Is(err, provider.ErrExists) {
			return provider.Account{}, err
		}
	}
	params.Del("firstname")
	params.Del("lastname")
	params.Set("hostname", n.Domain)
	params.Set("username", n.Username)
	params.Set("password", n.Password)
	params.Set("plan", n.Product)
	r, resp, err := c.v1Call(ctx, op, "vserver-create", params, false, "hostname "+n.Domain, n.Password)
	if err != nil {
		return provider.Account{}, err
	}
	id := r.VServerID.String()
	if !validID(id) {
		return provider.Account{}, c.apiError(op, resp, "", "the panel reported success without a usable vserverid "+quote(id), nil, []string{n.Password})
	}
	ips := splitList(r.MainIP.String() + "," + r.ExtraIP.String())
	a := provider.Account{
		Email:            email,
		Username:         n.Username,
		Domain:           firstNonEmpty(r.Hostname.String(), n.Domain),
		UniqueIdentifier: id,
		PrimaryIP:        r.MainIP.String(),
		Status:           provider.StatusActive,
		Extra:            map[string]string{"type": params.Get("type"), "state": "online"},
	}
	if owner != nil {
		a.Username = owner.Username.String()
		a.Extra["client_id"] = owner.ID.String()
	}
	setNonEmpty(a.Extra, "node_id", r.NodeID.String())
	setNonEmpty(a.Extra, "virt_id", r.VirtID.String())
	setNonEmpty(a.Extra, "ips", strings.Join(ips, ","))
	return a, nil
}

// createParams merges Config.CreateDefaults and extra over the given keys.
func (c *Client) createParams(extra map[string]string, keys []string) url.Values {
	out := url.Values{}
	for _, k := range keys {
		v, ok := extra[k]
		if !ok {
			v = c.cfg.CreateDefaults[k]
		}
		if v != "" {
			out.Set(k, v)
		}
	}
	return out
}

// v1ID returns the account's vserverid, or an error when it has none.
func v1ID(op string, a provider.Account) (string, error) {
	id := strings.TrimSpace(a.UniqueIdentifier)
	if !validID(id) {
		return "", invalid(op, fmt.Sprintf("account %s has no usable virtual server id (UniqueIdentifier %s)", quote(a.Domain), quote(id)))
	}
	return id, nil
}

// terminateV1 calls vserver-terminate (deleteclient=false: the client may
// own other servers). When it fails, whatever the wording, the client
// asks the panel whether the server still exists (vserver-checkexists)
// rather than trust the text: a server that is gone is success, one that
// is still there keeps the error.
func (c *Client) terminateV1(ctx context.Context, a provider.Account) error {
	const op = "terminate account"
	id, err := v1ID(op, a)
	if err != nil {
		return err
	}
	where := "vserverid " + id
	_, _, err = c.v1Call(ctx, op, "vserver-terminate", url.Values{"vserverid": {id}, "deleteclient": {"false"}}, true, where)
	if err == nil || ctx.Err() != nil {
		return err
	}
	if gone, cerr := c.v1Gone(ctx, op, id); cerr == nil && gone {
		return nil
	}
	return err
}

// v1Gone asks vserver-checkexists whether the server is gone. It answers
// success "Virtual server exists" or the error "Virtual server not found"
// (the wordings the official WHMCS module and newx/solusvm compare
// against); any other answer is an error, so that only a clear "not
// found" counts as gone.
func (c *Client) v1Gone(ctx context.Context, op, id string) (bool, error) {
	r, resp, err := c.v1Call(ctx, op, "vserver-checkexists", url.Values{"vserverid": {id}}, true, "vserverid "+id)
	if err != nil {
		var ae *provider.APIError
		if panelNotFound(err) && errors.As(err, &ae) && strings.Contains(strings.ToLower(ae.Message), msgServerNotFound) {
			return true, nil
		}
		return false, err
	}
	if !strings.Contains(strings.ToLower(r.StatusMsg.String()), msgServerExists) {
		return false, c.apiError(op, resp, "", fmt.Sprintf("vserverid %s: vserver-checkexists answered %s", id, quote(r.StatusMsg.String())), nil, nil)
	}
	return false, nil
}

// setSuspendedV1 reads the state (vserver-status) and calls
// vserver-suspend or vserver-unsuspend only when it must change. When
// that call fails, the state is read again: a server already in the state
// asked for (the call worked but its answer was lost, or someone else
// acted first) is success, whatever the panel said.
func (c *Client) setSuspendedV1(ctx context.Context, a provider.Account, suspend bool) error {
	op, action := "unsuspend account", "vserver-unsuspend"
	if suspend {
		op, action = "suspend account", "vserver-suspend"
	}
	id, err := v1ID(op, a)
	if err != nil {
		return err
	}
	where := "vserverid " + id
	status, err := c.v1Status(ctx, op, id)
	if err != nil {
		return err
	}
	if (status == provider.StatusSuspended) == suspend {
		return nil
	}
	_, _, err = c.v1Call(ctx, op, action, url.Values{"vserverid": {id}}, true, where)
	if err == nil || ctx.Err() != nil {
		return err
	}
	if now, serr := c.v1Status(ctx, op, id); serr == nil && (now == provider.StatusSuspended) == suspend {
		return nil
	}
	return err
}

// v1Status calls vserver-status, whose statusmsg is the state.
func (c *Client) v1Status(ctx context.Context, op, id string) (provider.Status, error) {
	where := "vserverid " + id
	r, resp, err := c.v1Call(ctx, op, "vserver-status", url.Values{"vserverid": {id}}, true, where)
	if err != nil {
		return "", err
	}
	status, err := v1State(r.StatusMsg.String())
	if err != nil {
		return "", c.apiError(op, resp, "", join(where, "vserver-status: "+err.Error()), nil, nil)
	}
	return status, nil
}

// packagesV1 calls listplans for each virtualization type and merges the
// plans by name; Extra["types"] lists the types that offer one.
func (c *Client) packagesV1(ctx context.Context) ([]provider.Package, error) {
	const op = "list packages"
	var pkgs []provider.Package
	index := map[string]int{}
	for _, vt := range c.cfg.VirtTypes {
		r, resp, err := c.v1Call(ctx, op, "listplans", url.Values{"type": {vt}}, true, "type "+vt)
		if err != nil {
			return nil, err
		}
		if p := r.Plans.problem(); p != "" {
			return nil, c.shapeError(op, resp, "type "+vt, "plans", p)
		}
		for _, name := range splitList(r.Plans.String()) {
			if i, ok := index[name]; ok {
				pkgs[i].Extra["types"] += "," + vt
				continue
			}
			index[name] = len(pkgs)
			pkgs = append(pkgs, provider.Package{Name: name, Extra: map[string]string{"types": vt}})
		}
	}
	return pkgs, nil
}

// panelNotFound reports whether err is the panel itself saying that the
// object does not exist, as opposed to a proxy's 404 for a wrong URL.
func panelNotFound(err error) bool {
	var ae *provider.APIError
	if !errors.As(err, &ae) || !errors.Is(ae.Err, provider.ErrNotFound) {
		return false
	}
	return ae.StatusCode == http.StatusOK || ae.StatusCode == http.StatusNotFound
}

// invalid is the error for a call the client refuses to send.
func invalid(op, msg string) error {
	return &provider.APIError{Type: typeName, Op: op, Message: msg}
}

// v1BodyCap is the body cap of a SolusVM 1 action: httpx's listing cap
// for the actions that list, 0 (the small default) for the rest.
func v1BodyCap(action string) int64 {
	switch action {
	case "node-virtualservers", "client-list", "node-idlist", "listplans", "listnodegroups":
		return httpx.ListingMaxBodyBytes
	}
	return 0
}
