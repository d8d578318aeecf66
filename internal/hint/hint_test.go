package hint

import (
	"errors"
	"io"
	"testing"
)

func TestWith(t *testing.T) {
	err := With(io.ErrUnexpectedEOF, "try again")

	var h interface{ Hint() string }
	if !errors.As(err, &h) || h.Hint() != "try again" {
		t.Errorf("got hint %v, want %q", h, "try again")
	}
	if !errors.Is(err, io.ErrUnexpectedEOF) || err.Error() != io.ErrUnexpectedEOF.Error() {
		t.Errorf("got %v, want it to be and read as the wrapped error", err)
	}
}
