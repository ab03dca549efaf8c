package sshchat

import "testing"

// A nick or a room that only an invisible character tells apart from
// another is refused over real ssh, the refusal names the character, and an
// invisible character in a message reaches others as its code point.
func TestInvisibleNamesOverSSH(t *testing.T) {
	ts := startServer(t)
	bob := ts.dial("bob", withSize(120, 30))
	mallory := ts.dial("mallory", withSize(120, 30))
	bob.waitText("→ mallory joined")

	mallory.say("/nick bob\u1160")
	mallory.waitText(`"bob\u1160" holds an invisible character (U+1160), which nicks may not`)
	mallory.send(keyCtrlU())
	mallory.say("/join #lobby\u3164")
	mallory.waitText(`"#lobby\u3164" holds an invisible character (U+3164), which room names may not`)
	mallory.send(keyCtrlU())
	mallory.say("b\u200bob")
	bob.waitText("mallory", "b<U+200B>ob")

	// An ssh user name holding one is cleaned, and says so.
	fake := ts.dial("bob\u3164", withSize(120, 30))
	fake.waitText(`Your ssh user name "bob\u3164" was cleaned to bob`, "so you are bob-2")
}
