package io.seglog.internal.log;

import io.seglog.NoSuchLogException;
import io.seglog.ProgressListener;
import io.seglog.SeglogIOException;
import io.seglog.VerifyReport;
import io.seglog.VerifyReport.Finding;
import io.seglog.internal.format.FileNames;
import io.seglog.internal.format.FormatException;
import io.seglog.internal.format.IndexFileFormat;
import io.seglog.internal.format.MetadataFormat;
import io.seglog.internal.format.MetadataFormat.Metadata;
import io.seglog.internal.format.SegmentFormat;
import io.seglog.internal.format.SegmentHeader;
import io.seglog.internal.io.FileHandle;
import io.seglog.internal.io.FileIO;
import io.seglog.internal.segment.FrameIndex;
import io.seglog.internal.segment.FrameScanner;
import io.seglog.internal.segment.Segment;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Read-only verification of a whole log: every header, frame checksum, index contiguity, trailer,
 * digest (the hash chain), index file and the metadata. Unlike recovery it does not stop at the
 * first damage: it reports every finding it can, segment by segment. Opens files read-only and
 * writes nothing. Not thread-safe; one verifier per call.
 */
public final class Verifier {
  private static final long NO_INDEX = Finding.NO_INDEX;

  private final FileIO io;
  private final Path directory;
  private final String expectedDigest;
  private final ProgressListener progress;
  private final List<Finding> findings = new ArrayList<>();

  /**
   * @param expectedDigest a chain anchor that must be the digest of an intact sealed segment, or
   *     null
   */
  public Verifier(FileIO io, Path directory, String expectedDigest) {
    this(io, directory, expectedDigest, ProgressListener.NONE);
  }

  /**
   * @param expectedDigest a chain anchor that must be the digest of an intact sealed segment, or
   *     null
   * @param progress told after each segment file (see {@link ProgressListener})
   */
  public Verifier(FileIO io, Path directory, String expectedDigest, ProgressListener progress) {
    this.io = io;
    this.directory = directory.toAbsolutePath();
    this.expectedDigest = expectedDigest;
    this.progress = java.util.Objects.requireNonNull(progress, "progress");
  }

  /** Runs the verification. */
  public VerifyReport verify() {
    if (!io.exists(directory)) {
      throw new NoSuchLogException("log directory " + directory + " does not exist");
    }
    try {
      return run();
    } catch (IOException e) {
      throw new SeglogIOException("verifying " + directory + " failed", e);
    }
  }

