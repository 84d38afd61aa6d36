package plesktest_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/plesk/plesktest"
)

// answer is a response packet as a client reads it.
type answer struct {
	XMLName xml.Name `xml:"packet"`
	Version string   `xml:"version,attr"`
	System  *status  `xml:"system"`
	// Operators are <webspace>, <customer>, ... each with operations.
	Operators []struct {
		Operations []struct {
			Results []result `xml:"result"`
		} `xml:",any"`
	} `xml:",any"`
	Results []result `xml:"-"` // every result, in order
}

type status struct {
	Status  string `xml:"status"`
	ErrCode string `xml:"errcode"`
	ErrText string `xml:"errtext"`
}

type result struct {
	status
	FilterID string `xml:"filter-id"`
	ID       string `xml:"id"`
	Name     string `xml:"data>gen_info>name"`
	Status   string `xml:"data>gen_info>status"`
	Email    string `xml:"data>gen_info>email"`
	REmail   string `xml:"data>gen-info>email"`
	PlanName string `xml:"name"`
}

type exchange struct {
	code   int
	header http.Header
	body   []byte
	packet answer
}

// send posts packet with the given headers (nil: the administrator's
// login) and decodes the answer when it is XML.
func send(t *testing.T, srv *plesktest.Server, packet string, header map[string]string) exchange {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv.URL+plesktest.AgentPath, strings.NewReader(packet))
	require.NoError(t, err)
	if header == nil {
		header = map[string]string{"HTTP_AUTH_LOGIN": plesktest.Username, "HTTP_AUTH_PASSWD": plesktest.Password}
	}
	if _, ok := header["Content-Type"]; !ok {
		req.Header.Set("Content-Type", "text/xml")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	ex := exchange{code: resp.StatusCode, header: resp.Header, body: body}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/xml") {
		require.NoError(t, xml.Unmarshal(body, &ex.packet), "the answer is well-formed: %s", body)
		for _, o := range ex.packet.Operators {
			for _, op := range o.Operations {
				ex.packet.Results = append(ex.packet.Results, op.Results...)
			}
		}
	}
	return ex
}

func seed() []provider.Account {
	return []provider.Account{
		{Domain: "alpha.example", Username: "alphaftp", Email: "alpha@example.com", Product: "Default Domain",
			Created: time.Date(2022, 8, 30, 0, 0, 0, 0, time.UTC), Status: provider.StatusActive},
		{Domain: "beta.example", Username: "betaftp", Email: "res@example.net", Product: "Reseller Gold", Status: provider.StatusSuspended,
			Extra: map[string]string{"owner_type": "reseller"}},
		{Domain: "bücher.example", Extra: map[string]string{"htype": "std_fwd", "status": "272"}},
	}
}

const listAll = `<packet><webspace><get><filter/><dataset><gen_info/><hosting/><subscriptions/></dataset></get></webspace></packet>`

func TestAuthentication(t *testing.T) {
	tests := []struct {
		name   string
		header map[string]string
		code   string
	}{
		{name: "a login and password are accepted", header: map[string]string{"HTTP_AUTH_LOGIN": "admin", "HTTP_AUTH_PASSWD": plesktest.Password}},
		{name: "a secret key is accepted", header: map[string]string{"KEY": plesktest.Token}},
		{name: "a wrong password is error 1001", header: map[string]string{"HTTP_AUTH_LOGIN": "admin", "HTTP_AUTH_PASSWD": "nope"}, code: "1001"},
		{name: "a wrong login is error 1001", header: map[string]string{"HTTP_AUTH_LOGIN": "root", "HTTP_AUTH_PASSWD": plesktest.Password}, code: "1001"},
		{name: "a wrong secret key is error 11003", header: map[string]string{"KEY": "nope"}, code: "11003"},
		{name: "a misspelled password header leaves the method unspecified (1029)", header: map[string]string{"HTTP_AUTH_LOGIN": "admin", "HTTP_AUTH_PASSWORD": plesktest.Password}, code: "1029"},
		{name: "no credentials at all leave the method unspecified (1029)", header: map[string]string{}, code: "1029"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := plesktest.NewServer(t, seed()...)
			ex := send(t, srv, listAll, tt.header)
			assert.Equal(t, http.StatusOK, ex.code, "the XML-API answers 200 either way")
			if tt.code == "" {
				assert.Nil(t, ex.packet.System)
				assert.Len(t, ex.packet.Results, 3)
				return
			}
			require.NotNil(t, ex.packet.System, "%s", ex.body)
			assert.Equal(t, "error", ex.packet.System.Status)
			assert.Equal(t, tt.code, ex.packet.System.ErrCode)
			assert.Empty(t, ex.packet.Results)
		})
	}
}

