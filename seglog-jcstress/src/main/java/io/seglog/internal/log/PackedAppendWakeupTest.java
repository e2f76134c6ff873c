package io.seglog.internal.log;

import io.seglog.Log;
import io.seglog.LogConfig;
import io.seglog.Storage;
import io.seglog.SyncPolicy;
import io.seglog.Tailer;
import java.nio.file.Path;
import java.time.Duration;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Mode;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.Signal;
import org.openjdk.jcstress.annotations.State;

/**
 * No lost wake-up for a tailer of a packed single append, on a real log: a {@link SegmentedLog} in
 * memory with a write buffer under {@link SyncPolicy#NONE}, so that an append of one record leaves
 * it in the unpublished open frame (fewer than {@link SegmentedLog#PACK_MAX_RECORDS}), and a real
 * tailer waiting for it without a deadline. The record is published only if the tailer sees it
 * pending and publishes it itself, or the writer sees the tailer waiting and seals the frame: the
 * tailer must always get it.
 *
 * <p>The tailer starts polling when the writer starts appending (it spins on {@code go}), so that
 * its registration as a waiter races the append's handshake ({@link PackedAppendHandshakeTest}
 * checks that handshake alone, many more times); {@link PackedAppendRegisteredWakeupTest} appends
 * once the tailer is registered. jcstress creates one log and one tailer thread per sample here, so
 * it takes a few thousand samples in quick mode, against the handshake test's tens of millions:
 * enough to catch a writer that does not seal for a waiting tailer, not a reordering of the
 * handshake's two accesses, whose window is a few nanoseconds wide (docs/RELIABILITY.md).
 */
@JCStressTest(Mode.Termination)
@Outcome(id = "TERMINATED", expect = Expect.ACCEPTABLE, desc = "the tailer got the record")
@Outcome(
    id = "STALE",
    expect = Expect.FORBIDDEN,
    desc = "lost wake-up: the tailer sleeps while its record stays in the open frame")
@State
public class PackedAppendWakeupTest {
  static final LogConfig CONFIG =
      LogConfig.builder()
          .syncPolicy(SyncPolicy.NONE)
          .writeBufferBytes(LogConfig.MIN_WRITE_BUFFER_BYTES)
          .segmentBytes(LogConfig.MIN_SEGMENT_BYTES)
          .build();
  static final byte[] PAYLOAD = {1, 2, 3, 4, 5, 6, 7, 8};
  static final Duration FOREVER = Duration.ofDays(1); // jcstress gives up on it long before

  private final Log log = Log.open(Path.of("jcstress"), CONFIG, Storage.inMemory());
  private final Tailer tailer = log.tailer(1);
  private volatile boolean go;

  @Actor
  public void tailer() {
    while (!go) {
      Thread.onSpinWait(); // the writer sets it first thing
    }
    pollOne(tailer);
  }

  @Signal
  public void writer() {
    go = true;
    log.append(PAYLOAD);
  }

  /**
   * Polls one record without a deadline. An interrupt (jcstress's termination runner sends none)
   * fails the sample rather than polling again: a new poll publishes the open frame itself, which
   * would hide a lost wake-up.
   */
  static void pollOne(Tailer tailer) {
    try {
      if (tailer.poll(FOREVER) == null) {
        throw new IllegalStateException("the poll timed out");
      }
    } catch (InterruptedException e) {
      throw new IllegalStateException("interrupted, not woken", e);
    }
  }
}
