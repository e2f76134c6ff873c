package io.seglog;

import java.nio.file.Path;
import java.util.List;

/**
 * What opening a {@link StateMachineLog} did to bring the state machine back.
 *
 * @param checkpoint the checkpoint restored, or null when replay started from an empty state (a log
 *     whose first record is the configured initial index, and no usable checkpoint)
 * @param fromIndex the first record replayed (the checkpoint's index + 1)
 * @param recordsReplayed records applied after the checkpoint, up to the log's last index
 * @param skipped newer checkpoints that could not be used, newest first: damaged (a fallback to an
 *     older one) or incomplete (a crash while writing it)
 */
public record ReplayReport(
    CheckpointInfo checkpoint,
    long fromIndex,
    long recordsReplayed,
    List<SkippedCheckpoint> skipped) {

  public ReplayReport {
    skipped = List.copyOf(skipped);
  }

  /** Whether a damaged checkpoint was passed over for an older one. */
  public boolean fellBack() {
    return skipped.stream().anyMatch(SkippedCheckpoint::damaged);
  }

  /**
   * A checkpoint not used.
   *
   * @param segment its segment file
   * @param offset byte offset of its first chunk frame (or of the damage when {@code damaged})
   * @param index the last record it would have covered
   * @param damaged true for a damaged checkpoint, false for an incomplete one
   * @param reason what is wrong, with the byte offset
   */
  public record SkippedCheckpoint(
      Path segment, long offset, long index, boolean damaged, String reason) {}
}
