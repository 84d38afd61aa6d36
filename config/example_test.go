package config_test

import (
	"fmt"
	"log"

	"github.com/accountsync/accountsync/config"
)

func Example() {
	file := []byte(`{
	  // Secrets come from the environment, never from the file.
	  "servers": [
	    {"type": "cpanel", "name": "web1", "hostname": "web1.example.net", "secure": true,
	     "username": "root", "accessHash": "${WEB1_WHM_TOKEN}"},
	  ],
	  "billing": {"sqlite": {"path": "billing.db"}},
	  "policy": {
	    "mode": "synchronize",
	    "products": {"starter": "12"},
	    "servers": {"web1": {"terminateRemote": true, "confirmRuns": 3}},
	  },
	}`)
	env := map[string]string{"WEB1_WHM_TOKEN": "token-from-the-environment"}
	cfg, err := config.Parse("config.jsonc", file, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		log.Fatal(err)
	}
	s, _ := cfg.Server("web1.example.net") // by name, hostname or IP
	p, err := config.NewProvider(s, nil)
	if err != nil {
		log.Fatal(err)
	}
	opts := cfg.PolicyFor(s.Name)
	fmt.Println(s.Name, p.Metadata().DisplayName, opts.TerminateRemote, opts.ConfirmRuns, opts.Products["starter"])

	_, err = config.Parse("config.jsonc", []byte(`{"servers": [{"type": "cpanel", "name": "web1", "hostname": "h",
	  "acessHash": "x"}]}`), nil)
	fmt.Println(err)
	// Output:
	// web1 cPanel/WHM true 3 12
	// config.jsonc:2:4: servers[0].acessHash: unknown key (did you mean "accessHash"?)
}
