package io.seglog.internal.log;

import io.seglog.CorruptLogException;
import io.seglog.LogClosedException;
import io.seglog.LogReader;
import io.seglog.Record;
import io.seglog.RecordView;
import io.seglog.RecordsGoneException;
import io.seglog.internal.segment.FrameView;
import io.seglog.internal.segment.RecordSlot;
import io.seglog.internal.segment.Segment;
import java.io.IOException;
import java.util.NoSuchElementException;

/**
 * Reads {@code [from, to)} sequentially, forwards or newest first. Keeps the segment it is in and
 * looks up the segment list only when it crosses a segment boundary; loads each frame once (a
 * forward reader reads ahead 256 KiB, so small frames come from memory). Not thread-safe.
 *
 * <p>Truncation: the reader remembers the log's cut epoch; when a suffix cut happened since,
 * records above the lowest index it kept are gone for this reader (they may have been appended
 * again with other content), and records below the first index are gone too: both throw {@link
 * RecordsGoneException}, checked before and after each read, never stale data. On a log opened
 * read-only, a load that fails first looks for the writer's prefix removals and truncation (as
 * {@code read} does), so a record the writer removed is gone, not a missing-file error or the
 * damage of walking frames the writer rewrote.
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
  private long seenEpoch; // the log's cut epoch this reader has accounted for
  private long goneFrom = Long.MAX_VALUE; // records from here on were cut since it was created

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
    this.reverse = reverse;
    // Read-ahead windows extend forwards, so a reverse reader loads about one frame at a time.
    this.view = new FrameView(!reverse);
    this.seenEpoch = log.cutEpoch(); // then the end clamped: what a cut left is what it reads
    this.end = Math.min(end, log.publishedLastIndex() + 1); // the caller published up to end
    this.next = reverse ? this.end - 1 : from;
  }

  @Override
  public boolean hasNext() {
    return !closed && (reverse ? next >= from : next < end);
  }

  @Override
  public Record next() {
    long epoch = load();
    Record r = view.record(next);
    log.checkReadNotCut(next, epoch); // a cut during the read: gone, never stale
    step();
    return r;
  }

  @Override
  public RecordView nextView() {
    long epoch = load();
    RecordView r = view.view(next, slot);
    log.checkReadNotCut(next, epoch);
    step();
    return r;
  }

  private void step() {
    next += reverse ? -1 : 1;
  }

  /**
   * Checks that record {@code next} may be read and loads its frame into the view; returns the cut
   * epoch the load saw.
   */
  private long load() {
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
    while (true) {
      long epoch = log.cutEpoch();
      if (epoch != seenEpoch) {
        long cut = log.lowestCutSince(seenEpoch);
        if (cut < goneFrom - 1) {
          goneFrom = cut == Long.MIN_VALUE ? Long.MIN_VALUE : cut + 1;
        }
        seenEpoch = epoch;
        view.clear(); // its window may hold bytes a cut replaced
        segment = null;
      }
      long first = log.firstIndex();
      long last = log.publishedLastIndex(); // next < end: published, unless cut since
      if (next >= goneFrom || next < first || next > last) {
        throw new RecordsGoneException(next, first, last);
      }
      if (view.contains(next)) {
        return epoch;
      }
      if (segment == null || next >= segment.nextIndex() || next < segment.baseIndex()) {
        segment = log.segmentFor(next); // only when crossing into another segment
      }
      try {
        if (reverse) {
          segment.loadFrame(next, view);
        } else {
          segment.loadFrameAfter(next, view); // walks frames: no index lookup per frame
        }
        return epoch;
      } catch (IOException | CorruptLogException e) {
        RuntimeException failure =
            e instanceof IOException io ? log.readFailure(segment, io) : (CorruptLogException) e;
        view.clear();
        segment = null;
        if (log.isReadOnly() && !log.isClosed()) {
          log.refresh(); // the writer may have removed the records (and the file) since
        }
        RuntimeException gone = log.goneAfterFailure(next, epoch, failure);
        if (gone != null) {
          throw gone;
        }
        // a cut ran and kept this record (or moved it to a new segment): load it again
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
