package report_test

import (
	"fmt"
	"io"
	"testing"

	"github.com/virtupdate/virtupdate/report"
)

// countingWriter counts the bytes of the page.
type countingWriter struct{ n int64 }

func (c *countingWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// BenchmarkWrite renders pages of 1,000 VMs on 50 nodes and 10,000 VMs on
// 500 nodes: go test ./report -run '^$' -bench Write -benchmem
func BenchmarkWrite(b *testing.B) {
	for _, size := range []struct{ vms, nodes int }{{1000, 50}, {10000, 500}} {
		p := bigPage(size.vms, size.nodes)
		b.Run(fmt.Sprintf("vms=%d/nodes=%d", size.vms, size.nodes), func(b *testing.B) {
			var c countingWriter
			if err := report.Write(&c, p); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if err := report.Write(io.Discard, p); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(c.n), "page-bytes")
		})
	}
}
