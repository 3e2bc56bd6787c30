package snapshot

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ulikunitz/xz"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/virtupdate/virtupdate/scenario"
)

// Options configure the readers of files.
type Options struct {
	// Limits caps the objects read, as scenario.Limits caps a scenario
	// file (scenario.DefaultLimits() for zero fields): more than MaxVMIs
	// VMIs or MaxNodes nodes is refused as soon as one too many is found.
	Limits scenario.Limits
	// MaxFileBytes caps one file (default 1 GiB); a larger one is refused
	// before it is read. MaxTotalBytes caps what is read in all (default
	// 16 GiB), so an archive that unpacks without end is refused.
	MaxFileBytes, MaxTotalBytes int64
	// Workers is how many files are decoded at once (default GOMAXPROCS).
	Workers int
	// Now is when a live cluster is read (default time.Now); it becomes
	// Source.CollectedAt.
	Now func() time.Time
}

func (o Options) withDefaults() Options {
	o.Limits = o.Limits.WithDefaults()
	if o.MaxFileBytes <= 0 {
		o.MaxFileBytes = 1 << 30
	}
	if o.MaxTotalBytes <= 0 {
		o.MaxTotalBytes = 16 << 30
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// job is one file to decode: data, or (when file is set) the file to
// read first.
type job struct {
	seq     int
	path    string
	data    []byte
	file    string
	lenient bool
}

// seqError is an error and the position of its file in the input, so that
// of several errors the first file's is reported, whatever order the
// workers finish in.
type seqError struct {
	seq int
	err error
}

// decodeAll decodes the files produce emits on opts.Workers goroutines
// and merges what they find. produce stops at the first error emit
// returns (a worker failed); the error reported is the one of the
// earliest file.
func decodeAll(opts Options, produce func(emit func(job) error) error) (*collector, error) {
	jobs := make(chan job, opts.Workers)
	var (
		mu     sync.Mutex
		errs   []seqError
		failed = make(chan struct{})
		once   sync.Once
	)
	fail := func(seq int, err error) {
		mu.Lock()
		errs = append(errs, seqError{seq, err})
		mu.Unlock()
		once.Do(func() { close(failed) })
	}
	cols := make([]*collector, opts.Workers)
	var wg sync.WaitGroup
	var total atomic.Int64
	for w := range cols {
		c := newCollector(opts.Limits)
		cols[w] = c
		wg.Go(func() {
			for j := range jobs {
				if j.file != "" {
					data, err := readLimited(j.file, opts, &total)
					if err != nil {
						fail(j.seq, &FileError{Path: j.path, Err: err})
						continue
					}
					j.data = data
				}
				if err := c.decodeFile(j.path, j.data, j.lenient); err != nil {
					fail(j.seq, &FileError{Path: j.path, Err: err})
				}
			}
		})
	}
	perr := produce(func(j job) error {
		select {
		case jobs <- j:
			return nil
		case <-failed:
			return errStop
		}
	})
	close(jobs)
	wg.Wait()
	if perr != nil && !errors.Is(perr, errStop) {
		fail(int(^uint(0)>>1), perr) // the producer's error comes after every file it emitted
	}
	if len(errs) > 0 {
		return nil, slices.MinFunc(errs, func(a, b seqError) int { return a.seq - b.seq }).err
	}
	all := newCollector(opts.Limits)
	for _, c := range cols {
		if err := all.merge(c); err != nil {
			return nil, err
		}
	}
	return all, nil
}

var errStop = errors.New("stopped after an error")

// readLimited reads a file, refusing one over MaxFileBytes before reading
// it, and counting it against MaxTotalBytes.
func readLimited(name string, opts Options, total *atomic.Int64) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	size := st.Size()
	if size > opts.MaxFileBytes {
		return nil, tooLarge(size, opts.MaxFileBytes)
	}
	if total.Add(size) > opts.MaxTotalBytes {
		return nil, fmt.Errorf("%w: %w: more than %d bytes in all (Options.MaxTotalBytes)", scenario.ErrInvalid, scenario.ErrTooLarge, opts.MaxTotalBytes)
	}
	data := make([]byte, size)
	if _, err := io.ReadFull(f, data); err != nil {
		return nil, err
	}
	return data, nil
}

// fileKind says how a file is read by its name: decoded strictly (.yaml,
// .yml, .json), leniently (no extension: kubevirt/must-gather's
// subscriptions and installplans files, but also text), or not at all.
func fileKind(name string) (decode, lenient bool) {
	base := path.Base(name)
	switch strings.ToLower(path.Ext(base)) {
	case ".yaml", ".yml", ".json":
		return true, false
	case "":
		if base == "timestamp" || base == "version" || strings.HasPrefix(base, ".") {
			return false, false
		}
		return true, true
	}
	return false, false
}

// meta is what a must-gather says about itself beside its objects.
type meta struct {
	timestamps []stamp  // the timestamp files
	gatherers  []string // the version files of the images
	kubevirtMG bool     // a folder was written by kubevirt/must-gather
}

type stamp struct {
	depth int
	t     time.Time
}

// note reads the must-gather's own files: timestamp and version.
func (m *meta) note(name string, data []byte) {
	parts := strings.Split(strings.Trim(name, "/"), "/")
	if slices.Contains(parts, "crs") && slices.Contains(parts, "namespaces") {
		m.kubevirtMG = true // collection-scripts/gather_crs writes namespaces/<ns>/crs/<plural.group>/
	}
	switch path.Base(name) {
	case "timestamp":
		if t, ok := parseTimestamp(data); ok {
			m.timestamps = append(m.timestamps, stamp{len(parts), t})
		}
	case "version":
		if len(data) > 512 {
			return
		}
		lines := strings.Fields(strings.ReplaceAll(string(data), "\n", " "))
		if len(lines) == 0 || len(lines) > 4 || !strings.Contains(lines[0], "must-gather") {
			return
		}
		g := strings.Join(lines, " ")
		if !slices.Contains(m.gatherers, g) {
			m.gatherers = append(m.gatherers, g)
		}
		if strings.HasPrefix(lines[0], "kubevirt/must-gather") {
			m.kubevirtMG = true
		}
	}
}

// parseTimestamp reads the first line of a must-gather's timestamp file,
// Go's time.Time.String() ("2021-09-14 16:43:44.051395446 +0200 CEST
// m=+1.404430641"), as `oc adm must-gather` writes it
// (pkg/cli/admin/mustgather).
func parseTimestamp(data []byte) (time.Time, bool) {
	line, _, _ := bytes.Cut(data, []byte("\n"))
	s := string(bytes.TrimSpace(line))
	if i := strings.Index(s, " m="); i >= 0 {
		s = s[:i]
	}
	t, err := time.Parse("2006-01-02 15:04:05.999999999 -0700 MST", s)
	if err != nil {
		return time.Time{}, false
	}
	return t.UTC().Truncate(time.Second), true // the object form keeps seconds, as metav1.Time does
}

// collectedAt is the time of the shallowest timestamp file (the
// must-gather's own, before the images'), the earliest of equals.
func (m *meta) collectedAt() *metav1.Time {
	if len(m.timestamps) == 0 {
		return nil
	}
	best := slices.MinFunc(m.timestamps, func(a, b stamp) int {
		if a.depth != b.depth {
			return a.depth - b.depth
		}
		return a.t.Compare(b.t)
	})
	t := metav1.NewTime(best.t)
	return &t
}

// collectedParts are the parts a must-gather's images gather whether or
// not the cluster has any: a part they gather and none was found means
// the cluster had none, not that the source lacked it.
func (m *meta) collectedParts() map[string]bool {
	out := map[string]bool{}
	if m.kubevirtMG {
		// kubevirt/must-gather collection-scripts: gather_crs (every
		// kubevirt.io CR: VMIs, migrations, KubeVirt, HyperConverged),
		// gather_virtualmachines (VMs), gather_resources (nodes),
		// gather_hco (the HCO namespace's Subscriptions and InstallPlans).
		for _, p := range []string{scenario.PartHyperConverged, scenario.PartKubeVirt, scenario.PartVMIs, scenario.PartMigrations,
			scenario.PartVirtualMachines, scenario.PartNodes, scenario.PartSubscriptions, scenario.PartInstallPlans} {
			out[p] = true
		}
	}
	return out
}

// ReadMustGather reads a must-gather: a directory (the must-gather.local.*
// folder, its parent, or one image's folder) or an archive of one (.tar,
// .tar.gz/.tgz, .tar.xz, .tar.bz2, told by their content). Every file that
// can hold an object the model reads is decoded, in both layouts: `oc adm
// inspect`'s (per-object files and List files, the default must-gather
// image) and kubevirt/must-gather's (namespaces/<ns>/crs/<plural.group>/,
// VMs under kubevirt.io/virtualmachines/{custom,template-based}/, and
// files without an extension of objects joined by lines of dashes).
// Several images' folders are read alike. An object found in several files
// is kept once (the newer copy); CSVs OLM copied into watched namespaces
// are left out; objects of other kinds are counted in Source.Skipped. What
// the images cannot have gathered is Missing.
//
// A file that is not valid YAML or JSON (but for files without an
// extension, which must-gathers fill with text), an object that does not
// decode as its kind, and a truncated archive are errors naming the file
// (*FileError, with the path inside the archive).
func ReadMustGather(name string, opts Options) (*scenario.Objects, error) {
	return read(name, scenario.SourceMustGather, opts)
}

// ReadDump reads the output of `oc get … -o yaml` or `-o json`: one file
// (a List, objects separated by ---, or one object) or a directory of such
// files, of any mix of kinds. What it does not hold is Missing.
func ReadDump(name string, opts Options) (*scenario.Objects, error) {
	return read(name, scenario.SourceDump, opts)
}

// ReadDumpFrom reads `oc get` output from r (standard input, say); name
// names it in errors and in Source.Name.
func ReadDumpFrom(r io.Reader, name string, opts Options) (*scenario.Objects, error) {
	opts = opts.withDefaults()
	data, err := io.ReadAll(io.LimitReader(r, opts.MaxFileBytes+1))
	if err != nil {
		return nil, &FileError{Path: name, Err: err}
	}
	if int64(len(data)) > opts.MaxFileBytes {
		return nil, &FileError{Path: name, Err: tooLarge(int64(len(data)), opts.MaxFileBytes)}
	}
	c, err := decodeAll(opts, func(emit func(job) error) error {
		return emit(job{path: name, data: data})
	})
	if err != nil {
		return nil, err
	}
	if err := checkFound(name, scenario.SourceDump, c); err != nil {
		return nil, err
	}
	o := c.objects(scenario.Source{Kind: scenario.SourceDump, Name: name}, nil)
	if err := opts.Limits.Validate(o); err != nil {
		return nil, fmt.Errorf("%s: what was read is not a valid scenario: %w", name, err)
	}
	return o, nil
}

func tooLarge(size, limit int64) error {
	return fmt.Errorf("%w: %w: %d bytes, more than the limit of %d (Options.MaxFileBytes)", scenario.ErrInvalid, scenario.ErrTooLarge, size, limit)
}

func read(name, kind string, opts Options) (*scenario.Objects, error) {
	opts = opts.withDefaults()
	st, err := os.Stat(name)
	if err != nil {
		return nil, err
	}
	var m meta
	var c *collector
	if st.IsDir() {
		c, err = decodeAll(opts, func(emit func(job) error) error { return walkDir(name, kind, &m, emit) })
	} else {
		c, err = readFile(name, kind, opts, &m)
	}
	if err != nil {
		return nil, err
	}
	if err := checkFound(name, kind, c); err != nil {
		return nil, err
	}
	src := scenario.Source{Kind: kind, Name: filepath.Base(filepath.Clean(name))}
	var collected map[string]bool
	if kind == scenario.SourceMustGather {
		src.CollectedAt, src.Gatherers = m.collectedAt(), m.gatherers
		collected = m.collectedParts()
	}
	o := c.objects(src, collected)
	if kind == scenario.SourceMustGather {
		// openshift/must-gather gathers OLM's objects of every namespace
		// (collection-scripts/gather_olm: oc adm inspect -A olm); a dump
		// may hold some namespaces' only, so it says nothing of the others.
		markWithoutCNV(o)
	}
	if err := opts.Limits.Validate(o); err != nil {
		return nil, fmt.Errorf("%s: what was read is not a valid scenario: %w", name, err)
	}
	return o, nil
}

// walkDir emits the files of a directory tree in lexical order; the
// workers read them.
func walkDir(root, kind string, m *meta, emit func(job) error) error {
	seq := 0
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		dec, lenient := fileKind(rel)
		if kind == scenario.SourceMustGather && (path.Base(rel) == "timestamp" || path.Base(rel) == "version") {
			if data, err := readSmall(p); err == nil {
				m.note(rel, data)
			}
		} else {
			m.note(rel, nil)
		}
		seq++
		if !dec {
			return emit(job{seq: seq, path: p, lenient: true}) // no data: counted as skipped
		}
		return emit(job{seq: seq, path: p, file: p, lenient: lenient})
	})
}

