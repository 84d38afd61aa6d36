package proxmoxtest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/proxmox/proxmoxtest"
)

// call sends one request with the fake's API token and returns the status
// line and the body.
func call(t *testing.T, srv *proxmoxtest.Server, method, path string, form url.Values) (string, string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, srv.URL+"/api2/json"+path, body)
	req.Header.Set("Authorization", "PVEAPIToken="+proxmoxtest.TokenID+"="+proxmoxtest.Token)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.Status, string(b)
}

func TestFakeSpeaksTheWireFormat(t *testing.T) {
	srv := proxmoxtest.NewServer(t, provider.Account{UniqueIdentifier: "105", Domain: "web105.example.com", Status: provider.StatusActive})

	t.Run("errors travel in the reason phrase with a null data body", func(t *testing.T) {
		status, body := call(t, srv, http.MethodGet, "/nodes/pve1/qemu/999/config", nil)
		if status != "500 Configuration file 'nodes/pve1/qemu-server/999.conf' does not exist" || body != `{"data":null}` {
			t.Errorf("got %q %s", status, body)
		}
	})
	t.Run("an invalid tag is a 400 with the parameter's message", func(t *testing.T) {
		status, body := call(t, srv, http.MethodPut, "/nodes/pve1/qemu/105/config", url.Values{"tags": {"owner-a@b.example"}})
		if status != "400 Parameter verification failed." || !strings.Contains(body, `"errors":{"tags":`) {
			t.Errorf("got %q %s", status, body)
		}
	})
	t.Run("a call without credentials is 401 No ticket", func(t *testing.T) {
		resp, err := http.Get(srv.URL + "/api2/json/cluster/resources")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.Status != "401 No ticket" {
			t.Errorf("got %q", resp.Status)
		}
	})
	t.Run("an unknown call is 501 naming the method", func(t *testing.T) {
		if status, _ := call(t, srv, http.MethodGet, "/nodes/pve1/storage", nil); status != "501 Method 'GET /nodes/pve1/storage' not implemented" {
			t.Errorf("got %q", status)
		}
	})
	t.Run("a task runs for one poll, then stops with its effect", func(t *testing.T) {
		_, body := call(t, srv, http.MethodPost, "/nodes/pve1/qemu/105/status/stop", url.Values{})
		var upid struct{ Data string }
		json.Unmarshal([]byte(body), &upid)
		if !strings.HasPrefix(upid.Data, "UPID:pve1:") || !strings.Contains(upid.Data, ":qmstop:105:"+proxmoxtest.TokenID+":") {
			t.Fatalf("UPID %q", upid.Data)
		}
		var states []string
		for range 2 {
			_, body := call(t, srv, http.MethodGet, "/nodes/pve1/tasks/"+url.PathEscape(upid.Data)+"/status", nil)
			var st struct {
				Data struct{ Status, Exitstatus string }
			}
			json.Unmarshal([]byte(body), &st)
			states = append(states, st.Data.Status+"/"+st.Data.Exitstatus)
		}
		if got := strings.Join(states, ","); got != "running/,stopped/OK" {
			t.Errorf("task states %s, want running/,stopped/OK", got)
		}
		if a := srv.Accounts(); len(a) != 1 || a[0].Extra["status"] != "stopped" {
			t.Errorf("after the task: %+v", a)
		}
	})
	t.Run("a node that is down answers 595 and lists its guests as unknown", func(t *testing.T) {
		srv.SetNodeDown("pve1", true)
		defer srv.SetNodeDown("pve1", false)
		if status, _ := call(t, srv, http.MethodGet, "/nodes/pve1/qemu/105/config", nil); status != "595 No route to host" {
			t.Errorf("got %q", status)
		}
		if _, body := call(t, srv, http.MethodGet, "/cluster/resources?type=vm", nil); !strings.Contains(body, `{"id":"qemu/105","type":"qemu","vmid":105,"node":"pve1","status":"unknown"}`) {
			t.Errorf("resources %s", body)
		}
	})
}

