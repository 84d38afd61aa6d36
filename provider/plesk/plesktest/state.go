package plesktest

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

const (
	adminID               = 1
	statusDisabledByAdmin = 16
)

// client is a Plesk user: the administrator, a reseller or a customer.
// They share one id space and one login namespace, as in Plesk.
type client struct {
	id                               int
	kind                             string // "admin", "reseller", "customer"
	login, pname, cname, email, guid string
	passwd, crDate                   string
	status, ownerID                  int
}

type servicePlan struct {
	id, ownerID int
	guid, name  string
}

type webspace struct {
	id, ownerID, status   int
	guid, name, ascii     string
	htype, crDate         string
	ftpLogin, ftpPassword string
	ips                   []string
	planGUID              string
}

// state is everything the fake panel holds. The Server's mutex guards it.
type state struct {
	nextClient, nextWebspace, nextPlan int

	clients       map[int]*client
	clientByLogin map[string]*client // lower-case login
	ownerByEmail  map[string]*client // kind + NUL + lower-case e-mail, for seeding
	plans         []*servicePlan     // by id
	planByGUID    map[string]*servicePlan
	webspaces     []*webspace          // by id
	byName        map[string]*webspace // lower-case name and ascii name
	ftpLogins     map[string]*webspace // lower-case system user

	version uint64 // bumped on every change; keys the listing cache
	cache   map[string][]byte
	cacheAt uint64
}

func newState(adminLogin string) *state {
	st := &state{
		nextClient: adminID + 1, nextWebspace: 1, nextPlan: 1,
		clients:       map[int]*client{},
		clientByLogin: map[string]*client{},
		ownerByEmail:  map[string]*client{},
		planByGUID:    map[string]*servicePlan{},
		byName:        map[string]*webspace{},
		ftpLogins:     map[string]*webspace{},
		cache:         map[string][]byte{},
	}
	admin := &client{id: adminID, kind: "admin", login: adminLogin, pname: "Administrator",
		email: "admin@plesk.test", guid: guid("a", adminID), crDate: "2020-01-01"}
	st.clients[adminID] = admin
	st.clientByLogin[strings.ToLower(adminLogin)] = admin
	return st
}

// guid derives a stable GUID for an object.
func guid(kind string, id int) string {
	prefix := map[string]string{"a": "a0000000", "c": "c0000000", "p": "b0000000", "w": "d0000000"}[kind]
	return fmt.Sprintf("%s-0000-4000-8000-%012x", prefix, id)
}

func (st *state) changed() { st.version++ }

// ownerFor returns the client of that kind with that e-mail, creating it
// with a login derived from login (made unique).
func (st *state) ownerFor(kind, login, email string, now time.Time) *client {
	key := kind + "\x00" + strings.ToLower(email)
	if c := st.ownerByEmail[key]; c != nil {
		return c
	}
	unique := login
	for i := 2; st.clientByLogin[strings.ToLower(unique)] != nil; i++ {
		unique = login + strconv.Itoa(i)
	}
	c := st.addClient(&client{kind: kind, login: unique, pname: unique, email: email, crDate: now.Format(time.DateOnly)})
	st.ownerByEmail[key] = c
	return c
}

func (st *state) addClient(c *client) *client {
	c.id = st.nextClient
	st.nextClient++
	if c.guid == "" {
		c.guid = guid("c", c.id)
	}
	if c.kind != "admin" && c.ownerID == 0 {
		c.ownerID = adminID
	}
	st.clients[c.id] = c
	st.clientByLogin[strings.ToLower(c.login)] = c
	st.changed()
	return c
}

// planNamed returns the plan of owner called name, creating it.
func (st *state) planNamed(name string, owner int) *servicePlan {
	for _, p := range st.plans {
		if p.name == name && p.ownerID == owner {
			return p
		}
	}
	p := &servicePlan{id: st.nextPlan, ownerID: owner, name: name}
	st.nextPlan++
	p.guid = guid("p", p.id)
	st.plans = append(st.plans, p)
	st.planByGUID[p.guid] = p
	st.changed()
	return p
}

func (st *state) addWebspace(w *webspace, g string) {
	w.id = st.nextWebspace
	st.nextWebspace++
	w.guid = g
	if w.guid == "" {
		w.guid = guid("w", w.id)
	}
	st.webspaces = append(st.webspaces, w)
	st.byName[strings.ToLower(w.name)] = w
	st.byName[strings.ToLower(w.ascii)] = w
	if w.ftpLogin != "" {
		st.ftpLogins[strings.ToLower(w.ftpLogin)] = w
	}
	st.changed()
}

func (st *state) removeWebspace(w *webspace) {
	st.webspaces = slices.DeleteFunc(st.webspaces, func(x *webspace) bool { return x == w })
	delete(st.byName, strings.ToLower(w.name))
	delete(st.byName, strings.ToLower(w.ascii))
	if w.ftpLogin != "" {
		delete(st.ftpLogins, strings.ToLower(w.ftpLogin))
	}
	st.changed()
}

func (st *state) webspaceByID(id int) *webspace {
	i, ok := slices.BinarySearchFunc(st.webspaces, id, func(w *webspace, id int) int { return w.id - id })
	if !ok {
		return nil
	}
	return st.webspaces[i]
}

// cached returns the rendering stored under key if nothing changed since.
func (st *state) cached(key string) ([]byte, bool) {
	if st.cacheAt != st.version {
		clear(st.cache)
		st.cacheAt = st.version
		return nil, false
	}
	b, ok := st.cache[key]
	return b, ok
}

func (st *state) store(key string, b []byte) {
	if st.cacheAt != st.version {
		clear(st.cache)
		st.cacheAt = st.version
	}
	st.cache[key] = b
}
