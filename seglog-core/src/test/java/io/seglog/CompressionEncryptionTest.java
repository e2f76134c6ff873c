package io.seglog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seglog.internal.format.Checksums;
import io.seglog.internal.format.SegmentFormat;
import io.seglog.internal.io.NioFileIO;
import io.seglog.internal.log.SegmentedLog;
import io.seglog.testing.ExpectedRecord;
import io.seglog.testing.FaultInjectingFileIO;
import io.seglog.testing.LogChecks;
import io.seglog.testing.SegmentScan;
import io.seglog.testing.TestClock;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Compression and encryption at rest (issue 9): what lands on disk, key rotation, wrong and missing
 * keys, tampering, and logs mixing codecs, keys and format versions.
 */
class CompressionEncryptionTest {
  @TempDir Path tmp;

  static final byte[] K1 = key(1);
  static final byte[] K2 = key(2);
  static final KeyProvider KEYS_1 = KeyProvider.of(1, Map.of(1, K1));
  static final KeyProvider KEYS_1_2 = KeyProvider.of(2, Map.of(1, K1, 2, K2));

  static byte[] key(int seed) {
    byte[] k = new byte[32];
    new SplittableRandom(seed).nextBytes(k);
    return k;
  }

  final TestClock clock = new TestClock(1_700_000_000_000L);
  final List<ExpectedRecord> model = new ArrayList<>();

  LogConfig config(Compression codec, KeyProvider keys) {
    return LogConfig.builder()
        .syncPolicy(SyncPolicy.NONE)
        .segmentBytes(8192)
        .compression(codec)
        .compressionMinBytes(0)
        .encryption(keys)
        .clock(clock)
        .build();
  }

  Log open(Path dir, LogConfig config) {
    return SegmentedLog.open(dir, config, NioFileIO.INSTANCE);
  }

  /** Text that compresses; a marker that must never appear on disk when encrypted. */
  static byte[] text(int i) {
    return ("SECRET-" + i + " the quick brown fox jumps over the lazy dog, again and again. ")
        .repeat(1 + i % 5)
        .getBytes(StandardCharsets.UTF_8);
  }

  void append(Log log, int n) {
    for (int i = 0; i < n; i++) {
      byte[] p = text(model.size());
      if (i % 4 == 3) {
        List<Entry> batch = new ArrayList<>();
        for (int k = 0; k < 3; k++) {
          byte[] q = text(model.size() + k);
          batch.add(Entry.of(q, k, 1000L * k + model.size()));
        }
        long first = log.appendBatch(batch);
        for (int k = 0; k < 3; k++) {
          model.add(
              new ExpectedRecord(
                  first + k, batch.get(k).timestamp(), k, text((int) (first + k - 1))));
        }
      } else {
        long index = log.append(Entry.of(p, 7, 5000L + model.size()));
        model.add(new ExpectedRecord(index, 5000L + model.size(), 7, p));
      }
    }
  }

  /** The frames of every segment of {@code dir}, as (segment version, flags, key id or -1). */
  record DiskFrame(Path file, long offset, int length, int version, int flags, int keyId) {}

  static List<DiskFrame> diskFrames(Path dir) throws IOException {
    List<DiskFrame> out = new ArrayList<>();
    for (Path s : SegmentScan.segments(dir)) {
      byte[] bytes = Files.readAllBytes(s);
      ByteBuffer b = ByteBuffer.wrap(bytes);
      int version = b.getShort(4);
      for (SegmentScan.Frame f : SegmentScan.recordFrames(s)) {
        int flags = bytes[(int) f.offset() + 9] & 0xff;
        int keyId =
            (flags & SegmentFormat.FLAG_ENCRYPTED) != 0 ? b.getInt((int) f.offset() + 32 + 20) : -1;
        out.add(new DiskFrame(s, f.offset(), f.length(), version, flags, keyId));
      }
    }
    return out;
  }

  static boolean contains(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }

  static byte[] allSegmentBytes(Path dir) throws IOException {
    java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
    for (Path s : SegmentScan.segments(dir)) {
      all.write(Files.readAllBytes(s));
    }
    return all.toByteArray();
  }