func TestPacketChecks(t *testing.T) {
	tests := []struct {
		name, packet string
		header       map[string]string
		code         string
	}{
		{name: "a packet that is not well-formed is error 1014", packet: `<packet><webspace><get>`, code: "1014"},
		{name: "an unknown operation is error 1014", packet: `<packet><webspace><frobnicate/></webspace></packet>`, code: "1014"},
		{name: "an unknown operator is error 1014", packet: `<packet><spaceship><get/></spaceship></packet>`, code: "1014"},
		{name: "a get without a filter is error 1014", packet: `<packet><webspace><get><dataset><gen_info/></dataset></get></webspace></packet>`, code: "1014"},
		{name: "a non-numeric id is error 1014", packet: `<packet><webspace><get><filter><id>x</id></filter><dataset><gen_info/></dataset></get></webspace></packet>`, code: "1014"},
		{name: "a body that is not text/xml is error 1014", packet: listAll, code: "1014",
			header: map[string]string{"KEY": plesktest.Token, "Content-Type": "application/x-www-form-urlencoded"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := plesktest.NewServer(t, seed()...)
			ex := send(t, srv, tt.packet, tt.header)
			require.NotNil(t, ex.packet.System, "%s", ex.body)
			assert.Equal(t, tt.code, ex.packet.System.ErrCode)
		})
	}
	t.Run("another path is an HTML 404", func(t *testing.T) {
		srv := plesktest.NewServer(t)
		resp, err := http.Post(srv.URL+"/api/v2/domains", "text/xml", strings.NewReader(listAll))
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusNotFound, resp.StatusCode)
		assert.Contains(t, resp.Header.Get("Content-Type"), "text/html")
	})
	t.Run("the answer carries the request's version", func(t *testing.T) {
		srv := plesktest.NewServer(t, seed()...)
		ex := send(t, srv, strings.Replace(listAll, "<packet>", `<packet version="1.6.3.0">`, 1), nil)
		assert.Equal(t, "1.6.3.0", ex.packet.Version)
		ex = send(t, srv, listAll, nil)
		assert.Equal(t, plesktest.Version, ex.packet.Version)
	})
}

