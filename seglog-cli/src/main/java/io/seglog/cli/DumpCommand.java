package io.seglog.cli;

import io.seglog.CheckpointInfo;
import io.seglog.CorruptLogException;
import io.seglog.EncryptionKeyException;
import io.seglog.Log;
import io.seglog.LogConfig;
import io.seglog.LogReader;
import io.seglog.Record;
import io.seglog.RecoveryMode;
import io.seglog.StateMachineLog;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
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
          + " TIMESTAMP in epoch millis. --hex shows every payload as hex.",
      "",
      "An encrypted log needs --key-file to print its encrypted records; without the key, or"
          + " with a wrong one, dump stops at the first such record with an error naming the key"
          + " id, file and byte offset, and exits 1.",
      "",
      "On a damaged log, dump prints the records it can read up to the first damage, then one"
          + " line on stderr naming the file and byte offset, and exits 1.",
      "",
      "Examples:",
      "  seglog dump /var/lib/events --from 100 --to 200 --json",
      "  seglog dump /var/lib/events --from 7 --to 8 --hex",
      "  seglog dump /var/lib/kv --checkpoints",
      ""
    })
final class DumpCommand implements Callable<Integer> {
  /** ISO-8601 UTC with milliseconds always shown, so the column has a fixed width. */
  static final DateTimeFormatter TIMESTAMP =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  /** Records between checks that stdout is still writable. */
  private static final int CHECK_EVERY = 1024;

  @ParentCommand private SeglogCli root;

  @Spec private CommandSpec spec;

  @Parameters(index = "0", paramLabel = "DIR", description = "The log directory.")
  private Path dir;

  @Mixin private KeyFileOption keyFile;

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

  @Option(
      names = "--hex",
      description = "Human form with every payload as hex:<bytes>, printable or not.")
  private boolean hex;

  @Option(
      names = "--checkpoints",
      description =
          "Also print the state-machine checkpoints, each before the first record after it:"
              + " checkpoint INDEX BYTES SEGMENT@OFFSET (the state as of record INDEX), or with"
              + " --json {\"checkpoint\":INDEX,\"bytes\":B,\"segment\":\"F\",\"offset\":O}.")
  private boolean checkpoints;

  @Override
  public Integer call() {
    if (from != null && to != null && to < from) {
      throw new ParameterException(spec.commandLine(), "--to " + to + " is below --from " + from);
    }
    if (hex && json) {
      throw new ParameterException(
          spec.commandLine(), "--hex and --json cannot be combined (--json payloads are base64)");
    }
    LogDirs.requireExistingDirectory(dir);
    PrintWriter out = TextOut.over(root.stdout());
    CorruptLogException damage = null;
    Log opened;
    try {
      opened = Log.openReadOnly(dir, keyFile.apply(LogConfig.defaults()));
    } catch (CorruptLogException e) {
      // The log does not open as it is (a gap, a broken chain, damage past a torn tail): open the
      // prefix before the first damage, in memory only, and print that.
      damage = e;
      opened =
          Log.openReadOnly(
              dir,
              keyFile.apply(LogConfig.builder().recoveryMode(RecoveryMode.POINT_IN_TIME).build()));
    }
    long printed = 0;
    long next;
    EncryptionKeyException noKey = null;
    try (Log log = opened) {
      next = from != null ? from : log.firstIndex();
      long end = to != null ? to : log.lastIndex() + 1;
      if (damage != null) {
        // The readable prefix may end before the requested range does: print what it holds.
        end = Math.min(end, log.lastIndex() + 1);
        next = Math.min(next, log.lastIndex() + 1); // the message names where readable ones end
      }
      List<CheckpointInfo> cps = List.of();
      if (checkpoints && damage == null) {
        try {
          cps = StateMachineLog.scanCheckpoints(log);
        } catch (CorruptLogException e) {
          damage = e;
        }
      }
      int cp = 0;
      while (cp < cps.size() && cps.get(cp).index() < next - 1) {
        cp++;
      }
      if (next < end && (damage == null || next >= log.firstIndex())) {
        try (LogReader reader = log.reader(next, end)) {
          try {
            while (reader.hasNext()) {
              Record r = reader.next();
              for (; cp < cps.size() && cps.get(cp).index() < r.index(); cp++) {
                out.print(checkpointLine(cps.get(cp), json));
              }
              out.print(json ? jsonLine(r) : humanLine(r, hex));
              next = r.index() + 1;
              // Stop reading once nobody reads the output (`seglog dump ... | head`).
              if (++printed % CHECK_EVERY == 0) {
                TextOut.check(out);
              }
            }
          } catch (CorruptLogException e) {
            damage = e;
          } catch (EncryptionKeyException e) {
            noKey = e;
          }
        }
      }
      for (; damage == null && cp < cps.size() && cps.get(cp).index() < end; cp++) {
        out.print(checkpointLine(cps.get(cp), json)); // after the last record printed
      }
    } finally {
      out.flush();
    }
    TextOut.check(out);
    if (noKey != null) {
      throw new CliFailure(
          "cannot decrypt: "
              + noKey.getMessage()
              + keyFile.hint()
              + "; printed "
              + printed
              + " record(s), those before index "
              + next,
          noKey);
    }
    if (damage != null) {
      throw new CliFailure(
          "damaged log: "
              + damage.getMessage()
              + "; printed "
              + printed
              + " record(s), the readable ones before index "
              + next
              + " (seglog verify "
              + dir
              + " lists all damage)",
          damage);
    }
    return SeglogCli.EXIT_OK;
  }

  /** A checkpoint's line: it starts with the word, where a record's starts with its index. */
  static String checkpointLine(CheckpointInfo c, boolean json) {
    String segment = c.segment().getFileName().toString();
    if (json) {
      return new Json()
              .beginObject()
              .field("checkpoint", c.index())
              .field("bytes", c.bytes())
              .field("segment", segment)
              .field("offset", c.offset())
              .endObject()
          + "\n";
    }
    return "checkpoint " + c.index() + " " + c.bytes() + " " + segment + "@" + c.offset() + "\n";
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
    return humanLine(r, false);
  }

  /** The human line of {@code r}, its payload always in hex when {@code hex}. */
  static String humanLine(Record r, boolean hex) {
    return r.index()
        + " "
        + TIMESTAMP.format(Instant.ofEpochMilli(r.timestamp()))
        + " "
        + r.type()
        + " "
        + r.size()
        + " "
        + (hex
            ? "hex:" + PayloadText.hex(r.payload().duplicate())
            : PayloadText.render(r.payload()))
        + "\n";
  }
}
