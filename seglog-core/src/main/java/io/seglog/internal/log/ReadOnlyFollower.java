package io.seglog.internal.log;

import io.seglog.CorruptLogException;
import io.seglog.internal.format.CheckpointFormat;
import io.seglog.internal.format.FormatException;
import io.seglog.internal.format.FrameEnvelope;
import io.seglog.internal.format.FrameHeader;
import io.seglog.internal.format.SegmentFormat;
import io.seglog.internal.format.SegmentHeader;
import io.seglog.internal.format.Trailer;
import io.seglog.internal.io.FileHandle;
import io.seglog.internal.io.FileIO;
import io.seglog.internal.segment.FrameIndex;
import io.seglog.internal.segment.Segment;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.UUID;

/**
 * Discovers, for a log opened read-only, what the writer (usually another process) appended since:
 * new frames at the end of the last segment and new segments after a roll.
 *
 * <p>Design note. The writer appends a frame with one positional write and seals a segment by
 * appending its trailer, then creates the next segment under a temp name and renames it into place
 * with its header complete. So a frame at the end of the last segment is taken only once it is
 * whole and its CRC32C matches: anything else (a short header, a frame running past the file's end,
 * a checksum mismatch) is a frame not yet fully written, and simply not there yet, never an error.
 * A whole checkpoint frame (a state machine's, version 2) takes no index and is passed over, as
 * recovery's scan does, so the records after it are found. A new segment is taken only after the
 * last one was seen sealed, and only if its header continues the hash chain. A last segment that
 * shrank, or vanished, or whose file is no longer the one open here (deleted and created again
 * under its name: {@link FileIO#fileKey}; the open handle would go on showing the deleted file),
 * was truncated by the writer: reported, so tailers can fail with {@code RecordsGoneException}
 * instead of reading stale bytes. An empty last segment replaced under its name with the same
 * header fields (the writer's recreateEmptySegment) lost nothing: the new file is followed. So was
 * a sealed last segment whose trailer is gone while no next segment continues the chain from it:
 * the writer cut into it between its seal and this log's finding the next segment (a cut unseals
 * the segment, and the next one is created anew, at another index or chained to the new seal),
 * which would otherwise be a wait for a segment that never comes, or a broken hash chain.
 *
 * <p>Not thread-safe: the log calls it under its append lock (which a read-only log uses for
 * nothing else), so one refresh runs at a time and never while the log closes.
 */
final class ReadOnlyFollower {

  /** What a refresh found: the segments (same array if none was added) and the indices. */
  record Found(Segment[] segments, long lastIndex, long syncedIndex, boolean truncated) {}

  private final LogFiles files;
  private final FileIO io;
  private final UUID logId;
  private final int maxBody;
  private final Segment.Context context;
  private final long firstIndex;
  private ByteBuffer buffer = ByteBuffer.allocate(64 << 10);

  ReadOnlyFollower(
      LogFiles files, UUID logId, int maxBody, Segment.Context context, long firstIndex) {
    this.firstIndex = firstIndex;
    this.files = files;
    this.io = files.io();
    this.logId = logId;
    this.maxBody = maxBody;
    this.context = context;
  }