func TestState(t *testing.T) {
	t.Run("an added subscription is listed, suspended, and gone once deleted", func(t *testing.T) {
		srv := plesktest.NewServer(t, seed()...)
		ex := send(t, srv, `<packet><webspace><add><gen_setup><name>new.example</name><owner-login>alphaftp</owner-login><htype>vrt_hst</htype><ip_address>192.0.2.50</ip_address><status>0</status></gen_setup><hosting><vrt_hst><property><name>ftp_login</name><value>newftp</value></property><property><name>ftp_password</name><value>N3w-Passw0rd</value></property><ip_address>192.0.2.50</ip_address></vrt_hst></hosting><plan-name>Unlimited</plan-name></add></webspace></packet>`, nil)
		require.Len(t, ex.packet.Results, 1, "%s", ex.body)
		assert.Equal(t, "ok", ex.packet.Results[0].status.Status)
		id := ex.packet.Results[0].ID
		assert.NotEmpty(t, id)

		ex = send(t, srv, `<packet><webspace><set><filter><id>`+id+`</id></filter><values><gen_setup><status>16</status></gen_setup></values></set></webspace></packet>`, nil)
		assert.Equal(t, "ok", ex.packet.Results[0].status.Status)
		ex = send(t, srv, `<packet><webspace><get><filter><name>NEW.example</name></filter><dataset><gen_info/></dataset></get></webspace></packet>`, nil)
		require.Len(t, ex.packet.Results, 1)
		assert.Equal(t, "16", ex.packet.Results[0].Status)
		assert.Equal(t, "NEW.example", ex.packet.Results[0].FilterID)

		var listed provider.Account
		for _, a := range srv.Accounts() {
			if a.Domain == "new.example" {
				listed = a
			}
		}
		assert.Equal(t, "alpha@example.com", listed.Email)
		assert.Equal(t, "Unlimited", listed.Product)
		assert.Equal(t, provider.StatusSuspended, listed.Status)
		pw, _ := srv.Password("new.example")
		assert.Equal(t, "N3w-Passw0rd", pw)

		ex = send(t, srv, `<packet><webspace><del><filter><name>new.example</name></filter></del></webspace></packet>`, nil)
		assert.Equal(t, "ok", ex.packet.Results[0].status.Status)
		assert.Len(t, srv.Accounts(), 3)
	})
	t.Run("a value matching nothing is a 1013 result beside the ok ones", func(t *testing.T) {
		srv := plesktest.NewServer(t, seed()...)
		ex := send(t, srv, `<packet><webspace><get><filter><name>alpha.example</name><name>ghost.example</name></filter><dataset><gen_info/></dataset></get></webspace></packet>`, nil)
		require.Len(t, ex.packet.Results, 2)
		assert.Equal(t, "ok", ex.packet.Results[0].status.Status)
		assert.Equal(t, "error", ex.packet.Results[1].status.Status)
		assert.Equal(t, "1013", ex.packet.Results[1].ErrCode)
		assert.Equal(t, "ghost.example", ex.packet.Results[1].FilterID)
	})
	t.Run("duplicates and bad values are refused with their codes", func(t *testing.T) {
		srv := plesktest.NewServer(t, seed()...)
		add := func(name, owner, login, plan string) result {
			ex := send(t, srv, `<packet><webspace><add><gen_setup><name>`+name+`</name><owner-id>`+owner+`</owner-id><htype>vrt_hst</htype><ip_address>192.0.2.9</ip_address></gen_setup><hosting><vrt_hst><property><name>ftp_login</name><value>`+login+`</value></property><property><name>ftp_password</name><value>Pw-123456</value></property></vrt_hst></hosting><plan-name>`+plan+`</plan-name></add></webspace></packet>`, nil)
			require.Len(t, ex.packet.Results, 1, "%s", ex.body)
			return ex.packet.Results[0]
		}
		assert.Equal(t, "1007", add("alpha.example", "1", "x1", "Unlimited").ErrCode, "the domain exists")
		assert.Equal(t, "1007", add("x.example", "1", "alphaftp", "Unlimited").ErrCode, "the system user exists")
		assert.Equal(t, "1015", add("x.example", "999", "x1", "Unlimited").ErrCode, "the owner is missing")
		assert.Equal(t, "1013", add("x.example", "1", "x1", "Platinum").ErrCode, "the plan is missing")
		assert.Equal(t, "1019", add("not a domain", "1", "x1", "Unlimited").ErrCode, "the name is not a domain")
		assert.Equal(t, "1019", add("x.example", "1", "1bad user", "Unlimited").ErrCode, "the system user is invalid")
		assert.Equal(t, "ok", add("x.example", "1", "x1", "Unlimited").status.Status)
	})
	t.Run("customer add refuses taken logins and bad values", func(t *testing.T) {
		srv := plesktest.NewServer(t, seed()...)
		add := func(login, email, status string) result {
			ex := send(t, srv, `<packet><customer><add><gen_info><pname>P</pname><login>`+login+`</login><passwd>Pw-123456</passwd><status>`+status+`</status><email>`+email+`</email></gen_info></add></customer></packet>`, nil)
			require.Len(t, ex.packet.Results, 1, "%s", ex.body)
			return ex.packet.Results[0]
		}
		assert.Equal(t, "1007", add("admin", "a@example.org", "0").ErrCode, "the administrator's login is taken")
		assert.Equal(t, "1007", add("ALPHAFTP", "a@example.org", "0").ErrCode, "logins are case-insensitive")
		assert.Equal(t, "1019", add("newcust", "not an address", "0").ErrCode)
		assert.Equal(t, "1019", add("newcust", "a@example.org", "32").ErrCode, "only 0 and 16 can be set")
		ok := add("newcust", "o'brien&amp;co@example.org", "16")
		assert.Equal(t, "ok", ok.status.Status)
		ex := send(t, srv, `<packet><customer><get><filter><id>`+ok.ID+`</id><login>ghost</login></filter><dataset><gen_info/></dataset></get></customer></packet>`, nil)
		require.Len(t, ex.packet.Results, 2)
		assert.Equal(t, "o'brien&co@example.org", ex.packet.Results[0].Email)
		assert.Equal(t, "1013", ex.packet.Results[1].ErrCode)
		assert.Equal(t, "ghost", ex.packet.Results[1].FilterID)
	})
	t.Run("customers, resellers and plans are listed by their own operators", func(t *testing.T) {
		srv := plesktest.NewServer(t, seed()...)
		ex := send(t, srv, `<packet><customer><get><filter/><dataset><gen_info/></dataset></get></customer></packet>`, nil)
		require.Len(t, ex.packet.Results, 1)
		assert.Equal(t, "alpha@example.com", ex.packet.Results[0].Email)
		ex = send(t, srv, `<packet><reseller><get><filter><all/></filter><dataset><gen-info/></dataset></get></reseller></packet>`, nil)
		require.Len(t, ex.packet.Results, 1)
		assert.Equal(t, "res@example.net", ex.packet.Results[0].REmail)
		plans := func(packet string) []string {
			var names []string
			for _, r := range send(t, srv, packet, nil).packet.Results {
				names = append(names, r.PlanName)
			}
			return names
		}
		assert.Equal(t, []string{"Default Domain", "Unlimited"}, plans(`<packet><service-plan><get><filter/></get></service-plan></packet>`))
		assert.Equal(t, []string{"Default Domain", "Unlimited", "Reseller Gold"}, plans(`<packet><service-plan><get><filter/><owner-all/></get></service-plan></packet>`))
	})
	t.Run("seeds map onto Plesk's records", func(t *testing.T) {
		srv := plesktest.NewServer(t, seed()...)
		got := srv.Accounts()
		require.Len(t, got, 3)
		bucher := got[2]
		assert.Equal(t, "bücher.example", bucher.Domain)
		assert.Equal(t, "xn--bcher-kva.example", bucher.Extra["ascii_name"])
		assert.Equal(t, "admin", bucher.Username, "a forwarding subscription is listed under its owner's login")
		assert.Equal(t, "272", bucher.Extra["status"])
		assert.Equal(t, provider.StatusSuspended, bucher.Status)
		assert.Equal(t, plesktest.DefaultIP, bucher.PrimaryIP)
		assert.Equal(t, "reseller", got[1].Extra["owner_type"])
	})
	t.Run("a seed listed twice panics", func(t *testing.T) {
		assert.Panics(t, func() {
			plesktest.New(plesktest.Options{Accounts: []provider.Account{{Domain: "a.example"}, {Domain: "A.example"}}})
		})
	})
}

