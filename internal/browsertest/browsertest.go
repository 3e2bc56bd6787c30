// Package browsertest runs a written page in headless Chromium for tests:
// finding the browser (failing under CI=true when it is missing, skipping
// elsewhere), running it offline with a fresh profile, and keeping what a
// person may want to look at.
package browsertest

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Chromium finds a Chromium to run the page in: VIRTUPDATE_CHROMIUM when
// set (any Chromium or Chrome binary), else /usr/bin/chromium or chromium
// on PATH. Under CI (CI=true) a missing browser fails the test; elsewhere
// it skips, saying how to get one.
func Chromium(t *testing.T) string {
	t.Helper()
	names := []string{"/usr/bin/chromium", "chromium", "chromium-browser"}
	if env := os.Getenv("VIRTUPDATE_CHROMIUM"); env != "" {
		names = []string{env}
	}
	for _, name := range names {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	how := "no chromium found (tried " + strings.Join(names, ", ") + "); install it with `apt-get install -y --no-install-recommends chromium` (Debian), or set VIRTUPDATE_CHROMIUM to a Chromium binary, to run the page in a headless browser"
	if os.Getenv("CI") == "true" {
		t.Fatal(how)
	}
	t.Skip(how)
	return ""
}

// Artifacts is the folder sub of VIRTUPDATE_ARTIFACTS, where a test keeps
// what a person may want to look at; a temporary folder when it is unset.
func Artifacts(t *testing.T, sub string) string {
	t.Helper()
	dir := os.Getenv("VIRTUPDATE_ARTIFACTS")
	if dir == "" {
		return t.TempDir()
	}
	dir = filepath.Join(dir, sub)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// Headless runs Chromium on url with a fresh profile and no network use,
// and returns its standard output (the DOM with --dump-dom).
func Headless(t *testing.T, bin, url string, extra ...string) []byte {
	t.Helper()
	args := []string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-dev-shm-usage", "--host-resolver-rules=MAP * ~NOTFOUND",
		"--user-data-dir=" + t.TempDir(), "--virtual-time-budget=2000",
	}
	args = append(append(args, extra...), url)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s", bin, strings.Join(args, " "), err, stderr.String())
	}
	return stdout.Bytes()
}
