package load

import (
	"bytes"
	"io"
	"net"
	"testing"
	"time"
)

// ridingPair is a loopback connection whose client end reads through a
// riding rawSocket, and the server end.
func ridingPair(t *testing.T) (*rawSocket, net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	s, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	r, _, _ := socketIO(c, true)
	rs := r.(*rawSocket)
	if !rs.ride {
		t.Skip("no kernel receive timestamps here")
	}
	// The kernel turns receive timestamps on for the whole machine from a
	// work queue, after the first socket asks: answers that arrive before
	// that carry none. Exchange bytes until one is stamped.
	b := make([]byte, 1)
	for i := 0; arrival(rs) == 0; i++ {
		if i == 200 {
			t.Fatal("no receive timestamp after 200 exchanges")
		}
		if _, err := s.Write([]byte{'w'}); err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(rs, b); err != nil {
			t.Fatal(err)
		}
		if arrival(rs) == 0 {
			time.Sleep(5 * time.Millisecond)
		}
	}
	return rs, s
}

// An answer read at the pacer's tick, long after it arrived, is timed by
// its arrival, not by the read; a large answer (above the low-water mark,
// several reads) arrives whole.
func TestRideTimesArrival(t *testing.T) {
	for _, size := range []int{2, 200 << 10} {
		rs, srv := ridingPair(t)
		ticks := new(tickBoard)
		ticks.start()
		ticks.interval(500 * time.Microsecond)
		rideOn(rs, ticks)
		if _, err := rs.Write([]byte("ping")); err != nil {
			t.Fatal(err)
		}
		want := bytes.Repeat([]byte{'x'}, size)
		sent := make(chan time.Time, 1)
		go func() {
			io.ReadFull(srv, make([]byte, 4))
			sent <- time.Now()
			srv.Write(want)
		}()
		got := make(chan []byte)
		go func() {
			b, _ := io.ReadAll(io.LimitReader(rs, int64(size)))
			got <- b
		}()
		time.Sleep(30 * time.Millisecond) // the answer arrives meanwhile
		readAt := time.Now()
		ticks.fire(true)
		ticks.stop()
		b := <-got
		sentAt := <-sent
		if !bytes.Equal(b, want) {
			t.Fatalf("size %d: read %d bytes", size, len(b))
		}
		arrived := time.Unix(0, arrival(rs))
		if size == 2 && (arrived.Before(sentAt) || !arrived.Before(readAt)) {
			t.Errorf("arrival %v not between the answer's write %v and its read at the tick %v", arrived, sentAt, readAt)
		}
		if d := doneAt(sentAt, 0, arrival(rs)); size == 2 && (d < 0 || d >= readAt.Sub(sentAt)) {
			t.Errorf("done %v after the answer was written, want before the read (%v)", d, readAt.Sub(sentAt))
		}
	}
}

// With no pacer running, a read parks on the connection as always.
func TestRideWithoutPacer(t *testing.T) {
	rs, srv := ridingPair(t)
	ticks := new(tickBoard)
	ticks.interval(500 * time.Microsecond)
	rideOn(rs, ticks)
	if _, err := rs.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	go func() {
		io.ReadFull(srv, make([]byte, 4))
		time.Sleep(10 * time.Millisecond)
		srv.Write([]byte("pong"))
	}()
	b := make([]byte, 4)
	if _, err := io.ReadFull(rs, b); err != nil || string(b) != "pong" {
		t.Fatalf("read %q, %v", b, err)
	}
	if arrival(rs) == 0 {
		t.Error("no receive timestamp")
	}
}
