package openstack_test

import (
	"testing"
	"time"

	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/openstack"
	"github.com/accountsync/accountsync/provider/openstack/openstacktest"
	"github.com/accountsync/accountsync/provider/providertest"
)

// seed is a small, realistic cloud: an active and a suspended server.
var seed = []provider.Account{
	{
		Email: "erin@example.com", Username: "erin", Domain: "shop.example.org",
		UniqueIdentifier: "8a1d0c4e-7b2f-4e6a-9d3c-000000000001", Product: "m1.small",
		PrimaryIP: "198.51.100.7", Created: time.Date(2024, 5, 1, 9, 30, 0, 0, time.UTC),
		Status: provider.StatusSuspended,
	},
	{
		Email: "dave@example.net", Username: "dave", Domain: "db1.example.net",
		UniqueIdentifier: "8a1d0c4e-7b2f-4e6a-9d3c-000000000002", Product: "m1.large",
		PrimaryIP: "198.51.100.8", Created: time.Date(2024, 5, 2, 11, 0, 0, 0, time.UTC),
		Status: provider.StatusActive,
	},
}

// testConfig is a Config for srv with fast retries.
func testConfig(srv *openstacktest.Server) openstack.Config {
	return openstack.Config{
		BaseURL:      srv.URL,
		Username:     openstacktest.Username,
		Password:     openstacktest.Password,
		ProjectName:  openstacktest.ProjectName,
		Image:        openstacktest.ImageID,
		Network:      openstacktest.NetworkID,
		PollInterval: time.Millisecond,
		RateLimit:    -1,
		RetryWaitMin: time.Millisecond,
		RetryWaitMax: time.Millisecond,
	}
}

func newClient(t testing.TB, cfg openstack.Config) *openstack.Client {
	t.Helper()
	c, err := openstack.New(cfg)
	if err != nil {
		t.Fatalf("openstack.New: %v", err)
	}
	return c
}

func TestConformance(t *testing.T) {
	providertest.Run(t, func(t *testing.T) provider.Provider {
		srv := openstacktest.NewServer(t, seed...)
		return newClient(t, testConfig(srv))
	}, providertest.Options{Want: seed})
}