  private VerifyReport run() throws IOException {
    LogFiles files = new LogFiles(directory, io);
    TreeMap<Long, Path> segmentFiles = new TreeMap<>();
    Set<Long> indexFiles = new TreeSet<>();
    for (Path entry : io.list(directory)) {
      String name = entry.getFileName().toString();
      try {
        if (FileNames.isSegment(name)) {
          segmentFiles.put(FileNames.baseIndexOf(name), entry);
        } else if (FileNames.isIndex(name)) {
          indexFiles.add(FileNames.baseIndexOf(name));
        }
      } catch (NumberFormatException e) {
        add(entry, 0, "file-name", "file name is not a valid base index", NO_INDEX, NO_INDEX);
      }
    }
    Metadata metadata = null;
    long keepThrough = Long.MAX_VALUE; // of a pending truncation: it deletes what lies above
    if (!io.exists(files.metadataPath()) && segmentFiles.isEmpty()) {
      throw new NoSuchLogException(
          "no seglog log in " + directory + " (no " + FileNames.METADATA + " and no segments)");
    }
    // Without its metadata the log's extent is unknown: the whole log is affected.
    long firstSegmentBase = segmentFiles.isEmpty() ? NO_INDEX : segmentFiles.firstKey();
    if (!io.exists(files.metadataPath())) {
      add(
          files.metadataPath(),
          -1,
          "metadata",
          "metadata file is missing",
          firstSegmentBase,
          NO_INDEX);
    } else {
      try {
        MetadataFormat.MetadataFile file = files.readMetadataFile();
        metadata = file.metadata();
        if (file.pending() != null) {
          keepThrough = file.pending().keepThrough();
          // Not damage, but the segments may be half cut until a writable open finishes it.
          add(
              files.metadataPath(),
              MetadataFormat.BYTES,
              "pending-truncation",
              "a truncation keeping the records up to "
                  + file.pending().keepThrough()
                  + " was interrupted; a writable open (seglog repair) finishes it");
        }
      } catch (FormatException e) {
        add(
            files.metadataPath(),
            e.offset(),
            "metadata",
            e.getMessage(),
            firstSegmentBase,
            NO_INDEX);
      }
    }
    int maxBody = metadata != null ? metadata.maxBodyBytes() : SegmentFormat.MAX_BODY_BYTES;
    // Without metadata the log's first index is unknown: its segments start the readable range.
    long firstIndex = metadata != null ? metadata.firstIndex() : firstSegmentBase;

    long bytes = 0;
    long records = 0;
    long encryptedFrames = 0;
    long readableEnd = Long.MIN_VALUE; // the index after the intact prefix
    String anchor = null; // digest of the newest sealed segment of the intact prefix
    Set<String> intactDigests = new java.util.HashSet<>();
    boolean prefixIntact = true;
    SegmentHeader prevHeader = null;
    byte[] prevDigest = null;
    long prevNext = -1;
    Path prevPath = null;
    List<Path> paths = new ArrayList<>(segmentFiles.values());
    List<Long> nameBases = new ArrayList<>(segmentFiles.keySet());
    long[] listedSizes = new long[paths.size()];
    long bytesTotal = 0;
    for (int i = 0; i < paths.size(); i++) {
      listedSizes[i] = listedSize(paths.get(i));
      bytesTotal += listedSizes[i];
    }
    long bytesDone = 0;
    if (!paths.isEmpty()) {
      progress.progress(0, bytesTotal);
    }
    for (int i = 0; i < paths.size(); i++) {
      if (i > 0) {
        bytesDone += listedSizes[i - 1];
        progress.progress(bytesDone, bytesTotal);
      }
      Path path = paths.get(i);
      boolean last = i == paths.size() - 1;
      // Damage inside this segment affects its records up to the next segment's base (by name).
      long endOfSegment = last ? NO_INDEX : nameBases.get(i + 1) - 1;
      int before = findings.size();
      try (FileHandle handle = io.open(path, FileIO.Mode.READ)) {
        long size = handle.size();
        bytes += size;
        SegmentHeader h;
        try {
          ByteBuffer b = ByteBuffer.allocate((int) Math.min(size, SegmentFormat.HEADER_BYTES));
          handle.readFully(b, 0);
          h = SegmentFormat.decodeHeader(b.flip());
        } catch (FormatException e) {
          long nameBase = nameBases.get(i);
          add(
              path,
              e.offset(),
              "header",
              e.getMessage(),
              nameBase,
              endOfSegment >= nameBase ? endOfSegment : NO_INDEX);
          prefixIntact = false;
          prevHeader = null;
          continue;
        }
        if (metadata != null && !h.logId().equals(metadata.logId())) {
          add(path, 8, "foreign-segment", "segment belongs to another log (" + h.logId() + ")");
        }
        long nameBase = FileNames.baseIndexOf(path.getFileName().toString());
        if (h.baseIndex() != nameBase) {
          add(
              path,
              32,
              "misnamed",
              "header says base index " + h.baseIndex() + " but the file is named for " + nameBase);
        }
        if (i == 0 && metadata != null && h.baseIndex() > firstIndex) {
          add(
              path,
              32,
              "gap",
              "first segment starts at "
                  + h.baseIndex()
                  + " but the log starts at "
                  + firstIndex
                  + ": segments are missing",
              firstIndex,
              h.baseIndex() - 1);
        }
        if (prevHeader != null) {
          if (h.sequence() != prevHeader.sequence() + 1) {
            add(
                path,
                24,
                "sequence",
                "sequence "
                    + h.sequence()
                    + " does not follow "
                    + prevHeader.sequence()
                    + " of "
                    + prevPath.getFileName());
          }
          if (prevNext >= 0 && h.baseIndex() != prevNext) {
            // Missing indices, or (starting too early) indices the previous segment already holds.
            add(
                path,
                32,
                "gap",
                "starts at index "
                    + h.baseIndex()
                    + " but "
                    + prevPath.getFileName()
                    + " ends before index "
                    + prevNext,
                Math.min(h.baseIndex(), prevNext),
                Math.max(h.baseIndex(), prevNext) - 1);
          }
          if (prevDigest != null && !Arrays.equals(h.previousDigest(), prevDigest)) {
            add(
                path,
                48,
                "chain",
                "previous-segment digest does not match " + prevPath.getFileName());
          }
        }
        // A broken link (gap, sequence, chain, another log's or a misnamed segment) means this
        // segment does not continue the readable prefix at all.
        boolean linked = findings.size() == before;
        FrameIndex index = new FrameIndex(1024);
        FrameScanner.Result r =
            new FrameScanner(handle, size, maxBody)
                .allowCheckpoints(h.version())
                .scan(SegmentFormat.HEADER_BYTES, h.baseIndex(), h.baseIndex(), index);
        records += r.records;
        encryptedFrames += r.encryptedFrames;
        // The records this segment holds: what link, trailer, digest and index-file findings name.
        // After damage they run to the next segment (or, in the last one, to the end of the log).
        long segmentFirst = h.baseIndex();
        long segmentLast =
            r.damage == null
                ? r.nextIndex - 1
                : (endOfSegment >= h.baseIndex() ? endOfSegment : NO_INDEX);
        if (r.damage == null && r.nextIndex == h.baseIndex()) {
          segmentFirst = NO_INDEX; // an empty segment holds no record
          segmentLast = NO_INDEX;
        }
        for (int k = before; k < findings.size(); k++) {
          Finding f = findings.get(k);
          if (!f.affectsRecords()) {
            findings.set(k, withRange(f, segmentFirst, segmentLast));
          }
        }
        // An index file (clean-close, or a sealed last segment's) proves its covered bytes were
        // fsynced: damage below that, or a file shorter than that, is lost durable data, never a
        // torn tail (as recovery judges it).
        long proven =
            last && indexFiles.contains(h.baseIndex())
                ? new IndexFiles(files, h.logId(), false, maxBody).fsyncedBytesProvenByIndexFile(h)
                : 0;
        if (proven > size) {
          add(
              path,
              size,
              "truncated",
              "segment ends at byte "
                  + size
                  + " but its index file,"
                  + " written after an fsync, covers "
                  + proven
                  + " bytes: durable records were lost",
              r.nextIndex,
              provenLastIndex(files, h, r.nextIndex));
        }
        if (r.damage != null) {
          boolean tail = last && r.damageIsTail && r.damage.offset() >= proven;
          add(
              path,
              r.damage.offset(),
              tail ? "torn-tail" : "frame",
              r.damage.getMessage(),
              r.nextIndex,
              endOfSegment >= r.nextIndex ? endOfSegment : NO_INDEX);
        }
        byte[] digest = null;
        if (r.trailer != null) {
          long trailerAt = r.validEnd - SegmentFormat.TRAILER_FRAME_BYTES;
          if (r.trailer.recordCount() != r.nextIndex - h.baseIndex()
              || r.trailer.frameCount() != r.frames) {
            add(
                path,
                trailerAt,
                "trailer",
                "trailer counts do not match the frames",
                segmentFirst,
                segmentLast);
          }
          digest = Segment.digest(handle, trailerAt);
          if (!Arrays.equals(digest, r.trailer.digest())) {
            add(
                path,
                trailerAt,
                "digest",
                "segment digest does not match its trailer",
                segmentFirst,
                segmentLast);
          }
        } else if (!last && r.damage == null) {
          add(
              path,
              size,
              "trailer",
              "segment is not sealed but another segment follows it",
              segmentFirst,
              segmentLast);
        }
        if (indexFiles.contains(h.baseIndex()) && r.damage == null) {
          checkIndexFile(files, h, r, index, segmentFirst, segmentLast);
        }
        prefixIntact &= linked;
        if (prefixIntact) {
          readableEnd = r.nextIndex;
        }
        // Index files are derived and rebuilt on open: their damage does not end the prefix.
        prefixIntact &=
            findings.subList(before, findings.size()).stream()
                .allMatch(f -> f.kind().equals("index-file"));
        if (prefixIntact && r.trailer != null) {
          anchor = HexFormat.of().formatHex(digest);
          intactDigests.add(anchor);
        }
        prevHeader = h;
        prevDigest = digest;
        // After damage the segment's true end is unknown: do not report the next one as a gap.
        prevNext = r.damage == null ? r.nextIndex : -1;
        prevPath = path;
      }
    }
    if (!paths.isEmpty()) {
      progress.progress(bytesTotal, bytesTotal);
    }
    // Index files beyond the last segment file: segments written and fsynced, now missing.
    for (MissingSegments.Lost lost :
        MissingSegments.classify(
                files,
                segmentFiles,
                indexFiles,
                metadata != null ? metadata.logId() : null,
                firstIndex,
                keepThrough)
            .lost()) {
      add(
          lost.segment(),
          -1,
          "missing-segment",
          lost.what(),
          lost.firstIndex(),
          lost.lastIndex()); // NO_INDEX where the index file does not tell
    }
    if (readableEnd == Long.MIN_VALUE) {
      readableEnd = firstIndex;
    }
    if (expectedDigest != null && !intactDigests.contains(expectedDigest.toLowerCase())) {
      add(
          directory,
          -1,
          "anchor",
          "expected chain digest "
              + expectedDigest
              + " is not the digest of any intact sealed segment: segments up to it were"
              + " changed, deleted or replaced, or it belongs to another log",
          firstIndex >= 0 ? firstIndex : firstSegmentBase,
          NO_INDEX);
    }
    return new VerifyReport(
        directory,
        firstIndex,
        readableEnd - 1,
        paths.size(),
        bytes,
        records,
        findings,
        anchor,
        encryptedFrames);
  }

