package proxmoxtest

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"maps"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/accountsync/accountsync/provider"
)

// The tags the proxmox package reads and writes with its defaults.
const (
	productTag   = "plan-"
	ownerTag     = "owner-"
	suspendedTag = "accountsync-suspended"
)

var (
	tagRE = regexp.MustCompile(`^(?i)[a-z0-9_][a-z0-9_\-+.]*$`)
	dnsRE = regexp.MustCompile(`^(?i)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$`)
)

// vm is one guest of the fake cluster. Its name, tags and template flag
// live in config, as in Proxmox VE.
type vm struct {
	vmid   int
	typ    string // qemu | lxc
	node   string
	status string // running | stopped
	pool   string
	lock   string
	config map[string]string
	start  time.Time
}

func (v *vm) name() string {
	if v.typ == "lxc" {
		return v.config["hostname"]
	}
	return v.config["name"]
}

// listedName is the name /cluster/resources shows: the configured one,
// or the placeholder qemu-server ("VM 105") and pve-container ("CT105",
// whitespace removed) write for a guest without one.
func (v *vm) listedName() string {
	if n := strings.Join(strings.Fields(v.name()), ""); n != "" {
		if v.typ == "lxc" {
			return n
		}
		return v.name()
	}
	if v.typ == "lxc" {
		return "CT" + strconv.Itoa(v.vmid)
	}
	return "VM " + strconv.Itoa(v.vmid)
}

func (v *vm) template() bool { return v.config["template"] == "1" }

func (v *vm) tags() []string { return splitTags(v.config["tags"]) }

// confPath is the file Proxmox VE names in "does not exist" errors.
func confPath(node, typ string, vmid int) string {
	dir := "qemu-server"
	if typ == "lxc" {
		dir = "lxc"
	}
	return fmt.Sprintf("nodes/%s/%s/%d.conf", node, dir, vmid)
}

// digest is the SHA-1 of the configuration, as GET .../config reports it
// and PUT .../config checks it.
func (v *vm) digest() string {
	h := sha1.New()
	for _, k := range slices.Sorted(maps.Keys(v.config)) {
		fmt.Fprintf(h, "%s: %s\n", k, v.config[k])
	}
	if v.lock != "" {
		fmt.Fprintf(h, "lock: %s\n", v.lock)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func splitTags(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == ',' || r == ' ' })
}

// seed fills the cluster from the options.
func (s *Server) seed() {
	o := s.opts
	for _, p := range o.Pools {
		s.pools[p.ID] = p.Comment
	}
	pkgs := o.Packages
	if pkgs == nil {
		seen := map[string]bool{}
		for _, a := range o.Accounts {
			if a.Product != "" && !seen[a.Product] {
				seen[a.Product] = true
				pkgs = append(pkgs, a.Product)
			}
		}
		if len(pkgs) == 0 {
			pkgs = []string{"debian12-cloud"}
		}
	}
	for i, name := range pkgs {
		s.add(Guest{VMID: 9000 + i, Name: name, Node: s.nodes[0], Status: "stopped", Template: true,
			Config: map[string]string{"meta": "creation-qemu=8.1.5,ctime=1700000000", "ostype": "l26", "memory": "2048",
				"cores": "2", "scsi0": fmt.Sprintf("local-lvm:base-%d-disk-0,size=20G", 9000+i), "ide2": "local-lvm:vm-9000-cloudinit,media=cdrom",
				"net0": "virtio=BC:24:11:90:00:00,bridge=vmbr0"}})
	}
	for i, a := range o.Accounts {
		s.add(guestOf(a, s.nodes[i%len(s.nodes)]))
	}
	for _, g := range o.Guests {
		s.add(g)
	}
}

