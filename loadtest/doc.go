// Package loadtest is the project's own load benchmark: the real server
// (sshd, sshchat, chat, SQLite, the full-screen view), started in the test process on
// 127.0.0.1 with a temporary data folder, and N real ssh clients with PTYs
// whose output feeds emulated screens. Some clients type lines; each line is
// timed from the sender's write to its appearance on every other client's
// screen.
//
// It is a package of its own, with nothing but tests, because it uses only
// what cmd/chatroom uses (sshd.New, sshchat.New, chat.NewHub, sqlite.Open): it measures
// the daemon as it is wired, survives changes to any package's internals and
// test helpers, and keeps its run time out of those packages' tests.
//
// `go test ./loadtest` runs TestLoad, a few clients and lines that must all
// arrive (so the harness cannot rot); `make bench` runs BenchmarkLoad, the
// versus workload W (10 senders, 20 lines each at 0.9 a second) with 50 and
// 200 clients.
package loadtest
