// Package humantime reads and writes durations as people write them:
// "2h30m", "7d". Bans, mutes, --retain and /whois all speak this one way.
package humantime

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Format writes a duration as people do: 2h, 7d, 1h30m, 45s.
func Format(d time.Duration) string {
	if d < time.Minute {
		return fmt.Sprintf("%ds", max(1, int(d.Round(time.Second).Seconds())))
	}
	d = d.Round(time.Minute)
	days, hours, mins := int(d/(24*time.Hour)), int(d/time.Hour)%24, int(d/time.Minute)%60
	var b strings.Builder
	if days > 0 {
		fmt.Fprintf(&b, "%dd", days)
	}
	if hours > 0 {
		fmt.Fprintf(&b, "%dh", hours)
	}
	if mins > 0 {
		fmt.Fprintf(&b, "%dm", mins)
	}
	return b.String()
}

var durationPart = regexp.MustCompile(`^(\d+)(w|d|h|m|s)`)

// Parse reads durations as people write them: 30s, 10m, 2h,
// 1h30m, 7d, 2w, 1d12h.
func Parse(s string) (time.Duration, bool) {
	units := map[string]time.Duration{"w": 7 * 24 * time.Hour, "d": 24 * time.Hour, "h": time.Hour, "m": time.Minute, "s": time.Second}
	var total time.Duration
	if s == "" {
		return 0, false
	}
	for s != "" {
		m := durationPart.FindStringSubmatch(s)
		if m == nil {
			return 0, false
		}
		n, err := strconv.Atoi(m[1])
		if err != nil || n > 1_000_000 {
			return 0, false
		}
		total += time.Duration(n) * units[m[2]]
		s = s[len(m[0]):]
	}
	if total <= 0 || total > 100*365*24*time.Hour {
		return 0, false
	}
	return total, true
}