// guestOf maps a seeded account onto a guest; see the package
// documentation.
func guestOf(a provider.Account, node string) Guest {
	id := a.UniqueIdentifier
	if _, rest, ok := strings.Cut(id, "/"); ok {
		id = rest
	}
	vmid, _ := strconv.Atoi(id)
	g := Guest{VMID: vmid, Type: "qemu", Node: node, Name: a.Domain, Status: "running", Pool: a.Extra["pool"], Config: map[string]string{}}
	if t := a.Extra["type"]; t != "" {
		g.Type = t
	}
	if n := a.Extra["node"]; n != "" {
		g.Node = n
	}
	if st := a.Extra["status"]; st != "" {
		g.Status = st
	}
	if a.Product != "" {
		g.Tags = append(g.Tags, productTag+a.Product)
	}
	if a.Email != "" {
		g.Tags = append(g.Tags, ownerTag+strings.Replace(strings.ToLower(a.Email), "@", "_at_", 1))
	}
	if a.Status == provider.StatusSuspended {
		g.Status = "stopped"
		g.Tags = append(g.Tags, suspendedTag)
	}
	mac := fmt.Sprintf("BC:24:11:%02X:%02X:%02X", vmid>>16&0xff, vmid>>8&0xff, vmid&0xff)
	cidr := func(ip string) string {
		if addr, err := netip.ParseAddr(ip); err == nil && addr.Is6() {
			return ip + "/64"
		}
		return ip + "/24"
	}
	if g.Type == "lxc" {
		ip := "dhcp"
		if a.PrimaryIP != "" {
			ip = cidr(a.PrimaryIP)
		}
		g.Config["net0"] = "name=eth0,bridge=vmbr0,hwaddr=" + mac + ",ip=" + ip + ",type=veth"
		g.Config["memory"] = "512"
		g.Config["swap"] = "512"
		g.Config["ostype"] = "debian"
		g.Config["arch"] = "amd64"
		g.Config["rootfs"] = fmt.Sprintf("local-lvm:vm-%d-disk-0,size=8G", vmid)
		return g
	}
	g.Config["net0"] = "virtio=" + mac + ",bridge=vmbr0,firewall=1"
	g.Config["memory"] = "2048"
	g.Config["cores"] = "2"
	g.Config["ostype"] = "l26"
	g.Config["scsi0"] = fmt.Sprintf("local-lvm:vm-%d-disk-0,size=32G", vmid)
	if a.PrimaryIP != "" {
		g.Config["ipconfig0"] = "ip=" + cidr(a.PrimaryIP)
	}
	if a.Username != "" {
		g.Config["ciuser"] = a.Username
	}
	if !a.Created.IsZero() {
		g.Config["meta"] = fmt.Sprintf("creation-qemu=8.1.5,ctime=%d", a.Created.Unix())
	}
	return g
}

// add stores a guest, giving it a free VM ID when it has none (or a taken
// one). s.mu is held or the server is not started.
func (s *Server) add(g Guest) {
	if g.VMID < 100 || s.guests[g.VMID] != nil {
		g.VMID = s.freeID()
	}
	v := &vm{vmid: g.VMID, typ: g.Type, node: g.Node, status: g.Status, pool: g.Pool, lock: g.Lock,
		config: maps.Clone(g.Config), start: s.opts.Now().Add(-24 * time.Hour)}
	if v.config == nil {
		v.config = map[string]string{}
	}
	if v.typ == "" {
		v.typ = "qemu"
	}
	if v.node == "" {
		v.node = s.nodes[len(s.guests)%len(s.nodes)]
	}
	if v.status == "" {
		v.status = "running"
	}
	if g.Name != "" {
		if v.typ == "lxc" {
			v.config["hostname"] = g.Name
		} else {
			v.config["name"] = g.Name
		}
	}
	if g.Template {
		v.config["template"] = "1"
	}
	if len(g.Tags) > 0 {
		v.config["tags"] = strings.Join(g.Tags, ";")
	}
	if v.pool != "" {
		if _, ok := s.pools[v.pool]; !ok {
			s.pools[v.pool] = ""
		}
	}
	s.guests[v.vmid] = v
}

