package io.seglog.bench.peer;

/** How a system is opened: what an append promises about the disk when it returns. */
public enum Durability {
  /** Appends reach the page cache (or a mapped file); {@link PeerLog#sync()} makes them durable. */
  EXPLICIT_SYNC,
  /** Every append is durable when it returns (seglog's {@code SyncPolicy.ALWAYS}). */
  EACH_RECORD
}
