package io.seglog.internal.segment;

import io.seglog.internal.format.CheckpointFormat;
import io.seglog.internal.format.FormatException;
import io.seglog.internal.format.FrameHeader;
import io.seglog.internal.format.SegmentFormat;
import io.seglog.internal.format.Trailer;
import io.seglog.internal.io.FileHandle;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Scans the frames of a segment sequentially, verifying each one's checksum and that indices are
 * contiguous, and stops at the first damage or at the trailer. Used by recovery, by index rebuilds
 * and by verification. Not thread-safe; one scanner per scan.
 *
 * <p>A scan never trusts a length before checking it against the log's maximum body size and the
 * bytes left in the file, so damage can never cause a large allocation.
 */
public final class FrameScanner {

  /** What a scan found. */
  public static final class Result {
    /** End of the last valid frame (the trailer included if found). */
    public long validEnd;

    /** The index after the last valid record. */
    public long nextIndex;

    public long records;

    /** Records frames (checkpoint frames are counted in {@link #checkpointFrames}). */
    public long frames;

    public long checkpointFrames;
    public long minTimestamp = Long.MAX_VALUE;
    public long maxTimestamp = -1;

    /** The trailer, if the scan ended on a valid one. */
    public Trailer trailer;

    /** The first damage, or null when the scan reached the end of the file cleanly. */
    public FormatException damage;

    /**
     * Only when {@link #damage} is set: whether the damage can be an unsynced tail, because no
     * valid frame after it proves it was fsynced.
     */
    public boolean damageIsTail;

    /** Only when {@link #damage} is set: records in the valid frames found after the damage. */
    public long recordsAfterDamage;

    public boolean clean() {
      return damage == null;
    }
  }

  private final FileHandle file;
  private final long fileSize;
  private final int maxBody;
  private final FileWindow window;
  private boolean checkpointsAllowed = true;

  public FrameScanner(FileHandle file, long fileSize, int maxBody) {
    this.file = file;
    this.fileSize = fileSize;
    this.maxBody = maxBody;
    this.window = new FileWindow(file, fileSize);
  }

  /** Whether checkpoint frames are valid in this segment: only from segment format version 2 on. */
  public FrameScanner allowCheckpoints(int segmentVersion) {
    this.checkpointsAllowed = segmentVersion >= 2;
    return this;
  }

  /**
   * Scans from {@code from}, expecting the first frame to start at {@code expectedNext}.
   *
   * @param baseIndex the segment's base index, to compute index entries
   * @param index receives an entry per valid records frame; may be null
   */
  public Result scan(long from, long expectedNext, long baseIndex, FrameIndex index)
      throws IOException {
    Result r = new Result();
    long pos = from;
    long next = expectedNext;
    while (pos < fileSize) {
      try {
        long left = fileSize - pos;
        if (left < SegmentFormat.FRAME_HEADER_BYTES) {
          throw new FormatException(pos, "truncated frame header (" + left + " bytes)");
        }
        ByteBuffer b = window.buffer();
        int off = window.ensure(pos, SegmentFormat.FRAME_HEADER_BYTES);
        b = window.buffer();
        FrameHeader h = SegmentFormat.decodeFrameHeader(b, off, maxBody, pos);
        int length = h.frameLength();
        if (length > left) {
          throw new FormatException(
              pos, "frame of " + length + " bytes runs past the end of the file");
        }
        off = window.ensure(pos, length);
        b = window.buffer();
        if (!SegmentFormat.checksumMatches(b, off, length)) {
          throw new FormatException(pos, "frame checksum mismatch");
        }
        if (h.firstIndex() != next) {
          throw new FormatException(
              pos, "frame starts at index " + h.firstIndex() + ", expected " + next);
        }
        if (h.type() == SegmentFormat.FRAME_TRAILER) {
          r.trailer = SegmentFormat.decodeTrailer(b, off, h);
          pos += length;
          if (pos != fileSize) {
            r.validEnd = pos;
            r.nextIndex = next;
            r.damage = new FormatException(pos, (fileSize - pos) + " bytes after the trailer");
            r.damageIsTail = true;
            return r;
          }
          break;
        }
        if (h.type() == SegmentFormat.FRAME_CHECKPOINT) { // issue 6: never indexed or counted
          if (!checkpointsAllowed) {
            throw new FormatException(pos, "checkpoint frame in a version 1 segment");
          }
          CheckpointFormat.decodeChunk(b, off, h, pos);
          r.checkpointFrames++;
          pos += length;
          continue;
        }
        SegmentFormat.checkRecordsFit(b, off, h, pos);
        int p = off + SegmentFormat.FRAME_HEADER_BYTES;
        for (int i = 0; i < h.recordCount(); i++) {
          long ts = SegmentFormat.recordTimestamp(b, p);
          r.minTimestamp = Math.min(r.minTimestamp, ts);
          r.maxTimestamp = Math.max(r.maxTimestamp, ts);
          p += SegmentFormat.RECORD_HEADER_BYTES + SegmentFormat.recordLength(b, p);
        }
        if (index != null) {
          index.add((int) (next - baseIndex), (int) pos);
        }
        next += h.recordCount();
        r.records += h.recordCount();
        r.frames++;
        pos += length;
      } catch (FormatException e) {
        r.validEnd = pos;
        r.nextIndex = next;
        r.damage = e;
        searchAfterDamage(r, pos, next);
        return r;
      }
    }
    r.validEnd = pos;
    r.nextIndex = next;
    return r;
  }

  /**
   * Looks for valid frames after damage at {@code damageAt}: the damage is an unsynced tail unless
   * one of them carries a synced index at or beyond {@code nextAtDamage}; their records are what a
   * cut there removes. Searches every byte offset, since the damaged frame's own length cannot be
   * trusted; cheap header checks reject almost every offset before a checksum is computed.
   *
   * @param nextAtDamage the index the damaged frame would have started with
   */
  private void searchAfterDamage(Result r, long damageAt, long nextAtDamage) throws IOException {
    long highest = -1;
    long records = 0;
    long limitIndex = nextAtDamage + (fileSize - damageAt); // no frame can start beyond this
    long pos = damageAt + 1;
    while (fileSize - pos >= SegmentFormat.FRAME_HEADER_BYTES) {
      int off = window.ensure(pos, SegmentFormat.FRAME_HEADER_BYTES);
      ByteBuffer b = window.buffer();
      FrameHeader h = plausibleHeader(b, off, pos, nextAtDamage, limitIndex);
      if (h != null && h.frameLength() <= fileSize - pos) {
        off = window.ensure(pos, h.frameLength());
        b = window.buffer();
        if (SegmentFormat.checksumMatches(b, off, h.frameLength())) {
          highest = Math.max(highest, h.syncedIndex());
          records += h.recordCount();
          pos += h.frameLength();
          continue;
        }
      }
      pos++;
    }
    r.damageIsTail = highest < nextAtDamage;
    r.recordsAfterDamage = records;
  }

  private FrameHeader plausibleHeader(
      ByteBuffer b, int off, long pos, long minIndex, long limitIndex) {
    try {
      FrameHeader h = SegmentFormat.decodeFrameHeader(b, off, maxBody, pos);
      return h.firstIndex() >= minIndex && h.firstIndex() <= limitIndex ? h : null;
    } catch (FormatException e) {
      return null;
    }
  }

  /** The file this scanner reads. */
  public FileHandle file() {
    return file;
  }
}
