package main

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
)

func runVersion(_ context.Context, e *env, args []string) error {
	f := newFlags(e, "version", "usage: accountsync version [-json]\n\nExample:\n  accountsync version\n", false, false)
	if err := f.parse(args); err != nil {
		return err
	}
	if err := f.noArgs(); err != nil {
		return err
	}
	v := struct {
		Version  string `json:"version"`
		Revision string `json:"revision,omitempty"`
		Go       string `json:"go"`
	}{Version: "(devel)", Go: runtime.Version()}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Version != "" {
			v.Version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				v.Revision = s.Value
			}
		}
	}
	if f.json {
		return writeJSON(e.stdout, v)
	}
	fmt.Fprintf(e.stdout, "accountsync %s", v.Version)
	if v.Revision != "" {
		fmt.Fprintf(e.stdout, " (%.12s)", v.Revision)
	}
	fmt.Fprintf(e.stdout, " %s\n", v.Go)
	return nil
}
