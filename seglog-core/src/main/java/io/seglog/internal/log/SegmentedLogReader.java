package io.seglog.internal.log;

import io.seglog.LogClosedException;
import io.seglog.LogReader;
import io.seglog.Record;
import io.seglog.RecordView;
import io.seglog.RecordsGoneException;
import io.seglog.internal.segment.FrameView;
import io.seglog.internal.segment.RecordSlot;
import io.seglog.internal.segment.Segment;
import io.seglog.internal.segment.SegmentRetiredException;
import java.io.IOException;
import java.util.NoSuchElementException;

/**
 * Reads {@code [from, to)} sequentially, forwards or newest first. Keeps the segment it is in and
 * looks up the segment list only when it crosses a segment boundary; loads each frame once (a
 * forward reader reads ahead 256 KiB, so small frames come from memory). Not thread-safe.
 *
 * <p>Before each record it checks the log's first and last index: a record that truncation or
 * retention removed after the reader was created is reported with {@link RecordsGoneException},
 * never returned.
 */
final class SegmentedLogReader implements LogReader {
  private final SegmentedLog log;
  private final long from;
  private final long end;
  private final boolean reverse;
  private final FrameView view;
  private final RecordSlot slot = new RecordSlot();
  private Segment segment;
  private long next;
  private boolean closed;

  /** A forward reader over {@code [from, end)}. */
  SegmentedLogReader(SegmentedLog log, long from, long end) {
    this(log, from, end, false);
  }

  /**
   * A reader over {@code [from, end)}; {@code reverse}: from {@code end - 1} down to {@code from}.
   */
  SegmentedLogReader(SegmentedLog log, long from, long end, boolean reverse) {
    this.log = log;
    this.from = from;
    this.end = end;
    this.reverse = reverse;
    // Read-ahead windows extend forwards, so a reverse reader loads about one frame at a time.
    this.view = new FrameView(!reverse);
    this.next = reverse ? end - 1 : from;
  }

  @Override
  public boolean hasNext() {
    return !closed && (reverse ? next >= from : next < end);
  }

  @Override
  public Record next() {
    load();
    Record r = view.record(next);
    step();
    return r;
  }

  @Override
  public RecordView nextView() {
    load();
    RecordView r = view.view(next, slot);
    step();
    return r;
  }

  private void step() {
    next += reverse ? -1 : 1;
  }

  /** Checks that record {@code next} may be read and loads its frame into the view. */
  private void load() {
    if (closed) {
      throw new LogClosedException("reader is closed");
    }
    if (log.isClosed()) {
      throw new LogClosedException("log " + log.directory() + " is closed");
    }
    if (!hasNext()) {
      throw new NoSuchElementException(
          "reader reached its end " + (reverse ? from + " (reading backwards)" : end));
    }
    long first = log.firstIndex();
    long last = log.lastIndex();
    // TODO(integrator): with truncateAfter, also compare the log's truncation generation (and
    // clear the view, whose window may hold replaced bytes), so a suffix removed and refilled
    // between two calls is detected too.
    if (next < first || next > last) {
      throw new RecordsGoneException(next, first, last);
    }
    if (view.contains(next)) {
      return;
    }
    if (segment == null || next >= segment.nextIndex() || next < segment.baseIndex()) {
      segment = log.segmentFor(next); // only when crossing into another segment
    }
    while (true) {
      try {
        if (reverse) {
          segment.loadFrame(next, view);
        } else {
          segment.loadFrameAfter(next, view); // walks frames: no index lookup per frame
        }
        return;
      } catch (SegmentRetiredException e) {
        segment = log.afterRetired(next, segment, e); // gone, or now in another segment
      } catch (IOException e) {
        throw log.readFailure(segment, e);
      }
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
