//go:build !unix

package main

import "os"

// On systems without flock the lock is advisory only: nothing stops a
// second run. accountsync is meant for the Unix hosts of hosting panels.
func lockFile(*os.File) error { return nil }

func unlockFile(*os.File) {}
