package io.seglog.cli;

import io.seglog.Entry;
import io.seglog.Log;
import io.seglog.LogConfig;
import io.seglog.SyncPolicy;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code seglog append}: one record per stdin line, each index printed once the record is durable
 * under the chosen policy.
 *
 * <p>Acknowledgement protocol (crash tests SIGKILL this command and then check every printed
 * index): lines already buffered from stdin are appended together as one batch (one frame, so one
 * fsync under {@code always}); the batch's indices are printed and flushed only after the batch is
 * durable under the policy, and always before the command blocks reading more input. So an
 * interactive writer gets each index as soon as its line is durable, and a bulk writer pays one
 * fsync per buffer of input instead of one per line.
 */
@Command(
    name = "append",
    header = "Append stdin lines as records; print each index once it is durable.",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    sortOptions = false,
    usageHelpAutoWidth = true,
    description = {
      "Append stdin to the log in DIR, one record per line (the line terminator, \\n or \\r\\n, is"
          + " removed), creating the log if absent. Prints each record's index on its own line"
          + " once the record is durable under --sync: always = fsynced; interval = written, and"
          + " fsynced within 100 ms; none = written to the OS (survives a crash of this process),"
          + " fsynced at the end.",
      "",
      "Example:",
      "  seglog append /var/lib/events --sync always --type 7 < events.ndjson",
      ""
    })
final class AppendCommand implements Callable<Integer> {
  /** Interval of the background fsync under {@code --sync interval}. */
  static final Duration SYNC_INTERVAL = Duration.ofMillis(100);

  /** Bounds of one batch of buffered lines; far below {@link LogConfig#maxBatchBytes()}. */
  private static final int MAX_BATCH_RECORDS = 4096;

  private static final long MAX_BATCH_BYTES = 1 << 20;

  /**
   * A batch is one frame, and a frame is never split across segments: batches stay a small part of
   * a segment so that --segment-bytes keeps its meaning.
   */
  private static final int BATCHES_PER_SEGMENT = 8;

  private static final int INPUT_BUFFER_BYTES = 1 << 16;

  /** The --sync values. */
  enum SyncMode {
    ALWAYS,
    INTERVAL,
    NONE;

    SyncPolicy policy() {
      switch (this) {
        case ALWAYS:
          return SyncPolicy.ALWAYS;
        case INTERVAL:
          return SyncPolicy.interval(SYNC_INTERVAL);
        default:
          return SyncPolicy.NONE;
      }
    }
  }

  @ParentCommand private SeglogCli root;

  @Spec private CommandSpec spec;

  @Parameters(index = "0", paramLabel = "DIR", description = "The log directory.")
  private Path dir;

  @Option(
      names = "--sync",
      paramLabel = "POLICY",
      defaultValue = "always",
      description = "always, interval or none. Default: ${DEFAULT-VALUE}.")
  private SyncMode sync;

  @Option(
      names = "--type",
      paramLabel = "N",
      defaultValue = "0",
      description = "User type of every record, 0..65535. Default: ${DEFAULT-VALUE}.")
  private int type;

  @Option(
      names = "--segment-bytes",
      paramLabel = "N",
      description = "Seal a segment once it would grow past N bytes. Default: 64 MiB.")
  private Long segmentBytes;

  @Override
  public Integer call() throws IOException {
    LogConfig config = config();
    OutputStream out = new BufferedOutputStream(root.stdout(), 1 << 16);
    try (Log log = LogDirs.openForWrite(dir, config)) {
      LineReader lines = new LineReader(root.stdin(), INPUT_BUFFER_BYTES, config.maxRecordBytes());
      long maxBatchBytes = Math.min(MAX_BATCH_BYTES, config.segmentBytes() / BATCHES_PER_SEGMENT);
      List<Entry> batch = new ArrayList<>();
      long batchBytes = 0;
      byte[] line;
      while ((line = lines.next()) != null) {
        batch.add(Entry.of(line, type, Entry.ASSIGN_TIMESTAMP));
        batchBytes += line.length;
        // Never block on stdin while holding unacknowledged lines.
        if (!lines.hasBufferedLine()
            || batch.size() >= MAX_BATCH_RECORDS
            || batchBytes >= maxBatchBytes) {
          appendAndAcknowledge(log, batch, out);
          batch.clear();
          batchBytes = 0;
        }
      }
      appendAndAcknowledge(log, batch, out);
    } finally {
      out.flush();
    }
    return SeglogCli.EXIT_OK;
  }

  private LogConfig config() {
    if (type < 0 || type > Entry.MAX_TYPE) {
      throw new ParameterException(
          spec.commandLine(), "--type " + type + " is outside 0.." + Entry.MAX_TYPE);
    }
    LogConfig.Builder builder = LogConfig.builder().syncPolicy(sync.policy());
    if (segmentBytes != null) {
      if (segmentBytes < LogConfig.MIN_SEGMENT_BYTES
          || segmentBytes > LogConfig.MAX_SEGMENT_BYTES) {
        throw new ParameterException(
            spec.commandLine(),
            "--segment-bytes "
                + segmentBytes
                + " is outside "
                + LogConfig.MIN_SEGMENT_BYTES
                + ".."
                + LogConfig.MAX_SEGMENT_BYTES);
      }
      builder.segmentBytes(segmentBytes);
    }
    return builder.build();
  }

  private void appendAndAcknowledge(Log log, List<Entry> batch, OutputStream out)
      throws IOException {
    if (batch.isEmpty()) {
      return;
    }
    long first = batch.size() == 1 ? log.append(batch.get(0)) : log.appendBatch(batch);
    long last = first + batch.size() - 1;
    // Under ALWAYS the append returned after its fsync. The check costs nothing then, and makes
    // "printed means durable" hold by this command's own hand.
    if (sync == SyncMode.ALWAYS && log.durableIndex() < last) {
      log.sync();
    }
    for (long index = first; index <= last; index++) {
      out.write(Long.toString(index).getBytes(StandardCharsets.US_ASCII));
      out.write('\n');
    }
    out.flush();
  }
}
