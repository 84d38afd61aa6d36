package solusvmtest_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/solusvm/solusvmtest"
)

func seed() []provider.Account {
	return []provider.Account{{Domain: "web1.example.com", UniqueIdentifier: "101", Username: "vmuser12", Email: "a@example.com", Product: "VPS-1G"}}
}

// v1 posts a SolusVM 1 action and returns the body.
func v1(t *testing.T, srv *solusvmtest.Server, action string, extra url.Values) string {
	t.Helper()
	form := url.Values{"id": {solusvmtest.APIID}, "key": {solusvmtest.APIKey}, "action": {action}}
	for k, v := range extra {
		form[k] = v
	}
	resp, err := http.PostForm(srv.URL+"/api/admin/command.php", form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// v2 gets a SolusVM 2 path and returns the body.
func v2(t *testing.T, srv *solusvmtest.Server, path string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/v1"+path, nil)
	req.Header.Set("Authorization", "Bearer "+solusvmtest.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func TestSharedFaults(t *testing.T) {
	srv := solusvmtest.NewServer(t, seed()...)
	node := strings.TrimSuffix(strings.TrimPrefix(v1(t, srv, "node-idlist", url.Values{"type": {"kvm"}, "rdtype": {"json"}}), `{"status":"success","statusmsg":"","nodes":"`), `"}`)
	node, _, _ = strings.Cut(node, ",")
	listV1 := url.Values{"nodeid": {node}, "rdtype": {"json"}}
	for _, tt := range []struct {
		fault      solusvmtest.Fault
		v1JSON, v2 string
	}{
		{solusvmtest.FaultWrongShape, `{"status":"success","statusmsg":""}`, `"links":`},
		{solusvmtest.FaultNullList, `"virtualservers":null}`, `"data":null`},
		{solusvmtest.FaultWrongType, `"virtualservers":"none"}`, `"data":{}`},
	} {
		t.Run(tt.fault.String()+" answers the next listing and nothing else", func(t *testing.T) {
			srv.FailNext(tt.fault, 2)
			if plans := v1(t, srv, "listplans", url.Values{"type": {"kvm"}}); !strings.Contains(plans, "VPS-1G") {
				t.Errorf("plans %q", plans)
			}
			if got := v1(t, srv, "node-virtualservers", listV1); !strings.HasSuffix(got, tt.v1JSON) {
				t.Errorf("SolusVM 1 listing %s, want it to end with %s", got, tt.v1JSON)
			}
			got := v2(t, srv, "/servers")
			if !strings.Contains(got, tt.v2) || strings.Contains(got, `"data":[`) {
				t.Errorf("SolusVM 2 listing %s, want %s", got, tt.v2)
			}
			if again := v2(t, srv, "/servers"); !strings.Contains(again, `"data":[`) {
				t.Errorf("listing after the fault %s", again)
			}
		})
	}
	t.Run("the redirect faults point at the RedirectTo target and the form is recorded", func(t *testing.T) {
		srv.RedirectTo("http://127.0.0.1:1/elsewhere")
		srv.FailNext(solusvmtest.FaultRedirect307, 1)
		form := url.Values{"id": {solusvmtest.APIID}, "key": {solusvmtest.APIKey}, "action": {"node-virtualservers"}}
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/admin/command.php", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 307 || resp.Header.Get("Location") != "http://127.0.0.1:1/elsewhere" {
			t.Errorf("HTTP %d to %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		reqs := srv.Requests("node-virtualservers")
		if last := reqs[len(reqs)-1]; last.Form.Get("key") != solusvmtest.APIKey {
			t.Errorf("recorded %+v", last)
		}
	})
}

func TestSetFaultFor(t *testing.T) {
	srv := solusvmtest.NewServer(t, seed()...)
	v1JSON := url.Values{"rdtype": {"json"}}
	withType := url.Values{"rdtype": {"json"}, "type": {"kvm"}}
	tests := []struct {
		name     string
		function string
		fault    solusvmtest.Fault
		call     func() string
		want     string // the whole answer, or a part of it
		absent   string // what the answer must not hold
	}{
		{"node-idlist loses its nodes", "node-idlist", solusvmtest.FaultWrongShape,
			func() string { return v1(t, srv, "node-idlist", withType) }, `{"status":"success","statusmsg":""}`, ""},
		{"node-idlist gets a null", "node-idlist", solusvmtest.FaultNullList,
			func() string { return v1(t, srv, "node-idlist", withType) }, `"nodes":null`, ""},
		{"node-idlist gets a list where a string belongs", "node-idlist", solusvmtest.FaultWrongType,
			func() string { return v1(t, srv, "node-idlist", withType) }, `"nodes":["`, ""},
		{"client-list gets a null", "client-list", solusvmtest.FaultNullList,
			func() string { return v1(t, srv, "client-list", v1JSON) }, `"clients":null`, ""},
		{"vserver-infoall loses its state", "vserver-infoall", solusvmtest.FaultWrongShape,
			func() string {
				return v1(t, srv, "vserver-infoall", url.Values{"rdtype": {"json"}, "vserverid": {"101"}})
			}, `"ipaddresses"`, `"state"`},
		{"a SolusVM 1 call answers {}", "client-list", solusvmtest.FaultEmptyObject,
			func() string { return v1(t, srv, "client-list", v1JSON) }, `{}`, ""},
		{"a SolusVM 2 page answers {\"unexpected\":true}", "GET /plans", solusvmtest.FaultUnexpectedObject,
			func() string { return v2(t, srv, "/plans") }, `{"unexpected":true}`, ""},
		{"a SolusVM 2 server read answers 404 as for a missing model", "GET /servers/{id}", solusvmtest.FaultServerNotFound,
			func() string { return v2(t, srv, "/servers/101") }, `No query results for model`, ""},
		{"a SolusVM 1 node call answers the bare line 'Node not found'", "node-virtualservers", solusvmtest.FaultNodeNotFound,
			func() string { return v1(t, srv, "node-virtualservers", url.Values{"nodeid": {"1"}}) }, `Node not found`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name+" while the other calls answer normally", func(t *testing.T) {
			srv.SetFaultFor(tt.function, tt.fault)
			defer srv.SetFaultFor(tt.function, solusvmtest.FaultNone)
			got := tt.call()
			if !strings.Contains(got, tt.want) {
				t.Errorf("answer %s, want %s in it", got, tt.want)
			}
			if tt.absent != "" && strings.Contains(got, tt.absent) {
				t.Errorf("answer %s holds %s", got, tt.absent)
			}
			if tt.want == `{"status":"success","statusmsg":""}` && got != tt.want {
				t.Errorf("answer %s, want exactly %s", got, tt.want)
			}
			if tt.function != "client-list" {
				if other := v1(t, srv, "client-list", v1JSON); !strings.Contains(other, `"clients":[`) {
					t.Errorf("client-list answered %s", other)
				}
			}
		})
	}
	t.Run("a lost answer is a 502 after the panel acted", func(t *testing.T) {
		srv.SetFaultFor("vserver-suspend", solusvmtest.FaultLostAnswer)
		defer srv.SetFaultFor("vserver-suspend", solusvmtest.FaultNone)
		if got := v1(t, srv, "vserver-suspend", url.Values{"vserverid": {"101"}}); !strings.Contains(got, "Bad Gateway") {
			t.Errorf("vserver-suspend answered %s", got)
		}
		if got := v1(t, srv, "vserver-status", url.Values{"vserverid": {"101"}}); !strings.Contains(got, "disabled") {
			t.Errorf("vserver-status answered %s after the lost suspend", got)
		}
	})
}
