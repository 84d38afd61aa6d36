package openstacktest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/openstack/openstacktest"
)

// token authenticates with the default password credentials.
func token(t *testing.T, srv *openstacktest.Server) (string, map[string]any) {
	t.Helper()
	body := `{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"` + openstacktest.Username +
		`","domain":{"name":"Default"},"password":"` + openstacktest.Password + `"}}},"scope":{"project":{"name":"` +
		openstacktest.ProjectName + `","domain":{"id":"default"}}}}}`
	resp, err := http.Post(srv.URL+"/v3/auth/tokens", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST /v3/auth/tokens: %s", resp.Status)
	}
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	tok := resp.Header.Get("X-Subject-Token")
	if tok == "" || strings.Contains(tok, "\"") {
		t.Fatalf("X-Subject-Token %q", tok)
	}
	return tok, out
}

// get calls the compute API with a token and a microversion.
func get(t *testing.T, srv *openstacktest.Server, tok, mv, path string) (int, http.Header, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/compute/"+openstacktest.Region+"/v2.1"+path, nil)
	req.Header.Set("X-Auth-Token", tok)
	if mv != "" {
		req.Header.Set("OpenStack-API-Version", "compute "+mv)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func TestTheFakeSpeaksKeystoneAndNova(t *testing.T) {
	srv := openstacktest.NewServer(t,
		provider.Account{Domain: "a.example", UniqueIdentifier: "id-a", Product: "m1.small"},
		provider.Account{Domain: "b.example", UniqueIdentifier: "id-b", Product: "m1.large"},
	)
	tok, body := token(t, srv)
	catalog, _ := json.Marshal(body["token"].(map[string]any)["catalog"])
	if !strings.Contains(string(catalog), `"url":"`+srv.URL+`/compute/RegionOne/v2.1"`) {
		t.Errorf("the catalog does not point back at the fake: %s", catalog)
	}

	tests := []struct {
		name       string
		token      string
		mv         string
		path       string
		wantStatus int
		want       []string
	}{
		{"a request without a valid token gets Keystone's 401", "gAAAAAnot-a-token", "", "/servers/detail", 401, []string{`"title":"Unauthorized"`}},
		{"the base API shows flavors by id", tok, "", "/servers/detail", 200, []string{`"flavor":{"id":"1"`}},
		{"2.47 embeds the flavor's name", tok, "2.47", "/servers/detail", 200, []string{`"original_name":"m1.small"`}},
		{"a full page carries a next link with the last id as marker", tok, "2.69", "/servers/detail?limit=1", 200,
			[]string{`"servers_links":[{"href":"` + srv.URL + `/compute/RegionOne/v2.1/servers/detail?limit=1&marker=id-a","rel":"next"}]`}},
		{"the page after the marker is the rest", tok, "2.69", "/servers/detail?limit=1&marker=id-a", 200, []string{`"id":"id-b"`}},
		{"an unknown marker is a 400", tok, "2.69", "/servers/detail?marker=nope", 400, []string{`{"badRequest":{"code":400,"message":"marker [nope] not found"}}`}},
		{"an unsupported microversion is a 406", tok, "2.999", "/servers/detail", 406, []string{`is not supported by the API`}},
		{"a missing server is itemNotFound", tok, "2.69", "/servers/nope", 404, []string{`"itemNotFound"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, h, b := get(t, srv, tt.token, tt.mv, tt.path)
			if status != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", status, tt.wantStatus, b)
			}
			for _, w := range tt.want {
				if !strings.Contains(b, w) {
					t.Errorf("body %s lacks %s", b, w)
				}
			}
			if status == 200 && tt.mv != "" && h.Get("OpenStack-API-Version") != "compute "+tt.mv {
				t.Errorf("OpenStack-API-Version %q, want the request's", h.Get("OpenStack-API-Version"))
			}
		})
	}
}

func TestFailNextCountsOnlyTheRequestsAFaultAppliesTo(t *testing.T) {
	srv := openstacktest.NewServer(t, provider.Account{Domain: "a.example", Product: "m1.small"})
	srv.FailNext(openstacktest.FaultTokenExpired, 1)
	tok, _ := token(t, srv) // authentication is not a compute call: the fault waits
	if status, _, _ := get(t, srv, tok, "", "/servers/detail"); status != 401 {
		t.Fatalf("the first compute call got %d, want 401", status)
	}
	if status, _, _ := get(t, srv, tok, "", "/servers/detail"); status != 401 {
		t.Fatalf("the revoked token got %d, want 401", status)
	}
	tok, _ = token(t, srv)
	if status, _, _ := get(t, srv, tok, "", "/servers/detail"); status != 200 {
		t.Fatalf("a new token got %d, want 200", status)
	}
	if got := srv.Calls(openstacktest.FuncAuth); got != 2 {
		t.Errorf("Calls(auth) = %d, want 2", got)
	}
}

func TestSharedFaults(t *testing.T) {
	srv := openstacktest.NewServer(t, provider.Account{Domain: "a.example", UniqueIdentifier: "id-a"})
	tok, _ := token(t, srv)
	for _, tt := range []struct {
		fault            openstacktest.Fault
		servers, flavors string
	}{
		{openstacktest.FaultWrongShape, `{}`, `{}`},
		{openstacktest.FaultUnexpectedKey, `{"unexpected":true}`, `{"unexpected":true}`},
		{openstacktest.FaultNullList, `{"servers":null}`, `{"flavors":null}`},
		{openstacktest.FaultWrongType, `{"servers":{}}`, `{"servers":{}}`},
	} {
		t.Run(tt.fault.String()+" answers the next listing page and nothing else", func(t *testing.T) {
			srv.FailNext(tt.fault, 1)
			if status, _, body := get(t, srv, tok, "", "/servers/id-a"); status != 200 || !strings.Contains(body, `"server"`) {
				t.Errorf("a server read got HTTP %d %s", status, body)
			}
			if _, _, body := get(t, srv, tok, "", "/servers/detail"); body != tt.servers {
				t.Errorf("listing %s, want %s", body, tt.servers)
			}
			if _, _, body := get(t, srv, tok, "", "/servers/detail"); !strings.Contains(body, `"id-a"`) {
				t.Errorf("listing after the fault %s", body)
			}
			srv.FailNext(tt.fault, 1)
			if _, _, body := get(t, srv, tok, "", "/flavors/detail"); body != strings.ReplaceAll(tt.flavors, `"servers":{}`, `"flavors":{}`) {
				t.Errorf("flavors %s, want %s", body, tt.flavors)
			}
		})
	}
	t.Run("no-next-link leaves the link out of a full page", func(t *testing.T) {
		srv.FailNext(openstacktest.FaultNoNextLink, 1)
		if _, _, body := get(t, srv, tok, "", "/servers/detail?limit=1"); strings.Contains(body, "servers_links") || !strings.Contains(body, `"id-a"`) {
			t.Errorf("page %s", body)
		}
		if _, _, body := get(t, srv, tok, "", "/servers/detail?limit=1"); !strings.Contains(body, `"servers_links"`) {
			t.Errorf("page after the fault %s", body)
		}
	})
	t.Run("empty-object answers a server read with {}", func(t *testing.T) {
		srv.FailNext(openstacktest.FaultEmptyObject, 1)
		if status, _, body := get(t, srv, tok, "", "/servers/id-a"); status != 200 || body != `{}` {
			t.Errorf("HTTP %d %s", status, body)
		}
	})
	t.Run("deleted-meanwhile answers Nova's words for a server gone during the call", func(t *testing.T) {
		srv.FailNext(openstacktest.FaultDeletedMeanwhile, 1)
		req, _ := http.NewRequest(http.MethodDelete, srv.URL+"/compute/"+openstacktest.Region+"/v2.1/servers/id-a", nil)
		req.Header.Set("X-Auth-Token", tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 404 || string(b) != `{"itemNotFound":{"code":404,"message":"Instance could not be found"}}` || len(srv.Accounts()) != 0 {
			t.Errorf("HTTP %d %s, %d servers left", resp.StatusCode, b, len(srv.Accounts()))
		}
	})
	t.Run("the redirect faults point at the RedirectTo target and the request is recorded", func(t *testing.T) {
		srv.RedirectTo("http://127.0.0.1:1/elsewhere")
		srv.FailNext(openstacktest.FaultRedirect307, 1)
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/compute/"+openstacktest.Region+"/v2.1/servers/detail?limit=5", nil)
		req.Header.Set("X-Auth-Token", tok)
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 307 || resp.Header.Get("Location") != "http://127.0.0.1:1/elsewhere" {
			t.Errorf("HTTP %d to %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		reqs := srv.Requests(openstacktest.FuncListServers)
		if last := reqs[len(reqs)-1]; last.Query.Get("limit") != "5" || last.Header.Get("X-Auth-Token") != tok {
			t.Errorf("recorded %+v", last)
		}
	})
}
