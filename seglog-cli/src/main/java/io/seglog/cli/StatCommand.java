package io.seglog.cli;

import io.seglog.Log;
import io.seglog.LogStats;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code seglog stat}: the log's extent, read-only. */
@Command(
    name = "stat",
    header = "Print the log's first, last and durable index, segments and bytes.",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    sortOptions = false,
    usageHelpAutoWidth = true,
    description = {
      "Print the extent of the log in DIR: first, last and durable index, record and segment"
          + " count, bytes in segment files. The log is not modified. --json keys: firstIndex,"
          + " lastIndex, durableIndex, records, segments, bytes. An empty log has lastIndex ="
          + " firstIndex - 1.",
      "",
      "Example:",
      "  seglog stat /var/lib/events --json",
      ""
    })
final class StatCommand implements Callable<Integer> {
  @ParentCommand private SeglogCli root;

  @Parameters(index = "0", paramLabel = "DIR", description = "The log directory.")
  private Path dir;

  @Option(names = "--json", description = "One JSON object with stable keys.")
  private boolean json;

  @Override
  public Integer call() {
    LogStats stats;
    try (Log log = LogDirs.openReadOnly(dir)) {
      stats = log.stats();
    }
    PrintWriter out = TextOut.over(root.stdout());
    out.print(json ? json(stats) : human(stats));
    TextOut.check(out);
    return SeglogCli.EXIT_OK;
  }

  static String json(LogStats s) {
    return new Json()
            .beginObject()
            .field("firstIndex", s.firstIndex())
            .field("lastIndex", s.lastIndex())
            .field("durableIndex", s.durableIndex())
            .field("records", s.recordCount())
            .field("segments", s.segmentCount())
            .field("bytes", s.totalBytes())
            .endObject()
        + "\n";
  }

  private String human(LogStats s) {
    return String.format(
        "directory      %s\n"
            + "first index    %d\n"
            + "last index     %d\n"
            + "durable index  %d\n"
            + "records        %d\n"
            + "segments       %d\n"
            + "bytes          %d (%s)\n",
        dir,
        s.firstIndex(),
        s.lastIndex(),
        s.durableIndex(),
        s.recordCount(),
        s.segmentCount(),
        s.totalBytes(),
        Units.bytes(s.totalBytes()));
  }
}
