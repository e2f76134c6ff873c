package io.seglog.internal.segment;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Bounds the open file handles of sealed segments: when reopening one takes the count past the
 * capacity, the handles of others are closed (they reopen on next use, see {@link
 * Segment#acquire()}). The active segment's handle is not counted: it is always open.
 *
 * <p>Design note. Eviction is CLOCK (second chance), as in {@link IndexCache}: segments sit in open
 * order; a segment read since the hand last passed it has its referenced bit set and goes to the
 * back once, bit cleared; the first one without the bit has its handle closed. Reads only set a
 * bit, so the pool costs the read path no lock. Closing only drops the segment's own reference to
 * its handle: a reader still holding the handle (its reference counted) finishes its read on it,
 * and the file is closed when the last reader releases it. So the count of open sealed-segment
 * files is at most the capacity plus the reads in flight on evicted handles.
 *
 * <p>In a writable log a sealed segment's {@link MappedSegment} lives exactly as long as its
 * installed handle: closing the handle releases the mapping too (unmapped once the copies in flight
 * out of it finish), so the pool bounds live mappings by the same capacity.
 *
 * <p>Thread-safe. Lock order: this pool, then a segment's handle lock; a segment never calls the
 * pool while holding its own lock.
 */
public final class HandlePool {
  private final int capacity;
  private final LinkedHashMap<Segment, Boolean> open = new LinkedHashMap<>(); // @GuardedBy("this")

  /**
   * @param capacity most sealed-segment handles kept open, at least 1
   */
  public HandlePool(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("handle pool capacity " + capacity + " is below 1");
    }
    this.capacity = capacity;
  }

  /**
   * Before {@code segment} reopens its file: closes others until one more fits, so the count of
   * open files never passes the capacity (except by reopens racing each other).
   */
  void makeRoomFor(Segment segment) {
    synchronized (this) {
      if (!open.containsKey(segment)) {
        evictWhileOver(capacity - 1, segment);
      }
    }
  }

  /** Records that {@code segment}'s handle is open, then closes others while over capacity. */
  void opened(Segment segment) {
    synchronized (this) {
      if (segment.isRetired() || open.containsKey(segment)) {
        return;
      }
      open.put(segment, Boolean.TRUE);
      evictWhileOver(capacity, segment);
    }
  }

  // @GuardedBy("this")
  private void evictWhileOver(int limit, Segment keep) {
    int secondChances = 0;
    while (open.size() > limit && !open.isEmpty()) {
      Iterator<Map.Entry<Segment, Boolean>> it = open.entrySet().iterator();
      Segment victim = it.next().getKey();
      boolean spare =
          victim == keep || (secondChances < open.size() && victim.clearHandleReferenced());
      it.remove();
      if (spare) {
        open.put(victim, Boolean.TRUE); // to the back of the clock
        secondChances++;
        if (victim == keep && open.size() == 1) {
          return; // only the one being kept is left
        }
        continue;
      }
      victim.closeIdleHandle();
    }
  }

  /** Forgets a segment that is being retired. */
  synchronized void remove(Segment segment) {
    open.remove(segment);
  }

  /** Sealed segments whose handle the pool holds open now. */
  public synchronized int size() {
    return open.size();
  }

  public int capacity() {
    return capacity;
  }
}
