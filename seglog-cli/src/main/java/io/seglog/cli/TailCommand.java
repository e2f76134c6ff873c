package io.seglog.cli;

import io.seglog.Log;
import io.seglog.LogConfig;
import io.seglog.Record;
import io.seglog.Tailer;
import io.seglog.Visibility;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code seglog tail}: the last records, or those from an index on, and with {@code --follow} every
 * record appended after, as it arrives. Opens the log read-only (no lock), so it follows a log that
 * another process writes. Not thread-safe: one instance per execution, like every command.
 */
@Command(
    name = "tail",
    header = "Print the last records, and follow new ones as they are appended.",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    sortOptions = false,
    usageHelpAutoWidth = true,
    description = {
      "Print records of the log in DIR, one per line, in the same form as seglog dump: the last"
          + " --lines records (default 10), or every record from --from on. With --follow, keep"
          + " waiting and print each record once it is appended (by another process too: the log"
          + " is opened read-only, without the lock), until interrupted (Ctrl-C) or stdout closes."
          + " --durable prints a record only once the writer fsynced it.",
      "",
      "Examples:",
      "  seglog tail /var/lib/events",
      "  seglog tail /var/lib/events --from 100 --follow --json",
      ""
    })
final class TailCommand implements Callable<Integer> {
  /** How long one poll waits before checking that stdout is still writable. */
  private static final Duration POLL = Duration.ofMillis(200);

  @ParentCommand private SeglogCli root;

  @Spec private CommandSpec spec;

  @Parameters(index = "0", paramLabel = "DIR", description = "The log directory.")
  private Path dir;

  @Option(
      names = "--from",
      paramLabel = "I",
      description = "First index to print. Default: the last --lines records.")
  private Long from;

  @Option(
      names = {"-n", "--lines"},
      paramLabel = "N",
      description = "Without --from: print the last N records first. Default 10.")
  private long lines = 10;

  @Option(
      names = {"-f", "--follow"},
      description = "Keep printing records as they are appended, until interrupted.")
  private boolean follow;

  @Option(names = "--durable", description = "Only records the writer has fsynced.")
  private boolean durable;

  @Option(names = "--json", description = "One JSON object per line, payload in base64.")
  private boolean json;

  @Option(
      names = "--hex",
      description = "Human form with every payload as hex:<bytes>, printable or not.")
  private boolean hex;

  @Override
  public Integer call() {
    if (lines < 0) {
      throw new ParameterException(spec.commandLine(), "--lines " + lines + " is negative");
    }
    if (hex && json) {
      throw new ParameterException(
          spec.commandLine(), "--hex and --json cannot be combined (--json payloads are base64)");
    }
    LogDirs.requireExistingDirectory(dir);
    Visibility visibility = durable ? Visibility.DURABLE : Visibility.WRITTEN;
    PrintWriter out = TextOut.over(root.stdout());
    try (Log log = Log.openReadOnly(dir, LogConfig.defaults())) {
      long end = (durable ? log.durableIndex() : log.lastIndex()) + 1;
      long start = from != null ? from : Math.max(log.firstIndex(), end - lines);
      if (from != null && (from < log.firstIndex() || from > end)) {
        throw new CliFailure(
            "--from "
                + from
                + " is outside the log: its records are "
                + log.firstIndex()
                + ".."
                + (end - 1));
      }
      try (Tailer tailer = log.tailer(start, visibility)) {
        while (follow || tailer.position() < end) {
          // Everything visible now, then (following) wait for more.
          Record r = tailer.poll(tailer.position() < end || !follow ? Duration.ZERO : POLL);
          if (r == null) {
            out.flush();
            TextOut.check(out); // stop once nobody reads (`seglog tail -f DIR | head`)
            continue;
          }
          out.print(json ? DumpCommand.jsonLine(r) : DumpCommand.humanLine(r, hex));
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt(); // interrupted: the normal end of --follow
      }
    } finally {
      out.flush();
    }
    TextOut.check(out);
    return SeglogCli.EXIT_OK;
  }
}
