package main

import (
	"github.com/accountsync/accountsync/provider/cpanel"
	"github.com/accountsync/accountsync/provider/cpanel/cpaneltest"
)

func cpanelClient(srv *cpaneltest.Server) (*cpanel.Client, error) {
	return cpanel.New(cpanel.Config{BaseURL: srv.URL, Username: cpaneltest.Username, APIToken: cpaneltest.Token, RateLimit: -1})
}
