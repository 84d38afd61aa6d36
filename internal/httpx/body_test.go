package httpx_test

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/accountsync/accountsync/internal/httpx"
	"github.com/accountsync/accountsync/provider"
)

// bigBody answers 200 with size bytes of "a" in a JSON string, declaring
// the length or not.
func bigBody(hits *atomic.Int32, size int, declare bool) http.HandlerFunc {
	chunk := bytes.Repeat([]byte("a"), 32<<10)
	return func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if declare {
			w.Header().Set("Content-Length", strconv.Itoa(size))
		}
		io.WriteString(w, `{"data":"`)
		for n := 9; n < size; n += len(chunk) {
			if _, err := w.Write(chunk[:min(len(chunk), size-n)]); err != nil {
				return
			}
		}
	}
}

// allocated returns the bytes f allocates, the whole process counted.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

func TestBodyCaps(t *testing.T) {
	const hostile = 100 << 20
	for _, tt := range []struct {
		name     string
		declare  bool
		cap      int64
		maxAlloc uint64
	}{
		{name: "a 100 MB answer to a call with the default cap fails after at most 4 MiB", cap: 0, maxAlloc: 5*httpx.DefaultMaxBodyBytes/2 + 1<<20},
		{name: "a 100 MB answer declared in Content-Length fails before its body is read", declare: true, cap: 0, maxAlloc: 1 << 20},
		{name: "a 100 MB answer to a listing fails at the listing cap", cap: httpx.ListingMaxBodyBytes, maxAlloc: 5*httpx.ListingMaxBodyBytes/2 + 1<<20},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var hits atomic.Int32
			srv := httptest.NewServer(bigBody(&hits, hostile, tt.declare))
			defer srv.Close()
			c, _ := newClient(t, srv, nil)
			var err error
			n := allocated(func() {
				_, err = c.Do(t.Context(), &httpx.Request{Op: "list accounts", Idempotent: true, MaxBodyBytes: tt.cap})
			})
			if err == nil || !strings.Contains(err.Error(), "larger than") {
				t.Fatalf("err = %v, want a body over the cap", err)
			}
			if errors.Is(err, provider.ErrTransient) || hits.Load() != 1 {
				t.Errorf("an oversized body was retried (%d requests) or is transient: %v", hits.Load(), err)
			}
			t.Logf("%d bytes allocated", n)
			if n > tt.maxAlloc {
				t.Errorf("the call allocated %d bytes, want at most %d", n, tt.maxAlloc)
			}
		})
	}
	t.Run("a request's own cap wins over the client's", func(t *testing.T) {
		var hits atomic.Int32
		srv := httptest.NewServer(bigBody(&hits, 2000, false))
		defer srv.Close()
		c, _ := newClient(t, srv, nil)
		if _, err := c.Do(t.Context(), &httpx.Request{Op: "x", MaxBodyBytes: 1000}); err == nil {
			t.Error("a 2000-byte body passed a 1000-byte cap")
		}
		if resp, err := c.Do(t.Context(), &httpx.Request{Op: "x", MaxBodyBytes: 2000}); err != nil || len(resp.Body) != 2000 {
			t.Errorf("a body of exactly the cap: %v", err)
		}
	})
	t.Run("an error answer is cut, not refused", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusForbidden)
			w.Write(bytes.Repeat([]byte("x"), 10<<20))
		}))
		defer srv.Close()
		c, _ := newClient(t, srv, nil)
		resp, err := c.Do(t.Context(), &httpx.Request{Op: "x", Idempotent: true})
		if err != nil || resp.StatusCode != 403 || len(resp.Body) != httpx.ErrorBodyBytes {
			t.Fatalf("Do = %v; want the 403 with its first %d bytes", err, httpx.ErrorBodyBytes)
		}
	})
}

