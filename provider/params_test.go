package provider_test

import (
	"strings"
	"testing"

	"github.com/accountsync/accountsync/provider"
)

func TestReadParams(t *testing.T) {
	known := []string{provider.ParamTimezone, provider.ParamConcurrency, "json"}
	read := func(params map[string]string) (*provider.ServerParams, error) {
		return provider.ReadParams("testpanel", provider.Server{Name: "web1", Params: params}, known...)
	}
	t.Run("unknown keys are an error naming each and the known ones", func(t *testing.T) {
		_, err := read(map[string]string{"location": "UTC", "colour": "blue", "json": "yes"})
		want := `testpanel: server "web1": unknown params "colour", "location" (known: concurrency, json, timezone)`
		if err == nil || err.Error() != want {
			t.Fatalf("err = %v, want %s", err, want)
		}
	})
	t.Run("no params at all is fine", func(t *testing.T) {
		p, err := read(nil)
		if err != nil || p.Has(provider.ParamTimezone) {
			t.Fatalf("ReadParams(nil) = %v", err)
		}
	})
	tests := []struct {
		name, key, value, wantErr string
		check                     func(*provider.ServerParams) (any, error)
		want                      any
	}{
		{name: "a time zone is loaded", key: provider.ParamTimezone, value: " Europe/Berlin ", want: "Europe/Berlin",
			check: func(p *provider.ServerParams) (any, error) {
				l, err := p.Location(provider.ParamTimezone)
				return l.String(), err
			}},
		{name: "an unknown time zone is an error", key: provider.ParamTimezone, value: "Mars/Olympus", wantErr: `param "timezone" is "Mars/Olympus", want an IANA time zone`,
			check: func(p *provider.ServerParams) (any, error) { return p.Location(provider.ParamTimezone) }},
		{name: "a positive number is read", key: provider.ParamConcurrency, value: "8", want: 8,
			check: func(p *provider.ServerParams) (any, error) { return p.PositiveInt(provider.ParamConcurrency) }},
		{name: "zero is not a positive number", key: provider.ParamConcurrency, value: "0", wantErr: `param "concurrency" is "0", want a positive number`,
			check: func(p *provider.ServerParams) (any, error) { return p.PositiveInt(provider.ParamConcurrency) }},
		{name: "yes in any case is true", key: "json", value: "YES", want: true,
			check: func(p *provider.ServerParams) (any, error) { return p.Bool("json") }},
		{name: "off is false", key: "json", value: "off", want: false,
			check: func(p *provider.ServerParams) (any, error) { return p.Bool("json") }},
		{name: "a word that is neither is an error", key: "json", value: "perhaps", wantErr: `param "json" is "perhaps", want yes or no`,
			check: func(p *provider.ServerParams) (any, error) { return p.Bool("json") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := read(map[string]string{tt.key: tt.value})
			if err != nil {
				t.Fatal(err)
			}
			got, err := tt.check(p)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.HasPrefix(err.Error(), `testpanel: server "web1": `) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}
