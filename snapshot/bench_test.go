package snapshot

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// BenchmarkReadMustGather reads a generated must-gather in
// kubevirt/must-gather's layout (with the default image's folder): n VMIs,
// n VMs, n/5 migrations, one file each, on 20 worker nodes, in 50
// namespaces.
//
//	go test ./snapshot -run XXX -bench ReadMustGather -benchmem
func BenchmarkReadMustGather(b *testing.B) {
	root := b.TempDir()
	for _, n := range []int{1_000, 10_000} {
		dir := filepath.Join(root, fmt.Sprint(n))
		writeCNVMustGather(b, dir, genOpts{VMIs: n, Workers: 20, Namespaces: 50, DefaultImage: true})
		b.Run(fmt.Sprintf("%dk", n/1000), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				o, err := ReadMustGather(dir, Options{})
				if err != nil {
					b.Fatal(err)
				}
				if len(o.VMIs) != n {
					b.Fatalf("%d VMIs, want %d", len(o.VMIs), n)
				}
			}
		})
	}
}

// BenchmarkReadMustGatherBaseline is the plain reader the one above is
// measured against, in the same run: every .yaml file read and each of its
// documents decoded with sigs.k8s.io/yaml into a map, one file after the
// other, keeping nothing.
func BenchmarkReadMustGatherBaseline(b *testing.B) {
	root := b.TempDir()
	for _, n := range []int{1_000, 10_000} {
		dir := filepath.Join(root, fmt.Sprint(n))
		writeCNVMustGather(b, dir, genOpts{VMIs: n, Workers: 20, Namespaces: 50, DefaultImage: true})
		b.Run(fmt.Sprintf("%dk", n/1000), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				objects := 0
				err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
					if err != nil || d.IsDir() || filepath.Ext(p) != ".yaml" {
						return err
					}
					data, err := os.ReadFile(p)
					if err != nil {
						return err
					}
					for _, doc := range strings.Split(string(data), "\n---\n") {
						var m map[string]any
						if err := yaml.Unmarshal([]byte(doc), &m); err != nil {
							return fmt.Errorf("%s: %w", p, err)
						}
						objects++
					}
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
				if objects < n {
					b.Fatalf("%d objects", objects)
				}
			}
		})
	}
}
