package io.seglog.cli;

import io.seglog.Log;
import io.seglog.LogStats;
import io.seglog.SegmentInfo;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code seglog stat}: the log's extent and its segments, read-only. */
@Command(
    name = "stat",
    header = "Print the log's first, last and durable index, totals and segments.",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    sortOptions = false,
    usageHelpAutoWidth = true,
    description = {
      "Print the extent of the log in DIR: first, last and durable index, record and segment"
          + " count, bytes in segment files, then one row per segment: base index, records,"
          + " bytes, sealed, time range of its records (ISO-8601 UTC) and digest (the first 12"
          + " hex digits of its SHA-256; '-' while active). The log is not modified.",
      "",
      "--json keys: firstIndex, lastIndex, durableIndex, records, segments (the count), bytes,"
          + " segmentList [{file, baseIndex, records, bytes, sealed, minTimestamp, maxTimestamp,"
          + " digest}] with timestamps in epoch millis (null when the segment is empty) and the"
          + " full digest (null while active). An empty log has lastIndex = firstIndex - 1.",
      "",
      "Examples:",
      "  seglog stat /var/lib/events",
      "  seglog stat /var/lib/events --json | jq '.segmentList[] | select(.sealed)'",
      ""
    })
final class StatCommand implements Callable<Integer> {
  /** Hex digits of a digest shown in the table. */
  static final int SHORT_DIGEST = 12;

  @ParentCommand private SeglogCli root;

  @Parameters(index = "0", paramLabel = "DIR", description = "The log directory.")
  private Path dir;

  @Option(names = "--json", description = "One JSON object with stable keys.")
  private boolean json;

  @Override
  public Integer call() {
    LogStats stats;
    List<SegmentInfo> segments;
    try (Log log = LogDirs.openReadOnly(dir)) {
      stats = log.stats();
      segments = log.segments();
    }
    PrintWriter out = TextOut.over(root.stdout());
    out.print(json ? json(stats, segments) : human(stats, segments));
    TextOut.check(out);
    return SeglogCli.EXIT_OK;
  }

  static String json(LogStats s, List<SegmentInfo> segments) {
    Json json =
        new Json()
            .beginObject()
            .field("firstIndex", s.firstIndex())
            .field("lastIndex", s.lastIndex())
            .field("durableIndex", s.durableIndex())
            .field("records", s.recordCount())
            .field("segments", s.segmentCount())
            .field("bytes", s.totalBytes())
            .name("segmentList")
            .beginArray();
    for (SegmentInfo seg : segments) {
      json.beginObject()
          .field("file", seg.file().getFileName().toString())
          .field("baseIndex", seg.baseIndex())
          .field("records", seg.records())
          .field("bytes", seg.bytes())
          .field("sealed", seg.sealed());
      if (seg.records() == 0) {
        json.name("minTimestamp").value((String) null).name("maxTimestamp").value((String) null);
      } else {
        json.field("minTimestamp", seg.minTimestamp()).field("maxTimestamp", seg.maxTimestamp());
      }
      json.field("digest", seg.digest()).endObject();
    }
    return json.endArray().endObject() + "\n";
  }

  private String human(LogStats s, List<SegmentInfo> segments) {
    StringBuilder sb =
        new StringBuilder(
            String.format(
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
                Units.bytes(s.totalBytes())));
    if (segments.isEmpty()) {
      return sb.toString();
    }
    List<String[]> rows = new ArrayList<>();
    rows.add(
        new String[] {
          "segment", "base index", "records", "bytes", "sealed", "time range", "digest"
        });
    for (SegmentInfo seg : segments) {
      rows.add(
          new String[] {
            seg.file().getFileName().toString(),
            Long.toString(seg.baseIndex()),
            Long.toString(seg.records()),
            Long.toString(seg.bytes()),
            seg.sealed() ? "yes" : "no",
            seg.records() == 0
                ? "-"
                : DumpCommand.TIMESTAMP.format(Instant.ofEpochMilli(seg.minTimestamp()))
                    + ".."
                    + DumpCommand.TIMESTAMP.format(Instant.ofEpochMilli(seg.maxTimestamp())),
            seg.digest() == null ? "-" : seg.digest().substring(0, SHORT_DIGEST)
          });
    }
    sb.append('\n')
        .append(Table.render(rows, new boolean[] {false, true, true, true, false, false, false}));
    return sb.toString();
  }
}
