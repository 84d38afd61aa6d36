package provider

// Metadata describes a server type the way a WHMCS module's MetaData
// function does, so that the sync engine and a WHMCS bridge agree on which
// field identifies an account and which holds its product.
type Metadata struct {
	// Type is the short, stable name of the server type ("cpanel"), the key
	// of a [Registry].
	Type string
	// DisplayName is the human name ("cPanel/WHM").
	DisplayName string
	// UniqueIdentifierField names the account field that identifies an
	// account on this server type: "domain", "username", or a WHMCS custom
	// field such as "customfield.VM ID" (matched against
	// [Account.UniqueIdentifier]). See [Account.Identifier].
	UniqueIdentifierField string
	// UniqueIdentifierDisplayName labels that field for people ("Domain").
	UniqueIdentifierDisplayName string
	// ProductField names the WHMCS product setting that holds the server's
	// package name, typically "configoption1".
	ProductField string
}

// WHMCS returns the keys a WHMCS module's _MetaData function returns for the
// Server Sync tool: DisplayName, ListAccountsUniqueIdentifierField,
// ListAccountsUniqueIdentifierDisplayName and ListAccountsProductField.
// Empty fields are left out.
func (m Metadata) WHMCS() map[string]string {
	out := make(map[string]string, 4)
	set := func(k, v string) {
		if v != "" {
			out[k] = v
		}
	}
	set("DisplayName", m.DisplayName)
	set("ListAccountsUniqueIdentifierField", m.UniqueIdentifierField)
	set("ListAccountsUniqueIdentifierDisplayName", m.UniqueIdentifierDisplayName)
	set("ListAccountsProductField", m.ProductField)
	return out
}
