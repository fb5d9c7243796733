package batch

import (
	"bytes"
	"io"
	"os"
)

// spoolMemory is how much of one record is kept in memory; the rest of a
// larger one (a core with tens of thousands of processes) goes to an unlinked
// temporary file, so the records waiting for the writer hold at most
// Jobs × spoolMemory bytes of memory.
const spoolMemory = 4 << 20

// spool holds one encoded record until the writer copies it out whole, so
// that a line is written only once it is complete.
type spool struct {
	tempDir string
	mem     bytes.Buffer
	file    *os.File
	err     error
}

func newSpool(tempDir string) *spool { return &spool{tempDir: tempDir} }

// Write keeps p; errors are sticky and reported by err.
func (s *spool) Write(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	if s.file == nil && s.mem.Len()+len(p) > spoolMemory {
		f, err := os.CreateTemp(s.tempDir, "kdump-batch-*.jsonl")
		if err != nil {
			s.err = err
			return 0, err
		}
		os.Remove(f.Name()) // unlinked: nothing is left behind if the process dies
		s.file = f
	}
	if s.file != nil {
		n, err := s.file.Write(p)
		s.err = err
		return n, err
	}
	return s.mem.Write(p)
}

// writeTo copies the record to w: the memory part, then the file part.
func (s *spool) writeTo(w io.Writer) error {
	if _, err := w.Write(s.mem.Bytes()); err != nil {
		return err
	}
	if s.file == nil {
		return nil
	}
	if _, err := s.file.Seek(0, io.SeekStart); err != nil {
		return err
	}
	_, err := io.Copy(w, s.file)
	return err
}

// reset drops what was written (a record that failed half-way).
func (s *spool) reset() {
	s.close()
	s.mem.Reset()
	s.err = nil
}

// close releases the temporary file.
func (s *spool) close() {
	if s.file != nil {
		s.file.Close()
		s.file = nil
	}
}