  Found refresh(Segment[] segments) throws IOException {
    Segment[] s = segments;
    long synced = -1;
    if (s.length == 0) { // opened before the writer created its first segment
      Segment first = openNext(null);
      if (first == null) {
        return new Found(s, firstIndex - 1, synced, false);
      }
      s = new Segment[] {first};
    }
    while (true) {
      Segment last = s[s.length - 1];
      if (!last.isSealed()) {
        if (fileReplaced(last)) {
          if (last.recordCount() > 0) {
            return new Found(s, last.nextIndex() - 1, synced, true);
          }
          // Nothing was taken from it. The writer replaces an empty segment by one with the same
          // name, sequence and chain link (recreateEmptySegment, at its open): follow the new file.
          // Anything else there, or nothing, is a cut.
          SegmentHeader h = last.header();
          Segment replaced;
          try {
            replaced = open(h.baseIndex(), h.sequence(), h.previousDigest());
          } catch (CorruptLogException e) {
            replaced = null;
          }
          if (replaced == null) {
            return new Found(s, last.nextIndex() - 1, synced, true);
          }
          last.close();
          s = s == segments ? s.clone() : s;
          s[s.length - 1] = replaced;
          last = replaced;
        }
        long fileSize = last.handle().size();
        if (fileSize < last.size() || lastFrameReplaced(last)) {
          return new Found(s, last.nextIndex() - 1, synced, true);
        }
        synced = Math.max(synced, scan(last, fileSize));
        if (!last.isSealed()) {
          return new Found(s, last.nextIndex() - 1, synced, false);
        }
      }
      Segment next;
      try {
        next = openNext(last);
      } catch (CorruptLogException e) {
        if (sealUndone(last)) { // the next segment chains to the cut segment's new seal
          return new Found(s, last.nextIndex() - 1, synced, true);
        }
        throw e;
      }
      if (next == null) {
        // Not created yet, or the writer cut into the sealed segment meanwhile, and the next one,
        // if any, starts at another index now.
        return new Found(s, last.nextIndex() - 1, synced, sealUndone(last));
      }
      s = Arrays.copyOf(s, s.length + 1);
      s[s.length - 1] = next;
    }
  }

  /**
   * Takes the whole, valid frames after {@code segment}'s known end and publishes them on the
   * segment; returns the highest synced index their headers carry (-1 if none).
   */
  private long scan(Segment segment, long fileSize) throws IOException {
    long pos = segment.size();
    long next = segment.nextIndex();
    long base = segment.baseIndex();
    FrameIndex index = segment.frameIndex();
    long synced = -1;
    long minTs = Long.MAX_VALUE;
    long maxTs = -1;
    int frames = 0;
    Trailer trailer = null;
    while (fileSize - pos >= SegmentFormat.FRAME_HEADER_BYTES) {
      FrameHeader h;
      ByteBuffer b = read(segment.handle(), pos, SegmentFormat.FRAME_HEADER_BYTES);
      try {
        h = SegmentFormat.decodeFrameHeader(b, 0, maxBody, pos);
      } catch (FormatException e) {
        break; // not yet written (or torn): not there yet
      }
      int length = h.frameLength();
      if (length > fileSize - pos || h.firstIndex() != next) {
        break;
      }
      b = read(segment.handle(), pos, length);
      if (!SegmentFormat.checksumMatches(b, 0, length)) {
        break;
      }
      synced = Math.max(synced, h.syncedIndex());
      if (h.type() == SegmentFormat.FRAME_TRAILER) {
        trailer = SegmentFormat.decodeTrailer(b, 0, h);
        pos += length;
        break;
      }
      if (h.type() == SegmentFormat.FRAME_CHECKPOINT
          && segment.header().version() >= SegmentFormat.VERSION_2) {
        // A state machine's checkpoint chunk (issue 6): it takes no index, as in recovery's scan.
        try {
          CheckpointFormat.decodeChunk(b, 0, h, pos);
        } catch (FormatException e) {
          break;
        }
        pos += length;
        continue;
      }
      if (h.type() != SegmentFormat.FRAME_RECORDS) {
        break;
      }
      long frameMax = Long.MIN_VALUE;
      try {
        SegmentFormat.checkFlagsAllowed(h, segment.header().version(), pos);
        if (h.coded()) {
          // Compressed or encrypted (FORMAT.md 3.5): the envelope carries the time range in clear;
          // the records are decoded, and authenticated, when read.
          FrameEnvelope.Fields f =
              FrameEnvelope.read(
                  b, SegmentFormat.FRAME_HEADER_BYTES, h.bodyLength(), h, maxBody, pos);
          minTs = Math.min(minTs, f.minTimestamp());
          maxTs = Math.max(maxTs, f.maxTimestamp());
          frameMax = f.maxTimestamp();
        } else {
          SegmentFormat.checkRecordsFit(b, 0, h, pos);
          int p = SegmentFormat.FRAME_HEADER_BYTES;
          for (int i = 0; i < h.recordCount(); i++) {
            long ts = SegmentFormat.recordTimestamp(b, p);
            minTs = Math.min(minTs, ts);
            maxTs = Math.max(maxTs, ts);
            frameMax = Math.max(frameMax, ts);
            p += SegmentFormat.RECORD_HEADER_BYTES + SegmentFormat.recordLength(b, p);
          }
        }
      } catch (FormatException e) {
        break;
      }
      index.add((int) (next - base), (int) pos, frameMax);
      remember(segment, pos, b);
      next += h.recordCount();
      frames++;
      pos += length;
    }
    if (pos != segment.size()) {
      segment.publishDiscovered(pos, next, frames, minTs, maxTs, trailer);
      if (trailer != null) {
        synced = Math.max(synced, next - 1); // sealing fsyncs the whole segment
        segment.releaseIndexToCache();
        segment.releaseHandleToPool(); // sealed: its file is one of the capped ones now
      }
    }
    return synced;
  }

