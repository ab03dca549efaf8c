package command

import (
	"testing"
	"time"
)

// A first word like a number must be a duration: a typo must not make a
// ban permanent.
func TestDurationReason(t *testing.T) {
	for _, c := range []struct {
		in     string
		d      time.Duration
		reason string
		bad    bool
	}{
		{"", 0, "", false},
		{"2h spam", 2 * time.Hour, "spam", false},
		{"spam again", 0, "spam again", false},
		{"10mins spam", 0, "", true}, // a typo must not make it permanent
		{"-5m", 0, "", true},
	} {
		d, reason, err := durationReason(c.in)
		if (err != nil) != c.bad || d != c.d || reason != c.reason {
			t.Errorf("durationReason(%q) = %v, %q, %v", c.in, d, reason, err)
		}
	}
}
