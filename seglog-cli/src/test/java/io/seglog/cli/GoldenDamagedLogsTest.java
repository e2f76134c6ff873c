package io.seglog.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.seglog.Log;
import io.seglog.LogConfig;
import io.seglog.cli.golden.GoldenDamagedLogs;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * verify, repair, dump and stat on the golden damaged logs, in process. Every command runs on a
 * copy; the expected outputs are exact (the log directory written as $DIR).
 */
class GoldenDamagedLogsTest {
  private static final String SEG1 = "00000000000000000001.seg";
  private static final String SEG31 = "00000000000000000031.seg";
  private static final String SEG61 = "00000000000000000061.seg";
  private static final String SEG91 = "00000000000000000091.seg";
  private static final String INTACT_ANCHOR =
      "45556d0c265016eab9e16cf1a77ec754d8bb79d485d6f45f35a1472762c558f2";

  @TempDir Path tmp;

  static List<String> cases() {
    return GoldenDamagedLogs.CASES;
  }

  @Test
  void everyCaseHasAnExpectation() {
    assertThat(GoldenDamagedExpectations.VERIFY_JSON.keySet())
        .containsExactlyInAnyOrderElementsOf(GoldenDamagedLogs.CASES);
  }

  @ParameterizedTest
  @MethodSource("cases")
  void verifyJsonIsExactAndDoesNotModifyTheLog(String name) throws Exception {
    Path dir = GoldenLogs.copy(name, tmp);
    Map<String, String> before = TestLogs.snapshot(dir);
    assertThat(before).isEqualTo(TestLogs.snapshot(GoldenLogs.original(name)));

    CliRun.Result r = CliRun.run("verify", dir.toString(), "--json");

    GoldenDamagedExpectations.Expected expected = GoldenDamagedExpectations.VERIFY_JSON.get(name);
    assertThat(r.exitCode()).as("%s", r).isEqualTo(expected.exitCode());
    assertThat(r.stdoutLines()).hasSize(1);
    assertThat(GoldenLogs.placeholder(r.stdoutLines().get(0), dir))
        .isEqualTo(expected.stdoutLine());
    assertThat(GoldenLogs.placeholder(r.stderr(), dir))
        .isEqualTo(expected.stderrLine().isEmpty() ? "" : expected.stderrLine() + "\n");
    assertThat(TestLogs.snapshot(dir)).isEqualTo(before);
  }

  @Test
  void theGeneratorStillDescribesTheCommittedBytes() throws Exception {
    // Generated into a temporary directory only, to prove the generator documents the files.
    Path regenerated = tmp.resolve("regenerated");
    GoldenDamagedLogs.generate(regenerated);
    for (String name : GoldenDamagedLogs.CASES) {
      assertThat(TestLogs.snapshot(regenerated.resolve(name)))
          .as(name)
          .isEqualTo(TestLogs.snapshot(GoldenLogs.original(name)));
    }
  }

  // ---- why the expected offsets and anchors are right, from the bytes themselves

  @Test
  void theTornTailStartsWhereTheIntactActiveSegmentEnds() throws Exception {
    long intactSize = Files.size(GoldenLogs.original("intact").resolve(SEG91));
    assertThat(intactSize).isEqualTo(1328);
    // Half of a 126-byte frame (32-byte header + body) follows it.
    assertThat(Files.size(GoldenLogs.original("torn-tail").resolve(SEG91)))
        .isEqualTo(intactSize + 63);
  }

  @Test
  void theBitFlipIsInTheFrameAt1892WhoseFirstRecordIs45() throws Exception {
    byte[] intact = Files.readAllBytes(GoldenLogs.original("intact").resolve(SEG31));
    byte[] flipped = Files.readAllBytes(GoldenLogs.original("bit-flip").resolve(SEG31));
    int diff = -1;
    for (int i = 0; i < intact.length; i++) {
      if (intact[i] != flipped[i]) {
        assertThat(diff).as("one byte differs").isEqualTo(-1);
        diff = i;
      }
    }
    assertThat(diff).isEqualTo(intact.length / 2).isEqualTo(2011);
    assertThat(intact[diff] ^ flipped[diff]).isEqualTo(0x04);
    // Walk the frames (FORMAT.md 3.2: 32-byte header, body length at +4, first index at +16).
    ByteBuffer b = ByteBuffer.wrap(intact);
    int at = 128;
    while (at + 32 + b.getInt(at + 4) <= diff) {
      at += 32 + b.getInt(at + 4);
    }
    assertThat(at).isEqualTo(1892);
    assertThat(b.getLong(at + 16)).isEqualTo(45);
  }

