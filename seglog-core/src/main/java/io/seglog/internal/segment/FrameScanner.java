package io.seglog.internal.segment;

import io.seglog.CorruptLogException;
import io.seglog.internal.codec.FrameDecoder;
import io.seglog.internal.format.CheckpointFormat;
import io.seglog.internal.format.FormatException;
import io.seglog.internal.format.FrameEnvelope;
import io.seglog.internal.format.FrameHeader;
import io.seglog.internal.format.SegmentFormat;
import io.seglog.internal.format.Trailer;
import io.seglog.internal.io.FileHandle;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.UUID;

/**
 * Scans the frames of a segment sequentially, verifying each one's checksum and that indices are
 * contiguous, and stops at the first damage or at the trailer. Used by recovery, by index rebuilds
 * and by verification. Not thread-safe; one scanner per scan.
 *
 * <p>Coded frames (compressed or encrypted, version 2 segments) are checked without their codec or
 * key: checksum, envelope fields, and the timestamps the envelope states. Their records are only
 * decoded, authenticated and checked when a decoder is given ({@link #decodeWith}).
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

    /** Valid coded frames found (compressed and/or encrypted). */
    public long codedFrames;

    /** Valid encrypted frames found; their payloads were authenticated only with a decoder. */
    public long encryptedFrames;

    public boolean clean() {
      return damage == null;
    }
  }

  private final FileHandle file;
  private final long fileSize;
  private final int maxBody;
  private final FileWindow window;
  private int segmentVersion = -1; // read from the file's header on first scan
  private FrameDecoder decoder;
  private UUID logId;
  private Path path;
  private ByteBuffer decoded;
  private Boolean checkpointsAllowed; // null: as the segment's format version says

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
   * Also decodes every coded frame with {@code decoder}, so that encrypted ones are authenticated
   * and the records of every one are checked. A failure is damage at the frame; a missing or wrong
   * key throws {@link io.seglog.EncryptionKeyException}.
   */
  public FrameScanner decodeWith(FrameDecoder decoder, UUID logId, Path path) {
    this.decoder = decoder;
    this.logId = logId;
    this.path = path;
    return this;
  }

  private int segmentVersion() throws IOException {
    if (segmentVersion < 0) {
      segmentVersion = SegmentFormat.VERSION;
      if (fileSize >= SegmentFormat.HEADER_BYTES) {
        ByteBuffer b = ByteBuffer.allocate(2);
        file.readFully(b, SegmentFormat.HEADER_VERSION_OFFSET);
        segmentVersion = Short.toUnsignedInt(b.getShort(0));
      }
    }
    return segmentVersion;
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
          boolean allowed =
              checkpointsAllowed != null
                  ? checkpointsAllowed
                  : segmentVersion() >= SegmentFormat.VERSION_2;
          if (!allowed) {
            throw new FormatException(pos, "checkpoint frame in a version 1 segment");
          }
          CheckpointFormat.decodeChunk(b, off, h, pos);
          r.checkpointFrames++;
          pos += length;
          continue;
        }
        SegmentFormat.checkFlagsAllowed(h, segmentVersion(), pos);
        long frameMax = Long.MIN_VALUE;
        if (h.coded()) {
          FrameEnvelope.Fields f =
              FrameEnvelope.read(
                  b, off + SegmentFormat.FRAME_HEADER_BYTES, h.bodyLength(), h, maxBody, pos);
          if (decoder != null) {
            try {
              decoded = decoder.decode(b, off, h, maxBody, logId, path, pos, decoded);
            } catch (CorruptLogException e) {
              throw new FormatException(pos, e.getMessage());
            }
          }
          r.minTimestamp = Math.min(r.minTimestamp, f.minTimestamp());
          r.maxTimestamp = Math.max(r.maxTimestamp, f.maxTimestamp());
          frameMax = f.maxTimestamp();
          r.codedFrames++;
          if ((h.flags() & SegmentFormat.FLAG_ENCRYPTED) != 0) {
            r.encryptedFrames++;
          }
        } else {
          SegmentFormat.checkRecordsFit(b, off, h, pos);
          int p = off + SegmentFormat.FRAME_HEADER_BYTES;
          for (int i = 0; i < h.recordCount(); i++) {
            long ts = SegmentFormat.recordTimestamp(b, p);
            r.minTimestamp = Math.min(r.minTimestamp, ts);
            r.maxTimestamp = Math.max(r.maxTimestamp, ts);
            frameMax = Math.max(frameMax, ts);
            p += SegmentFormat.RECORD_HEADER_BYTES + SegmentFormat.recordLength(b, p);
          }
        }
        if (next + h.recordCount() - baseIndex > SegmentFormat.MAX_SEGMENT_RECORDS) {
          throw new FormatException(
              pos, "segment holds more than " + SegmentFormat.MAX_SEGMENT_RECORDS + " records");
        }
        if (index != null) {
          index.add((int) (next - baseIndex), (int) pos, frameMax);
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
    long limitIndex = nextAtDamage + maxRecordsIn(fileSize - damageAt); // no frame starts beyond
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

  /**
   * An upper bound of the records {@code bytes} of this segment can hold. A plain record takes at
   * least 16 bytes; a coded frame (version 2) may hold up to {@code maxBody / 16} records in as few
   * as 52 bytes (a compressed batch of empty records), so there it is per frame, not per byte.
   */
  private long maxRecordsIn(long bytes) throws IOException {
    if (segmentVersion() < SegmentFormat.VERSION_2) {
      return bytes;
    }
    long frames = bytes / (SegmentFormat.FRAME_HEADER_BYTES + FrameEnvelope.PLAIN_HEADER_BYTES) + 1;
    return frames * (maxBody / SegmentFormat.RECORD_HEADER_BYTES + 1);
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
