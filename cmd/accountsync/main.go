// Command accountsync keeps the accounts of hosting servers (cPanel/WHM,
// DirectAdmin, Plesk, SolusVM, OpenStack, Proxmox VE) in step with WHMCS
// billing, from one configuration file (see package config and its
// reference.md).
//
//	accountsync check                  # can every server and the billing side be reached?
//	accountsync plan                   # what would a sync do? (changes nothing)
//	accountsync apply PLANFILE         # do exactly what that plan said
//	accountsync run -once -dry-run     # a scheduled run, planning only
//	accountsync run                    # sync every hour, report once a day
//	accountsync serve                  # the ListAccounts bridge for WHMCS modules
//	accountsync nscheck example.com    # are these domains delegated to us?
//
// Exit status: 0 done or nothing to do, 1 something failed, 2 refused or
// bad usage, 3 changes pending (plan -detailed-exitcode).
//
// Run "accountsync help" or "accountsync COMMAND -h" for the flags and an
// example of each command.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], osEnv())
	stop()
	os.Exit(code)
}
