package io.seglog.cli;

import io.seglog.CorruptLogException;
import io.seglog.EncryptionKeyException;
import io.seglog.Log;
import io.seglog.LogConfig;
import io.seglog.LogReader;
import io.seglog.LogVerifier;
import io.seglog.VerifyReport;
import io.seglog.VerifyReport.Finding;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code seglog verify}: checks every byte of a log without modifying it. Exit 0 when intact, 1
 * when damage is found; the findings go to stdout, one summary line to stderr.
 *
 * <p>{@code --deep} adds a second, independent pass: the log is opened read-only as an application
 * would open it (default recovery mode) and every record is read back through the engine's reader.
 * Where the verifier checks the bytes, this checks what the engine returns from them.
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
          + " contiguity, trailers and the hash chain (each sealed segment's SHA-256 is"
          + " recomputed), index files and metadata. Prints one line per finding (file, byte"
          + " offset, kind, message, and the range of record indices the damage affects), a"
          + " summary, and the chain anchor: the digest of the newest sealed segment whose chain"
          + " back to the first segment is intact. Keep the anchor; a later `verify --expect-digest ANCHOR` proves"
          + " that no segment up to it was deleted, reordered, replaced or edited since."
          + " Exit 0 when intact, 1 when damage is found. Takes no lock: safe on a log another"
          + " process has open (its unsynced tail may then show as a torn tail).",
      "",
      "A progress bar (bytes of segment files checked) goes to stderr once verification runs"
          + " longer than a second, when stderr is a terminal or with --progress; stdout, and so"
          + " --json, never carries it.",
      "",
      "Encrypted logs: without --key-file the frames' structure and checksums are verified but"
          + " their payloads are not authenticated (the summary says how many frames that is)."
          + " With --key-file every record is also read and decrypted through the engine (as"
          + " --deep), so tampering fails authentication and is a finding of kind read; a"
          + " missing or wrong key is an error (exit 1) naming the key id, file and offset.",
      "",
      "Finding kinds: metadata, file-name, header, foreign-segment, misnamed, sequence, gap,"
          + " chain, frame, torn-tail, truncated, trailer, digest, index-file, anchor; with --deep"
          + " also open and read. See the README's Operations section.",
      "",
      "Examples:",
      "  seglog verify /var/lib/events || echo damaged",
      "  seglog verify /var/lib/events --json --deep",
      "  seglog verify /var/lib/events --expect-digest 3f9a...e1 (an anchor printed earlier)",
      ""
    })
final class VerifyCommand implements Callable<Integer> {
  private static final Pattern HEX_DIGEST = Pattern.compile("[0-9a-fA-F]{64}");

  @ParentCommand private SeglogCli root;

  @Spec private CommandSpec spec;

  @Parameters(index = "0", paramLabel = "DIR", description = "The log directory.")
  private Path dir;

  @Mixin private KeyFileOption keyFile;

  @Option(
      names = "--json",
      description =
          "One JSON object: intact, firstIndex, lastIndex, segments, bytes, records, chainAnchor,"
              + " findings [{file, offset, kind, message, firstAffectedIndex, lastAffectedIndex}];"
              + " with --deep or --key-file also recordsRead; for an encrypted log also"
              + " encryptedFrames and payloadsAuthenticated (before chainAnchor)."
              + " firstAffectedIndex is null when the damage affects no record an index can name;"
              + " lastAffectedIndex is null when the affected records run to the end of the log"
              + " (or firstAffectedIndex is null).")
  private boolean json;

  @Option(
      names = "--deep",
      description =
          "Also open the log read-only the way an application does and read every record"
              + " through the engine (index files, segment lookup, record decoding); any failure"
              + " is a finding of kind open or read.")
  private boolean deep;

  @Option(
      names = "--expect-digest",
      paramLabel = "HEX",
      description =
          "A chain anchor printed by an earlier verify (64 hex digits): it must still be the"
              + " digest of an intact sealed segment, else a finding of kind anchor.")
  private String expectDigest;

  @Option(
      names = "--progress",
      description =
          "Show the progress bars (the verify pass, and --deep's read pass) on stderr once a"
              + " pass runs longer than a second, even when stderr is not a terminal.")
  private boolean progress;