  /**
   * The affected index ranges in the expectations are the records the named files hold: in the
   * intact log 1..30, 31..60, 61..90 and 91..100; the reordered files hold each other's bytes; the
   * missing segment's indices are 31..60.
   */
  @Test
  void theAffectedRangesAreTheRecordsTheNamedFilesHold() throws Exception {
    Path intact = GoldenLogs.copy("intact", tmp);
    try (Log log = Log.openReadOnly(intact, LogConfig.defaults())) {
      assertThat(log.segments())
          .extracting(s -> s.baseIndex() + ".." + (s.baseIndex() + s.records() - 1))
          .containsExactly("1..30", "31..60", "61..90", "91..100");
    }
    Path reordered = GoldenLogs.original("reordered-segments");
    assertThat(Files.readAllBytes(reordered.resolve(SEG31)))
        .isEqualTo(Files.readAllBytes(intact.resolve(SEG61)));
    assertThat(Files.readAllBytes(reordered.resolve(SEG61)))
        .isEqualTo(Files.readAllBytes(intact.resolve(SEG31)));
    assertThat(Files.exists(GoldenLogs.original("missing-segment").resolve(SEG31))).isFalse();
  }

  @Test
  void theIndexFileChecksumThatFailsIsItsLastFourBytes() throws Exception {
    Path idx = GoldenLogs.original("damaged-index").resolve("00000000000000000031.idx");
    assertThat(Files.size(idx) - 4).isEqualTo(320);
  }

  @Test
  void theAnchorsAreTheTrailerDigestsOfTheNewestIntactSealedSegments() throws Exception {
    Path intact = GoldenLogs.original("intact");
    assertThat(GoldenLogs.segmentDigest(intact.resolve(SEG61))).isEqualTo(INTACT_ANCHOR);
    assertThat(GoldenLogs.segmentDigest(intact.resolve(SEG1)))
        .isEqualTo("284aa41425b28539db8df9eb82a7de4113cdbfc86918f91d541a0160568fcc4d");
    String forged =
        GoldenLogs.segmentDigest(GoldenLogs.original("replaced-segment").resolve(SEG31));
    assertThat(forged)
        .isEqualTo("99a7cbfcf9a49a4ee7483ea54739be4a1228cf5f1dc7ab5bc8889df1cb3375e5")
        .isNotEqualTo(GoldenLogs.segmentDigest(intact.resolve(SEG31)));
    // The forged segment has the same size and header (so its CRCs hold), other payloads.
    byte[] a = Files.readAllBytes(intact.resolve(SEG31));
    byte[] f = Files.readAllBytes(GoldenLogs.original("replaced-segment").resolve(SEG31));
    assertThat(f).hasSameSizeAs(a);
    assertThat(Arrays.copyOf(f, 128)).isEqualTo(Arrays.copyOf(a, 128));
    assertThat(new String(f, StandardCharsets.US_ASCII)).contains("forged record 031");
  }

  // ---- verify: human form, --deep, --expect-digest

  @Test
  void verifyHumanNamesFileOffsetKindAndTheAffectedIndices() throws Exception {
    Path dir = GoldenLogs.copy("bit-flip", tmp);
    CliRun.Result r = CliRun.run("verify", dir.toString());
    assertThat(r.exitCode()).as("%s", r).isEqualTo(1);
    assertThat(GoldenLogs.placeholder(r.stdout(), dir))
        .isEqualTo(
            "$DIR/"
                + SEG31
                + " offset 1892: frame: frame checksum mismatch (indices 45..60 affected)\n"
                + "DAMAGED: 1 finding(s); 4 segment(s), 13394 bytes, 84 record(s) verified,"
                + " readable indices 1..44\n"
                + "chain anchor: 284aa41425b28539db8df9eb82a7de4113cdbfc86918f91d541a0160568fcc4d\n");
  }

