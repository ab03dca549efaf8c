package sshdtest

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestWaitUntilWakesOnEachWrite(t *testing.T) {
	var l LogBuffer
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 5 {
			fmt.Fprintf(&l, "line %d\n", i)
		}
	}()
	WaitUntil(t, "line 4", waitTimeout, l.Changed, func() bool { return strings.Contains(l.String(), "line 4") })
	<-done
}

type fatal struct {
	testing.TB
	failed string
}

func (f *fatal) Helper() {}
func (f *fatal) Fatalf(format string, args ...any) {
	f.failed = fmt.Sprintf(format, args...)
	panic(f)
}

func TestWaitUntilFailsOnTimeout(t *testing.T) {
	var l LogBuffer
	f := &fatal{TB: t}
	func() {
		defer func() {
			if r := recover(); r != f {
				panic(r)
			}
		}()
		WaitUntil(f, "nothing", 0, l.Changed, func() bool { return false })
	}()
	if f.failed != "timed out waiting for nothing" {
		t.Fatalf("failed with %q", f.failed)
	}
}

const waitTimeout = 10 * time.Second
