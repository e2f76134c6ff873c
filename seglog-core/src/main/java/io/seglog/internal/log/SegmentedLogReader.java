package io.seglog.internal.log;

import io.seglog.CorruptLogException;
import io.seglog.LogClosedException;
import io.seglog.LogReader;
import io.seglog.Record;
import io.seglog.RecordsGoneException;
import io.seglog.internal.segment.FrameView;
import io.seglog.internal.segment.Segment;
import java.io.IOException;
import java.util.NoSuchElementException;

/**
 * Reads {@code [from, to)} sequentially. Looks up the segment list only when it crosses a segment
 * boundary, and reads each frame once. Not thread-safe.
 *
 * <p>Truncation: the reader remembers the log's cut epoch; when a suffix cut happened since,
 * records above the lowest index it kept are gone for this reader (they may have been appended
 * again with other content), and records below the first index are gone too: both throw {@link
 * RecordsGoneException}, checked before and after each read, never stale data.
 */
final class SegmentedLogReader implements LogReader {
  private final SegmentedLog log;
  private final long end;
  private final FrameView view = new FrameView(true);
  private Segment segment;
  private long next;
  private boolean closed;
  private long seenEpoch; // the log's cut epoch this reader has accounted for
  private long goneFrom = Long.MAX_VALUE; // records from here on were cut since it was created

  SegmentedLogReader(SegmentedLog log, long from, long end) {
    this.log = log;
    this.next = from;
    this.seenEpoch = log.cutEpoch(); // then the end clamped: what a cut left is what it reads
    this.end = Math.min(end, log.lastIndex() + 1);
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
    long epoch = log.cutEpoch();
    if (epoch != seenEpoch) {
      long cut = log.lowestCutSince(seenEpoch);
      if (cut < goneFrom - 1) {
        goneFrom = cut == Long.MIN_VALUE ? Long.MIN_VALUE : cut + 1;
      }
      seenEpoch = epoch;
      view.clear();
      segment = null;
    }
    if (next >= goneFrom || next < log.firstIndex()) {
      throw new RecordsGoneException(next, log.firstIndex(), log.lastIndex());
    }
    if (segment == null || next >= segment.nextIndex()) {
      segment = log.segmentFor(next);
    }
    try {
      Record r = segment.read(next, view);
      log.checkReadNotCut(next, epoch);
      next++;
      return r;
    } catch (IOException | CorruptLogException e) {
      RuntimeException failure =
          e instanceof IOException io ? log.readFailure(segment, io) : (CorruptLogException) e;
      view.clear();
      segment = null;
      RuntimeException gone = log.goneAfterFailure(next, epoch, failure);
      if (gone == null) {
        return next(); // a cut ran and kept this record: read it again (once per cut)
      }
      throw gone;
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
