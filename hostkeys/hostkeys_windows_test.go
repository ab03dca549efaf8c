package hostkeys

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unsafe"

	"golang.org/x/sys/windows"

	"github.com/chatroom/chatroom/privfile"
)

// sharedFolder makes a folder whose access list lets every authenticated
// user read what is created in it, as C:\ does.
func sharedFolder(t *testing.T) string {
	t.Helper()
	user, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "shared")
	sd, err := windows.SecurityDescriptorFromString("D:P(A;OICI;FA;;;" + user.User.Sid.String() + ")(A;OICI;FA;;;SY)(A;OICI;0x1200a9;;;AU)")
	if err != nil {
		t.Fatal(err)
	}
	sa := &windows.SecurityAttributes{SecurityDescriptor: sd}
	sa.Length = uint32(unsafe.Sizeof(*sa))
	name, _ := windows.UTF16PtrFromString(dir)
	if err := windows.CreateDirectory(name, sa); err != nil {
		t.Fatal(err)
	}
	return dir
}

// A data folder made under a folder everyone may read (C:\) does not pass
// that on to the host key. (privfile's tests check the access lists in
// detail, and that files later made in the folder inherit its.)
func TestNewKeyIsPrivateInASharedFolder(t *testing.T) {
	dir := filepath.Join(sharedFolder(t), "chatroom")
	key, err := Load(dir)
	if err != nil || !key.Created {
		t.Fatalf("load: %+v, %v", key, err)
	}
	for _, path := range []string{dir, key.Path} {
		if e, err := privfile.Check(path); e != nil || err != nil {
			t.Errorf("%s: readable by %+v (%v)", path, e, err)
		}
	}
	again, err := Load(dir)
	if err != nil || len(again.Warnings) != 0 {
		t.Fatalf("second load: %+v, %v", again, err)
	}
}

// A key others can read (one made by an older chatroom, or copied in) is
// reported with the icacls command that fixes it.
func TestWarnsAboutAKeyOthersCanRead(t *testing.T) {
	dir := sharedFolder(t)
	first, err := Load(filepath.Join(t.TempDir(), "private"))
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(first.Path)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, FileName)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	key, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(key.Warnings) != 1 || !strings.Contains(key.Warnings[0], "host key "+path+" is readable by ") ||
		!strings.Contains(key.Warnings[0], `fix with: icacls "`+path+`" /inheritance:r /grant:r `) {
		t.Fatalf("warnings %q", key.Warnings)
	}
	t.Log(key.Warnings[0])
}
