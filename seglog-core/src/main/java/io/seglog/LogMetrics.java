package io.seglog;

/**
 * Durability counters of an open log since it was opened: a snapshot, cheap to take.
 *
 * @param fsyncs data fsyncs of segment files (sealing included)
 * @param fsyncNanosTotal time spent in those fsyncs
 * @param fsyncNanosMax the slowest one
 * @param recordsSynced records made durable by them
 * @param bytesSynced bytes made durable by them
 * @param pendingAcks asynchronous appends written and waiting for their fsync (queue depth)
 * @param fsyncWaits times a thread waited for an fsync another thread was running (group commit:
 *     each is a wake-up to pay)
 * @param fsyncWaitsSpun of those, the waits that ended while the thread was still spinning ({@link
 *     LogConfig#syncWaitSpin()}), without parking; the others parked (or were woken before their
 *     spin began). With a spin set, a count far below {@code fsyncWaits} means the spin runs out
 *     first: it is too short to help
 */
public record LogMetrics(
    long fsyncs,
    long fsyncNanosTotal,
    long fsyncNanosMax,
    long recordsSynced,
    long bytesSynced,
    int pendingAcks,
    long fsyncWaits,
    long fsyncWaitsSpun) {

  /** Mean fsync latency in nanoseconds; 0 before the first fsync. */
  public double meanFsyncNanos() {
    return fsyncs == 0 ? 0 : (double) fsyncNanosTotal / fsyncs;
  }

  /** Records per fsync: how well concurrent appenders share fsyncs (group commit). */
  public double recordsPerFsync() {
    return fsyncs == 0 ? 0 : (double) recordsSynced / fsyncs;
  }

  /** Bytes per fsync. */
  public double bytesPerFsync() {
    return fsyncs == 0 ? 0 : (double) bytesSynced / fsyncs;
  }
}
