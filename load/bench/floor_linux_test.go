package bench

import (
	"fmt"
	"net"
	neturl "net/url"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/fgharness/fgharness/load"
)

// kernelFloor is what the kernel (on a virtual machine, with the
// hypervisor) charges a process for the least a paced HTTP/1.1 generator
// must do per request: sleep until the request's time on a periodic
// timerfd, read the previous answer without blocking, write the request to
// the bare server. One locked thread, raw system calls, no Go scheduler,
// no parsing, no results: no generator's figure can be lower, so the
// difference is what the generator itself costs.
//
// Above about 10,000 req/s one sleep per request no longer fits (the
// generator sends several per wake-up), so the floor is measured below.
func kernelFloor(b *testing.B, url string, rate int, d time.Duration) {
	if rate > 10_000 {
		b.Skip("one sleep per request: measured up to 10,000 req/s")
	}
	// One scheduler thread, as the generator has at these rates.
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	for range b.N {
		cpu, csw, n := floorRun(b, url, rate, d)
		b.ReportMetric(float64(cpu.Microseconds())/float64(n), "cpu-µs/req")
		b.ReportMetric(float64(csw)/float64(n), "csw/req")
	}
}

// floorRun sends rate·d requests on one keep-alive connection and returns
// the CPU and context switches of the process.
func floorRun(b *testing.B, url string, rate int, d time.Duration) (time.Duration, int64, int) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	addr := strings.TrimPrefix(url, "http://")
	c, err := net.Dial("tcp", addr)
	if err != nil {
		b.Fatal(err)
	}
	f, err := c.(*net.TCPConn).File() // a descriptor of its own, off the poller
	c.Close()
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	fd := uintptr(f.Fd())
	body := load.Payload(64)
	u, err := neturl.Parse(load.InvocationURL(url, "p", urn))
	if err != nil {
		b.Fatal(err)
	}
	req := []byte(fmt.Sprintf("POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nX-Auth-Token: t\r\nContent-Length: %d\r\n\r\n%s", u.RequestURI(), addr, len(body), body))
	tfd, err := unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_CLOEXEC)
	if err != nil {
		b.Fatal(err)
	}
	defer unix.Close(tfd)
	interval := time.Second / time.Duration(rate)
	spec := unix.ItimerSpec{Value: unix.NsecToTimespec(int64(interval)), Interval: unix.NsecToTimespec(int64(interval))}
	if err := unix.TimerfdSettime(tfd, 0, &spec, nil); err != nil {
		b.Fatal(err)
	}
	total := int(time.Duration(rate) * d / time.Second)
	var exp [8]byte
	ans := make([]byte, 4096)
	runtime.GC()
	c0, s0 := cpuTime(), contextSwitches()
	for range total {
		syscall.RawSyscall(syscall.SYS_READ, uintptr(tfd), uintptr(unsafe.Pointer(&exp[0])), 8)
		syscall.RawSyscall6(syscall.SYS_RECVFROM, fd, uintptr(unsafe.Pointer(&ans[0])), uintptr(len(ans)), syscall.MSG_DONTWAIT, 0, 0)
		if _, _, e := syscall.RawSyscall(syscall.SYS_WRITE, fd, uintptr(unsafe.Pointer(&req[0])), uintptr(len(req))); e != 0 {
			b.Fatal(e)
		}
	}
	return cpuTime() - c0, contextSwitches() - s0, total
}
