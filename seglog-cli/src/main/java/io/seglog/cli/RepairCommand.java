package io.seglog.cli;

import io.seglog.CorruptLogException;
import io.seglog.LogLockedException;
import io.seglog.LogRepair;
import io.seglog.LogVerifier;
import io.seglog.RecoveryMode;
import io.seglog.RecoveryReport;
import io.seglog.RecoveryReport.Cut;
import io.seglog.VerifyReport;
import io.seglog.VerifyReport.Finding;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code seglog repair}: does what opening the log in a recovery mode would do, and prints exactly
 * what it removed.
 *
 * <p>Mode {@code tail} only checks the frames of the last segment on open (sealed segments are
 * trusted up to their header, trailer and chain link), so on its own it would report "nothing to
 * repair" for a log whose sealed segments are damaged. The command therefore verifies the whole log
 * first, and refuses (exit 1, nothing modified) damage that tail mode does not repair: the operator
 * learns that the log is damaged and that {@code --mode point-in-time} is the way to cut it.
 */
@Command(
    name = "repair",
    header = "Cut damage out of a log, keeping every cut byte in a side file.",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    sortOptions = false,
    usageHelpAutoWidth = true,
    description = {
      "Repair the log in DIR the way opening it in a recovery mode would, and print exactly what"
          + " was removed: each cut (file, byte offset, bytes, records, reason, side file), the"
          + " index files rebuilt and the temporary files removed. Cut bytes are never deleted:"
          + " they are kept in side files named <segment>.<offset>.cut next to the log.",
      "",
      "--mode tail (default) cuts only a torn tail of the last segment, the bytes a crash may"
          + " leave behind, and rebuilds damaged index files (derived data). Any other damage is"
          + " refused (exit 1, nothing changed): the whole log is verified first. --mode point-in-time"
          + " cuts the log at the first damage anywhere: the rest of that segment and every later"
          + " segment are moved to side files, so records after the damage leave the log.",
      "",
      "Exit 0 when the log was repaired or needed nothing, 1 when the mode refuses the damage"
          + " or another process holds the log.",
      "",
      "Examples:",
      "  seglog repair /var/lib/events --dry-run",
      "  seglog repair /var/lib/events --mode point-in-time --json",
      ""
    })
final class RepairCommand implements Callable<Integer> {
  /** Findings that tail mode repairs: a torn tail, and index files (derived data, rebuilt). */
  private static final Set<String> TAIL_REPAIRABLE =
      Set.of("torn-tail", "index-file", "pending-truncation");

  /** The --mode values. */
  enum Mode {
    TAIL(RecoveryMode.TAIL),
    POINT_IN_TIME(RecoveryMode.POINT_IN_TIME);

    final RecoveryMode recoveryMode;

    Mode(RecoveryMode recoveryMode) {
      this.recoveryMode = recoveryMode;
    }

    @Override
    public String toString() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
  }

  @ParentCommand private SeglogCli root;

  @Parameters(index = "0", paramLabel = "DIR", description = "The log directory.")
  private Path dir;

  @Option(
      names = "--mode",
      paramLabel = "MODE",
      defaultValue = "tail",
      converter = ModeConverter.class,
      description = "tail or point-in-time. Default: ${DEFAULT-VALUE}.")
  private Mode mode;

  @Option(
      names = "--dry-run",
      description = "Only report what would be cut; write nothing, take no lock.")
  private boolean dryRun;

  @Option(
      names = "--json",
      description =
          "One JSON object: directory, mode, dryRun, cuts [{file, offset, bytes, records, reason,"
              + " sideFile}], bytesCut, recordsCut, indexFilesRebuilt, temporaryFilesRemoved.")
  private boolean json;

  /** Accepts tail, point-in-time (and point_in_time), in any case. */
  static final class ModeConverter implements picocli.CommandLine.ITypeConverter<Mode> {
    @Override
    public Mode convert(String value) {
      String v = value.toLowerCase(Locale.ROOT).replace('_', '-');
      for (Mode m : Mode.values()) {
        if (m.toString().equals(v)) {
          return m;
        }
      }
      throw new picocli.CommandLine.TypeConversionException(
          "'" + value + "' is not a mode: use tail or point-in-time");
    }
  }

  @Override
  public Integer call() {
    LogDirs.requireLog(dir);
    dir = dir.toAbsolutePath();
    RecoveryReport report;
    try {
      if (LogRepair.hasInterruptedTruncation(dir)) {
        // Not damage: a truncateAfter, reset or clear that a crash interrupted after its commit
        // point. Any writable open finishes it; the read-only dry run below would refuse it.
        if (dryRun) {
          throw new CliFailure(
              "a truncation of "
                  + dir
                  + " was interrupted; repair without --dry-run finishes it (nothing else is cut"
                  + " by that step)");
        }
        LogRepair.repair(dir, RecoveryMode.TAIL, false);
      }
      if (mode == Mode.TAIL) {
        // Damage the open itself refuses comes first, with the engine's own message.
        LogRepair.repair(dir, RecoveryMode.TAIL, true);
        List<Path> damagedIndexFiles = refuseWhatTailDoesNotRepair();
        report = LogRepair.repair(dir, RecoveryMode.TAIL, dryRun);
        if (!damagedIndexFiles.isEmpty()) {
          report = rebuildIndexFiles(report, damagedIndexFiles);
        }
      } else {
        report = LogRepair.repair(dir, mode.recoveryMode, dryRun);
      }
    } catch (LogLockedException e) {
      throw new CliFailure("log directory " + dir + " is locked by another process", e);
    } catch (CorruptLogException e) {
      throw new CliFailure(e.getMessage() + hint(), e);
    }
    PrintWriter out = TextOut.over(root.stdout());
    out.print(json ? json(report) : human(report));
    TextOut.check(out);
    return SeglogCli.EXIT_OK;
  }