  private void checkIndexFile(
      LogFiles files,
      SegmentHeader h,
      FrameScanner.Result r,
      FrameIndex scanned,
      long segmentFirst,
      long segmentLast)
      throws IOException {
    Path path = files.indexPath(h.baseIndex());
    IndexFileFormat.IndexFile f;
    try {
      f =
          files.readIndex(
              h.baseIndex(),
              IndexFileFormat.HEADER_BYTES
                  + 4
                  + (long) IndexFileFormat.ENTRY_BYTES * (scanned.count() + 1));
    } catch (FormatException e) {
      add(path, e.offset(), "index-file", e.getMessage(), segmentFirst, segmentLast);
      return;
    }
    String problem = null;
    if (f.baseIndex() != h.baseIndex() || f.segmentHeaderCrc() != SegmentFormat.headerChecksum(h)) {
      problem = "index file belongs to another segment";
    } else if (f.sealed() != (r.trailer != null) && f.sealed()) {
      problem = "index file says sealed but the segment has no valid trailer";
    } else if (f.relIndex().length > scanned.count() || f.coveredBytes() > r.validEnd) {
      problem = "index file covers more than the segment holds";
    } else {
      for (int i = 0; i < f.relIndex().length; i++) {
        if (f.relIndex()[i] != scanned.relIndex(i) || f.positions()[i] != scanned.position(i)) {
          problem = "index entry " + i + " does not match frame at byte " + scanned.position(i);
          break;
        }
      }
    }
    if (problem != null) {
      add(
          path,
          -1,
          "index-file",
          problem + " (derived data: rebuilt on open)",
          segmentFirst,
          segmentLast);
    }
  }