  /**
   * The segment after sealed {@code last} (or the log's first segment when null), if the writer
   * created it; null if not yet.
   */
  private Segment openNext(Segment last) throws IOException {
    long base = last == null ? firstIndex : last.nextIndex();
    long sequence = last == null ? 0 : last.header().sequence() + 1;
    byte[] previousDigest =
        last == null ? new byte[SegmentFormat.DIGEST_BYTES] : last.trailer().digest();
    return open(base, sequence, previousDigest);
  }

  /**
   * The segment at {@code base} with that sequence and chain link, if its file is there; null if
   * not.
   *
   * @throws CorruptLogException if the file there has another header
   */
  private Segment open(long base, long sequence, byte[] previousDigest) throws IOException {
    Path path = files.segmentPath(base);
    // Read before the open: a file replaced in between is then reported as replaced (a cut, which
    // it is), never taken for the one opened.
    Object fileKey = io.fileKey(path);
    if (fileKey == null && !io.exists(path)) { // a key: the file is there
      return null;
    }
    FileHandle handle = io.open(path, FileIO.Mode.READ);
    try {
      SegmentHeader h;
      try {
        h = SegmentFormat.decodeHeader(read(handle, 0, SegmentFormat.HEADER_BYTES));
      } catch (FormatException e) {
        throw new CorruptLogException(path, e.offset(), e.getMessage());
      }
      String bad = null;
      if (!h.logId().equals(logId)) {
        bad = "segment belongs to another log (log id " + h.logId() + ")";
      } else if (h.baseIndex() != base) {
        bad = "segment header says base index " + h.baseIndex() + ", expected " + base;
      } else if (h.sequence() != sequence) {
        bad = "segment sequence " + h.sequence() + ", expected " + sequence;
      } else if (!Arrays.equals(h.previousDigest(), previousDigest)) {
        bad = "hash chain broken: previous-segment digest does not match the segment before";
      }
      if (bad != null) {
        throw new CorruptLogException(path, 0, bad);
      }
      Segment segment =
          new Segment(
              path,
              h,
              handle,
              context,
              new FrameIndex(1024),
              SegmentFormat.HEADER_BYTES,
              h.baseIndex(),
              null,
              0,
              Long.MAX_VALUE,
              -1);
      remember(segment, fileKey);
      return segment;
    } catch (IOException | RuntimeException e) {
      LogFiles.closeQuietly(handle, e);
      throw e;
    }
  }

  // The header of the last records frame known in the unsealed last segment, as first read: a
  // writer's truncateAfter rewrites or removes that frame, even when its appends since have grown
  // the file past the size known here (FORMAT.md: the CRC in the header covers the whole frame).
  private Segment lastFrameSegment;
  private long lastFramePosition = -1;
  private final byte[] lastFrameHeader = new byte[SegmentFormat.FRAME_HEADER_BYTES];

