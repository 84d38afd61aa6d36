package serverconfig_test

import (
	"strings"
	"testing"

	"github.com/accountsync/accountsync/examples/internal/serverconfig"
	"github.com/accountsync/accountsync/provider"
)

func TestParse(t *testing.T) {
	env := map[string]string{"WHM_TOKEN": "tok-123", "PLESK_PW": "p&ss"}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	tests := []struct {
		name    string
		in      string
		wantErr string
		check   func(t *testing.T, got string)
	}{
		{name: "secrets are read from the environment", in: `[{"type":"cpanel","name":"web1","hostname":"h","accessHash":"${WHM_TOKEN}"},{"type":"plesk","name":"web2","hostname":"h2","password":"$PLESK_PW","timeout":"90s"}]`},
		{name: "an unset variable is an error, not an empty secret", in: `[{"type":"cpanel","name":"web1","accessHash":"${NOPE}"}]`, wantErr: `"web1" field "accessHash": environment variable NOPE is not set`},
		{name: "a server without a name is an error", in: `[{"type":"cpanel"}]`, wantErr: "server 1 has no name"},
		{name: "two servers with one name are an error", in: `[{"type":"cpanel","name":"a"},{"type":"plesk","name":"a"}]`, wantErr: `two servers are named "a"`},
		{name: "a misspelt key is an error", in: `[{"type":"cpanel","name":"a","acessHash":"x"}]`, wantErr: "unknown field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			servers, err := serverconfig.Parse([]byte(tt.in), lookup)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if servers[0].AccessHash != "tok-123" || servers[1].Password != "p&ss" || servers[1].Timeout.Seconds() != 90 {
				t.Errorf("parsed %+v", servers)
			}
		})
	}
}

func TestRegistryKnowsEveryPanel(t *testing.T) {
	reg := serverconfig.Registry()
	for _, typ := range []string{"cpanel", "directadmin", "plesk", "solusvm", "openstack", "proxmox"} {
		t.Run(typ+" servers get a provider of their own type", func(t *testing.T) {
			s := provider.Server{
				Type: typ, Name: "s1", Hostname: "127.0.0.1", Secure: true,
				Username: "admin@pve!tok", Password: "pw-1234", AccessHash: "hash-1234",
			}
			if typ == "openstack" {
				s.Params = map[string]string{"project": "p1", "domain": "Default"}
			}
			p, err := reg.New(s)
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			if got := p.Metadata().Type; got != typ {
				t.Errorf("Metadata().Type = %q", got)
			}
		})
	}
}
