package solusvm_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/solusvm"
)

// fixtureServer answers from files in dir: a SolusVM 1 action as
// "<action>[-<type|nodeid|vserverid>].{json,xml,txt}" (spaces in a type as
// "_"), a SolusVM 2 list as "<resource>-page-<n>.json".
func fixtureServer(t *testing.T, dir string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var name string
		if r.URL.Path == "/api/admin/command.php" {
			if err := r.ParseForm(); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			name = r.Form.Get("action")
			for _, k := range []string{"type", "nodeid", "vserverid"} {
				if v := r.Form.Get(k); v != "" {
					name += "-" + strings.ReplaceAll(v, " ", "_")
				}
			}
		} else {
			name = strings.TrimPrefix(r.URL.Path, "/api/v1/") + "-page-" + r.URL.Query().Get("page")
		}
		for _, ext := range []string{".json", ".xml", ".txt"} {
			if b, err := os.ReadFile(filepath.Join(dir, name+ext)); err == nil {
				_, _ = w.Write(b)
				return
			}
		}
		t.Errorf("no fixture %s in %s", name, dir)
		http.Error(w, "no fixture", http.StatusNotFound)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// byID indexes a listing by identifier.
func byID(accts []provider.Account) map[string]provider.Account {
	out := make(map[string]provider.Account, len(accts))
	for _, a := range accts {
		out[a.UniqueIdentifier] = a
	}
	return out
}

// mappingCase is one account a fixture listing must contain.
type mappingCase struct {
	name  string
	id    string
	want  string            // the WHMCS record, as JSON
	extra map[string]string // Extra keys that must have these values
}

func checkMapping(t *testing.T, got map[string]provider.Account, cases []mappingCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a, ok := got[tc.id]
			if !ok {
				t.Fatalf("account %s is not listed", tc.id)
			}
			b, err := json.Marshal(a)
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tc.want {
				t.Errorf("account %s:\n got  %s\n want %s", tc.id, b, tc.want)
			}
			for k, v := range tc.extra {
				if a.Extra[k] != v {
					t.Errorf("Extra[%q] = %q, want %q", k, a.Extra[k], v)
				}
			}
		})
	}
}

func TestMappingV1(t *testing.T) {
	srv := fixtureServer(t, filepath.Join("testdata", "v1"))
	c := newClient(t, fast(solusvm.Config{BaseURL: srv.URL, Username: "id", APIToken: "key"}))
	accts, err := c.ListAccounts(context.Background())
	if err != nil {
		t.Fatalf("ListAccounts: %v", err)
	}
	if len(accts) != 5 {
		t.Errorf("listed %d accounts, want 5 (3 on node 3, 1 on node 7, 1 on node 9)", len(accts))
	}
	checkMapping(t, byID(accts), []mappingCase{
		{
			name:  "a disabled server with several addresses is Suspended and keeps every address",
			id:    "101",
			want:  `{"email":"alice@example.com","username":"vmuser12","domain":"web1.example.com","uniqueIdentifier":"101","product":"","primaryip":"203.0.113.10","created":"","status":"Suspended"}`,
			extra: map[string]string{"ips": "203.0.113.10,203.0.113.11,2001:db8::10", "node": "kvm-node-3", "node_id": "3", "state": "disabled", "virt_id": "kvm101"},
		},
		{
			name:  "a stopped server without a main address is Active with the first address infoall lists",
			id:    "102",
			want:  `{"email":"alice@example.com","username":"vmuser12","domain":"web1.example.com","uniqueIdentifier":"102","product":"","primaryip":"203.0.113.20","created":"","status":"Active"}`,
			extra: map[string]string{"ips": "203.0.113.20,203.0.113.21", "state": "offline"},
		},
		{
			name:  "a record without a clientid leaves e-mail and username empty and keeps an odd hostname as it is",
			id:    "103",
			want:  `{"email":"","username":"","domain":"R\u0026D \u003clab\u003e \"box\"","uniqueIdentifier":"103","product":"","primaryip":"203.0.113.30","created":"","status":"Active"}`,
			extra: map[string]string{"internal_ips": "10.0.0.3", "client_id": ""},
		},
		{
			name:  "a node whose only server comes as an object rather than a list is read",
			id:    "130",
			want:  `{"email":"dave@example.org","username":"vmuser14","domain":"solo.example.org","uniqueIdentifier":"130","product":"","primaryip":"192.0.2.130","created":"","status":"Active"}`,
			extra: map[string]string{"node_id": "7", "template": "almalinux-9-x86_64"},
		},
		{
			name:  "an OpenVZ container from a rooted XML document with a declaration is read, unescaped & and entities included",
			id:    "55",
			want:  `{"email":"carol@example.net","username":"vmuser4","domain":"ct55.example.net","uniqueIdentifier":"55","product":"","primaryip":"198.51.100.5","created":"","status":"Active"}`,
			extra: map[string]string{"type": "openvz", "node_id": "9", "virt_id": "155", "node": "R&D node\u00a09"},
		},
	})
}

func TestMappingV2(t *testing.T) {
	srv := fixtureServer(t, filepath.Join("testdata", "v2"))
	cfg := fast(solusvm.Config{BaseURL: srv.URL + "/api/v1", APIVersion: 2, APIToken: "token",
		Location: time.FixedZone("UTC+2", 2*3600)})
	accts, err := newClient(t, cfg).ListAccounts(context.Background())
	if err != nil {
		t.Fatalf("ListAccounts: %v", err)
	}
	if len(accts) != 3 {
		t.Errorf("listed %d accounts, want 3 over two pages", len(accts))
	}
	checkMapping(t, byID(accts), []mappingCase{
		{
			name:  "a suspended server with several addresses is Suspended, its first IPv4 address primary",
			id:    "11",
			want:  `{"email":"bob@example.com","username":"bob@example.com","domain":"vps11.example.com","uniqueIdentifier":"11","product":"VPS-2G","primaryip":"192.0.2.21","created":"2024-03-01 12:15:00","status":"Suspended"}`,
			extra: map[string]string{"ips": "192.0.2.21,192.0.2.22,2001:db8:1::21", "plan_id": "2", "location": "Amsterdam", "status": "started"},
		},
		{
			name:  "a server without IPv4 takes its IPv6 primary address",
			id:    "12",
			want:  `{"email":"carol@example.com","username":"carol@example.com","domain":"v6only.example.com","uniqueIdentifier":"12","product":"VPS-1G","primaryip":"2001:db8:1::12","created":"2024-03-02 10:00:00","status":"Active"}`,
			extra: map[string]string{"ips": "2001:db8:1::12", "status": "stopped"},
		},
		{
			name:  "a server with a null plan on the second page has an empty product",
			id:    "13",
			want:  `{"email":"dave@example.com","username":"dave@example.com","domain":"legacy","uniqueIdentifier":"13","product":"","primaryip":"192.0.2.99","created":"2024-01-01 01:59:59","status":"Active"}`,
			extra: map[string]string{"status": "unavailable", "user_id": "7"},
		},
	})
}
