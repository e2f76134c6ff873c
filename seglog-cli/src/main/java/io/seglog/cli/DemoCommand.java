package io.seglog.cli;

import io.seglog.CorruptLogException;
import io.seglog.Log;
import io.seglog.LogConfig;
import io.seglog.LogReader;
import io.seglog.LogStats;
import io.seglog.LogVerifier;
import io.seglog.Record;
import io.seglog.RecoveryReport;
import io.seglog.SyncPolicy;
import io.seglog.VerifyReport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.zip.CRC32C;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code seglog demo}: an end-to-end run. Writes a realistic workload ({@link DemoWriter}), reopens
 * the log, reads every record back and checks it against the digest kept at write time, verifies
 * the files with {@link LogVerifier}, and prints throughput and results. Exit 1 on any mismatch.
 */
@Command(
    name = "demo",
    header = "Write, reopen, read back and verify a realistic workload; print throughput.",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    sortOptions = false,
    usageHelpAutoWidth = true,
    description = {
      "End-to-end run on the log in DIR (created if absent; an existing log is appended to and"
          + " checked as a whole): append a reproducible workload of JSON-ish events of 50..2000"
          + " bytes (single appends with sync policy NONE and a sync() every 1000 records,"
          + " batches of 2..64 records, and single appends under ALWAYS after a reopen), close,"
          + " reopen, read every record back and compare it with what was written (CRC32C per"
          + " record), verify the files, and print throughput and results. Exit 1 if anything"
          + " mismatches. Needs 4 bytes of heap per record.",
      "",
      "Example:",
      "  seglog demo /tmp/seglog-demo --records 1000000",
      ""
    })
final class DemoCommand implements Callable<Integer> {
  /** Upper bound of --records: the per-record digests must fit an int[] in a modest heap. */
  static final int MAX_RECORDS = 100_000_000;

  private static final int MAX_MISMATCHES_SHOWN = 5;

  @ParentCommand private SeglogCli root;

  @Spec private CommandSpec spec;

  @Parameters(index = "0", paramLabel = "DIR", description = "The log directory.")
  private Path dir;

  @Option(
      names = "--records",
      paramLabel = "N",
      defaultValue = "200000",
      description = "Records to append. Default: ${DEFAULT-VALUE}.")
  private int records;

  @Option(
      names = "--seed",
      paramLabel = "S",
      defaultValue = "42",
      description =
          "Seed of the workload; the same seed writes the same payloads. Default:"
              + " ${DEFAULT-VALUE}.")
  private long seed;

  @Option(
      names = "--segment-bytes",
      paramLabel = "N",
      defaultValue = "8388608",
      description = "Segment size, small enough for several segments. Default: ${DEFAULT-VALUE}.")
  private long segmentBytes;

  private PrintWriter out;

  @Override
  public Integer call() {
    LogConfig config = config();
    out = TextOut.over(root.stdout());
    long start = System.nanoTime();
    out.print(
        "seglog demo on "
            + dir.toAbsolutePath()
            + " (seed "
            + seed
            + ", "
            + records
            + " records, "
            + Units.bytes(segmentBytes)
            + " segments)\n");

    DemoWriter writer = new DemoWriter(dir, config, seed);
    long appendNanos = timed(() -> writer.write(records));
    describeWrite(writer, appendNanos);

    ReadBack read = new ReadBack(writer);
    long reopenNanos;
    long readNanos;
    RecoveryReport recovery;
    LogStats stats;
    long t = System.nanoTime();
    try (Log log = LogDirs.openForWrite(dir, config)) {
      reopenNanos = System.nanoTime() - t;
      recovery = log.recoveryReport();
      line("reopened", describe(recovery) + " in " + Units.seconds(reopenNanos));
      readNanos = timed(() -> read.readAll(log));
      stats = log.stats();
    }
    line(
        "read back",
        read.records
            + " records, "
            + Units.bytes(read.bytes)
            + " in "
            + Units.seconds(readNanos)
            + ": "
            + Units.perSecond(read.records, readNanos)
            + " records/s, "
            + Units.megabytesPerSecond(read.bytes, readNanos));
    line(
        "compared",
        read.matched
            + " of "
            + (writer.lastIndex() - writer.firstIndex() + 1)
            + " records written by this run match"
            + (read.previous > 0 ? "; " + read.previous + " earlier records read" : "")
            + String.format(Locale.ROOT, " (payload crc32c %08x)", read.payloadCrc.getValue()));

    long v = System.nanoTime();
    VerifyReport report = LogVerifier.verify(dir);
    describeVerify(report, System.nanoTime() - v);
    line(
        "log",
        "indices "
            + stats.firstIndex()
            + ".."
            + stats.lastIndex()
            + ", "
            + stats.segmentCount()
            + " segments, "
            + Units.bytes(stats.totalBytes()));
    line("elapsed", Units.seconds(System.nanoTime() - start));

    String problem = read.problem(stats);
    if (problem == null && !report.intact()) {
      problem = "verify found " + report.findings().size() + " finding(s)";
    }
    if (problem == null && !recovery.isClean()) {
      problem = "reopening a cleanly closed log cut " + recovery.bytesCut() + " bytes";
    }
    line("result", problem == null ? "OK" : "FAILED: " + problem);
    TextOut.check(out);
    if (problem != null) {
      root.reportFailure("demo on " + dir + " failed: " + problem);
      return SeglogCli.EXIT_FAILURE;
    }
    return SeglogCli.EXIT_OK;
  }

