package pgtest_test

import (
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/accountsync/accountsync/riverjobs/pgtest"
)

func TestAClusterStartsOnLoopbackAndAnswers(t *testing.T) {
	c := pgtest.Start(t)
	dsn, err := c.CreateDatabase(t.Context(), "answers")
	if err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(t.Context())
	var addr string
	if err := conn.QueryRow(t.Context(), "SELECT host(inet_server_addr())").Scan(&addr); err != nil {
		t.Fatal(err)
	}
	if addr != "127.0.0.1" {
		t.Errorf("the server listens on %s, want 127.0.0.1", addr)
	}
}
