package httpx_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/accountsync/accountsync/internal/httpx"
)

// listing is a 20,000-account answer of about 6 MB, the shape of a panel
// listing.
func listing() string {
	var b strings.Builder
	b.WriteString(`{"data":{"acct":[`)
	for i := range 20000 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"user":"user%05d","domain":"domain-%05d.example.com","email":"owner%05d@example.net","plan":"Gold","ip":"192.0.2.10","unix_startdate":"1700000000","suspended":0,"owner":"root"}`, i, i, i)
	}
	b.WriteString(`]},"metadata":{"result":1}}`)
	return b.String()
}

type acct struct {
	User, Domain, Email, Plan, IP, Owner string
	UnixStartdate                        string `json:"unix_startdate"`
	Suspended                            int
}

type envelope struct {
	Data struct {
		Acct []acct `json:"acct"`
	} `json:"data"`
}

// BenchmarkListingDecode compares collecting a listing then unmarshalling
// it with decoding it as it streams (Request.Decode), and with decoding
// it element by element. Compare B/op.
func BenchmarkListingDecode(b *testing.B) {
	body := listing()
	for _, chunked := range []bool{false, true} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if chunked {
				w.Header().Set("Transfer-Encoding", "chunked")
				w.(http.Flusher).Flush()
			}
			io.WriteString(w, body)
		}))
		defer srv.Close()
		c, err := httpx.New(httpx.Config{Type: "bench", BaseURL: srv.URL, RateLimit: -1})
		if err != nil {
			b.Fatal(err)
		}
		length := "declared"
		if chunked {
			length = "chunked"
		}
		b.Run("collect then unmarshal/"+length, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				resp, err := c.Do(b.Context(), &httpx.Request{Op: "list", MaxBodyBytes: httpx.ListingMaxBodyBytes})
				if err != nil {
					b.Fatal(err)
				}
				var env envelope
				if err := json.Unmarshal(resp.Body, &env); err != nil || len(env.Data.Acct) != 20000 {
					b.Fatal(err)
				}
			}
		})
		b.Run("Decode element by element/"+length, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var accts []acct
				resp, err := c.Do(b.Context(), &httpx.Request{Op: "list", MaxBodyBytes: httpx.ListingMaxBodyBytes, Decode: func(r io.Reader) error {
					dec := json.NewDecoder(r)
					// {"data":{"acct":[ ... ]}, ...}: walk to the list, then
					// decode one record at a time.
					for _, want := range []string{"{", "data", "{", "acct", "["} {
						tok, err := dec.Token()
						if err != nil || fmt.Sprint(tok) != want {
							return fmt.Errorf("got %v (%v), want %s", tok, err, want)
						}
					}
					for dec.More() {
						var a acct
						if err := dec.Decode(&a); err != nil {
							return err
						}
						accts = append(accts, a)
					}
					return nil
				}})
				if err != nil || resp.DecodeErr != nil || len(accts) != 20000 {
					b.Fatal(err, resp.DecodeErr)
				}
			}
		})
		b.Run("Decode whole value/"+length, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var env envelope
				resp, err := c.Do(b.Context(), &httpx.Request{Op: "list", MaxBodyBytes: httpx.ListingMaxBodyBytes, Decode: httpx.DecodeJSON(&env)})
				if err != nil || resp.DecodeErr != nil || len(env.Data.Acct) != 20000 {
					b.Fatal(err, resp.DecodeErr)
				}
			}
		})
	}
}