  /**
   * At open: remembers the last frame of the unsealed last segment recovery found, so that the
   * first refresh can tell whether the writer cut it meanwhile.
   */
  void start(Segment[] segments) throws IOException {
    if (segments.length > 0 && !segments[segments.length - 1].isSealed()) {
      Segment last = segments[segments.length - 1];
      remember(last, io.fileKey(last.path()));
      lastFrameReplaced(last);
    }
  }

  // The file identity (FileIO#fileKey) of the unsealed last segment's file when it was opened (or,
  // for the segment recovery opened, when this follower started): null if the FileIO cannot tell.
  private Segment keyedSegment;
  private Object keyedFile;

  private void remember(Segment segment, Object fileKey) {
    keyedSegment = segment;
    keyedFile = fileKey;
  }

  /**
   * Whether the file at unsealed {@code segment}'s path is gone, or no longer the file this log has
   * open: the writer cut the segment away, and may have created another under the same name since,
   * which the open handle, still on the deleted file, would never show (its size and frames look
   * unchanged). Compares file identities where the FileIO tells them, else only looks whether the
   * file is there.
   */
  private boolean fileReplaced(Segment segment) throws IOException {
    Object key = io.fileKey(segment.path());
    if (keyedSegment != segment) {
      remember(segment, key); // first look: nothing to compare with
    } else if (keyedFile != null) {
      return !keyedFile.equals(key);
    }
    return key == null && !io.exists(segment.path());
  }

  private void remember(Segment segment, long position, ByteBuffer frame) {
    lastFrameSegment = segment;
    lastFramePosition = position;
    frame.get(0, lastFrameHeader);
  }

  /**
   * Whether the last records frame known in {@code segment} is no longer the one first read there
   * (the writer cut it away). The first look at a segment only remembers it.
   */
  private boolean lastFrameReplaced(Segment segment) throws IOException {
    FrameIndex fi = segment.frameIndex();
    int n = fi.count();
    if (n == 0) {
      return false;
    }
    long position = fi.position(n - 1);
    ByteBuffer b = read(segment.handle(), position, SegmentFormat.FRAME_HEADER_BYTES);
    if (lastFrameSegment != segment || lastFramePosition != position) {
      remember(segment, position, b);
      return false;
    }
    return !b.equals(ByteBuffer.wrap(lastFrameHeader));
  }

  /**
   * Whether sealed {@code segment}'s trailer is no longer where it was sealed: the writer cut into
   * the segment (a cut unseals it and rewrites its end), so records this log took are gone.
   */
  private boolean sealUndone(Segment segment) throws IOException {
    Segment.SharedHandle h;
    try {
      h = segment.acquire();
    } catch (CorruptLogException e) {
      return true; // reopened after eviction: the file is no longer the sealed length
    }
    try {
      FileHandle file = h.file();
      long end = segment.size();
      if (file.size() < end) {
        return true;
      }
      long at = end - SegmentFormat.TRAILER_FRAME_BYTES;
      ByteBuffer b = read(file, at, SegmentFormat.TRAILER_FRAME_BYTES);
      FrameHeader header;
      try {
        header = SegmentFormat.decodeFrameHeader(b, 0, maxBody, at);
      } catch (FormatException e) {
        return true;
      }
      return header.type() != SegmentFormat.FRAME_TRAILER
          || header.frameLength() != SegmentFormat.TRAILER_FRAME_BYTES
          || !SegmentFormat.checksumMatches(b, 0, SegmentFormat.TRAILER_FRAME_BYTES)
          || !Arrays.equals(
              SegmentFormat.decodeTrailer(b, 0, header).digest(), segment.trailer().digest());
    } finally {
      h.release();
    }
  }

  private ByteBuffer read(FileHandle handle, long position, int length) throws IOException {
    if (buffer.capacity() < length) {
      buffer = ByteBuffer.allocate(length);
    }
    buffer.clear().limit(length);
    handle.readFully(buffer, position);
    return buffer.flip();
  }
}
