package io.seglog;

import io.seglog.internal.io.NioFileIO;
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
    Objects.requireNonNull(mode, "mode");
    LogConfig config = LogConfig.builder().recoveryMode(mode).syncPolicy(SyncPolicy.NONE).build();
    if (dryRun) {
      try (Log log = SegmentedLog.openReadOnly(directory, config, NioFileIO.INSTANCE)) {
        return log.recoveryReport();
      }
    }
    try (Log log = SegmentedLog.open(directory, config, NioFileIO.INSTANCE)) {
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