  /**
   * The last index a (clean-close) index file of the last segment proves was fsynced, or {@link
   * Finding#NO_INDEX} (open-ended) when its header cannot be read.
   */
  private static long provenLastIndex(LogFiles files, SegmentHeader h, long nextIndex) {
    try {
      long last = h.baseIndex() + files.readIndexHeader(h.baseIndex()).recordCount() - 1;
      return last >= nextIndex ? last : NO_INDEX;
    } catch (FormatException | IOException e) {
      return NO_INDEX;
    }
  }

  /** A segment file's size as listed, for progress; 0 if it cannot be read (reported later). */
  private long listedSize(Path segment) {
    try (FileHandle handle = io.open(segment, FileIO.Mode.READ)) {
      return handle.size();
    } catch (IOException e) {
      return 0;
    }
  }

  private static Finding withRange(Finding f, long first, long last) {
    return new Finding(
        f.file(), f.offset(), f.kind(), f.message(), first, first == NO_INDEX ? NO_INDEX : last);
  }

  /**
   * Adds a finding affecting indices {@code first..last}; see {@link Finding} for {@link
   * Finding#NO_INDEX}. Link findings (added before the segment is scanned) are added without a
   * range and given the segment's records once it is.
   */
  private void add(Path file, long offset, String kind, String message, long first, long last) {
    findings.add(new Finding(file, offset, kind, message, first, last));
  }

  private void add(Path file, long offset, String kind, String message) {
    findings.add(new Finding(file, offset, kind, message));
  }
}
