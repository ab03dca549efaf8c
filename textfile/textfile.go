// Package textfile reads the small text files an operator writes by hand
// (authorized_keys lists, the passphrase), whatever editor wrote them.
//
// Windows editors differ from Unix ones in three ways that would otherwise
// go unnoticed: Notepad and PowerShell may start a UTF-8 file with a byte
// order mark, which would glue itself to the first key or the passphrase;
// lines end with CRLF; and Windows PowerShell's ">" and Notepad's "Unicode"
// save UTF-16, which read as bytes is junk with a NUL after every letter.
// The first two are undone here; the third is refused with how to fix it.
package textfile

import (
	"bytes"
	"fmt"
	"os"
	"strings"
)

// byteOrderMark is U+FEFF encoded as UTF-8.
var byteOrderMark = []byte{0xEF, 0xBB, 0xBF}

// Read returns the text of the file at path with a UTF-8 byte order mark
// removed and CRLF line ends turned into LF. A file saved as UTF-16 is
// refused with an *EncodingError.
func Read(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	return Decode(path, data)
}

// Decode is Read for the bytes of a file already read; path names it in
// errors.
func Decode(path string, data []byte) (string, error) {
	switch {
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}):
		return "", &EncodingError{Path: path, Encoding: "UTF-16 LE"}
	case bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		return "", &EncodingError{Path: path, Encoding: "UTF-16 BE"}
	case bytes.IndexByte(data, 0) >= 0:
		// No text these files hold has a NUL in it; UTF-16 without a byte
		// order mark has one beside every ASCII letter.
		return "", &EncodingError{Path: path, Encoding: "UTF-16 (it holds NUL bytes)"}
	}
	data = bytes.TrimPrefix(data, byteOrderMark)
	return strings.ReplaceAll(string(data), "\r\n", "\n"), nil
}

// EncodingError is a file saved in an encoding chatroom cannot read.
type EncodingError struct {
	Path     string
	Encoding string // as people know it: "UTF-16 LE", or "not UTF-8"
}

func (e *EncodingError) Error() string {
	// The PowerShell line rewrites the file in place: the parentheses read
	// it whole before Set-Content opens it.
	quoted := "'" + strings.ReplaceAll(e.Path, "'", "''") + "'"
	return fmt.Sprintf("%s is saved as %s; save it as UTF-8: in Notepad, Save As > Encoding: UTF-8; in PowerShell: (Get-Content %s) | Set-Content -Encoding utf8 %s",
		e.Path, e.Encoding, quoted, quoted)
}
