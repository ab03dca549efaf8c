package execcmd

import (
	"errors"
	"testing"
)

func TestParse(t *testing.T) {
	for _, c := range []struct {
		args  []string
		want  Command
		usage bool
	}{
		{args: []string{"say", "#go", "build", "passed"}, want: Command{Name: "say", Room: "#go", Text: "build passed", N: 10}},
		{args: []string{"say", "-1", "degrees"}, want: Command{Name: "say", Text: "-1 degrees", N: 10}},
		{args: []string{"tail", "-f", "-n", "5", "#go", "--json"}, want: Command{Name: "tail", Room: "#go", N: 5, Follow: true, JSON: true}},
		{args: []string{"search", "deploy", "failed", "#ops", "--json"}, want: Command{Name: "search", Room: "#ops", Text: "deploy failed", N: 10, JSON: true}},
		{args: []string{"dm", "alice", "hi", "there"}, want: Command{Name: "dm", Nick: "alice", Text: "hi there", N: 10}},
		{args: []string{"tail", "-n", "0"}, usage: true},
		{args: []string{"tail", "-n", "501"}, usage: true},
		{args: []string{"tail", "-x"}, usage: true},
		{args: []string{"rooms", "#go"}, usage: true},
		{args: []string{"search"}, usage: true},
		{args: []string{"ls", "-la"}, usage: true},
		{args: nil, usage: true},
	} {
		got, err := Parse(c.args)
		var ue *UsageError
		if c.usage {
			if !errors.As(err, &ue) {
				t.Errorf("Parse(%q) = %+v, %v; want a usage error", c.args, got, err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("Parse(%q) = %+v, %v; want %+v", c.args, got, err, c.want)
		}
	}
}
