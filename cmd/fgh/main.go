// Command fgh is the fgharness command line: it parses flags and calls the packages that do the work.
package main

import (
	"errors"
	"fmt"
	"os"
)

func main() {
	err := newRootCmd().Execute()
	if err == nil {
		return
	}
	var ec *exitError
	if errors.As(err, &ec) {
		if ec.err != nil {
			fmt.Fprintln(os.Stderr, "fgh:", ec.err)
		}
		os.Exit(ec.code)
	}
	fmt.Fprintln(os.Stderr, "fgh:", err)
	os.Exit(exitUsage)
}
