// Package cli is the hindsight command tree. It parses flags, wires the
// other packages together, formats output and decides exit codes; it is the
// only package that does the wiring.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/hindsight-dev/hindsight/internal/check"
	"github.com/hindsight-dev/hindsight/internal/config"
	"github.com/hindsight-dev/hindsight/internal/gitlink"
	"github.com/hindsight-dev/hindsight/internal/postmortem"
)

// Exit codes.
const (
	ExitOK       = 0 // clean
	ExitFindings = 1 // findings at error level
	ExitUsage    = 2 // usage or internal error
)

// DefaultMemoryLimit is the soft memory limit of a run unless GOMEMLIMIT
// sets another. A cold build of 10,000 postmortems keeps at most about
// 250 MB live: under this limit it peaks at about 0.64 GB, at 420 MiB at
// 0.48 GB and takes up to a tenth longer. A limit that close to the live
// heap would make a larger corpus pay in collector time, so the default
// leaves room.
const DefaultMemoryLimit = 1 << 30

// IO is where a command reads and writes; tests inject buffers.
type IO struct {
	In  io.Reader
	Out io.Writer
	Err io.Writer
	// IsTTY and ErrIsTTY say whether Out and Err are terminals.
	IsTTY, ErrIsTTY bool
	// Width is how many columns the terminal Out is has ($COLUMNS, when
	// set, says), or 0 when Out is no terminal: tables are then not cut.
	Width  int
	Getenv func(string) string
	// WorkDir is the directory commands run in.
	WorkDir string
}

// Factory carries what every command needs and loads it lazily.
type Factory struct {
	IO *IO
	// ConfigPath is --config; empty means look for hindsight.yaml.
	ConfigPath string
	cfg        *config.Config
	repos      *gitlink.Set
	ctx        context.Context
}

// Context is the run's context, ended by an interrupt; every command
// uses it.
func (f *Factory) Context() context.Context {
	if f.ctx == nil {
		return context.Background()
	}
	return f.ctx
}

// Reload forgets the configuration and the repositories, which the next
// use reads again (serve, after hindsight.yaml changed).
func (f *Factory) Reload() {
	if f.repos != nil {
		f.repos.Close()
	}
	f.cfg, f.repos = nil, nil
}

// Config loads the configuration once.
func (f *Factory) Config() (*config.Config, error) {
	if f.cfg != nil {
		return f.cfg, nil
	}
	var cfg *config.Config
	var err error
	if f.ConfigPath != "" {
		cfg, err = config.Load(f.ConfigPath)
	} else {
		cfg, err = config.Discover(f.IO.WorkDir)
	}
	if err != nil {
		return nil, err
	}
	if err := check.ValidateConfig(cfg); err != nil {
		return nil, err
	}
	f.cfg = cfg
	return cfg, nil
}

// Repos returns the git repositories of a config, opened on first use.
func (f *Factory) Repos(cfg *config.Config) *gitlink.Set {
	if f.repos == nil {
		specs := map[string]gitlink.Spec{}
		for name, r := range cfg.Repos {
			specs[name] = gitlink.Spec{Path: r.Path, URL: r.URL, Web: r.Web}
		}
		f.repos = gitlink.NewSet(f.Context(), cfg.Root, specs, f.IO.Getenv("HINDSIGHT_CACHE"))
		if d, err := time.ParseDuration(f.IO.Getenv("HINDSIGHT_GIT_TIMEOUT")); err == nil && d > 0 {
			f.repos.Timeout = d
		}
	}
	return f.repos
}

// Now is the current time, or HINDSIGHT_NOW (a date or an RFC 3339
// timestamp) so that runs can be reproduced.
func (f *Factory) Now() (time.Time, error) {
	v := f.IO.Getenv("HINDSIGHT_NOW")
	if v == "" {
		return time.Now(), nil
	}
	if d, err := postmortem.ParseDate(v); err == nil {
		return d.Time, nil
	}
	t, err := postmortem.ParseTimestamp(v)
	if err != nil {
		return time.Time{}, fmt.Errorf("HINDSIGHT_NOW: %w", err)
	}
	return t, nil
}

// exitError ends the program with a code; a nil err prints nothing.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

// usageError marks a mistake in the command line.
func usageError(format string, args ...any) error {
	return &exitError{code: ExitUsage, err: fmt.Errorf(format, args...)}
}

