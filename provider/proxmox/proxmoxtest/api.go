package proxmoxtest

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// routes registers the API functions.
func (s *Server) routes() {
	m := http.NewServeMux()
	h := func(fn string, f http.HandlerFunc) {
		method, path, _ := strings.Cut(fn, " ")
		m.HandleFunc(method+" /api2/json"+path, f)
	}
	h(FnTicket, s.login)
	h(FnPermissions, s.permissions)
	h(FnResources, s.resources)
	h(FnNextID, s.nextID)
	h(FnPools, s.listPools)
	h(FnVersion, s.version)
	h(FnConfig, s.onGuest(s.getConfig))
	h(FnSetConfig, s.onGuest(s.setConfig))
	h(FnStatus, s.onGuest(s.currentStatus))
	h(FnPower, s.onGuest(s.power))
	h(FnClone, s.onGuest(s.clone))
	h(FnDelete, s.onGuest(s.destroy))
	h(FnTaskStatus, s.taskStatus)
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotImplemented, fmt.Sprintf("Method '%s %s' not implemented", r.Method, strings.TrimPrefix(r.URL.Path, "/api2/json")), nil)
	})
	s.mux = m
}

// privileges are what the fake's credentials hold, propagated.
func privileges() map[string]int {
	privs := map[string]int{}
	for _, p := range []string{"Datastore.AllocateSpace", "Datastore.Audit", "Pool.Audit", "Sys.Audit", "VM.Allocate",
		"VM.Audit", "VM.Clone", "VM.Config.Cloudinit", "VM.Config.Options", "VM.PowerMgmt"} {
		privs[p] = 1
	}
	return privs
}

// permissions answers GET /access/permissions: the caller's effective
// privileges per path, each with its propagate flag.
func (s *Server) permissions(w http.ResponseWriter, r *http.Request) {
	if s.opts.NoPrivileges {
		writeData(w, map[string]any{})
		return
	}
	privs := privileges()
	if path := r.Form.Get("path"); path != "" {
		writeData(w, map[string]any{path: privs})
		return
	}
	writeData(w, map[string]any{"/": privs, "/vms": privs, "/nodes": privs, "/storage": privs, "/pool": privs})
}

// resEntry is one entry of /cluster/resources.
type resEntry struct {
	ID        string   `json:"id"`
	Type      string   `json:"type"`
	VMID      any      `json:"vmid,omitempty"`
	Name      string   `json:"name,omitempty"`
	Node      string   `json:"node"`
	Status    string   `json:"status"`
	Template  *int     `json:"template,omitempty"`
	Pool      string   `json:"pool,omitempty"`
	Tags      string   `json:"tags,omitempty"`
	Lock      string   `json:"lock,omitempty"`
	Level     *string  `json:"level,omitempty"`
	MaxCPU    int      `json:"maxcpu,omitempty"`
	MaxMem    int64    `json:"maxmem,omitempty"`
	MaxDisk   int64    `json:"maxdisk,omitempty"`
	Mem       *int64   `json:"mem,omitempty"`
	Disk      *int64   `json:"disk,omitempty"`
	CPU       *float64 `json:"cpu,omitempty"`
	Uptime    *int64   `json:"uptime,omitempty"`
	NetIn     *int64   `json:"netin,omitempty"`
	NetOut    *int64   `json:"netout,omitempty"`
	DiskRead  *int64   `json:"diskread,omitempty"`
	DiskWrite *int64   `json:"diskwrite,omitempty"`
}

