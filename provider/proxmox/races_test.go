package proxmox_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/proxmox"
	"github.com/accountsync/accountsync/provider/proxmox/proxmoxtest"
)

// frontFake puts a forwarder before the fake that keeps the reason phrase
// of each answer (httputil.ReverseProxy would write the standard one);
// hook may answer a request itself (returning true) or act before it is
// forwarded.
func frontFake(t *testing.T, srv *proxmoxtest.Server, hook func(w http.ResponseWriter, r *http.Request) bool) string {
	t.Helper()
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hook(w, r) {
			return
		}
		body, _ := io.ReadAll(r.Body)
		out, _ := http.NewRequest(r.Method, srv.URL+r.URL.RequestURI(), bytes.NewReader(body))
		out.Header = r.Header.Clone()
		resp, err := http.DefaultTransport.RoundTrip(out)
		if err != nil {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		fmt.Fprintf(buf, "HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %d\r\nConnection: close\r\n\r\n",
			resp.Status, resp.Header.Get("Content-Type"), len(data))
		buf.Write(data)
		buf.Flush()
	}))
	t.Cleanup(front.Close)
	return front.URL
}

// sideWrite changes guest 105's description through the fake's API, as
// another administrator would.
func sideWrite(t *testing.T, srv *proxmoxtest.Server) {
	req, _ := http.NewRequest(http.MethodPut, srv.URL+"/api2/json/nodes/pve1/qemu/105/config", strings.NewReader("description=edited+meanwhile"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "PVEAPIToken="+proxmoxtest.TokenID+"="+proxmoxtest.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Errorf("side write: %v %v", resp, err)
		return
	}
	resp.Body.Close()
}

func TestConcurrentChanges(t *testing.T) {
	t.Run("a tag write that meets a changed config reads it again and keeps the other change", func(t *testing.T) {
		srv := proxmoxtest.NewServer(t, seedAccounts()...)
		var once atomic.Bool
		base := frontFake(t, srv, func(w http.ResponseWriter, r *http.Request) bool {
			if r.Method == http.MethodPut && strings.HasSuffix(r.URL.Path, "/config") && once.CompareAndSwap(false, true) {
				sideWrite(t, srv)
			}
			return false
		})
		cfg := testConfig(srv, nil)
		cfg.BaseURL = base
		if err := newClient(t, cfg).SuspendAccount(context.Background(), provider.Account{UniqueIdentifier: "105"}, ""); err != nil {
			t.Fatalf("SuspendAccount: %v", err)
		}
		g, _ := guest(t, srv, 105)
		if !slices.Contains(g.Tags, proxmox.SuspendedTag) || g.Config["description"] != "edited meanwhile" {
			t.Errorf("tags %v, description %q: want the tag and the other change", g.Tags, g.Config["description"])
		}
		if n := len(received(srv, proxmoxtest.FnSetConfig)); n != 3 {
			t.Errorf("%d config writes, want 3 (the side write, the refused one, the retry)", n)
		}
	})
	t.Run("a clone that loses its VM ID to another client takes the next free one", func(t *testing.T) {
		srv := proxmoxtest.NewServer(t, seedAccounts()...)
		var once atomic.Bool
		base := frontFake(t, srv, func(w http.ResponseWriter, r *http.Request) bool {
			if strings.HasSuffix(r.URL.Path, "/cluster/nextid") && once.CompareAndSwap(false, true) {
				w.Write([]byte(`{"data":"105"}`)) // free a moment ago, taken now
				return true
			}
			return false
		})
		cfg := testConfig(srv, nil)
		cfg.BaseURL = base
		a, err := newClient(t, cfg).CreateAccount(context.Background(), provider.NewAccount{Domain: "race.example.com", Product: "vps2"})
		if err != nil {
			t.Fatalf("CreateAccount: %v", err)
		}
		if a.UniqueIdentifier == "105" {
			t.Error("the new guest took the taken VM ID")
		}
		if n := srv.Calls(proxmoxtest.FnClone); n != 2 {
			t.Errorf("%d clone calls, want 2", n)
		}
		if g, _ := guest(t, srv, 105); g.Name != "web105.example.com" {
			t.Errorf("guest 105 is now %q", g.Name)
		}
	})
}
