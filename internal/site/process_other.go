//go:build !unix

package site

// processAlive cannot tell here, so says yes: leftovers of killed builds
// are then never removed, but a running build's never is either.
func processAlive(pid int) bool { return true }
