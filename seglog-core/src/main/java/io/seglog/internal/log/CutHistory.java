package io.seglog.internal.log;

import java.util.Arrays;

/**
 * The suffix cuts ({@code truncateAfter}, {@code reset}) a log has made, so that a reader can tell
 * whether records it is positioned on were cut, and maybe appended again with other content, since
 * it looked. A seqlock: {@link #epoch()} is odd while a cut is in progress and grows by two per
 * cut.
 *
 * <p>A reader remembers the epoch it saw; when the epoch differs, {@link #lowestCutSince} gives the
 * lowest index kept by any cut since: records above it are not the ones the reader was promised.
 * Only the suffix minima are kept (a cut at or above a later cut's index can never be the lowest),
 * so the history holds at most {@link #CAPACITY} entries; past that the oldest is forgotten and a
 * reader older than it is told that everything after its position is gone (a false "gone", never
 * stale data).
 *
 * <p>Thread-safe: one writer (under the log's append lock) and any number of readers.
 */
final class CutHistory {
  static final int CAPACITY = 1024;

  private volatile long epoch;
  // Entries (epoch of the cut, index kept through), epochs increasing and kept indices strictly
  // increasing. @GuardedBy("this")
  private long[] epochs = new long[16];
  private long[] keeps = new long[16];
  private int size;
  private long forgottenThrough = -1; // epochs up to this one are forgotten. @GuardedBy("this")

  /** The current epoch: odd while a cut is in progress. */
  long epoch() {
    return epoch;
  }

  /** Starts a cut keeping records up to {@code keepThrough}; the epoch becomes odd. */
  synchronized void begin(long keepThrough) {
    long e = epoch + 1;
    while (size > 0 && keeps[size - 1] >= keepThrough) {
      size--;
    }
    if (size == CAPACITY) {
      forgottenThrough = epochs[0];
      System.arraycopy(epochs, 1, epochs, 0, size - 1);
      System.arraycopy(keeps, 1, keeps, 0, size - 1);
      size--;
    }
    if (size == epochs.length) {
      epochs = Arrays.copyOf(epochs, size * 2);
      keeps = Arrays.copyOf(keeps, size * 2);
    }
    epochs[size] = e;
    keeps[size] = keepThrough;
    size++;
    epoch = e;
  }

  /** Ends the cut in progress; the epoch becomes even. */
  synchronized void end() {
    if ((epoch & 1) != 0) {
      epoch = epoch + 1;
    }
  }

  /**
   * The lowest index kept by any cut that began after {@code seen} was read (a cut in progress at
   * {@code seen} included); {@link Long#MAX_VALUE} if none, {@link Long#MIN_VALUE} if forgotten.
   */
  synchronized long lowestCutSince(long seen) {
    long after = seen - (seen & 1); // a cut in progress when seen is not behind the reader
    if (after < forgottenThrough) {
      return Long.MIN_VALUE;
    }
    for (int i = 0; i < size; i++) {
      if (epochs[i] > after) {
        return keeps[i];
      }
    }
    return Long.MAX_VALUE;
  }
}
