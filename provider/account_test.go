package provider_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/accountsync/accountsync/provider"
)

func TestAccountJSON(t *testing.T) {
	created := time.Date(2024, 3, 5, 14, 7, 9, 0, time.UTC)
	tests := []struct {
		name string
		in   provider.Account
		want string
	}{
		{
			name: "a full account gives the WHMCS keys in the WHMCS order",
			in: provider.Account{
				Email: "jo@example.com", Username: "jo", Domain: "example.com",
				UniqueIdentifier: "example.com", Product: "Gold", PrimaryIP: "203.0.113.7",
				Created: created, Status: provider.StatusActive,
				Extra: map[string]string{"owner": "root"},
			},
			want: `{"email":"jo@example.com","username":"jo","domain":"example.com","uniqueIdentifier":"example.com","product":"Gold","primaryip":"203.0.113.7","created":"2024-03-05 14:07:09","status":"Active"}`,
		},
		{
			name: "a zero creation time is written as an empty string",
			in:   provider.Account{Username: "x", Status: provider.StatusSuspended},
			want: `{"email":"","username":"x","domain":"","uniqueIdentifier":"","product":"","primaryip":"","created":"","status":"Suspended"}`,
		},
		{
			name: "characters JSON must escape are escaped",
			in:   provider.Account{Domain: `a"b<c>&`, Status: provider.StatusActive},
			want: `{"email":"","username":"","domain":"a\"b\u003cc\u003e\u0026","uniqueIdentifier":"","product":"","primaryip":"","created":"","status":"Active"}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := json.Marshal(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("json.Marshal:\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestAccountJSONRoundTrip(t *testing.T) {
	in := provider.Account{
		Email: "jo@example.com", Username: "jo", Domain: "bücher.de", UniqueIdentifier: "bücher.de",
		Product: "Gold", PrimaryIP: "2001:db8::1", Created: time.Date(2023, 12, 31, 23, 59, 59, 0, time.UTC),
		Status: provider.StatusSuspended,
	}
	data, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var out provider.Account
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	if !out.Created.Equal(in.Created) || out.Domain != in.Domain || out.Status != in.Status || out.PrimaryIP != in.PrimaryIP {
		t.Errorf("round trip changed the account:\n in %+v\nout %+v", in, out)
	}
}

func TestAccountUnmarshal(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		wantErr   string // substring; empty means success
		wantZero  bool
		wantLocal string
	}{
		{name: "a WHMCS record with its extra name key is read", in: `{"name":"jo","email":"e","username":"jo","domain":"d","uniqueIdentifier":"d","product":"p","primaryip":"1.2.3.4","created":"2020-01-02 03:04:05","status":"Active"}`},
		{name: "an empty date reads as the zero time", in: `{"created":"","status":"Active"}`, wantZero: true},
		{name: "MySQL's zero date reads as the zero time", in: `{"created":"0000-00-00 00:00:00","status":"Active"}`, wantZero: true},
		{name: "a date in another layout is rejected naming the field", in: `{"created":"2020-01-02T03:04:05Z","status":"Active"}`, wantErr: `"created"`},
		{name: "an unknown status is rejected naming the field", in: `{"created":"","status":"Terminated"}`, wantErr: `"status"`},
		{name: "a lower-case status is rejected", in: `{"status":"active"}`, wantErr: `"status"`},
		{name: "a missing status is rejected", in: `{"domain":"d"}`, wantErr: `"status"`},
		{name: "a number where a string belongs is rejected", in: `{"domain":5,"status":"Active"}`, wantErr: "provider: account"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var a provider.Account
			err := json.Unmarshal([]byte(tt.in), &a)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantZero != a.Created.IsZero() {
				t.Errorf("Created = %v, zero wanted: %t", a.Created, tt.wantZero)
			}
		})
	}
}

func TestAccountIn(t *testing.T) {
	berlin := time.FixedZone("CET", 3600)
	a := provider.Account{Created: time.Date(2024, 1, 1, 23, 30, 0, 0, time.UTC), Status: provider.StatusActive}
	got, _ := json.Marshal(a.In(berlin))
	if !strings.Contains(string(got), `"created":"2024-01-02 00:30:00"`) {
		t.Errorf("In(CET) marshalled to %s, want created 2024-01-02 00:30:00", got)
	}
	if a.Created.Location() != time.UTC {
		t.Error("In changed the receiver")
	}
	if z := (provider.Account{}).In(berlin); !z.Created.IsZero() {
		t.Errorf("In on a zero time gave %v", z.Created)
	}
}

func TestListAccountsResultJSON(t *testing.T) {
	acct := provider.Account{Username: "jo", Domain: "example.com", UniqueIdentifier: "example.com", Status: provider.StatusActive}
	tests := []struct {
		name string
		in   provider.ListAccountsResult
		want string
	}{
		{
			name: "a success carries the accounts",
			in:   provider.ListAccountsResult{Success: true, Accounts: []provider.Account{acct}},
			want: `{"success":true,"accounts":[{"email":"","username":"jo","domain":"example.com","uniqueIdentifier":"example.com","product":"","primaryip":"","created":"","status":"Active"}]}`,
		},
		{
			name: "a success with no accounts gives an empty list, not null",
			in:   provider.ListAccountsResult{Success: true},
			want: `{"success":true,"accounts":[]}`,
		},
		{
			name: "a failure carries only the error",
			in:   provider.ListAccountsResult{Error: "cpanel: list accounts: HTTP 403: access denied", Accounts: []provider.Account{acct}},
			want: `{"success":false,"error":"cpanel: list accounts: HTTP 403: access denied"}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := json.Marshal(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("json.Marshal:\n got %s\nwant %s", got, tt.want)
			}
			var back provider.ListAccountsResult
			if err := json.Unmarshal(got, &back); err != nil {
				t.Fatal(err)
			}
			if back.Success != tt.in.Success || back.Error != tt.in.Error {
				t.Errorf("round trip gave %+v", back)
			}
		})
	}
}