// resources answers GET /cluster/resources (type "vm", "node" or all) as
// pve-manager builds it (PVE/API2/Cluster.pm, PVE/API2Tools.pm
// extract_vm_stats): a guest's name, status, template flag, uptime and
// sizes come from the status its node last broadcast, where qemu-server
// writes an unnamed VM as "VM <vmid>" and pve-container an unnamed
// container as "CT<vmid>"; without a recent broadcast (its node is down)
// a guest has status "unknown" and none of those fields. Its lock and tags
// come from the configuration itself (tags from pve-manager 7.3 on:
// Options.Version), its pool from the pool configuration.
func (s *Server) resources(w http.ResponseWriter, r *http.Request) {
	typ := r.Form.Get("type")
	malformed, _ := r.Context().Value(malformedKey{}).(bool)
	s.mu.Lock()
	var out []resEntry
	if typ == "" || typ == "node" {
		for _, n := range s.nodes {
			st, lvl := "online", ""
			if s.down[n] {
				st = "offline"
			}
			out = append(out, resEntry{ID: "node/" + n, Type: "node", Node: n, Status: st, Level: &lvl})
		}
	}
	if (typ == "" || typ == "vm") && !s.opts.NoPrivileges {
		now := s.opts.Now()
		tags := s.tagsInResources()
		for _, id := range slices.Sorted(maps.Keys(s.guests)) {
			v := s.guests[id]
			e := resEntry{ID: v.typ + "/" + strconv.Itoa(v.vmid), Type: v.typ, VMID: v.vmid, Node: v.node,
				Status: "unknown", Pool: v.pool, Lock: v.lock}
			if tags {
				e.Tags = v.config["tags"]
			}
			if malformed && !v.template() {
				e.VMID = strconv.Itoa(v.vmid) + "x"
				malformed = false
			}
			if !s.down[v.node] {
				e.Name = v.listedName()
				e.Status = v.status
				tmpl := 0
				if v.template() {
					tmpl = 1
				}
				e.Template = &tmpl
				mem, _ := strconv.ParseInt(v.config["memory"], 10, 64)
				e.MaxCPU, e.MaxMem, e.MaxDisk = 2, mem<<20, 32<<30
				var zero int64
				var cpu float64
				up := int64(0)
				if v.status == "running" {
					up = int64(now.Sub(v.start) / time.Second)
					cpu = 0.0125
				}
				used := e.MaxMem / 3
				e.Mem, e.Disk, e.CPU, e.Uptime = &used, &zero, &cpu, &up
				e.NetIn, e.NetOut, e.DiskRead, e.DiskWrite = &zero, &zero, &zero, &zero
			}
			out = append(out, e)
		}
	}
	s.mu.Unlock()
	if out == nil {
		out = []resEntry{}
	}
	writeData(w, out)
}

// version answers GET /version as pve-manager does (PVE/API2.pm).
func (s *Server) version(w http.ResponseWriter, r *http.Request) {
	writeData(w, map[string]string{"version": s.opts.Version, "release": release(s.opts.Version), "repoid": "faa83925c9641325"})
}

// release is the "x.y" point release of a pve-manager version: "8.2.4"
// and "8.2-1" give "8.2".
func release(version string) string {
	parts := strings.FieldsFunc(version, func(r rune) bool { return r == '.' || r == '-' })
	if len(parts) < 2 {
		return version
	}
	return parts[0] + "." + parts[1]
}

// tagsInResources reports whether /cluster/resources carries tags: from
// pve-manager 7.3 on (commit d18b6982, "api: /cluster/resources: add tags
// to returned properties", released in 7.2-14/7.3-1).
func (s *Server) tagsInResources() bool {
	var major, minor int
	fmt.Sscanf(release(s.opts.Version), "%d.%d", &major, &minor)
	return major > 7 || (major == 7 && minor >= 3)
}

// nextID answers GET /cluster/nextid with the lowest free VM ID, as a
// string; with ?vmid=N it checks that N is free.
func (s *Server) nextID(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if v := r.Form.Get("vmid"); v != "" {
		id, err := strconv.Atoi(v)
		if err != nil || s.guests[id] != nil {
			writeError(w, http.StatusBadRequest, "Parameter verification failed.", map[string]string{"vmid": fmt.Sprintf("VM %s already exists", v)})
			return
		}
		writeData(w, strconv.Itoa(id))
		return
	}
	writeData(w, strconv.Itoa(s.freeID()))
}

