package nsscan

// Knobs for the external tests of the UDP transport.

// PortsPerServer is the size of one server's socket pool.
const PortsPerServer = portsPerServer

// SetRotateQueries makes pools replace a socket after n queries and returns
// a function that restores the default.
func SetRotateQueries(n int) (restore func()) {
	old := rotateQueries
	rotateQueries = n
	return func() { rotateQueries = old }
}

// SetMaxPooledSockets caps the pooled sockets at n (0: every query gets a
// socket of its own) and returns a function that restores the default.
func SetMaxPooledSockets(n int) (restore func()) {
	old := maxPooledSockets
	maxPooledSockets = n
	return func() { maxPooledSockets = old }
}
