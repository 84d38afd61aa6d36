package proxmox_test

import (
	"bytes"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/accountsync/accountsync/provider/proxmox"
	"github.com/accountsync/accountsync/provider/proxmox/proxmoxtest"
)

// syncBuffer is a bytes.Buffer safe for the concurrent writes of a logger.
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

// testConfig returns a Config for srv with an API token, waits shrunk to
// milliseconds and a debug log captured in logs.
func testConfig(srv *proxmoxtest.Server, logs *syncBuffer) proxmox.Config {
	cfg := proxmox.Config{
		BaseURL:      srv.URL,
		Username:     proxmoxtest.TokenID,
		APIToken:     proxmoxtest.Token,
		RateLimit:    -1,
		RetryWaitMin: time.Millisecond,
		RetryWaitMax: 2 * time.Millisecond,
		PollInterval: time.Millisecond,
		Timeout:      5 * time.Second,
	}
	if logs != nil {
		cfg.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return cfg
}

// ticketConfig is testConfig with a password login instead of a token.
func ticketConfig(srv *proxmoxtest.Server, logs *syncBuffer) proxmox.Config {
	cfg := testConfig(srv, logs)
	cfg.Username, cfg.APIToken, cfg.Password = proxmoxtest.Username, "", proxmoxtest.Password
	return cfg
}

// newClient builds a client or fails the test.
func newClient(t testing.TB, cfg proxmox.Config) *proxmox.Client {
	t.Helper()
	c, err := proxmox.New(cfg)
	if err != nil {
		t.Fatalf("proxmox.New: %v", err)
	}
	return c
}
