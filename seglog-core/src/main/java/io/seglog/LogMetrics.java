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
 */
public record LogMetrics(
    long fsyncs,
    long fsyncNanosTotal,
    long fsyncNanosMax,
    long recordsSynced,
    long bytesSynced,
    int pendingAcks) {

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