// listPools answers GET /pools.
func (s *Server) listPools(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []map[string]string{}
	for _, id := range slices.Sorted(maps.Keys(s.pools)) {
		p := map[string]string{"poolid": id}
		if c := s.pools[id]; c != "" {
			p["comment"] = c
		}
		out = append(out, p)
	}
	writeData(w, out)
}

// guestHandler serves a call on one guest; s.mu is held and v is the
// guest at the path's node, of the path's type.
type guestHandler func(w http.ResponseWriter, r *http.Request, v *vm)

// onGuest checks the node (known, online), the privileges and the guest
// (exists on that node, of that type) before h. A missing guest gets the
// wording of the call Proxmox VE would fail in; see missing.
func (s *Server) onGuest(h guestHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		node, typ := r.PathValue("node"), r.PathValue("type")
		vmid, err := strconv.Atoi(r.PathValue("vmid"))
		if (typ != "qemu" && typ != "lxc") || err != nil {
			writeError(w, http.StatusNotImplemented, fmt.Sprintf("Method '%s %s' not implemented", r.Method, strings.TrimPrefix(r.URL.Path, "/api2/json")), nil)
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		if !s.nodeOK(w, node) {
			return
		}
		if s.opts.NoPrivileges {
			writeError(w, http.StatusForbidden, fmt.Sprintf("Permission check failed (/vms/%d, VM.Audit)", vmid), nil)
			return
		}
		v := s.guests[vmid]
		if v == nil || v.node != node || v.typ != typ {
			s.missing(w, r, node, typ, vmid)
			return
		}
		h(w, r, v)
	}
}

// missing answers a call on a guest that is not on the node, as Proxmox
// VE does:
//
//   - most calls load the configuration first and fail with
//     "Configuration file 'nodes/pve1/qemu-server/105.conf' does not
//     exist" (pve-guest-common, PVE::AbstractConfig::load_config), HTTP 500;
//   - a QEMU start or stop forks its task first, and the task fails with
//     that text (qemu-server, vm_start and vm_stop load the configuration
//     in the worker); so does an LXC start;
//   - an LXC stop checks that the container runs before anything else
//     and answers HTTP 500 "CT 105 not running" (pve-container,
//     PVE/API2/LXC/Status.pm).
func (s *Server) missing(w http.ResponseWriter, r *http.Request, node, typ string, vmid int) {
	text := fmt.Sprintf("Configuration file '%s' does not exist", confPath(node, typ, vmid))
	if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/status/"+r.PathValue("action")) {
		action := r.PathValue("action")
		switch {
		case typ == "lxc" && action == "stop":
			writeError(w, http.StatusInternalServerError, fmt.Sprintf("CT %d not running", vmid), nil)
			return
		case action == "start" || action == "stop":
			prefix := map[string]string{"qemu": "qm", "lxc": "vz"}[typ]
			writeData(w, s.newTask(node, prefix+action, strconv.Itoa(vmid), s.user(r), func() string { return text }))
			return
		}
	}
	writeError(w, http.StatusInternalServerError, text, nil)
}

// nodeOK answers for an unknown or offline node, as the contacted node's
// proxy does; s.mu is held.
func (s *Server) nodeOK(w http.ResponseWriter, node string) bool {
	if !slices.Contains(s.nodes, node) {
		writeError(w, 596, fmt.Sprintf("hostname lookup '%s' failed - failed to get address info for: %s: Name or service not known", node, node), nil)
		return false
	}
	if s.down[node] {
		writeError(w, 595, "No route to host", nil)
		return false
	}
	return true
}

// numericKey reports the config keys the API returns as numbers.
func numericKey(k string) bool {
	switch k {
	case "memory", "cores", "sockets", "template", "onboot", "swap", "balloon", "vcpus", "cpuunits", "unprivileged":
		return true
	}
	return false
}

// getConfig answers GET .../config.
func (s *Server) getConfig(w http.ResponseWriter, r *http.Request, v *vm) {
	out := make(map[string]any, len(v.config)+2)
	for k, val := range v.config {
		if n, err := strconv.Atoi(val); err == nil && numericKey(k) {
			out[k] = n
			continue
		}
		out[k] = val
	}
	if v.lock != "" {
		out["lock"] = v.lock
	}
	out["digest"] = v.digest()
	writeData(w, out)
}

