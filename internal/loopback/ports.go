// Package loopback finds ranges of free loopback ports that stay free: ports below the kernel's ephemeral range, which outgoing connections never take.
package loopback

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
)

// lowestPort keeps clear of well-known and registered service ports.
const lowestPort = 10000

// linuxEphemeralLow is Linux's default first ephemeral port, used when the
// kernel's setting cannot be read.
const linuxEphemeralLow = 32768

// FreeRange returns the first of n consecutive loopback ports that were all
// free a moment ago. A port found free with a throwaway listener can be
// taken again before its user binds it; choosing below the ephemeral range
// means only another listener can take it, never the source port of some
// process's outgoing connection (on a busy test machine those come and go
// by the thousand).
func FreeRange(n int) (int, error) {
	if n < 1 {
		return 0, fmt.Errorf("loopback: asked for %d ports", n)
	}
	high := ephemeralLow() - n
	if high <= lowestPort {
		return 0, errors.New("loopback: no room below the ephemeral port range")
	}
	for range 64 {
		base := lowestPort + rand.IntN(high-lowestPort)
		if free(base, n) {
			return base, nil
		}
	}
	return 0, fmt.Errorf("loopback: no %d consecutive free ports found between %d and %d", n, lowestPort, high+n-1)
}

// ephemeralLow reads the first port of the kernel's ephemeral range.
func ephemeralLow() int {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return linuxEphemeralLow
	}
	fields := strings.Fields(string(b))
	if len(fields) == 0 {
		return linuxEphemeralLow
	}
	low, err := strconv.Atoi(fields[0])
	if err != nil || low <= lowestPort {
		return linuxEphemeralLow
	}
	return low
}

func free(base, n int) bool {
	var lns []net.Listener
	defer func() {
		for _, ln := range lns {
			ln.Close()
		}
	}()
	for p := base; p < base+n; p++ {
		ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
		if err != nil {
			return false
		}
		lns = append(lns, ln)
	}
	return true
}
