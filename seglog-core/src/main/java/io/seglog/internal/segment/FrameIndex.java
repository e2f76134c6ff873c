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
 *
 * <p>Time samples (for seeking by timestamp, see {@link io.seglog.internal.format.TimeIndexFormat}
 * for their meaning): when frames are added with their largest record timestamp, a sample {@code
 * (slot, largest timestamp before it)} is taken at the first frame and then every {@link
 * #TIME_SAMPLE_BYTES} of segment. Published like the entries, before {@code count}. An index built
 * without timestamps (from an index file) has none: {@link #hasTimes()} is false.
 */
public final class FrameIndex {
  /** Segment bytes between two time samples. */
  public static final int TIME_SAMPLE_BYTES = 4096;

  private volatile long[] entries;
  private volatile int count;
  private volatile int[] sampleSlots = new int[4];
  private volatile long[] sampleMax = new long[4];
  private volatile int sampleCount;
  private volatile boolean hasTimes = true;
  // Writer only.
  private long runningMax = Long.MIN_VALUE;
  private long lastSamplePosition = Long.MIN_VALUE;

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

  /**
   * Writer only: records a frame whose first record is {@code relIndex} past the base index and
   * whose largest record timestamp is {@code maxTimestamp}, sampling the times.
   */
  public void add(int relIndex, int position, long maxTimestamp) {
    int slot = count;
    boolean sample = hasTimes && (slot == 0 || position - lastSamplePosition >= TIME_SAMPLE_BYTES);
    long before = runningMax;
    runningMax = Math.max(before, maxTimestamp);
    add0(relIndex, position);
    if (sample) { // published after its frame, so a reader never starts at an unpublished frame
      int n = sampleCount;
      int[] slots = sampleSlots;
      long[] max = sampleMax;
      if (n == slots.length) {
        slots = Arrays.copyOf(slots, n * 2);
        max = Arrays.copyOf(max, n * 2);
      }
      slots[n] = slot;
      max[n] = before;
      sampleSlots = slots;
      sampleMax = max;
      sampleCount = n + 1; // publish
      lastSamplePosition = position;
    }
  }

  /** Whether the index holds time samples from its first frame on. */
  public boolean hasTimes() {
    return hasTimes;
  }

  /**
   * The frame slot a seek for the first record at or after {@code timestamp} starts at: no record
   * in an earlier frame is at or after it. 0 without time samples.
   */
  public int timeStartSlot(long timestamp) {
    if (!hasTimes) {
      return 0;
    }
    int n = sampleCount;
    return startSlot(sampleSlots, sampleMax, n, timestamp);
  }

  /**
   * Over time samples {@code (slots[i], maxBefore[i])}, {@code maxBefore} non-decreasing: the slot
   * of the last sample whose max before is below {@code timestamp}, 0 if none.
   */
  public static int startSlot(int[] slots, long[] maxBefore, int n, long timestamp) {
    int lo = 0;
    int hi = n - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      if (maxBefore[mid] < timestamp) {
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return hi < 0 ? 0 : slots[hi];
  }

  /** Time samples held (for writing a time index file, and the cache's size estimate). */
  public int timeSampleCount() {
    return hasTimes ? sampleCount : 0;
  }

  /** Copies the first {@code n} time samples out, for writing a time index file. */
  public void copyTimesTo(int n, int[] slots, long[] maxBefore) {
    System.arraycopy(sampleSlots, 0, slots, 0, n);
    System.arraycopy(sampleMax, 0, maxBefore, 0, n);
  }

  /**
   * Writer only: records a frame whose first record is {@code relIndex} past the base index, its
   * timestamps unknown (the index then has no time samples).
   */
  public void add(int relIndex, int position) {
    hasTimes = false;
    add0(relIndex, position);
  }

  private void add0(int relIndex, int position) {
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
    if (slot < count) {
      hasTimes = false; // the running maximum of the frames kept is unknown
    }
    count = Math.min(count, slot);
  }

  public int count() {
    return count;
  }

  /**
   * The slot of the frame holding relative index {@code rel}: the last frame whose first index is
   * at most {@code rel}; -1 if none. A negative {@code rel} (an index below the segment's base,
   * which a reader racing a prefix removal may ask for) is never found.
   *
   * <p>The search starts where {@code rel} would be if every frame held as many records as the
   * average one, and gallops from there: frames of about equal size (packed single appends, equal
   * batches) are found in a probe or two, where a binary search over a segment's frames missed the
   * cache at each of its 17 or so steps (18.7% of a random read's CPU on a log of packed frames).
   * Any other layout costs at most about twice a binary search.
   */
  public int find(int rel) {
    if (rel < 0) {
      return -1;
    }
    int n = count;
    long[] e = entries;
    if (n == 0) {
      return -1;
    }
    int firstRel = relIndex(e[0]); // e[0] and e[n - 1] stay in the cache
    int lastRel = relIndex(e[n - 1]);
    if (rel < firstRel) {
      return -1;
    }
    if (rel >= lastRel) {
      return n - 1;
    }
    if (lastRel - firstRel == n - 1) {
      return rel - firstRel; // one record per frame (first indexes rise by 1): no probe at all
    }
    // Here firstRel <= rel < lastRel, so 0 <= guess < n - 1.
    int guess = (int) ((long) (rel - firstRel) * (n - 1) / (lastRel - firstRel));
    int lo; // relIndex(e[lo]) <= rel
    int hi; // relIndex(e[hi]) > rel
    if (relIndex(e[guess]) <= rel) {
      lo = guess;
      hi = n - 1;
      for (int step = 1; lo + step < n - 1; step <<= 1) {
        if (relIndex(e[lo + step]) > rel) {
          hi = lo + step;
          break;
        }
        lo += step;
      }
    } else {
      hi = guess;
      lo = 0;
      for (int step = 1; hi - step > 0; step <<= 1) {
        if (relIndex(e[hi - step]) <= rel) {
          lo = hi - step;
          break;
        }
        hi -= step;
      }
    }
    while (hi - lo > 1) { // the last slot at most rel lies in [lo, hi)
      int mid = (lo + hi) >>> 1;
      if (relIndex(e[mid]) <= rel) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    return lo;
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