  @ParameterizedTest
  @EnumSource(
      value = Compression.class,
      names = {"ZSTD", "LZ4"})
  void compressedFramesAreSmallerCarryTheirCodecAndReadBack(Compression codec) throws IOException {
    Path dir = tmp.resolve("c");
    try (Log log = open(dir, config(codec, null))) {
      append(log, 60);
      LogChecks.assertExactly(log, 1, model);
    }
    List<DiskFrame> frames = diskFrames(dir);
    assertThat(frames).allSatisfy(f -> assertThat(f.version()).isEqualTo(2));
    // Frames that compression would not shrink (envelope included) stay plain.
    assertThat(frames).allSatisfy(f -> assertThat(f.flags()).isIn(0, codec.id()));
    assertThat(frames.stream().filter(f -> f.flags() == codec.id()).count())
        .isGreaterThan(frames.size() / 2);
    long raw = 0;
    for (ExpectedRecord r : model) {
      raw += 16 + r.payload().length;
    }
    long onDisk = frames.stream().mapToLong(f -> f.length() - 32).sum();
    assertThat(onDisk).as("compressed bodies").isLessThan(raw / 2);
    try (Log log = open(dir, config(Compression.NONE, null))) {
      LogChecks.assertExactly(log, 1, model);
    }
    assertThat(LogVerifier.verify(dir).findings()).isEmpty();
  }

  @Test
  void framesBelowTheMinimumOrThatDoNotShrinkStayPlain() throws IOException {
    Path dir = tmp.resolve("m");
    LogConfig config = config(Compression.ZSTD, null).toBuilder().compressionMinBytes(200).build();
    byte[] random = new byte[500];
    new SplittableRandom(3).nextBytes(random);
    try (Log log = open(dir, config)) {
      log.append(new byte[50]); // below the minimum
      log.append(random); // does not compress
      log.append(new byte[500]); // compresses
      assertThat(log.read(2).payload()).isEqualTo(ByteBuffer.wrap(random));
    }
    assertThat(diskFrames(dir).stream().map(DiskFrame::flags))
        .containsExactly(0, 0, Compression.ZSTD.id());
  }

  @ParameterizedTest
  @EnumSource(Compression.class)
  void encryptedFramesHideThePayloadAndReadBackWithTheKey(Compression codec) throws IOException {
    Path dir = tmp.resolve("e");
    try (Log log = open(dir, config(codec, KEYS_1))) {
      append(log, 40);
      LogChecks.assertExactly(log, 1, model);
    }
    byte[] disk = allSegmentBytes(dir);
    assertThat(contains(disk, "SECRET-".getBytes(StandardCharsets.UTF_8))).isFalse();
    assertThat(contains(disk, "quick brown".getBytes(StandardCharsets.UTF_8))).isFalse();
    assertThat(diskFrames(dir))
        .allSatisfy(
            f -> {
              assertThat(f.flags())
                  .isIn(SegmentFormat.FLAG_ENCRYPTED, codec.id() | SegmentFormat.FLAG_ENCRYPTED);
              assertThat(f.keyId()).isEqualTo(1);
            });
    try (Log log = SegmentedLog.openReadOnly(dir, config(codec, KEYS_1), NioFileIO.INSTANCE)) {
      LogChecks.assertExactly(log, 1, model);
    }
  }

  @Test
  void keysRotateAndOldFramesStayReadable() throws IOException {
    Path dir = tmp.resolve("r");
    try (Log log = open(dir, config(Compression.ZSTD, KEYS_1))) {
      append(log, 20);
    }
    try (Log log = open(dir, config(Compression.LZ4, KEYS_1_2))) {
      append(log, 20);
      LogChecks.assertExactly(log, 1, model);
    }
    Set<Integer> keyIds = new HashSet<>();
    diskFrames(dir).forEach(f -> keyIds.add(f.keyId()));
    assertThat(keyIds).containsExactlyInAnyOrder(1, 2);
    // Without key 1, the old frames name it; the new ones still read.
    KeyProvider only2 = KeyProvider.of(2, Map.of(2, K2));
    try (Log log = open(dir, config(Compression.NONE, only2))) {
      LogChecks.assertRecord(model.get(model.size() - 1), log.read(log.lastIndex()));
      DiskFrame firstFrame = diskFrames(dir).get(0);
      assertThatThrownBy(() -> log.read(1))
          .isInstanceOfSatisfying(
              EncryptionKeyException.class,
              e -> {
                assertThat(e.keyId()).isEqualTo(1);
                assertThat(e.file()).isEqualTo(firstFrame.file());
                assertThat(e.offset()).isEqualTo(firstFrame.offset());
              })
          .hasMessageContaining("no key with the frame's key id")
          .hasMessageContaining("key id 1")
          .hasMessageContaining(firstFrame.file().toString())
          .hasMessageContaining("byte offset " + firstFrame.offset());
    }
  }

