package chat

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// The welcome's first nicks are those a full sort would give, case aside.
func TestFirstNicksAreThoseOfAFullSort(t *testing.T) {
	members := map[*Member]struct{}{}
	var all []string
	for i := range 500 {
		nick := fmt.Sprintf("%c%03d", "aBcDeF"[i%6], (i*7919)%1000)
		members[&Member{nick: nick}] = struct{}{}
		all = append(all, nick)
	}
	slices.SortFunc(all, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) })
	for _, n := range []int{0, 1, 20, 499, 500, 600} {
		got := firstNicks(members, n)
		if want := all[:min(n, len(all))]; !slices.Equal(got, want) {
			t.Fatalf("first %d: %q, want %q", n, got, want)
		}
	}
}
