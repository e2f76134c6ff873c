package io.seglog.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.seglog.CorruptLogException;
import io.seglog.Entry;
import io.seglog.Log;
import io.seglog.LogConfig;
import io.seglog.LogReader;
import io.seglog.LogVerifier;
import io.seglog.Record;
import io.seglog.RecoveryMode;
import io.seglog.SyncPolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bit rot: seeded random bit flips and zeroed 512-byte sectors anywhere in the sealed segments and
 * index files of a cleanly closed log. In every recovery mode, a read never returns bytes that
 * differ from what was appended: it returns them exactly or throws {@link CorruptLogException}.
 * STRICT refuses exactly when a segment's bytes changed; POINT_IN_TIME always opens, to an exact
 * prefix; verify finds the damage; a read-only open changes nothing. The seed is in the test name.
 */
class BitRotTest {
  private static final int SEEDS = 60 * Integer.getInteger("seglog.test.scale", 1);
  private static final int RECORDS = 600;

  @TempDir static Path base;

  private static byte[] payload(long index) {
    byte[] p = new byte[10 + (int) (index * 7 % 90)];
    new SplittableRandom(index).nextBytes(p);
    return p;
  }

  private static Path original;

  private static synchronized Path original() throws IOException {
    if (original == null) {
      Path dir = base.resolve("original");
      LogConfig config = LogConfig.builder().syncPolicy(SyncPolicy.NONE).segmentBytes(8192).build();
      try (Log log = Log.open(dir, config)) {
        for (long i = 1; i <= RECORDS; i++) {
          if (i % 10 == 0) {
            log.appendBatch(List.of(Entry.of(payload(i), 3, 1000 + i)));
          } else {
            log.append(Entry.of(payload(i), 3, 1000 + i));
          }
        }
      }
      original = dir;
    }
    return original;
  }

  @TestFactory
  Stream<DynamicTest> randomBitRotNeverReturnsAWrongRecord() {
    return IntStream.range(0, SEEDS)
        .mapToObj(seed -> DynamicTest.dynamicTest("seed=" + seed, () -> run(seed)));
  }

  private void run(int seed) throws IOException {
    Path src = original();
    SplittableRandom random = new SplittableRandom(seed);
    List<Path> files = new ArrayList<>();
    try (Stream<Path> s = Files.list(src)) {
      s.filter(p -> p.toString().endsWith(".seg") || p.toString().endsWith(".idx"))
          .sorted()
          .forEach(files::add);
    }
    String lastSegment =
        files.stream()
            .map(p -> p.getFileName().toString())
            .filter(n -> n.endsWith(".seg"))
            .reduce((a, b) -> b)
            .orElseThrow();
    // Damage only sealed segments and index files: the active segment's tail has its own tables.
    files.removeIf(p -> p.getFileName().toString().equals(lastSegment));
    Path dir = base.resolve("seed-" + seed);
    copy(src, dir);
    boolean segmentChanged = false;
    int damages = 1 + random.nextInt(3);
    List<String> what = new ArrayList<>();
    for (int d = 0; d < damages; d++) {
      Path file = dir.resolve(files.get(random.nextInt(files.size())).getFileName());
      byte[] b = Files.readAllBytes(file);
      byte[] before = b.clone();
      if (random.nextBoolean()) {
        int at = random.nextInt(b.length);
        b[at] ^= (byte) (1 << random.nextInt(8));
        what.add("bit flipped at " + at + " of " + file.getFileName());
      } else {
        int sector = random.nextInt((b.length + 511) / 512) * 512;
        Arrays.fill(b, sector, Math.min(sector + 512, b.length), (byte) 0);
        what.add("sector zeroed at " + sector + " of " + file.getFileName());
      }
      Files.write(file, b);
      segmentChanged |= file.toString().endsWith(".seg") && !Arrays.equals(b, before);
    }
    String context = "seed=" + seed + " " + what;

    Map<String, String> snapshot = snapshot(dir);
    assertThat(LogVerifier.verify(dir).intact()).as(context + ": verify finds it").isFalse();
    assertThat(snapshot(dir)).as(context + ": verify changes nothing").isEqualTo(snapshot);
    readAll(dir, RecoveryMode.TAIL, true, context);
    assertThat(snapshot(dir)).as(context + ": read-only open changes nothing").isEqualTo(snapshot);

    boolean strictOpened = readAll(copyOf(dir, "strict"), RecoveryMode.STRICT, false, context);
    assertThat(strictOpened)
        .as(context + ": STRICT opens iff no segment changed")
        .isEqualTo(!segmentChanged);
    readAll(dir, RecoveryMode.TAIL, false, context);
    boolean pitOpened = readAll(copyOf(dir, "pit"), RecoveryMode.POINT_IN_TIME, false, context);
    assertThat(pitOpened).as(context + ": POINT_IN_TIME always opens").isTrue();
  }

  /** Opens and reads every record; returns whether the open succeeded. */
  private static boolean readAll(Path dir, RecoveryMode mode, boolean readOnly, String context) {
    LogConfig config = LogConfig.builder().recoveryMode(mode).syncPolicy(SyncPolicy.NONE).build();
    Log log;
    try {
      log = readOnly ? Log.openReadOnly(dir, config) : Log.open(dir, config);
    } catch (CorruptLogException e) {
      assertThat(e.file()).as(context + ": the refusal names a file").isNotNull();
      return false;
    }
    try (log) {
      assertThat(log.firstIndex()).isEqualTo(1);
      assertThat(log.lastIndex()).as(context + " " + mode).isBetween(0L, (long) RECORDS);
      if (mode == RecoveryMode.POINT_IN_TIME) {
        try (LogReader reader = log.reader(1, log.lastIndex() + 1)) {
          while (reader.hasNext()) {
            check(reader.next(), context + " " + mode);
          }
        }
      }
      for (long i = 1; i <= log.lastIndex(); i++) {
        try {
          check(log.read(i), context + " " + mode);
        } catch (CorruptLogException e) {
          assertThat(mode)
              .as(context + ": only TAIL reads meet damage it did not scan")
              .isNotEqualTo(RecoveryMode.POINT_IN_TIME);
          assertThat(e.getMessage()).contains(".seg");
        }
      }
    }
    return true;
  }

  private static void check(Record r, String context) {
    assertThat(r.payloadBytes())
        .as(context + ": payload of " + r.index())
        .isEqualTo(payload(r.index()));
    assertThat(r.type()).isEqualTo(3);
    assertThat(r.timestamp()).isEqualTo(1000 + r.index());
  }

  private static Path copyOf(Path dir, String suffix) throws IOException {
    Path copy = dir.resolveSibling(dir.getFileName() + "-" + suffix);
    copy(dir, copy);
    return copy;
  }

  private static void copy(Path from, Path to) throws IOException {
    Files.createDirectories(to);
    try (Stream<Path> s = Files.list(from)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        if (!p.getFileName().toString().equals("seglog.lock")) {
          Files.copy(p, to.resolve(p.getFileName()));
        }
      }
    }
  }

  /** Each file's SHA-256, by name: compares by content and prints readably. */
  private static Map<String, String> snapshot(Path dir) throws IOException {
    Map<String, String> files = new HashMap<>();
    try (Stream<Path> s = Files.list(dir)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        try {
          byte[] digest =
              java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p));
          files.put(p.getFileName().toString(), java.util.HexFormat.of().formatHex(digest));
        } catch (java.security.NoSuchAlgorithmException e) {
          throw new IllegalStateException(e);
        }
      }
    }
    return files;
  }
}
