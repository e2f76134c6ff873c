package io.seglog.internal.format;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

/** The combined CRC equals the CRC of the concatenation, for every split of random data. */
class Crc32cCombineTest {

  static int crc(byte[] b, int from, int to) {
    CRC32C c = new CRC32C();
    c.update(b, from, to - from);
    return (int) c.getValue();
  }

  @Test
  void combinedEqualsWholeForEverySplit() {
    SplittableRandom rnd = new SplittableRandom(42);
    for (int round = 0; round < 200; round++) {
      byte[] data = new byte[rnd.nextInt(0, round < 100 ? 64 : 70_000)];
      rnd.nextBytes(data);
      int split = rnd.nextInt(data.length + 1);
      assertThat(
              Crc32cCombine.combine(
                  crc(data, 0, split), crc(data, split, data.length), data.length - split))
          .as("length %d split at %d", data.length, split)
          .isEqualTo(crc(data, 0, data.length));
    }
  }

  @Test
  void aStreamedFrameHasTheChecksumOfAWholeOne() {
    byte[] payload = new byte[5000];
    new SplittableRandom(7).nextBytes(payload);
    ByteBuffer whole = ByteBuffer.allocate(48 + payload.length);
    whole.position(32);
    SegmentFormat.putRecordHeader(whole, 123, payload.length, 9);
    whole.put(payload);
    SegmentFormat.sealFrame(whole, 0, whole.capacity(), SegmentFormat.FRAME_RECORDS, 1, 10, 4);

    ByteBuffer head = ByteBuffer.allocate(48);
    head.position(32);
    SegmentFormat.putRecordHeader(head, 123, payload.length, 9);
    SegmentFormat.sealStreamedFrame(head, 48, 1, 10, 4, crc(payload, 0, payload.length), 5000);
    assertThat(head.array()).isEqualTo(java.util.Arrays.copyOf(whole.array(), 48));
    assertThat(SegmentFormat.checksumMatches(whole, 0, whole.capacity())).isTrue();
  }

  @Test
  void knownValue() {
    byte[] b = "123456789".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    assertThat(Crc32cCombine.combine(crc(b, 0, 4), crc(b, 4, 9), 5)).isEqualTo(0xE3069283);
    assertThat(Crc32cCombine.combine(crc(b, 0, 9), crc(b, 9, 9), 0)).isEqualTo(0xE3069283);
  }
}
