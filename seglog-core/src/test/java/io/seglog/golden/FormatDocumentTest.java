package io.seglog.golden;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.luben.zstd.Zstd;
import io.seglog.Log;
import io.seglog.LogConfig;
import io.seglog.Record;
import io.seglog.RecoveryMode;
import io.seglog.Tailer;
import io.seglog.testing.ExpectedRecord;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import net.jpountz.lz4.LZ4Factory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/FORMAT.md, read as a specification: this test decodes every golden file by hand and builds
 * files byte by byte, with the offsets, checksums and rules written in the document, and never
 * through {@code io.seglog.internal.format}. So a change to the layout (an offset, a constant,
 * which bytes a checksum covers, a key derivation) fails here even when the engine's encoder and
 * decoder change together, and a document that no longer says what the code does fails here too.
 *
 * <p>The hand decoder checks: the metadata (section 2, 2.1), segment headers (3.1), every frame
 * (3.2), records (3.3), trailers and the hash chain (3.4), coded frames including decryption with
 * the keys of golden/v2/README.md (3.5), checkpoint chunks (3.6), the synced index (4), the chain
 * rules of section 6, index files against the frames (7), time index files against the frames (7a),
 * and the worked example of section 11 byte for byte. Position files (8b) and the worked example
 * are built by hand and opened by the engine.
 */
class FormatDocumentTest {
  @TempDir Path tmp;

  // ---- conventions (FORMAT.md, top)

  static int crc32c(byte[] b, int from, int to) {
    CRC32C c = new CRC32C();
    c.update(b, from, to - from);
    return (int) c.getValue();
  }

  static byte[] sha256(byte[] b, int from, int to) throws Exception {
    MessageDigest d = MessageDigest.getInstance("SHA-256");
    d.update(b, from, to - from);
    return d.digest();
  }

  static void assertZero(byte[] b, int from, int to, String what) {
    for (int i = from; i < to; i++) {
      assertThat(b[i]).as("%s: reserved byte %d", what, i).isZero();
    }
  }

  static UUID uuid(ByteBuffer b, int at) {
    return new UUID(b.getLong(at), b.getLong(at + 8));
  }

  static Path golden(String folder) throws URISyntaxException {
    return Path.of(FormatDocumentTest.class.getResource("/golden/" + folder + "/README.md").toURI())
        .getParent();
  }

  @Test
  void theChecksumIsTheDocumentedCrc32c() {
    byte[] check = "123456789".getBytes(StandardCharsets.US_ASCII);
    assertThat(crc32c(check, 0, check.length)).isEqualTo(0xE3069283);
    // Section 3.2: a run of zero bytes never parses.
    assertThat(crc32c(new byte[28], 0, 28)).isEqualTo(0xF7C9C769);
  }

  // ---- section 2: metadata

  record Meta(int version, UUID logId, long createdAt, long firstIndex, int maxBody, Pending p) {}

  record Pending(long keepThrough, long cutSegment, long cutOffset, byte[] tail) {}

  static Meta decodeMeta(byte[] f) {
    ByteBuffer b = ByteBuffer.wrap(f);
    assertThat(b.getInt(0)).isEqualTo(0x53474C4D);
    int version = Short.toUnsignedInt(b.getShort(4));
    assertThat(version).isIn(1, 2);
    assertZero(f, 6, 8, "meta");
    assertZero(f, 44, 60, "meta");
    assertThat(b.getInt(60)).isEqualTo(crc32c(f, 0, 60));
    int maxBody = b.getInt(40);
    assertThat(maxBody).isBetween(1, 1 << 30);
    Pending pending = null;
    if (version == 1) {
      assertThat(f).hasSize(64);
    } else {
      assertThat(f.length).isGreaterThanOrEqualTo(100);
      assertThat(f[64]).isEqualTo((byte) 1);
      assertZero(f, 65, 68, "pending");
      int tail = b.getInt(68);
      assertThat(tail).isBetween(0, 32 + maxBody);
      assertThat(f).hasSize(100 + tail);
      assertThat(b.getInt(96 + tail)).isEqualTo(crc32c(f, 64, 96 + tail));
      long keep = b.getLong(72);
      long cutSegment = b.getLong(80);
      long cutOffset = b.getLong(88);
      assertThat(cutSegment).isLessThanOrEqualTo(keep);
      if (cutSegment != -1) {
        assertThat(cutOffset).isGreaterThanOrEqualTo(128);
      }
      pending = new Pending(keep, cutSegment, cutOffset, Arrays.copyOfRange(f, 96, 96 + tail));
    }
    return new Meta(version, uuid(b, 8), b.getLong(24), b.getLong(32), maxBody, pending);
  }

  // ---- section 3: segments

  /** Keys by key id, for section 3.5 (golden/v2/README.md). */
  static final Map<Integer, byte[]> KEYS = Map.of(1, range(0x01), 2, range(0x21));

