package plesktest_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/plesk/plesktest"
)

func accounts(n int) []provider.Account {
	out := make([]provider.Account, n)
	for i := range out {
		out[i] = provider.Account{Domain: fmt.Sprintf("site-%05d.example", i), Username: fmt.Sprintf("ftp%05d", i),
			Email: fmt.Sprintf("c%04d@example.com", i/10), Product: "Unlimited", Status: provider.StatusActive}
	}
	return out
}

// BenchmarkNew seeds 10,000 subscriptions.
func BenchmarkNew(b *testing.B) {
	seed := accounts(10000)
	b.ReportAllocs()
	for b.Loop() {
		plesktest.New(plesktest.Options{Accounts: seed}).Close()
	}
}

// BenchmarkWebspaceGet answers a listing of 10,000 subscriptions, after a
// change each time (uncached) or not (cached).
func BenchmarkWebspaceGet(b *testing.B) {
	for _, changed := range []bool{false, true} {
		b.Run(fmt.Sprintf("changed=%t", changed), func(b *testing.B) {
			srv := plesktest.New(plesktest.Options{Accounts: accounts(10000)})
			defer srv.Close()
			b.ReportAllocs()
			for b.Loop() {
				if changed {
					do(b, srv, `<packet><webspace><set><filter><name>site-00001.example</name></filter><values><gen_setup><status>16</status></gen_setup></values></set></webspace></packet>`)
				}
				do(b, srv, listAll)
			}
		})
	}
}

func do(b *testing.B, srv *plesktest.Server, packet string) {
	req, _ := http.NewRequest(http.MethodPost, srv.URL+plesktest.AgentPath, strings.NewReader(packet))
	req.Header.Set("KEY", plesktest.Token)
	req.Header.Set("Content-Type", "text/xml")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
}
