package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/accountsync/accountsync/config"
	"github.com/accountsync/accountsync/whmcs"
)

// fileConfig is the -config file: one WHMCS and one server, the server
// with the keys of a server entry of package config (config.Server).
// Secrets are not written in the file: "$NAME" or "${NAME}" in
// identifier, secret and accessKey (and in the server's credentials) is
// replaced by that environment variable, and an unset one is an error.
//
//	{
//	  "whmcs": {
//	    "url": "https://billing.example.com",
//	    "identifier": "${WHMCS_IDENTIFIER}",
//	    "secret": "${WHMCS_SECRET}",
//	    "accessKey": "${WHMCS_ACCESS_KEY}",
//	    "serverId": "3",
//	    "productGroupId": "7",
//	    "paymentMethod": "mailin",
//	    "products": {"starter": "12", "business": "13"}
//	  },
//	  "server": {"type": "cpanel", "name": "web1", "hostname": "web1.example.net",
//	             "secure": true, "username": "root", "accessHash": "${WEB1_WHM_TOKEN}"}
//	}
//
// accessKey, productGroupId (needed only to create products for unmapped
// packages), products and certSHA256 (a pin for WHMCS's certificate) are
// optional. The accountsync command (cmd/accountsync) reads the full
// configuration format; this is the least that runs the job.
type fileConfig struct {
	WHMCS struct {
		URL            string            `json:"url"`
		Identifier     string            `json:"identifier"`
		Secret         string            `json:"secret"`
		AccessKey      string            `json:"accessKey"`
		CertSHA256     string            `json:"certSHA256"`
		ServerID       string            `json:"serverId"`
		ProductGroupID string            `json:"productGroupId"`
		PaymentMethod  string            `json:"paymentMethod"`
		Products       map[string]string `json:"products"`
	} `json:"whmcs"`
	Server *config.Server `json:"server"`
}

// fromConfig reads the file and builds the job.
func fromConfig(path string, lookup func(string) (string, bool), logger *slog.Logger) (*job, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	var cfg fileConfig
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	if cfg.Server == nil {
		return nil, fmt.Errorf("config %s: no server", path)
	}
	s := *cfg.Server
	if s.Name == "" || s.Type == "" {
		return nil, fmt.Errorf("config %s: the server needs a name and a type", path)
	}
	w := &cfg.WHMCS
	for name, v := range map[string]*string{"identifier": &w.Identifier, "secret": &w.Secret, "accessKey": &w.AccessKey,
		"server username": &s.Username, "server password": &s.Password, "server accessHash": &s.AccessHash} {
		if *v, err = expand(*v, lookup); err != nil {
			return nil, fmt.Errorf("config %s: %s: %w", path, name, err)
		}
	}
	for k, v := range s.Params {
		if s.Params[k], err = expand(v, lookup); err != nil {
			return nil, fmt.Errorf("config %s: server params.%s: %w", path, k, err)
		}
	}
	panel, err := config.NewProvider(s, logger)
	if err != nil {
		return nil, err
	}
	client, err := whmcs.New(whmcs.Config{BaseURL: w.URL, Identifier: w.Identifier, Secret: w.Secret, AccessKey: w.AccessKey,
		CertSHA256: w.CertSHA256, Logger: logger.With("whmcs", w.URL)})
	if err != nil {
		return nil, err
	}
	md := panel.Metadata()
	store, err := client.NewStore(whmcs.StoreConfig{ServerID: w.ServerID, ProductGroupID: w.ProductGroupID, PaymentMethod: w.PaymentMethod,
		Module: md.Type, KeyField: md.UniqueIdentifierField, Products: w.Products})
	if err != nil {
		return nil, err
	}
	return &job{
		banner: fmt.Sprintf("WHMCS at %s, server %s (%s) at %s.", w.URL, s.Name, md.DisplayName, s.Hostname),
		panel:  panel, hosts: []string{s.Hostname, s.IP}, store: store, close: func() {},
	}, nil
}

// expand replaces $NAME and ${NAME}; an unset variable is an error,
// never an empty credential.
func expand(s string, lookup func(string) (string, bool)) (string, error) {
	var missing []string
	out := os.Expand(s, func(name string) string {
		v, ok := lookup(name)
		if !ok {
			missing = append(missing, name)
		}
		return v
	})
	if len(missing) > 0 {
		return "", fmt.Errorf("environment variable %s is not set", strings.Join(missing, ", "))
	}
	return out, nil
}
