package batch

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/kdump-bsd/kdump/report"
)

// Options tune Run.
type Options struct {
	// Jobs is how many cores are analyzed at once; ≤ 0 means runtime.NumCPU().
	Jobs int
	// Hash computes core.sha256 (report.Options.SHA256).
	Hash bool
	// Layout and Debug are report.Options' (--layout, --debug), for every core.
	Layout, Debug string
	// TempDir is where compressed kernels are expanded ("": os.TempDir()).
	TempDir string
	// Done, when set, is called after each record is written, one call at a
	// time, in the order of the lines.
	Done func(Result)
}

// Result is one written record.
type Result struct {
	Job     Job
	Outcome Outcome
	Group   string // the --group-by panic key; GroupError for error records
	Err     error  // why the core failed (Outcome Failed)
}

// Summary counts the records of a batch.
type Summary struct {
	Cores    int // records: written by Run, plus Resumed
	OK       int // without warnings
	Warnings int // with warnings
	Failed   int // error records
	Resumed  int // records an earlier run wrote (counted above too)
	NotDone  int // cores left out because the batch was interrupted
	Elapsed  time.Duration
}

// String is the one-line summary, e.g. "batch: 20 cores, 18 ok, 1 with
// warnings, 1 failed, 3.1 s".
func (s Summary) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "batch: %d cores", s.Cores)
	if s.Resumed > 0 {
		fmt.Fprintf(&b, " (%d from the earlier run)", s.Resumed)
	}
	fmt.Fprintf(&b, ", %d ok, %d with warnings, %d failed", s.OK, s.Warnings, s.Failed)
	if s.NotDone > 0 {
		fmt.Fprintf(&b, ", %d not done (interrupted: run again with --resume)", s.NotDone)
	}
	fmt.Fprintf(&b, ", %.1f s", s.Elapsed.Seconds())
	return b.String()
}

// Add counts one outcome.
func (s *Summary) Add(o Outcome) {
	s.Cores++
	switch o {
	case OK:
		s.OK++
	case Warnings:
		s.Warnings++
	case Failed:
		s.Failed++
	}
}

// ErrorRecord is the line written for a core that cannot be read at all: the
// schema, core.path, kernel.path (null when no kernel was found) and the
// error. Its "error" member is what tells it from a report
// (jq 'select(.error)').
type ErrorRecord struct {
	Schema string `json:"schema"`
	Core   struct {
		Path string `json:"path"`
	} `json:"core"`
	Kernel struct {
		Path *string `json:"path"`
	} `json:"kernel"`
	Error string `json:"error"`
}

// NewErrorRecord returns the error record of job j failed with err.
func NewErrorRecord(j Job, err error) *ErrorRecord {
	r := &ErrorRecord{Schema: report.Schema, Error: err.Error()}
	r.Core.Path = j.Core
	if j.Kernel != "" {
		k := j.Kernel
		r.Kernel.Path = &k
	}
	return r
}

// finished is a record waiting for the writer.
type finished struct {
	res  Result
	line *spool
}

// Run analyzes the jobs, opt.Jobs at a time, and writes one JSON line per job
// to w, each as its core finishes, flushed at once; lines never interleave
// (one goroutine writes). A core that cannot be read gets an ErrorRecord and
// the batch goes on. When ctx is done no further core is started; those
// being analyzed are finished and written. The error is a write error of w,
// which stops the batch.
func Run(ctx context.Context, jobs []Job, w io.Writer, opt Options) (Summary, error) {
	start := time.Now()
	n := opt.Jobs
	if n <= 0 {
		n = runtime.NumCPU()
	}
	n = max(1, min(n, len(jobs)))
	ks := newKernels(jobs, opt.TempDir)
	defer ks.close()

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	todo := make(chan Job)
	out := make(chan finished, n)
	go func() {
		defer close(todo)
		for _, j := range jobs {
			select {
			case todo <- j:
			case <-ctx.Done():
				return
			}
		}
	}()
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			for j := range todo {
				out <- analyze(j, ks, opt)
			}
		})
	}
	go func() { wg.Wait(); close(out) }()

	var sum Summary
	var werr error
	bw := bufio.NewWriterSize(w, 256<<10)
	for f := range out {
		if werr == nil {
			werr = f.line.writeTo(bw)
			if werr == nil {
				werr = bw.Flush()
			}
			if werr != nil {
				werr = fmt.Errorf("writing the record of %s: %w", f.res.Job.Core, werr)
				cancel() // no point analyzing what cannot be written
			} else {
				sum.Add(f.res.Outcome)
				if opt.Done != nil {
					opt.Done(f.res)
				}
			}
		}
		f.line.close()
	}
	sum.Elapsed = time.Since(start)
	sum.NotDone = len(jobs) - sum.Cores
	return sum, werr
}

// analyze reads one core and returns its record, ready to write.
func analyze(j Job, ks *kernels, opt Options) finished {
	defer ks.done(j.Kernel)
	res := Result{Job: j}
	line := newSpool(opt.TempDir)
	fail := func(err error) finished {
		res.Outcome, res.Group, res.Err = Failed, GroupError, err
		line.reset()
		b, _ := json.Marshal(NewErrorRecord(j, err)) // cannot fail: strings only
		line.Write(append(b, '\n'))
		return finished{res, line}
	}
	if j.Err != nil {
		return fail(j.Err)
	}
	kernel, err := ks.get(j.Kernel)
	if err != nil {
		return fail(err)
	}
	a, err := report.Analyze(j.Core, kernel, report.Options{SHA256: opt.Hash, Layout: opt.Layout, Debug: opt.Debug})
	if err != nil {
		return fail(renamed(err, kernel, j.Kernel))
	}
	defer a.Close()
	rep := a.Report()
	if kernel != j.Kernel { // an expansion: name the file the user has
		rep.Kernel.Path = j.Kernel
		for i := range rep.Warnings {
			rep.Warnings[i].Message = strings.ReplaceAll(rep.Warnings[i].Message, kernel, j.Kernel)
		}
	}
	if j.Info != "" && rep.Core.DumpHeader == nil {
		h, err := readInfo(j.Info)
		if err != nil {
			rep.Warnings = append(rep.Warnings, report.Warning{Kind: report.WarnFormat, Message: err.Error()})
		} else {
			rep.Core.DumpHeader = h
		}
	}
	if err := a.Encode(line, rep, report.EncodeOptions{Compact: true}); err != nil {
		return fail(fmt.Errorf("%s: %w", j.Core, err))
	}
	if err := line.err; err != nil {
		return fail(fmt.Errorf("%s: spooling the record: %w", j.Core, err))
	}
	res.Outcome, res.Group = OK, GroupKey(rep)
	if len(rep.Warnings) > 0 {
		res.Outcome = Warnings
	}
	return finished{res, line}
}

// renamed replaces the path of an expanded kernel in err's message by the
// compressed file's.
func renamed(err error, plain, orig string) error {
	if plain == orig {
		return err
	}
	return fmt.Errorf("%s", strings.ReplaceAll(err.Error(), plain, orig))
}
