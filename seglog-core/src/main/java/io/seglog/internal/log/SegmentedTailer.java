package io.seglog.internal.log;

import io.seglog.CorruptLogException;
import io.seglog.IndexOutOfRangeException;
import io.seglog.LogClosedException;
import io.seglog.Record;
import io.seglog.RecordView;
import io.seglog.RecordsGoneException;
import io.seglog.Tailer;
import io.seglog.TailerClosedException;
import io.seglog.Visibility;
import io.seglog.internal.segment.FrameView;
import io.seglog.internal.segment.RecordSlot;
import io.seglog.internal.segment.Segment;
import io.seglog.internal.segment.SegmentRetiredException;
import java.io.IOException;
import java.time.Duration;
import java.util.Objects;

/**
 * A {@link Tailer}: a forward reader without an end that waits on the log's {@link TailSignal} for
 * the written or durable index to pass its position. On a read-only log (no writer in this process
 * to signal) it asks the log to look for new frames in the files, with a backoff, while it waits. A
 * suffix cut signals too, and a waiting tailer counts any cut since its last look as a reason to
 * wake: the cut may have removed records it returned (or, a reset, moved the first index past it),
 * which it then reports at once as {@link RecordsGoneException} instead of at its timeout.
 *
 * <p>Threading: one polling thread; {@link #close()} from any thread.
 */
final class SegmentedTailer implements Tailer {
  private static final long MIN_BACKOFF_NANOS = 50_000;
  private static final long MAX_BACKOFF_NANOS = 5_000_000;

  private final SegmentedLog log;
  private final Visibility visibility;
  private final TailSignal signal;
  private final String name; // null when unnamed
  private final PositionStore positions; // null when unnamed
  private final FrameView view = new FrameView(true);
  private final RecordSlot slot = new RecordSlot();
  private Segment segment;
  private long next;
  private final Object closeLock = new Object(); // held across a close; taken before positions'
  private volatile boolean closed; // written under closeLock
  private long seenEpoch; // the log's cut epoch this tailer has accounted for
  private boolean returnedRecordsCut; // a cut removed records this tailer had returned

  SegmentedTailer(
      SegmentedLog log,
      long from,
      Visibility visibility,
      TailSignal signal,
      String name,
      PositionStore positions) {
    this.log = log;
    this.seenEpoch = log.cutEpoch();
    this.next = from;
    this.visibility = Objects.requireNonNull(visibility, "visibility");
    this.signal = signal;
    this.name = name;
    this.positions = positions;
  }

  @Override
  public Record poll(Duration timeout) throws InterruptedException {
    while (true) {
      if (!await(timeout)) {
        return null;
      }
      Record r = view.record(next);
      if (log.cutEpoch() == seenEpoch) {
        next++;
        return r;
      }
      // A cut ran during the read: check() decides whether the record is gone or to read again.
    }
  }

  @Override
  public RecordView pollView(Duration timeout) throws InterruptedException {
    while (true) {
      if (!await(timeout)) {
        return null;
      }
      RecordView r = view.view(next, slot);
      if (log.cutEpoch() == seenEpoch) {
        next++;
        return r;
      }
    }
  }

