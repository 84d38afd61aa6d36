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

// guest is a guest of the listing, checked, with its configuration once
// read.
type guest struct {
	res  resource
	vmid int
	cfg  guestConfig
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
// hold VM.Audit on /vms, or the listing would silently miss guests), GET
// /cluster/resources?type=vm (every guest and its node, in one answer),
// GET /pools when Config.Pools is PoolIsOwner, then GET
// /nodes/{node}/{qemu|lxc}/{vmid}/config once per guest, Config.Concurrency
// at a time. Any failure among them, including a node that does not
// answer (HTTP 595/596, or a guest whose status is "unknown"), fails the
// whole listing.
func (c *Client) ListAccounts(ctx context.Context) ([]provider.Account, error) {
	if err := c.checkVisibility(ctx, opList); err != nil {
		return nil, err
	}
	res, err := c.resources(ctx, opList)
	if err != nil {
		return nil, err
	}
	var owners map[string]string
	if c.cfg.Pools == PoolIsOwner {
		if owners, err = c.poolOwners(ctx, opList); err != nil {
			return nil, err
		}
	}
	guests := make([]guest, 0, len(res))
	seen := make(map[int]string, len(res))
	for _, r := range res {
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
	if err := c.readConfigs(ctx, opList, guests); err != nil {
		return nil, err
	}
	accounts := make([]provider.Account, 0, len(guests))
	for _, g := range guests {
		a, err := c.account(g, owners)
		if err != nil {
			return nil, c.recordError(opList, g.res.label(), err.Error())
		}
		accounts = append(accounts, a)
	}
	return accounts, nil
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

// resources reads GET /cluster/resources?type=vm.
func (c *Client) resources(ctx context.Context, op string) ([]resource, error) {
	return get[[]resource](ctx, c, call{
		op: op, path: "/cluster/resources", query: url.Values{"type": {"vm"}},
		idempotent: true, what: "list cluster resources",
	})
}

// checkGuest validates one resource entry and parses its VM ID. A guest
// whose node is offline is listed with status "unknown": its state cannot
// be known, so it fails the listing like an unreachable node does.
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
			Message: fmt.Sprintf("node %s is offline or unreachable: guest %s has status \"unknown\"", r.Node, r.label()),
			Err:     errors.Join(ErrNodeUnreachable, provider.ErrTransient)}
	}
	return guest{res: r, vmid: vmid}, nil
}

// readConfigs reads each guest's configuration, Config.Concurrency at a
// time. The first failure stops the rest and is returned.
func (c *Client) readConfigs(ctx context.Context, op string, guests []guest) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(c.cfg.Concurrency)
	for i := range guests {
		if gctx.Err() != nil {
			break
		}
		g.Go(func() error {
			cfg, err := c.guestConfig(gctx, op, guests[i])
			if err != nil {
				return err
			}
			guests[i].cfg = cfg
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

// guestConfig reads GET /nodes/{node}/{qemu|lxc}/{vmid}/config.
func (c *Client) guestConfig(ctx context.Context, op string, g guest) (guestConfig, error) {
	cfg, err := get[guestConfig](ctx, c, call{op: op, path: g.path() + "/config", idempotent: true, what: g.what()})
	if err != nil {
		return nil, err
	}
	if cfg == nil {
		cfg = guestConfig{}
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

// account maps a guest and its configuration to the WHMCS record.
//
//   - UniqueIdentifier: the VM ID ("101", or "pve1/101" with Config.Cluster).
//   - Domain: the QEMU name or the LXC hostname.
//   - Username: the QEMU cloud-init user (ciuser); LXC has none.
//   - Product: the pool (PoolIsProduct) or the product tag's value.
//   - Email: the pool comment (PoolIsOwner) or the owner tag's value.
//   - PrimaryIP: the first static address of ipconfig0..31 (QEMU) or
//     net0..31 (LXC), IPv4 before IPv6; "" for DHCP.
//   - Created: the ctime in the QEMU meta property; zero for LXC.
//   - Status: Suspended when the guest has SuspendedTag and is stopped.
func (c *Client) account(g guest, owners map[string]string) (provider.Account, error) {
	r, cfg := g.res, g.cfg
	tags := splitTags(cfg["tags"])
	a := provider.Account{
		UniqueIdentifier: c.identifier(g.vmid),
		Domain:           r.Name,
		Status:           provider.StatusActive,
	}
	if hasTag(tags, SuspendedTag) && r.Status == "stopped" {
		a.Status = provider.StatusSuspended
	}
	switch r.Type {
	case "qemu":
		if n := cfg["name"]; n != "" {
			a.Domain = n
		}
		a.Username = cfg["ciuser"]
		if meta, ok := cfg["meta"]; ok {
			if ct, ok := propertyList(meta)["ctime"]; ok {
				sec, err := strconv.ParseInt(ct, 10, 64)
				if err != nil || sec <= 0 {
					return provider.Account{}, fmt.Errorf("meta ctime %q is not a Unix time", ct)
				}
				a.Created = time.Unix(sec, 0).In(c.cfg.Location)
			}
		}
	case "lxc":
		if h := cfg["hostname"]; h != "" {
			a.Domain = h
		}
	}
	ip, err := primaryIP(r.Type, cfg)
	if err != nil {
		return provider.Account{}, err
	}
	a.PrimaryIP = ip
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