func TestFaults(t *testing.T) {
	t.Run("each fault has its wire shape", func(t *testing.T) {
		tests := []struct {
			name  string
			fault plesktest.Fault
			code  int
			check func(t *testing.T, ex exchange)
		}{
			{"wrong credentials are a packet-level 1001 with HTTP 200", plesktest.FaultUnauthorized, http.StatusOK, func(t *testing.T, ex exchange) { assert.Equal(t, "1001", ex.packet.System.ErrCode) }},
			{"a server error is HTTP 500", plesktest.FaultServerError, http.StatusInternalServerError, func(t *testing.T, ex exchange) {}},
			{"rate limiting is HTTP 429 with Retry-After", plesktest.FaultRateLimited, http.StatusTooManyRequests, func(t *testing.T, ex exchange) { assert.Equal(t, "1", ex.header.Get("Retry-After")) }},
			{"an HTML page comes with HTTP 200", plesktest.FaultHTML, http.StatusOK, func(t *testing.T, ex exchange) { assert.Contains(t, string(ex.body), "<html>") }},
			{"a packet-level error is 1003", plesktest.FaultPacketError, http.StatusOK, func(t *testing.T, ex exchange) { assert.Equal(t, "1003", ex.packet.System.ErrCode) }},
			{"a malformed record has a cr_date that is no date", plesktest.FaultMalformed, http.StatusOK, func(t *testing.T, ex exchange) {
				assert.Contains(t, string(ex.body), "<cr_date>30/08/2022</cr_date>")
				assert.Len(t, ex.packet.Results, 3)
			}},
			{"a result error follows the ok results", plesktest.FaultResultError, http.StatusOK, func(t *testing.T, ex exchange) {
				require.Len(t, ex.packet.Results, 4)
				assert.Equal(t, "1023", ex.packet.Results[3].ErrCode)
			}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				srv := plesktest.NewServer(t, seed()...)
				srv.SetFault(tt.fault)
				ex := send(t, srv, listAll, nil)
				assert.Equal(t, tt.code, ex.code)
				tt.check(t, ex)
				srv.SetFault(plesktest.FaultNone)
				ex = send(t, srv, listAll, nil)
				assert.Len(t, ex.packet.Results, 3, "SetFault(FaultNone) ends it")
			})
		}
	})
	t.Run("a truncated answer cannot be read whole", func(t *testing.T) {
		srv := plesktest.NewServer(t, seed()...)
		srv.SetFault(plesktest.FaultTruncated)
		req, _ := http.NewRequest(http.MethodPost, srv.URL+plesktest.AgentPath, strings.NewReader(listAll))
		req.Header.Set("KEY", plesktest.Token)
		req.Header.Set("Content-Type", "text/xml")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		_, err = io.ReadAll(resp.Body)
		assert.True(t, errors.Is(err, io.ErrUnexpectedEOF), "reading gave %v", err)
	})
	t.Run("a slow answer gives up when the client does", func(t *testing.T) {
		srv := plesktest.New(plesktest.Options{SlowDelay: time.Minute})
		defer srv.Close()
		srv.SetFault(plesktest.FaultSlow)
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+plesktest.AgentPath, strings.NewReader(listAll))
		start := time.Now()
		_, err := http.DefaultClient.Do(req)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Less(t, time.Since(start), 10*time.Second)
	})
	t.Run("a failing mutation changes nothing", func(t *testing.T) {
		srv := plesktest.NewServer(t, seed()...)
		srv.SetFault(plesktest.FaultResultError)
		ex := send(t, srv, `<packet><webspace><del><filter><name>alpha.example</name></filter></del></webspace></packet>`, nil)
		require.Len(t, ex.packet.Results, 1)
		assert.Equal(t, "1023", ex.packet.Results[0].ErrCode)
		assert.Len(t, srv.Accounts(), 3)
	})
	t.Run("FailNext counts down before SetFault applies", func(t *testing.T) {
		srv := plesktest.NewServer(t, seed()...)
		srv.SetFault(plesktest.FaultPacketError)
		srv.FailNext(plesktest.FaultUnauthorized, 2)
		codes := []string{}
		for range 3 {
			codes = append(codes, send(t, srv, listAll, nil).packet.System.ErrCode)
		}
		assert.Equal(t, []string{"1001", "1001", "1003"}, codes)
		assert.Equal(t, 3, srv.Calls("webspace.get"), "faulted requests count")
		reqs := srv.Requests("webspace.get")
		require.Len(t, reqs, 3)
		assert.Equal(t, listAll, string(reqs[2].Body))
	})
	t.Run("faults have names", func(t *testing.T) {
		assert.Equal(t, "truncated", plesktest.FaultTruncated.String())
		assert.Equal(t, "plesk-result-error", plesktest.FaultResultError.String())
	})
	for _, tt := range []struct {
		fault plesktest.Fault
		want  string
	}{
		{plesktest.FaultWrongShape, `<packet version="1.6.9.1"></packet>`},
		{plesktest.FaultNullList, `<packet version="1.6.9.1"><webspace><get/></webspace></packet>`},
		{plesktest.FaultWrongType, `<packet version="1.6.9.1"><webspace><get>all subscriptions</get></webspace></packet>`},
	} {
		t.Run(tt.fault.String()+" answers the next webspace listing and nothing else", func(t *testing.T) {
			srv := plesktest.NewServer(t, seed()...)
			srv.FailNext(tt.fault, 1)
			plans := send(t, srv, `<packet><service-plan><get><filter/></get></service-plan></packet>`, nil)
			assert.Contains(t, string(plans.body), "<status>ok</status>")
			got := send(t, srv, listAll, nil)
			assert.Equal(t, 200, got.code)
			assert.True(t, strings.HasSuffix(string(got.body), tt.want), "%s", got.body)
			again := send(t, srv, listAll, nil)
			assert.Contains(t, string(again.body), "<status>ok</status>")
		})
	}
	t.Run("the redirect faults point at the RedirectTo target", func(t *testing.T) {
		srv := plesktest.NewServer(t, seed()...)
		srv.RedirectTo("http://127.0.0.1:1/elsewhere")
		srv.FailNext(plesktest.FaultRedirect302, 1)
		req, _ := http.NewRequest(http.MethodPost, srv.URL+plesktest.AgentPath, strings.NewReader(listAll))
		resp, err := http.DefaultTransport.RoundTrip(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, 302, resp.StatusCode)
		assert.Equal(t, "http://127.0.0.1:1/elsewhere", resp.Header.Get("Location"))
	})
}

func TestLatency(t *testing.T) {
	srv := plesktest.New(plesktest.Options{Latency: 30 * time.Millisecond})
	defer srv.Close()
	start := time.Now()
	ex := send(t, srv, listAll, nil)
	assert.GreaterOrEqual(t, time.Since(start), 30*time.Millisecond)
	assert.Equal(t, "ok", ex.packet.Results[0].status.Status, "an empty server answers one ok result")
	assert.True(t, bytes.Contains(ex.body, []byte("<get><result><status>ok</status></result></get>")), "%s", ex.body)
}