  @Test
  void deepReadsEveryRecordOfAnIntactLog() throws Exception {
    Path dir = GoldenLogs.copy("intact", tmp);
    CliRun.Result r = CliRun.run("verify", dir.toString(), "--deep");
    assertThat(r.exitCode()).as("%s", r).isZero();
    assertThat(r.stdoutLines())
        .containsExactly(
            "intact: 0 finding(s); 4 segment(s), 13394 bytes, 100 record(s) verified, indices"
                + " 1..100",
            "deep: 100 record(s) read through the engine",
            "chain anchor: " + INTACT_ANCHOR);
  }

  @Test
  void deepStopsAtTheBitFlipWithoutRepeatingTheFinding() throws Exception {
    Path dir = GoldenLogs.copy("bit-flip", tmp);
    CliRun.Result r = CliRun.run("verify", dir.toString(), "--deep", "--json");
    assertThat(r.exitCode()).as("%s", r).isEqualTo(1);
    String expected =
        GoldenDamagedExpectations.VERIFY_JSON
            .get("bit-flip")
            .stdoutLine()
            .replace("\"records\":84,", "\"records\":84,\"recordsRead\":44,");
    assertThat(GoldenLogs.placeholder(r.stdoutLines().get(0), dir)).isEqualTo(expected);
  }

  @Test
  void deepReportsThatALogWithAMissingSegmentDoesNotOpen() throws Exception {
    Path dir = GoldenLogs.copy("missing-segment", tmp);
    Map<String, String> before = TestLogs.snapshot(dir);
    CliRun.Result r = CliRun.run("verify", dir.toString(), "--deep", "--json");
    assertThat(r.exitCode()).as("%s", r).isEqualTo(1);
    String expected =
        GoldenDamagedExpectations.VERIFY_JSON
            .get("missing-segment")
            .stdoutLine()
            .replace("\"records\":70,", "\"records\":70,\"recordsRead\":0,")
            .replace(
                "]}",
                ",{\"file\":\"$DIR/"
                    + SEG61
                    + "\",\"offset\":24,\"kind\":\"open\",\"message\":\"the log does not open:"
                    + " segment sequence 2 does not follow 0 of "
                    + SEG1
                    + " (not a torn tail: repair with RecoveryMode.POINT_IN_TIME to cut here) in"
                    + " $DIR/"
                    + SEG61
                    + " at byte offset 24\","
                    + "\"firstAffectedIndex\":1,\"lastAffectedIndex\":null}]}");
    assertThat(GoldenLogs.placeholder(r.stdoutLines().get(0), dir)).isEqualTo(expected);
    assertThat(TestLogs.snapshot(dir)).isEqualTo(before);
  }

  @Test
  void expectDigestAcceptsTheCurrentAndAnOlderAnchor() throws Exception {
    Path dir = GoldenLogs.copy("intact", tmp);
    String older = GoldenLogs.segmentDigest(dir.resolve(SEG1));
    for (String anchor : new String[] {INTACT_ANCHOR, older, INTACT_ANCHOR.toUpperCase()}) {
      CliRun.Result r = CliRun.run("verify", dir.toString(), "--expect-digest", anchor);
      assertThat(r.exitCode()).as("%s", r).isZero();
      assertThat(r.stderr()).isEmpty();
    }
  }

