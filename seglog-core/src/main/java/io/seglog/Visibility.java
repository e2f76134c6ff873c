package io.seglog;

/** Which records a read may see. */
public enum Visibility {
  /** Every record whose frame is fully written: up to {@link Log#lastIndex()}. The default. */
  WRITTEN,
  /**
   * Only records known to be fsynced: up to {@link Log#durableIndex()}. A reader that must never
   * act on a record a crash could take back (a replica applying a Raft log) uses this.
   */
  DURABLE
}
