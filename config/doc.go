// Package config reads accountsync's configuration file: the hosting
// servers (with the fields WHMCS keeps for a server), the billing side
// (WHMCS's API or the embedded SQLite store), the sync policy with
// per-server overrides, and the settings of scheduled runs and of the
// ListAccounts bridge. The accountsync command reads it; a tool of your
// own can read the same file and build the same providers and options:
//
//	cfg, err := config.Load("/etc/accountsync/config.jsonc")
//	s, _ := cfg.Server("web1")
//	p, err := config.NewProvider(s, logger)
//	opts := cfg.PolicyFor("web1")
//
// The file is JSON with comments: // and /* */ comments and trailing
// commas are allowed. reference.md in this directory documents every
// key. Keys are exact (a misspelt "acessHash" is an error, not an absent
// credential), and every problem is an [*Error] naming the file, line,
// column and key path.
//
// Secrets do not belong in the file. In credential fields (servers'
// username, password, accessHash and params; billing.whmcs's identifier,
// secret and accessKey; run.report's username and password; serve.token)
// "${NAME}" and "$NAME" are replaced by the environment variable NAME,
// and "$$" is a "$". A variable that is unset or empty is an error, never
// an empty credential.
package config
