package io.seglog.cli;

import io.seglog.Log;
import io.seglog.LogConfig;
import io.seglog.LogLockedException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * Opening logs for the commands, with the tool's error wording: a missing directory or a held lock
 * becomes one line that names the directory. Thread-safe (stateless).
 */
final class LogDirs {
  /** The metadata file's name in a log directory (docs/FORMAT.md section 2). */
  static final String METADATA = "seglog.meta";

  private LogDirs() {}

  /**
   * Opens (creating if absent) the log in {@code dir} for appending.
   *
   * @throws CliFailure if another process holds the log, or {@code dir} is a file
   */
  static Log openForWrite(Path dir, LogConfig config) {
    if (Files.exists(dir) && !Files.isDirectory(dir)) {
      throw new CliFailure(dir + " is not a directory");
    }
    try {
      return Log.open(dir, config);
    } catch (LogLockedException e) {
      throw new CliFailure("log directory " + dir + " is locked by another process", e);
    }
  }

  /**
   * Opens the existing log in {@code dir} read-only: no lock, no write, even on a damaged log.
   *
   * @throws CliFailure if {@code dir} does not exist or is not a directory
   */
  static Log openReadOnly(Path dir) {
    return openReadOnly(dir, LogConfig.defaults());
  }

  /** {@link #openReadOnly(Path)} with {@code config} (keys of an encrypted log). */
  static Log openReadOnly(Path dir, LogConfig config) {
    requireExistingDirectory(dir);
    return Log.openReadOnly(dir, config);
  }

  /**
   * Checks that {@code dir} holds a log (a metadata file or a segment), so that a command that
   * opens it writable never creates one by accident.
   *
   * @throws CliFailure if it does not
   */
  static void requireLog(Path dir) {
    requireExistingDirectory(dir);
    boolean hasLog = Files.exists(dir.resolve(METADATA));
    if (!hasLog) {
      try (Stream<Path> files = Files.list(dir)) {
        hasLog = files.anyMatch(p -> p.getFileName().toString().matches("[0-9]{20}\\.seg"));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    if (!hasLog) {
      throw new CliFailure("no seglog log in " + dir + " (no seglog.meta and no segments)");
    }
  }

  /**
   * Checks that {@code dir} is an existing directory, so a typo gives one line naming the path.
   *
   * @throws CliFailure if it is not
   */
  static void requireExistingDirectory(Path dir) {
    if (!Files.exists(dir)) {
      throw new CliFailure("log directory " + dir + " does not exist");
    }
    if (!Files.isDirectory(dir)) {
      throw new CliFailure(dir + " is not a directory");
    }
  }
}
