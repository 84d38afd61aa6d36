package serverconfig

import (
	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/cpanel"
	"github.com/accountsync/accountsync/provider/directadmin"
	"github.com/accountsync/accountsync/provider/openstack"
	"github.com/accountsync/accountsync/provider/plesk"
	"github.com/accountsync/accountsync/provider/proxmox"
	"github.com/accountsync/accountsync/provider/solusvm"
)

// Registry returns a registry of every panel this module ships, keyed by
// the "type" of a server entry: cpanel, directadmin, plesk, solusvm,
// openstack and proxmox.
func Registry() provider.Registry {
	return provider.Registry{
		"cpanel":      provider.FactoryOf(cpanel.FromServer),
		"directadmin": provider.FactoryOf(directadmin.FromServer),
		"plesk":       provider.FactoryOf(plesk.FromServer),
		"solusvm":     provider.FactoryOf(solusvm.FromServer),
		"openstack":   provider.FactoryOf(openstack.FromServer),
		"proxmox":     provider.FactoryOf(proxmox.FromServer),
	}
}
