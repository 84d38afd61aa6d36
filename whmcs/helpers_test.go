package whmcs_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/accountsync/accountsync/provider"
	acsync "github.com/accountsync/accountsync/sync"
	"github.com/accountsync/accountsync/whmcs"
	"github.com/accountsync/accountsync/whmcs/whmcstest"
)

// world is a fake WHMCS with two cPanel servers and a product group, and
// a store for the first server.
type world struct {
	srv          *whmcstest.Server
	client       *whmcs.Client
	store        *whmcs.Store
	web1, web2   string
	group        string
	logs         *logBuffer
	storeConfig  whmcs.StoreConfig
	clientConfig whmcs.Config
}

// logBuffer collects log lines from several goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func newWorld(t *testing.T, opts whmcstest.Options, edit ...func(*whmcs.StoreConfig)) *world {
	t.Helper()
	w := &world{srv: whmcstest.NewServer(t, opts), logs: &logBuffer{}}
	w.web1 = w.srv.AddHostingServer(whmcstest.HostingServer{Name: "web1", Hostname: "web1.example.net", IP: "192.0.2.10", Module: "cpanel"})
	w.web2 = w.srv.AddHostingServer(whmcstest.HostingServer{Name: "web2", Hostname: "web2.example.net", IP: "192.0.2.20", Module: "cpanel"})
	w.group = w.srv.AddProductGroup("Imported by accountsync")
	w.clientConfig = whmcs.Config{
		BaseURL: w.srv.URL, Identifier: whmcstest.Identifier, Secret: whmcstest.Secret,
		RetryWaitMin: time.Millisecond, RetryWaitMax: 5 * time.Millisecond, RateLimit: -1,
		Logger: slog.New(slog.NewTextHandler(w.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	var err error
	if w.client, err = whmcs.New(w.clientConfig); err != nil {
		t.Fatal(err)
	}
	w.storeConfig = whmcs.StoreConfig{ServerID: w.web1, ProductGroupID: w.group, PaymentMethod: whmcstest.Gateway}
	for _, e := range edit {
		e(&w.storeConfig)
	}
	if w.store, err = w.client.NewStore(w.storeConfig); err != nil {
		t.Fatal(err)
	}
	return w
}

// servicePassword is the password every seeded service has; it must
// never show in an error or log line.
func servicePassword(i int) string { return fmt.Sprintf("Seeded-Svc-Passw0rd-%03d", i) }

// seedServices adds n Active services on web1, each of its own client,
// with a product the store does not know.
func seedServices(w *world, n int) []string {
	pid := w.srv.AddProduct(whmcstest.Product{GroupID: w.group, Name: "Starter", Module: "cpanel", Package: "starter"})
	var ids []string
	for i := range n {
		c := w.srv.AddClient(whmcstest.Client{FirstName: "C", LastName: fmt.Sprint(i), Email: fmt.Sprintf("client%d@example.com", i)})
		ids = append(ids, w.srv.AddService(whmcstest.Service{ClientID: c, ProductID: pid, ServerID: w.web1,
			Domain: fmt.Sprintf("site%d.example", i), Username: fmt.Sprintf("site%d", i), Password: servicePassword(i),
			RegDate: "2020-01-02", NextDueDate: "2026-01-02"}))
	}
	return ids
}

// clientAndProduct creates a client and a product through the store.
func (w *world) clientAndProduct(t *testing.T) (client, product string) {
	t.Helper()
	ctx := context.Background()
	client, err := w.store.CreateClient(ctx, acsync.NewClient{Email: "jo@example.com", Account: provider.Account{Username: "jo", Domain: "jo.example"}})
	if err != nil {
		t.Fatal(err)
	}
	if product, err = w.store.CreateProduct(ctx, acsync.NewProduct{Package: "gold"}); err != nil {
		t.Fatal(err)
	}
	return client, product
}