  @Test
  void expectDigestCatchesTheReplacedSegment() throws Exception {
    Path dir = GoldenLogs.copy("replaced-segment", tmp);
    CliRun.Result r =
        CliRun.run("verify", dir.toString(), "--json", "--expect-digest", INTACT_ANCHOR);
    assertThat(r.exitCode()).as("%s", r).isEqualTo(1);
    String expected =
        GoldenDamagedExpectations.VERIFY_JSON
            .get("replaced-segment")
            .stdoutLine()
            .replace(
                "]}",
                ",{\"file\":\"$DIR\",\"offset\":-1,\"kind\":\"anchor\",\"message\":\"expected chain"
                    + " digest "
                    + INTACT_ANCHOR
                    + " is not the digest of any intact sealed segment: segments up to it were"
                    + " changed, deleted or replaced, or it belongs to another log\","
                    + "\"firstAffectedIndex\":1,\"lastAffectedIndex\":null}]}");
    assertThat(GoldenLogs.placeholder(r.stdoutLines().get(0), dir)).isEqualTo(expected);
  }

  @Test
  void expectDigestThatIsNotADigestIsAUsageError() throws Exception {
    Path dir = GoldenLogs.copy("intact", tmp);
    CliRun.Result r = CliRun.run("verify", dir.toString(), "--expect-digest", "abc");
    assertThat(r.exitCode()).as("%s", r).isEqualTo(2);
    assertThat(r.stderrLines())
        .containsExactly(
            "seglog: --expect-digest abc is not a SHA-256 digest (64 hex digits) (see 'seglog"
                + " verify --help')");
  }

  // ---- repair

  @Test
  void repairCutsTheTornTailIntoASideFile() throws Exception {
    Path dir = GoldenLogs.copy("torn-tail", tmp);
    byte[] torn = Files.readAllBytes(dir.resolve(SEG91));
    CliRun.Result r = CliRun.run("repair", dir.toString(), "--json");
    assertThat(r.exitCode()).as("%s", r).isZero();
    assertThat(GoldenLogs.placeholder(r.stdout(), dir))
        .isEqualTo(
            "{\"directory\":\"$DIR\",\"mode\":\"tail\",\"dryRun\":false,\"cuts\":[{\"file\":\"$DIR/"
                + SEG91
                + "\",\"offset\":1328,\"bytes\":63,\"records\":0,\"reason\":\"frame of 126 bytes"
                + " runs past the end of the file\",\"sideFile\":\"$DIR/"
                + SEG91
                + ".1328.cut\"}],\"bytesCut\":63,\"recordsCut\":0,\"indexFilesRebuilt\":[],"
                + "\"temporaryFilesRemoved\":[]}\n");
    assertThat(Files.readAllBytes(dir.resolve(SEG91 + ".1328.cut")))
        .isEqualTo(Arrays.copyOfRange(torn, 1328, torn.length));
    assertThat(Files.readAllBytes(dir.resolve(SEG91)))
        .isEqualTo(Files.readAllBytes(GoldenLogs.original("intact").resolve(SEG91)));
    CliRun.Result after = CliRun.run("verify", dir.toString());
    assertThat(after.exitCode()).as("%s", after).isZero();
    assertThat(after.stdoutLines()).last().isEqualTo("chain anchor: " + INTACT_ANCHOR);
  }

  @Test
  void repairDryRunReportsTheCutAndWritesNothing() throws Exception {
    Path dir = GoldenLogs.copy("torn-tail", tmp);
    Map<String, String> before = TestLogs.snapshot(dir);
    CliRun.Result r = CliRun.run("repair", dir.toString(), "--dry-run");
    assertThat(r.exitCode()).as("%s", r).isZero();
    assertThat(GoldenLogs.placeholder(r.stdout(), dir))
        .isEqualTo(
            "would cut $DIR/"
                + SEG91
                + " from byte offset 1328: 63 bytes, 0 record(s); reason: frame of 126 bytes runs"
                + " past the end of the file; side file: (not written)\n"
                + "dry run, nothing changed: 1 cut(s) would remove 63 bytes and 0 record(s); 0"
                + " index file(s) to rebuild, 0 temporary file(s) to remove\n");
    assertThat(TestLogs.snapshot(dir)).isEqualTo(before);
  }

