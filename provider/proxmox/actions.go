package proxmox

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/accountsync/accountsync/provider"
)

// CreateAccount clones a template into a new guest and returns it as
// ListAccounts shows it. It is not idempotent; a second call with the same
// Domain finds the first guest and returns an error wrapping
// provider.ErrExists.
//
// The template is the one (template=1) named n.Product, or
// n.Extra["template"] (required when Config.Pools is PoolIsProduct, where
// n.Product names the pool). Remote calls: GET /cluster/resources?type=vm
// (template and name checks), GET /cluster/nextid, POST
// /nodes/{node}/{qemu|lxc}/{template}/clone (a task, polled to its end),
// PUT .../config on the new guest (tags for product and owner; for QEMU
// also the cloud-init ciuser and cipassword from n.Username and
// n.Password), then POST .../status/start (a task).
//
// n.Extra keys: "template" (see above), "vmid" (the new VM ID instead of
// /cluster/nextid), "node" (target node; default the template's),
// "storage" (target storage of a full clone), "pool" (pool to add the
// guest to), "start" ("0" or "false" leaves the guest stopped).
//
// If a step after the clone fails, the guest stays, and the error names
// its VM ID.
func (c *Client) CreateAccount(ctx context.Context, n provider.NewAccount) (provider.Account, error) {
	const op = opCreate
	fail := func(msg string, cause error) (provider.Account, error) {
		return provider.Account{}, &provider.APIError{Type: typeName, Op: op, Message: c.hc.Redactor().String(msg), Err: cause}
	}
	domain := strings.TrimSpace(n.Domain)
	if domain == "" {
		return fail("NewAccount.Domain is empty: it becomes the guest's name", nil)
	}
	tmplName := n.Extra["template"]
	pool := n.Extra["pool"]
	var tags []string
	if c.cfg.Pools == PoolIsProduct {
		if tmplName == "" {
			return fail(`NewAccount.Extra["template"] is empty: with pools as products it names the template to clone`, nil)
		}
		if n.Product == "" {
			return fail("NewAccount.Product is empty: with pools as products it names the pool", nil)
		}
		pool = n.Product
	} else {
		if tmplName == "" {
			tmplName = n.Product
		}
		if tmplName == "" {
			return fail("NewAccount.Product is empty: it names the template to clone", nil)
		}
		if n.Product != "" {
			t := c.cfg.ProductTagPrefix + n.Product
			if !validTag(t) {
				return fail(fmt.Sprintf("product %q cannot be written as a tag (letters, digits and _ - + . only)", n.Product), nil)
			}
			tags = append(tags, t)
		}
	}
	if n.Email != "" && c.cfg.Pools != PoolIsOwner {
		v, err := encodeOwner(n.Email)
		if err != nil {
			return fail(err.Error(), nil)
		}
		tags = append(tags, c.cfg.OwnerTagPrefix+v)
	}
	var wantID int
	if s := n.Extra["vmid"]; s != "" {
		id, err := parseVMID(s)
		if err != nil {
			return fail(`NewAccount.Extra["vmid"]: `+err.Error(), nil)
		}
		wantID = id
	}

	if err := c.checkVisibility(ctx, op); err != nil {
		return provider.Account{}, err
	}
	res, err := c.resources(ctx, op)
	if err != nil {
		return provider.Account{}, err
	}
	var tmpl *guest
	for _, r := range res {
		if bool(r.Template) && r.Name == tmplName {
			g, err := c.checkGuest(op, r)
			if err != nil {
				return provider.Account{}, err
			}
			if tmpl != nil {
				return fail(fmt.Sprintf("two templates are named %q (VM IDs %d and %d)", tmplName, tmpl.vmid, g.vmid), nil)
			}
			tmpl = &g
			continue
		}
		if !bool(r.Template) && strings.EqualFold(r.Name, domain) {
			return fail(fmt.Sprintf("a guest named %q exists (%s)", domain, r.label()), provider.ErrExists)
		}
		if wantID != 0 && string(r.VMID) == strconv.Itoa(wantID) {
			return fail(fmt.Sprintf("VM ID %d is taken (%s)", wantID, r.label()), provider.ErrExists)
		}
	}
	if tmpl == nil {
		return fail(fmt.Sprintf("no template named %q", tmplName), provider.ErrNotFound)
	}

	// Clone, retrying with a fresh ID when another client took ours.
	var g guest
	for attempt := 0; ; attempt++ {
		vmid := wantID
		if vmid == 0 {
			next, err := get[flexText](ctx, c, call{op: op, path: "/cluster/nextid", idempotent: true, what: "next free VM ID"})
			if err != nil {
				return provider.Account{}, err
			}
			if vmid, err = parseVMID(string(next)); err != nil {
				return fail("/cluster/nextid: "+err.Error(), nil)
			}
		}
		form := url.Values{"newid": {strconv.Itoa(vmid)}, "full": {"1"}}
		if c.cfg.LinkedClone {
			form.Set("full", "0")
		}
		if tmpl.res.Type == "lxc" {
			form.Set("hostname", domain)
		} else {
			form.Set("name", domain)
		}
		target := tmpl.res.Node
		if node := n.Extra["node"]; node != "" && node != tmpl.res.Node {
			form.Set("target", node)
			target = node
		}
		if s := n.Extra["storage"]; s != "" {
			form.Set("storage", s)
		}
		if pool != "" {
			form.Set("pool", pool)
		}
		upid, err := get[string](ctx, c, call{op: op, method: http.MethodPost, path: tmpl.path() + "/clone",
			form: form, what: "clone template " + tmplName})
		if errors.Is(err, provider.ErrExists) && wantID == 0 && attempt < 2 {
			continue
		}
		if err != nil {
			return provider.Account{}, err
		}
		g = guest{res: resource{Type: tmpl.res.Type, Node: target, Name: domain}, vmid: vmid}
		if err := c.wait(ctx, op, g.what(), upid); err != nil {
			return provider.Account{}, err
		}
		break
	}

	// Configure: tags, and the cloud-init user for QEMU.
	cfg, err := c.guestConfig(ctx, op, g)
	if err != nil {
		return provider.Account{}, annotate(err, fmt.Sprintf("guest %d was cloned", g.vmid))
	}
	current := splitTags(cfg["tags"])
	keep := withoutTags(current, c.managedTag)
	form := url.Values{}
	if newTags := append(keep, tags...); len(newTags) > 0 {
		form.Set("tags", joinTags(newTags))
	} else if len(current) > 0 {
		form.Set("delete", "tags")
	}
	if g.res.Type == "qemu" {
		if n.Username != "" {
			form.Set("ciuser", n.Username)
		}
		if n.Password != "" {
			form.Set("cipassword", n.Password)
		}
	}
	if len(form) > 0 {
		if _, err := get[any](ctx, c, call{op: op, method: http.MethodPut, path: g.path() + "/config",
			form: form, what: g.what(), allowNull: true}); err != nil {
			return provider.Account{}, annotate(err, fmt.Sprintf("guest %d was cloned", g.vmid))
		}
	}
	switch strings.ToLower(n.Extra["start"]) {
	case "0", "false", "no":
	default:
		if err := c.power(ctx, op, g, "start"); err != nil {
			return provider.Account{}, annotate(err, fmt.Sprintf("guest %d was cloned and configured", g.vmid))
		}
	}

	// Read it back as the listing shows it.
	c.cache.forget(g.vmid)
	found, err := c.find(ctx, op, c.identifier(g.vmid))
	if err != nil {
		return provider.Account{}, annotate(err, fmt.Sprintf("guest %d was created", g.vmid))
	}
	if found.cfg, err = c.guestConfig(ctx, op, found); err != nil {
		return provider.Account{}, annotate(err, fmt.Sprintf("guest %d was created", g.vmid))
	}
	var owners map[string]string
	if c.cfg.Pools == PoolIsOwner {
		if owners, err = c.poolOwners(ctx, op); err != nil {
			return provider.Account{}, annotate(err, fmt.Sprintf("guest %d was created", g.vmid))
		}
	}
	d, err := c.detailOf(found.res.Type, found.cfg)
	if err != nil {
		return provider.Account{}, c.recordError(op, found.res.label(), err.Error())
	}
	a, err := c.account(found, d, true, d.tags, owners)
	if err != nil {
		return provider.Account{}, c.recordError(op, found.res.label(), err.Error())
	}
	return a, nil
}

