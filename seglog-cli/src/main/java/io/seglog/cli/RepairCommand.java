package io.seglog.cli;

import io.seglog.CorruptLogException;
import io.seglog.EncryptionKeyException;
import io.seglog.Log;
import io.seglog.LogConfig;
import io.seglog.LogLockedException;
import io.seglog.LogReader;
import io.seglog.LogRepair;
import io.seglog.LogVerifier;
import io.seglog.ProgressListener;
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
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
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
      "Encrypted logs: repair needs no key (it checks and cuts structure: checksums, indices,"
          + " trailers, the chain). With --key-file it then reads every remaining record with the"
          + " keys, so payloads are authenticated too; a frame that fails authentication (tampered"
          + " with, its checksum forged) is reported (exit 1) but not cut: see it with seglog"
          + " verify --key-file.",
      "",
      "Exit 0 when the log was repaired or needed nothing, 1 when the mode refuses the damage"
          + " or another process holds the log.",
      "",
      "A progress bar per pass (check, verify, repair; bytes of segment files) goes to stderr"
          + " once a pass runs longer than a second, when stderr is a terminal or with --progress;"
          + " stdout, and so --json, never carries it.",
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

  @Mixin private KeyFileOption keyFile;

  /** Records read and authenticated after the repair (with --key-file), else -1. */
  private long authenticated = -1;

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
              + " sideFile}], bytesCut, recordsCut, indexFilesRebuilt, temporaryFilesRemoved;"
              + " with --key-file also recordsAuthenticated.")
  private boolean json;

  @Option(
      names = "--progress",
      description =
          "Show the progress bars on stderr once a pass runs longer than a second, even when"
              + " stderr is not a terminal.")
  private boolean progress;

  private ProgressBar.Output progressOut;

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
    progressOut = progress || ProgressBar.interactive() ? ProgressBar.to(root.stderr()) : null;
    String repairLabel = dryRun ? "repair (dry run)" : "repair";
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
        withProgress("check", p -> LogRepair.repair(dir, RecoveryMode.TAIL, true, p));
        List<Path> damagedIndexFiles = refuseWhatTailDoesNotRepair();
        report =
            withProgress(repairLabel, p -> LogRepair.repair(dir, RecoveryMode.TAIL, dryRun, p));
        if (!damagedIndexFiles.isEmpty()) {
          report = rebuildIndexFiles(report, damagedIndexFiles);
        }
      } else {
        report =
            withProgress(repairLabel, p -> LogRepair.repair(dir, mode.recoveryMode, dryRun, p));
      }
    } catch (LogLockedException e) {
      throw new CliFailure("log directory " + dir + " is locked by another process", e);
    } catch (CorruptLogException e) {
      throw new CliFailure(e.getMessage() + hint(e.file()), e);
    }
    if (keyFile.given()) {
      authenticated = authenticate();
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
    VerifyReport verified = withProgress("verify", p -> LogVerifier.verify(dir, null, p));
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
                + VerifyCommand.affected(f)
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
    } else if (withProgress(
            "check", p -> LogRepair.repair(dir, RecoveryMode.POINT_IN_TIME, true, p))
        .cuts()
        .isEmpty()) {
      rebuilt.addAll(
          withProgress(
                  "rebuild index files",
                  p -> LogRepair.repair(dir, RecoveryMode.POINT_IN_TIME, false, p))
              .indexFilesRebuilt());
    }
    return new RecoveryReport(
        tail.mode(),
        tail.segmentsScanned(),
        tail.bytesScanned(),
        tail.cuts(),
        new ArrayList<>(rebuilt),
        tail.temporaryFilesRemoved());
  }

  /** Runs one pass over the log with a progress bar (drawn only when due and wanted). */
  private <T> T withProgress(String label, Function<ProgressListener, T> pass) {
    ProgressBar.ByteProgress counted = new ProgressBar.ByteProgress();
    ProgressBar bar = ProgressBar.startBytes(label, counted, progressOut);
    try {
      return pass.apply(counted);
    } finally {
      bar.close();
    }
  }

  /**
   * {@link #hint()} for damage the engine refused in {@code damaged}: no mode cuts the metadata
   * file, so there the way out is a backup, not point-in-time.
   */
  private String hint(Path damaged) {
    if (mode == Mode.TAIL
        && damaged != null
        && damaged.getFileName() != null
        && damaged.getFileName().toString().equals(LogDirs.METADATA)) {
      return "; nothing was changed. No repair mode cuts or rebuilds the metadata file (--mode"
          + " point-in-time refuses it too): restore "
          + damaged
          + " from a backup of this log";
    }
    return hint();
  }

  private String hint() {
    return mode == Mode.TAIL
        ? "; nothing was changed. To cut the log at the damage (records after it leave the log,"
            + " their bytes are kept in side files): seglog repair "
            + dir
            + " --mode point-in-time [--dry-run]"
        : "";
  }

  /**
   * Reads every record of the repaired log (as the repair left it, or would leave it in a dry run)
   * with the keys, and returns how many.
   *
   * @throws CliFailure at the first frame that fails authentication or has no (right) key
   */
  private long authenticate() {
    LogConfig config = keyFile.apply(LogConfig.builder().recoveryMode(mode.recoveryMode).build());
    long read = 0;
    try (Log log = Log.openReadOnly(dir, config);
        LogReader reader = log.reader(log.firstIndex(), log.lastIndex() + 1)) {
      while (reader.hasNext()) {
        reader.next();
        read++;
      }
    } catch (CorruptLogException e) {
      throw new CliFailure(
          "after the repair, a frame still fails to read: "
              + e.getMessage()
              + " (repair cuts structural damage only; seglog verify --key-file "
              + dir
              + " lists it)",
          e);
    } catch (EncryptionKeyException e) {
      throw new CliFailure("cannot authenticate payloads: " + e.getMessage() + keyFile.hint(), e);
    }
    return read;
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
    if (authenticated >= 0) {
      json.field("recordsAuthenticated", authenticated);
    }
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
    if (authenticated >= 0) {
      sb.append("authenticated: ")
          .append(authenticated)
          .append(" record(s) read and decrypted with the key file\n");
    }
    return sb.toString();
  }
}
