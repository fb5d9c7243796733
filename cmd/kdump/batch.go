package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"syscall"

	"github.com/kdump-bsd/kdump/report/batch"
)

// batchFlags are the options of `kdump batch`.
type batchFlags struct {
	output  string
	kernel  string
	jobs    int
	resume  bool
	shard   string
	groupBy string
	noHash  bool
	lf      layoutFlags
}

// runBatch is `kdump batch`: one kdump/1 report per core, as JSON Lines (see
// package report/batch for pairing, records, resume and shards).
//
// Exit status: 0 every core was reported (with or without warnings: they are
// in the records and counted in the summary); 1 at least one core has an
// error record (with --resume, counting the records already in the file);
// 2 usage error, an output or resume file that cannot be used, or an
// interrupted batch.
func runBatch(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("batch", "[options] DIR|CORE|CORE:KERNEL...", stderr)
	var f batchFlags
	fs.StringVarP(&f.output, "output", "o", "", "write the JSON Lines to `FILE` (truncated, unless --resume) instead of stdout")
	fs.StringVarP(&f.kernel, "kernel", "N", "", "use `KERNEL` for every core instead of the kern.N beside it")
	fs.IntVarP(&f.jobs, "jobs", "j", runtime.NumCPU(), "analyze `N` cores at a time")
	fs.BoolVar(&f.resume, "resume", false, "skip the cores already in the -o file and append the rest (a torn last line is rewritten)")
	fs.StringVar(&f.shard, "shard", "", "take only part `K/N` of the cores (1 ≤ K ≤ N; stable hash of each core's path)")
	fs.StringVar(&f.groupBy, "group-by", "", "after the batch, print the cores grouped by `panic` message (on stdout with -o, else on stderr)")
	fs.BoolVar(&f.noHash, "no-hash", false, "do not compute the SHA-256 of each core")
	f.lf.register(fs)
	if st, ok := parse(fs, args); !ok {
		return st
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() { <-ctx.Done(); stop() }() // a second signal kills at once
	return batchMain(ctx, &f, fs.Args(), stdout, stderr)
}

func batchMain(ctx context.Context, f *batchFlags, args []string, stdout, stderr io.Writer) int {
	switch {
	case len(args) == 0:
		return failf(stderr, "batch", "need directories or cores to read (kdump batch --help)")
	case f.jobs < 1:
		return failf(stderr, "batch", "--jobs %d: need at least 1", f.jobs)
	case f.resume && f.output == "":
		return failf(stderr, "batch", "--resume needs -o FILE: it reads the records already there")
	case f.groupBy != "" && f.groupBy != "panic":
		return failf(stderr, "batch", "--group-by %q: only \"panic\" is known", f.groupBy)
	}
	var shard batch.Shard
	if f.shard != "" {
		var err error
		if shard, err = batch.ParseShard(f.shard); err != nil {
			return failf(stderr, "batch", "%v", err)
		}
	}
	all, err := batch.Expand(args, f.kernel)
	if err != nil {
		return failf(stderr, "batch", "%v", err)
	}
	var index *batch.Index
	if f.resume {
		if index, err = batch.Resume(f.output); err != nil {
			return failf(stderr, "batch", "--resume: %v", err)
		}
	}
	var jobs []batch.Job
	var bytes int64
	for _, j := range all {
		if shard.Has(j.Key) && !index.Has(j.Core) {
			jobs = append(jobs, j)
			bytes += j.Size
		}
	}

	out, groupOut := stdout, stderr
	if f.output != "" {
		flags := os.O_WRONLY | os.O_CREATE | os.O_TRUNC
		if f.resume {
			flags = os.O_WRONLY | os.O_CREATE | os.O_APPEND
		}
		file, err := os.OpenFile(f.output, flags, 0o644)
		if err != nil {
			return failf(stderr, "batch", "%v", err)
		}
		defer file.Close()
		out, groupOut = file, stdout
	}

	var sum batch.Summary
	var groups batch.Groups
	index.All(func(path string, e batch.Entry) bool {
		sum.Add(e.Outcome)
		sum.Resumed++
		if f.groupBy != "" {
			groups.Add(e.Group, path)
		}
		return true
	})
	bar := batch.NewProgress(stderr, len(jobs), bytes)
	run, err := batch.Run(ctx, jobs, out, batch.Options{
		Jobs: f.jobs, Hash: !f.noHash, Layout: f.lf.layout, Debug: f.lf.debug,
		Done: func(r batch.Result) {
			bar.Done(r.Job.Size)
			if f.groupBy != "" {
				groups.Add(r.Group, r.Job.Core)
			}
		},
	})
	bar.Finish()
	sum.Cores += run.Cores
	sum.OK += run.OK
	sum.Warnings += run.Warnings
	sum.Failed += run.Failed
	sum.NotDone, sum.Elapsed = run.NotDone, run.Elapsed
	if err != nil {
		return failf(stderr, "batch", "%v", err)
	}
	if f.groupBy != "" {
		if _, err := groups.WriteTo(groupOut); err != nil {
			return failf(stderr, "batch", "writing the groups: %v", err)
		}
	}
	fmt.Fprintln(stderr, sum)
	switch {
	case sum.NotDone > 0:
		return exitFail
	case sum.Failed > 0:
		return exitPartial
	}
	return exitOK
}
