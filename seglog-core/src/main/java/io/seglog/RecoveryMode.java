package io.seglog;

/** What opening a log does with damage it finds. See DESIGN.md section 5 and docs/FORMAT.md. */
public enum RecoveryMode {
  /**
   * Tolerate only a damaged tail of the last segment (a torn or unsynced write, trailing zeros): it
   * is cut back to the last valid frame and the cut bytes are kept in a side file. Any other damage
   * fails the open with a {@link CorruptLogException} naming the file and byte offset.
   */
  TAIL,
  /** Any damage, a torn tail included, fails the open. Every frame of every segment is checked. */
  STRICT,
  /**
   * Cut the log at the first damage found anywhere, dropping everything after it (moved to side
   * files, never deleted), and report it. Every frame of every segment is checked.
   */
  POINT_IN_TIME
}
