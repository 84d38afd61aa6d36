package main

import (
	"crypto/tls"
	"fmt"
	"net"
	"time"

	"github.com/accountsync/accountsync/provider"
)

func listenLoopback() (net.Listener, error) { return net.Listen("tcp", "127.0.0.1:0") }

// insecureTLS is for the proxy's hop to a fake on loopback only.
func insecureTLS() *tls.Config { return &tls.Config{InsecureSkipVerify: true} }

// accounts generates n distinct accounts as a mid-sized shared-hosting
// server holds them: an eight-character username (unique in its first
// eight characters, as cPanel requires), a domain, a contact e-mail, one
// of a few packages, a creation date, and every twentieth suspended.
func accounts(n int) []provider.Account {
	out := make([]provider.Account, n)
	base := time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range out {
		st := provider.StatusActive
		if i%20 == 19 {
			st = provider.StatusSuspended
		}
		out[i] = provider.Account{
			Username:  fmt.Sprintf("u%07d", i),
			Domain:    fmt.Sprintf("site%07d.example", i),
			Email:     fmt.Sprintf("owner%07d@mail.example", i),
			Product:   []string{"starter", "business", "pro"}[i%3],
			PrimaryIP: "192.0.2.10",
			Created:   base.Add(time.Duration(i) * time.Hour),
			Status:    st,
		}
	}
	return out
}