  @ParameterizedTest
  @MethodSource("refusedByTail")
  void tailRefusesDamageItDoesNotRepairAndChangesNothing(String name, String refusal)
      throws Exception {
    Path dir = GoldenLogs.copy(name, tmp);
    Map<String, String> before = TestLogs.snapshot(dir);
    CliRun.Result r = CliRun.run("repair", dir.toString());
    assertThat(r.exitCode()).as("%s", r).isEqualTo(1);
    assertThat(r.stdout()).isEmpty();
    assertThat(GoldenLogs.placeholder(r.stderr(), dir))
        .isEqualTo(
            "seglog: "
                + refusal
                + "; nothing was changed. To cut the log at the damage (records after it leave the"
                + " log, their bytes are kept in side files): seglog repair $DIR --mode"
                + " point-in-time [--dry-run]\n");
    assertThat(TestLogs.snapshot(dir)).isEqualTo(before);
  }

  /**
   * Damage a tail-mode open refuses is reported with the engine's message; damage in a sealed
   * segment's frames, which a tail-mode open does not read, with the verifier's finding.
   */
  static List<Arguments> refusedByTail() {
    String notATornTail = " (not a torn tail: repair with RecoveryMode.POINT_IN_TIME to cut here)";
    return List.of(
        Arguments.of(
            "bit-flip",
            "mode tail does not repair frame damage in $DIR/"
                + SEG31
                + " at byte offset 1892: frame checksum mismatch (indices 45..60 affected)"),
        Arguments.of(
            "missing-segment",
            "segment sequence 2 does not follow 0 of "
                + SEG1
                + notATornTail
                + " in $DIR/"
                + SEG61
                + " at byte offset 24"),
        Arguments.of(
            "reordered-segments",
            "segment header says base index 61 but the file is named for 31"
                + notATornTail
                + " in $DIR/"
                + SEG31
                + " at byte offset 32"),
        Arguments.of(
            "replaced-segment",
            "hash chain broken: previous-segment digest does not match "
                + SEG31
                + notATornTail
                + " in $DIR/"
                + SEG61
                + " at byte offset 48"));
  }

  @Test
  void pointInTimeCutsAtTheBitFlipAndKeepsEveryByte() throws Exception {
    Path dir = GoldenLogs.copy("bit-flip", tmp);
    byte[] seg31 = Files.readAllBytes(dir.resolve(SEG31));
    byte[] seg61 = Files.readAllBytes(dir.resolve(SEG61));
    String expectedCuts =
        " $DIR/"
            + SEG31
            + " from byte offset 1892: 2130 bytes, 15 record(s); reason: frame checksum mismatch;"
            + " side file: %s\n"
            + "%s $DIR/"
            + SEG61
            + " whole file: 4062 bytes, 30 record(s); reason: after damage in "
            + SEG31
            + " at offset 1892; side file: %s\n"
            + "%s $DIR/"
            + SEG91
            + " whole file: 1328 bytes, 10 record(s); reason: after damage in "
            + SEG31
            + " at offset 1892; side file: %s\n";
    Map<String, String> before = TestLogs.snapshot(dir);
    CliRun.Result dry =
        CliRun.run("repair", dir.toString(), "--mode", "point-in-time", "--dry-run");
    assertThat(dry.exitCode()).as("%s", dry).isZero();
    assertThat(GoldenLogs.placeholder(dry.stdout(), dir))
        .isEqualTo(
            "would cut"
                + String.format(
                    expectedCuts,
                    "(not written)",
                    "would cut",
                    "(not written)",
                    "would cut",
                    "(not written)")
                + "dry run, nothing changed: 3 cut(s) would remove 7520 bytes and 55 record(s); 0"
                + " index file(s) to rebuild, 0 temporary file(s) to remove\n");
    assertThat(TestLogs.snapshot(dir)).isEqualTo(before);

    CliRun.Result r = CliRun.run("repair", dir.toString(), "--mode", "point-in-time");
    assertThat(r.exitCode()).as("%s", r).isZero();
    assertThat(GoldenLogs.placeholder(r.stdout(), dir))
        .isEqualTo(
            "cut"
                + String.format(
                    expectedCuts,
                    "$DIR/" + SEG31 + ".1892.cut",
                    "cut",
                    "$DIR/" + SEG61 + ".0.cut",
                    "cut",
                    "$DIR/" + SEG91 + ".0.cut")
                + "repaired: 3 cut(s) removed 7520 bytes and 55 record(s); 0 index file(s)"
                + " rebuilt, 0 temporary file(s) removed\n");
    assertThat(Files.readAllBytes(dir.resolve(SEG31 + ".1892.cut")))
        .isEqualTo(Arrays.copyOfRange(seg31, 1892, seg31.length));
    assertThat(Files.readAllBytes(dir.resolve(SEG61 + ".0.cut"))).isEqualTo(seg61);
    assertThat(dir.resolve(SEG61)).doesNotExist();

    CliRun.Result verified = CliRun.run("verify", dir.toString());
    assertThat(verified.exitCode()).as("%s", verified).isZero();
    assertThat(verified.stdoutLines().get(0)).endsWith("indices 1..44");
    assertThat(CliRun.run("dump", dir.toString()).stdoutLines()).hasSize(44);
  }