// setConfig answers PUT .../config: it checks the digest, validates the
// keys it knows and applies "delete".
func (s *Server) setConfig(w http.ResponseWriter, r *http.Request, v *vm) {
	if s.locked(w, v) {
		return
	}
	f := r.PostForm
	if d := f.Get("digest"); d != "" && d != v.digest() {
		writeError(w, http.StatusInternalServerError, "detected modified configuration - file changed by other user? Try again.", nil)
		return
	}
	errs := map[string]string{}
	for k, vals := range f {
		val := vals[0]
		switch k {
		case "digest", "delete":
		case "tags":
			for _, t := range splitTags(val) {
				if !tagRE.MatchString(t) {
					errs[k] = fmt.Sprintf("invalid format - invalid characters in tag '%s'", t)
				}
			}
		case "name", "hostname":
			if (k == "name") != (v.typ == "qemu") {
				errs[k] = "property is not defined in schema and the schema does not allow additional properties"
			} else if !dnsRE.MatchString(val) {
				errs[k] = "invalid format - value does not look like a valid DNS name"
			}
		case "ciuser", "cipassword", "ipconfig0", "ipconfig1":
			if v.typ != "qemu" {
				errs[k] = "property is not defined in schema and the schema does not allow additional properties"
			}
		}
	}
	if len(errs) > 0 {
		writeError(w, http.StatusBadRequest, "Parameter verification failed.", errs)
		return
	}
	for _, k := range strings.FieldsFunc(f.Get("delete"), func(r rune) bool { return r == ',' || r == ';' || r == ' ' }) {
		delete(v.config, k)
	}
	for k, vals := range f {
		switch k {
		case "digest", "delete":
		case "tags":
			v.config[k] = strings.Join(splitTags(vals[0]), ";")
		case "cipassword":
			v.config[k] = "**********"
		default:
			v.config[k] = vals[0]
		}
	}
	writeData(w, nil)
}

// locked answers for a guest with a lock, as every write does
// (PVE::AbstractConfig::check_lock: "VM is locked (backup)", "CT is
// locked (backup)"); s.mu is held.
func (s *Server) locked(w http.ResponseWriter, v *vm) bool {
	if v.lock == "" {
		return false
	}
	writeError(w, http.StatusInternalServerError, v.lockText(), nil)
	return true
}

// lockText is check_lock's message for the guest's lock.
func (v *vm) lockText() string {
	who := "VM"
	if v.typ == "lxc" {
		who = "CT"
	}
	return fmt.Sprintf("%s is locked (%s)", who, v.lock)
}

// currentStatus answers GET .../status/current.
func (s *Server) currentStatus(w http.ResponseWriter, r *http.Request, v *vm) {
	out := map[string]any{"vmid": v.vmid, "name": v.listedName(), "status": v.status, "uptime": 0, "ha": map[string]any{"managed": 0}}
	if v.status == "running" {
		out["uptime"] = int64(s.opts.Now().Sub(v.start) / time.Second)
		out["pid"] = 4000 + v.vmid
	}
	if v.typ == "qemu" {
		out["qmpstatus"] = v.status
	}
	if v.lock != "" {
		out["lock"] = v.lock
	}
	writeData(w, out)
}

