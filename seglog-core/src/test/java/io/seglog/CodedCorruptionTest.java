package io.seglog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seglog.internal.io.NioFileIO;
import io.seglog.internal.log.SegmentedLog;
import io.seglog.testing.DirectorySnapshot;
import io.seglog.testing.ExpectedRecord;
import io.seglog.testing.LogChecks;
import io.seglog.testing.SegmentScan;
import io.seglog.testing.TestClock;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Seeded random bit flips in compressed and encrypted frames, sealed segments and the active one:
 * every flip is detected (the frame checksum covers the bytes on disk, compressed or encrypted) and
 * reported as a {@link CorruptLogException} naming the segment and the damaged frame's offset, by
 * the open (STRICT, or TAIL for the active segment of a cleanly closed log, whose frames its index
 * file proves durable) or by the read (TAIL, sealed segments); POINT_IN_TIME keeps exactly the
 * records before the frame. No flip ever yields other bytes.
 */
class CodedCorruptionTest {
  static final int FLIPS = 25 * Integer.getInteger("seglog.test.scale", 1);
  static final KeyProvider KEYS = KeyProvider.of(4, Map.of(4, key()));

  @TempDir Path tmp;

  static byte[] key() {
    byte[] k = new byte[32];
    new SplittableRandom(44).nextBytes(k);
    return k;
  }

  LogConfig config(Compression codec, boolean encrypt, RecoveryMode mode) {
    return LogConfig.builder()
        .syncPolicy(SyncPolicy.NONE)
        .segmentBytes(8192)
        .compression(codec)
        .compressionMinBytes(0)
        .encryption(encrypt ? KEYS : null)
        .recoveryMode(mode)
        .clock(new TestClock(1_700_000_000_000L))
        .build();
  }

  /** Damage at one frame. */
  record Flip(Path file, long frameOffset, long firstIndex, int at, int bit) {}

  @ParameterizedTest(name = "{0} encrypted={1}")
  @CsvSource({"ZSTD,false", "LZ4,false", "NONE,true", "ZSTD,true", "LZ4,true"})
  void everyFlippedBitIsFoundAndNamesItsFrame(Compression codec, boolean encrypt)
      throws IOException {
    Path original = tmp.resolve("original");
    List<ExpectedRecord> model = new ArrayList<>();
    SplittableRandom rnd = new SplittableRandom(codec.ordinal() * 2L + (encrypt ? 1 : 0));
    try (Log log =
        SegmentedLog.open(
            original, config(codec, encrypt, RecoveryMode.TAIL), NioFileIO.INSTANCE)) {
      for (int i = 0; i < 120 || SegmentScan.segments(original).size() < 3; i++) {
        byte[] p =
            ("record " + i + " {\"user\":" + rnd.nextInt(100) + ",\"event\":\"login\"} ")
                .repeat(1 + rnd.nextInt(6))
                .getBytes(StandardCharsets.UTF_8);
        long index = log.append(Entry.of(p, i % 3, 1000L + i));
        model.add(new ExpectedRecord(index, 1000L + i, i % 3, p));
      }
    }
    List<Path> segments = SegmentScan.segments(original);
    assertThat(segments).hasSizeGreaterThanOrEqualTo(3);
    List<Flip> candidates = new ArrayList<>();
    for (Path s : segments) {
      for (SegmentScan.Frame f : SegmentScan.recordFrames(s)) {
        candidates.add(new Flip(s, f.offset(), f.firstIndex(), f.length(), 0));
      }
    }
    for (int trial = 0; trial < FLIPS; trial++) {
      Flip c = candidates.get(rnd.nextInt(candidates.size()));
      Flip flip =
          new Flip(c.file(), c.frameOffset(), c.firstIndex(), rnd.nextInt(c.at()), rnd.nextInt(8));
      Path dir = tmp.resolve("flip" + trial);
      Files.createDirectories(dir);
      DirectorySnapshot.copyFiles(original, dir);
      Path file = dir.resolve(flip.file().getFileName());
      byte[] bytes = Files.readAllBytes(file);
      bytes[(int) flip.frameOffset() + flip.at()] ^= (byte) (1 << flip.bit());
      Files.write(file, bytes);
      check(codec, encrypt, dir, file, flip, model);
    }
  }

  private void check(
      Compression codec,
      boolean encrypt,
      Path dir,
      Path file,
      Flip flip,
      List<ExpectedRecord> model) {
    String what = flip.toString();
    // STRICT scans every frame at open.
    assertThatThrownBy(
            () ->
                SegmentedLog.openReadOnly(
                        dir, config(codec, encrypt, RecoveryMode.STRICT), NioFileIO.INSTANCE)
                    .close())
        .as(what)
        .isInstanceOfSatisfying(
            CorruptLogException.class,
            e -> {
              assertThat(e.file()).as(what).isEqualTo(file);
              assertThat(e.offset()).as(what).isEqualTo(flip.frameOffset());
            });
    // TAIL: the open refuses (the active segment's frames are proven durable by its index file)
    // or a read meets the frame.
    try (Log log =
        SegmentedLog.openReadOnly(
            dir, config(codec, encrypt, RecoveryMode.TAIL), NioFileIO.INSTANCE)) {
      assertThatThrownBy(
              () -> {
                try (LogReader r = log.reader(log.firstIndex(), log.lastIndex() + 1)) {
                  int i = 0;
                  while (r.hasNext()) {
                    LogChecks.assertRecord(model.get(i++), r.next());
                  }
                }
              })
          .as(what)
          .isInstanceOfSatisfying(
              CorruptLogException.class,
              e -> {
                assertThat(e.file()).as(what).isEqualTo(file);
                assertThat(e.offset()).as(what).isEqualTo(flip.frameOffset());
              });
    } catch (CorruptLogException e) {
      assertThat(e.file()).as(what).isEqualTo(file);
      assertThat(e.offset()).as(what).isEqualTo(flip.frameOffset());
    }
    // POINT_IN_TIME keeps exactly the records before the damaged frame.
    try (Log log =
        SegmentedLog.openReadOnly(
            dir, config(codec, encrypt, RecoveryMode.POINT_IN_TIME), NioFileIO.INSTANCE)) {
      int kept = (int) (flip.firstIndex() - 1);
      LogChecks.assertExactly(log, 1, model.subList(0, kept));
    }
  }
}
