// Package serverconfig reads the examples' server list: a JSON array of
// provider.Server values whose secrets may name environment variables.
//
//	[
//	  {"type": "cpanel", "name": "web1", "hostname": "web1.example.com", "secure": true,
//	   "username": "root", "accessHash": "${WEB1_WHM_TOKEN}"},
//	  {"type": "plesk", "name": "web2", "hostname": "web2.example.com", "port": 8443,
//	   "secure": true, "username": "admin", "password": "$WEB2_PLESK_PASSWORD",
//	   "certSHA256": "9f:86:d0:...", "timeout": "2m"}
//	]
//
// "$NAME" and "${NAME}" in username, password, accessHash and params are
// replaced by the environment variable's value, so the file itself holds
// no secret. A reference to an unset variable is an error, never an empty
// credential.
package serverconfig

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"strings"

	"github.com/accountsync/accountsync/provider"
)

// Load reads and validates the server list at path.
func Load(path string) ([]provider.Server, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("server config: %w", err)
	}
	return Parse(data, os.LookupEnv)
}

// Parse decodes a server list, expanding variables with lookup. Names must
// be non-empty and unique, because programs address servers by name.
func Parse(data []byte, lookup func(string) (string, bool)) ([]provider.Server, error) {
	var servers []provider.Server
	if err := json.Unmarshal(data, &servers); err != nil {
		return nil, fmt.Errorf("server config: %w", err)
	}
	// A misspelt key ("acessHash") would silently mean "no credential".
	var raw []map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("server config: %w", err)
	}
	known := knownKeys()
	for i, m := range raw {
		for k := range m {
			if !known[k] {
				return nil, fmt.Errorf("server config: server %d: unknown field %q", i+1, k)
			}
		}
	}
	seen := map[string]bool{}
	for i := range servers {
		s := &servers[i]
		if s.Name == "" {
			return nil, fmt.Errorf("server config: server %d has no name", i+1)
		}
		if seen[s.Name] {
			return nil, fmt.Errorf("server config: two servers are named %q", s.Name)
		}
		seen[s.Name] = true
		if s.Type == "" {
			return nil, fmt.Errorf("server config: server %q has no type", s.Name)
		}
		var err error
		expand := func(field string, v *string) {
			if err == nil {
				*v, err = expandEnv(*v, lookup)
				if err != nil {
					err = fmt.Errorf("server config: server %q field %q: %w", s.Name, field, err)
				}
			}
		}
		expand("username", &s.Username)
		expand("password", &s.Password)
		expand("accessHash", &s.AccessHash)
		for k, v := range s.Params {
			expand("params."+k, &v)
			s.Params[k] = v
		}
		if err != nil {
			return nil, err
		}
	}
	return servers, nil
}

// knownKeys returns the JSON keys of provider.Server.
func knownKeys() map[string]bool {
	keys := map[string]bool{"timeout": true}
	t := reflect.TypeOf(provider.Server{})
	for i := 0; i < t.NumField(); i++ {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			keys[name] = true
		}
	}
	return keys
}

// expandEnv replaces $NAME and ${NAME}; an unset variable is an error.
func expandEnv(s string, lookup func(string) (string, bool)) (string, error) {
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
