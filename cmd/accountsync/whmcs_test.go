package main

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/accountsync/accountsync/provider/cpanel/cpaneltest"
	"github.com/accountsync/accountsync/whmcs/whmcstest"
)

// whmcsConfig is one fake cPanel server whose billing side is a fake
// WHMCS; web1 is WHMCS server id.
func whmcsConfig(t *testing.T, srv *cpaneltest.Server, whmcs *whmcstest.Server, id string) *harness {
	h := newHarness(t, fmt.Sprintf(`{
  "servers": [{"type": "cpanel", "name": "web1", "hostname": %q, "ip": "127.0.0.1", "accessHash": "${WHM_TOKEN}"}],
  "billing": {"whmcs": {"url": %q, "identifier": "${WHMCS_ID}", "secret": "${WHMCS_SECRET}",
    "servers": {"web1": %q}, "productGroupId": "1", "paymentMethod": "mailin"}},
  "policy": {"confirmRuns": 2},
}`, srv.URL, whmcs.URL, id))
	h.vars["WHMCS_ID"] = whmcstest.Identifier
	h.vars["WHMCS_SECRET"] = whmcstest.Secret
	return h
}

func TestWithWHMCS(t *testing.T) {
	srv := cpaneltest.NewServer(t, account("ana", "ana.test"), account("ben", "ben.test"))
	whmcs := whmcstest.NewServer(t, whmcstest.Options{})
	id := whmcs.AddHostingServer(whmcstest.HostingServer{Name: "web1", Hostname: "web1.example.net", IP: "127.0.0.1", Module: "cpanel"})
	group := whmcs.AddProductGroup("Imported")
	h := whmcsConfig(t, srv, whmcs, id)
	h.write(fmt.Sprintf(`{
  "servers": [{"type": "cpanel", "name": "web1", "hostname": %q, "ip": "127.0.0.1", "accessHash": "${WHM_TOKEN}"}],
  "billing": {"whmcs": {"url": %q, "identifier": "${WHMCS_ID}", "secret": "${WHMCS_SECRET}",
    "servers": {"web1": %q}, "productGroupId": %q, "paymentMethod": "mailin"}},
}`, srv.URL, whmcs.URL, id, group))

	t.Run("check finds the server in WHMCS", func(t *testing.T) {
		h.run("check").want(t, exitOK, "accepted the API credentials", fmt.Sprintf("WHMCS server %s \"web1\", module cpanel; 0 services listed", id))
	})
	t.Run("plan and apply a saved plan through the API", func(t *testing.T) {
		plan := filepath.Join(h.dir, "p.json")
		h.run("plan", "-out", plan, "-detailed-exitcode").want(t, exitPending, "2 accounts on the server, 0 services in billing.")
		h.run("apply", plan).want(t, exitOK, "import 2")
		h.run("plan", "-detailed-exitcode").want(t, exitOK, "2 accounts on the server, 2 services in billing.", "In sync")
	})
	t.Run("run keeps the hysteresis counts in the state directory", func(t *testing.T) {
		h.run("run", "-once").want(t, exitOK, "in sync, nothing to do")
		if _, err := os.Stat(filepath.Join(h.dir, ".local", "state", "accountsync", "history", "web1.json")); err != nil {
			t.Errorf("no history: %v", err)
		}
	})
	t.Run("check names a WHMCS server ID that is another machine", func(t *testing.T) {
		other := whmcs.AddHostingServer(whmcstest.HostingServer{Name: "web9", Hostname: "web9.example.net", IP: "192.0.2.9", Module: "plesk"})
		h2 := whmcsConfig(t, srv, whmcs, other)
		h2.run("check").want(t, exitFailed, fmt.Sprintf(`WHMCS server %s "web9": its module is "plesk", not "cpanel"; it is web9.example.net (192.0.2.9), not`, other))
	})
	t.Run("check names credentials WHMCS refuses", func(t *testing.T) {
		h3 := whmcsConfig(t, srv, whmcs, id)
		h3.vars["WHMCS_SECRET"] = "not-the-secret"
		h3.run("check").want(t, exitFailed, "billing", "credentials", "FAILED", "refused: ")
	})
}
