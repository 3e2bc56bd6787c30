package report_test

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/virtupdate/virtupdate/internal/browsertest"
	"github.com/virtupdate/virtupdate/report"
)

func chromium(t *testing.T) string { return browsertest.Chromium(t) }

func artifacts(t *testing.T) string { return browsertest.Artifacts(t, "report") }

func headless(t *testing.T, bin, url string, extra ...string) []byte {
	return browsertest.Headless(t, bin, url, extra...)
}

var (
	bodyTag   = regexp.MustCompile(`<body[^>]*>`)
	rowTag    = regexp.MustCompile(`<tr data-ns="[^"]*" data-outcome="([^"]*)" data-moves="(\d+)"( hidden(?:="")?)?>`)
	countSpan = regexp.MustCompile(`data-count="([^"]+)">([^<]*)<`)
	shownSpan = regexp.MustCompile(`<span class="shown" data-shown="(\d+)">([^<]*)<`)
)

type dom struct {
	body    string
	counts  map[string]string
	visible map[report.Outcome]int
	rows    int
	shown   string
	text    string
}

func parseDOM(t *testing.T, out []byte) dom {
	t.Helper()
	s := string(out)
	d := dom{counts: map[string]string{}, visible: map[report.Outcome]int{}}
	d.body = bodyTag.FindString(s)
	if d.body == "" {
		t.Fatalf("the dumped DOM has no body:\n%s", s)
	}
	for _, m := range countSpan.FindAllStringSubmatch(s, -1) {
		d.counts[m[1]] = m[2]
	}
	for _, m := range rowTag.FindAllStringSubmatch(s, -1) {
		d.rows++
		if m[3] == "" {
			d.visible[report.Outcome(m[1])]++
		}
	}
	if m := shownSpan.FindStringSubmatch(s); m != nil {
		d.shown, d.text = m[1], m[2]
	}
	return d
}

func TestInBrowser(t *testing.T) {
	bin := chromium(t)
	dir := artifacts(t)
	p := smallPage()
	file := filepath.Join(dir, "report.html")
	var buf bytes.Buffer
	if err := report.Write(&buf, p); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("page: %s", file)
	url := "file://" + filepath.ToSlash(file)
	want := map[report.Outcome]int{}
	for _, v := range p.VMs {
		want[v.Outcome]++
	}

	t.Run("script runs without errors and the counts match the input", func(t *testing.T) {
		d := parseDOM(t, headless(t, bin, url, "--dump-dom"))
		if strings.Contains(d.body, "data-error") {
			t.Fatalf("a script failed: %s", d.body)
		}
		if !strings.Contains(d.body, `data-ok="1"`) {
			t.Fatalf("the page's script did not finish (blocked by the page's CSP, or failed): %s", d.body)
		}
		if got := d.counts["vms"]; got != strconv.Itoa(len(p.VMs)) {
			t.Errorf("header shows %s VMs, the input has %d", got, len(p.VMs))
		}
		for _, o := range report.Outcomes() {
			if got := d.counts[string(o)]; got != strconv.Itoa(want[o]) {
				t.Errorf("header shows %s %s, the input has %d", got, o, want[o])
			}
			if d.visible[o] != want[o] {
				t.Errorf("%d %s rows are visible with no filter, the input has %d", d.visible[o], o, want[o])
			}
		}
		if d.rows != len(p.VMs) {
			t.Errorf("the table has %d rows, the input %d VMs", d.rows, len(p.VMs))
		}
		if d.shown != strconv.Itoa(len(p.VMs)) {
			t.Errorf("the filter bar says %q (%s shown), want all %d", d.text, d.shown, len(p.VMs))
		}
	})

	for _, tt := range []struct {
		reason, fragment string
		match            func(report.VMRow) bool
	}{
		{"the issue's example: only the shut-down VMs", "#outcome=ShutDown", func(v report.VMRow) bool { return v.Outcome == report.ShutDown }},
		{"a namespace and an outcome together", "#namespace=prod&outcome=Migrated", func(v report.VMRow) bool { return v.Namespace == "prod" && v.Outcome == report.Migrated }},
		{"moves=2+ means two moves or more", "#moves=2+", func(v report.VMRow) bool { return v.Moves >= 2 }},
		{"moves=1 means exactly one", "#moves=1", func(v report.VMRow) bool { return v.Moves == 1 }},
		{"a value no row has shows no row", "#outcome=Nothing", func(report.VMRow) bool { return false }},
		{"an unknown key filters nothing", "#colour=blue", func(report.VMRow) bool { return true }},
	} {
		t.Run("fragment "+tt.fragment, func(t *testing.T) {
			d := parseDOM(t, headless(t, bin, url+tt.fragment, "--dump-dom"))
			if !strings.Contains(d.body, `data-ok="1"`) || strings.Contains(d.body, "data-error") {
				t.Fatalf("%s: the script did not run cleanly: %s", tt.reason, d.body)
			}
			wantVisible := map[report.Outcome]int{}
			n := 0
			for _, v := range p.VMs {
				if tt.match(v) {
					wantVisible[v.Outcome]++
					n++
				}
			}
			for _, o := range report.Outcomes() {
				if d.visible[o] != wantVisible[o] {
					t.Errorf("%s: %d %s rows visible, want %d", tt.reason, d.visible[o], o, wantVisible[o])
				}
			}
			if d.rows != len(p.VMs) {
				t.Errorf("%s: filtering must hide rows, not remove them: %d rows, want %d", tt.reason, d.rows, len(p.VMs))
			}
			if d.shown != strconv.Itoa(n) {
				t.Errorf("%s: the filter bar says %q (%s shown), want %d", tt.reason, d.text, d.shown, n)
			}
		})
	}

	t.Run("screenshot", func(t *testing.T) {
		png := filepath.Join(dir, "report.png")
		headless(t, bin, url, "--screenshot="+png, "--window-size=1400,1000", "--hide-scrollbars")
		data, err := os.ReadFile(png)
		if err != nil {
			t.Fatalf("no screenshot: %v", err)
		}
		if !bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")) {
			t.Fatalf("%s is not a PNG", png)
		}
		t.Logf("screenshot: %s (%d bytes)", png, len(data))
	})
}
