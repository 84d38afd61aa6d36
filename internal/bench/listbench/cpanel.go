package main

import (
	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/cpanel"
	"github.com/accountsync/accountsync/provider/cpanel/cpaneltest"
)

func cpanelPanel() panel {
	return panel{
		name: "cpanel",
		serve: func(n int) (string, func(), error) {
			srv := cpaneltest.New(cpaneltest.Options{Accounts: accounts(n)})
			return srv.URL, srv.Close, nil
		},
		client: func(baseURL string) (provider.Provider, error) {
			return cpanel.New(cpanel.Config{BaseURL: baseURL, Username: cpaneltest.Username, APIToken: cpaneltest.Token})
		},
	}
}
