package extapi

import (
	"fmt"
	"net"
	"strconv"
)

// addressRule is what a FunctionGraph-Extension-Address value must satisfy:
// exactly "host:port" with the configured host and a port inside the range.
type addressRule struct {
	host             string
	portMin, portMax int
}

// port checks addr against the rule and returns its port. Only the canonical
// spelling is accepted (no brackets, signs or leading zeros), so two accepted
// addresses are equal exactly when their ports are.
func (r addressRule) port(addr string) (int, error) {
	host, portText, err := net.SplitHostPort(addr)
	if err != nil {
		return 0, fmt.Errorf("%w; want %s", err, r)
	}
	if host != r.host {
		return 0, fmt.Errorf("host %q in %q is not %s; want %s", host, addr, r.host, r)
	}
	if !isDecimal(portText) {
		return 0, fmt.Errorf("port %q in %q is not a decimal number without sign or leading zero; want %s", portText, addr, r)
	}
	port, err := strconv.Atoi(portText)
	if err != nil {
		return 0, fmt.Errorf("port %q in %q: %w; want %s", portText, addr, err, r)
	}
	if port < r.portMin || port > r.portMax {
		return 0, fmt.Errorf("port %d in %q is outside %d-%d; want %s", port, addr, r.portMin, r.portMax, r)
	}
	if addr != r.host+":"+portText {
		return 0, fmt.Errorf("%q is not written as plain host:port; want %s", addr, r)
	}
	return port, nil
}

// String describes the accepted addresses for error messages.
func (r addressRule) String() string {
	return fmt.Sprintf("%s:<port> with port in %d-%d", r.host, r.portMin, r.portMax)
}

func isDecimal(s string) bool {
	if s == "" || (s[0] == '0' && len(s) > 1) {
		return false
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
