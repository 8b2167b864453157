package loopback

import (
	"net"
	"strconv"
	"testing"
)

func TestFreeRangeIsFreeAndBelowEphemeral(t *testing.T) {
	const n = 10
	base, err := FreeRange(n)
	if err != nil {
		t.Fatal(err)
	}
	if base < lowestPort || base+n > ephemeralLow() {
		t.Fatalf("range %d–%d is outside %d–%d", base, base+n-1, lowestPort, ephemeralLow()-1)
	}
	for p := base; p < base+n; p++ {
		ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
		if err != nil {
			t.Fatalf("port %d of the range is not free: %v", p, err)
		}
		ln.Close()
	}
}

func TestFreeRangeSkipsTakenPorts(t *testing.T) {
	base, err := FreeRange(3)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(base+1)))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if free(base, 3) {
		t.Fatalf("range at %d reported free while port %d is taken", base, base+1)
	}
}

func TestFreeRangeRejectsNonsense(t *testing.T) {
	if _, err := FreeRange(0); err == nil {
		t.Fatal("FreeRange(0) succeeded")
	}
	if _, err := FreeRange(1 << 20); err == nil {
		t.Fatal("FreeRange of a million ports succeeded")
	}
}
