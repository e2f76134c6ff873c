package io.seglog.internal.segment;

import io.seglog.Record;
import io.seglog.internal.codec.FrameDecoder;
import io.seglog.internal.format.SegmentFormat;
import io.seglog.internal.format.SegmentHeader;
import io.seglog.internal.io.FileIO;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.UUID;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.I_Result;

/**
 * Publication of a new record to readers: the writer appends a frame to the active segment (bytes
 * written, then size, frame index entry and {@code nextIndex} published); a reader that sees the
 * record in {@code nextIndex} must read it whole, checksum and bytes included, never a torn or
 * empty frame. The file is a plain byte array, so only seglog's own publication orders the bytes.
 */
@JCStressTest
@Outcome(id = "0", expect = Expect.ACCEPTABLE, desc = "record not published yet")
@Outcome(id = "1", expect = Expect.ACCEPTABLE, desc = "record published and read whole")
@Outcome(expect = Expect.FORBIDDEN, desc = "published but read torn, wrong or failing")
@State
public class RecordPublicationTest {
  private static final Path PATH = Path.of("00000000000000000001.seg");
  private static final int MAX_BODY = 1 << 20;
  private static final byte[] PAYLOAD = payload();
  private static final SegmentHeader HEADER =
      new SegmentHeader(
          SegmentFormat.VERSION, new UUID(1, 2), 0, 1, 0, new byte[SegmentFormat.DIGEST_BYTES]);

  private final Segment segment =
      new Segment(
          PATH,
          HEADER,
          new MemoryFileHandle(4096),
          new Segment.Context(
              MAX_BODY,
              s -> null,
              new IndexCache(1 << 20, 16),
              null, // an active segment keeps its handle: never reopened
              FileIO.Mode.READ,
              new HandlePool(16),
              (s, t) -> 0,
              FrameDecoder.WITHOUT_KEYS),
          new FrameIndex(16),
          SegmentFormat.HEADER_BYTES,
          1,
          null,
          0,
          Long.MAX_VALUE,
          -1);
  private final ByteBuffer frame = frame();
  private final FrameView view = new FrameView(true);

  private static byte[] payload() {
    byte[] p = new byte[200];
    for (int i = 0; i < p.length; i++) {
      p[i] = (byte) (i * 7 + 1);
    }
    return p;
  }

  private static ByteBuffer frame() {
    int length = (int) SegmentFormat.recordsFrameLength(1, PAYLOAD.length);
    ByteBuffer b = ByteBuffer.allocate(length);
    b.position(SegmentFormat.FRAME_HEADER_BYTES);
    SegmentFormat.putRecordHeader(b, 42, PAYLOAD.length, 3);
    b.put(PAYLOAD);
    SegmentFormat.sealFrame(b, 0, length, SegmentFormat.FRAME_RECORDS, 1, 1, 0);
    return b.flip();
  }

  @Actor
  public void writer() {
    try {
      segment.append(frame, 1, 1, 42, 42);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Actor
  public void reader(I_Result r) {
    if (segment.nextIndex() <= 1) {
      r.r1 = 0;
      return;
    }
    try {
      Record rec = segment.read(1, view);
      boolean whole =
          rec.index() == 1
              && rec.timestamp() == 42
              && rec.type() == 3
              && java.util.Arrays.equals(rec.payloadBytes(), PAYLOAD);
      r.r1 = whole ? 1 : 2;
    } catch (Exception | AssertionError e) {
      r.r1 = 3;
    }
  }
}