  /**
   * The outcome of --deep: findings it added and records it read; {@code keyError} when it stopped
   * at a frame it had no (right) key for.
   */
  private record DeepResult(
      List<Finding> findings, long recordsRead, EncryptionKeyException keyError) {
    DeepResult(List<Finding> findings, long recordsRead) {
      this(findings, recordsRead, null);
    }
  }

  @Override
  public Integer call() {
    if (expectDigest != null && !HEX_DIGEST.matcher(expectDigest).matches()) {
      throw new ParameterException(
          spec.commandLine(),
          "--expect-digest " + expectDigest + " is not a SHA-256 digest (64 hex digits)");
    }
    LogDirs.requireExistingDirectory(dir);
    ProgressBar.Output progressOut =
        progress || ProgressBar.interactive() ? ProgressBar.to(root.stderr()) : null;
    ProgressBar.ByteProgress checked = new ProgressBar.ByteProgress();
    VerifyReport report;
    ProgressBar bar = ProgressBar.startBytes("verify", checked, progressOut);
    try {
      report = LogVerifier.verify(dir, expectDigest, checked);
    } finally {
      bar.close();
    }
    // Reading with the keys is what authenticates encrypted payloads.
    DeepResult deepResult = deep || keyFile.given() ? deep(report, progressOut) : null;
    List<Finding> findings = new ArrayList<>(report.findings());
    if (deepResult != null) {
      findings.addAll(deepResult.findings());
    }
    PrintWriter out = TextOut.over(root.stdout());
    boolean authenticated = keyFile.given() && deepResult != null && deepResult.keyError() == null;
    out.print(
        json
            ? json(report, findings, deepResult, authenticated)
            : human(report, findings, deepResult, authenticated));
    TextOut.check(out);
    if (findings.isEmpty() && deepResult != null && deepResult.keyError() != null) {
      EncryptionKeyException e = deepResult.keyError();
      root.reportFailure(
          "cannot authenticate the payloads of log "
              + dir
              + ": "
              + e.getMessage()
              + keyFile.hint()
              + "; no damage found");
      return SeglogCli.EXIT_FAILURE;
    }
    if (findings.isEmpty()) {
      return SeglogCli.EXIT_OK;
    }
    Finding first = findings.get(0);
    root.reportFailure(
        "log "
            + dir
            + " is damaged: "
            + findings.size()
            + " finding(s), the first in "
            + first.file()
            + (first.offset() < 0 ? " (whole file)" : " at byte offset " + first.offset())
            + ": "
            + first.message()
            + affected(first));
    return SeglogCli.EXIT_FAILURE;
  }

  /**
   * Opens the log read-only and reads every record. A read failure at a file and offset the
   * verifier already named is not repeated.
   */
  private DeepResult deep(VerifyReport report, ProgressBar.Output progressOut) {
    List<Finding> found = new ArrayList<>();
    long read = 0;
    Log log;
    try {
      log = Log.openReadOnly(dir, keyFile.apply(LogConfig.defaults()));
    } catch (CorruptLogException e) {
      // Reported even where the verifier named the same spot: that the log does not open at all
      // is news of its own.
      found.add(
          new Finding(
              absolute(e.file()),
              e.offset(),
              "open",
              "the log does not open: " + e.getMessage(),
              Math.max(report.firstIndex(), 0),
              Finding.NO_INDEX));
      return new DeepResult(found, 0);
    }
    AtomicLong done = new AtomicLong();
    EncryptionKeyException keyError = null;
    ProgressBar bar =
        ProgressBar.start(
            "deep read", log.lastIndex() - log.firstIndex() + 1, done::get, progressOut);
    try (log;
        bar;
        LogReader reader = log.reader(log.firstIndex(), log.lastIndex() + 1)) {
      try {
        while (reader.hasNext()) {
          reader.next();
          done.lazySet(++read);
        }
      } catch (CorruptLogException e) {
        addNew(
            report,
            found,
            new Finding(
                absolute(e.file()),
                e.offset(),
                "read",
                e.getMessage(),
                reader.position(),
                reader.position() <= log.lastIndex() ? log.lastIndex() : Finding.NO_INDEX));
      } catch (EncryptionKeyException e) {
        keyError = e; // not damage: the data may be intact
      }
    }
    return new DeepResult(found, read, keyError);
  }

