package openstack

import (
	"encoding/json"
	"errors"
	"maps"
	"os"
	"testing"

	"github.com/accountsync/accountsync/provider"
)

// loadPage decodes a testdata listing page.
func loadPage(t *testing.T, name string) serversPage {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	var page serversPage
	if err := json.Unmarshal(b, &page); err != nil {
		t.Fatalf("decode %s: %v", name, err)
	}
	return page
}

func TestServerMapsToWHMCSAccount(t *testing.T) {
	const tenant = "8d4c2b6a1e3f4a5b9c7d0e1f2a3b4c5d"
	const user = "0f6e3c5b7a2d4e1f9c8b7a6d5e4f3a2b"
	const image = "5f1c9a0e-3b7d-4e2a-9c6f-1d8b0a2e4c6f"
	tests := []struct {
		name      string
		id        string
		wantJSON  string
		wantExtra map[string]string
	}{
		{
			name:     "a suspended server on two networks is Suspended and its floating IPv4 is primary",
			id:       "8a1d0c4e-7b2f-4e6a-9d3c-5b1e0f2a0001",
			wantJSON: `{"email":"erin@example.com","username":"erin","domain":"shop.example.org","uniqueIdentifier":"8a1d0c4e-7b2f-4e6a-9d3c-5b1e0f2a0001","product":"m1.small","primaryip":"203.0.113.70","created":"2024-05-01 09:30:00","status":"Suspended"}`,
			wantExtra: map[string]string{"status": "SUSPENDED", "vm_state": "suspended", "tenant_id": tenant,
				"user_id": user, "image_id": image},
		},
		{
			name:      "a server booted from a volume with an access IPv4 uses it and has no image",
			id:        "8a1d0c4e-7b2f-4e6a-9d3c-5b1e0f2a0002",
			wantJSON:  `{"email":"","username":"","domain":"db1","uniqueIdentifier":"8a1d0c4e-7b2f-4e6a-9d3c-5b1e0f2a0002","product":"m1.large","primaryip":"198.51.100.8","created":"2024-05-02 11:00:00","status":"Active"}`,
			wantExtra: map[string]string{"status": "ACTIVE", "vm_state": "active", "tenant_id": tenant, "user_id": "1a2b3c4d5e6f47a8b9c0d1e2f3a4b5c6"},
		},
		{
			name:      "an UNKNOWN server from a down cell is Active, keeps its id and creation time, and is marked partial",
			id:        "8a1d0c4e-7b2f-4e6a-9d3c-5b1e0f2a0003",
			wantJSON:  `{"email":"","username":"","domain":"","uniqueIdentifier":"8a1d0c4e-7b2f-4e6a-9d3c-5b1e0f2a0003","product":"","primaryip":"","created":"2024-05-03 00:00:00","status":"Active"}`,
			wantExtra: map[string]string{"status": "UNKNOWN", "tenant_id": tenant, "partial": "true"},
		},
		{
			name:     "a stopped IPv6-only server is Active with SHUTOFF kept and the first network by name wins",
			id:       "8a1d0c4e-7b2f-4e6a-9d3c-5b1e0f2a0004",
			wantJSON: `{"email":"ops@example.com","username":"","domain":"v6only.example.com","uniqueIdentifier":"8a1d0c4e-7b2f-4e6a-9d3c-5b1e0f2a0004","product":"m1.medium","primaryip":"2001:db8:aaaa::4","created":"2024-05-04 08:15:30","status":"Active"}`,
			wantExtra: map[string]string{"status": "SHUTOFF", "vm_state": "stopped", "tenant_id": "5e6f7a8b9c0d4e1f8a2b3c4d5e6f7a8b",
				"user_id": user, "image_id": image},
		},
		{
			name:     "a fixed IPv4 beats a floating IPv6, and a +00:00 offset reads as UTC",
			id:       "8a1d0c4e-7b2f-4e6a-9d3c-5b1e0f2a0005",
			wantJSON: `{"email":"","username":"mailer","domain":"mail.example.net","uniqueIdentifier":"8a1d0c4e-7b2f-4e6a-9d3c-5b1e0f2a0005","product":"m1.small","primaryip":"192.0.2.40","created":"2024-05-05 23:59:59","status":"Active"}`,
			wantExtra: map[string]string{"status": "ACTIVE", "vm_state": "active", "task_state": "resize_prep",
				"tenant_id": tenant, "user_id": user, "image_id": image},
		},
	}
	page := loadPage(t, "servers-detail-v2.69.json")
	if page.Servers == nil || len(*page.Servers) != len(tests) {
		t.Fatalf("the fixture's servers do not match the table's %d", len(tests))
	}
	if got := nextLink(page.Links); got == "" {
		t.Error("the fixture's next link was not found")
	}
	c := &Client{}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := c.toServer("list accounts", &(*page.Servers)[i])
			if err != nil {
				t.Fatalf("toServer: %v", err)
			}
			if s.ID != tt.id {
				t.Fatalf("record %d is %s, want %s", i, s.ID, tt.id)
			}
			a := s.Account()
			got, err := json.Marshal(a)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.wantJSON {
				t.Errorf("WHMCS record:\n got  %s\n want %s", got, tt.wantJSON)
			}
			if !maps.Equal(a.Extra, tt.wantExtra) {
				t.Errorf("Extra:\n got  %v\n want %v", a.Extra, tt.wantExtra)
			}
		})
	}
}