  static byte[] range(int from) {
    byte[] k = new byte[32];
    for (int i = 0; i < 32; i++) {
      k[i] = (byte) (from + i);
    }
    return k;
  }

  static byte[] hmac(byte[] key, byte[]... parts) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(key, "HmacSHA256"));
    for (byte[] p : parts) {
      mac.update(p);
    }
    return mac.doFinal();
  }

  /** A records frame as found: its position, first index and the records' timestamps. */
  record FrameAt(long pos, long first, int count, long maxTs) {}

  /** What a hand scan of one segment found. */
  static final class Seg {
    long base;
    int version;
    long sequence;
    byte[] prevDigest;
    int headerCrc;
    long size;
    final List<FrameAt> records = new ArrayList<>();
    final List<ExpectedRecord> decoded = new ArrayList<>();
    int checkpointFrames;
    int completeCheckpoints;
    long nextIndex;
    long minTs = Long.MAX_VALUE;
    long maxTs = -1;
    byte[] trailerDigest; // null: not sealed
    int codedFlagsSeen;
  }

  /** Decodes the records of a plain body {@code [from, to)} (section 3.3), exactly filling it. */
  static List<long[]> records(
      byte[] f, int from, int to, int count, long first, List<ExpectedRecord> out) {
    ByteBuffer b = ByteBuffer.wrap(f);
    List<long[]> ts = new ArrayList<>();
    int p = from;
    for (int i = 0; i < count; i++) {
      assertThat(to - p).isGreaterThanOrEqualTo(16);
      long t = b.getLong(p);
      int len = b.getInt(p + 8);
      int type = Short.toUnsignedInt(b.getShort(p + 12));
      assertZero(f, p + 14, p + 16, "record header");
      assertThat(len).isBetween(0, to - p - 16);
      out.add(new ExpectedRecord(first + i, t, type, Arrays.copyOfRange(f, p + 16, p + 16 + len)));
      ts.add(new long[] {t});
      p += 16 + len;
    }
    assertThat(p).as("records fill the body exactly").isEqualTo(to);
    return ts;
  }

  static Seg scanSegment(Path file, Meta meta) throws Exception {
    byte[] f = Files.readAllBytes(file);
    ByteBuffer b = ByteBuffer.wrap(f);
    Seg s = new Seg();
    s.size = f.length;
    // 3.1
    assertThat(f.length).isGreaterThanOrEqualTo(128);
    assertThat(b.getInt(0)).isEqualTo(0x53474C53);
    s.version = Short.toUnsignedInt(b.getShort(4));
    assertThat(s.version).isIn(1, 2);
    assertThat(Short.toUnsignedInt(b.getShort(6))).isEqualTo(128);
    assertThat(uuid(b, 8)).isEqualTo(meta.logId());
    s.sequence = b.getLong(24);
    s.base = b.getLong(32);
    assertThat(String.format("%020d.seg", s.base)).isEqualTo(file.getFileName().toString());
    s.prevDigest = Arrays.copyOfRange(f, 48, 80);
    assertZero(f, 80, 124, "segment header");
    s.headerCrc = b.getInt(124);
    assertThat(s.headerCrc).isEqualTo(crc32c(f, 0, 124));
    // 3.2, walking the frames
    long next = s.base;
    long lastSynced = Long.MIN_VALUE;
    int p = 128;
    int chunkSeq = -1; // the next chunk sequence of the checkpoint in progress, -1: none
    long chunkOffset = 0;
    long chunkFirst = 0;
    while (p < f.length) {
      String at = file.getFileName() + " frame at " + p;
      assertThat(f.length - p).as(at).isGreaterThanOrEqualTo(32);
      int len = b.getInt(p + 4);
      int type = Byte.toUnsignedInt(f[p + 8]);
      int flags = Byte.toUnsignedInt(f[p + 9]);
      assertZero(f, p + 10, p + 12, at);
      int count = b.getInt(p + 12);
      long first = b.getLong(p + 16);
      long synced = b.getLong(p + 24);
      assertThat(p + 32L + len).as(at).isLessThanOrEqualTo(f.length);
      assertThat(b.getInt(p))
          .as(at + " crc of [4, 32 + body)")
          .isEqualTo(crc32c(f, p + 4, p + 32 + len));
      assertThat(first).as(at).isNotNegative();
      assertThat(synced).as(at + " synced below first").isLessThan(first);
      assertThat(synced).as(at + " synced never decreases").isGreaterThanOrEqualTo(lastSynced);
      lastSynced = synced;
      assertThat(first).as(at + " first index").isEqualTo(next);
      int body = p + 32;
      int end = body + len;
      if (type != 3 && chunkSeq >= 0) {
        chunkSeq = -1; // an incomplete checkpoint: another frame follows
      }
      if (type == 1) {
        assertThat(len).as(at).isLessThanOrEqualTo(meta.maxBody() + (flags == 0 ? 0 : 68));
        assertThat(count).as(at).isPositive();
        List<ExpectedRecord> recs = new ArrayList<>();
        if (flags == 0) {
          records(f, body, end, count, first, recs);
        } else {
          assertThat(s.version).as(at + " coded frame only in version 2").isEqualTo(2);
          assertThat(flags & 0xF0).isZero();
          int codec = flags & 7;
          assertThat(codec).isIn(0, 1, 2);
          boolean encrypted = (flags & 8) != 0;
          int header = encrypted ? 52 : 20;
          assertThat(len).isGreaterThanOrEqualTo(header + (encrypted ? 16 : 0));
          int raw = b.getInt(body);
          long envMin = b.getLong(body + 4);
          long envMax = b.getLong(body + 12);
          assertThat(raw).isBetween(count * 16, meta.maxBody());
          assertThat(envMin).isLessThanOrEqualTo(envMax);
          byte[] data = Arrays.copyOfRange(f, body + header, end);
          if (encrypted) {
            int keyId = b.getInt(body + 20);
            byte[] key = KEYS.get(keyId);
            assertThat(key).as(at + " key id " + keyId).isNotNull();
            byte[] check = hmac(key, "seglog key check v2".getBytes(StandardCharsets.US_ASCII));
            assertThat(b.getInt(body + 24)).isEqualTo(ByteBuffer.wrap(check).getInt(0));
            byte[] salt = Arrays.copyOfRange(f, body + 28, body + 44);
            byte[] frameKey =
                hmac(key, "seglog frame key v2".getBytes(StandardCharsets.US_ASCII), salt);
            byte[] nonce = new byte[12];
            System.arraycopy(f, body + 44, nonce, 4, 8);
            Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
            gcm.init(
                Cipher.DECRYPT_MODE,
                new SecretKeySpec(frameKey, "AES"),
                new GCMParameterSpec(128, nonce));
            gcm.updateAAD(Arrays.copyOfRange(f, 8, 24)); // the segment header's log id
            gcm.updateAAD(f, p + 8, 24); // frame header [8, 32)
            gcm.updateAAD(f, body, 52); // envelope [0, 52)
            data = gcm.doFinal(data);
          }
          byte[] plain;
          if (codec == 0) {
            plain = data;
          } else if (codec == 1) {
            plain = Zstd.decompress(data, raw);
          } else {
            plain = new byte[raw];
            int n =
                LZ4Factory.safeInstance()
                    .safeDecompressor()
                    .decompress(data, 0, data.length, plain, 0, raw);
            assertThat(n).isEqualTo(raw);
          }
          assertThat(plain).hasSize(raw);
          records(plain, 0, raw, count, first, recs);
          assertThat(recs.stream().mapToLong(ExpectedRecord::timestamp).min().getAsLong())
              .isEqualTo(envMin);
          assertThat(recs.stream().mapToLong(ExpectedRecord::timestamp).max().getAsLong())
              .isEqualTo(envMax);
          s.codedFlagsSeen |= 1 << flags;
        }
        long frameMax = Long.MIN_VALUE;
        for (ExpectedRecord r : recs) {
          s.minTs = Math.min(s.minTs, r.timestamp());
          s.maxTs = Math.max(s.maxTs, r.timestamp());
          frameMax = Math.max(frameMax, r.timestamp());
        }
        s.decoded.addAll(recs);
        s.records.add(new FrameAt(p, first, count, frameMax));
        next += count;
      } else if (type == 2) {
        assertThat(flags).isZero();
        assertThat(count).isZero();
        assertThat(len).isEqualTo(72);
        assertThat(end).as(at + " nothing follows a trailer").isEqualTo(f.length);
        assertThat(b.getLong(body)).isEqualTo(first - s.base);
        assertThat(b.getLong(body + 8)).isEqualTo(s.records.size());
        assertThat(b.getLong(body + 16)).isEqualTo(s.minTs);
        assertThat(b.getLong(body + 24)).isEqualTo(s.maxTs);
        s.trailerDigest = Arrays.copyOfRange(f, body + 32, body + 64);
        assertThat(s.trailerDigest).isEqualTo(sha256(f, 0, p));
        assertZero(f, body + 64, body + 72, at + " trailer");
      } else {
        assertThat(type).as(at + " frame type").isEqualTo(3);
        assertThat(s.version).as(at + " checkpoint only in version 2").isEqualTo(2);
        assertThat(flags).isZero();
        assertThat(count).isZero();
        assertThat(len).isBetween(16, meta.maxBody());
        int seq = b.getInt(body);
        int chunkFlags = Byte.toUnsignedInt(f[body + 4]);
        assertZero(f, body + 5, body + 8, at + " chunk header");
        long offset = b.getLong(body + 8);
        assertThat(chunkFlags & ~3).isZero();
        assertThat((chunkFlags & 1) != 0).as(at + " FIRST iff sequence 0").isEqualTo(seq == 0);
        if (seq == 0) {
          assertThat(offset).isZero();
        } else {
          assertThat(seq).as(at + " chunk sequence").isEqualTo(chunkSeq);
          assertThat(offset).isEqualTo(chunkOffset);
          assertThat(first).isEqualTo(chunkFirst);
        }
        chunkSeq = seq + 1;
        chunkOffset = offset + (len - 16);
        chunkFirst = first;
        if ((chunkFlags & 2) != 0) {
          s.completeCheckpoints++;
          chunkSeq = -1;
        }
        s.checkpointFrames++;
      }
      p = end;
    }
    s.nextIndex = next;
    return s;
  }

  // ---- section 7: index files

  static void checkIndexFile(Path file, Meta meta, Seg s) {
    byte[] f;
    try {
      f = Files.readAllBytes(file);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    ByteBuffer b = ByteBuffer.wrap(f);
    String what = file.getFileName().toString();
    assertThat(f.length).isGreaterThanOrEqualTo(84);
    assertThat(b.getInt(0)).isEqualTo(0x53474C58);
    assertThat(Short.toUnsignedInt(b.getShort(4))).isEqualTo(1);
    assertZero(f, 6, 8, what);
    assertThat(uuid(b, 8)).isEqualTo(meta.logId());
    assertThat(b.getLong(24)).isEqualTo(s.base);
    assertThat(b.getInt(76)).isEqualTo(crc32c(f, 0, 76));
    int frames = b.getInt(48);
    assertThat(f).as(what + " length 84 + 8f").hasSize(84 + 8 * frames);
    assertThat(b.getInt(80 + 8 * frames)).isEqualTo(crc32c(f, 80, 80 + 8 * frames));
    // Against the segment. Every golden log was closed cleanly: each index covers its whole file.
    assertThat(b.getLong(32)).as(what + " covered bytes").isEqualTo(s.size);
    assertThat(b.getLong(40)).as(what + " record count").isEqualTo(s.nextIndex - s.base);
    assertThat(frames).as(what + " frame count").isEqualTo(s.records.size());
    assertThat(b.getInt(52)).as(what + " flags").isEqualTo(s.trailerDigest != null ? 1 : 0);
    assertThat(b.getLong(56)).isEqualTo(s.minTs);
    assertThat(b.getLong(64)).isEqualTo(s.maxTs);
    assertThat(b.getInt(72)).as(what + " segment crc").isEqualTo(s.headerCrc);
    for (int i = 0; i < frames; i++) {
      FrameAt fr = s.records.get(i);
      assertThat(b.getInt(80 + 8 * i)).isEqualTo((int) (fr.first() - s.base));
      assertThat(b.getInt(84 + 8 * i)).isEqualTo((int) fr.pos());
    }
    if (frames > 0) {
      assertThat(b.getInt(80)).isZero();
      if (s.checkpointFrames == 0) {
        assertThat(b.getInt(84)).isEqualTo(128);
      } else {
        assertThat(b.getInt(84)).isGreaterThanOrEqualTo(128);
      }
    }
  }

  /** Decodes a whole golden log by hand; returns its segments in order. */
  static List<Seg> decodeLog(Path dir, List<ExpectedRecord> expected) throws Exception {
    Meta meta = decodeMeta(Files.readAllBytes(dir.resolve("seglog.meta")));
    TreeMap<String, Path> segs = new TreeMap<>();
    try (Stream<Path> files = Files.list(dir)) {
      files
          .filter(p -> p.getFileName().toString().matches("^[0-9]{20}\\.seg$"))
          .forEach(p -> segs.put(p.getFileName().toString(), p));
    }
    List<Seg> out = new ArrayList<>();
    List<ExpectedRecord> all = new ArrayList<>();
    Seg prev = null;
    for (Path p : segs.values()) {
      Seg s = scanSegment(p, meta);
      if (prev == null) {
        assertThat(s.base).isLessThanOrEqualTo(meta.firstIndex());
      } else {
        // Section 6, rules 4 to 7.
        assertThat(prev.trailerDigest).as("every segment but the last is sealed").isNotNull();
        assertThat(s.sequence).isEqualTo(prev.sequence + 1);
        assertThat(s.base).isEqualTo(prev.nextIndex);
        assertThat(s.prevDigest).isEqualTo(prev.trailerDigest);
      }
      if (s.sequence == 0) {
        assertThat(s.prevDigest).isEqualTo(new byte[32]);
      }
      checkIndexFile(dir.resolve(String.format("%020d.idx", s.base)), meta, s);
      all.addAll(s.decoded);
      out.add(s);
      prev = s;
    }
    assertThat(all).hasSameSizeAs(expected);
    for (int i = 0; i < all.size(); i++) {
      ExpectedRecord got = all.get(i);
      ExpectedRecord want = expected.get(i);
      assertThat(got.index()).isEqualTo(want.index());
      assertThat(got.timestamp()).as("timestamp of %d", want.index()).isEqualTo(want.timestamp());
      assertThat(got.type()).as("type of %d", want.index()).isEqualTo(want.type());
      assertThat(got.payload()).as("payload of %d", want.index()).isEqualTo(want.payload());
    }
    return out;
  }

  @Test
  void theV1GoldenLogDecodesByHandFollowingTheDocument() throws Exception {
    List<Seg> segs = decodeLog(golden("v1"), GoldenLogV1.records());
    assertThat(segs).hasSize(4);
    assertThat(segs).allMatch(s -> s.version == 1 && s.checkpointFrames == 0);
    assertThat(segs.get(3).trailerDigest).isNull();
  }

  @Test
  void theV2GoldenLogDecodesAndDecryptsByHandFollowingTheDocument() throws Exception {
    List<Seg> segs = decodeLog(golden("v2"), GoldenLogV2.records());
    assertThat(segs).allMatch(s -> s.version == 2);
    int flagsSeen = segs.stream().mapToInt(s -> s.codedFlagsSeen).reduce(0, (a, c) -> a | c);
    // flags 1 (zstd), 2 (lz4), 8 (encrypted), 9 (zstd + encrypted), 10 (lz4 + encrypted)
    assertThat(flagsSeen).isEqualTo((1 << 1) | (1 << 2) | (1 << 8) | (1 << 9) | (1 << 10));
  }

  @Test
  void theCheckpointGoldenLogDecodesByHandFollowingTheDocument() throws Exception {
    List<Seg> segs = decodeLog(golden("v2-checkpoint"), GoldenLogV2Checkpoints.records());
    assertThat(segs).hasSize(3);
    assertThat(segs).allMatch(s -> s.version == 2 && s.completeCheckpoints >= 1);
    // Each segment starts with a checkpoint; the first has an on-demand one too; segment 45 holds
    // the three-chunk checkpoint (plus its leading one) and grew past the segment size.
    assertThat(segs.stream().mapToInt(s -> s.completeCheckpoints).toArray())
        .containsExactly(2, 2, 1);
    assertThat(segs.get(1).checkpointFrames).isEqualTo(4);
    assertThat(segs.get(1).size).isGreaterThan(4096);
    for (Seg s : segs) {
      assertThat(s.records.get(0).pos()).isGreaterThan(128);
    }
  }

  @Test
  void thePendingTruncationMetadataDecodesByHandFollowingTheDocument() throws Exception {
    Path dir = golden("v2-pending");
    Meta meta = decodeMeta(Files.readAllBytes(dir.resolve("seglog.meta")));
    assertThat(meta.version()).isEqualTo(2);
    assertThat(meta.logId()).isEqualTo(GoldenLogV1.LOG_ID);
    assertThat(meta.firstIndex()).isEqualTo(1);
    Pending p = meta.p();
    assertThat(p.keepThrough()).isEqualTo(17);
    assertThat(p.cutSegment()).isEqualTo(1);
    assertThat(p.cutOffset()).isEqualTo(2411);
    // The segments are the v1 golden log's; the cut offset is the start of the frame holding 17.
    List<Seg> segs = decodeLog(dir, GoldenLogV1.records());
    FrameAt holding17 =
        segs.get(0).records.stream()
            .filter(f -> f.first() <= 17 && 17 < f.first() + f.count())
            .findFirst()
            .orElseThrow();
    assertThat(holding17.pos()).isEqualTo(2411);
    // The tail: that frame re-encoded with the kept records only, same first and synced index.
    byte[] tail = p.tail();
    ByteBuffer t = ByteBuffer.wrap(tail);
    byte[] segment = Files.readAllBytes(dir.resolve("00000000000000000001.seg"));
    ByteBuffer s = ByteBuffer.wrap(segment);
    assertThat(tail).hasSize(64);
    assertThat(t.getInt(0)).isEqualTo(crc32c(tail, 4, tail.length));
    assertThat(t.getInt(4)).isEqualTo(tail.length - 32);
    assertThat(tail[8]).isEqualTo((byte) 1);
    assertThat(t.getInt(12)).isEqualTo(1);
    assertThat(t.getLong(16)).isEqualTo(17).isEqualTo(s.getLong(2411 + 16));
    assertThat(t.getLong(24)).isEqualTo(16).isEqualTo(s.getLong(2411 + 24));
    List<ExpectedRecord> kept = new ArrayList<>();
    records(tail, 32, tail.length, 1, 17, kept);
    ExpectedRecord want = GoldenLogV1.records().get(16);
    assertThat(kept.get(0).payload()).isEqualTo(want.payload());
    assertThat(kept.get(0).timestamp()).isEqualTo(want.timestamp());
    assertThat(kept.get(0).type()).isEqualTo(want.type());
  }

  // ---- section 7a: time index files

  @Test
  void theGoldenTimeIndexFilesDecodeByHandFollowingTheDocument() throws Exception {
    Path dir = golden("time-index-v1");
    Meta meta = decodeMeta(Files.readAllBytes(golden("v1").resolve("seglog.meta")));
    List<Path> tix;
    try (Stream<Path> s = Files.list(dir)) {
      tix = s.filter(p -> p.toString().endsWith(".tix")).sorted().toList();
    }
    assertThat(tix).isNotEmpty();
    for (Path p : tix) {
      String name = p.getFileName().toString();
      Seg seg = scanSegment(golden("v1").resolve(name.replace(".tix", ".seg")), meta);
      byte[] f = Files.readAllBytes(p);
      ByteBuffer b = ByteBuffer.wrap(f);
      assertThat(b.getInt(0)).isEqualTo(0x53474C54);
      assertThat(Short.toUnsignedInt(b.getShort(4))).isEqualTo(1);
      assertZero(f, 6, 8, name);
      assertThat(b.getLong(8)).isEqualTo(seg.base);
      assertThat(b.getInt(16)).isEqualTo(seg.headerCrc);
      int m = b.getInt(20);
      assertThat(Arrays.copyOfRange(f, 24, 56)).isEqualTo(seg.trailerDigest);
      int sampleBytes = b.getInt(56);
      assertThat(sampleBytes).isEqualTo(4096);
      assertThat(b.getInt(60)).isEqualTo(crc32c(f, 0, 60));
      assertThat(f).hasSize(68 + 12 * m);
      assertThat(b.getInt(64 + 12 * m)).isEqualTo(crc32c(f, 64, 64 + 12 * m));
      // The samples a writer following section 7a takes.
      List<long[]> want = new ArrayList<>();
      long maxBefore = Long.MIN_VALUE;
      long sampledAt = -1;
      for (int slot = 0; slot < seg.records.size(); slot++) {
        FrameAt fr = seg.records.get(slot);
        if (slot == 0 || fr.pos() - sampledAt >= sampleBytes) {
          want.add(new long[] {slot, maxBefore});
          sampledAt = fr.pos();
        }
        maxBefore = Math.max(maxBefore, fr.maxTs());
      }
      assertThat(m).as(name + " samples").isEqualTo(want.size());
      for (int i = 0; i < m; i++) {
        assertThat(b.getInt(64 + 12 * i)).as(name + " slot " + i).isEqualTo((int) want.get(i)[0]);
        assertThat(b.getLong(68 + 12 * i)).as(name + " max before " + i).isEqualTo(want.get(i)[1]);
      }
    }
  }

  // ---- section 11: the worked example, built from the tables and opened by the engine

  static final UUID EXAMPLE_ID = UUID.fromString("00112233-4455-6677-8899-aabbccddeeff");

  static byte[] hex(String dump) {
    StringBuilder sb = new StringBuilder();
    for (String line : dump.strip().split("\n")) {
      String[] parts = line.strip().split("\\s+");
      for (int i = 1; i < parts.length; i++) {
        sb.append(parts[i]);
      }
    }
    return HexFormat.of().parseHex(sb.toString());
  }

  static byte[] segmentHeader(long sequence, long base, long createdAt, byte[] prev) {
    ByteBuffer b = ByteBuffer.allocate(128);
    b.putInt(0, 0x53474C53).putShort(4, (short) 1).putShort(6, (short) 128);
    b.putLong(8, EXAMPLE_ID.getMostSignificantBits());
    b.putLong(16, EXAMPLE_ID.getLeastSignificantBits());
    b.putLong(24, sequence).putLong(32, base).putLong(40, createdAt).put(48, prev);
    b.putInt(124, crc32c(b.array(), 0, 124));
    return b.array();
  }

  /** The example's segment: header, one records frame and, when sealed, the trailer. */
  static byte[] exampleSegment(boolean sealed) throws Exception {
    ByteBuffer b = ByteBuffer.allocate(sealed ? 285 : 181);
    b.put(0, segmentHeader(0, 1, 1700000000000L, new byte[32]));
    int p = 128;
    b.putInt(p + 4, 21).put(p + 8, (byte) 1).putInt(p + 12, 1).putLong(p + 16, 1);
    b.putLong(p + 24, 0);
    b.putLong(p + 32, 1700000000123L).putInt(p + 40, 5).putShort(p + 44, (short) 7);
    b.put(p + 48, "hello".getBytes(StandardCharsets.US_ASCII));
    b.putInt(p, crc32c(b.array(), p + 4, p + 53));
    if (sealed) {
      int t = 181;
      b.putInt(t + 4, 72).put(t + 8, (byte) 2).putLong(t + 16, 2).putLong(t + 24, 1);
      b.putLong(t + 32, 1).putLong(t + 40, 1);
      b.putLong(t + 48, 1700000000123L).putLong(t + 56, 1700000000123L);
      b.put(t + 64, sha256(b.array(), 0, t));
      b.putInt(t, crc32c(b.array(), t + 4, t + 104));
    }
    return b.array();
  }

  static byte[] exampleMeta() {
    ByteBuffer b = ByteBuffer.allocate(64);
    b.putInt(0, 0x53474C4D).putShort(4, (short) 1);
    b.putLong(8, EXAMPLE_ID.getMostSignificantBits());
    b.putLong(16, EXAMPLE_ID.getLeastSignificantBits());
    b.putLong(24, 1700000000000L).putLong(32, 1).putInt(40, 0x01000000);
    b.putInt(60, crc32c(b.array(), 0, 60));
    return b.array();
  }

  static byte[] exampleIndex(byte[] segment) {
    ByteBuffer b = ByteBuffer.allocate(92);
    b.putInt(0, 0x53474C58).putShort(4, (short) 1);
    b.putLong(8, EXAMPLE_ID.getMostSignificantBits());
    b.putLong(16, EXAMPLE_ID.getLeastSignificantBits());
    b.putLong(24, 1).putLong(32, segment.length).putLong(40, 1).putInt(48, 1).putInt(52, 1);
    b.putLong(56, 1700000000123L).putLong(64, 1700000000123L);
    b.putInt(72, ByteBuffer.wrap(segment).getInt(124));
    b.putInt(76, crc32c(b.array(), 0, 76));
    b.putInt(80, 0).putInt(84, 128);
    b.putInt(88, crc32c(b.array(), 80, 88));
    return b.array();
  }

  // The plain dumps of FORMAT.md section 11, copied verbatim.
  static final String DOC_SEGMENT =
      """
      0000  53 47 4c 53 00 01 00 80 00 11 22 33 44 55 66 77
      0010  88 99 aa bb cc dd ee ff 00 00 00 00 00 00 00 00
      0020  00 00 00 00 00 00 00 01 00 00 01 8b cf e5 68 00
      0030  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
      0040  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
      0050  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
      0060  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
      0070  00 00 00 00 00 00 00 00 00 00 00 00 81 f8 5d 2f
      0080  98 a7 1a 42 00 00 00 15 01 00 00 00 00 00 00 01
      0090  00 00 00 00 00 00 00 01 00 00 00 00 00 00 00 00
      00a0  00 00 01 8b cf e5 68 7b 00 00 00 05 00 07 00 00
      00b0  68 65 6c 6c 6f
      """;

  static final String DOC_TRAILER =
      """
      00b5    09 7c e0 98
      00b9    00 00 00 48
      00bd    02 00 00 00
      00c1    00 00 00 00
      00c5    00 00 00 00 00 00 00 02
      00cd    00 00 00 00 00 00 00 01
      00d5    00 00 00 00 00 00 00 01
      00dd    00 00 00 00 00 00 00 01
      00e5    00 00 01 8b cf e5 68 7b
      00ed    00 00 01 8b cf e5 68 7b
      00f5    d9 da ae 69 b6 41 cf 7c 67 ad 04 8f fc 35 9b 2b
      0105    77 dc 14 66 7e 56 8d 9f 78 62 4e 47 b7 23 45 05
      0115    00 00 00 00 00 00 00 00
      """;

  static final String DOC_INDEX =
      """
      0000  53 47 4c 58 00 01 00 00 00 11 22 33 44 55 66 77
      0010  88 99 aa bb cc dd ee ff 00 00 00 00 00 00 00 01
      0020  00 00 00 00 00 00 01 1d 00 00 00 00 00 00 00 01
      0030  00 00 00 01 00 00 00 01 00 00 01 8b cf e5 68 7b
      0040  00 00 01 8b cf e5 68 7b 81 f8 5d 2f 0f 70 94 6e
      0050  00 00 00 00 00 00 00 80 0e de 89 f2
      """;

  static final String DOC_NEXT_HEADER =
      """
      0000  53 47 4c 53 00 01 00 80 00 11 22 33 44 55 66 77
      0010  88 99 aa bb cc dd ee ff 00 00 00 00 00 00 00 01
      0020  00 00 00 00 00 00 00 02 00 00 01 8b cf e5 68 c8
      0030  d9 da ae 69 b6 41 cf 7c 67 ad 04 8f fc 35 9b 2b
      0040  77 dc 14 66 7e 56 8d 9f 78 62 4e 47 b7 23 45 05
      0050  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
      0060  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
      0070  00 00 00 00 00 00 00 00 00 00 00 00 a5 89 e0 9d
      """;

  static final String DOC_META =
      """
      0000  53 47 4c 4d 00 01 00 00 00 11 22 33 44 55 66 77
      0010  88 99 aa bb cc dd ee ff 00 00 01 8b cf e5 68 00
      0020  00 00 00 00 00 00 00 01 01 00 00 00 00 00 00 00
      0030  00 00 00 00 00 00 00 00 00 00 00 00 e6 37 f2 33
      """;

  @Test
  void theWorkedExampleIsWhatTheTablesGive() throws Exception {
    byte[] sealed = exampleSegment(true);
    assertThat(exampleSegment(false)).isEqualTo(hex(DOC_SEGMENT));
    assertThat(Arrays.copyOfRange(sealed, 181, 285)).isEqualTo(hex(DOC_TRAILER));
    assertThat(HexFormat.of().formatHex(sha256(sealed, 0, 181)))
        .isEqualTo("d9daae69b641cf7c67ad048ffc359b2b77dc14667e568d9f78624e47b7234505");
    assertThat(exampleIndex(sealed)).isEqualTo(hex(DOC_INDEX));
    assertThat(segmentHeader(1, 2, 1700000000200L, sha256(sealed, 0, 181)))
        .isEqualTo(hex(DOC_NEXT_HEADER));
    assertThat(exampleMeta()).isEqualTo(hex(DOC_META));
  }

  static void checkExampleRecord(Log log) {
    Record r = log.read(1);
    assertThat(r.timestamp()).isEqualTo(1700000000123L);
    assertThat(r.type()).isEqualTo(7);
    assertThat(r.payloadBytes()).isEqualTo("hello".getBytes(StandardCharsets.US_ASCII));
  }

  @Test
  void theEngineReadsTheWorkedExampleBuiltByHand() throws Exception {
    byte[] sealed = exampleSegment(true);
    // 1. The active segment alone (no index file): scanned, nothing cut, in every mode.
    for (RecoveryMode mode : RecoveryMode.values()) {
      Path dir = Files.createDirectories(tmp.resolve("active-" + mode));
      Files.write(dir.resolve("seglog.meta"), exampleMeta());
      Files.write(dir.resolve("00000000000000000001.seg"), exampleSegment(false));
      LogConfig config = LogConfig.defaults().toBuilder().recoveryMode(mode).build();
      try (Log log = Log.openReadOnly(dir, config)) {
        assertThat(log.firstIndex()).isEqualTo(1);
        assertThat(log.lastIndex()).isEqualTo(1);
        checkExampleRecord(log);
      }
      try (Log log = Log.open(dir, config)) {
        assertThat(log.recoveryReport().cuts()).isEmpty();
        checkExampleRecord(log);
      }
    }
    // 2. Sealed, with its index file and the next (empty) segment: a chain the engine accepts.
    for (RecoveryMode mode : RecoveryMode.values()) {
      Path dir = Files.createDirectories(tmp.resolve("sealed-" + mode));
      Files.write(dir.resolve("seglog.meta"), exampleMeta());
      Files.write(dir.resolve("00000000000000000001.seg"), sealed);
      Files.write(dir.resolve("00000000000000000001.idx"), exampleIndex(sealed));
      Files.write(
          dir.resolve("00000000000000000002.seg"),
          segmentHeader(1, 2, 1700000000200L, sha256(sealed, 0, 181)));
      LogConfig config = LogConfig.defaults().toBuilder().recoveryMode(mode).build();
      try (Log log = Log.open(dir, config)) {
        assertThat(log.recoveryReport().cuts()).isEmpty();
        assertThat(log.recoveryReport().indexFilesRebuilt()).isEmpty();
        assertThat(log.segments()).hasSize(2);
        assertThat(log.lastIndex()).isEqualTo(1);
        checkExampleRecord(log);
        assertThat(log.append("x".getBytes(StandardCharsets.US_ASCII))).isEqualTo(2);
      }
    }
  }

  // ---- section 8b: position files, built by hand

  @Test
  void theEngineReadsAPositionFileBuiltByHand() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("positions"));
    Files.write(dir.resolve("seglog.meta"), exampleMeta());
    Files.write(dir.resolve("00000000000000000001.seg"), exampleSegment(false));
    try (Log log = Log.open(dir, LogConfig.defaults())) {
      log.append("two".getBytes(StandardCharsets.US_ASCII));
    }
    ByteBuffer b = ByteBuffer.allocate(64);
    b.putInt(0, 0x53474C50).putShort(4, (short) 1);
    b.putLong(8, EXAMPLE_ID.getMostSignificantBits());
    b.putLong(16, EXAMPLE_ID.getLeastSignificantBits());
    b.putLong(24, 2).putLong(32, 1700000000500L);
    b.putInt(60, crc32c(b.array(), 0, 60));
    Files.createDirectories(dir.resolve("positions"));
    Files.write(dir.resolve("positions").resolve("reader-1.pos"), b.array());
    try (Log log = Log.open(dir, LogConfig.defaults())) {
      assertThat(log.committedPositions()).containsEntry("reader-1", 2L);
      try (Tailer t = log.tailer("reader-1", 1, io.seglog.Visibility.WRITTEN)) {
        Record r = t.poll(Duration.ofSeconds(5));
        assertThat(r).isNotNull();
        assertThat(r.index()).isEqualTo(2);
      }
    }
  }
}