func TestSharedFaults(t *testing.T) {
	srv := proxmoxtest.NewServer(t, provider.Account{UniqueIdentifier: "105", Domain: "web105.example.com"})
	for _, tt := range []struct {
		fault proxmoxtest.Fault
		want  string
	}{
		{proxmoxtest.FaultWrongShape, `{}`},
		{proxmoxtest.FaultNullList, `{"data":null}`},
		{proxmoxtest.FaultWrongType, `{"data":{}}`},
	} {
		t.Run(tt.fault.String()+" answers the next resources listing and nothing else", func(t *testing.T) {
			srv.FailNext(tt.fault, 1)
			if status, body := call(t, srv, http.MethodGet, "/nodes/pve1/qemu/105/config", nil); status != "200 OK" || !strings.Contains(body, `"name"`) {
				t.Errorf("config got %q %s", status, body)
			}
			if status, body := call(t, srv, http.MethodGet, "/cluster/resources?type=vm", nil); status != "200 OK" || body != tt.want {
				t.Errorf("listing got %q %s, want %s", status, body, tt.want)
			}
			if _, body := call(t, srv, http.MethodGet, "/cluster/resources?type=vm", nil); !strings.Contains(body, `"vmid":105`) {
				t.Errorf("listing after the fault %s", body)
			}
		})
	}
	t.Run("the redirect faults point at the RedirectTo target and requests are recorded", func(t *testing.T) {
		srv.RedirectTo("http://127.0.0.1:1/elsewhere")
		srv.FailNext(proxmoxtest.FaultRedirect302, 1)
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api2/json/cluster/resources?type=vm", nil)
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 302 || resp.Header.Get("Location") != "http://127.0.0.1:1/elsewhere" {
			t.Errorf("HTTP %d to %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		reqs := srv.Requests(proxmoxtest.FnResources)
		if last := reqs[len(reqs)-1]; last.Query.Get("type") != "vm" || last.Method != "GET" {
			t.Errorf("recorded %+v", last)
		}
	})
}

func TestFakeListsGuestsAsPveManagerDoes(t *testing.T) {
	guests := []proxmoxtest.Guest{
		{VMID: 200, Node: "pve1", Tags: []string{"plan-a"}},
		{VMID: 201, Type: "lxc", Node: "pve1"},
	}
	t.Run("unnamed guests are listed as VM n and CTn, with their tags", func(t *testing.T) {
		srv := proxmoxtest.New(proxmoxtest.Options{Guests: guests})
		defer srv.Close()
		_, body := call(t, srv, http.MethodGet, "/cluster/resources?type=vm", nil)
		for _, want := range []string{`"vmid":200,"name":"VM 200"`, `"vmid":201,"name":"CT201"`, `"tags":"plan-a"`} {
			if !strings.Contains(body, want) {
				t.Errorf("resources %s lacks %s", body, want)
			}
		}
		if _, body := call(t, srv, http.MethodGet, "/version", nil); body != `{"data":{"release":"8.2","repoid":"faa83925c9641325","version":"8.2.4"}}` {
			t.Errorf("version %s", body)
		}
	})
	t.Run("before 7.3 the listing has no tags", func(t *testing.T) {
		srv := proxmoxtest.New(proxmoxtest.Options{Guests: guests, Version: "7.2-11"})
		defer srv.Close()
		if _, body := call(t, srv, http.MethodGet, "/cluster/resources?type=vm", nil); strings.Contains(body, `"tags"`) {
			t.Errorf("resources %s has tags", body)
		}
		if _, body := call(t, srv, http.MethodGet, "/version", nil); !strings.Contains(body, `"release":"7.2"`) {
			t.Errorf("version %s", body)
		}
	})
	t.Run("FaultOnly points the listing faults at a guest's configuration", func(t *testing.T) {
		srv := proxmoxtest.New(proxmoxtest.Options{Guests: guests})
		defer srv.Close()
		srv.FaultOnly(proxmoxtest.FnConfig)
		for _, tt := range []struct {
			fault proxmoxtest.Fault
			want  string
		}{
			{proxmoxtest.FaultWrongShape, `{"data":{}}`},
			{proxmoxtest.FaultNullList, `{"data":null}`},
			{proxmoxtest.FaultWrongType, `{"data":[]}`},
		} {
			srv.FailNext(tt.fault, 1)
			if _, body := call(t, srv, http.MethodGet, "/cluster/resources?type=vm", nil); !strings.Contains(body, `"vmid":200`) {
				t.Errorf("%s: resources %s", tt.fault, body)
			}
			if _, body := call(t, srv, http.MethodGet, "/nodes/pve1/qemu/200/config", nil); body != tt.want {
				t.Errorf("%s: config %s, want %s", tt.fault, body, tt.want)
			}
		}
	})
	t.Run("a missing guest gets the wording of the call", func(t *testing.T) {
		srv := proxmoxtest.New(proxmoxtest.Options{Guests: guests})
		defer srv.Close()
		if status, _ := call(t, srv, http.MethodPost, "/nodes/pve1/lxc/299/status/stop", url.Values{}); status != "500 CT 299 not running" {
			t.Errorf("LXC stop: %q", status)
		}
		if status, _ := call(t, srv, http.MethodDelete, "/nodes/pve1/lxc/299", nil); status != "500 Configuration file 'nodes/pve1/lxc/299.conf' does not exist" {
			t.Errorf("LXC delete: %q", status)
		}
		if status, body := call(t, srv, http.MethodPost, "/nodes/pve1/qemu/299/status/start", url.Values{}); status != "200 OK" || !strings.Contains(body, ":qmstart:299:") {
			t.Errorf("QEMU start: %q %s (the task fails, not the call)", status, body)
		}
	})
}
