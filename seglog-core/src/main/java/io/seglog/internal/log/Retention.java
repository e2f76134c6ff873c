package io.seglog.internal.log;

import io.seglog.LogConfig;
import io.seglog.internal.format.Trailer;
import io.seglog.internal.segment.Segment;

/**
 * Which sealed segments the retention policies of a {@link LogConfig} remove: a prefix of the
 * segments, never the active (last) one, never one holding an index at or above the retention
 * floor. A segment goes when any policy wants it gone:
 *
 * <ul>
 *   <li>by age: its newest record (the trailer's max timestamp, from the records themselves, never
 *       a file time) is at least {@link LogConfig#retentionAge()} old by the log's clock. A max
 *       timestamp in the future would keep the segment forever, so it is replaced, with a warning,
 *       by the segment's seal time. The trailer does not record one; the next segment's creation
 *       time stands for it (the roll that sealed a segment creates the next one at once; after a
 *       crash between the two, recovery creates it at open, a later time, so the estimate only errs
 *       towards keeping);
 *   <li>by bytes: the log's files (all segments, the active one included) exceed {@link
 *       LogConfig#retentionBytes()};
 *   <li>by records: the log holds more than {@link LogConfig#retentionRecords()} records.
 * </ul>
 *
 * Segments are considered oldest first and the first one that no policy removes stops the pass.
 */
final class Retention {
  private static final System.Logger LOG = System.getLogger(Retention.class.getName());

  private Retention() {}

  /** Whether any policy is set. */
  static boolean enabled(LogConfig config) {
    return !config.retentionAge().isZero()
        || config.retentionBytes() > 0
        || config.retentionRecords() > 0;
  }

  /**
   * How many leading segments of {@code s} to remove.
   *
   * @param floor no segment holding an index {@code >= floor} is removed
   * @param warned the highest base index already warned about (a one-element holder), so a segment
   *     with a future timestamp is reported once, not at every roll
   */
  static int removable(
      Segment[] s, long firstIndex, long lastIndex, LogConfig config, long floor, long[] warned) {
    long now = config.clock().millis();
    long maxAge = config.retentionAge().toMillis();
    long bytes = 0;
    for (Segment seg : s) {
      bytes += seg.size();
    }
    long records = lastIndex - firstIndex + 1;
    int k = 0;
    while (k < s.length - 1) {
      Segment seg = s[k];
      Trailer t = seg.trailer();
      if (t == null || seg.nextIndex() - 1 >= floor) {
        break;
      }
      boolean old = maxAge > 0 && expired(seg, t, s[k + 1], now, maxAge, warned);
      boolean tooBig = config.retentionBytes() > 0 && bytes > config.retentionBytes();
      boolean tooMany = config.retentionRecords() > 0 && records > config.retentionRecords();
      if (!(old || tooBig || tooMany)) {
        break;
      }
      bytes -= seg.size();
      records -= Math.max(0, seg.nextIndex() - Math.max(firstIndex, seg.baseIndex()));
      k++;
    }
    return k;
  }

  private static boolean expired(
      Segment seg, Trailer t, Segment next, long now, long maxAge, long[] warned) {
    long newest = t.maxTimestamp();
    if (newest > now) {
      long sealed = next.header().createdAt();
      if (seg.baseIndex() > warned[0]) {
        warned[0] = seg.baseIndex();
        LOG.log(
            System.Logger.Level.WARNING,
            "segment {0} holds a record timestamp {1} after the clock ({2}); retention by age"
                + " uses its seal time {3} instead",
            seg.path(),
            String.valueOf(newest),
            String.valueOf(now),
            String.valueOf(sealed));
      }
      newest = sealed;
    }
    return now - newest >= maxAge;
  }
}