func TestPrimaryIPIsTheSameWhateverTheMapOrder(t *testing.T) {
	page := loadPage(t, "servers-detail-v2.69.json")
	c := &Client{}
	// Go randomises map iteration; decoding and mapping many times must
	// always pick the same address.
	for range 50 {
		var again serversPage
		b, _ := json.Marshal(page)
		if err := json.Unmarshal(b, &again); err != nil {
			t.Fatal(err)
		}
		s, err := c.toServer("list accounts", &(*again.Servers)[0])
		if err != nil {
			t.Fatal(err)
		}
		if got := s.PrimaryIP(); got != "203.0.113.70" {
			t.Fatalf("PrimaryIP() = %q, want 203.0.113.70", got)
		}
		if s.Addresses[0].Network != "private" {
			t.Fatalf("addresses start with network %q, want private", s.Addresses[0].Network)
		}
	}
}

func TestMalformedRecordsFailWithTheirID(t *testing.T) {
	tests := []struct {
		name    string
		record  string
		wantMsg string
	}{
		{"a record without an id fails", `{"name":"x","status":"ACTIVE","created":"2024-01-01T00:00:00Z","flavor":{"id":"1"}}`,
			`openstack: list accounts: a server record has no id (name "x")`},
		{"a created time that is not a date fails", `{"id":"s-1","name":"x","status":"ACTIVE","created":"last Tuesday","flavor":{"id":"1"}}`,
			`openstack: list accounts: server "s-1": created "last Tuesday" is not an RFC 3339 time`},
		{"an ACTIVE record without a name fails", `{"id":"s-2","status":"ACTIVE","created":"2024-01-01T00:00:00Z","flavor":{"id":"1"}}`,
			`openstack: list accounts: server "s-2": no name`},
		{"a record without a status fails", `{"id":"s-3","name":"x","created":"2024-01-01T00:00:00Z","flavor":{"id":"1"}}`,
			`openstack: list accounts: server "s-3": no status`},
		{"a record without a created time fails", `{"id":"s-4","name":"x","status":"ACTIVE","flavor":{"id":"1"}}`,
			`openstack: list accounts: server "s-4": no created time`},
		{"a record without a flavor fails", `{"id":"s-5","name":"x","status":"ACTIVE","created":"2024-01-01T00:00:00Z"}`,
			`openstack: list accounts: server "s-5": no flavor`},
	}
	c := &Client{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var j serverJSON
			if err := json.Unmarshal([]byte(tt.record), &j); err != nil {
				t.Fatal(err)
			}
			_, err := c.toServer("list accounts", &j)
			var ae *provider.APIError
			if !errors.As(err, &ae) {
				t.Fatalf("err = %v, want an *provider.APIError", err)
			}
			if err.Error() != tt.wantMsg {
				t.Errorf("err = %q\nwant  %q", err, tt.wantMsg)
			}
		})
	}
}

func TestFlexibleWireFields(t *testing.T) {
	tests := []struct {
		name       string
		record     string
		wantFlavor string
		wantImage  string
	}{
		{"a numeric flavor id reads as a string", `{"flavor":{"id":2},"image":{"id":"i-1"}}`, "2", "i-1"},
		{"an image of \"\" means booted from a volume", `{"flavor":{"id":"3"},"image":""}`, "3", ""},
		{"a null image reads as none", `{"flavor":{"id":"3"},"image":null}`, "3", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var j serverJSON
			if err := json.Unmarshal([]byte(tt.record), &j); err != nil {
				t.Fatal(err)
			}
			if string(j.Flavor.ID) != tt.wantFlavor || j.Image.ID != tt.wantImage {
				t.Errorf("flavor %q image %q, want %q %q", j.Flavor.ID, j.Image.ID, tt.wantFlavor, tt.wantImage)
			}
		})
	}
}

func TestNextQuery(t *testing.T) {
	prev := map[string][]string{"limit": {"2"}, "all_tenants": {"1"}}
	tests := []struct {
		name    string
		href    string
		seen    []string
		lastID  string
		want    string
		wantErr string
	}{
		{"a link's marker and parameters are used, with ours filling the gaps",
			"http://other.example:8774/v2.1/servers/detail?limit=2&marker=abc", nil, "abc", "all_tenants=1&limit=2&marker=abc", ""},
		{"a link without a marker is refused", "http://x/servers/detail?limit=2", nil, "abc", "", "the next page link has no marker"},
		{"a marker seen before is a loop", "http://x/servers/detail?marker=abc", []string{"abc"}, "abc", "",
			`the next page link repeats marker "abc": the pages loop`},
		{"a marker that is not the page's last item is refused", "http://x/servers/detail?marker=abd", nil, "abc", "",
			`the next page link's marker "abd" is not the page's last item "abc": the listing would skip or repeat`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seen := map[string]bool{}
			for _, m := range tt.seen {
				seen[m] = true
			}
			q, err := nextQuery(tt.href, prev, seen, tt.lastID)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := q.Encode(); got != tt.want {
				t.Errorf("query = %s, want %s", got, tt.want)
			}
		})
	}
}
