package whmcstest_test

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/accountsync/accountsync/whmcs/whmcstest"
)

// post sends a raw API request and returns the status and body.
func post(t *testing.T, srv *whmcstest.Server, params url.Values) (int, string) {
	t.Helper()
	form := url.Values{"identifier": {whmcstest.Identifier}, "secret": {whmcstest.Secret}}
	for k, v := range params {
		form[k] = v
	}
	resp, err := srv.Client().PostForm(srv.URL+"/includes/api.php", form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func decode(t *testing.T, body string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatalf("%v in %s", err, body)
	}
	return m
}

// seeded is a WHMCS with one server, group, product, client and n
// services.
func seeded(t *testing.T, opts whmcstest.Options, n int) (*whmcstest.Server, string, string, string) {
	srv := whmcstest.NewServer(t, opts)
	server := srv.AddHostingServer(whmcstest.HostingServer{Name: "web1", Module: "cpanel"})
	group := srv.AddProductGroup("G")
	product := srv.AddProduct(whmcstest.Product{GroupID: group, Name: "P", Module: "cpanel", Package: "gold"})
	client := srv.AddClient(whmcstest.Client{FirstName: "Jo", LastName: "Smith", Email: "jo@example.com"})
	for range n {
		srv.AddService(whmcstest.Service{ClientID: client, ProductID: product, ServerID: server, Domain: "jo.example", Password: "pw"})
	}
	return srv, server, product, client
}

func TestWireQuirks(t *testing.T) {
	t.Run("an empty listing has products as an empty string and a string total", func(t *testing.T) {
		srv := whmcstest.NewServer(t, whmcstest.Options{})
		_, body := post(t, srv, url.Values{"action": {"GetClientsProducts"}, "responsetype": {"json"}})
		if !strings.Contains(body, `"products":""`) || !strings.Contains(body, `"totalresults":"0"`) || !strings.Contains(body, `"numreturned":0`) {
			t.Errorf("body %s", body)
		}
	})
	t.Run("a page past the end has no products member", func(t *testing.T) {
		srv, _, _, _ := seeded(t, whmcstest.Options{}, 2)
		_, body := post(t, srv, url.Values{"action": {"GetClientsProducts"}, "responsetype": {"json"}, "limitstart": {"5"}})
		m := decode(t, body)
		if _, ok := m["products"]; ok || m["totalresults"] != "2" {
			t.Errorf("body %s", body)
		}
	})
	t.Run("no limitnum returns every row; GetClients returns 25", func(t *testing.T) {
		srv, _, _, _ := seeded(t, whmcstest.Options{}, 30)
		for range 29 {
			srv.AddClient(whmcstest.Client{Email: "x@example.com"})
		}
		_, body := post(t, srv, url.Values{"action": {"GetClientsProducts"}, "responsetype": {"json"}})
		if n := decode(t, body)["numreturned"]; n != 30.0 {
			t.Errorf("GetClientsProducts returned %v", n)
		}
		_, body = post(t, srv, url.Values{"action": {"GetClients"}, "responsetype": {"json"}})
		if n := decode(t, body)["numreturned"]; n != 25.0 {
			t.Errorf("GetClients returned %v", n)
		}
	})
	t.Run("slashes in names and addresses are escaped as PHP escapes them", func(t *testing.T) {
		srv, _, _, _ := seeded(t, whmcstest.Options{}, 1)
		_, body := post(t, srv, url.Values{"action": {"SendEmail"}, "responsetype": {"json"}, "messagename": {"Dedicated/VPS Server Welcome Email"}, "id": {"1"}})
		if body != `{"result":"success"}` {
			t.Errorf("body %s", body)
		}
		post(t, srv, url.Values{"action": {"AddClient"}, "responsetype": {"json"}, "email": {"a/b@example.com"}, "skipvalidation": {"1"}})
		_, body = post(t, srv, url.Values{"action": {"GetClientsDetails"}, "responsetype": {"json"}, "email": {"a/b@example.com"}})
		if !strings.Contains(body, `a\/b@example.com`) {
			t.Errorf("body %s", body)
		}
	})
	t.Run("without responsetype a list action answers XML and another NVP", func(t *testing.T) {
		srv, _, _, _ := seeded(t, whmcstest.Options{}, 1)
		_, body := post(t, srv, url.Values{"action": {"GetClientsProducts"}})
		if !strings.HasPrefix(body, "<?xml") || !strings.Contains(body, "<action>getclientsproducts</action>") {
			t.Errorf("body %s", body)
		}
		_, body = post(t, srv, url.Values{"action": {"GetServers"}})
		if !strings.HasPrefix(body, "result=success;") {
			t.Errorf("body %s", body)
		}
		_, body = post(t, srv, url.Values{"action": {"GetClientsProducts"}, "responsetype": {"nvp"}})
		if body != "result=error;message=This API action only supports the XML or JSON response type formats" {
			t.Errorf("body %s", body)
		}
	})
	t.Run("an update applies only truthy values and clears with unset", func(t *testing.T) {
		srv, _, _, _ := seeded(t, whmcstest.Options{}, 1)
		srv.AddService(whmcstest.Service{})
		post(t, srv, url.Values{"action": {"UpdateClientProduct"}, "responsetype": {"json"}, "serviceid": {"1"}, "dedicatedip": {"192.0.2.1"}})
		post(t, srv, url.Values{"action": {"UpdateClientProduct"}, "responsetype": {"json"}, "serviceid": {"1"}, "dedicatedip": {""}, "domain": {"0"}})
		if s, _ := srv.Service("1"); s.DedicatedIP != "192.0.2.1" || s.Domain != "jo.example" {
			t.Errorf("empty values changed the service: %+v", s)
		}
		post(t, srv, url.Values{"action": {"UpdateClientProduct"}, "responsetype": {"json"}, "serviceid": {"1"}, "unset[]": {"dedicatedip", "domain"}, "recurringamount": {"0.00"}})
		if s, _ := srv.Service("1"); s.DedicatedIP != "" || s.Domain != "" || s.Amount != "0.00" {
			t.Errorf("unset[] and 0.00 did not apply: %+v", s)
		}
		_, body := post(t, srv, url.Values{"action": {"UpdateClientProduct"}, "responsetype": {"json"}, "serviceid": {"99"}})
		if decode(t, body)["message"] != "Service ID Not Found" {
			t.Errorf("body %s", body)
		}
	})
	t.Run("terminating in billing sets today's termination date once", func(t *testing.T) {
		srv, _, _, _ := seeded(t, whmcstest.Options{}, 1)
		post(t, srv, url.Values{"action": {"UpdateClientProduct"}, "responsetype": {"json"}, "serviceid": {"1"}, "status": {"Terminated"}})
		s, _ := srv.Service("1")
		if s.Status != "Terminated" || s.TerminationDate == "0000-00-00" {
			t.Errorf("service %+v", s)
		}
		post(t, srv, url.Values{"action": {"UpdateClientProduct"}, "responsetype": {"json"}, "serviceid": {"1"}, "status": {"Active"}})
		if s, _ := srv.Service("1"); s.TerminationDate != "0000-00-00" {
			t.Errorf("reactivating kept the termination date: %+v", s)
		}
	})
	t.Run("AcceptOrder reads autosetup as PHP does: false is true", func(t *testing.T) {
		for _, tt := range []struct {
			autosetup string
			modules   int
		}{{"0", 0}, {"", 0}, {"false", 1}, {"1", 1}} {
			srv, _, product, client := seeded(t, whmcstest.Options{}, 0)
			_, body := post(t, srv, url.Values{"action": {"AddOrder"}, "responsetype": {"json"}, "clientid": {client}, "paymentmethod": {"mailin"},
				"pid[0]": {product}, "domain[0]": {"a.example"}, "noemail": {"1"}, "noinvoice": {"1"}})
			order := decode(t, body)["orderid"]
			post(t, srv, url.Values{"action": {"AcceptOrder"}, "responsetype": {"json"}, "orderid": {jsonText(order)}, "autosetup": {tt.autosetup}, "sendemail": {"0"}})
			if n := len(srv.ModuleCalls()); n != tt.modules {
				t.Errorf("autosetup=%q: %d module calls", tt.autosetup, n)
			}
		}
	})
	t.Run("AcceptOrder with nothing sent follows the product's auto-setup and sends its welcome", func(t *testing.T) {
		srv := whmcstest.NewServer(t, whmcstest.Options{})
		srv.AddHostingServer(whmcstest.HostingServer{Name: "web1", Module: "cpanel"})
		g := srv.AddProductGroup("G")
		p := srv.AddProduct(whmcstest.Product{GroupID: g, Name: "P", Module: "cpanel", AutoSetup: "on"})
		c := srv.AddClient(whmcstest.Client{Email: "jo@example.com"})
		post(t, srv, url.Values{"action": {"AddOrder"}, "responsetype": {"json"}, "clientid": {c}, "paymentmethod": {"mailin"}, "pid[0]": {p}})
		post(t, srv, url.Values{"action": {"AcceptOrder"}, "responsetype": {"json"}, "orderid": {"1"}})
		if len(srv.ModuleCalls()) != 1 {
			t.Errorf("module calls %v", srv.ModuleCalls())
		}
		var templates []string
		for _, e := range srv.Emails() {
			templates = append(templates, e.Template)
		}
		if strings.Join(templates, ",") != "Invoice Created,Order Confirmation,"+whmcstest.WelcomeTemplate {
			t.Errorf("e-mails %v", templates)
		}
	})
	t.Run("AddOrder ignores a scalar billing cycle beside an array pid", func(t *testing.T) {
		srv := whmcstest.NewServer(t, whmcstest.Options{})
		g := srv.AddProductGroup("G")
		p := srv.AddProduct(whmcstest.Product{GroupID: g, Name: "P", PayType: "recurring"})
		c := srv.AddClient(whmcstest.Client{Email: "jo@example.com"})
		post(t, srv, url.Values{"action": {"AddOrder"}, "responsetype": {"json"}, "clientid": {c}, "paymentmethod": {"mailin"}, "pid[0]": {p}, "billingcycle": {"annually"}})
		post(t, srv, url.Values{"action": {"AddOrder"}, "responsetype": {"json"}, "clientid": {c}, "paymentmethod": {"mailin"}, "pid[0]": {p}, "billingcycle[0]": {"annually"}})
		s := srv.Services()
		if s[0].BillingCycle != "Monthly" || s[1].BillingCycle != "Annually" {
			t.Errorf("cycles %s, %s", s[0].BillingCycle, s[1].BillingCycle)
		}
		_, body := post(t, srv, url.Values{"action": {"AddOrder"}, "responsetype": {"json"}, "clientid": {c}, "paymentmethod": {"paypal"}, "pid[0]": {p}})
		if decode(t, body)["message"] != "Invalid Payment Method. Valid options include mailin" {
			t.Errorf("body %s", body)
		}
	})
	t.Run("custom field values travel as base64 of PHP serialize", func(t *testing.T) {
		srv := whmcstest.NewServer(t, whmcstest.Options{})
		g := srv.AddProductGroup("G")
		p := srv.AddProduct(whmcstest.Product{GroupID: g, Name: "P", CustomFields: []whmcstest.CustomField{{Name: "VM ID"}}})
		c := srv.AddClient(whmcstest.Client{Email: "jo@example.com"})
		cf := base64.StdEncoding.EncodeToString([]byte(`a:1:{i:1;s:4:"vm-7";}`))
		post(t, srv, url.Values{"action": {"AddOrder"}, "responsetype": {"json"}, "clientid": {c}, "paymentmethod": {"mailin"}, "pid[0]": {p}, "customfields[0]": {cf}})
		if s := srv.Services(); s[0].CustomFields["1"] != "vm-7" {
			t.Errorf("custom fields %v", s[0].CustomFields)
		}
		_, body := post(t, srv, url.Values{"action": {"GetProducts"}, "responsetype": {"json"}})
		if strings.Contains(body, "VM ID") || strings.Contains(body, "configoption1") {
			t.Errorf("GetProducts shows what it should not: %s", body)
		}
	})
	t.Run("a deleted product hides its services from the listing but not from the server's count", func(t *testing.T) {
		srv, _, product, _ := seeded(t, whmcstest.Options{}, 2)
		srv.DeleteProduct(product)
		_, body := post(t, srv, url.Values{"action": {"GetClientsProducts"}, "responsetype": {"json"}, "domain": {"jo.example"}})
		if !strings.Contains(body, `"totalresults":"0"`) {
			t.Errorf("body %s", body)
		}
		_, body = post(t, srv, url.Values{"action": {"GetServers"}, "responsetype": {"json"}})
		if !strings.Contains(body, `"activeServices":2`) {
			t.Errorf("body %s", body)
		}
	})
	t.Run("the listing sends passwords decrypted", func(t *testing.T) {
		srv, _, _, _ := seeded(t, whmcstest.Options{}, 1)
		_, body := post(t, srv, url.Values{"action": {"GetClientsProducts"}, "responsetype": {"json"}})
		if !strings.Contains(body, `"password":"pw"`) {
			t.Errorf("body %s", body)
		}
	})
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return strings.Trim(string(b), `"`)
}

func TestAccessControl(t *testing.T) {
	tests := []struct {
		name   string
		opts   whmcstest.Options
		params url.Values
		status int
		want   string
	}{
		{"a caller off the allow-list", whmcstest.Options{AllowedIPs: []string{}}, nil, 403, "Invalid IP 127.0.0.1"},
		{"a wrong access key", whmcstest.Options{AccessKey: "k"}, url.Values{"accesskey": {"x"}}, 403, "Invalid Access Key"},
		{"a wrong secret", whmcstest.Options{}, url.Values{"secret": {"x"}}, 403, "Authentication Failed"},
		{"credentials as username and password", whmcstest.Options{}, url.Values{"identifier": {""}, "secret": {""}, "username": {whmcstest.Identifier}, "password": {whmcstest.Secret}}, 200, `"result":"success"`},
		{"the legacy admin login with an MD5", whmcstest.Options{}, url.Values{"identifier": {""}, "username": {whmcstest.AdminUsername}, "password": {whmcstest.PasswordHash(whmcstest.AdminPassword)}}, 200, `"result":"success"`},
		{"the legacy admin login with a plain password", whmcstest.Options{}, url.Values{"identifier": {""}, "username": {whmcstest.AdminUsername}, "password": {whmcstest.AdminPassword}}, 403, "Invalid password provided"},
		{"a role without the action", whmcstest.Options{AllowedActions: []string{"GetClients"}}, nil, 403, `Invalid Permissions: API action \"getservers\" is not allowed`},
		{"an unknown action", whmcstest.Options{}, url.Values{"action": {"Teleport"}}, 403, `Invalid API Action: \"teleport\" is not a valid API action`},
	}
	for _, tt := range tests {
		t.Run(tt.name+" gets "+tt.want, func(t *testing.T) {
			srv := whmcstest.NewServer(t, tt.opts)
			p := url.Values{"action": {"GetServers"}, "responsetype": {"json"}}
			for k, v := range tt.params {
				p[k] = v
			}
			status, body := post(t, srv, p)
			if status != tt.status || !strings.Contains(body, tt.want) {
				t.Errorf("HTTP %d %s", status, body)
			}
		})
	}
}

func TestFaults(t *testing.T) {
	for _, f := range []whmcstest.Fault{whmcstest.FaultServerError, whmcstest.FaultHTML, whmcstest.FaultMalformed, whmcstest.FaultAPIError,
		whmcstest.FaultWrongShape, whmcstest.FaultNullList, whmcstest.FaultNVP, whmcstest.FaultUnauthorized} {
		t.Run(f.String()+" changes nothing", func(t *testing.T) {
			srv, _, product, client := seeded(t, whmcstest.Options{}, 0)
			srv.FailNext(f, 1)
			if f == whmcstest.FaultWrongShape || f == whmcstest.FaultNullList || f == whmcstest.FaultNVP {
				srv.SetFault(f)
				_, body := post(t, srv, url.Values{"action": {"GetClientsProducts"}, "responsetype": {"json"}})
				if strings.Contains(body, `"product"`) {
					t.Errorf("body %s", body)
				}
				return
			}
			post(t, srv, url.Values{"action": {"AddOrder"}, "responsetype": {"json"}, "clientid": {client}, "paymentmethod": {"mailin"}, "pid[0]": {product}})
			if n := len(srv.Orders()); n != 0 {
				t.Errorf("%d orders", n)
			}
		})
	}
	t.Run("DropAfter acts, then hangs up", func(t *testing.T) {
		srv, _, product, client := seeded(t, whmcstest.Options{}, 0)
		srv.DropAfter("AddOrder", 1)
		form := url.Values{"identifier": {whmcstest.Identifier}, "secret": {whmcstest.Secret}, "action": {"AddOrder"}, "responsetype": {"json"},
			"clientid": {client}, "paymentmethod": {"mailin"}, "pid[0]": {product}}
		if _, err := http.PostForm(srv.URL+"/includes/api.php", form); err == nil {
			t.Error("an answer arrived")
		}
		if n := len(srv.Orders()); n != 1 {
			t.Errorf("%d orders", n)
		}
	})
	t.Run("FailCall fails only the nth call", func(t *testing.T) {
		srv, _, _, _ := seeded(t, whmcstest.Options{}, 0)
		srv.FailCall("GetServers", 2, "Boom")
		var got []string
		for range 3 {
			_, body := post(t, srv, url.Values{"action": {"GetServers"}, "responsetype": {"json"}})
			got = append(got, decode(t, body)["result"].(string))
		}
		if strings.Join(got, ",") != "success,error,success" {
			t.Errorf("results %v", got)
		}
	})
}
