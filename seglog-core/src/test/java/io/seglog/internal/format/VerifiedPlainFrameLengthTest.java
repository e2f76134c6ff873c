package io.seglog.internal.format;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link SegmentFormat#verifiedPlainFrameLength} against the full decode a load makes ({@code
 * FrameView.load}: the header's bounds, the segment's end, the checksum, type and first index,
 * version 1 flags, records filling the body): on valid frames and on frames damaged in every header
 * and record field, mostly with the checksum made to match again so that the field checks
 * themselves decide. The two must agree on every input (seeded).
 */
class VerifiedPlainFrameLengthTest {
  private static final int MAX_BODY = 4096;

  /** What the full decode accepts: the frame length, or -1. */
  private static int reference(ByteBuffer b, int pos, int limit, int maxBody, long expected) {
    if (limit - pos < SegmentFormat.FRAME_HEADER_BYTES) {
      return -1;
    }
    FrameHeader h;
    try {
      h = SegmentFormat.decodeFrameHeader(b, pos, maxBody, pos);
    } catch (FormatException e) {
      return -1;
    }
    int length = h.frameLength();
    if (length > limit - pos) {
      return -1;
    }
    if (!SegmentFormat.checksumMatches(b, pos, length)) {
      return -1;
    }
    if (h.type() != SegmentFormat.FRAME_RECORDS || h.firstIndex() != expected) {
      return -1;
    }
    try {
      SegmentFormat.checkFlagsAllowed(h, SegmentFormat.VERSION_1, pos);
      SegmentFormat.checkRecordsFit(b, pos, h, pos);
    } catch (FormatException e) {
      return -1;
    }
    return length;
  }

  @Test
  void agreesWithTheFullDecodeOnValidAndDamagedFrames() {
    Random random = new Random(42);
    int accepted = 0;
    int refused = 0;
    for (int round = 0; round < 50_000; round++) {
      int pos = random.nextInt(40);
      ByteBuffer b = ByteBuffer.allocate(pos + 32 + MAX_BODY + 64);
      for (int i = 0; i < b.capacity(); i++) {
        b.put(i, (byte) random.nextInt());
      }
      long first = random.nextInt(4) == 0 ? 0 : 1 + random.nextInt(1 << 20);
      int count = 1 + random.nextInt(8);
      int p = pos + SegmentFormat.FRAME_HEADER_BYTES;
      for (int i = 0; i < count; i++) {
        int len = random.nextInt(4) == 0 ? 0 : random.nextInt(MAX_BODY / 16);
        SegmentFormat.putRecordHeaderAt(b, p, random.nextLong(), len, random.nextInt(1 << 16));
        p += SegmentFormat.RECORD_HEADER_BYTES + len;
      }
      int end = p;
      long synced = first - 1 - random.nextInt(3);
      SegmentFormat.putFrameHeader(
          b, pos, end, SegmentFormat.FRAME_RECORDS, 0, count, first, synced);
      SegmentFormat.putFrameChecksum(b, pos, end);
      int damage = random.nextInt(3) == 0 ? 0 : 1 + random.nextInt(3);
      for (int d = 0; d < damage; d++) {
        damage(b, pos, end, count, random);
      }
      if (random.nextInt(10) != 0) {
        int body = b.getInt(pos + 4);
        long frameEnd = (long) pos + 32 + body;
        if (body >= 0 && frameEnd <= b.capacity()) {
          SegmentFormat.putFrameChecksum(b, pos, (int) frameEnd);
        }
      }
      int limit;
      switch (random.nextInt(4)) {
        case 0 -> limit = end;
        case 1 -> limit = Math.max(pos, end - 1 - random.nextInt(40));
        case 2 -> limit = pos + random.nextInt(40);
        default -> limit = b.capacity();
      }
      limit = Math.min(limit, b.capacity());
      b.limit(limit);
      long expected = random.nextInt(10) == 0 ? first + 1 : first;
      int maxBody = random.nextInt(10) == 0 ? Math.max(0, end - pos - 32 - 1) : MAX_BODY;
      int want = reference(b, pos, limit, maxBody, expected);
      int got = SegmentFormat.verifiedPlainFrameLength(b, pos, limit, maxBody, expected);
      assertThat(got).as("round %d", round).isEqualTo(want);
      if (want >= 0) {
        accepted++;
      } else {
        refused++;
      }
    }
    assertThat(accepted).isGreaterThan(2_000);
    assertThat(refused).isGreaterThan(2_000);
  }

  private static void damage(ByteBuffer b, int pos, int end, int count, Random random) {
    int body = end - pos - 32;
    int[] extremes = {
      -1, Integer.MIN_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE - 31, MAX_BODY, MAX_BODY + 1, 0
    };
    switch (random.nextInt(12)) {
      case 0 ->
          b.putInt(
              pos + 4,
              random.nextBoolean()
                  ? extremes[random.nextInt(extremes.length)]
                  : body + random.nextInt(33) - 16);
      case 1 -> b.put(pos + 8, (byte) random.nextInt(5));
      case 2 -> b.put(pos + 9, (byte) (random.nextBoolean() ? 1 << random.nextInt(8) : 0));
      case 3 ->
          b.putInt(
              pos + 12,
              random.nextBoolean()
                  ? extremes[random.nextInt(extremes.length)]
                  : count + random.nextInt(5) - 2);
      case 4 -> b.putLong(pos + 16, random.nextBoolean() ? -1 : b.getLong(pos + 16) + 1);
      case 5 -> b.putLong(pos + 24, b.getLong(pos + 16) + random.nextInt(3) - 1);
      case 6 -> b.putLong(pos + 24, random.nextBoolean() ? Long.MIN_VALUE : Long.MAX_VALUE);
      case 7, 8 -> {
        // a record's length field
        int p = pos + 32;
        int k = random.nextInt(count);
        for (int i = 0; i < k && p + 16 <= end; i++) {
          p += 16 + Math.max(0, b.getInt(p + 8));
          if (p < 0 || p + 16 > end) {
            return;
          }
        }
        int len = b.getInt(p + 8);
        b.putInt(
            p + 8,
            random.nextBoolean()
                ? extremes[random.nextInt(extremes.length)]
                : len + random.nextInt(33) - 16);
      }
      case 9 -> b.put(pos + 10 + random.nextInt(2), (byte) random.nextInt());
      case 10 -> b.put(pos + random.nextInt(Math.max(1, body + 32)), (byte) random.nextInt());
      default -> b.putInt(pos + 4, body - 16 * (1 + random.nextInt(2))); // drop a tail
    }
  }
}
