package io.seglog.internal.checkpoint;

import io.seglog.CorruptLogException;
import io.seglog.internal.format.CheckpointFormat;
import io.seglog.internal.format.FormatException;
import io.seglog.internal.format.FrameHeader;
import io.seglog.internal.format.SegmentFormat;
import io.seglog.internal.segment.FileWindow;
import io.seglog.internal.segment.Segment;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;

/**
 * The data of one checkpoint, read chunk frame by chunk frame from its segment: each frame's
 * checksum is verified before any of its bytes is handed out, and only one chunk is in memory.
 */
final class CheckpointInput extends InputStream {
  private final Segment segment;
  private final int maxBody;
  private final long index;
  private final Segment.ReadReference file; // released in close()
  private boolean closed;
  private final FileWindow window;
  private long pos;
  private ByteBuffer chunk; // the current chunk's data, or null before the first
  private int nextSequence;
  private long offset;
  private boolean done;

  CheckpointInput(Segment segment, int maxBody, long offset, long index) throws IOException {
    this.segment = segment;
    this.maxBody = maxBody;
    this.index = index;
    this.pos = offset;
    this.file = segment.openForReading();
    this.window = new FileWindow(file.file(), segment.framesEnd());
  }

  @Override
  public void close() throws IOException {
    if (!closed) {
      closed = true; // the file reference is given back exactly once
      file.close();
    }
  }

  @Override
  public int read() throws IOException {
    if (!ensureData()) {
      return -1;
    }
    return Byte.toUnsignedInt(chunk.get());
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    if (!ensureData()) {
      return -1;
    }
    int n = Math.min(len, chunk.remaining());
    chunk.get(b, off, n);
    return n;
  }

  private boolean ensureData() throws IOException {
    while (chunk == null || !chunk.hasRemaining()) {
      if (done) {
        return false;
      }
      nextChunk();
    }
    return true;
  }

  private void nextChunk() throws IOException {
    long end = segment.framesEnd();
    try {
      if (end - pos < SegmentFormat.FRAME_HEADER_BYTES) {
        throw new FormatException(pos, "checkpoint ends before its last chunk");
      }
      int off = window.ensure(pos, SegmentFormat.FRAME_HEADER_BYTES);
      FrameHeader h = SegmentFormat.decodeFrameHeader(window.buffer(), off, maxBody, pos);
      int length = h.frameLength();
      if (h.type() != SegmentFormat.FRAME_CHECKPOINT || length > end - pos) {
        throw new FormatException(pos, "checkpoint ends before its last chunk");
      }
      off = window.ensure(pos, length);
      ByteBuffer b = window.buffer();
      if (!SegmentFormat.checksumMatches(b, off, length)) {
        throw new FormatException(pos, "checkpoint chunk frame checksum mismatch");
      }
      CheckpointFormat.Chunk c = CheckpointFormat.decodeChunk(b, off, h, pos);
      if (c.sequence() != nextSequence || h.firstIndex() - 1 != index || c.offset() != offset) {
        throw new FormatException(pos, "checkpoint chunk out of sequence");
      }
      int dataAt = off + SegmentFormat.FRAME_HEADER_BYTES + CheckpointFormat.CHUNK_HEADER_BYTES;
      chunk = b.duplicate().position(dataAt).limit(dataAt + c.dataLength()).slice();
      nextSequence++;
      offset += c.dataLength();
      pos += length;
      done = c.last();
    } catch (FormatException e) {
      throw new CorruptLogException(segment.path(), e.offset(), e.getMessage());
    }
  }
}
