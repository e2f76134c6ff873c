package io.seglog.internal.log;

import io.seglog.CorruptLogException;
import io.seglog.internal.format.FormatException;
import io.seglog.internal.format.IndexFileFormat;
import io.seglog.internal.format.SegmentFormat;
import io.seglog.internal.format.SegmentHeader;
import io.seglog.internal.format.TimeIndexFormat;
import io.seglog.internal.segment.FrameIndex;
import io.seglog.internal.segment.FrameScanner;
import io.seglog.internal.segment.Segment;
import java.io.IOException;
import java.util.Arrays;
import java.util.UUID;

/**
 * The index files of one log: judging them against their segments, loading them lazily (a {@link
 * Segment.IndexSource}), rebuilding them when missing, damaged or mismatched, and reading the proof
 * of fsync a clean-close index file carries. Index files are derived data: none is ever trusted
 * beyond what it can be checked against. Thread-safe.
 */
final class IndexFiles {
  private final LogFiles files;
  private final UUID logId;
  private final boolean writable;
  private final int maxBody;
  private boolean writesAllowed = true; // @GuardedBy("this")

  IndexFiles(LogFiles files, UUID logId, boolean writable, int maxBody) {
    this.files = files;
    this.logId = logId;
    this.writable = writable;
    this.maxBody = maxBody;
  }

  // ---- the active segment's index file, written at a clean close

  /**
   * How many bytes of the segment its index file proves were fsynced, from the index file's header
   * alone; 0 if there is no index file for this very segment. Both kinds prove their covered bytes
   * (FORMAT.md sections 4 and 9): a clean-close one is written after the close's fsync, a sealed
   * one after the seal's.
   */
  long fsyncedBytesProvenByIndexFile(SegmentHeader header) {
    IndexFileFormat.IndexFile f = indexFileOf(header);
    return f != null ? f.coveredBytes() : 0;
  }

  /**
   * The header of {@code header}'s segment's index file (clean-close or sealed) if it is that
   * segment's; else null. Its covered bytes are {@link #fsyncedBytesProvenByIndexFile}.
   */
  IndexFileFormat.IndexFile indexFileOf(SegmentHeader header) {
    try {
      IndexFileFormat.IndexFile f = files.readIndexHeader(header.baseIndex());
      boolean thisSegment =
          f.logId().equals(header.logId())
              && f.baseIndex() == header.baseIndex()
              && f.segmentHeaderCrc() == SegmentFormat.headerChecksum(header);
      return thisSegment ? f : null;
    } catch (FormatException | IOException e) {
      return null;
    }
  }

  /**
   * The last segment's index file if it is a usable prefix of the segment (written at a clean
   * close), else null. A writable open deletes an unusable one (when {@code deleteUnusable}; else
   * the caller does), so later appends can never make it look valid again; a sealed segment's index
   * file is left for the index check to judge.
   */
  IndexFileFormat.IndexFile activeIndexPrefix(
      SegmentHeader header, long fileSize, boolean deleteUnusable) throws IOException {
    long maxBytes = IndexFileFormat.HEADER_BYTES + 4 + fileSize; // far more than any valid one
    IndexFileFormat.IndexFile f;
    try {
      f = files.readIndex(header.baseIndex(), maxBytes);
    } catch (FormatException e) {
      f = null;
    }
    boolean usable =
        f != null
            && !f.sealed()
            && f.logId().equals(header.logId())
            && f.baseIndex() == header.baseIndex()
            && f.segmentHeaderCrc() == SegmentFormat.headerChecksum(header)
            && startsAtFirstFrame(f)
            && f.coveredBytes() >= SegmentFormat.HEADER_BYTES
            && f.coveredBytes() <= fileSize
            && (f.relIndex().length == 0
                || f.positions()[f.positions().length - 1] < f.coveredBytes());
    if (!usable && writable && deleteUnusable && (f == null || !f.sealed())) {
      files.io().delete(files.indexPath(header.baseIndex()));
    }
    return usable ? f : null;
  }

  private static boolean startsAtFirstFrame(IndexFileFormat.IndexFile f) {
    return f.relIndex().length == 0
        // >=: in a version 2 segment, checkpoint frames may come before the first records frame
        || (f.relIndex()[0] == 0 && f.positions()[0] >= SegmentFormat.HEADER_BYTES);
  }

  // ---- sealed segments' index files

  /**
   * Whether a sealed segment's index file matches it: in full against the segment's index when that
   * is in memory (after a full scan), else by its header and length only (one small read).
   */
  boolean matches(Segment s) throws IOException {
    try {
      if (!s.isIndexLoaded()) {
        return describesSealed(files.readIndexHeader(s.baseIndex()), s);
      }
      IndexFileFormat.IndexFile f = files.readIndex(s.baseIndex(), expectedIndexBytes(s));
      FrameIndex scanned = s.frameIndex();
      if (!describesSealed(f, s) || f.relIndex().length != scanned.count()) {
        return false;
      }
      for (int i = 0; i < scanned.count(); i++) {
        if (f.relIndex()[i] != scanned.relIndex(i) || f.positions()[i] != scanned.position(i)) {
          return false;
        }
      }
      return true;
    } catch (FormatException | IOException e) {
      return false; // missing, unreadable or damaged: derived data, rebuilt
    }
  }

