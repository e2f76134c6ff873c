package io.seglog;

import io.seglog.internal.checkpoint.CheckpointedLog;
import io.seglog.internal.io.NioFileIO;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Predicate;

/**
 * A {@link Log} that keeps a {@link StateMachine} in step with its records and stores checkpoints
 * of it in the log.
 *
 * <p>Opening restores the newest usable checkpoint and applies every record after it, in order,
 * before {@link #open} returns ({@link #replayReport()} says which checkpoint and how many
 * records). From then on every appended record is applied as it is written. When a segment rolls,
 * the new segment begins with a checkpoint of the state as of the last record before it, so every
 * segment is self-describing; {@link #checkpoint()} writes one on demand. Checkpoints never take a
 * record index. {@link #purgeTo} and {@link #purgeWhile} delete the whole segments a later
 * checkpoint makes redundant.
 *
 * <p>Damage: a damaged checkpoint fails the open with a {@link CorruptLogException} naming its file
 * and offset, unless an older intact checkpoint and the records after it rebuild the state; then
 * the older one is used and the damaged one reported in {@link ReplayReport#skipped()}. A torn
 * checkpoint at the unsynced tail is cut by recovery like any torn frame.
 */
public interface StateMachineLog extends Log {

  /**
   * Opens (creating if absent) the log in {@code directory} for {@code stateMachine}, a fresh state
   * machine, and brings it up to the log's last record.
   *
   * @throws CorruptLogException if recovery refuses damage, or no intact checkpoint and the records
   *     after it can rebuild the state
   * @throws UnsupportedOperationException if {@code config} sets {@link LogConfig#encryption()}:
   *     checkpoints are not encrypted yet, and would hold the state in plaintext
   */
  static StateMachineLog open(Path directory, LogConfig config, StateMachine stateMachine) {
    return open(directory, config, stateMachine, null);
  }

  /** {@link #open(Path, LogConfig, StateMachine)} with a durability listener (may be null). */
  static StateMachineLog open(
      Path directory, LogConfig config, StateMachine stateMachine, DurabilityListener listener) {
    return CheckpointedLog.open(directory, config, NioFileIO.INSTANCE, stateMachine, listener);
  }

  /**
   * Every complete checkpoint in {@code log} (opened read-only or not), oldest first, each one's
   * chunks verified against their checksums; incomplete ones (a crash while writing) are left out.
   * Reads every segment.
   *
   * @throws CorruptLogException naming the file and offset of a damaged checkpoint
   */
  static List<CheckpointInfo> scanCheckpoints(Log log) {
    return CheckpointedLog.scan(log);
  }

  /** How the state machine was brought back at open. */
  ReplayReport replayReport();

  /**
   * Writes a checkpoint of the state as of {@link #lastIndex()} at the end of the active segment
   * (rolling first if the active segment is a format version 1 segment). It is durable once the
   * records after it are, or after {@link #sync()}.
   */
  CheckpointInfo checkpoint();

  /**
   * The checkpoints this log knows, oldest first: the leading checkpoint of every segment, and
   * those of the active segment and of this session.
   */
  List<CheckpointInfo> checkpoints();

  /**
   * Purges up to the newest checkpoint that covers at most {@code index}: syncs, then deletes every
   * whole segment before the segment holding that checkpoint, crash-safely (the first index is
   * committed before any file is deleted). The state stays recoverable from that checkpoint.
   *
   * @return the log's first index afterwards
   */
  long purgeTo(long index);

  /**
   * Purges up to the newest checkpoint in the longest run, oldest first, of checkpoints that {@code
   * allowed} accepts (as {@link #purgeTo} to its index). {@code allowed} runs under the log's
   * append lock: it must not close the log ({@link Log#close()} throws {@link
   * IllegalStateException} there); see {@link StateMachine} for what else it may call.
   *
   * @return the log's first index afterwards
   */
  long purgeWhile(Predicate<CheckpointInfo> allowed);
}
