package imapsync_test

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// dovecot is a real Dovecot (Debian's 2.3, dovecot-imapd) started for a test:
// unprivileged, on a free loopback port, with Maildirs in a temporary
// directory and a password file (MAIL-REFERENCE.md §3, option A). As root it
// runs as "nobody". scripts/ensure-deps.sh installs it for make test.
type dovecot struct {
	t    testing.TB
	dir  string
	conf string
	port int
	cmd  *exec.Cmd
	log  *bytes.Buffer
}

func startDovecot(t testing.TB, users map[string]string) *dovecot {
	t.Helper()
	bin, err := exec.LookPath("dovecot")
	if err != nil {
		if _, serr := os.Stat("/usr/sbin/dovecot"); serr != nil {
			t.Fatalf("dovecot is not installed: run scripts/ensure-deps.sh test (it installs dovecot-imapd)")
		}
		bin = "/usr/sbin/dovecot"
	}
	dir, err := os.MkdirTemp("", "dovecot-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	me, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	run := me
	if me.Uid == "0" {
		if run, err = user.Lookup("nobody"); err != nil {
			t.Fatal(err)
		}
	}
	group, err := user.LookupGroupId(run.Gid)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	var pw strings.Builder
	for u, p := range users {
		fmt.Fprintf(&pw, "%s:{PLAIN}%s::::::\n", u, p)
	}
	for _, d := range []string{"run", "state", "mail", "home"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "passwd"), []byte(pw.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	conf := fmt.Sprintf(`protocols = imap
listen = 127.0.0.1
base_dir = %[1]s/run
state_dir = %[1]s/state
log_path = %[1]s/dovecot.log
info_log_path = %[1]s/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = %[2]s
default_internal_group = %[3]s
default_login_user = %[2]s
mail_location = maildir:%[1]s/mail/%%u/Maildir
mail_uid = %[4]s
mail_gid = %[5]s
first_valid_uid = %[4]s
first_valid_gid = 0
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%%u %[1]s/passwd
}
userdb {
  driver = static
  args = uid=%[4]s gid=%[5]s home=%[1]s/home/%%u
}
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = %[6]d
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  chroot =
}
service stats {
  unix_listener stats-reader {
    user = %[2]s
  }
  unix_listener stats-writer {
    user = %[2]s
  }
}
`, dir, run.Username, group.Name, run.Uid, run.Gid, port)
	confPath := filepath.Join(dir, "dovecot.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	uid, _ := strconv.Atoi(run.Uid)
	gid, _ := strconv.Atoi(run.Gid)
	if me.Uid == "0" {
		filepath.Walk(dir, func(p string, _ os.FileInfo, err error) error {
			if err == nil {
				os.Lchown(p, uid, gid)
			}
			return nil
		})
	}
	d := &dovecot{t: t, dir: dir, conf: confPath, port: port, log: &bytes.Buffer{}}
	d.cmd = exec.Command(bin, "-F", "-c", confPath)
	d.cmd.Stdout, d.cmd.Stderr = d.log, d.log
	d.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if me.Uid == "0" {
		d.cmd.SysProcAttr.Credential = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.stop)
	// Wait for the listener (a start-up condition, not a timed assertion).
	for i := 0; ; i++ {
		c, err := net.Dial("tcp", d.addr())
		if err == nil {
			c.Close()
			break
		}
		if i > 200 {
			logText, _ := os.ReadFile(filepath.Join(dir, "dovecot.log"))
			t.Fatalf("dovecot did not listen on %s: %v\n%s\n%s", d.addr(), err, d.log, logText)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return d
}

func (d *dovecot) addr() string { return "127.0.0.1:" + strconv.Itoa(d.port) }

func (d *dovecot) stop() {
	if d.cmd != nil && d.cmd.Process != nil {
		// The whole process group this test started (dovecot and its children).
		syscall.Kill(-d.cmd.Process.Pid, syscall.SIGTERM)
		d.cmd.Wait()
		d.cmd = nil
	}
}

// client signs in as user, for the test to append and change mail.
func (d *dovecot) client(user, pass string) *imapclient.Client {
	d.t.Helper()
	c, err := imapclient.DialInsecure(d.addr(), nil)
	if err != nil {
		d.t.Fatal(err)
	}
	if err := c.Login(user, pass).Wait(); err != nil {
		d.t.Fatal(err)
	}
	d.t.Cleanup(func() { c.Close() })
	return c
}

// appendMsg delivers a raw message into a folder, with an internal date.
func appendMsg(t testing.TB, c *imapclient.Client, folder, raw string, when time.Time) {
	t.Helper()
	raw = strings.ReplaceAll(strings.ReplaceAll(raw, "\r\n", "\n"), "\n", "\r\n")
	cmd := c.Append(folder, int64(len(raw)), &imap.AppendOptions{Time: when})
	if _, err := cmd.Write([]byte(raw)); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
}