func TestDecode(t *testing.T) {
	serve := func(body string) *httptest.Server {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, body) }))
		t.Cleanup(srv.Close)
		return srv
	}
	t.Run("a JSON answer is decoded as it streams and its start kept", func(t *testing.T) {
		long := strings.Repeat("x", 2000)
		c, _ := newClient(t, serve(`{"name":"`+long+`"}`), nil)
		var v struct{ Name string }
		resp, err := c.Do(t.Context(), &httpx.Request{Op: "x", Decode: httpx.DecodeJSON(&v)})
		if err != nil || resp.DecodeErr != nil || v.Name != long {
			t.Fatalf("Do = %v, %v; name of %d bytes", err, resp.DecodeErr, len(v.Name))
		}
		if len(resp.Body) != 512 || !strings.HasPrefix(string(resp.Body), `{"name":"xxx`) {
			t.Errorf("Body keeps %d bytes: %.20q", len(resp.Body), resp.Body)
		}
	})
	for _, tt := range []struct{ name, body string }{
		{"an HTML page is the panel's to word, with its start kept", "<html><body>login</body></html>"},
		{"anything after the JSON value is refused, as json.Unmarshal would", `{"name":"a"} {"name":"b"}`},
		{"an empty body does not decode", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newClient(t, serve(tt.body), nil)
			var v struct{ Name string }
			resp, err := c.Do(t.Context(), &httpx.Request{Op: "x", Decode: httpx.DecodeJSON(&v)})
			if err != nil || resp.DecodeErr == nil || string(resp.Body) != tt.body {
				t.Fatalf("Do = %v, DecodeErr %v, Body %q", err, resp.DecodeErr, resp.Body)
			}
		})
	}
	t.Run("a body over the cap fails the call, not the decoding", func(t *testing.T) {
		var hits atomic.Int32
		srv := httptest.NewServer(bigBody(&hits, 10<<20, false))
		defer srv.Close()
		c, _ := newClient(t, srv, nil)
		var v struct{ Data string }
		_, err := c.Do(t.Context(), &httpx.Request{Op: "x", Idempotent: true, MaxBodyBytes: 1 << 20, Decode: httpx.DecodeJSON(&v)})
		if err == nil || !strings.Contains(err.Error(), "larger than 1048576 bytes") || hits.Load() != 1 {
			t.Fatalf("err = %v after %d requests", err, hits.Load())
		}
	})
	t.Run("a body cut short is retried for a read, as without Decode", func(t *testing.T) {
		var hits atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if hits.Add(1) == 1 {
				w.Header().Set("Content-Length", "100")
				io.WriteString(w, `{"name":`)
				return
			}
			io.WriteString(w, `{"name":"whole"}`)
		}))
		defer srv.Close()
		c, _ := newClient(t, srv, nil)
		var v struct{ Name string }
		resp, err := c.Do(t.Context(), &httpx.Request{Op: "x", Idempotent: true, Decode: httpx.DecodeJSON(&v)})
		if err != nil || resp.DecodeErr != nil || v.Name != "whole" || hits.Load() != 2 {
			t.Fatalf("Do = %v (%v), name %q after %d requests", err, resp.DecodeErr, v.Name, hits.Load())
		}
	})
	t.Run("an error status is collected, not decoded", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, `{"error":"no such thing"}`)
		}))
		defer srv.Close()
		c, _ := newClient(t, srv, nil)
		called := false
		resp, err := c.Do(t.Context(), &httpx.Request{Op: "x", Decode: func(io.Reader) error { called = true; return nil }})
		if err != nil || called || resp.StatusCode != 404 || string(resp.Body) != `{"error":"no such thing"}` {
			t.Fatalf("Do = %v, decode called %t, body %q", err, called, resp.Body)
		}
	})
}

func TestADeclaredLengthIsReadIntoOneBuffer(t *testing.T) {
	const size = 8 << 20
	var hits atomic.Int32
	srv := httptest.NewServer(bigBody(&hits, size, true))
	defer srv.Close()
	c, _ := newClient(t, srv, nil)
	var resp *httpx.Response
	var err error
	n := allocated(func() {
		resp, err = c.Do(t.Context(), &httpx.Request{Op: "list accounts", MaxBodyBytes: httpx.ListingMaxBodyBytes})
	})
	if err != nil || len(resp.Body) != size {
		t.Fatalf("Do = %v with %d bytes", err, len(resp.Body))
	}
	t.Logf("%d bytes allocated for a %d-byte body", n, size)
	if n > size+size/2 {
		t.Errorf("reading a declared %d-byte body allocated %d bytes", size, n)
	}
}
