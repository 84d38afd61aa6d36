package proxmox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/accountsync/accountsync/provider"
)

// Operation names, as they appear in errors.
const (
	opList      = "list accounts"
	opCreate    = "create account"
	opTerminate = "terminate account"
	opSuspend   = "suspend account"
	opUnsuspend = "unsuspend account"
	opPackages  = "list packages"
)

// guest is a guest of the listing, checked.
type guest struct {
	res  resource
	vmid int
	cfg  guestConfig // when read
}

// what names the guest in errors: "guest qemu/105 on node pve1".
func (g guest) what() string {
	return "guest " + g.res.Type + "/" + strconv.Itoa(g.vmid) + " on node " + g.res.Node
}

// path is the guest's API path: "/nodes/pve1/qemu/105".
func (g guest) path() string {
	return "/nodes/" + url.PathEscape(g.res.Node) + "/" + g.res.Type + "/" + strconv.Itoa(g.vmid)
}

// ListAccounts returns every QEMU VM and LXC container of the cluster,
// templates excepted, or an error and none. It is a read and safe to
// repeat.
//
// Remote calls: GET /access/permissions?path=/vms (the credentials must
// hold VM.Audit on /vms, or the listing would silently miss guests; with
// Config.Pools, then ?path=/pool for Pool.Audit, or guests would show
// without their pool) and, at the same time, GET /version (tags are in
// the guest listing from Proxmox VE 7.3 on); then GET
// /cluster/resources?type=vm (every guest with its node, status, name,
// tags, pool and lock, in one answer) and, with PoolIsOwner, GET /pools;
// then GET /nodes/{node}/{qemu|lxc}/{vmid}/config,
// Config.Concurrency at a time, for each guest whose creation time,
// cloud-init user and address (and a container's hostname when it is
// listed as "CT<vmid>") this Client does not hold from an earlier listing;
// see [Config.CacheMaxAge]. Before 7.3 every guest's configuration is
// read, for its tags. Any failure among them, including a node that does
// not answer (HTTP 595/596, or a guest whose status is "unknown"), fails
// the whole listing.
func (c *Client) ListAccounts(ctx context.Context) ([]provider.Account, error) {
	v, err := c.view(ctx, opList)
	if err != nil {
		return nil, err
	}
	guests := make([]guest, 0, len(v.res))
	seen := make(map[int]string, len(v.res))
	for _, r := range v.res {
		g, err := c.checkGuest(opList, r)
		if err != nil {
			return nil, err
		}
		if r.Template {
			continue
		}
		if prev, dup := seen[g.vmid]; dup {
			return nil, c.recordError(opList, r.label(), "VM ID "+strconv.Itoa(g.vmid)+" is listed twice (also as "+prev+")")
		}
		seen[g.vmid] = r.label()
		guests = append(guests, g)
	}
	slices.SortFunc(guests, func(a, b guest) int { return a.vmid - b.vmid })

	// Take from the cache what it still holds for the same run of the same
	// guest; read the rest.
	details := make([]detail, len(guests))
	fresh := make([]bool, len(guests))
	var read []int
	for i, g := range guests {
		if v.tagsListed {
			if d, ok := c.cache.get(g.vmid, g.res.Type, v.sighting(g.res)); ok {
				details[i] = d
				continue
			}
		}
		read = append(read, i)
	}
	if err := c.readDetails(ctx, opList, guests, read, details); err != nil {
		return nil, err
	}
	for _, i := range read {
		fresh[i] = true
		c.cache.put(guests[i].vmid, guests[i].res.Type, v.sighting(guests[i].res), details[i])
	}
	c.cache.keepOnly(seen)

	accounts := make([]provider.Account, 0, len(guests))
	for i, g := range guests {
		tags := g.res.Tags
		if !v.tagsListed {
			tags = details[i].tags
		}
		a, err := c.account(g, details[i], fresh[i], tags, v.owners)
		if err != nil {
			return nil, c.recordError(opList, g.res.label(), err.Error())
		}
		accounts = append(accounts, a)
	}
	return accounts, nil
}