  private static void addNew(VerifyReport report, List<Finding> found, Finding f) {
    for (Finding known : report.findings()) {
      if (known.offset() == f.offset() && Objects.equals(known.file(), f.file())) {
        return;
      }
    }
    found.add(f);
  }

  /** Like the verifier's findings, deep ones name files by absolute path. */
  private static Path absolute(Path file) {
    return file == null ? null : file.toAbsolutePath().normalize();
  }

  /**
   * The affected records of a finding as a human reads them: {@code " (indices 45..60 affected)"},
   * {@code " (indices from 101 on affected)"}, or nothing when it names no record.
   */
  static String affected(Finding f) {
    if (!f.affectsRecords()) {
      return "";
    }
    if (f.openEnded()) {
      return " (indices from " + f.firstAffectedIndex() + " on affected)";
    }
    return f.firstAffectedIndex() == f.lastAffectedIndex()
        ? " (index " + f.firstAffectedIndex() + " affected)"
        : " (indices " + f.firstAffectedIndex() + ".." + f.lastAffectedIndex() + " affected)";
  }

  private static Json index(Json json, String name, long index) {
    return index == Finding.NO_INDEX
        ? json.name(name).value((String) null)
        : json.field(name, index);
  }

  static String json(
      VerifyReport r, List<Finding> findings, DeepResult deep, boolean authenticated) {
    Json json =
        new Json()
            .beginObject()
            .field("intact", findings.isEmpty())
            .field("firstIndex", r.firstIndex())
            .field("lastIndex", r.lastIndex())
            .field("segments", r.segments())
            .field("bytes", r.bytes())
            .field("records", r.records());
    if (deep != null) {
      json.field("recordsRead", deep.recordsRead());
    }
    if (r.encryptedFrames() > 0) {
      json.field("encryptedFrames", r.encryptedFrames())
          .field("payloadsAuthenticated", authenticated);
    }
    json.field("chainAnchor", r.chainAnchor()).name("findings").beginArray();
    for (Finding f : findings) {
      json.beginObject()
          .field("file", String.valueOf(f.file()))
          .field("offset", f.offset())
          .field("kind", f.kind())
          .field("message", f.message());
      index(json, "firstAffectedIndex", f.firstAffectedIndex());
      index(json, "lastAffectedIndex", f.lastAffectedIndex());
      json.endObject();
    }
    return json.endArray().endObject() + "\n";
  }

  private static String human(
      VerifyReport r, List<Finding> findings, DeepResult deep, boolean authenticated) {
    StringBuilder sb = new StringBuilder();
    for (Finding f : findings) {
      sb.append(f.file())
          .append(" offset ")
          .append(f.offset() < 0 ? "(whole file)" : Long.toString(f.offset()))
          .append(": ")
          .append(f.kind())
          .append(": ")
          .append(f.message().replaceAll("\\s*[\\r\\n]+\\s*", " "))
          .append(affected(f))
          .append('\n');
    }
    boolean intact = findings.isEmpty();
    sb.append(intact ? "intact: " : "DAMAGED: ")
        .append(findings.size())
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
                : (intact ? "indices " : "readable indices ")
                    + r.firstIndex()
                    + ".."
                    + r.lastIndex())
        .append('\n');
    if (deep != null) {
      sb.append("deep: ").append(deep.recordsRead()).append(" record(s) read through the engine\n");
    }
    if (r.encryptedFrames() > 0) {
      sb.append("encrypted: ")
          .append(r.encryptedFrames())
          .append(" frame(s); ")
          .append(
              authenticated
                  ? "payloads authenticated with the key file"
                  : "structure and checksums verified, payloads NOT authenticated"
                      + (deep != null && deep.keyError() != null
                          ? " (" + deep.keyError().getMessage() + ")"
                          : " (no --key-file)"))
          .append('\n');
    }
    sb.append("chain anchor: ")
        .append(
            r.chainAnchor() != null
                ? r.chainAnchor()
                : "none (no sealed segment with an intact chain back to the first)")
        .append('\n');
    return sb.toString();
  }
}
