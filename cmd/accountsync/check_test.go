package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/cpanel/cpaneltest"
	"github.com/accountsync/accountsync/provider/plesk/plesktest"
)

func TestCheckAGoodAndAMisconfiguredServer(t *testing.T) {
	good := cpaneltest.New(cpaneltest.Options{Accounts: []provider.Account{account("ana", "ana.test")}, TLS: true})
	defer good.Close()
	unpinned := cpaneltest.New(cpaneltest.Options{TLS: true})
	defer unpinned.Close()
	wrongPassword := plesktest.New(plesktest.Options{})
	defer wrongPassword.Close()
	h := newHarness(t, fmt.Sprintf(`{
  "servers": [
    {"type": "cpanel", "name": "good", "hostname": %q, "secure": true, "accessHash": "${WHM_TOKEN}", "certSHA256": %q},
    {"type": "cpanel", "name": "selfsigned", "hostname": %q, "secure": true, "accessHash": "${WHM_TOKEN}"},
    {"type": "plesk", "name": "plesk1", "hostname": %q, "username": "admin", "password": "wrong"},
  ],
  "billing": {"sqlite": {"path": "billing.db"}},
}`, good.URL, good.CertSHA256(), unpinned.URL, wrongPassword.URL))

	r := h.run("check")
	r.want(t, exitFailed, "accountsync check: 2 checks failed")
	rows := map[string]string{}
	for _, line := range strings.Split(r.stdout, "\n") {
		f := strings.Fields(line)
		if len(f) >= 3 {
			rows[f[0]+" "+f[1]] = strings.Join(f[2:], " ")
		}
	}
	for key, want := range map[string]string{
		"good config":            "ok cPanel/WHM at https://127.0.0.1:",
		"good reachable":         "ok 127.0.0.1:",
		"good tls":               "ok the certificate matches certSHA256",
		"good credentials":       "ok accepted; the server holds 1 account",
		"good permissions":       "ok the client can create, suspend, terminate, set passwords",
		"selfsigned tls":         `FAILED the certificate is not trusted (x509: certificate signed by unknown authority); if it is the panel's own certificate, pin it: "certSHA256": "` + unpinned.CertSHA256() + `"`,
		"selfsigned credentials": "skipped the TLS check failed",
		"plesk1 tls":             `warning plain http`,
		"plesk1 credentials":     "FAILED refused: plesk: list accounts: HTTP 200: Authentication failed - wrong password. (code 1001)",
		"plesk1 permissions":     "skipped no accepted credentials",
		"billing open":           "ok SQLite store",
		"billing good":           "ok 0 services for this server",
	} {
		if got := rows[key]; !strings.HasPrefix(got, want) {
			t.Errorf("%s: %q\nwant it to start %q", key, got, want)
		}
	}
	if strings.Contains(r.stdout, "REDACTED password") {
		t.Error("the panel's own words were scrubbed as if they were the password")
	}

	t.Run("-json is pure JSON", func(t *testing.T) {
		r := h.run("check", "-json", "-server", "good")
		r.want(t, exitOK)
		var rows []checkRow
		if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil || len(rows) != 7 {
			t.Fatalf("%v, %d rows\n%s", err, len(rows), r)
		}
	})
}