func readSmall(p string) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, 4096))
}

// readFile reads one file: an archive, or (a dump) one YAML or JSON file.
func readFile(name, kind string, opts Options, m *meta) (*collector, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 1<<16)
	r, isArchive, err := unpack(br)
	if err != nil {
		return nil, &FileError{Path: name, Err: err}
	}
	if !isArchive {
		if kind == scenario.SourceMustGather {
			return nil, &FileError{Path: name, Err: fmt.Errorf("%w: not a directory or an archive (.tar, .tar.gz, .tar.xz, .tar.bz2)", ErrMalformed)}
		}
		st, err := f.Stat()
		if err == nil && st.Size() > opts.MaxFileBytes {
			return nil, &FileError{Path: name, Err: tooLarge(st.Size(), opts.MaxFileBytes)}
		}
		data, err := io.ReadAll(br)
		if err != nil {
			return nil, &FileError{Path: name, Err: err}
		}
		return decodeAll(opts, func(emit func(job) error) error { return emit(job{path: name, data: data}) })
	}
	c, err := decodeAll(opts, func(emit func(job) error) error { return walkTar(r, kind, opts, m, emit) })
	if err != nil {
		var fe *FileError
		if errors.As(err, &fe) && fe.Archive == "" {
			fe.Archive = name
		} else if !errors.As(err, &fe) {
			err = &FileError{Path: name, Err: err}
		}
		return nil, err
	}
	return c, nil
}

