package proxmox_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/proxmox"
)

const fixtureToken = "f1x7ure-5ecret-0000-1111-222233334444"

// fixtureServer serves testdata: /access/permissions, /version,
// /cluster/resources and each guest's config from
// testdata/config/{node}-{type}-{vmid}.json.
// override replaces the body of a path below /api2/json.
func fixtureServer(t *testing.T, override map[string]string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if got := r.Header.Get("Authorization"); got != "PVEAPIToken=sync@pve!audit="+fixtureToken {
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte(`{"data":null}`))
			return
		}
		path := strings.TrimPrefix(r.URL.Path, "/api2/json")
		if body, ok := override[path]; ok {
			w.Write([]byte(body))
			return
		}
		var file string
		switch {
		case path == "/access/permissions" && r.URL.Query().Get("path") == "/vms":
			file = "permissions.json"
		case path == "/access/permissions" && r.URL.Query().Get("path") == "/pool":
			file = "permissions-pool.json"
		case path == "/version":
			file = "version.json"
		case path == "/cluster/resources" && r.URL.Query().Get("type") == "vm":
			file = "cluster_resources.json"
		case strings.HasPrefix(path, "/nodes/") && strings.HasSuffix(path, "/config"):
			p := strings.Split(strings.Trim(path, "/"), "/") // nodes, node, type, vmid, config
			file = filepath.Join("config", p[1]+"-"+p[2]+"-"+p[3]+".json")
		default:
			t.Errorf("unexpected request %s %s", r.Method, r.URL)
			w.WriteHeader(http.StatusNotImplemented)
			return
		}
		b, err := os.ReadFile(filepath.Join("testdata", file))
		if err != nil {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json;charset=UTF-8")
		w.Write(b)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func fixtureClient(t *testing.T, srv *httptest.Server, mod func(*proxmox.Config)) *proxmox.Client {
	t.Helper()
	cfg := proxmox.Config{BaseURL: srv.URL, Username: "sync@pve!audit", APIToken: fixtureToken, RateLimit: -1,
		RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond}
	if mod != nil {
		mod(&cfg)
	}
	return newClient(t, cfg)
}

func TestListAccountsMapsFixtures(t *testing.T) {
	srv := fixtureServer(t, nil)
	accts, err := fixtureClient(t, srv, nil).ListAccounts(context.Background())
	if err != nil {
		t.Fatalf("ListAccounts: %v", err)
	}
	byID := map[string]provider.Account{}
	for _, a := range accts {
		byID[a.UniqueIdentifier] = a
	}
	tests := []struct {
		name      string
		id        string
		want      string // the WHMCS record
		wantExtra map[string]string
	}{
		{"a running QEMU VM in a pool takes name, cloud-init user and IP, tags and ctime", "105",
			`{"email":"alice@example.com","username":"alice","domain":"web105.example.com","uniqueIdentifier":"105","product":"vps2","primaryip":"203.0.113.105","created":"2024-02-18 13:48:13","status":"Active"}`,
			map[string]string{"node": "pve1", "type": "qemu", "status": "running", "pool": "cust-alice"}},
		{"a VM with DHCP on ipconfig0 takes the static address of ipconfig1, and tag prefixes ignore case", "107",
			`{"email":"","username":"dbadmin","domain":"db107.example.com","uniqueIdentifier":"107","product":"DB1","primaryip":"10.20.0.107","created":"2021-09-18 21:20:00","status":"Active"}`,
			map[string]string{"node": "pve2"}},
		{"a stopped LXC container tagged suspended is Suspended, has no ctime and no DHCP address", "210",
			`{"email":"","username":"","domain":"ct210","uniqueIdentifier":"210","product":"ct1","primaryip":"","created":"","status":"Suspended"}`,
			map[string]string{"node": "pve2", "type": "lxc", "status": "stopped"}},
		{"an LXC container takes its hostname from the config and its only address is IPv6", "211",
			`{"email":"bob.smith+ct@mail.example.net","username":"","domain":"v6only.example.net","uniqueIdentifier":"211","product":"ct2","primaryip":"2001:db8:211::10","created":"","status":"Active"}`,
			map[string]string{"node": "pve1", "pool": "cust-bob"}},
		{"a hibernated VM without a name (listed as \"VM 300\") and without the library's tag is Active", "300",
			`{"email":"","username":"","domain":"","uniqueIdentifier":"300","product":"","primaryip":"","created":"2023-05-01 10:00:00","status":"Active"}`,
			map[string]string{"lock": "suspended", "status": "stopped"}},
		{"an LXC container without a hostname (listed as \"CT212\") has no domain", "212",
			`{"email":"","username":"","domain":"","uniqueIdentifier":"212","product":"","primaryip":"192.0.2.212","created":"","status":"Active"}`,
			map[string]string{"node": "pve1", "type": "lxc", "status": "running"}},
		{"a plain stopped VM is Active, not Suspended", "301",
			`{"email":"","username":"","domain":"idle.example.com","uniqueIdentifier":"301","product":"vps4","primaryip":"198.51.100.31","created":"2023-07-22 04:26:40","status":"Active"}`,
			map[string]string{"node": "pve3", "status": "stopped"}},
		{"a VM tagged suspended that someone started again is Active", "302",
			`{"email":"","username":"","domain":"restarted.example.com","uniqueIdentifier":"302","product":"vps2","primaryip":"198.51.100.32","created":"2023-11-14 22:13:20","status":"Active"}`,
			map[string]string{"status": "running", "tags": "accountsync-suspended;plan-vps2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, ok := byID[tt.id]
			if !ok {
				t.Fatalf("guest %s is not listed", tt.id)
			}
			got, _ := json.Marshal(a)
			if string(got) != tt.want {
				t.Errorf("record:\n got  %s\n want %s", got, tt.want)
			}
			if a.Extra["vmid"] != tt.id {
				t.Errorf("Extra[vmid] = %q, want %q", a.Extra["vmid"], tt.id)
			}
			for k, v := range tt.wantExtra {
				if a.Extra[k] != v {
					t.Errorf("Extra[%q] = %q, want %q", k, a.Extra[k], v)
				}
			}
		})
	}
	t.Run("the template is not listed and every other guest is, in VM ID order", func(t *testing.T) {
		var ids []string
		for _, a := range accts {
			ids = append(ids, a.UniqueIdentifier)
		}
		if got, want := strings.Join(ids, ","), "105,107,210,211,212,300,301,302"; got != want {
			t.Errorf("listed %s, want %s", got, want)
		}
	})
}

func TestListAccountsOptions(t *testing.T) {
	tests := []struct {
		name  string
		mod   func(*proxmox.Config)
		over  map[string]string
		id    string
		check func(t *testing.T, a provider.Account)
	}{
		{"a cluster name prefixes every identifier", func(c *proxmox.Config) { c.Cluster = "pve-a" }, nil, "pve-a/105",
			func(t *testing.T, a provider.Account) {
				if a.Extra["cluster"] != "pve-a" {
					t.Errorf("Extra[cluster] = %q", a.Extra["cluster"])
				}
			}},
		{"Created is expressed in the configured location", func(c *proxmox.Config) {
			c.Location = time.FixedZone("CET", 3600)
		}, nil, "105", func(t *testing.T, a provider.Account) {
			b, _ := json.Marshal(a)
			if !strings.Contains(string(b), `"created":"2024-02-18 14:48:13"`) {
				t.Errorf("record %s, want created 2024-02-18 14:48:13 (CET)", b)
			}
		}},
		{"pools as products take the pool name", func(c *proxmox.Config) { c.Pools = proxmox.PoolIsProduct }, nil, "105",
			func(t *testing.T, a provider.Account) {
				if a.Product != "cust-alice" {
					t.Errorf("Product = %q, want cust-alice", a.Product)
				}
			}},
		{"pools as owners take the address in the pool comment", func(c *proxmox.Config) { c.Pools = proxmox.PoolIsOwner },
			map[string]string{"/pools": `{"data":[{"poolid":"cust-alice","comment":"Alice Example <alice.pool@example.com>"},{"poolid":"cust-bob","comment":"no address here"}]}`},
			"105", func(t *testing.T, a provider.Account) {
				if a.Email != "alice.pool@example.com" || a.Product != "vps2" {
					t.Errorf("Email, Product = %q, %q; want alice.pool@example.com, vps2", a.Email, a.Product)
				}
			}},
		{"custom tag prefixes are honoured", func(c *proxmox.Config) { c.ProductTagPrefix, c.OwnerTagPrefix = "owner-", "plan-" },
			nil, "105", func(t *testing.T, a provider.Account) {
				if a.Product != "alice_at_example.com" || a.Email != "" {
					t.Errorf("Product, Email = %q, %q", a.Product, a.Email)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := fixtureServer(t, tt.over)
			accts, err := fixtureClient(t, srv, tt.mod).ListAccounts(context.Background())
			if err != nil {
				t.Fatalf("ListAccounts: %v", err)
			}
			for _, a := range accts {
				if a.UniqueIdentifier == tt.id {
					tt.check(t, a)
					return
				}
			}
			t.Errorf("no account %q listed", tt.id)
		})
	}
}

func TestListAccountsRejectsMalformedRecords(t *testing.T) {
	const res = "/cluster/resources"
	tests := []struct {
		name string
		over map[string]string
		want string // in the error
	}{
		{"a VM ID that is not a number names the record",
			map[string]string{res: `{"data":[{"id":"qemu/1o1","type":"qemu","vmid":"1o1","node":"pve1","status":"running"}]}`},
			`malformed record qemu/1o1: vmid`},
		{"a ctime that is not a Unix time names the record",
			map[string]string{"/nodes/pve1/qemu/105/config": `{"data":{"name":"web105.example.com","meta":"creation-qemu=8.1.5,ctime=yesterday","digest":"ab12"}}`},
			`malformed record qemu/105: meta ctime "yesterday"`},
		{"a guest without a node names the record",
			map[string]string{res: `{"data":[{"id":"qemu/105","type":"qemu","vmid":105,"status":"running"}]}`},
			`malformed record qemu/105: no node`},
		{"a guest without a status names the record",
			map[string]string{res: `{"data":[{"id":"qemu/105","type":"qemu","vmid":105,"node":"pve1"}]}`},
			`malformed record qemu/105: no status`},
		{"an unknown guest type names the record",
			map[string]string{res: `{"data":[{"id":"openvz/105","type":"openvz","vmid":105,"node":"pve1","status":"running"}]}`},
			`type "openvz"`},
		{"two product tags that disagree name the record",
			map[string]string{res: `{"data":[{"id":"qemu/105","type":"qemu","vmid":105,"name":"web105.example.com","node":"pve1","status":"running","tags":"plan-a;plan-b"}]}`},
			`malformed record qemu/105: two "plan-" tags`},
		{"an address that does not parse names the record",
			map[string]string{"/nodes/pve1/qemu/105/config": `{"data":{"name":"web105.example.com","ipconfig0":"ip=300.1.2.3/24","digest":"ab12"}}`},
			`malformed record qemu/105: ipconfig0 ip="300.1.2.3/24"`},
		{"a VM ID listed twice names the record",
			map[string]string{res: `{"data":[{"id":"qemu/105","type":"qemu","vmid":105,"node":"pve1","status":"running"},{"id":"lxc/105","type":"lxc","vmid":105,"node":"pve2","status":"running"}]}`},
			`listed twice`},
		{"a listing whose data is null is not an empty cluster",
			map[string]string{res: `{"data":null}`}, `no "data"`},
		{"a listing that is not JSON is refused", map[string]string{res: `{"data":[{"id":`}, `undecodable response`},
		{"a configuration without its digest is not a configuration",
			map[string]string{"/nodes/pve1/qemu/105/config": `{"data":{"name":"web105.example.com"}}`},
			`the configuration has no "digest"`},
		{"a version that is not one is refused",
			map[string]string{"/version": `{"data":{"version":"unknown"}}`}, `not a Proxmox VE version`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := fixtureServer(t, tt.over)
			accts, err := fixtureClient(t, srv, nil).ListAccounts(context.Background())
			if err == nil {
				t.Fatalf("ListAccounts returned %d accounts and no error", len(accts))
			}
			if len(accts) != 0 {
				t.Errorf("ListAccounts returned %d accounts with its error", len(accts))
			}
			var ae *provider.APIError
			if !errors.As(err, &ae) || ae.Type != "proxmox" || ae.Op != "list accounts" {
				t.Errorf("error %v is not an *APIError of proxmox / list accounts", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
		})
	}
}

func TestPoolsThatCarryMeaningNeedPoolAudit(t *testing.T) {
	for _, pools := range []proxmox.PoolUse{proxmox.PoolIsProduct, proxmox.PoolIsOwner} {
		t.Run("with pools as "+pools.String()+", a token without Pool.Audit on /pool cannot list", func(t *testing.T) {
			srv := fixtureServer(t, map[string]string{"/access/permissions": `{"data":{"/vms":{"VM.Audit":1}}}`, "/pools": `{"data":[]}`})
			accts, err := fixtureClient(t, srv, func(c *proxmox.Config) { c.Pools = pools }).ListAccounts(context.Background())
			if err == nil || !errors.Is(err, provider.ErrUnauthorized) || !strings.Contains(err.Error(), "lacks Pool.Audit on /pool") {
				t.Errorf("ListAccounts: %d accounts, %v; want ErrUnauthorized naming Pool.Audit", len(accts), err)
			}
		})
	}
}
