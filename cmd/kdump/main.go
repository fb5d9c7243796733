// Command kdump analyzes BSD amd64 kernel crash dumps offline, on any host.
//
//	kdump info   -M CORE -N KERNEL [--json]
//	kdump ps     -M CORE -N KERNEL [-alujxHw] [-o KEYWORDS] [--pid N]... [--json]
//	kdump report -M CORE -N KERNEL [--no-hash]
//	kdump dmesg  -M CORE -N KERNEL [-a] [--tail N]
//	kdump batch  [-j N] [-o FILE [--resume]] [--shard K/N] [--group-by panic] DIR|CORE[:KERNEL]...
//	kdump nlist  -N KERNEL SYMBOL...
//	kdump read   -M CORE -N KERNEL ADDR|SYM[+OFF] [LEN] [--raw] [--phys]
//
// Exit status: 0 success; 1 the answer is partial (anomalies were found, see the
// warnings); 2 usage error or the input cannot be read at all.
package main

import (
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"sort"
	"strings"

	"github.com/spf13/pflag"
)

const (
	exitOK      = 0
	exitPartial = 1
	exitFail    = 2
)

// command is one subcommand.
type command struct {
	summary string
	run     func(args []string, stdout, stderr io.Writer) int
}

var commands = map[string]command{
	"info":   {"identify a core and its kernel: format, sizes, version check, panic", runInfo},
	"nlist":  {"print the addresses of kernel symbols, like nm", runNlist},
	"read":   {"hex dump of kernel (or physical) memory", runRead},
	"ps":     {"the process table, as BSD ps shows it (or kdump/1 JSON)", runPS},
	"dmesg":  {"the kernel message buffer, as DragonFly's dmesg -M -N shows it", runDmesg},
	"report": {"the whole kdump/1 JSON report of one core", runReport},
	"batch":  {"kdump/1 reports of many cores as JSON Lines, in parallel", runBatch},
}

func main() {
	tuneGC()
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// tuneGC trades a little memory for much less garbage collection: a process
// table of 100,000 processes allocates a few hundred MB of short-lived
// records, and with the default GOGC the collector would run dozens of times
// over the live table. The heap may grow to 4x the live data, but no further
// than 300 MiB, beyond which the collector works harder again. GOGC and
// GOMEMLIMIT in the environment take precedence.
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(300 << 20)
	}
}

// run is the whole program, so tests drive it directly.
func run(args []string, stdout, stderr io.Writer) (status int) {
	defer func() {
		if r := recover(); r != nil { // a bug must still end in a message, not a trace
			fmt.Fprintf(stderr, "kdump: internal error: %v\n%s", r, debug.Stack())
			status = exitFail
		}
	}()
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stdout)
		if len(args) == 0 {
			return exitFail
		}
		return exitOK
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "kdump: unknown command %q\n", args[0])
		usage(stderr)
		return exitFail
	}
	return cmd.run(args[1:], stdout, stderr)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: kdump COMMAND [options]\n\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-7s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'kdump COMMAND --help' for a command's options.")
}

// newFlags makes a flag set for a subcommand that reports errors on stderr.
func newFlags(name, synopsis string, stderr io.Writer) *pflag.FlagSet {
	fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.SortFlags = false
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: kdump %s %s\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses args; ok is false with the exit status to return when parsing
// ended the command (help or a usage error).
func parse(fs *pflag.FlagSet, args []string) (status int, ok bool) {
	if err := fs.Parse(args); err != nil {
		if err == pflag.ErrHelp {
			return exitOK, false
		}
		fmt.Fprintf(fs.Output(), "kdump %s: %v\n", fs.Name(), err)
		return exitFail, false
	}
	return 0, true
}

// failf prints an error and returns the "cannot read the input" status.
func failf(stderr io.Writer, cmd, format string, args ...any) int {
	fmt.Fprintf(stderr, "kdump %s: %s\n", cmd, strings.TrimSpace(fmt.Sprintf(format, args...)))
	return exitFail
}