// The magic numbers of the archives read.
var (
	magicGzip  = []byte{0x1f, 0x8b}
	magicXZ    = []byte{0xfd, '7', 'z', 'X', 'Z', 0x00}
	magicBzip2 = []byte("BZh")
)

// unpack returns a reader of the tar stream inside br, by br's first
// bytes, and whether it is an archive at all.
func unpack(br *bufio.Reader) (io.Reader, bool, error) {
	head, _ := br.Peek(512)
	switch {
	case bytes.HasPrefix(head, magicGzip):
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, true, fmt.Errorf("%w: gzip: %v", ErrMalformed, err)
		}
		return zr, true, nil
	case bytes.HasPrefix(head, magicXZ):
		xr, err := xz.NewReader(br)
		if err != nil {
			return nil, true, fmt.Errorf("%w: xz: %v", ErrMalformed, err)
		}
		return xr, true, nil
	case bytes.HasPrefix(head, magicBzip2):
		return bzip2.NewReader(br), true, nil
	case len(head) >= 262 && bytes.Equal(head[257:262], []byte("ustar")):
		return br, true, nil
	}
	return br, false, nil
}

// walkTar emits the regular files of a tar stream in archive order.
func walkTar(r io.Reader, kind string, opts Options, m *meta, emit func(job) error) error {
	tr := tar.NewReader(r)
	var total int64
	seq := 0
	last := ""
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			where := "(its first file)"
			if last != "" {
				where = "after " + last
			}
			return &FileError{Path: where, Err: truncated(err)}
		}
		if hdr.Typeflag != tar.TypeReg {
			continue
		}
		name := strings.TrimPrefix(path.Clean(hdr.Name), "./")
		last = name
		dec, lenient := fileKind(name)
		if kind == scenario.SourceMustGather && (path.Base(name) == "timestamp" || path.Base(name) == "version") {
			data, err := io.ReadAll(io.LimitReader(tr, 4096))
			if err != nil {
				return &FileError{Path: name, Err: truncated(err)}
			}
			m.note(name, data)
		} else {
			m.note(name, nil)
		}
		seq++
		if !dec {
			if err := emit(job{seq: seq, path: name, lenient: true}); err != nil {
				return err
			}
			continue
		}
		if hdr.Size > opts.MaxFileBytes {
			return &FileError{Path: name, Err: tooLarge(hdr.Size, opts.MaxFileBytes)}
		}
		if total += hdr.Size; total > opts.MaxTotalBytes {
			return &FileError{Path: name, Err: fmt.Errorf("%w: %w: more than %d bytes in all (Options.MaxTotalBytes)", scenario.ErrInvalid, scenario.ErrTooLarge, opts.MaxTotalBytes)}
		}
		data := make([]byte, hdr.Size)
		if _, err := io.ReadFull(tr, data); err != nil {
			return &FileError{Path: name, Err: truncated(err)}
		}
		if err := emit(job{seq: seq, path: name, data: data, lenient: lenient}); err != nil {
			return err
		}
	}
}

// truncated names an archive that ends early.
func truncated(err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return fmt.Errorf("%w: the archive is truncated (%v): copy it again", ErrMalformed, err)
	}
	return fmt.Errorf("%w: %v", ErrMalformed, err)
}