  @Test
  void aWrongKeyIsAKeyErrorNotCorruption() throws IOException {
    Path dir = tmp.resolve("w");
    try (Log log = open(dir, config(Compression.NONE, KEYS_1))) {
      append(log, 5);
    }
    KeyProvider wrong = KeyProvider.of(1, Map.of(1, K2));
    DiskFrame first = diskFrames(dir).get(0);
    try (Log log = open(dir, config(Compression.NONE, wrong))) {
      assertThatThrownBy(() -> log.read(1))
          .isInstanceOfSatisfying(
              EncryptionKeyException.class,
              e -> {
                assertThat(e.keyId()).isEqualTo(1);
                assertThat(e.offset()).isEqualTo(first.offset());
              })
          .hasMessageContaining("wrong key");
    }
    // No key provider at all.
    try (Log log = open(dir, config(Compression.NONE, null))) {
      assertThatThrownBy(() -> log.read(1))
          .isInstanceOf(EncryptionKeyException.class)
          .hasMessageContaining("no key provider is configured");
    }
  }

  /** Rewrites the frame checksum after damage: what a deliberate tamperer would do. */
  static void fixChecksum(byte[] file, DiskFrame f) {
    ByteBuffer b = ByteBuffer.wrap(file);
    b.putInt(
        (int) f.offset(),
        Checksums.crc32c(b, (int) f.offset() + 4, (int) (f.offset() + f.length())));
  }

  @ParameterizedTest
  @EnumSource(Compression.class)
  void aFlippedCiphertextBitFailsAuthenticationReportedWithFileAndOffset(Compression codec)
      throws IOException {
    Path dir = tmp.resolve("t");
    try (Log log = open(dir, config(codec, KEYS_1))) {
      append(log, 40);
    }
    DiskFrame f = diskFrames(dir).get(2);
    byte[] file = Files.readAllBytes(f.file());
    int at = (int) f.offset() + 32 + 52 + 3; // inside the ciphertext
    file[at] ^= 0x10;
    Files.write(f.file(), file);
    // Without a fixed checksum: the CRC catches it first.
    try (Log log = open(dir, config(codec, KEYS_1))) {
      assertThatThrownBy(() -> readAll(log))
          .isInstanceOfSatisfying(
              CorruptLogException.class,
              e -> {
                assertThat(e.file()).isEqualTo(f.file());
                assertThat(e.offset()).isEqualTo(f.offset());
              })
          .hasMessageContaining("checksum mismatch");
    }
    fixChecksum(file, f);
    Files.write(f.file(), file);
    try (Log log = open(dir, config(codec, KEYS_1))) {
      assertThatThrownBy(() -> readAll(log))
          .isInstanceOfSatisfying(
              CorruptLogException.class,
              e -> {
                assertThat(e.file()).isEqualTo(f.file());
                assertThat(e.offset()).isEqualTo(f.offset());
              })
          .hasMessageContaining("fails authentication");
    }
    // Without the key, the frame's structure checks out, but the sealed segment's SHA-256 digest
    // (its trailer, and the next segment's chain link) does not.
    assertThat(LogVerifier.verify(dir).findings())
        .anySatisfy(
            finding -> {
              assertThat(finding.kind()).isEqualTo("digest");
              assertThat(finding.file()).isEqualTo(f.file());
            });
  }

  static void readAll(Log log) {
    try (LogReader r = log.reader(log.firstIndex(), log.lastIndex() + 1)) {
      while (r.hasNext()) {
        r.next();
      }
    }
  }