  private boolean describesSealed(IndexFileFormat.IndexFile f, Segment s) {
    return f.sealed()
        && f.logId().equals(logId)
        && f.baseIndex() == s.baseIndex()
        && f.segmentHeaderCrc() == SegmentFormat.headerChecksum(s.header())
        && f.coveredBytes() == s.size()
        && f.recordCount() == s.recordCount();
  }

  private static long expectedIndexBytes(Segment s) {
    return IndexFileFormat.HEADER_BYTES + 4 + IndexFileFormat.ENTRY_BYTES * s.frameCount();
  }

  /**
   * Loads a sealed segment's index lazily (a {@link Segment.IndexSource}): from its index file, or,
   * when that is missing, damaged or does not match the segment, from a scan of the segment (then
   * the index file is written again when writable).
   */
  FrameIndex loadSealedIndex(Segment s) throws IOException {
    try {
      IndexFileFormat.IndexFile f = files.readIndex(s.baseIndex(), expectedIndexBytes(s));
      if (describesSealed(f, s) && startsAtFirstFrame(f) && f.relIndex().length == s.frameCount()) {
        return FrameIndex.of(f.relIndex(), f.positions());
      }
    } catch (FormatException | IOException e) {
      // missing or damaged: derived data, rebuilt below
    }
    FrameIndex index = scanIndex(s);
    synchronized (this) {
      if (writable && writesAllowed && !s.isRetired()) {
        files.writeIndex(s, logId, index, index.count());
        if (s.isRetired()) {
          // Retired while written: the removal (which retires first, then deletes the index file,
          // then the segment) may have deleted the index file before this rename. An index file
          // left without its segment would prove a segment lost (MissingSegments): delete it.
          files.io().delete(files.indexPath(s.baseIndex()));
        }
      }
    }
    return index;
  }

  /**
   * Where a seek for {@code timestamp} starts in a sealed segment (a {@link Segment.TimeSource}):
   * from its time index file when that describes this very segment (header checksum and content
   * digest), else from a scan of the segment, after which the time index file is written again when
   * writable.
   */
  int timeStartSlot(Segment s, long timestamp) throws IOException {
    try {
      TimeIndexFormat.TimeIndexFile f =
          files.readTimeIndex(s.baseIndex(), TimeIndexFormat.fileBytes((int) s.frameCount()));
      int n = f.slots().length;
      if (f.baseIndex() == s.baseIndex()
          && f.segmentHeaderCrc() == SegmentFormat.headerChecksum(s.header())
          && Arrays.equals(f.digest(), s.trailer().digest())
          && n > 0
          && f.slots()[0] == 0
          && f.slots()[n - 1] < s.frameCount()) {
        return FrameIndex.startSlot(f.slots(), f.maxBefore(), n, timestamp);
      }
    } catch (FormatException | IOException e) {
      // missing or damaged: derived data, rebuilt below
    }
    FrameIndex scanned = scanIndex(s);
    synchronized (this) {
      if (writable && writesAllowed) {
        files.writeTimeIndex(s, scanned);
      }
    }
    return scanned.timeStartSlot(timestamp);
  }

  /** After this, lazy index loading only reads: the log is closing and gives up its lock. */
  synchronized void stopWrites() {
    writesAllowed = false;
  }

  /** Rebuilds a sealed segment's index file from its index in memory, or from a scan. */
  void rebuild(Segment s) throws IOException {
    FrameIndex index = s.isIndexLoaded() ? s.frameIndex() : scanIndex(s);
    files.writeIndex(s, logId, index, index.count());
  }

  /** Builds a sealed segment's index by scanning it; its frames must match its trailer. */
  private FrameIndex scanIndex(Segment s) throws IOException {
    FrameIndex index = new FrameIndex((int) Math.min(s.frameCount(), 1 << 20));
    FrameScanner.Result r;
    Segment.SharedHandle h = s.acquire();
    try {
      r =
          new FrameScanner(h.file(), s.size(), maxBody)
              .allowCheckpoints(s.header().version())
              .scan(SegmentFormat.HEADER_BYTES, s.baseIndex(), s.baseIndex(), index);
    } finally {
      h.release();
    }
    if (r.damage != null || r.trailer == null || r.nextIndex != s.nextIndex()) {
      long at = r.damage != null ? r.damage.offset() : r.validEnd;
      throw new CorruptLogException(
          s.path(),
          at,
          r.damage != null ? r.damage.getMessage() : "segment frames do not match its trailer");
    }
    return index;
  }
}