// power answers POST .../status/start and .../status/stop with a task,
// with the wordings of qemu-server and pve-container for a guest already
// in that state: a QEMU start of a running VM is a task that fails with
// "VM 105 already running" (vm_start), a QEMU stop of a stopped VM a task
// that succeeds (vm_stop returns early); pve-container refuses both in the
// API handler, HTTP 500 "CT 105 already running" and "CT 105 not running".
// A lock other than "suspended" fails either task with check_lock's
// message.
func (s *Server) power(w http.ResponseWriter, r *http.Request, v *vm) {
	action := r.PathValue("action")
	prefix := "qm"
	if v.typ == "lxc" {
		prefix = "vz"
	}
	id := strconv.Itoa(v.vmid)
	switch action {
	case "start":
		if v.typ == "lxc" && v.status == "running" {
			writeError(w, http.StatusInternalServerError, "CT "+id+" already running", nil)
			return
		}
		writeData(w, s.newTask(v.node, prefix+"start", id, s.user(r), func() string {
			switch {
			case v.status == "running":
				return "VM " + id + " already running"
			case v.lock != "" && v.lock != "suspended":
				return v.lockText()
			}
			v.status, v.start = "running", s.opts.Now()
			return "OK"
		}))
	case "stop":
		if v.typ == "lxc" && v.status != "running" {
			writeError(w, http.StatusInternalServerError, "CT "+id+" not running", nil)
			return
		}
		writeData(w, s.newTask(v.node, prefix+"stop", id, s.user(r), func() string {
			if v.lock != "" && v.lock != "suspended" {
				return v.lockText()
			}
			v.status = "stopped"
			return "OK"
		}))
	default:
		writeError(w, http.StatusNotImplemented, fmt.Sprintf("Method 'POST %s' not implemented", strings.TrimPrefix(r.URL.Path, "/api2/json")), nil)
	}
}

// clone answers POST .../clone: the new guest appears at once, locked
// "clone", and the lock goes when the task ends.
func (s *Server) clone(w http.ResponseWriter, r *http.Request, src *vm) {
	f := r.PostForm
	errs := map[string]string{}
	newid, err := strconv.Atoi(f.Get("newid"))
	if err != nil || newid < 100 || newid > 999999999 {
		errs["newid"] = "invalid format - value does not look like a valid VM ID"
	}
	nameKey := "name"
	if src.typ == "lxc" {
		nameKey = "hostname"
	}
	name := f.Get(nameKey)
	if name != "" && !dnsRE.MatchString(name) {
		errs[nameKey] = "invalid format - value does not look like a valid DNS name"
	}
	target := f.Get("target")
	if target != "" && !slices.Contains(s.nodes, target) {
		errs["target"] = fmt.Sprintf("no such cluster node '%s'", target)
	}
	if len(errs) > 0 {
		writeError(w, http.StatusBadRequest, "Parameter verification failed.", errs)
		return
	}
	if target == "" {
		target = src.node
	}
	if s.down[target] {
		writeError(w, http.StatusInternalServerError, fmt.Sprintf("target node '%s' is not online", target), nil)
		return
	}
	if old := s.guests[newid]; old != nil {
		// qemu-server refuses a config file on the target node by name;
		// otherwise PVE::Cluster::check_vmid_unused names the type and node
		// of the guest that holds the ID.
		msg := fmt.Sprintf("VM %d already exists on node '%s'", newid, old.node)
		if old.typ == "lxc" {
			msg = fmt.Sprintf("CT %d already exists on node '%s'", newid, old.node)
		}
		if src.typ == "qemu" && old.node == target {
			msg = fmt.Sprintf("unable to create VM %d: config file already exists", newid)
		}
		writeError(w, http.StatusInternalServerError, msg, nil)
		return
	}
	pool := f.Get("pool")
	if _, ok := s.pools[pool]; pool != "" && !ok {
		writeError(w, http.StatusInternalServerError, fmt.Sprintf("pool '%s' does not exist", pool), nil)
		return
	}
	if !src.template() && src.status == "running" && f.Get("full") != "1" {
		writeError(w, http.StatusInternalServerError, "Linked clone feature is not supported for running VMs", nil)
		return
	}
	nv := &vm{vmid: newid, typ: src.typ, node: target, status: "stopped", pool: pool, lock: "clone",
		config: maps.Clone(src.config), start: s.opts.Now()}
	delete(nv.config, "template")
	if name != "" {
		nv.config[nameKey] = name
	}
	if nv.typ == "qemu" {
		nv.config["meta"] = fmt.Sprintf("creation-qemu=9.0.2,ctime=%d", s.opts.Now().Unix())
		nv.config["net0"] = strings.Replace(nv.config["net0"], "BC:24:11:90:00:00", fmt.Sprintf("BC:24:11:%02X:%02X:%02X", newid>>16&0xff, newid>>8&0xff, newid&0xff), 1)
	}
	s.guests[newid] = nv
	prefix := "qm"
	if src.typ == "lxc" {
		prefix = "vz"
	}
	writeData(w, s.newTask(src.node, prefix+"clone", strconv.Itoa(src.vmid), s.user(r), func() string {
		nv.lock = ""
		return "OK"
	}))
}

