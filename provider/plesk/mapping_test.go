package plesk_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/plesk"
)

// operation returns "operator.operation" of the first call in a packet.
func operation(body []byte) string {
	dec := xml.NewDecoder(bytes.NewReader(body))
	var names []string
	for len(names) < 3 {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		if se, ok := tok.(xml.StartElement); ok {
			names = append(names, se.Name.Local)
		}
	}
	if len(names) < 3 || names[0] != "packet" {
		return ""
	}
	return names[1] + "." + names[2]
}

// fixtureServer answers each operation with a file from testdata and
// counts the operations asked for.
type fixtureServer struct {
	*httptest.Server
	mu    sync.Mutex
	calls map[string]int
}

func newFixtureServer(t *testing.T, files map[string]string) *fixtureServer {
	t.Helper()
	fs := &fixtureServer{calls: map[string]int{}}
	fs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		op := operation(body)
		fs.mu.Lock()
		fs.calls[op]++
		fs.mu.Unlock()
		name, ok := files[op]
		if !ok {
			t.Errorf("the client asked for %q, which this case has no fixture for", op)
			http.Error(w, "no fixture", http.StatusNotImplemented)
			return
		}
		b, err := []byte(name), error(nil)
		if !strings.HasPrefix(name, "<") { // an inline packet, or a file
			b, err = os.ReadFile(filepath.Join("testdata", name))
		}
		if err != nil {
			t.Error(err)
			http.Error(w, err.Error(), http.StatusNotImplemented)
			return
		}
		w.Header().Set("Content-Type", "text/xml")
		w.Write(b)
	}))
	t.Cleanup(fs.Close)
	return fs
}

func (fs *fixtureServer) Calls(op string) int {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.calls[op]
}

func date(y int, m time.Month, d int, loc *time.Location) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, loc)
}

// researchFiles are the documented shapes: a customer's subscription, a
// reseller's suspended one with an add-on plan, and a customer's IDN
// forwarding subscription with status 272 and no plan.
var researchFiles = map[string]string{
	"webspace.get":     "webspace_get.xml",
	"customer.get":     "customer_get.xml",
	"service-plan.get": "service_plan_get.xml",
	"reseller.get":     "reseller_get.xml",
}

func TestListAccountsMapping(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	require.NoError(t, err)
	tests := []struct {
		name          string
		files         map[string]string
		loc           *time.Location
		want          []provider.Account
		wantResellers int
	}{
		{
			name:          "a customer's, a reseller's and an IDN forwarding subscription map as WHMCS maps them",
			files:         researchFiles,
			wantResellers: 1,
			want: []provider.Account{
				{Email: "alpha@example.com", Username: "alphaftp", Domain: "alpha.example", UniqueIdentifier: "alpha.example",
					Product: "Default Domain", PrimaryIP: "192.0.2.20", Created: date(2022, 8, 30, time.UTC), Status: provider.StatusActive,
					Extra: map[string]string{"id": "11", "guid": "6f0c1a52-0001-4c2a-9d7e-111111111111", "status": "0",
						"owner_id": "3", "owner_login": "alpha-cust", "owner_type": "customer", "ascii_name": "alpha.example",
						"htype": "vrt_hst", "plan_guid": "aaaaaaaa-1111-2222-3333-444444444444"}},
				{Email: "ops@beta-hosting.example", Username: "betaftp", Domain: "beta.example", UniqueIdentifier: "beta.example",
					Product: "Unlimited", PrimaryIP: "192.0.2.21", Created: date(2020, 1, 31, time.UTC), Status: provider.StatusSuspended,
					Extra: map[string]string{"id": "12", "guid": "6f0c1a52-0002-4c2a-9d7e-222222222222", "status": "16",
						"owner_id": "7", "owner_login": "beta-res", "owner_type": "reseller", "ascii_name": "beta.example",
						"htype": "vrt_hst", "plan_guid": "bbbbbbbb-1111-2222-3333-444444444444"}},
				{Email: "alpha@example.com", Username: "alpha-cust", Domain: "bücher.example", UniqueIdentifier: "bücher.example",
					Product: "", PrimaryIP: "192.0.2.22", Created: date(2024, 2, 29, time.UTC), Status: provider.StatusSuspended,
					Extra: map[string]string{"id": "13", "guid": "6f0c1a52-0003-4c2a-9d7e-333333333333", "status": "272",
						"owner_id": "3", "owner_login": "alpha-cust", "owner_type": "customer", "ascii_name": "xn--bcher-kva.example",
						"htype": "std_fwd"}},
			},
		},
		{
			name: "the administrator's subscription and a customer without e-mail have an empty e-mail",
			files: map[string]string{
				"webspace.get": "webspace_get_admin.xml", "customer.get": "customer_get_noemail.xml",
				"service-plan.get": "service_plan_get.xml", "reseller.get": "empty_get.xml",
			},
			wantResellers: 1,
			want: []provider.Account{
				{Email: "", Username: "siteftp", Domain: "admin-site.example", UniqueIdentifier: "admin-site.example",
					Product: "Default Domain", PrimaryIP: "2001:db8::21", Created: date(2023, 12, 31, time.UTC), Status: provider.StatusActive,
					Extra: map[string]string{"id": "21", "guid": "6f0c1a52-0021-4c2a-9d7e-212121212121", "status": "0",
						"owner_id": "1", "owner_login": "admin", "owner_type": "admin", "ascii_name": "admin-site.example",
						"htype": "vrt_hst", "plan_guid": "aaaaaaaa-1111-2222-3333-444444444444"}},
				{Email: "", Username: "quiet", Domain: "noemail.example", UniqueIdentifier: "noemail.example",
					Product: "", PrimaryIP: "192.0.2.30", Created: date(2023, 6, 1, time.UTC), Status: provider.StatusSuspended,
					Extra: map[string]string{"id": "22", "guid": "6f0c1a52-0022-4c2a-9d7e-222222222222", "status": "4",
						"owner_id": "5", "owner_login": "quiet", "owner_type": "customer", "ascii_name": "noemail.example",
						"htype": "none"}},
			},
		},
		{
			name: "creation dates are midnight in Config.Location",
			files: map[string]string{
				"webspace.get": "webspace_get_admin.xml", "customer.get": "customer_get_noemail.xml",
				"service-plan.get": "service_plan_get.xml", "reseller.get": "empty_get.xml",
			},
			loc:           berlin,
			wantResellers: 1,
			want: []provider.Account{
				{Username: "siteftp", Domain: "admin-site.example", UniqueIdentifier: "admin-site.example",
					Product: "Default Domain", PrimaryIP: "2001:db8::21", Created: date(2023, 12, 31, berlin), Status: provider.StatusActive},
				{Username: "quiet", Domain: "noemail.example", UniqueIdentifier: "noemail.example",
					PrimaryIP: "192.0.2.30", Created: date(2023, 6, 1, berlin), Status: provider.StatusSuspended},
			},
		},
		{
			name: "an empty server lists no accounts and asks no reseller",
			files: map[string]string{
				"webspace.get": "webspace_get_empty.xml", "customer.get": "customer_get_empty.xml",
				"service-plan.get": "service_plan_get.xml",
			},
			want: []provider.Account{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := newFixtureServer(t, tt.files)
			c, err := plesk.New(plesk.Config{BaseURL: fs.URL, Username: "admin", Password: "secret-pw", Location: tt.loc, RateLimit: -1})
			require.NoError(t, err)
			got, err := c.ListAccounts(context.Background())
			require.NoError(t, err)
			if tt.loc != nil {
				for i := range got {
					got[i].Extra = nil
				}
			}
			assert.Equal(t, tt.want, got)
			for i := range got {
				if tt.loc != nil {
					assert.True(t, got[i].Created.Equal(tt.want[i].Created), "Created %s, want %s", got[i].Created, tt.want[i].Created)
				}
			}
			assert.Equal(t, tt.wantResellers, fs.Calls("reseller.get"), "reseller get calls")
		})
	}
}

