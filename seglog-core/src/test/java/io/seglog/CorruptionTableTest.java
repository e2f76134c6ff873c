package io.seglog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.seglog.internal.format.FileNames;
import io.seglog.internal.format.FormatException;
import io.seglog.internal.format.IndexFileFormat;
import io.seglog.internal.format.SegmentFormat;
import io.seglog.internal.io.NioFileIO;
import io.seglog.internal.log.SegmentedLog;
import io.seglog.testing.DirectorySnapshot;
import io.seglog.testing.ExpectedRecord;
import io.seglog.testing.FaultInjectingFileIO;
import io.seglog.testing.LogChecks;
import io.seglog.testing.SegmentScan;
import io.seglog.testing.SegmentScan.Frame;
import io.seglog.testing.TestClock;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Damage tables: a log with two sealed segments and an active one is written, the process "crashes"
 * (no clean close), and then the files are damaged in one precise way per case. Each case states
 * exactly what opening must do in each {@link RecoveryMode}, derived from the recovery contract:
 *
 * <ul>
 *   <li>damage to the last segment's frames is a "tail" when no later valid frame exists, or when
 *       every later valid frame's synced index is below the damaged frame's first index; TAIL and
 *       POINT_IN_TIME then cut it back to the last valid frame and keep the cut bytes in {@code
 *       <segment>.<offset>.cut}; STRICT refuses any damage;
 *   <li>damage a later frame proves was fsynced, and any damage outside the last segment's frames,
 *       is refused by TAIL and STRICT with a {@link CorruptLogException} naming the file and the
 *       byte offset; POINT_IN_TIME cuts the log there, moving later segments to side files;
 *   <li>in TAIL mode a sealed segment's frames are not scanned at open: damage there is found when
 *       the record is read, and the read throws.
 * </ul>
 *
 * Every successful open must give an exact prefix of what was written; a read-only open first must
 * agree and change no byte; the recovered log must survive a second crash and reopen unchanged
 * (recovery is idempotent), take appends at the next index, and reopen cleanly.
 */
class CorruptionTableTest {
  static final UUID LOG_ID = UUID.fromString("5e9105e9-0000-4000-8000-00000000c0de");
  static final UUID OTHER_LOG_ID = UUID.fromString("5e9105e9-0000-4000-8000-0000000f0e19");
  static final int SEGMENT_BYTES = 16384;

  /** How the log under damage was written. */
  enum Writes {
    /** SyncPolicy.NONE, no sync(): the active segment's frames were never fsynced. */
    NONE,
    /** SyncPolicy.ALWAYS: every frame proves the one before it was fsynced. */
    ALWAYS,
    /** SyncPolicy.NONE with a sync() between the last two frames. */
    NONE_SYNC_BEFORE_LAST,
    /**
     * SyncPolicy.NONE, closed cleanly instead of crashing: the active segment's index file then
     * covers every frame, and the damage comes after the clean close.
     */
    NONE_CLEAN_CLOSE
  }

  @TempDir static Path base;
  private static final Map<Writes, Original> ORIGINALS = new EnumMap<>(Writes.class);
  private static final AtomicInteger CASES = new AtomicInteger();

  /** A written, crashed log: its directory (never modified), records and segment layout. */
  record Original(
      Writes writes,
      Path dir,
      List<ExpectedRecord> records,
      long first,
      List<String> segments,
      Map<String, byte[]> bytes,
      Map<String, List<Frame>> frames) {

    String last() {
      return segments.get(segments.size() - 1);
    }

    List<Frame> recordFrames(String segment) {
      return frames.get(segment).stream().filter(f -> !f.isTrailer()).toList();
    }

    Frame trailer(String segment) {
      List<Frame> fs = frames.get(segment);
      Frame t = fs.get(fs.size() - 1);
      assertThat(t.isTrailer()).as(segment + " is sealed").isTrue();
      return t;
    }

    long baseOf(String segment) {
      return FileNames.baseIndexOf(segment);
    }

    long recordsIn(String segment) {
      return recordFrames(segment).stream().mapToLong(Frame::recordCount).sum();
    }

    /** How many records lie before {@code index}: the length of the prefix kept. */
    int keptBefore(long index) {
      return (int) (index - first);
    }
  }

  static LogConfig config(Writes writes, RecoveryMode mode) {
    return LogConfig.builder()
        .syncPolicy(writes == Writes.ALWAYS ? SyncPolicy.ALWAYS : SyncPolicy.NONE)
        .segmentBytes(SEGMENT_BYTES)
        .maxRecordBytes(4096)
        .recoveryMode(mode)
        .clock(new TestClock(1_600_000_000_000L))
        .build();
  }

  static synchronized Original original(Writes writes) {
    return ORIGINALS.computeIfAbsent(writes, w -> write(w, base.resolve("original-" + w), LOG_ID));
  }

