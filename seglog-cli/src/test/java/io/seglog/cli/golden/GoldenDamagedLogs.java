package io.seglog.cli.golden;

import io.seglog.Entry;
import io.seglog.Log;
import io.seglog.LogConfig;
import io.seglog.SyncPolicy;
import io.seglog.internal.format.FileNames;
import io.seglog.internal.io.NioFileIO;
import io.seglog.internal.log.SegmentedLog;
import io.seglog.testing.TestClock;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * The generator of the golden damaged logs in {@code src/test/resources/golden-damaged/}: one
 * deterministic log (fixed log id, a clock that only moves when told, explicit timestamps, fixed
 * text payloads, 4096-byte segments so it holds sealed segments and an active one, closed cleanly)
 * and copies of it damaged the way disks and operators damage logs.
 *
 * <p>{@link #main} wrote those folders once. Never regenerate them: the verify tests pin the exact
 * findings (files, offsets, kinds) the CLI reports for these bytes; a change in the output is a
 * change in behaviour to review, not a reason to write new files.
 *
 * <p>The cases, by folder (segments numbered from 1 in index order; "segment 2" is the second):
 *
 * <ul>
 *   <li>{@code intact}: the log as written.
 *   <li>{@code torn-tail}: the first half of one more frame appended to the active segment, as a
 *       crash during that write leaves it (the active segment's index file from the clean close
 *       still covers the frames before it).
 *   <li>{@code bit-flip}: one bit flipped (mask 0x04) in the middle byte of segment 2 (sealed).
 *   <li>{@code missing-segment}: segment 2 and its index file deleted.
 *   <li>{@code reordered-segments}: the names of segments 2 and 3 (both sealed) swapped; their
 *       index files keep their names.
 *   <li>{@code replaced-segment}: segment 2 and its index file replaced by those of a fork: a log
 *       with the same log id and clock, written identically except that the payloads of segment 2's
 *       records say "forged" instead of "golden" (same lengths). Every CRC and the fork's own
 *       trailer digest are valid; only the chain link from segment 3 breaks.
 *   <li>{@code damaged-index}: one byte of segment 2's index file flipped (mask 0xff) in its
 *       entries (byte 90).
 * </ul>
 *
 * The lock file is not part of a golden log.
 */
public final class GoldenDamagedLogs {
  private GoldenDamagedLogs() {}

  public static final UUID LOG_ID = UUID.fromString("601de000-0000-4001-8000-0000000da4a6");
  public static final long CLOCK_START = 1_700_000_000_000L;
  public static final int RECORDS = 100;

  /** Every case, in the order above. */
  public static final List<String> CASES =
      List.of(
          "intact",
          "torn-tail",
          "bit-flip",
          "missing-segment",
          "reordered-segments",
          "replaced-segment",
          "damaged-index");

  static LogConfig config(TestClock clock) {
    return LogConfig.builder()
        .syncPolicy(SyncPolicy.ALWAYS)
        .segmentBytes(4096)
        .maxRecordBytes(2048)
        .clock(clock)
        .build();
  }

  /** The payload of record {@code index}: text, 48..108 bytes; "forged" instead of "golden". */
  static byte[] payload(long index, boolean forged) {
    String text =
        (forged ? "forged" : "golden")
            + " record "
            + String.format("%03d", index)
            + " "
            + "abcdefghij".repeat((int) (index % 7) + 3);
    return text.getBytes(StandardCharsets.US_ASCII);
  }

  /**
   * Writes the log into {@code dir}; records with an index in {@code [forgedFrom, forgedTo)} get
   * the forged payload.
   */
  static void write(Path dir, long forgedFrom, long forgedTo) {
    TestClock clock = new TestClock(CLOCK_START);
    try (Log log = SegmentedLog.open(dir, config(clock), NioFileIO.INSTANCE, LOG_ID)) {
      for (long index = 1; index <= RECORDS; index++) {
        clock.advance(1000);
        boolean forged = index >= forgedFrom && index < forgedTo;
        long at =
            log.append(
                Entry.of(
                    payload(index, forged), (int) (index % 4), 1_600_000_000_000L + index * 1000));
        if (at != index) {
          throw new IllegalStateException("appended at " + at + ", expected " + index);
        }
      }
    }
  }

  static List<Path> segments(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> FileNames.isSegment(p.getFileName().toString())).sorted().toList();
    }
  }

  static Path indexOf(Path segment) {
    String name = segment.getFileName().toString();
    return segment.resolveSibling(name.substring(0, name.length() - ".seg".length()) + ".idx");
  }

  static void copyLog(Path from, Path to) throws IOException {
    Files.createDirectories(to);
    try (Stream<Path> files = Files.list(from)) {
      for (Path p : files.toList()) {
        if (!p.getFileName().toString().equals(FileNames.LOCK)) {
          Files.copy(p, to.resolve(p.getFileName()), StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
  }

  static void flip(Path file, long offset, int mask) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    bytes[(int) offset] ^= (byte) mask;
    Files.write(file, bytes);
  }

  /** Writes every case under {@code root}, which must not hold any of them yet. */
  public static void generate(Path root) throws IOException {
    for (String c : CASES) {
      if (Files.exists(root.resolve(c))) {
        throw new IllegalStateException(root.resolve(c) + " exists: never regenerate");
      }
    }
    Path scratch = Files.createTempDirectory("golden-damaged");
    Path base = scratch.resolve("base");
    write(base, Long.MAX_VALUE, Long.MAX_VALUE);
    List<Path> segs = segments(base);
    if (segs.size() < 4) {
      throw new IllegalStateException("need 3 sealed segments and an active one: " + segs);
    }
    String seg2 = segs.get(1).getFileName().toString();
    String seg3 = segs.get(2).getFileName().toString();
    String active = segs.get(segs.size() - 1).getFileName().toString();

    copyLog(base, root.resolve("intact"));

    // torn-tail: the bytes one more append adds to the active segment, half of them.
    Path grown = scratch.resolve("grown");
    copyLog(base, grown);
    TestClock clock = new TestClock(CLOCK_START + RECORDS * 1000L);
    try (Log log = Log.open(grown, config(clock))) {
      log.append(Entry.of(payload(RECORDS + 1, false), 1, 1_600_000_000_000L + 1_000_000));
    }
    if (segments(grown).size() != segs.size()) {
      throw new IllegalStateException("the extra record rolled a segment");
    }
    byte[] before = Files.readAllBytes(base.resolve(active));
    byte[] after = Files.readAllBytes(grown.resolve(active));
    byte[] frame = Arrays.copyOfRange(after, before.length, after.length);
    Path torn = root.resolve("torn-tail");
    copyLog(base, torn);
    Files.write(
        torn.resolve(active), Arrays.copyOf(frame, frame.length / 2), StandardOpenOption.APPEND);

    Path flipped = root.resolve("bit-flip");
    copyLog(base, flipped);
    flip(flipped.resolve(seg2), Files.size(flipped.resolve(seg2)) / 2, 0x04);

    Path missing = root.resolve("missing-segment");
    copyLog(base, missing);
    Files.delete(missing.resolve(seg2));
    Files.delete(indexOf(missing.resolve(seg2)));

    Path reordered = root.resolve("reordered-segments");
    copyLog(base, reordered);
    Path swap = reordered.resolve("swap.tmp-golden");
    Files.move(reordered.resolve(seg2), swap);
    Files.move(reordered.resolve(seg3), reordered.resolve(seg2));
    Files.move(swap, reordered.resolve(seg3));

    Path fork = scratch.resolve("fork");
    long from = Long.parseLong(seg2.substring(0, 20));
    long to = Long.parseLong(seg3.substring(0, 20));
    write(fork, from, to);
    if (!segments(fork).stream()
        .map(p -> p.getFileName().toString())
        .toList()
        .equals(segs.stream().map(p -> p.getFileName().toString()).toList())) {
      throw new IllegalStateException("the fork's segments differ from the base's");
    }
    Path replaced = root.resolve("replaced-segment");
    copyLog(base, replaced);
    Files.copy(fork.resolve(seg2), replaced.resolve(seg2), StandardCopyOption.REPLACE_EXISTING);
    Files.copy(
        indexOf(fork.resolve(seg2)),
        indexOf(replaced.resolve(seg2)),
        StandardCopyOption.REPLACE_EXISTING);

    Path badIndex = root.resolve("damaged-index");
    copyLog(base, badIndex);
    flip(indexOf(badIndex.resolve(seg2)), 90, 0xff);
  }

  /**
   * Writes the golden damaged logs once: {@code GoldenDamagedLogs
   * seglog-cli/src/test/resources/golden-damaged}.
   */
  public static void main(String[] args) throws IOException {
    Path root = Path.of(args[0]);
    generate(root);
    System.out.println("wrote " + root);
  }
}
