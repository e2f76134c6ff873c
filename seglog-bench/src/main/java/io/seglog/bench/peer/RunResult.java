package io.seglog.bench.peer;

/** The outcome of one measured run of one system on one workload. Immutable. */
final class RunResult {
  final long records;
  final long payloadBytes;
  final long nanos;

  /** Non-null when the run failed: the reason, shown in the table. */
  final String failure;

  /** Non-null when the workload does not apply to the system: why, shown in the table. */
  final String notApplicable;

  /** Non-null when the run stopped at the time limit before its record count. */
  final String note;

  private RunResult(
      long records,
      long payloadBytes,
      long nanos,
      String failure,
      String notApplicable,
      String note) {
    this.records = records;
    this.payloadBytes = payloadBytes;
    this.nanos = nanos;
    this.failure = failure;
    this.notApplicable = notApplicable;
    this.note = note;
  }

  static RunResult measured(long records, long payloadBytes, long nanos, String note) {
    return new RunResult(records, payloadBytes, nanos, null, null, note);
  }

  static RunResult failed(Throwable t) {
    Throwable root = t;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message = t.getClass().getSimpleName() + ": " + t.getMessage();
    if (root != t) {
      message += " (cause " + root.getClass().getSimpleName() + ": " + root.getMessage() + ")";
    }
    return new RunResult(0, 0, 0, message, null, null);
  }

  static RunResult notApplicable(String why) {
    return new RunResult(0, 0, 0, null, why, null);
  }

  boolean ok() {
    return failure == null && notApplicable == null && nanos > 0;
  }

  double recordsPerSecond() {
    return records * 1e9 / nanos;
  }

  double megabytesPerSecond() {
    return payloadBytes * 1e3 / nanos;
  }
}