// clusterView is what a listing reads about the whole cluster before any
// guest.
type clusterView struct {
	res        []resource
	tagsListed bool              // /cluster/resources carries tags (7.3 on)
	owners     map[string]string // with PoolIsOwner
	at         time.Time         // when /cluster/resources answered
	took       time.Duration     // how long it took
}

// sighting is what the view shows of a guest's power state.
func (v clusterView) sighting(r resource) sighting {
	s := sighting{at: v.at, running: r.Status == "running", slack: statusSlack + v.took}
	if s.running {
		if up, err := strconv.ParseInt(string(r.Uptime), 10, 64); err == nil && up > 0 {
			s.uptime = time.Duration(up) * time.Second
		} else {
			// Without an uptime, the run cannot be told apart.
			s.running = false
		}
	}
	return s
}

// view reads the caller's permissions on /vms and the version, then the
// guests of the cluster and, with PoolIsOwner, the pools. The permission
// check comes first: without VM.Audit on /vms the listing shows fewer
// guests, not an error, and there is no point in reading it.
func (c *Client) view(ctx context.Context, op string) (clusterView, error) {
	var (
		v       clusterView
		version pveVersion
	)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		if err := c.checkVisibility(gctx, op); err != nil {
			return err
		}
		if c.cfg.Pools != PoolIgnored {
			return c.checkPoolVisibility(gctx, op)
		}
		return nil
	})
	g.Go(func() (err error) {
		version, err = get[pveVersion](gctx, c, call{op: op, path: "/version", idempotent: true, what: "read the version"})
		return err
	})
	if err := g.Wait(); err != nil {
		return clusterView{}, err
	}
	var err error
	if v.tagsListed, err = version.tagsInResources(); err != nil {
		return clusterView{}, &provider.APIError{Type: typeName, Op: op, Message: "GET /version: " + err.Error()}
	}
	g, gctx = errgroup.WithContext(ctx)
	g.Go(func() error {
		sent := time.Now()
		res, err := c.resources(gctx, op)
		v.res, v.at = res, time.Now()
		v.took = v.at.Sub(sent)
		return err
	})
	if c.cfg.Pools == PoolIsOwner {
		g.Go(func() (err error) { v.owners, err = c.poolOwners(gctx, op); return err })
	}
	if err := g.Wait(); err != nil {
		return clusterView{}, err
	}
	if err := ctx.Err(); err != nil {
		return clusterView{}, &provider.APIError{Type: typeName, Op: op, Err: err}
	}
	return v, nil
}

// checkVisibility makes sure the credentials can see every guest. A
// privilege-separated API token starts with no permissions, and Proxmox
// VE then answers the listing with fewer guests, or none, instead of a
// 403; an empty list must not read as "every VM was deleted". It calls GET
// /access/permissions?path=/vms, which returns the caller's effective
// privileges on /vms with their propagate flag, and requires VM.Audit,
// propagated (as the PVEAuditor role grants it).
func (c *Client) checkVisibility(ctx context.Context, op string) error {
	perms, err := get[map[string]map[string]json.RawMessage](ctx, c, call{
		op: op, path: "/access/permissions", query: url.Values{"path": {"/vms"}},
		idempotent: true, what: "read the permissions of " + c.cfg.Username,
	})
	if err != nil {
		return err
	}
	switch v := strings.TrimSpace(string(perms["/vms"]["VM.Audit"])); v {
	case "1", "true", `"1"`:
		return nil
	case "":
		return &provider.APIError{Type: typeName, Op: op, Err: provider.ErrUnauthorized, Message: c.cfg.Username +
			" lacks VM.Audit on /vms, so the listing would miss guests: grant it the PVEAuditor role on /vms" +
			" (a privilege-separated API token needs its own ACL entry)"}
	default:
		return &provider.APIError{Type: typeName, Op: op, Err: provider.ErrUnauthorized, Message: c.cfg.Username +
			" holds VM.Audit on /vms without propagation, so the listing would miss guests: grant it with propagate=1"}
	}
}

