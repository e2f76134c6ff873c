package io.seglog.internal.log;

import io.seglog.LogClosedException;
import io.seglog.LogReader;
import io.seglog.Record;
import io.seglog.internal.segment.FrameView;
import io.seglog.internal.segment.Segment;
import java.io.IOException;
import java.util.NoSuchElementException;

/**
 * Reads {@code [from, to)} sequentially. Looks up the segment list only when it crosses a segment
 * boundary, and reads each frame once. Not thread-safe.
 */
final class SegmentedLogReader implements LogReader {
  private final SegmentedLog log;
  private final long end;
  private final FrameView view = new FrameView(true);
  private Segment segment;
  private long next;
  private boolean closed;

  SegmentedLogReader(SegmentedLog log, long from, long end) {
    this.log = log;
    this.next = from;
    this.end = end;
  }

  @Override
  public boolean hasNext() {
    return !closed && next < end;
  }

  @Override
  public Record next() {
    if (closed) {
      throw new LogClosedException("reader is closed");
    }
    if (log.isClosed()) {
      throw new LogClosedException("log " + log.directory() + " is closed");
    }
    if (next >= end) {
      throw new NoSuchElementException("reader reached its end " + end);
    }
    if (segment == null || next >= segment.nextIndex()) {
      segment = log.segmentFor(next);
    }
    try {
      Record r = segment.read(next, view);
      next++;
      return r;
    } catch (IOException e) {
      throw log.readFailure(segment, e);
    }
  }

  @Override
  public long position() {
    return next;
  }

  @Override
  public void close() {
    closed = true;
  }
}