// freeID returns the lowest free VM ID from 100, as /cluster/nextid does.
func (s *Server) freeID() int {
	id := 100
	for s.guests[id] != nil {
		id++
	}
	return id
}

// Guests returns every guest, templates included, ordered by VM ID.
func (s *Server) Guests() []Guest {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Guest, 0, len(s.guests))
	for _, id := range slices.Sorted(maps.Keys(s.guests)) {
		v := s.guests[id]
		cfg := maps.Clone(v.config)
		delete(cfg, "template")
		delete(cfg, "tags")
		out = append(out, Guest{VMID: v.vmid, Type: v.typ, Node: v.node, Name: v.name(), Status: v.status,
			Template: v.template(), Pool: v.pool, Tags: v.tags(), Lock: v.lock, Config: cfg})
	}
	return out
}

// Accounts returns the guests, templates excepted, as the proxmox package
// lists them with its default configuration (Options.Cluster as the
// cluster prefix), ordered by VM ID. Created is in UTC.
func (s *Server) Accounts() []provider.Account {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []provider.Account
	for _, id := range slices.Sorted(maps.Keys(s.guests)) {
		v := s.guests[id]
		if v.template() {
			continue
		}
		out = append(out, s.accountOf(v))
	}
	return out
}

func (s *Server) accountOf(v *vm) provider.Account {
	tags := v.tags()
	a := provider.Account{UniqueIdentifier: strconv.Itoa(v.vmid), Domain: v.name(), Status: provider.StatusActive}
	if s.opts.Cluster != "" {
		a.UniqueIdentifier = s.opts.Cluster + "/" + a.UniqueIdentifier
	}
	for _, t := range tags {
		lt := strings.ToLower(t)
		switch {
		case lt == suspendedTag:
			if v.status == "stopped" {
				a.Status = provider.StatusSuspended
			}
		case strings.HasPrefix(lt, productTag):
			a.Product = t[len(productTag):]
		case strings.HasPrefix(lt, ownerTag):
			val := t[len(ownerTag):]
			if i := strings.LastIndex(val, "_at_"); i > 0 && !strings.Contains(val, "@") {
				val = val[:i] + "@" + val[i+4:]
			}
			a.Email = val
		}
	}
	key := "ipconfig"
	if v.typ == "lxc" {
		key = "net"
	} else {
		a.Username = v.config["ciuser"]
		for _, kv := range strings.Split(v.config["meta"], ",") {
			if ct, ok := strings.CutPrefix(kv, "ctime="); ok {
				if sec, err := strconv.ParseInt(ct, 10, 64); err == nil {
					a.Created = time.Unix(sec, 0).UTC()
				}
			}
		}
	}
	var v6 string
	for i := range 32 {
		for _, kv := range strings.Split(v.config[key+strconv.Itoa(i)], ",") {
			for _, fam := range []string{"ip=", "ip6="} {
				val, ok := strings.CutPrefix(kv, fam)
				if !ok {
					continue
				}
				p, err := netip.ParsePrefix(val)
				if err != nil {
					continue
				}
				if p.Addr().Is4() && a.PrimaryIP == "" {
					a.PrimaryIP = p.Addr().String()
				} else if p.Addr().Is6() && v6 == "" {
					v6 = p.Addr().String()
				}
			}
		}
		if a.PrimaryIP != "" {
			break
		}
	}
	if a.PrimaryIP == "" {
		a.PrimaryIP = v6
	}
	a.Extra = map[string]string{"vmid": strconv.Itoa(v.vmid), "node": v.node, "type": v.typ, "status": v.status}
	for k, val := range map[string]string{"lock": v.lock, "pool": v.pool, "tags": strings.Join(tags, ";"), "cluster": s.opts.Cluster} {
		if val != "" {
			a.Extra[k] = val
		}
	}
	return a
}
