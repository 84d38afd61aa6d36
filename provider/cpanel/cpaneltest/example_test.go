package cpaneltest_test

import (
	"fmt"
	"io"
	"net/http"

	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/cpanel/cpaneltest"
)

// A plain program starts the fake, talks WHM API 1 to it and closes it.
func ExampleNew() {
	srv := cpaneltest.New(cpaneltest.Options{Accounts: []provider.Account{
		{Username: "alice", Domain: "alice.example", Email: "alice@example.com"},
	}})
	defer srv.Close()

	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/json-api/listaccts?api.version=1&want=user,domain,suspended", nil)
	req.Header.Set("Authorization", "whm "+cpaneltest.Username+":"+cpaneltest.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Print(string(body))
	fmt.Println(srv.Calls("listaccts"))
	// Output:
	// {"data":{"acct":[{"user":"alice","domain":"alice.example","suspended":0}]},"metadata":{"command":"listaccts","reason":"OK","result":1,"version":1}}
	// 1
}
