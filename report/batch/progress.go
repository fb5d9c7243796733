package batch

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// Progress draws the batch's progress bar: cores done of the total in the
// description, and a bar in bytes of core files (what the time per core
// grows with) with rate and ETA.
type Progress struct {
	bar         *progressbar.ProgressBar
	done, total int
}

// NewProgress returns a progress bar on w for cores cores of bytes bytes, or
// nil when w is not a terminal: pipes and log files get nothing. A nil
// *Progress is valid and does nothing.
func NewProgress(w io.Writer, cores int, bytes int64) *Progress {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	return newProgress(w, cores, bytes, 100*time.Millisecond)
}

// newProgress draws at most once per throttle.
func newProgress(w io.Writer, cores int, bytes int64, throttle time.Duration) *Progress {
	p := &Progress{total: cores}
	p.bar = progressbar.NewOptions64(max(bytes, 1),
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(p.description()),
		progressbar.OptionShowBytes(true),
		progressbar.OptionShowCount(),
		progressbar.OptionShowTotalBytes(true),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionSetElapsedTime(true),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(throttle),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionSetRenderBlankState(true),
	)
	return p
}

func (p *Progress) description() string { return fmt.Sprintf("%d/%d cores", p.done, p.total) }

// Done advances the bar by one core of size bytes.
func (p *Progress) Done(size int64) {
	if p == nil {
		return
	}
	p.done++
	p.bar.Describe(p.description())
	p.bar.Add64(max(size, 0))
}

// Finish clears the bar, so that the summary line takes its place.
func (p *Progress) Finish() {
	if p == nil {
		return
	}
	p.bar.Finish()
	p.bar.Clear()
}