func TestListAccountsResultUnmarshal(t *testing.T) {
	tests := []struct {
		name        string
		in          string
		wantSuccess bool
		wantErr     bool
	}{
		{name: "a PHP error answer without success reads as a failure", in: `{"error":"boom"}`},
		{name: "a success without an accounts list is an error, not an empty server", in: `{"success":true}`, wantErr: true},
		{name: "a success with a null list is an error", in: `{"success":true,"accounts":null}`, wantErr: true},
		{name: "a success with an empty list is an empty server", in: `{"success":true,"accounts":[]}`, wantSuccess: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r provider.ListAccountsResult
			err := json.Unmarshal([]byte(tt.in), &r)
			if (err != nil) != tt.wantErr {
				t.Fatalf("error = %v, wantErr %t", err, tt.wantErr)
			}
			if err == nil && r.Success != tt.wantSuccess {
				t.Errorf("Success = %t, want %t", r.Success, tt.wantSuccess)
			}
		})
	}
}

func TestAccountIdentifier(t *testing.T) {
	a := provider.Account{Domain: "d", Username: "u", UniqueIdentifier: "id"}
	for field, want := range map[string]string{"domain": "d", "username": "u", "customfield.VM ID": "id", "uniqueIdentifier": "id"} {
		if got := a.Identifier(field); got != want {
			t.Errorf("Identifier(%q) = %q, want %q", field, got, want)
		}
	}
}

func TestMetadataWHMCS(t *testing.T) {
	m := provider.Metadata{Type: "cpanel", DisplayName: "cPanel/WHM", UniqueIdentifierField: "domain", UniqueIdentifierDisplayName: "Domain", ProductField: "configoption1"}
	got := m.WHMCS()
	want := map[string]string{
		"DisplayName":                             "cPanel/WHM",
		"ListAccountsUniqueIdentifierField":       "domain",
		"ListAccountsUniqueIdentifierDisplayName": "Domain",
		"ListAccountsProductField":                "configoption1",
	}
	if len(got) != len(want) {
		t.Fatalf("WHMCS() = %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("WHMCS()[%q] = %q, want %q", k, got[k], v)
		}
	}
}
