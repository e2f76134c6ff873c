package io.seglog.internal.segment;

import java.util.Arrays;

/**
 * In-memory map from a segment's frames to their first index and byte position: one {@code long}
 * per frame, {@code (relativeFirstIndex << 32) | position}.
 *
 * <p>Threading: one writer thread calls {@link #add}; any number of readers call {@link #find},
 * {@link #position} and {@link #count} concurrently. Publication is the volatile write of {@code
 * count} after the entry is stored: a reader that sees count {@code n} sees entries {@code [0, n)}.
 * Growing replaces the array before count is published, and a replacement holds every published
 * entry, so a reader holding either array is correct.
 */
public final class FrameIndex {
  private volatile long[] entries;
  private volatile int count;

  public FrameIndex(int initialCapacity) {
    this.entries = new long[Math.max(16, initialCapacity)];
  }

  /** An index over entries decoded from an index file. */
  public static FrameIndex of(int[] relIndex, int[] positions) {
    FrameIndex index = new FrameIndex(relIndex.length);
    for (int i = 0; i < relIndex.length; i++) {
      index.add(relIndex[i], positions[i]);
    }
    return index;
  }

  /** Writer only: records a frame whose first record is {@code relIndex} past the base index. */
  public void add(int relIndex, int position) {
    int n = count;
    long[] e = entries;
    if (n == e.length) {
      e = Arrays.copyOf(e, n * 2);
      entries = e;
    }
    e[n] = ((long) relIndex << 32) | (position & 0xFFFFFFFFL);
    count = n + 1; // publish
  }

  /** Writer only: forgets frames from {@code slot} on (used when recovery cuts a tail). */
  public void truncate(int slot) {
    count = Math.min(count, slot);
  }

  public int count() {
    return count;
  }

  /**
   * The slot of the frame holding relative index {@code rel}: the last frame whose first index is
   * at most {@code rel}; -1 if none.
   */
  public int find(int rel) {
    int n = count;
    long[] e = entries;
    if (n > 0 && rel < n && relIndex(e[rel]) == rel) {
      return rel; // one record per frame so far up to here: direct hit
    }
    int lo = 0;
    int hi = n - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      if (relIndex(e[mid]) <= rel) {
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return hi;
  }

  public int relIndex(int slot) {
    return relIndex(entries[slot]);
  }

  public int position(int slot) {
    return (int) entries[slot];
  }

  /** Copies the first {@code n} entries out, for writing an index file. */
  public void copyTo(int n, int[] relIndex, int[] positions) {
    long[] e = entries;
    for (int i = 0; i < n; i++) {
      relIndex[i] = relIndex(e[i]);
      positions[i] = (int) e[i];
    }
  }

  private static int relIndex(long entry) {
    return (int) (entry >>> 32);
  }
}