  /**
   * Seeded random bit flips, checksum fixed up, in every byte range of encrypted frames that is
   * authenticated: each read fails, as damage or (key id and key check fields) as a key error; none
   * returns other bytes.
   */
  @Test
  void everyTamperedEncryptedFrameFailsToRead() throws IOException {
    Path original = tmp.resolve("orig");
    try (Log log = open(original, config(Compression.ZSTD, KEYS_1))) {
      append(log, 40);
    }
    List<DiskFrame> frames = diskFrames(original);
    SplittableRandom rnd = new SplittableRandom(20261121);
    for (int trial = 0; trial < 60; trial++) {
      DiskFrame f = frames.get(rnd.nextInt(frames.size()));
      int rel = 8 + rnd.nextInt(f.length() - 8); // any byte after crc and length
      int bit = 1 << rnd.nextInt(8);
      Path dir = tmp.resolve("tamper" + trial);
      Files.createDirectories(dir);
      io.seglog.testing.DirectorySnapshot.copyFiles(original, dir);
      Path file = dir.resolve(f.file().getFileName());
      byte[] bytes = Files.readAllBytes(file);
      bytes[(int) f.offset() + rel] ^= (byte) bit;
      fixChecksum(bytes, new DiskFrame(file, f.offset(), f.length(), 2, 0, 0));
      Files.write(file, bytes);
      String what = "frame at " + f.offset() + " byte " + rel + " bit " + bit;
      try (Log log =
          SegmentedLog.openReadOnly(dir, config(Compression.ZSTD, KEYS_1), NioFileIO.INSTANCE)) {
        assertThatThrownBy(() -> readAll(log))
            .as(what)
            .isInstanceOfAny(CorruptLogException.class, EncryptionKeyException.class);
      } catch (CorruptLogException e) {
        // a header field that recovery checks (index, count, flags) refused the open: also fine
        assertThat(e.file()).as(what).isEqualTo(file);
      }
    }
  }

  @Test
  void aLogMixesVersionsCodecsAndKeysAcrossConfigChanges() throws IOException {
    Path dir = tmp.resolve("mix");
    try (Log log = open(dir, config(Compression.NONE, null))) {
      append(log, 10); // version 1 segment, plain frames
    }
    try (Log log = open(dir, config(Compression.ZSTD, null))) {
      append(log, 10); // rolls to a version 2 segment first
    }
    try (Log log = open(dir, config(Compression.LZ4, null))) {
      append(log, 10);
    }
    try (Log log = open(dir, config(Compression.ZSTD, KEYS_1))) {
      append(log, 10);
    }
    try (Log log = open(dir, config(Compression.NONE, KEYS_1_2))) {
      append(log, 10);
      LogChecks.assertExactly(log, 1, model);
    }
    List<DiskFrame> frames = diskFrames(dir);
    Set<Integer> versions = new HashSet<>();
    Set<Integer> flags = new HashSet<>();
    for (DiskFrame f : frames) {
      versions.add(f.version());
      flags.add(f.flags());
      if (f.version() == 1) {
        assertThat(f.flags()).as("a version 1 segment holds no coded frame").isZero();
      }
    }
    assertThat(versions).containsExactlyInAnyOrder(1, 2);
    assertThat(flags)
        .contains(
            0,
            Compression.ZSTD.id(),
            Compression.LZ4.id(),
            Compression.ZSTD.id() | SegmentFormat.FLAG_ENCRYPTED,
            SegmentFormat.FLAG_ENCRYPTED);
    for (RecoveryMode mode : RecoveryMode.values()) {
      LogConfig strict = config(Compression.NONE, KEYS_1_2).toBuilder().recoveryMode(mode).build();
      try (Log log = open(dir, strict)) {
        assertThat(log.recoveryReport().cuts()).isEmpty();
        LogChecks.assertExactly(log, 1, model);
      }
    }
    assertThat(LogVerifier.verify(dir).findings()).isEmpty();
  }

