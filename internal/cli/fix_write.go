package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
)

// errChanged says a file changed after fix read it.
var errChanged = errors.New("the file changed after it was read; run fix again")

// rewrite writes a file's new text over its old one, in place, as an editor's in-place save
// does: the file keeps its inode, so its owner, mode, hard links, ACLs and extended
// attributes, and a symbolic link's target is what is written. Creating a new file to rename
// over the old one would lose those (a fix run as root would hand every file to root) and
// costs ten times as much on common file systems.
//
// The old text is never lost:
//   - the file is written only if it still holds exactly the old text fix edited (errChanged
//     otherwise), so an edit someone made in the meantime is never overwritten;
//   - the room a longer text needs is reserved before the first byte is written, where the
//     file system can (reserve), so a full disk stops the write before it starts;
//   - a write that fails anyway puts the old text back;
//   - the text is written in one call, and fix checks for a cancel only between files.
//
// Not protected: a reader that opens the file during the write may see part of it, and a
// machine that loses power before the file system has written the new text out may keep
// part of it. Nothing is fsynced: syncing each file would cost more than the rest of fix.
func rewrite(path string, old, data []byte) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	err = overwrite(f, old, data, func(size int64) error { return reserve(f, size) })
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// textFile is what overwrite needs of an open file.
type textFile interface {
	io.ReaderAt
	io.WriterAt
	Truncate(size int64) error
}

// overwrite makes f, which must hold exactly old, hold data: rewrite's checks and writing on
// an open file.
func overwrite(f textFile, old, data []byte, reserve func(size int64) error) error {
	if err := holds(f, old); err != nil {
		return err
	}
	if len(data) > len(old) {
		if err := reserve(int64(len(data))); err != nil {
			return err
		}
	}
	err := writeOver(f, data)
	if err != nil {
		if rerr := writeOver(f, old); rerr != nil {
			return fmt.Errorf("%w; putting the old text back failed too (%v): the file may be damaged", err, rerr)
		}
	}
	return err
}

// holds returns errChanged unless the file holds exactly text.
func holds(f io.ReaderAt, text []byte) error {
	buf := make([]byte, len(text)+1)
	n, err := f.ReadAt(buf, 0)
	switch {
	case err != nil && !errors.Is(err, io.EOF):
		return err
	case n != len(text) || !bytes.Equal(buf[:n], text):
		return errChanged
	}
	return nil
}

// writeOver makes the file hold exactly data.
func writeOver(f textFile, data []byte) error {
	if _, err := f.WriteAt(data, 0); err != nil {
		return err
	}
	return f.Truncate(int64(len(data)))
}
