package io.seglog.internal.log;

import io.seglog.VerifyReport.Finding;
import io.seglog.internal.format.FileNames;
import io.seglog.internal.format.FormatException;
import io.seglog.internal.format.IndexFileFormat;
import io.seglog.internal.format.SegmentFormat;
import io.seglog.internal.io.FileHandle;
import io.seglog.internal.io.FileIO;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.NavigableMap;
import java.util.Set;
import java.util.UUID;

/**
 * Index files whose segment file is missing: proof that segments at the end of the log were lost,
 * or harmless leftovers. Shared by recovery and {@link Verifier}, so both judge alike
 * (docs/FORMAT.md section 6). Stateless.
 *
 * <p>Design note. An index file is only ever written after its segment was fsynced (at a seal, or
 * at a clean close: section 7), so an index file proves that its segment existed, durably, with the
 * records its header counts. Every deletion of a segment deletes its index file first (retention,
 * truncation, and recovery moving a segment aside), so no crash leaves an index file without its
 * segment. An index file whose base index lies beyond the last segment file present is therefore
 * lost acknowledged data (the last segment or segments were deleted), except:
 *
 * <ul>
 *   <li>one above the keep-through index of a pending truncation, which deletes it anyway;
 *   <li>one describing a segment a point-in-time repair moved aside: a side file {@code
 *       N.seg.0.cut} (or {@code N.seg.0-k.cut}) holds a segment header whose checksum is the one
 *       the index file names. seglog before this check renamed the segment before deleting its
 *       index file, so a crash between the two left one.
 * </ul>
 *
 * An index file below the last segment file proves nothing the segments' own links do not check (a
 * missing first segment starts the log after the metadata's first index; a missing middle one is a
 * gap between its neighbours): it is a leftover (for instance of a lazy index load that raced the
 * removal of its segment), which a writable open deletes once the log validated.
 */
final class MissingSegments {
  private MissingSegments() {}

  /**
   * A segment file that is missing but whose index file proves it existed.
   *
   * @param firstIndex the first record the index file proves lost, or {@link Finding#NO_INDEX}
   * @param lastIndex the last one, or {@link Finding#NO_INDEX}
   */
  record Lost(long base, Path segment, Path index, String what, long firstIndex, long lastIndex) {}

  /** What {@link #classify} found: lost segments, and leftover index files (base indices). */
  record Orphans(List<Lost> lost, List<Long> leftovers) {}

  /**
   * Classifies the index files in {@code indexFiles} that have no segment file in {@code
   * segmentFiles} (both by base index).
   *
   * @param logId the log's id, or null when unknown
   * @param firstIndex the log's first index (from the metadata), deciding for a log without segment
   *     files: an index file at or above it proves a lost segment
   * @param keepThrough the keep-through index of a pending truncation, else {@link Long#MAX_VALUE}
   */
  static Orphans classify(
      LogFiles files,
      NavigableMap<Long, Path> segmentFiles,
      Set<Long> indexFiles,
      UUID logId,
      long firstIndex,
      long keepThrough) {
    List<Lost> lost = new ArrayList<>();
    List<Long> leftovers = new ArrayList<>();
    for (long base : indexFiles) {
      if (segmentFiles.containsKey(base)) {
        continue;
      }
      boolean beyondEnd =
          segmentFiles.isEmpty() ? base >= firstIndex : base > segmentFiles.lastKey();
      if (!beyondEnd || base > keepThrough) {
        leftovers.add(base);
        continue;
      }
      IndexFileFormat.IndexFile header;
      String unreadable = null;
      try {
        header = files.readIndexHeader(base);
      } catch (FormatException | IOException e) {
        header = null;
        unreadable = e.getMessage();
      }
      if (header != null && movedAside(files, base, header.segmentHeaderCrc())) {
        leftovers.add(base);
        continue;
      }
      lost.add(lost(files, base, header, unreadable, logId));
    }
    return new Orphans(List.copyOf(lost), List.copyOf(leftovers));
  }

  private static Lost lost(
      LogFiles files, long base, IndexFileFormat.IndexFile header, String unreadable, UUID logId) {
    Path segment = files.segmentPath(base);
    Path index = files.indexPath(base);
    String prefix =
        "segment file is missing, but its index file " + index.getFileName() + " exists";
    if (header == null) {
      return new Lost(
          base,
          segment,
          index,
          prefix + " (unreadable: " + unreadable + "): the segment was lost",
          base,
          Finding.NO_INDEX);
    }
    if (logId != null && !header.logId().equals(logId)) {
      return new Lost(
          base,
          segment,
          index,
          prefix + " and belongs to another log (log id " + header.logId() + ")",
          Finding.NO_INDEX,
          Finding.NO_INDEX);
    }
    String proof = prefix + ", written after an fsync of the segment: it proves the segment held ";
    if (header.recordCount() == 0) {
      return new Lost(
          base, segment, index, proof + "no records", Finding.NO_INDEX, Finding.NO_INDEX);
    }
    long last = base + header.recordCount() - 1;
    return new Lost(
        base,
        segment,
        index,
        proof + "the durable records " + base + " to " + last + ", which are lost",
        base,
        last);
  }

  /** Whether a move-aside side file of segment {@code base} holds the segment the index names. */
  private static boolean movedAside(LogFiles files, long base, int segmentHeaderCrc) {
    FileIO io = files.io();
    Path segment = files.segmentPath(base);
    for (int k = 0; ; k++) {
      Path side = FileNames.cut(segment, 0, k);
      if (!io.exists(side)) {
        return false;
      }
      try (FileHandle h = io.open(side, FileIO.Mode.READ)) {
        if (h.size() >= SegmentFormat.HEADER_BYTES) {
          ByteBuffer b = ByteBuffer.allocate(SegmentFormat.HEADER_BYTES);
          h.readFully(b, 0);
          if (SegmentFormat.headerChecksum(SegmentFormat.decodeHeader(b.flip()))
              == segmentHeaderCrc) {
            return true;
          }
        }
      } catch (FormatException | IOException e) {
        // not a readable segment: explains nothing
      }
    }
  }
}
