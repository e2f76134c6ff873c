package io.seglog;

/**
 * Told how far a long-running pass over a log has come, for a progress bar on a big log. Used by
 * {@link LogVerifier#verify(java.nio.file.Path, String, ProgressListener)} and {@link
 * LogRepair#repair(java.nio.file.Path, RecoveryMode, boolean, ProgressListener)}.
 *
 * <p>Progress is counted in bytes of segment files, as listed when the pass starts, and reported
 * per segment: once at the start with {@code bytesDone == 0}, after each segment file the pass is
 * done with, and so at the end with {@code bytesDone == bytesTotal}. A log without segment files
 * reports nothing. {@code bytesDone} never decreases. Calls come from the thread running the pass,
 * so a listener should be quick (store the numbers, let another thread draw them); an exception it
 * throws aborts the pass and reaches the caller.
 */
@FunctionalInterface
public interface ProgressListener {
  /** A listener that ignores every report. */
  ProgressListener NONE = (bytesDone, bytesTotal) -> {};

  /**
   * Reports progress.
   *
   * @param bytesDone bytes of the segment files done with so far
   * @param bytesTotal bytes of all segment files of the pass (fixed for one pass)
   */
  void progress(long bytesDone, long bytesTotal);
}
