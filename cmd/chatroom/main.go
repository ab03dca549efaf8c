// Command chatroom is a chat room people join with the ssh client they
// already have: run it, then everyone types ssh -p 1998 HOST.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"time"
	_ "time/tzdata" // client time zones (TZ) on hosts without a zone database, like Windows

	"charm.land/log/v2"

	"github.com/chatroom/chatroom/humantime"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

type options struct {
	listen string
	data   string
	mouse  bool
	debug  bool

	skipDBCheck bool

	requireKey     bool
	allowlist      string
	ops            string
	passphraseFile string

	msgRate           float64
	msgBurst          int
	maxConnsPerAddr   int
	newConnsPerMinute int
	maxSessions       int
	idleTimeout       time.Duration

	retain         time.Duration
	retainMessages int

	pprof   string
	metrics string
}

// retainFlag reads --retain as people write durations: 30d, 12h, 2w; 0
// keeps everything.
type retainFlag struct{ d *time.Duration }

func (f retainFlag) String() string {
	if f.d == nil || *f.d == 0 {
		return "0"
	}
	return humantime.Format(*f.d)
}

func (f retainFlag) Set(s string) error {
	if s == "0" {
		*f.d = 0
		return nil
	}
	d, ok := humantime.Parse(s)
	if !ok {
		return fmt.Errorf("%q is not a duration: write it like 30d, 12h or 2w", s)
	}
	*f.d = d
	return nil
}

// errUsage means the command line was wrong and the user has been told.
var errUsage = errors.New("usage")

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("chatroom", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.listen, "listen", ":1998", "listen on `ADDR` (host:port)")
	fs.StringVar(&o.data, "data", "", "keep the host key and chat data in folder `DIR` (default "+displayDefaultData()+")")
	fs.BoolVar(&o.mouse, "mouse", true, "sessions start with the mouse wheel scrolling the chat (users toggle it with /mouse)")
	fs.BoolVar(&o.debug, "debug", false, "log debug details, such as failed handshakes")
	fs.BoolVar(&o.skipDBCheck, "skip-db-check", false, "start without checking the database for damage (the check reads it all: about 1.3 s of CPU per million messages)")

	fs.BoolVar(&o.requireKey, "require-key", false, "refuse clients without an ssh key (by default they join, marked unverified)")
	fs.StringVar(&o.allowlist, "allowlist", "", "only let in the keys in `FILE` (authorized_keys format): a private room")
	fs.StringVar(&o.ops, "ops", "", "operators are the keys in `FILE` (authorized_keys format)")
	fs.StringVar(&o.passphraseFile, "passphrase-file", "", "everyone must give the passphrase in `FILE` before joining")

	fs.Float64Var(&o.msgRate, "msg-rate", 2, "each person may send `N` messages a second once the burst is spent")
	fs.IntVar(&o.msgBurst, "msg-burst", 10, "each person may send `N` messages at once")
	fs.IntVar(&o.maxConnsPerAddr, "max-conns-per-addr", 10, "one address may have `N` connections open")
	fs.IntVar(&o.newConnsPerMinute, "new-conns-per-minute", 30, "one address may open `N` connections a minute")
	fs.IntVar(&o.maxSessions, "max-sessions", 2000, "the server takes `N` sessions in all")
	fs.DurationVar(&o.idleTimeout, "idle-timeout", 0, "disconnect sessions without a keystroke for `DURATION`, e.g. 2h (0: never)")
	fs.Var(retainFlag{&o.retain}, "retain", "delete messages older than `DURATION`, e.g. 30d or 2w (0: keep them all)")
	fs.IntVar(&o.retainMessages, "retain-messages", 0, "keep only the newest `N` messages of each room (0: keep them all)")
	fs.StringVar(&o.pprof, "pprof", "", "serve Go's profiles (net/http/pprof) on loopback `ADDR`, e.g. 127.0.0.1:6060 (default: off)")
	fs.StringVar(&o.metrics, "metrics", "", "serve Prometheus metrics (/metrics) and a health check (/healthz) on `ADDR`, e.g. 127.0.0.1:9100 (default: off)")

	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: chatroom [flags]\n\nA chat room people join with: ssh -p 1998 HOST\n\nFlags:\n")
		fs.VisitAll(func(f *flag.Flag) {
			name, usage := flag.UnquoteUsage(f)
			if name != "" {
				name = " " + name
			}
			fmt.Fprintf(stderr, "  --%s%s\n    \t%s", f.Name, name, usage)
			if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0s" && f.DefValue != "0" {
				fmt.Fprintf(stderr, " (default %s)", f.DefValue)
			}
			fmt.Fprintln(stderr)
		})
		fmt.Fprintf(stderr, "\n%s", reloadHelp(runtime.GOOS))
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return o, err
		}
		return o, errUsage // the flag package has printed what was wrong
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q (see chatroom --help)", fs.Arg(0))
	}
	switch {
	case o.msgRate <= 0 || o.msgBurst <= 0:
		return o, errors.New("--msg-rate and --msg-burst must be more than 0")
	case o.maxConnsPerAddr <= 0 || o.newConnsPerMinute <= 0 || o.maxSessions <= 0:
		return o, errors.New("--max-conns-per-addr, --new-conns-per-minute and --max-sessions must be more than 0")
	case o.idleTimeout < 0:
		return o, errors.New("--idle-timeout cannot be negative")
	case o.retainMessages < 0:
		return o, errors.New("--retain-messages cannot be negative")
	case o.retain != 0 && o.retain < time.Minute:
		return o, errors.New("--retain must be at least 1m")
	}
	if o.pprof != "" {
		if err := checkPprofAddr(o.pprof); err != nil {
			return o, err
		}
	}
	if o.metrics != "" {
		if _, err := checkMetricsAddr(o.metrics); err != nil {
			return o, err
		}
	}
	if o.data == "" {
		dir, err := defaultDataDir()
		if err != nil {
			return o, fmt.Errorf("no --data given and %w", err)
		}
		o.data = dir
	}
	return o, nil
}

// defaultDataDir is a chatroom folder in the OS's per-user config dir:
// ~/.config on Linux, ~/Library/Application Support on macOS, %AppData% on
// Windows.
func defaultDataDir() (string, error) {
	base, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("cannot find a per-user config folder: %w", err)
	}
	return filepath.Join(base, "chatroom"), nil
}

func displayDefaultData() string {
	if dir, err := defaultDataDir(); err == nil {
		return dir
	}
	return "chatroom in the per-user config folder"
}

func run(args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	case err != nil:
		fmt.Fprintln(stderr, "chatroom:", err)
		return 2
	}
	logger := log.NewWithOptions(stderr, log.Options{ReportTimestamp: true, TimeFormat: time.DateTime})
	if o.debug {
		logger.SetLevel(log.DebugLevel)
	}
	// Libraries (wish) log through the default logger; keep one format.
	log.SetDefault(logger)

	if err := serve(o, logger, stdout); err != nil {
		logger.Error(err.Error())
		return 1
	}
	return 0
}