  private LogConfig config() {
    if (records < 1 || records > MAX_RECORDS) {
      throw new ParameterException(
          spec.commandLine(), "--records " + records + " is outside 1.." + MAX_RECORDS);
    }
    if (segmentBytes < LogConfig.MIN_SEGMENT_BYTES || segmentBytes > LogConfig.MAX_SEGMENT_BYTES) {
      throw new ParameterException(
          spec.commandLine(),
          "--segment-bytes "
              + segmentBytes
              + " is outside "
              + LogConfig.MIN_SEGMENT_BYTES
              + ".."
              + LogConfig.MAX_SEGMENT_BYTES);
    }
    return LogConfig.builder().segmentBytes(segmentBytes).syncPolicy(SyncPolicy.NONE).build();
  }

  private void describeWrite(DemoWriter w, long wallNanos) {
    long written = w.lastIndex() - w.firstIndex() + 1;
    // Throughput of the log alone: event generation is the demo's cost, not the log's.
    long nanos = wallNanos - w.generateNanos();
    line(
        "log before",
        w.existingLast() < w.existingFirst()
            ? "empty"
            : "indices " + w.existingFirst() + ".." + w.existingLast() + " (kept, checked too)");
    line(
        "appended",
        written
            + " records, "
            + Units.bytes(w.bytes())
            + " in "
            + Units.seconds(nanos)
            + ": "
            + Units.perSecond(written, nanos)
            + " records/s, "
            + Units.megabytesPerSecond(w.bytes(), nanos)
            + " (3 opens and closes included; generating events took another "
            + Units.seconds(w.generateNanos())
            + ")");
    line(
        "",
        w.singles()
            + " single appends (NONE) + "
            + w.batchedRecords()
            + " in "
            + w.batches()
            + " batches + "
            + w.alwaysAppends()
            + " fsynced appends (ALWAYS); "
            + w.syncs()
            + " syncs; indices "
            + w.firstIndex()
            + ".."
            + w.lastIndex());
  }

  private void describeVerify(VerifyReport r, long nanos) {
    if (r.intact()) {
      line(
          "verify",
          "intact: "
              + r.segments()
              + " segments, "
              + r.records()
              + " records, "
              + Units.bytes(r.bytes())
              + " in "
              + Units.seconds(nanos));
      return;
    }
    line("verify", "DAMAGED: " + r.findings().size() + " finding(s)");
    for (VerifyReport.Finding f : r.findings()) {
      line("", f.file() + " offset " + f.offset() + ": " + f.kind() + ": " + f.message());
    }
  }

  private static String describe(RecoveryReport r) {
    if (r.isClean()) {
      return "clean, nothing cut (" + r.segmentsScanned() + " segments scanned)";
    }
    return "cut " + r.bytesCut() + " bytes, " + r.recordsCut() + " records: " + r.cuts();
  }

  /** One line of the report, flushed: a long run shows its progress phase by phase. */
  private void line(String label, String text) {
    out.print(String.format(Locale.ROOT, "%-12s %s", label, text) + "\n");
    out.flush();
  }

  private static long timed(Runnable step) {
    long t = System.nanoTime();
    step.run();
    return System.nanoTime() - t;
  }

  /** Reads the whole log back and compares the records of this run with their digests. */
  private final class ReadBack {
    private final DemoWriter writer;
    private final CRC32C payloadCrc = new CRC32C();
    private long records;
    private long bytes;
    private long previous;
    private long matched;
    private long mismatched;
    private long expectedIndex;
    private String firstProblem;

    ReadBack(DemoWriter writer) {
      this.writer = writer;
    }

    /**
     * Reads every record. Damage stops the read and becomes the run's problem rather than its end,
     * so the report still shows what verify finds.
     */
    void readAll(Log log) {
      expectedIndex = log.firstIndex();
      try (LogReader reader = log.reader(log.firstIndex(), log.lastIndex() + 1)) {
        while (reader.hasNext()) {
          check(reader.next());
        }
      } catch (CorruptLogException e) {
        mismatch("reading index " + expectedIndex + " failed: " + e.getMessage());
      }
    }

    private void check(Record r) {
      records++;
      bytes += r.size();
      if (r.index() != expectedIndex) {
        mismatch("reader returned index " + r.index() + ", expected " + expectedIndex);
      }
      expectedIndex = r.index() + 1;
      if (r.index() < writer.firstIndex()) {
        previous++;
        return;
      }
      if (r.index() > writer.lastIndex()) {
        mismatch("record " + r.index() + " is past the last index written " + writer.lastIndex());
        return;
      }
      payloadCrc.update(r.payload());
      int expected = writer.digestAt(r.index());
      int actual = DemoWorkload.digest(r.type(), r.payload());
      if (actual == expected) {
        matched++;
      } else {
        mismatch(
            String.format(
                Locale.ROOT,
                "record %d (type %d, %d bytes) has digest %08x, expected %08x",
                r.index(),
                r.type(),
                r.size(),
                actual,
                expected));
      }
    }

    private void mismatch(String what) {
      mismatched++;
      if (firstProblem == null) {
        firstProblem = what;
      }
      if (mismatched <= MAX_MISMATCHES_SHOWN) {
        line("MISMATCH", what);
      }
    }

    /** What is wrong after the read, or null if every record is there and matches. */
    String problem(LogStats stats) {
      if (firstProblem != null) {
        return mismatched + " mismatch(es), the first: " + firstProblem;
      }
      long written = writer.lastIndex() - writer.firstIndex() + 1;
      if (matched != written) {
        return "read back " + matched + " of the " + written + " records written";
      }
      long before = writer.existingLast() - writer.existingFirst() + 1;
      if (previous != before || stats.firstIndex() != writer.existingFirst()) {
        return "the log held " + before + " records before the run, " + previous + " after";
      }
      if (payloadCrc.getValue() != writer.payloadCrc()) {
        return "the payloads read differ from those written (crc32c)";
      }
      return null;
    }
  }
}
