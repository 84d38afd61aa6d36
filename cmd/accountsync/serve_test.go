package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/cpanel/cpaneltest"
)

// syncBuffer is a bytes.Buffer safe for the server's log lines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startServe runs accountsync serve on a free loopback port until the
// test ends, and returns its base URL and log.
func startServe(t *testing.T, h *harness) (string, *syncBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var stdout bytes.Buffer
	log := &syncBuffer{}
	e := h.env(&stdout, nil)
	e.stderr = log
	addr := make(chan string, 1)
	e.listening = func(a string) { addr <- a }
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"serve", "-config", h.config, "-listen", "127.0.0.1:0"}, e) }()
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != exitOK {
			t.Errorf("serve exited %d\n%s", code, log)
		}
	})
	select {
	case a := <-addr:
		return "http://" + a, log
	case code := <-done:
		done <- code
		t.Fatalf("serve exited %d before listening\n%s", code, log)
	}
	return "", nil
}

func get(t *testing.T, url, token string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatalf("%s: not JSON: %v\n%s", url, err, body)
	}
	return resp.StatusCode, out
}

func TestServeAnswersWHMCSModules(t *testing.T) {
	noDate := account("nodate", "nodate.test")
	noDate.Created = time.Time{}
	web1 := cpaneltest.NewServer(t, account("ana", "ana.test"), noDate)
	bad := cpaneltest.NewServer(t)
	bad.SetFault(cpaneltest.FaultUnauthorized)
	h := newHarness(t, fmt.Sprintf(`{
  "servers": [
    {"type": "cpanel", "name": "web1", "hostname": %q, "ip": "127.0.0.1", "accessHash": "${WHM_TOKEN}"},
    {"type": "cpanel", "name": "bad", "hostname": %q, "accessHash": "${WHM_TOKEN}"},
  ],
  "billing": {"sqlite": {"path": "billing.db"}},
  "serve": {"token": "${BRIDGE_TOKEN}", "timezone": "Europe/Berlin"},
}`, web1.URL, bad.URL))
	base, log := startServe(t, h)
	token := h.vars["BRIDGE_TOKEN"]
	created := regexp.MustCompile(`^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$`)

	for _, name := range []string{"web1", "127.0.0.1"} {
		t.Run("a server is found by "+name, func(t *testing.T) {
			status, out := get(t, base+"/servers/"+name+"/accounts", token)
			if status != 200 || out["success"] != true {
				t.Fatalf("%d %v", status, out)
			}
			accounts := out["accounts"].([]any)
			if len(accounts) != 2 {
				t.Fatalf("%d accounts", len(accounts))
			}
			for _, a := range accounts {
				a := a.(map[string]any)
				// PHP's DateTime::createFromFormat('Y-m-d H:i:s', ...) takes
				// only this shape; "" would make it fail.
				if c, _ := a["created"].(string); !created.MatchString(c) {
					t.Errorf("created %q of %v does not parse as Y-m-d H:i:s", c, a["username"])
				}
				if a["username"] == "ana" && a["created"] != "2024-02-02 11:00:00" {
					t.Errorf("created %v, want it in WHMCS's time zone", a["created"])
				}
				if a["username"] == "nodate" && a["created"] != emptyCreated {
					t.Errorf("an unknown created date is %v, want %s", a["created"], emptyCreated)
				}
			}
		})
	}
	t.Run("a failed listing is success:false with 502, logged at ERROR", func(t *testing.T) {
		status, out := get(t, base+"/servers/bad/accounts", token)
		if status != 502 || out["success"] != false || !strings.Contains(fmt.Sprint(out["error"]), "HTTP 403") {
			t.Errorf("%d %v", status, out)
		}
		if !strings.Contains(log.String(), `level=ERROR msg="listing failed" server=bad`) {
			t.Errorf("the failure is not logged at ERROR:\n%s", log)
		}
	})
	t.Run("an unknown server is 404 naming the configured ones", func(t *testing.T) {
		status, out := get(t, base+"/servers/web9/accounts", token)
		if status != 404 || !strings.Contains(fmt.Sprint(out["error"]), "configured are web1, bad") {
			t.Errorf("%d %v", status, out)
		}
	})
	t.Run("a wrong token is 401", func(t *testing.T) {
		if status, _ := get(t, base+"/servers/web1/accounts", "nope"); status != 401 {
			t.Errorf("status %d", status)
		}
	})
	t.Run("successful listings are logged at INFO without an error attribute", func(t *testing.T) {
		l := log.String()
		if !strings.Contains(l, `level=INFO msg="listed accounts" server=web1 accounts=2`) || strings.Contains(l, "error=<nil>") {
			t.Errorf("log:\n%s", l)
		}
		if strings.Contains(l, cpaneltest.Token) || strings.Contains(l, token) {
			t.Error("a secret is in the log")
		}
	})
	_ = provider.StatusActive
}

func TestServeRefusesToStartWithoutAToken(t *testing.T) {
	srv := cpaneltest.NewServer(t)
	h := newHarness(t, cpanelConfig(srv, ""))
	h.run("serve").want(t, exitRefused, `no bearer token: set "serve.token"`)
}
