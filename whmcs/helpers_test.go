package whmcs_test

import (
	"bytes"
	"log/slog"
	"sync"
	"testing"
	"time"

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