// checkPoolVisibility makes sure the credentials see every guest's pool
// when pools carry meaning (Config.Pools): /cluster/resources leaves a
// guest's pool out when the caller lacks Pool.Audit on it (pve-manager,
// PVE/API2/Cluster.pm), and a product or owner would then read as none.
// It calls GET /access/permissions?path=/pool and requires Pool.Audit,
// propagated.
func (c *Client) checkPoolVisibility(ctx context.Context, op string) error {
	perms, err := get[map[string]map[string]json.RawMessage](ctx, c, call{
		op: op, path: "/access/permissions", query: url.Values{"path": {"/pool"}},
		idempotent: true, what: "read the permissions of " + c.cfg.Username,
	})
	if err != nil {
		return err
	}
	switch v := strings.TrimSpace(string(perms["/pool"]["Pool.Audit"])); v {
	case "1", "true", `"1"`:
		return nil
	default:
		return &provider.APIError{Type: typeName, Op: op, Err: provider.ErrUnauthorized, Message: c.cfg.Username +
			" lacks Pool.Audit on /pool (propagated), so the listing would show guests without their pool, which Config.Pools" +
			" reads as the " + c.cfg.Pools.String() + ": grant it the PVEPoolAuditor role on /pool"}
	}
}

// resources reads GET /cluster/resources?type=vm.
func (c *Client) resources(ctx context.Context, op string) ([]resource, error) {
	return get[[]resource](ctx, c, call{
		op: op, path: "/cluster/resources", query: url.Values{"type": {"vm"}},
		idempotent: true, what: "list cluster resources",
	})
}

// checkGuest validates one resource entry and parses its VM ID. A guest
// listed with status "unknown" has no recent status broadcast from its
// node (pve-manager's extract_vm_stats): the node is offline, or the guest
// is seconds old. Its state cannot be known, so it fails the listing like
// an unreachable node does.
func (c *Client) checkGuest(op string, r resource) (guest, error) {
	vmid, err := parseVMID(string(r.VMID))
	if err != nil {
		return guest{}, c.recordError(op, r.label(), "vmid: "+err.Error())
	}
	if r.Type != "qemu" && r.Type != "lxc" {
		return guest{}, c.recordError(op, r.label(), fmt.Sprintf("type %q is neither qemu nor lxc", r.Type))
	}
	if r.Node == "" {
		return guest{}, c.recordError(op, r.label(), "no node")
	}
	switch r.Status {
	case "":
		return guest{}, c.recordError(op, r.label(), "no status")
	case "unknown":
		return guest{}, &provider.APIError{Type: typeName, Op: op,
			Message: fmt.Sprintf("guest %s has status \"unknown\": node %s is offline or unreachable, or has not reported the guest yet", r.label(), r.Node),
			Err:     errors.Join(ErrNodeUnreachable, provider.ErrTransient)}
	}
	return guest{res: r, vmid: vmid}, nil
}

