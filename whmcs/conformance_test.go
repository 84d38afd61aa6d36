package whmcs_test

import (
	"testing"

	acsync "github.com/accountsync/accountsync/sync"
	"github.com/accountsync/accountsync/sync/synctest"
	"github.com/accountsync/accountsync/whmcs"
	"github.com/accountsync/accountsync/whmcs/whmcstest"
)

func TestStoreConformance(t *testing.T) {
	synctest.RunStore(t, func(t *testing.T) acsync.Store {
		return newWorld(t, whmcstest.Options{}).store
	})
}

func TestStoreConformanceWithStringNumbers(t *testing.T) {
	synctest.RunStore(t, func(t *testing.T) acsync.Store {
		return newWorld(t, whmcstest.Options{Numbers: whmcstest.NumbersAsStrings}, func(c *whmcs.StoreConfig) { c.PageSize = 2 }).store
	})
}