func TestListAccountsRejects(t *testing.T) {
	base := func(webspaces string) map[string]string {
		return map[string]string{"webspace.get": webspaces, "customer.get": "customer_get.xml",
			"service-plan.get": "service_plan_get.xml", "reseller.get": "reseller_get.xml"}
	}
	tests := []struct {
		name     string
		files    map[string]string
		contains []string
		code     string
		sentinel error
	}{
		{name: "a cr_date that is not a date fails the listing and names the subscription",
			files: base("webspace_get_bad_date.xml"), contains: []string{"baddate.example", `cr_date "30.08.2022"`}},
		{name: "a status that is not a number fails the listing",
			files: base("webspace_get_bad_status.xml"), contains: []string{"badstatus.example", `status "suspended"`}},
		{name: "plan GUIDs that name no service plan fail the listing",
			files: base("webspace_get_unknown_plan.xml"), contains: []string{"orphan.example", "dddddddd-0000-0000-0000-000000000000"}},
		{name: "a result without gen_info fails the listing",
			files: base("webspace_get_no_gen_info.xml"), contains: []string{"webspace id 34 has no gen_info"}},
		{name: "an error result among ok results fails the whole listing",
			files: base("webspace_get_mixed.xml"), contains: []string{"webspace id 12", "Unable to read"}, code: "1023"},
		{name: "a packet-level authentication failure is ErrUnauthorized",
			files: base("system_auth.xml"), contains: []string{"Authentication failed"}, code: "1001", sentinel: provider.ErrUnauthorized},
		{name: "a packet-level version failure keeps its code",
			files: base("system_version.xml"), contains: []string{"not supported"}, code: "1005"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := newFixtureServer(t, tt.files)
			c, err := plesk.New(plesk.Config{BaseURL: fs.URL, Username: "admin", Password: "secret-pw", RateLimit: -1})
			require.NoError(t, err)
			got, err := c.ListAccounts(context.Background())
			require.Error(t, err)
			assert.Nil(t, got, "a failed listing returns no accounts")
			var apiErr *provider.APIError
			require.True(t, errors.As(err, &apiErr), "%v is not an *provider.APIError", err)
			assert.Equal(t, "plesk", apiErr.Type)
			assert.Equal(t, "list accounts", apiErr.Op)
			assert.Equal(t, http.StatusOK, apiErr.StatusCode)
			assert.Equal(t, tt.code, apiErr.Code)
			assert.True(t, strings.HasPrefix(err.Error(), "plesk: list accounts: "), err.Error())
			for _, s := range tt.contains {
				assert.Contains(t, err.Error(), s)
			}
			if tt.sentinel != nil {
				assert.ErrorIs(t, err, tt.sentinel)
			} else {
				for _, s := range []error{provider.ErrUnauthorized, provider.ErrNotFound, provider.ErrExists, provider.ErrTransient} {
					assert.NotErrorIs(t, err, s)
				}
			}
			assert.NotContains(t, err.Error(), "secret-pw")
		})
	}
}
