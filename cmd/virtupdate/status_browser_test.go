package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/virtupdate/virtupdate/internal/browsertest"
)

// The status page of a live update runs in a real browser: its script
// finishes without errors, the VM count it shows is the cluster's, every
// row is visible with no filter, and a screenshot is kept.
func TestStatusPageInBrowser(t *testing.T) {
	bin := browsertest.Chromium(t)
	c := newStatusFake(t, watchScenario)
	startUpdate(t, c)
	if err := c.Advance(65 * time.Minute); err != nil { // the workers roll
		t.Fatal(err)
	}
	watchOnFake(t, c)
	dir := browsertest.Artifacts(t, "status")
	file := filepath.Join(dir, "status.html")
	if _, _, err := run(t, "", "status", "--html", file); err != nil && exitCode(err) != exitBlocked {
		t.Fatal(err)
	}
	url := "file://" + filepath.ToSlash(file)
	dom := string(browsertest.Headless(t, bin, url, "--dump-dom"))
	body := regexp.MustCompile(`<body[^>]*>`).FindString(dom)
	if strings.Contains(body, "data-error") || !strings.Contains(body, `data-ok="1"`) {
		t.Fatalf("the page's script did not run cleanly: %s", body)
	}
	if m := regexp.MustCompile(`data-count="vms">([^<]*)<`).FindStringSubmatch(dom); m == nil || m[1] != "4" {
		t.Errorf("the page shows %v VMs, the cluster has 4", m)
	}
	rows := regexp.MustCompile(`<tr data-ns="[^"]*" data-outcome="[^"]*" data-moves="\d+"( hidden(?:="")?)?>`).FindAllStringSubmatch(dom, -1)
	visible := 0
	for _, r := range rows {
		if r[1] == "" {
			visible++
		}
	}
	if len(rows) != 4 || visible != 4 {
		t.Errorf("%d rows, %d visible; want the 4 VMIs, all visible", len(rows), visible)
	}
	png := filepath.Join(dir, "status.png")
	browsertest.Headless(t, bin, url, "--screenshot="+png, "--window-size=1400,1000", "--hide-scrollbars")
	data, err := os.ReadFile(png)
	if err != nil || !bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")) {
		t.Fatalf("no screenshot at %s: %v", png, err)
	}
	t.Logf("screenshot: %s (%d bytes)", png, len(data))
}