  @Test
  void repairRebuildsADamagedIndexFile() throws Exception {
    Path dir = GoldenLogs.copy("damaged-index", tmp);
    CliRun.Result dry = CliRun.run("repair", dir.toString(), "--dry-run");
    assertThat(GoldenLogs.placeholder(dry.stdout(), dir))
        .isEqualTo(
            "would rebuild index file $DIR/00000000000000000031.idx\n"
                + "dry run, nothing changed: 0 cut(s) would remove 0 bytes and 0 record(s); 1"
                + " index file(s) to rebuild, 0 temporary file(s) to remove\n");
    CliRun.Result r = CliRun.run("repair", dir.toString());
    assertThat(r.exitCode()).as("%s", r).isZero();
    assertThat(GoldenLogs.placeholder(r.stdout(), dir))
        .isEqualTo(
            "rebuilt index file $DIR/00000000000000000031.idx\n"
                + "repaired: 0 cut(s) removed 0 bytes and 0 record(s); 1 index file(s) rebuilt,"
                + " 0 temporary file(s) removed\n");
    assertThat(Files.readAllBytes(dir.resolve("00000000000000000031.idx")))
        .isEqualTo(
            Files.readAllBytes(GoldenLogs.original("intact").resolve("00000000000000000031.idx")));
    assertThat(CliRun.run("verify", dir.toString()).exitCode()).isZero();
  }

  /**
   * Damaged metadata: no repair mode cuts or rebuilds it, so the refusal must not send the operator
   * to --mode point-in-time (which refuses it as well) but to a backup.
   */
  @Test
  void tailRefusesDamagedMetadataWithoutPointingAtPointInTime() throws Exception {
    Path dir = GoldenLogs.copy("intact", tmp);
    Path meta = dir.resolve("seglog.meta");
    byte[] b = Files.readAllBytes(meta);
    b[33] ^= 1; // the first index: the checksum fails
    Files.write(meta, b);
    Map<String, String> before = TestLogs.snapshot(dir);
    CliRun.Result r = CliRun.run("repair", dir.toString());
    assertThat(r.exitCode()).as("%s", r).isEqualTo(1);
    assertThat(r.stderrLines())
        .singleElement()
        .asString()
        .startsWith("seglog: metadata checksum mismatch in " + meta)
        .contains("nothing was changed")
        .contains("restore " + meta + " from a backup")
        .doesNotContain("seglog repair " + dir + " --mode point-in-time");
    assertThat(TestLogs.snapshot(dir)).isEqualTo(before);
    CliRun.Result pointInTime = CliRun.run("repair", dir.toString(), "--mode", "point-in-time");
    assertThat(pointInTime.exitCode()).as("point-in-time refuses it too: %s", pointInTime).isOne();
  }

  @Test
  void repairOfAnIntactLogHasNothingToDo() throws Exception {
    Path dir = GoldenLogs.copy("intact", tmp);
    for (String mode : new String[] {"tail", "point-in-time"}) {
      CliRun.Result r = CliRun.run("repair", dir.toString(), "--mode", mode);
      assertThat(r.exitCode()).as("%s", r).isZero();
      assertThat(r.stdout()).isEqualTo("nothing to repair in " + dir + " (mode " + mode + ")\n");
    }
  }