  /** Waits until record {@code next} is visible and loads its frame; false on timeout. */
  private boolean await(Duration timeout) throws InterruptedException {
    long waitNanos = timeout.isNegative() ? 0 : saturatedNanos(timeout);
    long deadline = System.nanoTime() + waitNanos;
    long backoff = MIN_BACKOFF_NANOS;
    while (true) {
      check();
      if (visible()) {
        break;
      }
      if (log.isReadOnly()) {
        log.refresh(); // another process may have appended (or truncated)
        check();
        if (next <= visibleEnd()) {
          break;
        }
        long now = System.nanoTime();
        if (now - deadline >= 0) {
          return false;
        }
        signal.await(this::ready, Math.min(deadline, now + backoff)); // a sleep close can cut
        backoff = Math.min(MAX_BACKOFF_NANOS, backoff * 2);
      } else if (!signal.await(this::ready, deadline)) {
        check();
        return false;
      }
    }
    check();
    if (load()) {
      return true;
    }
    // A cut ran during the load: check() decides whether the record is gone or to wait again.
    return await(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
  }

  private static long saturatedNanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE / 4; // "forever": far enough that nanoTime arithmetic cannot wrap
    }
  }

  /**
   * Under the signal's lock: so never {@link #visibleEnd()}, which may take the append lock while
   * the writer, holding it, waits for this lock to signal. Records waiting in the writer's open
   * frame count as ready: the caller publishes them outside the lock ({@link #visibleEnd()}).
   */
  private boolean ready() {
    if (closed || log.cutSince(seenEpoch)) {
      return true; // a cut: check() decides whether what this tailer returned or waits for is gone
    }
    if (visibility == Visibility.DURABLE) {
      return next <= log.durableIndex();
    }
    return next <= log.publishedLastIndex() || log.hasPendingRecords();
  }

  private long visibleEnd() {
    return visibility == Visibility.DURABLE ? log.durableIndex() : log.lastIndex();
  }

  /** Whether record {@code next} is visible; publishes the open frame only if it holds it. */
  private boolean visible() {
    return (visibility == Visibility.WRITTEN && next <= log.publishedLastIndex())
        || next <= visibleEnd();
  }

  /** Throws if the tailer or log is closed, or the next record was removed. */
  private void check() {
    if (closed) {
      throw new TailerClosedException(
          "tailer" + (name == null ? "" : " '" + name + "'") + " is closed");
    }
    if (log.isClosed() || signal.isClosed()) {
      throw new LogClosedException("log " + log.directory() + " is closed");
    }
    long first = log.firstIndex();
    long last = log.publishedLastIndex(); // every record returned was published
    // Below firstIndex: truncateBefore or retention removed it. Beyond lastIndex + 1: truncateAfter
    // removed records this tailer already returned, and what follows would not be their successors.
    // A suffix cut since the last look, even one refilled by appends since: if it removed records
    // this tailer returned, they are gone for it; otherwise it reads on from the same position (the
    // records it had not reached were replaced), after dropping the frame it had loaded.
    long epoch = log.cutEpoch();
    if (epoch != seenEpoch) {
      if (log.lowestCutSince(seenEpoch) < next - 1) {
        returnedRecordsCut = true;
      }
      seenEpoch = epoch;
      view.clear();
      segment = null;
    }
    if (returnedRecordsCut || next < first || next > last + 1) {
      throw new RecordsGoneException(next, first, last);
    }
    if (log.externallyTruncated()) {
      throw log.goneForReadOnly(next);
    }
  }

  /** Loads record {@code next}'s frame; false if a cut (or retention) made the load fail. */
  private boolean load() {
    if (view.contains(next)) {
      return true;
    }
    if (segment == null || next >= segment.nextIndex() || next < segment.baseIndex()) {
      segment = log.segmentFor(next); // only when crossing into another segment
    }
    while (true) {
      try {
        segment.loadFrameAfter(next, view); // walks frames: no index lookup per frame
        return true;
      } catch (SegmentRetiredException e) {
        // Retired by a cut or by retention: poll() re-checks the epoch and the first index.
        segment = log.afterRetired(next, segment, e); // gone, or now in another segment
      } catch (IOException | CorruptLogException e) {
        // A cut rewrites the file under a read in flight (short read, another frame there).
        RuntimeException failure =
            e instanceof IOException io ? log.readFailure(segment, io) : (CorruptLogException) e;
        view.clear();
        segment = null;
        if (log.isReadOnly() && !log.isClosed()) {
          log.refresh(); // the writer may have removed the records (and the file) since
        }
        // A cut here, retention, or the writer's truncation (which a read-only log finds at the
        // refresh): check() reports it, never as damage.
        if (log.cutEpoch() != seenEpoch || next < log.firstIndex() || log.externallyTruncated()) {
          return false;
        }
        throw failure;
      }
    }
  }

  @Override
  public long position() {
    return next;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public void commit() {
    commit(next);
  }

  @Override
  public void commit(long position) {
    if (name == null) {
      throw new IllegalStateException("an unnamed tailer has no position to commit");
    }
    if (closed) {
      throw new TailerClosedException("tailer '" + name + "' is closed");
    }
    long first = log.firstIndex();
    long last = log.lastIndex();
    if (position < first || position > last + 1) {
      throw new IndexOutOfRangeException(position, first, last);
    }
    positions.commit(name, position);
  }

  /**
   * Closes. Concurrent calls are serialized: a call while another runs returns once that one has
   * released the name (which may wait for a commit of any name in progress), so the name can be
   * opened again as soon as any close returns; and the name is released exactly once, never from
   * under a tailer that opened it since.
   */
  @Override
  public void close() {
    synchronized (closeLock) {
      if (closed) {
        return;
      }
      closed = true;
      signal.wakeAll(); // the thread polling this tailer, if any, wakes and throws
      if (name != null) {
        positions.release(name);
      }
    }
  }

  @Override
  public String toString() {
    return "Tailer{" + (name == null ? "" : name + ", ") + "at " + next + ", " + visibility + "}";
  }
}
