package io.seglog;

import io.seglog.internal.io.FileIO;
import io.seglog.internal.io.NioFileIO;
import io.seglog.internal.log.ProgressFileIO;
import io.seglog.internal.log.SegmentedLog;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Repairs a log the way opening it in a given {@link RecoveryMode} would: cuts what the mode cuts,
 * keeping every cut byte in a side file, and reports exactly what was removed. Thread-safe
 * (stateless).
 */
public final class LogRepair {
  private LogRepair() {}

  /**
   * Repairs the log in {@code directory}.
   *
   * @param mode {@link RecoveryMode#TAIL} cuts only a torn tail; {@link RecoveryMode#POINT_IN_TIME}
   *     cuts at the first damage anywhere
   * @param dryRun only report what would be cut: nothing is written, no lock is taken
   * @return what was (or would be) cut
   * @throws CorruptLogException if the mode refuses the damage found
   * @throws LogLockedException if another process holds the log (not for a dry run)
   */
  public static RecoveryReport repair(Path directory, RecoveryMode mode, boolean dryRun) {
    return repair(directory, mode, dryRun, NioFileIO.INSTANCE);
  }

  /**
   * Repairs the log as {@link #repair(Path, RecoveryMode, boolean)} does, telling {@code progress}
   * as the repair moves from one segment file to the next (see {@link ProgressListener}). Mode
   * {@link RecoveryMode#TAIL} reads only the headers and trailers of sealed segments, so their
   * bytes go by quickly; the last segment, and in {@link RecoveryMode#POINT_IN_TIME} every segment,
   * is scanned frame by frame.
   *
   * @param progress told on the calling thread. It should not throw: an exception it throws aborts
   *     the repair where it stands (a cut already made stays made, its bytes in their side file, as
   *     after a crash during recovery; repairing again completes the job)
   * @throws CorruptLogException if the mode refuses the damage found
   * @throws LogLockedException if another process holds the log (not for a dry run)
   */
  public static RecoveryReport repair(
      Path directory, RecoveryMode mode, boolean dryRun, ProgressListener progress) {
    Objects.requireNonNull(directory, "directory");
    ProgressFileIO io = new ProgressFileIO(NioFileIO.INSTANCE, directory, progress);
    RecoveryReport report = repair(directory, mode, dryRun, io);
    io.finish();
    return report;
  }

  private static RecoveryReport repair(
      Path directory, RecoveryMode mode, boolean dryRun, FileIO io) {
    Objects.requireNonNull(mode, "mode");
    LogConfig config = LogConfig.builder().recoveryMode(mode).syncPolicy(SyncPolicy.NONE).build();
    if (dryRun) {
      try (Log log = SegmentedLog.openReadOnly(directory, config, io)) {
        return log.recoveryReport();
      }
    }
    try (Log log = SegmentedLog.open(directory, config, io)) {
      return log.recoveryReport();
    }
  }

  /**
   * Repairs the log in {@code directory} of {@code storage} (an in-memory one, say). See {@link
   * #repair(Path, RecoveryMode, boolean)}.
   */
  public static RecoveryReport repair(
      Path directory, RecoveryMode mode, boolean dryRun, Storage storage) {
    Objects.requireNonNull(mode, "mode");
    LogConfig config = LogConfig.builder().recoveryMode(mode).syncPolicy(SyncPolicy.NONE).build();
    if (dryRun) {
      try (Log log = Log.openReadOnly(directory, config, storage)) {
        return log.recoveryReport();
      }
    }
    try (Log log = Log.open(directory, config, storage)) {
      return log.recoveryReport();
    }
  }
}