  @Test
  void repairOfALockedLogFailsWithOneLine() throws Exception {
    Path dir = GoldenLogs.copy("torn-tail", tmp);
    try (Log held = Log.open(dir, LogConfig.defaults())) {
      CliRun.Result r = CliRun.run("repair", dir.toString());
      assertThat(r.exitCode()).as("%s", r).isEqualTo(1);
      assertThat(r.stderrLines())
          .containsExactly("seglog: log directory " + dir + " is locked by another process");
      assertThat(held.lastIndex()).isEqualTo(100);
    }
  }

  @Test
  void repairNeverCreatesALog() throws Exception {
    Path empty = Files.createDirectory(tmp.resolve("empty"));
    CliRun.Result r = CliRun.run("repair", empty.toString());
    assertThat(r.exitCode()).as("%s", r).isEqualTo(1);
    assertThat(r.stderrLines())
        .containsExactly("seglog: no seglog log in " + empty + " (no seglog.meta and no segments)");
    assertThat(TestLogs.snapshot(empty)).isEmpty();
  }

  @Test
  void repairModeIsValidated() throws Exception {
    Path dir = GoldenLogs.copy("intact", tmp);
    CliRun.Result r = CliRun.run("repair", dir.toString(), "--mode", "strict");
    assertThat(r.exitCode()).as("%s", r).isEqualTo(2);
    assertThat(r.stderrLines())
        .singleElement()
        .asString()
        .startsWith("seglog: ")
        .contains("strict");
  }

  // ---- dump and stat

  @Test
  void dumpPrintsWhatIsReadableThenReportsTheDamage() throws Exception {
    Path dir = GoldenLogs.copy("bit-flip", tmp);
    CliRun.Result r = CliRun.run("dump", dir.toString());
    assertThat(r.exitCode()).as("%s", r).isEqualTo(1);
    assertThat(r.stdoutLines()).hasSize(44);
    assertThat(r.stdoutLines().get(43))
        .isEqualTo(
            "44 2020-09-13T12:27:24.000Z 0 68 text:golden record 044 " + "abcdefghij".repeat(5));
    assertThat(GoldenLogs.placeholder(r.stderr(), dir))
        .isEqualTo(
            "seglog: damaged log: frame checksum mismatch in $DIR/"
                + SEG31
                + " at byte offset 1892; printed 44 record(s), the readable ones before index 45"
                + " (seglog verify $DIR lists all damage)\n");
  }

  @Test
  void dumpOfALogThatDoesNotOpenPrintsThePrefixBeforeTheDamage() throws Exception {
    Path dir = GoldenLogs.copy("missing-segment", tmp);
    Map<String, String> before = TestLogs.snapshot(dir);
    CliRun.Result r = CliRun.run("dump", dir.toString(), "--json");
    assertThat(r.exitCode()).as("%s", r).isEqualTo(1);
    assertThat(r.stdoutLines()).hasSize(30);
    assertThat(r.stdoutLines().get(29)).startsWith("{\"index\":30,");
    assertThat(r.stderrLines()).singleElement().asString().startsWith("seglog: damaged log: ");
    assertThat(TestLogs.snapshot(dir)).isEqualTo(before);
  }

  /**
   * --from beyond the readable prefix of a log that does not open: the line said "the readable ones
   * before index 50" though only those before 31 are readable.
   */
  @Test
  void dumpFromBeyondTheReadablePrefixNamesWhereThePrefixEnds() throws Exception {
    Path dir = GoldenLogs.copy("missing-segment", tmp);
    CliRun.Result r = CliRun.run("dump", dir.toString(), "--from", "50");
    assertThat(r.exitCode()).as("%s", r).isEqualTo(1);
    assertThat(r.stdout()).isEmpty();
    assertThat(r.stderrLines())
        .singleElement()
        .asString()
        .startsWith("seglog: damaged log: ")
        .contains("printed 0 record(s), the readable ones before index 31 ");
  }