// readDetails reads the configuration of guests[i] for each i in which,
// Config.Concurrency at a time, into details[i]. The first failure stops
// the rest and is returned.
func (c *Client) readDetails(ctx context.Context, op string, guests []guest, which []int, details []detail) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(c.cfg.Concurrency)
	for _, i := range which {
		if gctx.Err() != nil {
			break
		}
		g.Go(func() error {
			cfg, err := c.guestConfig(gctx, op, guests[i])
			if err != nil {
				return err
			}
			d, err := c.detailOf(guests[i].res.Type, cfg)
			if err != nil {
				return c.recordError(op, guests[i].res.label(), err.Error())
			}
			details[i] = d
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return &provider.APIError{Type: typeName, Op: op, Err: err}
	}
	return nil
}

// guestConfig reads GET /nodes/{node}/{qemu|lxc}/{vmid}/config. Proxmox VE
// always adds the file's "digest"; an answer without one is not a
// configuration.
func (c *Client) guestConfig(ctx context.Context, op string, g guest) (guestConfig, error) {
	cfg, err := get[guestConfig](ctx, c, call{op: op, path: g.path() + "/config", idempotent: true, what: g.what()})
	if err != nil {
		return nil, err
	}
	if cfg["digest"] == "" {
		return nil, &provider.APIError{Type: typeName, Op: op,
			Message: g.what() + `: the configuration has no "digest", which Proxmox VE always sends: not a guest configuration`}
	}
	return cfg, nil
}

// poolOwners reads GET /pools and returns the owner e-mail address each
// pool's comment holds ("alice@example.com" or "Alice <alice@example.com>").
// A comment that is not an address gives no owner.
func (c *Client) poolOwners(ctx context.Context, op string) (map[string]string, error) {
	pools, err := get[[]pool](ctx, c, call{op: op, path: "/pools", idempotent: true, what: "list pools"})
	if err != nil {
		return nil, err
	}
	owners := make(map[string]string, len(pools))
	for _, p := range pools {
		if a, err := mail.ParseAddress(strings.TrimSpace(p.Comment)); err == nil {
			owners[p.PoolID] = a.Address
		}
	}
	return owners, nil
}

// identifier is the guest's UniqueIdentifier: the VM ID, prefixed with
// the cluster name when one is configured.
func (c *Client) identifier(vmid int) string {
	if c.cfg.Cluster != "" {
		return c.cfg.Cluster + "/" + strconv.Itoa(vmid)
	}
	return strconv.Itoa(vmid)
}

// detail is what a listing takes from a guest's configuration: what
// /cluster/resources lacks.
type detail struct {
	name     string    // QEMU name or LXC hostname; "" when unset
	created  time.Time // QEMU meta ctime; zero for LXC and older VMs
	username string    // QEMU cloud-init user
	ip       string    // the primary static address
	tags     string    // as read; used when /cluster/resources has none
}

// detailOf reads a guest's configuration:
//
//   - name: the QEMU name or the LXC hostname;
//   - created: the ctime in the QEMU meta property
//     ("creation-qemu=8.1.5,ctime=1708264093"); LXC has none;
//   - username: the QEMU cloud-init user (ciuser); LXC has none;
//   - ip: the first static address of ipconfig0..31 (QEMU) or net0..31
//     (LXC), IPv4 before IPv6; "" for DHCP.
func (c *Client) detailOf(typ string, cfg guestConfig) (detail, error) {
	d := detail{tags: cfg["tags"]}
	switch typ {
	case "qemu":
		d.name = cfg["name"]
		d.username = cfg["ciuser"]
		if meta, ok := cfg["meta"]; ok {
			if ct, ok := propertyList(meta)["ctime"]; ok {
				sec, err := strconv.ParseInt(ct, 10, 64)
				if err != nil || sec <= 0 {
					return detail{}, fmt.Errorf("meta ctime %q is not a Unix time", ct)
				}
				d.created = time.Unix(sec, 0)
			}
		}
	case "lxc":
		d.name = cfg["hostname"]
	}
	ip, err := primaryIP(typ, cfg)
	if err != nil {
		return detail{}, err
	}
	d.ip = ip
	return d, nil
}

// domain is the guest's name from its own configuration: the QEMU name or
// the LXC hostname, "" when it has none. /cluster/resources shows it as
// the guest's node last reported it, but a guest without one as "VM
// <vmid>" (qemu-server, vmstatus: name || "VM $vmid") or "CT<vmid>"
// (pve-container, vmstatus: hostname || "CT$vmid"). "VM 105" cannot be a
// name (names are DNS names, without spaces), so it means none; "CT105"
// can be a hostname, so it is taken from the configuration. A
// configuration read in this listing wins over the listed name.
func domain(g guest, d detail, fresh bool) string {
	r := g.res
	placeholder := map[string]string{"qemu": "VM ", "lxc": "CT"}[r.Type] + strconv.Itoa(g.vmid)
	switch {
	case fresh, r.Name == "", r.Type == "lxc" && r.Name == placeholder:
		return d.name
	case r.Name == placeholder:
		return ""
	}
	return r.Name
}

// account maps a guest, what its configuration says and its tags to the
// WHMCS record.
//
//   - UniqueIdentifier: the VM ID ("101", or "pve1/101" with Config.Cluster).
//   - Domain: the QEMU name or the LXC hostname; see domain.
//   - Username, PrimaryIP, Created: see detailOf.
//   - Product: the pool (PoolIsProduct) or the product tag's value.
//   - Email: the pool comment (PoolIsOwner) or the owner tag's value.
//   - Status: Suspended when the guest has SuspendedTag and is stopped.
func (c *Client) account(g guest, d detail, fresh bool, tagList string, owners map[string]string) (provider.Account, error) {
	r := g.res
	tags := splitTags(tagList)
	a := provider.Account{
		UniqueIdentifier: c.identifier(g.vmid),
		Domain:           domain(g, d, fresh),
		Username:         d.username,
		PrimaryIP:        d.ip,
		Status:           provider.StatusActive,
	}
	if !d.created.IsZero() {
		a.Created = d.created.In(c.cfg.Location)
	}
	if hasTag(tags, SuspendedTag) && r.Status == "stopped" {
		a.Status = provider.StatusSuspended
	}
	var err error
	switch c.cfg.Pools {
	case PoolIsProduct:
		a.Product = r.Pool
	default:
		if a.Product, err = tagValue(tags, c.cfg.ProductTagPrefix); err != nil {
			return provider.Account{}, err
		}
	}
	switch c.cfg.Pools {
	case PoolIsOwner:
		a.Email = owners[r.Pool]
	default:
		v, err := tagValue(tags, c.cfg.OwnerTagPrefix)
		if err != nil {
			return provider.Account{}, err
		}
		a.Email = decodeOwner(v)
	}
	a.Extra = map[string]string{
		"vmid":   strconv.Itoa(g.vmid),
		"node":   r.Node,
		"type":   r.Type,
		"status": r.Status,
	}
	for k, v := range map[string]string{"lock": r.Lock, "pool": r.Pool, "tags": joinTags(tags), "cluster": c.cfg.Cluster} {
		if v != "" {
			a.Extra[k] = v
		}
	}
	return a, nil
}

// primaryIP picks the guest's primary address from its configuration:
// QEMU cloud-init ipconfigN "ip=203.0.113.10/24,gw=..." or LXC netN
// "name=eth0,...,ip=203.0.113.10/24". The lowest N with a static IPv4
// address wins; failing that, the lowest with a static IPv6 address.
// "dhcp", "auto" and "manual" give nothing.
func primaryIP(typ string, cfg guestConfig) (string, error) {
	key := "ipconfig"
	if typ == "lxc" {
		key = "net"
	}
	var v6 string
	for i := range 32 {
		v, ok := cfg[key+strconv.Itoa(i)]
		if !ok {
			continue
		}
		props := propertyList(v)
		for _, fam := range []string{"ip", "ip6"} {
			s := props[fam]
			switch strings.ToLower(s) {
			case "", "dhcp", "auto", "manual":
				continue
			}
			addr, err := parseAddr(s)
			if err != nil {
				return "", fmt.Errorf("%s%d %s=%q: %v", key, i, fam, s, err)
			}
			if addr.Is4() {
				return addr.String(), nil
			}
			if v6 == "" {
				v6 = addr.String()
			}
		}
	}
	return v6, nil
}

// parseAddr reads "203.0.113.10/24" or a bare address.
func parseAddr(s string) (netip.Addr, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Addr{}, errors.New("not an address with prefix length")
		}
		return p.Addr(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, errors.New("not an IP address")
	}
	return a, nil
}
