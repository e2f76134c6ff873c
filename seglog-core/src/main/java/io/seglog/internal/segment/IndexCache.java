package io.seglog.internal.segment;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Bounds the memory of sealed segments' frame indexes: when loading one takes the total past the
 * capacity in bytes or in segments, others are unloaded (they reload from their index file on next
 * use). The index just loaded is never the one unloaded, so one index larger than the byte capacity
 * is still held while it is in use.
 *
 * <p>Design note. Eviction is CLOCK (second chance): segments sit in load order; a segment read
 * since the hand last passed it has its referenced bit set and goes to the back once, bit cleared;
 * the first one without the bit is unloaded. Reads only set a bit (see {@link
 * Segment#frameIndex()}), so the cache costs the read path no lock. Unloading only drops the
 * segment's reference: a reader still holding the index keeps using it (sealed indexes never
 * change).
 *
 * <p>Thread-safe. Lock order: this cache, then a segment's load lock; a segment never calls the
 * cache while holding its own lock.
 */
public final class IndexCache {
  private final long capacityBytes;
  private final int capacitySegments;
  private final LinkedHashMap<Segment, Long> loaded = new LinkedHashMap<>(); // @GuardedBy("this")
  private long bytes; // @GuardedBy("this")

  /**
   * @param capacityBytes memory the held indexes may take
   * @param capacitySegments how many sealed segments' indexes may be held at once
   */
  public IndexCache(long capacityBytes, int capacitySegments) {
    this.capacityBytes = capacityBytes;
    this.capacitySegments = Math.max(1, capacitySegments);
  }

  /** Memory an index of {@code frames} entries takes, roughly. */
  static long sizeOf(FrameIndex index) {
    return 64 + 8L * index.count() + 12L * index.timeSampleCount();
  }

  /** Records that {@code segment}'s index is in memory, then evicts others while over capacity. */
  synchronized void loaded(Segment segment, long size) {
    if (loaded.containsKey(segment)) {
      return;
    }
    loaded.put(segment, size);
    bytes += size;
    int secondChances = 0;
    while ((bytes > capacityBytes || loaded.size() > capacitySegments) && loaded.size() > 1) {
      Iterator<Map.Entry<Segment, Long>> it = loaded.entrySet().iterator();
      Map.Entry<Segment, Long> eldest = it.next();
      Segment victim = eldest.getKey();
      long victimBytes = eldest.getValue();
      boolean spare =
          victim == segment || (secondChances < loaded.size() && victim.clearReferenced());
      it.remove();
      if (spare) {
        loaded.put(victim, victimBytes); // to the back of the clock
        secondChances++;
        continue;
      }
      bytes -= victimBytes;
      victim.unloadIndex();
    }
  }

  /** Forgets a segment that is being closed or deleted. */
  public synchronized void remove(Segment segment) {
    Long size = loaded.remove(segment);
    if (size != null) {
      bytes -= size;
    }
  }

  /** Bytes of indexes held now. */
  public synchronized long bytes() {
    return bytes;
  }

  /** Sealed segments whose index is held now. */
  public synchronized int size() {
    return loaded.size();
  }
}