  /**
   * Writes two sealed segments and most of a third, ends with a single record and then a batch of
   * three (the "last two frames"), and crashes.
   */
  static Original write(Writes writes, Path dir, UUID logId) {
    FaultInjectingFileIO io = new FaultInjectingFileIO();
    LogConfig config = config(writes, RecoveryMode.TAIL);
    Log log = SegmentedLog.open(dir, config, io, logId);
    SplittableRandom rnd = new SplittableRandom(20240601);
    List<ExpectedRecord> records = new ArrayList<>();
    long ts = 1_650_000_000_000L;
    try {
      while (SegmentScan.segments(dir).size() < 3
          || Files.size(SegmentScan.segments(dir).get(2)) < 9000) {
        if (rnd.nextInt(10) < 7) {
          byte[] p = new byte[rnd.nextInt(20, 300)];
          rnd.nextBytes(p);
          int type = rnd.nextInt(1000);
          long index = log.append(Entry.of(p, type, ++ts));
          records.add(new ExpectedRecord(index, ts, type, p));
        } else {
          List<Entry> batch = new ArrayList<>();
          List<ExpectedRecord> expected = new ArrayList<>();
          long next = log.lastIndex() + 1;
          for (int i = 0, n = rnd.nextInt(2, 6); i < n; i++) {
            byte[] p = new byte[rnd.nextInt(0, 120)];
            rnd.nextBytes(p);
            batch.add(Entry.of(p, i, ++ts));
            expected.add(new ExpectedRecord(next + i, ts, i, p));
          }
          assertThat(log.appendBatch(batch)).isEqualTo(next);
          records.addAll(expected);
        }
      }
      byte[] single = new byte[40];
      rnd.nextBytes(single);
      long index = log.append(Entry.of(single, 7, ++ts));
      records.add(new ExpectedRecord(index, ts, 7, single));
      if (writes == Writes.NONE_SYNC_BEFORE_LAST) {
        log.sync();
      }
      byte[] ten = new byte[10];
      byte[] twenty = new byte[20];
      rnd.nextBytes(ten);
      rnd.nextBytes(twenty);
      long batchAt =
          log.appendBatch(
              List.of(
                  Entry.of(new byte[0], 1, ts + 1),
                  Entry.of(ten, 2, ts + 2),
                  Entry.of(twenty, Entry.MAX_TYPE, ts + 3)));
      records.add(new ExpectedRecord(batchAt, ts + 1, 1, new byte[0]));
      records.add(new ExpectedRecord(batchAt + 1, ts + 2, 2, ten));
      records.add(new ExpectedRecord(batchAt + 2, ts + 3, Entry.MAX_TYPE, twenty));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (writes == Writes.NONE_CLEAN_CLOSE) {
      log.close();
      io.crash(); // nothing is left open; this only stops the file system
    } else {
      io.crash();
    }

    List<String> segments =
        SegmentScan.segments(dir).stream().map(p -> p.getFileName().toString()).toList();
    assertThat(segments).as("segments written").hasSize(3);
    Map<String, byte[]> bytes = new java.util.HashMap<>();
    Map<String, List<Frame>> frames = new java.util.HashMap<>();
    DirectorySnapshot snapshot = DirectorySnapshot.of(dir);
    for (String name : snapshot.names()) {
      bytes.put(name, snapshot.bytes(name));
    }
    for (String s : segments) {
      frames.put(s, SegmentScan.frames(bytes.get(s)));
    }
    Original o =
        new Original(writes, dir, List.copyOf(records), 1, segments, bytes, Map.copyOf(frames));
    // The test's reading of the files agrees with what was written.
    long next = o.first;
    for (String s : segments) {
      assertThat(o.baseOf(s)).as("base of " + s).isEqualTo(next);
      next += o.recordsIn(s);
    }
    assertThat(next).isEqualTo(records.size() + o.first);
    List<Frame> lastFrames = o.frames.get(o.last());
    assertThat(lastFrames.get(lastFrames.size() - 1).recordCount()).isEqualTo(3);
    assertThat(lastFrames.get(lastFrames.size() - 2).recordCount()).isEqualTo(1);
    return o;
  }

  // ---------------------------------------------------------------- expectations

  /**
   * One cut the report must list: file, offset, byte count, records, the side file's bytes ({@code
   * null}: the file's bytes from the offset on as the damage left them).
   */
  record CutSpec(String file, long offset, long bytes, long records, byte[] content) {
    CutSpec resolve(DirectorySnapshot damaged) {
      if (content != null) {
        return this;
      }
      byte[] b = damaged.bytes(file);
      return new CutSpec(
          file, offset, bytes, records, Arrays.copyOfRange(b, (int) offset, b.length));
    }
  }

  /**
   * What opening must do. Either it fails ({@code failFiles} non-null: the exception names one of
   * those files, at {@code failOffset} unless that is null, inside {@code failOffsetRange} if set),
   * or it gives the first {@code keep} records and reports exactly {@code cuts}.
   */
  record Expect(
      Set<String> failFiles,
      Long failOffset,
      long[] failOffsetRange,
      int keep,
      List<CutSpec> cuts,
      List<String> rebuiltIndexFiles,
      List<String> removedTemporaryFiles) {

    static Expect refused(String file, long offset) {
      return new Expect(Set.of(file), offset, null, -1, List.of(), List.of(), List.of());
    }

    static Expect refusedSomewhere(Set<String> files, long fromOffset, long toOffset) {
      return new Expect(
          files, null, new long[] {fromOffset, toOffset}, -1, List.of(), List.of(), List.of());
    }

    static Expect opens(int keep, List<CutSpec> cuts) {
      return new Expect(null, null, null, keep, cuts, List.of(), List.of());
    }

    boolean fails() {
      return failFiles != null;
    }

    @Override
    public String toString() {
      return fails()
          ? "refused in " + failFiles + " at " + (failOffset != null ? failOffset : "?")
          : "opens with " + keep + " records, cuts " + cuts.stream().map(CutSpec::file).toList();
    }
  }

  /**
   * The expectation for damage confined to the last segment, which held {@code original} bytes and
   * now holds {@code damaged} ones: the rule of the recovery contract, computed from the test's own
   * parsing of the frames.
   */
  static Expect tailExpectation(Original o, byte[] damaged, RecoveryMode mode) {
    String seg = o.last();
    byte[] orig = o.bytes.get(seg);
    List<Frame> frames = o.frames.get(seg);
    int d = -1;
    for (int i = 0; i < frames.size(); i++) {
      if (!intact(frames.get(i), orig, damaged)) {
        d = i;
        break;
      }
    }
    long damageAt;
    long damagedFirst;
    long lastIndex = o.first + o.records.size() - 1;
    if (d >= 0) {
      damageAt = frames.get(d).offset();
      damagedFirst = frames.get(d).firstIndex();
    } else if (damaged.length > orig.length) {
      damageAt = orig.length;
      damagedFirst = lastIndex + 1;
    } else {
      return Expect.opens(o.records.size(), List.of());
    }
    if (o.writes == Writes.NONE_CLEAN_CLOSE
        && mode == RecoveryMode.TAIL
        && damaged.length < orig.length) {
      // The index file written at the clean close covers the whole segment, after an fsync: it
      // proves the missing bytes were durable, so this is lost data, not a torn tail (FORMAT.md 4).
      return Expect.refused(seg, damaged.length);
    }
    long cutBytes = damaged.length - damageAt;
    if (o.writes == Writes.NONE_CLEAN_CLOSE
        && damaged.length < orig.length
        && mode != RecoveryMode.POINT_IN_TIME) {
      // The index file written at the clean close, after an fsync, proves every frame it covers
      // was durable: losing any of them is not a torn tail, at a frame boundary or not. TAIL names
      // the end of the file; STRICT the torn frame or the end of the file.
      return mode == RecoveryMode.TAIL
          ? Expect.refused(seg, damaged.length)
          : Expect.refusedSomewhere(Set.of(seg), damageAt, damaged.length);
    }
    List<Frame> laterValid = new ArrayList<>();
    for (int i = d + 1; d >= 0 && i < frames.size(); i++) {
      if (intact(frames.get(i), orig, damaged)) {
        laterValid.add(frames.get(i));
      }
    }
    boolean provenSynced = laterValid.stream().anyMatch(f -> f.syncedIndex() >= damagedFirst);
    int keep = o.keptBefore(damagedFirst);
    if (o.writes == Writes.NONE_CLEAN_CLOSE && damaged.length < orig.length) {
      // POINT_IN_TIME (the other modes refused above) keeps what is there and reports the loss of
      // index-proven bytes as a zero-byte cut at the end of the file, besides any torn frame it
      // cuts.
      List<CutSpec> cuts = new ArrayList<>();
      if (cutBytes > 0) {
        cuts.add(
            new CutSpec(
                seg,
                damageAt,
                cutBytes,
                laterValid.stream().mapToLong(Frame::recordCount).sum(),
                Arrays.copyOfRange(damaged, (int) damageAt, damaged.length)));
      }
      cuts.add(new CutSpec(seg, damaged.length, 0, 0, new byte[0]));
      return Expect.opens(keep, cuts);
    }
    if (cutBytes == 0) {
      return Expect.opens(keep, List.of()); // a clean truncation at a frame boundary
    }
    if (mode == RecoveryMode.STRICT || (mode == RecoveryMode.TAIL && provenSynced)) {
      return Expect.refused(seg, damageAt);
    }
    long records = laterValid.stream().mapToLong(Frame::recordCount).sum();
    byte[] content = Arrays.copyOfRange(damaged, (int) damageAt, damaged.length);
    return Expect.opens(keep, List.of(new CutSpec(seg, damageAt, cutBytes, records, content)));
  }

  static boolean intact(Frame f, byte[] orig, byte[] damaged) {
    return f.end() <= damaged.length
        && Arrays.equals(
            orig, (int) f.offset(), (int) f.end(), damaged, (int) f.offset(), (int) f.end());
  }

  // ---------------------------------------------------------------- running one case

  /** Damage applied to a copy of the original directory. */
  interface Damage {
    void apply(Path dir) throws IOException;
  }

  static DynamicTest tailCase(Writes w, RecoveryMode mode, String what, TailDamage damage) {
    return DynamicTest.dynamicTest(
        mode + " " + w + " " + what,
        () -> {
          Original o = original(w);
          byte[] damaged = damage.apply(o.bytes.get(o.last()).clone());
          Expect expect = tailExpectation(o, damaged, mode);
          run(
              o,
              mode,
              dir -> {
                Files.write(dir.resolve(o.last()), damaged);
                if (mode == RecoveryMode.TAIL) {
                  checkVerifier(o, dir, damaged, expect);
                }
              },
              expect);
        });
  }

  /**
   * The verifier changes nothing, finds an undamaged log intact, and otherwise names the last
   * segment at the offset recovery acts on (the first damaged frame, or the end of the file when
   * the index file proves more was there).
   */
  static void checkVerifier(Original o, Path dir, byte[] damaged, Expect tailExpect) {
    DirectorySnapshot before = DirectorySnapshot.of(dir);
    VerifyReport report = LogVerifier.verify(dir);
    assertThat(before.differences(DirectorySnapshot.of(dir)))
        .as("files changed by verify")
        .isEmpty();
    if (!tailExpect.fails() && tailExpect.cuts.isEmpty()) {
      // nothing to see: at most a clean truncation at a frame boundary of unsynced frames
      assertThat(report.findings()).as("verify of a log with no visible damage").isEmpty();
      return;
    }
    assertThat(report.intact()).as("verify of a damaged log").isFalse();
    String seg = o.last();
    List<Long> offsets = new ArrayList<>();
    tailExpect.cuts.forEach(c -> offsets.add(c.offset));
    if (tailExpect.fails()) {
      offsets.add(tailExpect.failOffset != null ? tailExpect.failOffset : damaged.length);
      // the first damaged frame, where a scan stops, or the end of the file
      List<Frame> frames = o.frames.get(seg);
      frames.stream()
          .filter(f -> !intact(f, o.bytes.get(seg), damaged))
          .findFirst()
          .ifPresent(f -> offsets.add(f.offset()));
      offsets.add((long) damaged.length);
    }
    String idx = FileNames.index(o.baseOf(seg));
    boolean indexProvesMore =
        o.writes == Writes.NONE_CLEAN_CLOSE && damaged.length < o.bytes.get(seg).length;
    assertThat(report.findings())
        .as(
            "verify names "
                + seg
                + " at one of "
                + offsets
                + (indexProvesMore ? ", or " + idx : ""))
        .anyMatch(
            f ->
                (f.file().getFileName().toString().equals(seg) && offsets.contains(f.offset()))
                    || (indexProvesMore && f.file().getFileName().toString().equals(idx)));
    // Damaged frames of the last segment affect the records from the first one the intact frames
    // before the damage do not hold, to the end of the log.
    for (VerifyReport.Finding f : report.findings()) {
      if (f.file().getFileName().toString().equals(seg)
          && (f.kind().equals("frame") || f.kind().equals("torn-tail"))) {
        long firstNotHeld =
            o.baseOf(seg)
                + o.recordFrames(seg).stream()
                    .filter(fr -> fr.end() <= f.offset())
                    .mapToLong(Frame::recordCount)
                    .sum();
        assertThat(f.firstAffectedIndex())
            .as("first affected index of " + f)
            .isEqualTo(firstNotHeld);
        assertThat(f.openEnded()).as("affected to the end of the log: " + f).isTrue();
      }
    }
  }

  /** Damage to the last segment's bytes. */
  interface TailDamage {
    byte[] apply(byte[] segment);
  }

  static void run(Original o, RecoveryMode mode, Damage damage, Expect expect) throws IOException {
    run(o, mode, damage, expect, dir -> {});
  }

  /** Runs a case; {@code after} checks the directory once the log is closed for the last time. */
  static void run(Original o, RecoveryMode mode, Damage damage, Expect expect, Damage after)
      throws IOException {
    Path dir = base.resolve("case-" + CASES.incrementAndGet());
    Files.createDirectories(dir);
    DirectorySnapshot.copyFiles(o.dir, dir);
    damage.apply(dir);
    try {
      check(o, mode, dir, expect);
      after.apply(dir);
    } catch (AssertionError | RuntimeException e) {
      throw new AssertionError("expected: " + expect + "\n" + e.getMessage(), e);
    }
    deleteRecursively(dir);
  }

  static void check(Original o, RecoveryMode mode, Path dir, Expect expect) throws IOException {
    LogConfig config = config(o.writes, mode);
    List<ExpectedRecord> kept = expect.fails() ? null : o.records.subList(0, expect.keep);
    DirectorySnapshot before = DirectorySnapshot.of(dir);
    List<CutSpec> cuts = expect.cuts.stream().map(c -> c.resolve(before)).toList();

    // A read-only open agrees with the writable one and changes nothing, even on a damaged log.
    if (expect.fails()) {
      assertRefused(() -> SegmentedLog.openReadOnly(dir, config, NioFileIO.INSTANCE), expect);
    } else {
      try (Log ro = SegmentedLog.openReadOnly(dir, config, NioFileIO.INSTANCE)) {
        LogChecks.assertExactly(ro, o.first, kept);
      }
    }
    assertThat(before.differences(DirectorySnapshot.of(dir)))
        .as("files changed by a read-only open")
        .isEmpty();

    if (expect.fails()) {
      assertRefused(() -> SegmentedLog.open(dir, config, NioFileIO.INSTANCE), expect);
      assertThat(before.differences(DirectorySnapshot.of(dir)))
          .as("files changed by a refused open")
          .isEmpty();
      return;
    }

    FaultInjectingFileIO io = new FaultInjectingFileIO();
    Log log = SegmentedLog.open(dir, config, io);
    LogChecks.assertExactly(log, o.first, kept);
    RecoveryReport report = log.recoveryReport();
    assertThat(report.mode()).isEqualTo(mode);
    String wrongRecordCounts = assertCuts(dir, report, cuts);
    assertThat(report.indexFilesRebuilt().stream().map(p -> p.getFileName().toString()))
        .as("index files rebuilt")
        .containsAll(expect.rebuiltIndexFiles);
    assertThat(report.temporaryFilesRemoved().stream().map(p -> p.getFileName().toString()))
        .as("temporary files removed")
        .containsExactlyInAnyOrderElementsOf(expect.removedTemporaryFiles);
    for (String tmp : expect.removedTemporaryFiles) {
      assertThat(dir.resolve(tmp)).doesNotExist();
    }

    // Crash right after recovery: recovering again finds nothing more to do and the same log.
    io.crash();
    Log again = SegmentedLog.open(dir, config, NioFileIO.INSTANCE);
    try {
      LogChecks.assertExactly(again, o.first, kept);
      assertThat(again.recoveryReport().cuts()).as("cuts of a second recovery").isEmpty();
      for (CutSpec c : cuts) {
        if (c.bytes == 0) {
          continue; // a reported loss has no side file
        }
        assertThat(Files.readAllBytes(dir.resolve(FileNames.cut(dir.resolve(c.file), c.offset))))
            .as("side file kept by the second recovery")
            .isEqualTo(c.content);
      }
      // Appends continue at the next index and are read back.
      List<ExpectedRecord> all = new ArrayList<>(kept);
      long next = o.first + kept.size();
      byte[] a = {1, 2, 3};
      assertThat(again.append(Entry.of(a, 9, 42))).isEqualTo(next);
      all.add(new ExpectedRecord(next, 42, 9, a));
      assertThat(again.appendBatch(List.of(Entry.of(new byte[0], 3, 43), Entry.of(a, 4, 44))))
          .isEqualTo(next + 1);
      all.add(new ExpectedRecord(next + 1, 43, 3, new byte[0]));
      all.add(new ExpectedRecord(next + 2, 44, 4, a));
      LogChecks.assertExactly(again, o.first, all);
      again.close();
      try (Log third = SegmentedLog.open(dir, config, NioFileIO.INSTANCE)) {
        LogChecks.assertExactly(third, o.first, all);
        assertThat(third.recoveryReport().cuts()).as("cuts after a clean close").isEmpty();
      }
    } finally {
      again.close();
    }
    assertThat(wrongRecordCounts).as("Cut#records: complete valid records removed").isNull();
  }

  static void assertRefused(org.junit.jupiter.api.function.Executable open, Expect expect) {
    CorruptLogException e = assertThrows(CorruptLogException.class, open, "open must refuse");
    assertThat(e.file()).as("file named by " + e.getMessage()).isNotNull();
    String name = e.file().getFileName().toString();
    assertThat(name).as("file named by: " + e.getMessage()).isIn(expect.failFiles);
    assertThat(e.getMessage()).contains(name).contains("offset " + e.offset());
    if (expect.failOffset != null) {
      assertThat(e.offset()).as("offset named by: " + e.getMessage()).isEqualTo(expect.failOffset);
    }
    if (expect.failOffsetRange != null) {
      assertThat(e.offset())
          .as("offset named by: " + e.getMessage())
          .isBetween(expect.failOffsetRange[0], expect.failOffsetRange[1]);
    }
  }

  /**
   * Asserts the cuts (file, offset, bytes, side file and its content) and returns a description of
   * wrong record counts, or null: the caller asserts it last, so that one wrong number in the
   * report does not hide what the rest of the case would find.
   */
  static String assertCuts(Path dir, RecoveryReport report, List<CutSpec> expected)
      throws IOException {
    List<String> actual =
        report.cuts().stream()
            .map(
                c ->
                    c.file().getFileName()
                        + "@"
                        + c.offset()
                        + " "
                        + c.bytes()
                        + "B -> "
                        + (c.sideFile() == null ? null : c.sideFile().getFileName()))
            .toList();
    List<String> wanted =
        expected.stream()
            .map(
                c ->
                    c.file
                        + "@"
                        + c.offset
                        + " "
                        + c.bytes
                        + "B -> "
                        + (c.bytes == 0
                            ? null // a reported loss: nothing was cut, no side file
                            : FileNames.cut(dir.resolve(c.file), c.offset).getFileName()))
            .toList();
    List<String> wrongRecords = new ArrayList<>();
    // The order of the cuts is not part of the contract.
    assertThat(actual).as("cuts reported").containsExactlyInAnyOrderElementsOf(wanted);
    for (int i = 0; i < expected.size(); i++) {
      CutSpec c = expected.get(i);
      RecoveryReport.Cut reported = report.cuts().get(actual.indexOf(wanted.get(i)));
      if (c.bytes == 0) {
        assertThat(reported.records()).as("records of a reported loss").isZero();
        continue;
      }
      byte[] side = Files.readAllBytes(reported.sideFile());
      if (!Arrays.equals(side, c.content)) {
        throw new AssertionError(
            "side file "
                + reported.sideFile()
                + " holds "
                + side.length
                + " bytes, not the "
                + c.content.length
                + " cut; first difference at "
                + Arrays.mismatch(side, c.content)
                + ": "
                + HexFormat.of().formatHex(side, 0, Math.min(side.length, 32)));
      }
      Path segment = dir.resolve(c.file);
      if (c.offset == 0) {
        // moved aside whole; the name may be reused by the new, empty active segment
        if (Files.exists(segment)) {
          assertThat(SegmentScan.recordFrames(segment))
              .as(segment + " after it was moved aside")
              .isEmpty();
        }
      } else {
        assertThat(Files.size(segment)).as("size of the cut segment").isEqualTo(c.offset);
      }
      if (reported.records() != c.records) {
        wrongRecords.add(
            wanted.get(i)
                + " reports "
                + reported.records()
                + " records removed, not "
                + c.records);
      }
    }
    return wrongRecords.isEmpty() ? null : "[cut records] " + wrongRecords;
  }

  static void deleteRecursively(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted((a, b) -> b.compareTo(a)).toList()) {
        Files.delete(p);
      }
    }
  }

  // ---------------------------------------------------------------- tables

  static final RecoveryMode[] MODES = RecoveryMode.values();
  static final List<Writes> CRASHED =
      List.of(Writes.NONE, Writes.ALWAYS, Writes.NONE_SYNC_BEFORE_LAST);

  @TestFactory
  Stream<DynamicNode> truncationAtEveryByteOfTheLastTwoFrames() {
    List<DynamicNode> nodes = new ArrayList<>();
    for (Writes w : List.of(Writes.NONE, Writes.ALWAYS, Writes.NONE_CLEAN_CLOSE)) {
      Original o = original(w);
      List<Frame> fs = o.frames.get(o.last());
      long from = fs.get(fs.size() - 2).offset();
      long to = fs.get(fs.size() - 1).end();
      for (RecoveryMode mode : MODES) {
        List<DynamicTest> cases = new ArrayList<>();
        for (long t = from; t < to; t++) {
          int length = (int) t;
          cases.add(tailCase(w, mode, "truncated to " + t, b -> Arrays.copyOf(b, length)));
        }
        nodes.add(DynamicContainer.dynamicContainer(mode + " " + w, cases));
      }
    }
    return nodes.stream();
  }

  @TestFactory
  Stream<DynamicNode> bitFlipsInTheLastTwoFrames() {
    List<DynamicNode> nodes = new ArrayList<>();
    for (Writes w : CRASHED) {
      Original o = original(w);
      List<Frame> fs = o.frames.get(o.last());
      Frame prev = fs.get(fs.size() - 2);
      Frame last = fs.get(fs.size() - 1);
      for (RecoveryMode mode : MODES) {
        List<DynamicTest> cases = new ArrayList<>();
        for (long at = prev.offset(); at < last.end(); at++) {
          int pos = (int) at;
          int bit = (pos * 5) % 8;
          String where =
              (at < last.offset() ? "second-to-last" : "last")
                  + " frame, "
                  + ((at - (at < last.offset() ? prev.offset() : last.offset()))
                          < SegmentFormat.FRAME_HEADER_BYTES
                      ? "header"
                      : "body");
          cases.add(
              tailCase(
                  w,
                  mode,
                  "bit " + bit + " flipped at " + at + " (" + where + ")",
                  b -> {
                    b[pos] ^= (byte) (1 << bit);
                    return b;
                  }));
        }
        nodes.add(DynamicContainer.dynamicContainer(mode + " " + w, cases));
      }
    }
    return nodes.stream();
  }

  @TestFactory
  Stream<DynamicNode> zeroedSectorsOverTheLastTwoFrames() {
    List<DynamicNode> nodes = new ArrayList<>();
    for (Writes w : CRASHED) {
      Original o = original(w);
      List<Frame> fs = o.frames.get(o.last());
      long from = fs.get(fs.size() - 2).offset();
      long to = fs.get(fs.size() - 1).end();
      for (RecoveryMode mode : MODES) {
        List<DynamicTest> cases = new ArrayList<>();
        for (int sector : new int[] {512, 4096}) {
          for (long s = from / sector * sector; s < to; s += sector) {
            int start = (int) s;
            int end = (int) Math.min(s + sector, to);
            cases.add(
                tailCase(
                    w,
                    mode,
                    sector + "-byte sector zeroed at " + start,
                    b -> {
                      Arrays.fill(b, start, end, (byte) 0);
                      return b;
                    }));
            cases.add(
                tailCase(
                    w,
                    mode,
                    sector + "-byte sector at " + start + " zeroed and the file cut after it",
                    b -> {
                      Arrays.fill(b, start, end, (byte) 0);
                      return Arrays.copyOf(b, end);
                    }));
          }
        }
        nodes.add(DynamicContainer.dynamicContainer(mode + " " + w, cases));
      }
    }
    return nodes.stream();
  }

  @TestFactory
  Stream<DynamicNode> junkAppendedAfterTheLastFrame() {
    int[] lengths = {
      1, 2, 3, 4, 5, 7, 8, 15, 16, 17, 31, 32, 33, 47, 63, 64, 100, 127, 128, 129, 255, 256, 511,
      512, 513, 1000, 1023, 1024
    };
    List<DynamicNode> nodes = new ArrayList<>();
    for (Writes w : List.of(Writes.NONE, Writes.ALWAYS, Writes.NONE_CLEAN_CLOSE)) {
      for (RecoveryMode mode : MODES) {
        List<DynamicTest> cases = new ArrayList<>();
        for (int n : lengths) {
          cases.add(
              tailCase(w, mode, n + " zero bytes appended", b -> Arrays.copyOf(b, b.length + n)));
          cases.add(
              tailCase(
                  w,
                  mode,
                  n + " random bytes appended",
                  b -> {
                    byte[] junk = new byte[n];
                    new SplittableRandom(n).nextBytes(junk);
                    byte[] out = Arrays.copyOf(b, b.length + n);
                    System.arraycopy(junk, 0, out, b.length, n);
                    return out;
                  }));
        }
        cases.add(
            tailCase(
                w,
                mode,
                "the last frame written again after itself",
                b -> {
                  Original o = original(w);
                  List<Frame> fs = o.frames.get(o.last());
                  Frame last = fs.get(fs.size() - 1);
                  byte[] out = Arrays.copyOf(b, b.length + last.length());
                  System.arraycopy(b, (int) last.offset(), out, b.length, last.length());
                  return out;
                }));
        nodes.add(DynamicContainer.dynamicContainer(mode + " " + w, cases));
      }
    }
    return nodes.stream();
  }

  // ---------------------------------------------------------------- damage outside the tail

  static Damage flip(String file, long at) {
    return dir -> {
      Path p = dir.resolve(file);
      byte[] b = Files.readAllBytes(p);
      b[(int) at] ^= 0x10;
      Files.write(p, b);
    };
  }

  static CutSpec wholeFile(Original o, String segment) {
    byte[] b = o.bytes.get(segment);
    return new CutSpec(segment, 0, b.length, o.recordsIn(segment), null);
  }

  /** POINT_IN_TIME: the cut of {@code segment} at {@code offset} and every later segment moved. */
  static List<CutSpec> cutFrom(Original o, String segment, long offset, long recordsAfter) {
    List<CutSpec> cuts = new ArrayList<>();
    byte[] b = o.bytes.get(segment);
    if (offset == 0) {
      cuts.add(wholeFile(o, segment));
    } else {
      cuts.add(new CutSpec(segment, offset, b.length - offset, recordsAfter, null));
    }
    for (String later : o.segments.subList(o.segments.indexOf(segment) + 1, o.segments.size())) {
      cuts.add(wholeFile(o, later));
    }
    return cuts;
  }

  static DynamicTest structural(
      Writes w, RecoveryMode mode, String what, Damage damage, Expect expect) {
    return DynamicTest.dynamicTest(
        mode + " " + w + " " + what, () -> run(original(w), mode, damage, expect));
  }

  @TestFactory
  Stream<DynamicNode> damageOutsideTheTail() {
    List<DynamicNode> nodes = new ArrayList<>();
    for (Writes w : List.of(Writes.NONE, Writes.ALWAYS)) {
      Original o = original(w);
      String s0 = o.segments.get(0);
      String s1 = o.segments.get(1);
      String s2 = o.segments.get(2);
      List<DynamicTest> cases = new ArrayList<>();

      // A sealed segment's trailer: checked at every open.
      Frame t0 = o.trailer(s0);
      for (RecoveryMode mode : MODES) {
        cases.add(
            structural(
                w,
                mode,
                "bit flipped in the trailer of the first segment",
                flip(s0, t0.offset() + SegmentFormat.FRAME_HEADER_BYTES + 9),
                mode == RecoveryMode.POINT_IN_TIME
                    ? Expect.opens(o.keptBefore(o.baseOf(s1)), cutFrom(o, s0, t0.offset(), 0))
                    : Expect.refused(s0, t0.offset())));
      }

      // A damaged segment header: the first, a middle and the active segment.
      for (String s : o.segments) {
        for (RecoveryMode mode : MODES) {
          cases.add(
              structural(
                  w,
                  mode,
                  "bit flipped in the header of " + s,
                  flip(s, 41),
                  mode == RecoveryMode.POINT_IN_TIME
                      ? Expect.opens(o.keptBefore(o.baseOf(s)), cutFrom(o, s, 0, 0))
                      : Expect.refusedSomewhere(Set.of(s), 0, SegmentFormat.HEADER_BYTES - 1)));
        }
      }

      // A sealed segment's frame: STRICT and POINT_IN_TIME scan it at open.
      List<Frame> f1 = o.recordFrames(s1);
      Frame mid = f1.get(f1.size() / 2);
      long after =
          f1.subList(f1.size() / 2 + 1, f1.size()).stream().mapToLong(Frame::recordCount).sum();
      for (long at :
          new long[] {mid.offset() + 5, mid.offset() + SegmentFormat.FRAME_HEADER_BYTES + 20}) {
        cases.add(
            structural(
                w,
                RecoveryMode.STRICT,
                "bit flipped at " + at + " in a sealed frame of " + s1,
                flip(s1, at),
                Expect.refused(s1, mid.offset())));
        cases.add(
            structural(
                w,
                RecoveryMode.POINT_IN_TIME,
                "bit flipped at " + at + " in a sealed frame of " + s1,
                flip(s1, at),
                Expect.opens(o.keptBefore(mid.firstIndex()), cutFrom(o, s1, mid.offset(), after))));
      }

      // Missing segments. The last one cannot be told from a crash right after a roll.
      for (RecoveryMode mode : List.of(RecoveryMode.TAIL, RecoveryMode.STRICT)) {
        cases.add(
            structural(
                w,
                mode,
                "first segment deleted",
                dir -> Files.delete(dir.resolve(s0)),
                Expect.refusedSomewhere(Set.of(s0, s1, FileNames.METADATA), -1, Long.MAX_VALUE)));
        cases.add(
            structural(
                w,
                mode,
                "middle segment deleted",
                dir -> Files.delete(dir.resolve(s1)),
                Expect.refusedSomewhere(Set.of(s0, s1, s2), -1, Long.MAX_VALUE)));
      }
      cases.add(
          structural(
              w,
              RecoveryMode.POINT_IN_TIME,
              "middle segment deleted",
              dir -> Files.delete(dir.resolve(s1)),
              Expect.opens(o.keptBefore(o.baseOf(s1)), List.of(wholeFile(o, s2)))));
      for (RecoveryMode mode : MODES) {
        cases.add(
            structural(
                w,
                mode,
                "last segment deleted",
                dir -> Files.delete(dir.resolve(s2)),
                Expect.opens(o.keptBefore(o.baseOf(s2)), List.of())));
      }

      // Duplicated, renamed and foreign segments.
      long end = o.first + o.records.size();
      String beyond = FileNames.segment(end + 1000);
      String between = FileNames.segment(o.baseOf(s1) + 1);
      String shifted = FileNames.segment(o.baseOf(s2) + 1);
      for (RecoveryMode mode : List.of(RecoveryMode.TAIL, RecoveryMode.STRICT)) {
        cases.add(
            structural(
                w,
                mode,
                "first segment copied under a name past the end",
                dir -> Files.copy(dir.resolve(s0), dir.resolve(beyond)),
                Expect.refusedSomewhere(Set.of(beyond, s2), -1, Long.MAX_VALUE)));
        cases.add(
            structural(
                w,
                mode,
                "middle segment copied under the next base index",
                dir -> Files.copy(dir.resolve(s1), dir.resolve(between)),
                Expect.refusedSomewhere(Set.of(between, s1, s2), -1, Long.MAX_VALUE)));
        cases.add(
            structural(
                w,
                mode,
                "middle segment renamed to the next base index",
                dir -> Files.move(dir.resolve(s1), dir.resolve(between)),
                Expect.refusedSomewhere(Set.of(between, s0, s2), -1, Long.MAX_VALUE)));
        cases.add(
            structural(
                w,
                mode,
                "active segment renamed to the next base index",
                dir -> Files.move(dir.resolve(s2), dir.resolve(shifted)),
                Expect.refusedSomewhere(Set.of(shifted, s1), -1, Long.MAX_VALUE)));
        cases.add(
            structural(
                w,
                mode,
                "middle segment replaced by the same segment of another log",
                dir -> Files.write(dir.resolve(s1), foreign(w).bytes.get(s1)),
                Expect.refusedSomewhere(Set.of(s1), -1, SegmentFormat.HEADER_BYTES - 1)));
      }
      nodes.add(DynamicContainer.dynamicContainer(w.toString(), cases));
    }
    return nodes.stream();
  }

  private static final Map<Writes, Original> FOREIGN = new EnumMap<>(Writes.class);

  /** The same writes into a log with another id: identical segment names, another log id. */
  static synchronized Original foreign(Writes writes) {
    return FOREIGN.computeIfAbsent(
        writes, w -> write(w, base.resolve("foreign-" + w), OTHER_LOG_ID));
  }

  @TestFactory
  Stream<DynamicNode> derivedAndLeftoverFilesAreRebuiltOrRemoved() {
    List<DynamicNode> nodes = new ArrayList<>();
    for (Writes w : List.of(Writes.NONE, Writes.ALWAYS)) {
      Original o = original(w);
      List<DynamicTest> cases = new ArrayList<>();
      for (String s : o.segments.subList(0, 2)) {
        String idx = FileNames.index(o.baseOf(s));
        Map<String, Damage> damages = new java.util.LinkedHashMap<>();
        damages.put("deleted", dir -> Files.delete(dir.resolve(idx)));
        damages.put(
            "truncated to 10 bytes",
            dir ->
                Files.write(
                    dir.resolve(idx), Arrays.copyOf(Files.readAllBytes(dir.resolve(idx)), 10)));
        damages.put("bit flipped in its header", flip(idx, 33));
        damages.put(
            "bit flipped in its entries",
            dir -> flip(idx, Files.size(dir.resolve(idx)) - 7).apply(dir));
        for (var d : damages.entrySet()) {
          for (RecoveryMode mode : MODES) {
            cases.add(
                DynamicTest.dynamicTest(
                    mode + " " + w + " index file " + idx + " " + d.getKey(),
                    () -> {
                      assertThat(o.bytes).as("index file of sealed " + s).containsKey(idx);
                      // A TAIL open checks an index file's header and length only; damage in its
                      // entries is caught by their checksum at first use and rebuilt then
                      // (documented; LazyIndexRebuildTest), so only then is it not reported.
                      boolean rebuiltAtOpen =
                          mode != RecoveryMode.TAIL
                              || !d.getKey().equals("bit flipped in its entries");
                      run(
                          o,
                          mode,
                          d.getValue(),
                          new Expect(
                              null,
                              null,
                              null,
                              o.records.size(),
                              List.of(),
                              rebuiltAtOpen ? List.of(idx) : List.of(),
                              List.of()),
                          dir -> assertIndexFileMatches(dir, s));
                    }));
          }
        }
      }
      String metaTmp = FileNames.METADATA + FileNames.TEMP_SUFFIX;
      String segTmp = FileNames.segment(o.first + o.records.size()) + FileNames.TEMP_SUFFIX;
      for (RecoveryMode mode : MODES) {
        cases.add(
            structural(
                w,
                mode,
                "leftover temporary files",
                dir -> {
                  Files.write(dir.resolve(metaTmp), new byte[] {1, 2, 3});
                  Files.write(dir.resolve(segTmp), new byte[200]);
                },
                new Expect(
                    null,
                    null,
                    null,
                    o.records.size(),
                    List.of(),
                    List.of(),
                    List.of(metaTmp, segTmp))));
      }
      nodes.add(DynamicContainer.dynamicContainer(w.toString(), cases));
    }
    return nodes.stream();
  }

  /**
   * TAIL mode does not scan sealed segments at open (bounded recovery), so damage inside one is
   * found when the record is read: the read throws, naming the file and the frame's offset, and
   * every other record still reads exactly.
   */
  @TestFactory
  Stream<DynamicTest> sealedFrameDamageIsFoundWhenRead() {
    List<DynamicTest> cases = new ArrayList<>();
    for (Writes w : List.of(Writes.NONE, Writes.ALWAYS)) {
      Original o = original(w);
      String s1 = o.segments.get(1);
      List<Frame> f1 = o.recordFrames(s1);
      Frame mid = f1.get(f1.size() / 2);
      for (long at :
          new long[] {
            mid.offset() + 1,
            mid.offset() + 5,
            mid.offset() + 17,
            mid.offset() + SegmentFormat.FRAME_HEADER_BYTES + 3,
            mid.end() - 1
          }) {
        cases.add(
            DynamicTest.dynamicTest(
                "TAIL " + w + " bit flipped at " + at + " in a sealed frame of " + s1,
                () -> {
                  Path dir = base.resolve("case-" + CASES.incrementAndGet());
                  Files.createDirectories(dir);
                  DirectorySnapshot.copyFiles(o.dir, dir);
                  flip(s1, at).apply(dir);
                  LogConfig config = config(w, RecoveryMode.TAIL);
                  DirectorySnapshot before = DirectorySnapshot.of(dir);
                  try (Log ro = SegmentedLog.openReadOnly(dir, config, NioFileIO.INSTANCE)) {
                    assertDamageFoundOnRead(o, ro, s1, mid);
                  }
                  assertThat(before.differences(DirectorySnapshot.of(dir))).isEmpty();
                  for (int round = 0; round < 2; round++) {
                    try (Log log = SegmentedLog.open(dir, config, NioFileIO.INSTANCE)) {
                      assertThat(log.recoveryReport().cuts()).isEmpty();
                      assertDamageFoundOnRead(o, log, s1, mid);
                      long next = o.first + o.records.size() + round;
                      assertThat(log.append(new byte[] {7})).isEqualTo(next);
                      assertThat(log.read(next).payloadBytes()).containsExactly(7);
                    }
                  }
                  deleteRecursively(dir);
                }));
      }
    }
    return cases.stream();
  }

  static void assertDamageFoundOnRead(Original o, Log log, String segment, Frame damaged) {
    assertThat(log.lastIndex()).isGreaterThanOrEqualTo(o.first + o.records.size() - 1);
    for (ExpectedRecord e : o.records) {
      if (e.index() >= damaged.firstIndex() && e.index() < damaged.nextIndex()) {
        assertCorruptAt(() -> log.read(e.index()), segment, damaged.offset());
      } else {
        LogChecks.assertRecord(e, log.read(e.index()));
      }
    }
    try (LogReader reader = log.reader(o.first, damaged.nextIndex() + 5)) {
      for (ExpectedRecord e : o.records.subList(0, o.keptBefore(damaged.firstIndex()))) {
        LogChecks.assertRecord(e, reader.next());
      }
      assertCorruptAt(
          () -> {
            reader.hasNext();
            reader.next();
          },
          segment,
          damaged.offset());
    }
    List<ExpectedRecord> after =
        o.records.subList(o.keptBefore(damaged.nextIndex()), o.records.size());
    LogChecks.assertReader(log, damaged.nextIndex(), o.first + o.records.size(), after);
  }

  static void assertCorruptAt(
      org.junit.jupiter.api.function.Executable read, String segment, long offset) {
    CorruptLogException e = assertThrows(CorruptLogException.class, read);
    assertThat(e.file().getFileName().toString()).as(e.getMessage()).isEqualTo(segment);
    assertThat(e.offset()).as(e.getMessage()).isEqualTo(offset);
    assertThat(e.getMessage()).contains(segment).contains("offset " + offset);
  }

  /** The index file of sealed {@code segment} is valid and maps exactly its frames. */
  static void assertIndexFileMatches(Path dir, String segment) throws IOException {
    String idx = FileNames.index(FileNames.baseIndexOf(segment));
    IndexFileFormat.IndexFile f;
    try {
      f = IndexFileFormat.decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(dir.resolve(idx))));
    } catch (FormatException | IOException e) {
      throw new AssertionError("index file " + idx + " was not rebuilt: " + e, e);
    }
    List<Frame> frames = SegmentScan.recordFrames(dir.resolve(segment));
    long base = FileNames.baseIndexOf(segment);
    assertThat(f.sealed()).as(idx + " sealed").isTrue();
    assertThat(f.baseIndex()).isEqualTo(base);
    assertThat(f.coveredBytes()).isEqualTo(Files.size(dir.resolve(segment)));
    assertThat(f.positions())
        .as(idx + " positions")
        .containsExactly(frames.stream().mapToInt(fr -> (int) fr.offset()).toArray());
    assertThat(f.relIndex())
        .as(idx + " relative indices")
        .containsExactly(frames.stream().mapToInt(fr -> (int) (fr.firstIndex() - base)).toArray());
  }

  /**
   * Bit flips in the last two frames of a cleanly closed log. STRICT and POINT_IN_TIME check every
   * frame, so the table's rule applies. A TAIL open may trust the index file written at the clean
   * close and not scan the covered frames (bounded recovery); then, as for a sealed segment, the
   * damage must be found when read: every record either reads exactly or, if its frame is damaged,
   * throws a CorruptLogException naming the segment and the frame's offset. Never other bytes.
   */
  @TestFactory
  Stream<DynamicNode> bitFlipsAfterACleanClose() {
    List<DynamicNode> nodes = new ArrayList<>();
    Writes w = Writes.NONE_CLEAN_CLOSE;
    Original o = original(w);
    List<Frame> fs = o.frames.get(o.last());
    Frame prev = fs.get(fs.size() - 2);
    Frame last = fs.get(fs.size() - 1);
    for (RecoveryMode mode : MODES) {
      List<DynamicTest> cases = new ArrayList<>();
      for (long at = prev.offset(); at < last.end(); at += 3) {
        int pos = (int) at;
        int bit = (pos * 5) % 8;
        TailDamage flip =
            b -> {
              b[pos] ^= (byte) (1 << bit);
              return b;
            };
        if (mode != RecoveryMode.TAIL) {
          cases.add(tailCase(w, mode, "bit " + bit + " flipped at " + at, flip));
          continue;
        }
        Frame damaged = at < last.offset() ? prev : last;
        cases.add(
            DynamicTest.dynamicTest(
                mode + " " + w + " bit " + bit + " flipped at " + at,
                () -> {
                  byte[] bytes = flip.apply(o.bytes.get(o.last()).clone());
                  Expect expect = tailExpectation(o, bytes, mode);
                  Path dir = base.resolve("case-" + CASES.incrementAndGet());
                  Files.createDirectories(dir);
                  DirectorySnapshot.copyFiles(o.dir, dir);
                  Files.write(dir.resolve(o.last()), bytes);
                  LogConfig config = config(w, mode);
                  Log log;
                  try {
                    log = SegmentedLog.open(dir, config, NioFileIO.INSTANCE);
                  } catch (CorruptLogException e) {
                    assertThat(expect.fails()).as("refused: " + e.getMessage()).isTrue();
                    assertRefused(() -> SegmentedLog.open(dir, config, NioFileIO.INSTANCE), expect);
                    deleteRecursively(dir);
                    return;
                  }
                  try (log) {
                    long keep = expect.fails() ? 0 : expect.keep;
                    assertThat(log.lastIndex() - o.first + 1)
                        .as("records after the open")
                        .isIn(keep, (long) o.records.size());
                    for (ExpectedRecord e : o.records) {
                      if (e.index() > log.lastIndex()) {
                        break;
                      }
                      if (e.index() >= damaged.firstIndex() && e.index() < damaged.nextIndex()) {
                        assertCorruptAt(() -> log.read(e.index()), o.last(), damaged.offset());
                      } else {
                        LogChecks.assertRecord(e, log.read(e.index()));
                      }
                    }
                  }
                  deleteRecursively(dir);
                }));
      }
      nodes.add(DynamicContainer.dynamicContainer(mode + " " + w, cases));
    }
    return nodes.stream();
  }
}
