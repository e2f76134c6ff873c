package io.seglog.cli;

import io.seglog.Log;
import io.seglog.LogReader;
import io.seglog.Record;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code seglog dump}: one line per record of {@code [from, to)}, read-only. Not thread-safe: one
 * instance per execution, like every command.
 */
@Command(
    name = "dump",
    header = "Print records, one per line, as text or JSON.",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    sortOptions = false,
    usageHelpAutoWidth = true,
    description = {
      "Print the records of the log in DIR, one per line, without modifying it. Human form:"
          + " INDEX TIMESTAMP TYPE SIZE PAYLOAD, where TIMESTAMP is ISO-8601 UTC and PAYLOAD is"
          + " text:<utf-8> when printable, else hex:<bytes>. With --json:"
          + " {\"index\":I,\"timestamp\":T,\"type\":N,\"payload\":\"<base64>\"} per line,"
          + " TIMESTAMP in epoch millis.",
      "",
      "Example:",
      "  seglog dump /var/lib/events --from 100 --to 200 --json",
      ""
    })
final class DumpCommand implements Callable<Integer> {
  /** ISO-8601 UTC with milliseconds always shown, so the column has a fixed width. */
  private static final DateTimeFormatter TIMESTAMP =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  /** Records between checks that stdout is still writable. */
  private static final int CHECK_EVERY = 1024;

  @ParentCommand private SeglogCli root;

  @Spec private CommandSpec spec;

  @Parameters(index = "0", paramLabel = "DIR", description = "The log directory.")
  private Path dir;

  @Option(
      names = "--from",
      paramLabel = "I",
      description = "First index to print (inclusive). Default: the log's first index.")
  private Long from;

  @Option(
      names = "--to",
      paramLabel = "I",
      description = "Index to stop before (exclusive). Default: after the last record.")
  private Long to;

  @Option(names = "--json", description = "One JSON object per line, payload in base64.")
  private boolean json;

  @Override
  public Integer call() {
    if (from != null && to != null && to < from) {
      throw new ParameterException(spec.commandLine(), "--to " + to + " is below --from " + from);
    }
    PrintWriter out = TextOut.over(root.stdout());
    try (Log log = LogDirs.openReadOnly(dir)) {
      long start = from != null ? from : log.firstIndex();
      long end = to != null ? to : log.lastIndex() + 1;
      if (start < end) {
        try (LogReader reader = log.reader(start, end)) {
          long lines = 0;
          while (reader.hasNext()) {
            out.print(json ? jsonLine(reader.next()) : humanLine(reader.next()));
            // Stop reading once nobody reads the output (`seglog dump ... | head`).
            if (++lines % CHECK_EVERY == 0) {
              TextOut.check(out);
            }
          }
        }
      }
    } finally {
      out.flush();
    }
    TextOut.check(out);
    return SeglogCli.EXIT_OK;
  }

  static String jsonLine(Record r) {
    return new Json()
            .beginObject()
            .field("index", r.index())
            .field("timestamp", r.timestamp())
            .field("type", r.type())
            .field("payload", Base64.getEncoder().encodeToString(r.payloadBytes()))
            .endObject()
        + "\n";
  }

  static String humanLine(Record r) {
    return r.index()
        + " "
        + TIMESTAMP.format(Instant.ofEpochMilli(r.timestamp()))
        + " "
        + r.type()
        + " "
        + r.size()
        + " "
        + PayloadText.render(r.payload())
        + "\n";
  }
}
