// Package hostilebody measures what a hostile answer costs each panel
// client: a server that answers every request with 100 MB. Run with
//
//	go test ./internal/bench/hostilebody -bench . -benchtime 3x
//
// and read B/op: the bytes one call allocates before it gives up. The
// benchmarks assert nothing about time.
package hostilebody

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/cpanel"
	"github.com/accountsync/accountsync/provider/directadmin"
	"github.com/accountsync/accountsync/provider/openstack"
	"github.com/accountsync/accountsync/provider/plesk"
	"github.com/accountsync/accountsync/provider/proxmox"
	"github.com/accountsync/accountsync/provider/solusvm"
)

// hostileSize is the size of every answer.
const hostileSize = 100 << 20

// hostile answers every request with HTTP 200 and hostileSize bytes of a
// JSON (or XML) string that never ends, sent in chunks without a
// Content-Length unless declare is set.
func hostile(b *testing.B, contentType string, declare bool) *httptest.Server {
	chunk := bytes.Repeat([]byte("a"), 64<<10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		if declare {
			w.Header().Set("Content-Length", strconv.Itoa(hostileSize))
		}
		// A token header, so that clients that log in get past it to the
		// body.
		w.Header().Set("X-Subject-Token", "hostile-token")
		w.WriteHeader(http.StatusOK)
		start := []byte(`{"data":"`)
		if contentType == "text/xml" {
			start = []byte(`<?xml version="1.0"?><packet><webspace><get><result><status>ok</status><data><gen_info><name>`)
		}
		w.Write(start)
		for n := len(start); n < hostileSize; n += len(chunk) {
			if _, err := w.Write(chunk[:min(len(chunk), hostileSize-n)]); err != nil {
				return
			}
		}
	}))
	b.Cleanup(srv.Close)
	return srv
}

type panel struct {
	name        string
	contentType string
	build       func(base string) (provider.Provider, error)
}

var panels = []panel{
	{"cpanel", "application/json", func(base string) (provider.Provider, error) {
		return cpanel.New(cpanel.Config{BaseURL: base, APIToken: "T", RateLimit: -1, MaxRetries: -1})
	}},
	{"directadmin", "application/json", func(base string) (provider.Provider, error) {
		return directadmin.New(directadmin.Config{BaseURL: base, Username: "admin", APIToken: "T", JSON: true, RateLimit: -1, MaxRetries: -1})
	}},
	{"plesk", "text/xml", func(base string) (provider.Provider, error) {
		return plesk.New(plesk.Config{BaseURL: base, APIToken: "T", RateLimit: -1, MaxRetries: -1})
	}},
	{"solusvm2", "application/json", func(base string) (provider.Provider, error) {
		return solusvm.New(solusvm.Config{BaseURL: base, APIVersion: 2, APIToken: "T", RateLimit: -1, MaxRetries: -1})
	}},
	{"openstack", "application/json", func(base string) (provider.Provider, error) {
		return openstack.New(openstack.Config{BaseURL: base, Username: "u", Password: "p", ProjectName: "p", RateLimit: -1, MaxRetries: -1})
	}},
	{"proxmox", "application/json", func(base string) (provider.Provider, error) {
		return proxmox.New(proxmox.Config{BaseURL: base, Username: "root@pam!t", APIToken: "T", RateLimit: -1, MaxRetries: -1})
	}},
}

// one is the account the single-account calls act on.
var one = provider.Account{Username: "alice", Domain: "alice.example", UniqueIdentifier: "101"}

func BenchmarkHostileAnswer(b *testing.B) {
	for _, p := range panels {
		for _, declare := range []bool{false, true} {
			length := "chunked"
			if declare {
				length = "declared"
			}
			srv := hostile(b, p.contentType, declare)
			c, err := p.build(srv.URL)
			if err != nil {
				b.Fatal(err)
			}
			b.Run(p.name+"/listing/"+length, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := c.ListAccounts(context.Background()); err == nil {
						b.Fatal("a hostile listing succeeded")
					}
				}
			})
			b.Run(p.name+"/terminate/"+length, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if err := c.(provider.Terminator).TerminateAccount(context.Background(), one); err == nil {
						b.Fatal("a hostile terminate succeeded")
					}
				}
			})
		}
	}
}
