package serverconfig

import (
	"github.com/accountsync/accountsync/provider"
)

// Registry returns a registry of every panel this module ships, keyed by
// the "type" of a server entry.
func Registry() provider.Registry {
	return provider.Registry{}
}