  @Test
  void dumpHexShowsEveryPayloadAsHex() throws Exception {
    Path dir = GoldenLogs.copy("intact", tmp);
    CliRun.Result r = CliRun.run("dump", dir.toString(), "--from", "7", "--to", "8", "--hex");
    assertThat(r.exitCode()).as("%s", r).isZero();
    assertThat(r.stdoutLines())
        .containsExactly(
            "7 2020-09-13T12:26:47.000Z 3 48 hex:"
                + HexFormat.of()
                    .formatHex(
                        ("golden record 007 " + "abcdefghij".repeat(3))
                            .getBytes(StandardCharsets.US_ASCII)));
  }

  @Test
  void statShowsEverySegment() throws Exception {
    Path dir = GoldenLogs.copy("intact", tmp);
    CliRun.Result r = CliRun.run("stat", dir.toString());
    assertThat(r.exitCode()).as("%s", r).isZero();
    assertThat(GoldenLogs.placeholder(r.stdout(), dir))
        .isEqualTo(
            "directory      $DIR\n"
                + "first index    1\n"
                + "last index     100\n"
                + "durable index  100\n"
                + "records        100\n"
                + "segments       4\n"
                + "bytes          13394 (13.1 KiB)\n"
                + "\n"
                + "segment                   base index  records  bytes  sealed  time range"
                + "                                          digest\n"
                + "00000000000000000001.seg           1       30   3982  yes     "
                + "2020-09-13T12:26:41.000Z..2020-09-13T12:27:10.000Z  284aa41425b2\n"
                + "00000000000000000031.seg          31       30   4022  yes     "
                + "2020-09-13T12:27:11.000Z..2020-09-13T12:27:40.000Z  "
                + GoldenLogs.segmentDigest(dir.resolve(SEG31)).substring(0, 12)
                + "\n"
                + "00000000000000000061.seg          61       30   4062  yes     "
                + "2020-09-13T12:27:41.000Z..2020-09-13T12:28:10.000Z  45556d0c2650\n"
                + "00000000000000000091.seg          91       10   1328  no      "
                + "2020-09-13T12:28:11.000Z..2020-09-13T12:28:20.000Z  -\n");
  }

  @Test
  void statJsonListsEverySegment() throws Exception {
    Path dir = GoldenLogs.copy("intact", tmp);
    String seg31Digest = GoldenLogs.segmentDigest(dir.resolve(SEG31));
    CliRun.Result r = CliRun.run("stat", dir.toString(), "--json");
    assertThat(r.exitCode()).as("%s", r).isZero();
    assertThat(r.stdout())
        .isEqualTo(
            "{\"firstIndex\":1,\"lastIndex\":100,\"durableIndex\":100,\"records\":100,"
                + "\"segments\":4,\"bytes\":13394,\"segmentList\":["
                + "{\"file\":\"00000000000000000001.seg\",\"baseIndex\":1,\"records\":30,"
                + "\"bytes\":3982,\"sealed\":true,\"minTimestamp\":1600000001000,"
                + "\"maxTimestamp\":1600000030000,"
                + "\"digest\":\"284aa41425b28539db8df9eb82a7de4113cdbfc86918f91d541a0160568fcc4d\"},"
                + "{\"file\":\"00000000000000000031.seg\",\"baseIndex\":31,\"records\":30,"
                + "\"bytes\":4022,\"sealed\":true,\"minTimestamp\":1600000031000,"
                + "\"maxTimestamp\":1600000060000,\"digest\":\""
                + seg31Digest
                + "\"},"
                + "{\"file\":\"00000000000000000061.seg\",\"baseIndex\":61,\"records\":30,"
                + "\"bytes\":4062,\"sealed\":true,\"minTimestamp\":1600000061000,"
                + "\"maxTimestamp\":1600000090000,\"digest\":\""
                + INTACT_ANCHOR
                + "\"},"
                + "{\"file\":\"00000000000000000091.seg\",\"baseIndex\":91,\"records\":10,"
                + "\"bytes\":1328,\"sealed\":false,\"minTimestamp\":1600000091000,"
                + "\"maxTimestamp\":1600000100000,\"digest\":null}]}\n");
  }
}