  /**
   * Verifies the whole log and refuses damage that mode tail does not repair.
   *
   * @return the damaged index files the verifier found
   * @throws CliFailure naming the first such damage
   */
  private List<Path> refuseWhatTailDoesNotRepair() {
    VerifyReport verified = LogVerifier.verify(dir);
    List<Path> damagedIndexFiles = new ArrayList<>();
    for (Finding f : verified.findings()) {
      if (f.kind().equals("index-file")) {
        damagedIndexFiles.add(f.file());
      } else if (!TAIL_REPAIRABLE.contains(f.kind())) {
        throw new CliFailure(
            "mode tail does not repair "
                + f.kind()
                + " damage in "
                + f.file()
                + (f.offset() < 0 ? " (whole file)" : " at byte offset " + f.offset())
                + ": "
                + f.message()
                + hint());
      }
    }
    return damagedIndexFiles;
  }

  /**
   * Mode tail rebuilds a sealed segment's index file lazily, on the first read that loads it, so a
   * damaged one would survive the repair. Index files are derived data: once the tail is repaired
   * and no other damage exists, a point-in-time open cuts nothing and rebuilds them. That is
   * checked with a dry run first; were it to cut anything, nothing more is done.
   */
  private RecoveryReport rebuildIndexFiles(RecoveryReport tail, List<Path> damagedIndexFiles) {
    Set<Path> rebuilt = new LinkedHashSet<>(tail.indexFilesRebuilt());
    if (dryRun) {
      rebuilt.addAll(damagedIndexFiles);
    } else if (LogRepair.repair(dir, RecoveryMode.POINT_IN_TIME, true).cuts().isEmpty()) {
      rebuilt.addAll(LogRepair.repair(dir, RecoveryMode.POINT_IN_TIME, false).indexFilesRebuilt());
    }
    return new RecoveryReport(
        tail.mode(),
        tail.segmentsScanned(),
        tail.bytesScanned(),
        tail.cuts(),
        new ArrayList<>(rebuilt),
        tail.temporaryFilesRemoved());
  }

  private String hint() {
    return mode == Mode.TAIL
        ? "; nothing was changed. To cut the log at the damage (records after it leave the log,"
            + " their bytes are kept in side files): seglog repair "
            + dir
            + " --mode point-in-time [--dry-run]"
        : "";
  }

  private String sideFile(Cut c) {
    return dryRun || c.sideFile() == null ? "(not written)" : c.sideFile().toString();
  }

  private String json(RecoveryReport r) {
    Json json =
        new Json()
            .beginObject()
            .field("directory", dir.toString())
            .field("mode", mode.toString())
            .field("dryRun", dryRun)
            .name("cuts")
            .beginArray();
    for (Cut c : r.cuts()) {
      json.beginObject()
          .field("file", String.valueOf(c.file()))
          .field("offset", c.offset())
          .field("bytes", c.bytes())
          .field("records", c.records())
          .field("reason", c.reason())
          .field("sideFile", dryRun || c.sideFile() == null ? null : c.sideFile().toString())
          .endObject();
    }
    json.endArray().field("bytesCut", r.bytesCut()).field("recordsCut", r.recordsCut());
    paths(json.name("indexFilesRebuilt"), r.indexFilesRebuilt());
    paths(json.name("temporaryFilesRemoved"), r.temporaryFilesRemoved());
    return json.endObject() + "\n";
  }

  private static void paths(Json json, List<Path> paths) {
    json.beginArray();
    for (Path p : paths) {
      json.value(p.toString());
    }
    json.endArray();
  }

  private String human(RecoveryReport r) {
    String would = dryRun ? "would " : "";
    StringBuilder sb = new StringBuilder();
    for (Cut c : r.cuts()) {
      sb.append(dryRun ? "would cut " : "cut ")
          .append(c.file())
          .append(c.offset() == 0 ? " whole file" : " from byte offset " + c.offset())
          .append(": ")
          .append(c.bytes())
          .append(" bytes, ")
          .append(c.records())
          .append(" record(s); reason: ")
          .append(c.reason().replaceAll("\\s*[\\r\\n]+\\s*", " "))
          .append("; side file: ")
          .append(sideFile(c))
          .append('\n');
    }
    for (Path p : r.indexFilesRebuilt()) {
      sb.append(dryRun ? "would rebuild index file " : "rebuilt index file ")
          .append(p)
          .append('\n');
    }
    for (Path p : r.temporaryFilesRemoved()) {
      sb.append(dryRun ? "would remove temporary file " : "removed temporary file ")
          .append(p)
          .append('\n');
    }
    if (r.cuts().isEmpty()
        && r.indexFilesRebuilt().isEmpty()
        && r.temporaryFilesRemoved().isEmpty()) {
      sb.append("nothing to repair in ").append(dir).append(" (mode ").append(mode).append(")\n");
    } else {
      sb.append(dryRun ? "dry run, nothing changed: " : "repaired: ")
          .append(r.cuts().size())
          .append(" cut(s) ")
          .append(would.isEmpty() ? "removed " : "would remove ")
          .append(r.bytesCut())
          .append(" bytes and ")
          .append(r.recordsCut())
          .append(" record(s); ")
          .append(r.indexFilesRebuilt().size())
          .append(" index file(s) ")
          .append(dryRun ? "to rebuild, " : "rebuilt, ")
          .append(r.temporaryFilesRemoved().size())
          .append(" temporary file(s) ")
          .append(dryRun ? "to remove" : "removed")
          .append('\n');
    }
    return sb.toString();
  }
}