// destroy answers DELETE /nodes/{node}/{type}/{vmid} as qemu-server and
// pve-container do: a running guest is refused before any task, HTTP 500
// "VM 105 is running - destroy failed" (qemu-server destroy_vm's early
// checks) or "unable to destroy CT 105 - container is running"
// (pve-container); a locked guest's task fails with check_lock's message.
func (s *Server) destroy(w http.ResponseWriter, r *http.Request, v *vm) {
	prefix, running := "qm", fmt.Sprintf("VM %d is running - destroy failed", v.vmid)
	if v.typ == "lxc" {
		prefix, running = "vz", fmt.Sprintf("unable to destroy CT %d - container is running", v.vmid)
	}
	if v.status == "running" {
		writeError(w, http.StatusInternalServerError, running, nil)
		return
	}
	writeData(w, s.newTask(v.node, prefix+"destroy", strconv.Itoa(v.vmid), s.user(r), func() string {
		switch {
		case v.status == "running":
			return running
		case v.lock != "":
			return v.lockText()
		}
		if s.guests[v.vmid] == v {
			delete(s.guests, v.vmid)
		}
		return "OK"
	}))
}

// fakeTask is a worker task; its effect lands when it stops.
type fakeTask struct {
	upid, node, typ, id, user string
	pid, pstart               int
	start, end                time.Time
	polls                     int
	stopped                   bool
	exit                      string
	forced                    string // an exit status from FailNextTask
	effect                    func() string
}

// newTask registers a task and returns its UPID; s.mu is held.
func (s *Server) newTask(node, typ, id, user string, effect func() string) string {
	s.pid++
	now := s.opts.Now()
	t := &fakeTask{node: node, typ: typ, id: id, user: user, pid: s.pid, pstart: 0x0012C3D4 + s.pid, start: now, effect: effect}
	t.upid = fmt.Sprintf("UPID:%s:%08X:%08X:%08X:%s:%s:%s:", node, t.pid, t.pstart, now.Unix(), typ, id, user)
	if len(s.taskFails) > 0 {
		t.forced, s.taskFails = s.taskFails[0], s.taskFails[1:]
	}
	s.tasks[t.upid] = t
	return t.upid
}

// taskStatus answers GET /nodes/{node}/tasks/{upid}/status. A task
// reports "running" for Options.TaskPolls polls, then stops.
func (s *Server) taskStatus(w http.ResponseWriter, r *http.Request) {
	node, upid := r.PathValue("node"), r.PathValue("upid")
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.nodeOK(w, node) {
		return
	}
	t := s.tasks[upid]
	if t == nil || t.node != node {
		writeError(w, http.StatusInternalServerError, "no such task", nil)
		return
	}
	t.polls++
	if !t.stopped && t.polls > s.opts.TaskPolls {
		t.stopped, t.end = true, s.opts.Now()
		if t.forced != "" {
			t.exit = t.forced
		} else {
			t.exit = t.effect()
		}
	}
	out := map[string]any{"upid": t.upid, "node": t.node, "pid": t.pid, "pstart": t.pstart, "starttime": t.start.Unix(),
		"type": t.typ, "id": t.id, "user": t.user, "status": "running"}
	if t.stopped {
		out["status"] = "stopped"
		out["exitstatus"] = t.exit
		out["endtime"] = t.end.Unix()
	}
	writeData(w, out)
}
