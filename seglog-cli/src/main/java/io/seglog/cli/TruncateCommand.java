package io.seglog.cli;

import io.seglog.Log;
import io.seglog.LogConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code seglog truncate DIR --before I | --after I}: {@link Log#truncateBefore} or {@link
 * Log#truncateAfter} on an existing log, crash-safe like the API, then one line saying what was
 * removed and what the log holds now.
 */
@Command(
    name = "truncate",
    header = "Remove the records before or after an index.",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    sortOptions = false,
    usageHelpAutoWidth = true,
    description = {
      "Remove records from the log in DIR: --before I removes every record below index I (the"
          + " log then starts at I; whole segments below it are deleted), --after I removes every"
          + " record above index I (the next append gets I + 1; the segment holding I is cut in"
          + " place and later segments are deleted). Exactly one of them is required. Each is"
          + " crash-safe: interrupted, the log opens either untouched or truncated. Removed"
          + " records are gone: no side file keeps them.",
      "",
      "--before takes I in [first index, last index + 1] (I at or below the first index changes"
          + " nothing); --after takes I in [first index - 1, last index] (the last index changes"
          + " nothing, first index - 1 empties the log).",
      "",
      "Exit 0 when done, 1 when I is outside those ranges, the log is damaged or another process"
          + " holds it, 2 on a usage error.",
      "",
      "Examples:",
      "  seglog truncate /var/lib/raft --after 41",
      "  seglog truncate /var/lib/raft --before 1000 --json",
      ""
    })
final class TruncateCommand implements Callable<Integer> {
  @ParentCommand private SeglogCli root;

  @Spec private CommandSpec spec;

  @Parameters(index = "0", paramLabel = "DIR", description = "The log directory.")
  private Path dir;

  /** Exactly one of --before and --after. */
  static final class Where {
    @Option(
        names = "--before",
        paramLabel = "I",
        required = true,
        description = "Remove every record below index I.")
    Long before;

    @Option(
        names = "--after",
        paramLabel = "I",
        required = true,
        description = "Remove every record above index I.")
    Long after;
  }

  @ArgGroup(exclusive = true, multiplicity = "1")
  private Where where;

  @Option(
      names = "--json",
      description =
          "One JSON object: directory, operation (before or after), index, recordsRemoved,"
              + " firstIndex, lastIndex.")
  private boolean json;

  @Override
  public Integer call() {
    boolean before = where.before != null;
    long index = before ? where.before : where.after;
    if (index < (before ? 0 : -1)) {
      throw new ParameterException(
          spec.commandLine(), (before ? "--before " : "--after ") + index + " is negative");
    }
    LogDirs.requireLog(dir);
    dir = dir.toAbsolutePath();
    long removed;
    long first;
    long last;
    try (Log log = LogDirs.openForWrite(dir, LogConfig.defaults())) {
      long count = log.lastIndex() - log.firstIndex() + 1;
      if (before) {
        log.truncateBefore(index);
      } else {
        log.truncateAfter(index);
      }
      first = log.firstIndex();
      last = log.lastIndex();
      removed = count - (last - first + 1);
    }
    PrintWriter out = TextOut.over(root.stdout());
    String op = before ? "before" : "after";
    if (json) {
      out.print(
          new Json()
                  .beginObject()
                  .field("directory", dir.toString())
                  .field("operation", op)
                  .field("index", index)
                  .field("recordsRemoved", removed)
                  .field("firstIndex", first)
                  .field("lastIndex", last)
                  .endObject()
              + "\n");
    } else {
      out.print(
          "truncated "
              + dir
              + " "
              + op
              + " index "
              + index
              + ": "
              + removed
              + " record(s) removed; the log now holds "
              + (last < first ? "no records (next index " + first + ")" : first + ".." + last)
              + "\n");
    }
    TextOut.check(out);
    return SeglogCli.EXIT_OK;
  }
}