// NewRootCmd builds the command tree.
func NewRootCmd(f *Factory) *cobra.Command {
	root := &cobra.Command{
		Use:   "hindsight",
		Short: "Check, link and publish incident postmortems kept in git",
		Long: `Hindsight keeps incident postmortems as Markdown files with YAML front matter
in a git repository. It checks them in CI, links them to the commits that
caused and fixed each incident, and publishes them as a searchable site.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.Version = Version()
	root.SetVersionTemplate("{{.Version}}\n")
	root.PersistentFlags().StringVar(&f.ConfigPath, "config", "", "config file (default: hindsight.yaml found in this folder or a parent)")
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		var enum *enumError
		if errors.As(err, &enum) {
			return &exitError{code: ExitUsage, err: enum}
		}
		return &exitError{code: ExitUsage, err: fmt.Errorf("%w\nRun '%s --help' for usage.", err, cmd.CommandPath())}
	})
	root.AddCommand(
		NewCmdCheck(f, nil),
		NewCmdNew(f, nil),
		NewCmdInit(f, nil),
		NewCmdSchema(f, nil),
		NewCmdBuild(f, nil),
		NewCmdServe(f, nil),
		NewCmdSearch(f, nil),
		NewCmdVersion(f),
		NewCmdRelated(f, nil),
		NewCmdHotspots(f, nil),
		NewCmdActions(f, nil),
		NewCmdRevisit(f, nil),
		NewCmdTimeline(f, nil),
		NewCmdStats(f, nil),
		NewCmdExport(f, nil),
	)
	return root
}

// Main runs hindsight with args and returns the exit code.
func Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	wd, err := os.Getwd()
	if err != nil {
		fmt.Fprintf(stderr, "hindsight: %v\n", err)
		return ExitUsage
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		// A soft limit: on large corpora the collector works harder rather
		// than letting the heap double; GOMEMLIMIT overrides it.
		debug.SetMemoryLimit(DefaultMemoryLimit)
	}
	if path := os.Getenv("HINDSIGHT_CPUPROFILE"); path != "" {
		stop, err := startProfile(path)
		if err != nil {
			fmt.Fprintf(stderr, "hindsight: HINDSIGHT_CPUPROFILE: %v\n", err)
			return ExitUsage
		}
		defer stop()
	}
	if path := os.Getenv("HINDSIGHT_MEMPROFILE"); path != "" {
		defer writeHeapProfile(path, stderr)
	}
	streams := &IO{In: stdin, Out: stdout, Err: stderr, Getenv: os.Getenv, WorkDir: wd, IsTTY: isTerminal(stdout), ErrIsTTY: isTerminal(stderr)}
	if streams.IsTTY {
		streams.Width = terminalWidth(stdout, os.Getenv("COLUMNS"))
	}
	return run(ctx, &Factory{IO: streams, ctx: ctx}, args)
}

// writeHeapProfile writes what the heap holds as the command ends, and
// what it allocated in all, for `go tool pprof`.
func writeHeapProfile(path string, stderr io.Writer) {
	f, err := os.Create(path)
	if err == nil {
		err = pprof.Lookup("heap").WriteTo(f, 0)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "hindsight: HINDSIGHT_MEMPROFILE: %v\n", err)
	}
}

// startProfile writes a CPU profile of the run to path, for `go tool
// pprof`, until stop is called.
func startProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

func run(ctx context.Context, f *Factory, args []string) int {
	root := NewRootCmd(f)
	root.SetArgs(args)
	root.SetIn(f.IO.In)
	root.SetOut(f.IO.Out)
	root.SetErr(f.IO.Err)
	err := root.ExecuteContext(ctx)
	if f.repos != nil {
		f.repos.Close()
	}
	if err == nil {
		return ExitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintf(f.IO.Err, "hindsight: %v\n", ee.err)
		}
		return ee.code
	}
	msg := err.Error()
	if strings.HasPrefix(msg, "unknown command") || strings.Contains(msg, "arg(s)") || strings.Contains(msg, "accepts") {
		fmt.Fprintf(f.IO.Err, "hindsight: %s\nRun 'hindsight --help' for usage.\n", msg)
		return ExitUsage
	}
	var cl config.ErrorList
	if errors.As(err, &cl) {
		fmt.Fprintf(f.IO.Err, "%v\n", cl)
		return ExitUsage
	}
	fmt.Fprintf(f.IO.Err, "hindsight: %v\n", err)
	return ExitUsage
}

// terminalWidth is the columns of the terminal w: $COLUMNS when it is a
// number, else what the terminal says, else 0.
func terminalWidth(w io.Writer, columns string) int {
	if n, err := strconv.Atoi(columns); err == nil && n > 0 {
		return n
	}
	if f, ok := w.(*os.File); ok {
		if n, _, err := term.GetSize(int(f.Fd())); err == nil && n > 0 {
			return n
		}
	}
	return 0
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