  @Test
  void anEmptyVersion1ActiveSegmentIsReplacedBeforeTheFirstEncryptedFrame() throws IOException {
    Path dir = tmp.resolve("empty");
    try (Log log = open(dir, config(Compression.NONE, null))) {
      append(log, 3);
      log.roll(); // the new active segment is version 1 and empty
    }
    List<Path> before = SegmentScan.segments(dir);
    try (Log log = open(dir, config(Compression.NONE, KEYS_1))) {
      append(log, 3);
    }
    assertThat(SegmentScan.segments(dir)).isEqualTo(before);
    Path active = before.get(before.size() - 1);
    assertThat(ByteBuffer.wrap(Files.readAllBytes(active)).getShort(4)).isEqualTo((short) 2);
    assertThat(contains(Files.readAllBytes(active), "SECRET-".getBytes(StandardCharsets.UTF_8)))
        .isFalse();
    try (Log log = open(dir, config(Compression.NONE, KEYS_1))) {
      LogChecks.assertExactly(log, 1, model);
    }
    assertThat(LogVerifier.verify(dir).findings()).isEmpty();
  }

  @Test
  void aVersion1SegmentWithFrameFlagsIsDamage() throws IOException {
    Path dir = tmp.resolve("v1flags");
    try (Log log = open(dir, config(Compression.NONE, null))) {
      append(log, 3);
    }
    DiskFrame f = diskFrames(dir).get(1);
    byte[] bytes = Files.readAllBytes(f.file());
    bytes[(int) f.offset() + 9] = (byte) Compression.ZSTD.id();
    fixChecksum(bytes, f);
    Files.write(f.file(), bytes);
    LogConfig strict =
        config(Compression.NONE, null).toBuilder().recoveryMode(RecoveryMode.STRICT).build();
    assertThatThrownBy(() -> open(dir, strict).close())
        .isInstanceOfSatisfying(
            CorruptLogException.class, e -> assertThat(e.offset()).isEqualTo(f.offset()))
        .hasMessageContaining("frame flags 1 in a version 1 segment");
  }

  /** The README's "Compression and encryption at rest" snippet, with a key file made here. */
  @Test
  void theReadmeSnippetWorks() throws IOException {
    Path keyFile = tmp.resolve("wal.keys");
    Files.writeString(keyFile, "1 " + java.util.Base64.getEncoder().encodeToString(K1) + "\n");
    Path dir = tmp.resolve("readme");
    KeyProvider keys = KeyProvider.fromKeyFile(keyFile);
    LogConfig config =
        LogConfig.builder()
            .compression(Compression.ZSTD)
            .compressionMinBytes(128)
            .encryption(keys)
            .build();
    try (Log log = Log.open(dir, config)) {
      long index = log.append("hello ".repeat(50).getBytes(StandardCharsets.UTF_8));
      assertThat(log.read(index).payloadBytes())
          .isEqualTo("hello ".repeat(50).getBytes(StandardCharsets.UTF_8));
    }
    assertThat(diskFrames(dir).get(0).flags())
        .isEqualTo(Compression.ZSTD.id() | SegmentFormat.FLAG_ENCRYPTED);
  }

