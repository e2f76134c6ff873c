package io.seglog;

import io.seglog.internal.format.FileNames;
import io.seglog.internal.format.FormatException;
import io.seglog.internal.format.MetadataFormat;
import io.seglog.internal.io.NioFileIO;
import io.seglog.internal.log.SegmentedLog;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
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
   * Whether a truncation ({@code truncateAfter}, {@code reset}, {@code clear}) was interrupted in
   * the log in {@code directory}: its metadata still records it as pending. Any writable open
   * finishes it; a read-only open refuses the log until then. Reads only the metadata file.
   *
   * @throws SeglogIOException if the metadata file exists but cannot be read
   */
  public static boolean hasInterruptedTruncation(Path directory) {
    Path meta = directory.resolve(FileNames.METADATA);
    if (!Files.exists(meta)) {
      return false;
    }
    try {
      return MetadataFormat.decodeFile(ByteBuffer.wrap(Files.readAllBytes(meta))).pending() != null;
    } catch (FormatException e) {
      return false; // damage, not a pending truncation: opening reports it
    } catch (IOException e) {
      throw new SeglogIOException("cannot read " + meta, e);
    }
  }
}
