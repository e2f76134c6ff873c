package io.seglog.cli;

import io.seglog.LogVerifier;
import io.seglog.VerifyReport;
import io.seglog.VerifyReport.Finding;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code seglog verify}: checks every byte of a log without modifying it. Exit 0 when intact, 1
 * when damage is found; the findings go to stdout, one summary line to stderr.
 */
@Command(
    name = "verify",
    header = "Check every file of a log; exit 1 if damage is found.",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    sortOptions = false,
    usageHelpAutoWidth = true,
    description = {
      "Check the log in DIR without modifying it: segment headers, every frame's CRC32C, index"
          + " contiguity, trailers and the hash chain, index files and metadata. Prints one line"
          + " per finding (file, byte offset, kind, message) and a summary. Exit 0 when intact, 1"
          + " when damage is found. Safe on a log another process has open (its unsynced tail"
          + " may then show as a torn tail).",
      "",
      "Example:",
      "  seglog verify /var/lib/events || echo damaged",
      ""
    })
final class VerifyCommand implements Callable<Integer> {
  @ParentCommand private SeglogCli root;

  @Parameters(index = "0", paramLabel = "DIR", description = "The log directory.")
  private Path dir;

  @Option(
      names = "--json",
      description =
          "One JSON object: intact, firstIndex, lastIndex, segments, bytes, records, findings"
              + " [{file, offset, kind, message}].")
  private boolean json;

  @Override
  public Integer call() {
    LogDirs.requireExistingDirectory(dir);
    VerifyReport report = LogVerifier.verify(dir);
    PrintWriter out = TextOut.over(root.stdout());
    out.print(json ? json(report) : human(report));
    TextOut.check(out);
    if (report.intact()) {
      return SeglogCli.EXIT_OK;
    }
    Finding first = report.findings().get(0);
    root.reportFailure(
        "log "
            + dir
            + " is damaged: "
            + report.findings().size()
            + " finding(s), the first in "
            + first.file()
            + (first.offset() < 0 ? " (whole file)" : " at byte offset " + first.offset())
            + ": "
            + first.message());
    return SeglogCli.EXIT_FAILURE;
  }

  static String json(VerifyReport r) {
    Json json =
        new Json()
            .beginObject()
            .field("intact", r.intact())
            .field("firstIndex", r.firstIndex())
            .field("lastIndex", r.lastIndex())
            .field("segments", r.segments())
            .field("bytes", r.bytes())
            .field("records", r.records())
            .name("findings")
            .beginArray();
    for (Finding f : r.findings()) {
      json.beginObject()
          .field("file", String.valueOf(f.file()))
          .field("offset", f.offset())
          .field("kind", f.kind())
          .field("message", f.message())
          .endObject();
    }
    return json.endArray().endObject() + "\n";
  }

  private static String human(VerifyReport r) {
    StringBuilder sb = new StringBuilder();
    for (Finding f : r.findings()) {
      sb.append(f.file())
          .append(" offset ")
          .append(f.offset() < 0 ? "(whole file)" : Long.toString(f.offset()))
          .append(": ")
          .append(f.kind())
          .append(": ")
          .append(f.message().replaceAll("\\s*[\\r\\n]+\\s*", " "))
          .append('\n');
    }
    sb.append(r.intact() ? "intact: " : "DAMAGED: ")
        .append(r.findings().size())
        .append(" finding(s); ")
        .append(r.segments())
        .append(" segment(s), ")
        .append(r.bytes())
        .append(" bytes, ")
        .append(r.records())
        .append(" record(s) verified, ")
        .append(
            r.lastIndex() < r.firstIndex()
                ? "no readable records"
                : (r.intact() ? "indices " : "readable indices ")
                    + r.firstIndex()
                    + ".."
                    + r.lastIndex())
        .append('\n');
    return sb.toString();
  }
}
