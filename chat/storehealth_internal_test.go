package chat

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/chatroom/chatroom/store"
	"github.com/chatroom/chatroom/store/memory"
)

// countingLogger counts what the write watch logs.
type countingLogger struct{ lines int }

func (l *countingLogger) Error(any, ...any) { l.lines++ }
func (l *countingLogger) Info(any, ...any)  { l.lines++ }

// Every write a Store or a History has goes through the write watch: a
// write method added to either interface and not to the watched wrappers
// would fail without a word in the log. The test calls each method that is
// not a read while the watch believes writes are failing; a watched write
// tells the log how it went.
func TestEveryWriteIsWatched(t *testing.T) {
	reads := map[string]bool{
		"NickOwner": true, "Sanctions": true, "Setting": true, "Ignores": true, "Memberships": true,
		"Unanswered": true, "RoomInfo": true, "RoomInfos": true, "Invited": true,
		"After": true, "LastSeq": true, "Before": true, "Search": true, "Rooms": true, "Spoken": true,
	}
	log := &countingLogger{}
	watch := &writeWatch{log: log, now: time.Now}
	for _, c := range []struct {
		iface   reflect.Type
		wrapped any
	}{
		{reflect.TypeFor[store.Store](), watchedStore{Store: &memory.Store{}, w: watch}},
		{reflect.TypeFor[store.History](), watchedHistory{History: &memory.History{}, w: watch}},
	} {
		v := reflect.ValueOf(c.wrapped)
		for i := range c.iface.NumMethod() {
			name := c.iface.Method(i).Name
			if reads[name] {
				continue
			}
			m := v.MethodByName(name)
			args := make([]reflect.Value, m.Type().NumIn())
			for j := range args {
				args[j] = reflect.Zero(m.Type().In(j))
				if m.Type().In(j) == reflect.TypeFor[store.Sanction]() {
					args[j] = reflect.ValueOf(store.Sanction{Kind: store.Ban}) // the memory store files it by kind
				}
			}
			args[0] = reflect.ValueOf(context.Background())
			watch.failing.Store(true)
			before := log.lines
			if m.Type().IsVariadic() {
				m.CallSlice(args) // its last argument is the slice
			} else {
				m.Call(args)
			}
			if log.lines == before {
				t.Errorf("%s.%s writes past the store's write watch: wrap it in storehealth.go (or list it here as a read)", c.iface.Name(), name)
			}
		}
	}
}
