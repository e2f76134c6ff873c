package io.seglog.internal.checkpoint;

import io.seglog.LogConfig;
import io.seglog.internal.format.CheckpointFormat;
import io.seglog.internal.format.SegmentFormat;
import io.seglog.internal.log.SegmentedLog;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;

/**
 * The stream a state machine writes its checkpoint to: bytes are gathered into one chunk buffer and
 * written as a chunk frame at the end of the active segment whenever the buffer is full and more
 * bytes come; {@link #finish()} writes the last chunk. Used under the log's append lock only.
 */
final class CheckpointOutput extends OutputStream {
  /** Data bytes per chunk at most: chunk frames stay under 1 MiB. */
  static final int MAX_CHUNK_DATA = (1 << 20) - 64;

  private final SegmentedLog log;
  private final long coveredIndex;
  private final long syncedIndex;
  private final ByteBuffer frame;
  private final int dataStart =
      SegmentFormat.FRAME_HEADER_BYTES + CheckpointFormat.CHUNK_HEADER_BYTES;
  private int sequence;
  private long written; // data bytes in chunks already written
  private boolean finished;

  CheckpointOutput(SegmentedLog log, long coveredIndex, long syncedIndex) {
    this.log = log;
    this.coveredIndex = coveredIndex;
    this.syncedIndex = syncedIndex;
    int data = Math.min(MAX_CHUNK_DATA, log.maxBodyBytes() - CheckpointFormat.CHUNK_HEADER_BYTES);
    if (data < 1) {
      throw new IllegalStateException(
          "the log's frame limit " + log.maxBodyBytes() + " is too small for checkpoint chunks");
    }
    this.frame = ByteBuffer.allocate(dataStart + data);
    frame.position(dataStart);
  }

  @Override
  public void write(int b) throws IOException {
    if (!frame.hasRemaining()) {
      emit(false);
    }
    frame.put((byte) b);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    checkOpen();
    while (len > 0) {
      if (!frame.hasRemaining()) {
        emit(false);
      }
      int n = Math.min(len, frame.remaining());
      frame.put(b, off, n);
      off += n;
      len -= n;
    }
  }

  /**
   * Closing is the log's job ({@link #finish()}): a state machine closing the stream is ignored.
   */
  @Override
  public void close() {}

  /** Writes the last chunk; returns the checkpoint's data bytes. */
  long finish() throws IOException {
    emit(true);
    finished = true;
    return written;
  }

  private void checkOpen() throws IOException {
    if (finished) {
      throw new IOException("checkpoint already finished");
    }
  }

  private void emit(boolean last) throws IOException {
    checkOpen();
    int end = frame.position();
    int data = end - dataStart;
    long segmentSize = log.activeSegment().size();
    if (segmentSize + end > LogConfig.MAX_SEGMENT_BYTES) {
      throw new IOException(
          "checkpoint too large: a checkpoint is kept in one segment, and "
              + (written + data)
              + " bytes would take "
              + log.activeSegment().path().getFileName()
              + " past "
              + LogConfig.MAX_SEGMENT_BYTES
              + " bytes");
    }
    CheckpointFormat.sealChunk(frame, end, sequence, last, written, coveredIndex, syncedIndex);
    frame.position(0).limit(end);
    log.writeUnindexedLocked(frame);
    sequence++;
    written += data;
    frame.clear().position(dataStart);
  }
}