// managedTag reports the tags this package writes: product, owner and
// SuspendedTag.
func (c *Client) managedTag(t string) bool {
	return strings.EqualFold(t, SuspendedTag) ||
		(c.cfg.Pools != PoolIsProduct && hasPrefixFold(t, c.cfg.ProductTagPrefix)) ||
		(c.cfg.Pools != PoolIsOwner && hasPrefixFold(t, c.cfg.OwnerTagPrefix))
}

// TerminateAccount stops the guest if it runs, then destroys it with its
// disks. It is idempotent: a guest that is already gone gives nil. It
// refuses templates.
//
// Remote calls: GET /cluster/resources?type=vm (the guest's node), GET
// .../status/current, POST .../status/stop (a task, polled) when it runs,
// then DELETE /nodes/{node}/{qemu|lxc}/{vmid}?purge=1&destroy-unreferenced-disks=1
// (a task, polled). When any of them fails, GET /cluster/resources again
// decides: a guest no longer listed (once /access/permissions has shown it
// would be) is terminated, whatever the failure said; one still listed
// returns the failure.
func (c *Client) TerminateAccount(ctx context.Context, a provider.Account) error {
	const op = opTerminate
	g, err := c.findAccount(ctx, op, a)
	if errors.Is(err, provider.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	c.cache.forget(g.vmid)
	err = c.destroy(ctx, op, g)
	if err == nil || ctx.Err() != nil {
		return err
	}
	if _, ferr := c.find(ctx, op, c.identifier(g.vmid)); errors.Is(ferr, provider.ErrNotFound) {
		c.log.DebugContext(ctx, "proxmox: guest gone after a failed step of terminate", "vmid", g.vmid, "error", err)
		return nil
	}
	return err
}

// destroy stops the guest when it runs and deletes it.
func (c *Client) destroy(ctx context.Context, op string, g guest) error {
	st, err := c.status(ctx, op, g)
	if err != nil {
		return err
	}
	if st.Status != "stopped" {
		if err := c.power(ctx, op, g, "stop"); err != nil {
			return err
		}
	}
	upid, err := get[string](ctx, c, call{op: op, method: http.MethodDelete, path: g.path(),
		query: url.Values{"purge": {"1"}, "destroy-unreferenced-disks": {"1"}}, what: g.what()})
	if err != nil {
		return err
	}
	return c.wait(ctx, op, g.what(), upid)
}

// SuspendAccount stops the guest and tags it SuspendedTag, so that the
// listing reads it as Suspended (a stopped guest without the tag stays
// Active: it may have been shut down by its owner). It is idempotent.
// reason is not stored: Proxmox VE has no place for it.
//
// Remote calls: GET /cluster/resources?type=vm, GET .../status/current,
// POST .../status/stop (a task, polled) when the guest runs, then GET and
// PUT .../config (the tag, guarded by the config digest).
func (c *Client) SuspendAccount(ctx context.Context, a provider.Account, reason string) error {
	const op = opSuspend
	g, err := c.findAccount(ctx, op, a)
	if err != nil {
		return err
	}
	st, err := c.status(ctx, op, g)
	if err != nil {
		return err
	}
	if st.Status != "stopped" {
		if err := c.power(ctx, op, g, "stop"); err != nil {
			return err
		}
	}
	return c.editTags(ctx, op, g, func(tags []string) []string {
		if hasTag(tags, SuspendedTag) {
			return tags
		}
		return append(tags, SuspendedTag)
	})
}

// UnsuspendAccount starts a guest that SuspendAccount stopped and removes
// SuspendedTag. The start comes first, so that a failed start leaves the
// guest Suspended rather than stopped and listed Active. A guest without
// the tag is left as it is, even when stopped. It is idempotent.
//
// Remote calls: GET /cluster/resources?type=vm, GET .../config, GET
// .../status/current and POST .../status/start (a task, polled) when the
// guest is tagged and stopped, then PUT .../config.
func (c *Client) UnsuspendAccount(ctx context.Context, a provider.Account) error {
	const op = opUnsuspend
	g, err := c.findAccount(ctx, op, a)
	if err != nil {
		return err
	}
	cfg, err := c.guestConfig(ctx, op, g)
	if err != nil {
		return err
	}
	if !hasTag(splitTags(cfg["tags"]), SuspendedTag) {
		return nil
	}
	st, err := c.status(ctx, op, g)
	if err != nil {
		return err
	}
	if st.Status != "running" {
		if err := c.power(ctx, op, g, "start"); err != nil {
			return err
		}
	}
	return c.editTags(ctx, op, g, func(tags []string) []string {
		return withoutTags(tags, func(t string) bool { return strings.EqualFold(t, SuspendedTag) })
	})
}

// ListPackages returns the templates (guests with template=1), by name,
// or the resource pools when Config.Pools is PoolIsProduct. Extra holds
// "vmid", "node" and "type" of a template, or "comment" of a pool. It is a
// read.
//
// Remote calls: GET /access/permissions?path=/vms and GET
// /cluster/resources?type=vm, or GET /pools.
func (c *Client) ListPackages(ctx context.Context) ([]provider.Package, error) {
	const op = opPackages
	var pkgs []provider.Package
	if c.cfg.Pools == PoolIsProduct {
		pools, err := get[[]pool](ctx, c, call{op: op, path: "/pools", idempotent: true, what: "list pools"})
		if err != nil {
			return nil, err
		}
		for _, p := range pools {
			if p.PoolID == "" {
				return nil, c.recordError(op, "pool", "no poolid")
			}
			pkgs = append(pkgs, provider.Package{Name: p.PoolID, Extra: map[string]string{"comment": p.Comment}})
		}
	} else {
		if err := c.checkVisibility(ctx, op); err != nil {
			return nil, err
		}
		res, err := c.resources(ctx, op)
		if err != nil {
			return nil, err
		}
		byName := map[string]int{}
		for _, r := range res {
			if !bool(r.Template) || r.Name == "" {
				continue
			}
			vmid, err := parseVMID(string(r.VMID))
			if err != nil {
				return nil, c.recordError(op, r.label(), "vmid: "+err.Error())
			}
			if prev, dup := byName[r.Name]; dup {
				return nil, &provider.APIError{Type: typeName, Op: op,
					Message: fmt.Sprintf("two templates are named %q (VM IDs %d and %d): a package must name one", r.Name, prev, vmid)}
			}
			byName[r.Name] = vmid
			pkgs = append(pkgs, provider.Package{Name: r.Name, Extra: map[string]string{
				"vmid": strconv.Itoa(vmid), "node": r.Node, "type": r.Type,
			}})
		}
	}
	slices.SortFunc(pkgs, func(a, b provider.Package) int { return strings.Compare(a.Name, b.Name) })
	if pkgs == nil {
		pkgs = []provider.Package{}
	}
	return pkgs, nil
}

// findAccount locates the guest of an account by its UniqueIdentifier (or
// Extra["vmid"]).
func (c *Client) findAccount(ctx context.Context, op string, a provider.Account) (guest, error) {
	id := strings.TrimSpace(a.UniqueIdentifier)
	if id == "" {
		id = a.Extra["vmid"]
	}
	return c.find(ctx, op, id)
}

// find locates a guest by identifier ("101", or "pve1/101" with the
// cluster prefix) in GET /cluster/resources?type=vm, which also names its
// current node. A guest that is not listed gives provider.ErrNotFound,
// once GET /access/permissions has shown that the credentials could have
// seen it. An identifier of another cluster is an error, not "not found",
// so that TerminateAccount never reads it as gone.
func (c *Client) find(ctx context.Context, op, id string) (guest, error) {
	fail := func(msg string, cause error) (guest, error) {
		return guest{}, &provider.APIError{Type: typeName, Op: op, Message: msg, Err: cause}
	}
	raw := id
	if prefix, rest, ok := strings.Cut(id, "/"); ok {
		if prefix != c.cfg.Cluster {
			return fail(fmt.Sprintf("identifier %q belongs to cluster %q; this client serves cluster %q", raw, prefix, c.cfg.Cluster), nil)
		}
		id = rest
	}
	vmid, err := parseVMID(id)
	if err != nil {
		return fail(fmt.Sprintf("identifier %q: %v", raw, err), provider.ErrNotFound)
	}
	res, err := c.resources(ctx, op)
	if err != nil {
		return guest{}, err
	}
	for _, r := range res {
		if string(r.VMID) != strconv.Itoa(vmid) {
			continue
		}
		g, err := c.checkGuest(op, r)
		if err != nil {
			return guest{}, err
		}
		if r.Template {
			return fail(fmt.Sprintf("guest %s is a template, not an account: refusing to act on it", r.label()), provider.ErrNotSupported)
		}
		return g, nil
	}
	if err := c.checkVisibility(ctx, op); err != nil {
		return guest{}, err
	}
	return fail(fmt.Sprintf("guest %d does not exist", vmid), provider.ErrNotFound)
}

// status reads GET .../status/current, which is fresh, unlike the status
// in /cluster/resources (updated every few seconds).
func (c *Client) status(ctx context.Context, op string, g guest) (guestStatus, error) {
	return get[guestStatus](ctx, c, call{op: op, path: g.path() + "/status/current", idempotent: true, what: g.what()})
}

// power posts .../status/{start|stop} and waits for the task. When that
// fails, the guest's state decides (GET .../status/current): a guest
// already where the action would take it is a success, whatever the
// failure said ("VM 105 already running", "CT 105 not running", a start
// someone else made at the same time).
func (c *Client) power(ctx context.Context, op string, g guest, action string) error {
	upid, err := get[string](ctx, c, call{op: op, method: http.MethodPost, path: g.path() + "/status/" + action,
		form: url.Values{}, what: g.what() + ": " + action})
	if err == nil {
		err = c.wait(ctx, op, g.what()+": "+action, upid)
	}
	if err == nil || ctx.Err() != nil {
		return err
	}
	want := map[string]string{"start": "running", "stop": "stopped"}[action]
	if st, serr := c.status(ctx, op, g); serr == nil && st.Status == want {
		return nil
	}
	return err
}

// editTags rewrites the guest's tags with edit, guarded by the config
// digest so that a concurrent change is not lost; on a digest conflict it
// reads again, up to three times. No change, no write.
func (c *Client) editTags(ctx context.Context, op string, g guest, edit func([]string) []string) error {
	for attempt := 0; ; attempt++ {
		cfg, err := c.guestConfig(ctx, op, g)
		if err != nil {
			return err
		}
		old := splitTags(cfg["tags"])
		nw := edit(slices.Clone(old))
		if slices.Equal(old, nw) {
			return nil
		}
		form := url.Values{}
		if d := cfg["digest"]; d != "" {
			form.Set("digest", d)
		}
		if len(nw) == 0 {
			form.Set("delete", "tags")
		} else {
			form.Set("tags", joinTags(nw))
		}
		_, err = get[any](ctx, c, call{op: op, method: http.MethodPut, path: g.path() + "/config",
			form: form, what: g.what(), allowNull: true})
		var ae *provider.APIError
		if errors.As(err, &ae) && strings.Contains(ae.Message, "detected modified configuration") && attempt < 2 {
			continue
		}
		return err
	}
}

// annotate prefixes the message of an API error with what had been done,
// keeping its sentinels.
func annotate(err error, done string) error {
	var ae *provider.APIError
	if !errors.As(err, &ae) {
		return fmt.Errorf("%s: %w", done, err)
	}
	cp := *ae
	msg := cp.Message
	if msg == "" && cp.Err != nil {
		msg = cp.Err.Error()
	}
	cp.Message = done + ", then: " + msg
	return &cp
}