  /**
   * Regression: recovery's search for a later frame proving damage was fsynced assumed every record
   * takes at least one byte of the file; compressed batches of small records take less, and the
   * proof was missed, so fsynced frames were cut as an unsynced tail.
   */
  @Test
  void damageBeforeCompressedFramesOfManyRecordsPerByteIsRefusedNotCut() throws IOException {
    Path dir = tmp.resolve("dense");
    LogConfig config =
        config(Compression.ZSTD, null).toBuilder()
            .syncPolicy(SyncPolicy.ALWAYS)
            .segmentBytes(1 << 20)
            .build();
    try (Log log = open(dir, config)) {
      for (int b = 0; b < 6; b++) {
        List<Entry> batch = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
          batch.add(Entry.of(new byte[0], 0, 1000L));
        }
        log.appendBatch(batch);
      }
    }
    List<DiskFrame> frames = diskFrames(dir);
    assertThat(frames).hasSize(6);
    assertThat(frames.stream().map(DiskFrame::file).distinct()).as("one segment").hasSize(1);
    assertThat(frames.get(5).length()).as("500 records in fewer bytes").isLessThan(500);
    DiskFrame damaged = frames.get(1);
    byte[] bytes = Files.readAllBytes(damaged.file());
    bytes[(int) damaged.offset() + 40] ^= 0x04;
    Files.write(damaged.file(), bytes);
    Files.deleteIfExists(dir.resolve("00000000000000000001.idx")); // no index file as proof
    assertThatThrownBy(() -> open(dir, config).close())
        .isInstanceOfSatisfying(
            CorruptLogException.class, e -> assertThat(e.offset()).isEqualTo(damaged.offset()));
  }

  /**
   * Regression: a truncation that cuts inside an encrypted batch stores the kept records, encrypted
   * again, as the pending tail in seglog.meta. That tail may exceed the plain frame bound (32 + max
   * body) by the envelope and tag, and a crash before the cut finished left a metadata file the
   * next open refused as "bad pending tail length": the log could not be opened at all.
   */
  @Test
  void anInterruptedCutInsideALargeEncryptedBatchFinishesAtTheNextOpen() throws IOException {
    Path dir = tmp.resolve("bigtail");
    LogConfig config =
        config(Compression.NONE, KEYS_1).toBuilder()
            .segmentBytes(1 << 16)
            .maxRecordBytes(1000)
            .maxBatchBytes(1000)
            .maxBatchRecords(2)
            .build();
    byte[] big = new byte[984];
    new SplittableRandom(11).nextBytes(big);
    FaultInjectingFileIO io = new FaultInjectingFileIO();
    Log log = SegmentedLog.open(dir, config, io);
    try {
      log.append(new byte[] {1});
      // One frame whose records fill the largest body: 16 + 984 + 16 + 0 bytes = 1032.
      long first = log.appendBatch(List.of(Entry.of(big, 3, 7L), Entry.of(new byte[0], 4, 8L)));
      io.failNext(FaultInjectingFileIO.Op.TRUNCATE); // the cut, after seglog.meta names its tail
      assertThatThrownBy(() -> log.truncateAfter(first)).isInstanceOf(SeglogException.class);
    } finally {
      try {
        log.close();
      } catch (SeglogException ignored) {
        // the log failed at the cut
      }
    }
    try (Log reopened = open(dir, config)) {
      assertThat(reopened.lastIndex()).isEqualTo(2);
      assertThat(reopened.read(2).payloadBytes()).isEqualTo(big);
      assertThat(reopened.read(2).type()).isEqualTo(3);
    }
    assertThat(LogVerifier.verify(dir).findings()).isEmpty();
  }

  @Test
  void aProviderWithoutItsCurrentKeyIsRefusedAtOpen() {
    KeyProvider broken =
        new KeyProvider() {
          @Override
          public int currentKeyId() {
            return 9;
          }

          @Override
          public byte[] key(int keyId) {
            return null;
          }
        };
    Path dir = tmp.resolve("broken");
    assertThatThrownBy(() -> open(dir, config(Compression.NONE, broken)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("current key id 9 has no key");
    assertThat(dir).doesNotExist();
  }

  @Test
  void keyFilesParseAndNameTheirMistakes() throws IOException {
    Path file = tmp.resolve("keys");
    String b64a = java.util.Base64.getEncoder().encodeToString(K1);
    String b64b = java.util.Base64.getEncoder().encodeToString(K2);
    Files.writeString(file, "# keys\n1 " + b64a + "\n\n2 " + b64b + "\n");
    KeyProvider p = KeyProvider.fromKeyFile(file);
    assertThat(p.currentKeyId()).isEqualTo(2);
    assertThat(p.key(1)).isEqualTo(K1);
    assertThat(p.key(3)).isNull();
    Files.writeString(file, "1 " + b64a + "\n1 " + b64b + "\n");
    assertThatThrownBy(() -> KeyProvider.fromKeyFile(file))
        .hasMessageContaining("line 2")
        .hasMessageContaining("appears twice");
    Files.writeString(file, "7 " + java.util.Base64.getEncoder().encodeToString(new byte[16]));
    assertThatThrownBy(() -> KeyProvider.fromKeyFile(file))
        .hasMessageContaining("line 1")
        .hasMessageContaining("32 bytes");
    Files.writeString(file, "# nothing\n");
    assertThatThrownBy(() -> KeyProvider.fromKeyFile(file)).hasMessageContaining("holds no key");
    assertThatThrownBy(() -> KeyProvider.of(1, Map.of(2, K2)))
        .hasMessageContaining("current key id 1 has no key");
    assertThat(Arrays.equals(KEYS_1.key(1), K1)).isTrue();
  }
}
