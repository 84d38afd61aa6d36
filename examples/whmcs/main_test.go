package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/cpanel/cpaneltest"
	"github.com/accountsync/accountsync/whmcs/whmcstest"
)

func runWHMCS(t *testing.T, env map[string]string, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	e := environment{stdin: strings.NewReader(""), stdout: &out, stderr: &out,
		lookup: func(k string) (string, bool) { v, ok := env[k]; return v, ok }}
	err := run(context.Background(), args, e)
	return out.String(), err
}

func TestTheDemoPlansThenAppliesAndIsInSync(t *testing.T) {
	out, err := runWHMCS(t, nil)
	if err != nil || !strings.Contains(out, "This was a dry run") || !strings.Contains(out, "import          carol.example") {
		t.Fatalf("dry run: %v\n%s", err, out)
	}
	out, err = runWHMCS(t, nil, "-apply")
	if err != nil || !strings.Contains(out, "Planned again: 0 actions, 5 keys in sync.") {
		t.Fatalf("apply: %v\n%s", err, out)
	}
}

// realLike is a WHMCS and a cPanel server on loopback, and a config file
// naming them as a user would name real ones.
func realLike(t *testing.T, serverHost string) (*whmcstest.Server, string, map[string]string) {
	t.Helper()
	billing := whmcstest.NewServer(t, whmcstest.Options{AccessKey: "Acc3ss"})
	panel := cpaneltest.NewServer(t, provider.Account{Username: "jo", Domain: "jo.example", Email: "jo@example.com", Product: "gold", Status: provider.StatusActive})
	u, _ := url.Parse(panel.URL)
	port, _ := strconv.Atoi(u.Port())
	web1 := billing.AddHostingServer(whmcstest.HostingServer{Name: "web1", Hostname: serverHost, IP: "192.0.2.10", Module: "cpanel"})
	group := billing.AddProductGroup("Imported")
	cfg := map[string]any{
		"whmcs": map[string]any{"url": billing.URL, "identifier": "${WHMCS_IDENTIFIER}", "secret": "${WHMCS_SECRET}", "accessKey": "$WHMCS_ACCESS_KEY",
			"serverId": web1, "productGroupId": group, "paymentMethod": whmcstest.Gateway},
		"server": map[string]any{"type": "cpanel", "name": "web1", "hostname": "127.0.0.1", "port": port, "secure": false,
			"username": cpaneltest.Username, "accessHash": "${WEB1_WHM_TOKEN}"},
	}
	b, _ := json.Marshal(cfg)
	path := filepath.Join(t.TempDir(), "whmcs.json")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"WHMCS_IDENTIFIER": whmcstest.Identifier, "WHMCS_SECRET": whmcstest.Secret, "WHMCS_ACCESS_KEY": "Acc3ss", "WEB1_WHM_TOKEN": cpaneltest.Token}
	return billing, path, env
}

func TestAConfiguredWHMCSAndServer(t *testing.T) {
	billing, path, env := realLike(t, "127.0.0.1")
	out, err := runWHMCS(t, env, "-config", path)
	if err != nil || !strings.Contains(out, "import          jo.example") {
		t.Fatalf("dry run: %v\n%s", err, out)
	}
	if len(billing.Orders()) != 0 {
		t.Fatal("the dry run changed WHMCS")
	}
	if _, err := runWHMCS(t, env, "-config", path, "-apply"); err == nil || !strings.Contains(err.Error(), "pass -yes") {
		t.Fatalf("-apply without a terminal or -yes: %v", err)
	}
	out, err = runWHMCS(t, env, "-config", path, "-apply", "-yes")
	if err != nil || !strings.Contains(out, "Planned again: 0 actions") {
		t.Fatalf("apply: %v\n%s", err, out)
	}
	out, err = runWHMCS(t, env, "-config", path)
	if err != nil || !strings.Contains(out, "Nothing to do.") {
		t.Fatalf("the run after: %v\n%s", err, out)
	}
	for _, secret := range env {
		if strings.Contains(out, secret) {
			t.Errorf("the output shows a secret")
		}
	}
}

func TestTheConfigIsChecked(t *testing.T) {
	t.Run("a WHMCS server that is not the provider's machine is refused", func(t *testing.T) {
		billing, path, env := realLike(t, "web9.example.net")
		_, err := runWHMCS(t, env, "-config", path, "-apply", "-yes")
		if err == nil || !strings.Contains(err.Error(), "one store holds one server's services") || len(billing.Orders()) != 0 {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("an unset environment variable is an error, not an empty secret", func(t *testing.T) {
		_, path, env := realLike(t, "127.0.0.1")
		delete(env, "WHMCS_SECRET")
		if _, err := runWHMCS(t, env, "-config", path); err == nil || !strings.Contains(err.Error(), "WHMCS_SECRET is not set") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("an unknown field is an error", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "bad.json")
		os.WriteFile(path, []byte(`{"whmcs": {"url": "https://billing.example", "server_id": "3"}}`), 0o600)
		if _, err := runWHMCS(t, nil, "-config", path); err == nil || !strings.Contains(err.Error(), "server_id") {
			t.Fatalf("err = %v", err)
		}
	})
}
