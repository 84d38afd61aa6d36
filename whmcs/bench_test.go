package whmcs_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/accountsync/accountsync/whmcs"
	"github.com/accountsync/accountsync/whmcs/whmcstest"
)

// BenchmarkServices lists a server's services out of an installation of
// 10,000 on the fake (4 servers, 2,500 each), in pages of 1,000. It
// measures the client's side only: the fake answers at once, while a real
// WHMCS spends most of the time running its per-row queries.
func BenchmarkServices(b *testing.B) {
	srv := whmcstest.New(whmcstest.Options{})
	defer srv.Close()
	var servers []string
	for i := range 4 {
		servers = append(servers, srv.AddHostingServer(whmcstest.HostingServer{Name: fmt.Sprintf("web%d", i), Module: "cpanel"}))
	}
	g := srv.AddProductGroup("G")
	p := srv.AddProduct(whmcstest.Product{GroupID: g, Name: "P", Module: "cpanel"})
	for i := range 10000 {
		c := srv.AddClient(whmcstest.Client{Email: fmt.Sprintf("c%d@example.com", i)})
		srv.AddService(whmcstest.Service{ClientID: c, ProductID: p, ServerID: servers[i%4], Domain: fmt.Sprintf("s%d.example", i),
			Username: fmt.Sprintf("s%d", i), Password: "pw", RegDate: "2020-01-01"})
	}
	c, _ := whmcs.New(whmcs.Config{BaseURL: srv.URL, Identifier: whmcstest.Identifier, Secret: whmcstest.Secret, RateLimit: -1})
	store, _ := c.NewStore(whmcs.StoreConfig{ServerID: servers[0]})
	b.ResetTimer()
	for range b.N {
		svcs, err := store.Services(context.Background())
		if err != nil || len(svcs) != 2500 {
			b.Fatal(len(svcs), err)
		}
	}
	b.ReportMetric(float64(srv.Calls("GetClientsProducts")+srv.Calls("GetClients")+srv.Calls("GetServers")+srv.Calls("GetProducts"))/float64(b.N), "calls/op")
}
