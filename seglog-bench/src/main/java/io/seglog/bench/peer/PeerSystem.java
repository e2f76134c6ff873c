package io.seglog.bench.peer;

import java.nio.file.Path;

/**
 * A system the runner can measure: a name, how it is configured, and a factory for {@link
 * PeerLog}s. Adding a peer means one class implementing this and {@link PeerLog}, and one line in
 * {@link PeerSystems}.
 */
public interface PeerSystem {
  /** The short name used on the command line and in tables. */
  String name();

  /** Version and settings, printed once per run. */
  String description();

  /**
   * How many records the runner hands to one {@link PeerLog#appendBatch} call: 1 means one record
   * per append call.
   */
  default int batchSize() {
    return 1;
  }

  /**
   * Caveats that affect how its figures compare, e.g. "syncs on its own", printed under the table;
   * empty when none.
   */
  default String caveat(Durability durability) {
    return "";
  }

  /** Opens a new, empty log in {@code dir} (which exists and is empty). */
  PeerLog open(Path dir, Durability durability, int recordBytes) throws Exception;
}
