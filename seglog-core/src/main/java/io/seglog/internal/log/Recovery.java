package io.seglog.internal.log;

import io.seglog.CorruptLogException;
import io.seglog.LogConfig;
import io.seglog.NoSuchLogException;
import io.seglog.RecoveryMode;
import io.seglog.RecoveryReport;
import io.seglog.internal.codec.FrameCoder;
import io.seglog.internal.codec.FrameDecoder;
import io.seglog.internal.format.FileNames;
import io.seglog.internal.format.FormatException;
import io.seglog.internal.format.FrameHeader;
import io.seglog.internal.format.IndexFileFormat;
import io.seglog.internal.format.MetadataFormat;
import io.seglog.internal.format.MetadataFormat.Metadata;
import io.seglog.internal.format.SegmentFormat;
import io.seglog.internal.format.SegmentHeader;
import io.seglog.internal.format.Trailer;
import io.seglog.internal.io.FileHandle;
import io.seglog.internal.io.FileIO;
import io.seglog.internal.segment.BackgroundDigester;
import io.seglog.internal.segment.FrameIndex;
import io.seglog.internal.segment.FrameScanner;
import io.seglog.internal.segment.HandlePool;
import io.seglog.internal.segment.IndexCache;
import io.seglog.internal.segment.Segment;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

/**
 * Opening a log: scan, validate, truncate, rebuild, and a report of what was cut.
 *
 * <p>Design note. Sealed segments are validated structurally (header, trailer, chain link, index
 * contiguity with their neighbours) without reading their frames, so a clean open costs a few reads
 * per segment; their frames are verified when read. Only the last segment is scanned, and only from
 * the end of its index file (written at clean close): an unclean open scans what could be unsynced.
 * {@link RecoveryMode#STRICT} and {@link RecoveryMode#POINT_IN_TIME} scan every frame and check
 * every digest.
 *
 * <p>The only damage {@link RecoveryMode#TAIL} repairs is a damaged tail of the last segment:
 * damage after which no valid frame carries a synced index at or beyond the damaged frame's first
 * index. Such a frame was never fsynced, so it was never acknowledged under {@code ALWAYS}; its
 * bytes are cut and kept in a side file. Damage that a later frame proves was fsynced is refused.
 *
 * <p>An index file beyond the last segment file proves that fsynced segments at the end of the log
 * are gone (see {@link MissingSegments}): refused like other damage a later proof covers, except in
 * {@code POINT_IN_TIME}, where the log ends at the last segment present and the loss is reported.
 *
 * <p>Cuts are idempotent: the side file is written (durably) before the segment is truncated, and
 * later segments are moved aside from the last one backwards (each one's index file deleted before
 * it is renamed), so a crash during recovery leaves a state from which recovery reaches the same
 * result.
 *
 * <p>In read-only mode nothing is written: cuts are computed and applied to the in-memory view
 * only.
 */
final class Recovery {

  /**
   * The recovered log. {@code context} is what new segments share; {@code indexWrites} stops the
   * lazy index loading from writing index files: the log calls it at close, before it gives up the
   * directory lock.
   */
  record Result(
      Metadata metadata,
      List<Segment> segments,
      RecoveryReport report,
      Segment.Context context,
      Runnable indexWrites) {}

  /** Damage in segment {@code segment}; {@code records}: valid records after it in that file. */
  private record Damage(int segment, long offset, String what, boolean tail, long records) {
    Damage(int segment, long offset, String what, boolean tail) {
      this(segment, offset, what, tail, 0);
    }
  }

  private final LogFiles files;
  private final FileIO io;
  private final LogConfig config;
  private final boolean writable;
  private final UUID newLogId;
  private final RecoveryMode mode;
  private final boolean fullScan;

  private final List<Segment> segments = new ArrayList<>();
  private final List<RecoveryReport.Cut> cuts = new ArrayList<>();
  private final List<Path> rebuilt = new ArrayList<>();
  private final List<Path> temporaries = new ArrayList<>();
  // Sealed segments whose index file was judged while their scanned index was in memory.
  private final Map<Long, Boolean> indexFileMatches = new HashMap<>();
  private boolean indexWritesAllowed = true; // @GuardedBy("this")
  private int segmentsScanned;
  private long bytesScanned;
  private Metadata metadata;
  private MetadataFormat.Pending pending; // a truncation a crash interrupted, or null
  private int maxBody;
  private Segment.Context context;
  private IndexFiles indexFiles;

  Recovery(LogFiles files, LogConfig config, boolean writable, UUID newLogId) {
    this.files = files;
    this.io = files.io();
    this.config = config;
    this.writable = writable;
    this.newLogId = newLogId;
    this.mode = config.recoveryMode();
    this.fullScan = mode != RecoveryMode.TAIL;
  }

  /**
   * Largest frame body a configuration allows: a full batch and a 16-byte header per record, or a
   * streamed record and its header, whichever is larger. At most 256 MiB + 16 MiB, well within
   * {@link SegmentFormat#MAX_BODY_BYTES}.
   */
  static int maxBody(LogConfig config) {
    return Math.max(
        config.maxBatchBytes() + SegmentFormat.RECORD_HEADER_BYTES * config.maxBatchRecords(),
        config.maxStreamedRecordBytes() + SegmentFormat.RECORD_HEADER_BYTES);
  }

  Result run() throws IOException {
    try {
      TreeMap<Long, Path> segmentFiles = new TreeMap<>();
      Set<Long> presentIndexFiles = new TreeSet<>();
      inventory(segmentFiles, presentIndexFiles);
      loadMetadata(segmentFiles);
      finishTruncations(segmentFiles, presentIndexFiles);
      MissingSegments.Orphans orphans =
          MissingSegments.classify(
              files,
              segmentFiles,
              presentIndexFiles,
              metadata.logId(),
              metadata.firstIndex(),
              Long.MAX_VALUE);
      refuseLostSegments(orphans.lost());
      validateAndCut(segmentFiles, presentIndexFiles);
      checkFirstIndex();
      cutLostSegments(orphans.lost());
      if (writable) {
        deleteLeftoverIndexFiles(orphans.leftovers());
        rebuildIndexFiles(presentIndexFiles);
        ensureActiveSegment();
      }
      // In file order (cuts are made from the last file backwards).
      cuts.sort(
          java.util.Comparator.comparing((RecoveryReport.Cut c) -> c.file().getFileName())
              .thenComparingLong(RecoveryReport.Cut::offset));
      RecoveryReport report =
          new RecoveryReport(mode, segmentsScanned, bytesScanned, cuts, rebuilt, temporaries);
      return new Result(metadata, List.copyOf(segments), report, context, indexFiles::stopWrites);
    } catch (IOException | RuntimeException e) {
      for (Segment s : segments) {
        LogFiles.closeQuietly(s, e);
      }
      throw e;
    }
  }

  // ---- pass 1: what is in the directory

  private void inventory(Map<Long, Path> segmentFiles, Set<Long> presentIndexFiles)
      throws IOException {
    for (Path entry : io.list(files.directory())) {
      String name = entry.getFileName().toString();
      if (name.endsWith(FileNames.TEMP_SUFFIX)) {
        if (writable) {
          io.delete(entry); // an interrupted creation: never renamed, so never part of the log
          temporaries.add(entry);
        }
      } else if (FileNames.isSegment(name)) {
        segmentFiles.put(baseIndexOf(entry), entry);
      } else if (FileNames.isIndex(name)) {
        presentIndexFiles.add(baseIndexOf(entry));
      }
    }
    if (writable && !temporaries.isEmpty()) {
      io.forceDirectory(files.directory());
    }
  }

  private static long baseIndexOf(Path file) {
    try {
      return FileNames.baseIndexOf(file.getFileName().toString());
    } catch (NumberFormatException e) {
      throw new CorruptLogException(file, 0, "file name is not a valid base index");
    }
  }

  // ---- pass 2: metadata

  private void loadMetadata(Map<Long, Path> segmentFiles) throws IOException {
    Path path = files.metadataPath();
    if (!io.exists(path)) {
      if (!segmentFiles.isEmpty()) {
        throw new CorruptLogException(
            path, -1, "metadata file is missing but " + segmentFiles.size() + " segments exist");
      }
      if (!writable) {
        throw new NoSuchLogException(
            "no seglog log in " + files.directory() + " (no " + FileNames.METADATA + ")");
      }
      metadata =
          new Metadata(newLogId, config.clock().millis(), config.initialIndex(), maxBody(config));
      files.writeMetadata(metadata);
    } else {
      try {
        MetadataFormat.MetadataFile file = files.readMetadataFile();
        metadata = file.metadata();
        pending = file.pending();
      } catch (FormatException e) {
        throw new CorruptLogException(path, e.offset(), e.getMessage());
      }
      if (writable && maxBody(config) > metadata.maxBodyBytes()) {
        // The limit recorded only grows, so every frame ever written stays within it.
        metadata =
            new Metadata(
                metadata.logId(), metadata.createdAt(), metadata.firstIndex(), maxBody(config));
        files.writeMetadata(metadata, pending);
      }
    }
    maxBody = metadata.maxBodyBytes();
    indexFiles = new IndexFiles(files, metadata.logId(), writable, maxBody);
    context =
        new Segment.Context(
            maxBody,
            indexFiles::loadSealedIndex,
            new IndexCache(config.indexCacheBytes(), config.maxCachedIndexes()),
            io,
            writable ? FileIO.Mode.READ_WRITE : FileIO.Mode.READ,
            new HandlePool(config.maxOpenSegmentFiles()),
            indexFiles::timeStartSlot,
            new FrameDecoder(config.encryption()),
            // A read-only open keeps pread, and a handle reference per frame read: the writer may
            // cut, remove or replace files under it.
            writable && config.mappedReads(),
            writable,
            // Started on the first megabyte appended; the log's close stops it.
            writable ? BackgroundDigester.forLog(logName(), config.segmentBytes()) : null);
  }

  /** The log's name in thread names: its directory's. */
  private String logName() {
    Path name = files.directory().getFileName();
    return name == null ? files.directory().toString() : name.toString();
  }

  // ---- pass 2b: truncations a crash interrupted (see Truncation)

  /**
   * Finishes a pending suffix truncation (metadata version 2), then drops the segments wholly below
   * the first index that an interrupted prefix removal left. Read-only, a pending truncation is
   * refused: finishing it needs writes, and its files may be half cut.
   */
  private void finishTruncations(TreeMap<Long, Path> segmentFiles, Set<Long> presentIndexFiles)
      throws IOException {
    if (pending != null) {
      if (!writable) {
        throw new CorruptLogException(
            files.metadataPath(),
            MetadataFormat.BYTES,
            "a truncation keeping the records up to "
                + pending.keepThrough()
                + " was interrupted; open the log writable to finish it");
      }
      Truncation.finishPending(files, metadata, pending, segmentFiles, presentIndexFiles);
      pending = null;
    }
    Truncation.dropBelowFirstIndex(
        files, metadata.firstIndex(), segmentFiles, presentIndexFiles, writable);
  }

  // ---- pass 2c: index files without their segment (see MissingSegments)

  /**
   * Index files beyond the last segment file prove that segments at the end of the log, fsynced,
   * are gone: lost acknowledged records. Refused before anything is written, in every mode but
   * {@link RecoveryMode#POINT_IN_TIME} (the last present segment is not the log's end, so not even
   * its torn tail may be cut).
   */
  private void refuseLostSegments(List<MissingSegments.Lost> lost) {
    if (lost.isEmpty() || mode == RecoveryMode.POINT_IN_TIME) {
      return;
    }
    MissingSegments.Lost first = lost.get(0);
    String more =
        lost.size() == 1
            ? ""
            : "; " + (lost.size() - 1) + " more index files beyond it have no segment either";
    throw new CorruptLogException(
        first.segment(),
        -1,
        first.what()
            + more
            + (mode == RecoveryMode.TAIL
                ? " (repair with RecoveryMode.POINT_IN_TIME to end the log at the last segment"
                    + " present)"
                : ""));
  }

  /**
   * {@link RecoveryMode#POINT_IN_TIME}: the log ends at the last segment present; each lost segment
   * is reported (nothing is left to cut) and its index file, which describes bytes that are gone,
   * is deleted before a later segment could take its name.
   */
  private void cutLostSegments(List<MissingSegments.Lost> lost) throws IOException {
    if (lost.isEmpty()) {
      return;
    }
    for (MissingSegments.Lost l : lost) {
      if (writable) {
        io.delete(l.index());
        io.delete(files.timeIndexPath(l.base()));
      }
      cuts.add(
          new RecoveryReport.Cut(
              l.segment(), 0, 0, 0, l.what() + " (nothing left to cut; index file deleted)", null));
    }
    if (writable) {
      io.forceDirectory(files.directory());
    }
  }

  /**
   * Deletes index files that legitimately outlived their segment (see {@link MissingSegments}),
   * once the log validated: they prove nothing, and a later segment may take their name.
   */
  private void deleteLeftoverIndexFiles(List<Long> leftovers) throws IOException {
    for (long base : leftovers) {
      io.delete(files.indexPath(base));
    }
  }

  // ---- pass 3: validate every segment, cut where the mode allows

  private void validateAndCut(TreeMap<Long, Path> segmentFiles, Set<Long> presentIndexFiles)
      throws IOException {
    List<Path> paths = new ArrayList<>(segmentFiles.values());
    for (int i = 0; i < paths.size(); i++) {
      boolean last = i == paths.size() - 1;
      Path path = paths.get(i);
      // Writable: every handle is read-write, since point-in-time recovery may cut any segment.
      FileHandle handle = io.open(path, writable ? FileIO.Mode.READ_WRITE : FileIO.Mode.READ);
      Damage damage;
      try {
        damage = openSegment(i, path, handle, last, presentIndexFiles.contains(baseIndexOf(path)));
      } catch (IOException | RuntimeException e) {
        LogFiles.closeQuietly(handle, e);
        throw e;
      }
      if (damage != null) {
        handleDamage(damage, paths, handle);
        return;
      }
      if (!last) {
        settleSealed(segments.get(segments.size() - 1));
      }
    }
  }

  /**
   * Bounds what a validated sealed segment holds, so opening a log of any number of segments holds
   * at most the caps: its handle goes to the handle pool and a scanned index to the index cache.
   * After a full scan the index file is judged first, in full, while the scanned index is here.
   */
  private void settleSealed(Segment s) throws IOException {
    if (writable && s.isIndexLoaded()) {
      indexFileMatches.put(s.baseIndex(), indexFiles.matches(s));
    }
    s.releaseIndexToCache();
    s.releaseHandleToPool();
  }

  /**
   * Opens and validates segment {@code i}; adds it to {@link #segments} unless its header is bad.
   */
  private Damage openSegment(int i, Path path, FileHandle handle, boolean last, boolean hasIndex)
      throws IOException {
    long fileSize = handle.size();
    SegmentHeader header;
    try {
      ByteBuffer b = ByteBuffer.allocate((int) Math.min(fileSize, SegmentFormat.HEADER_BYTES));
      handle.readFully(b, 0);
      header = SegmentFormat.decodeHeader(b.flip());
    } catch (FormatException e) {
      return new Damage(i, e.offset(), e.getMessage(), false);
    }
    Damage linkDamage = checkLinks(i, path, header);
    if (linkDamage != null) {
      return linkDamage;
    }
    long base = header.baseIndex();
    if (!last && !fullScan) {
      return openSealedWithoutScan(i, path, handle, header, fileSize);
    }
    // Scan the frames: all of them, or in TAIL mode those after the active index file's prefix.
    FrameIndex index = new FrameIndex(1024);
    long from = SegmentFormat.HEADER_BYTES;
    long next = base;
    long frames = 0;
    long minTs = Long.MAX_VALUE;
    long maxTs = -1;
    IndexFileFormat.IndexFile prefix = null;
    // Bytes the index file proves were fsynced (a clean-close one, or, for a sealed last segment,
    // the one written after its seal's fsync): damage below them is never a torn tail, even when
    // the index file's entries are unusable and the scan starts at the first frame.
    IndexFileFormat.IndexFile proof = last && hasIndex ? indexFiles.indexFileOf(header) : null;
    long proven = proof != null ? proof.coveredBytes() : 0;
    if (proof != null) {
      if (proven > fileSize) {
        // Written at a clean close or a seal, after an fsync: these bytes were durable, and are
        // gone. In every mode but POINT_IN_TIME that refuses the open (STRICT must not be weaker
        // than TAIL).
        String lost =
            "segment ends at byte "
                + fileSize
                + " but its index file, written after an fsync,"
                + " covers "
                + proven
                + " bytes";
        if (mode != RecoveryMode.POINT_IN_TIME) {
          return new Damage(i, fileSize, lost, false);
        }
        // POINT_IN_TIME keeps what is there; the loss is reported, and the index file, which now
        // describes bytes that are gone, is deleted before later appends could make it look valid.
        cuts.add(
            new RecoveryReport.Cut(path, fileSize, 0, 0, lost + " (nothing left to cut)", null));
        if (writable) {
          io.delete(files.indexPath(base));
        }
      } else if (!fullScan) {
        // An unusable index file that still proves bytes is deleted only once the scan found no
        // damage in them: deleted before a refusal, the next open would cut them as a torn tail.
        prefix = indexFiles.activeIndexPrefix(header, fileSize, proven == 0);
      }
    }
    if (prefix != null) {
      index = FrameIndex.of(prefix.relIndex(), prefix.positions());
      from = prefix.coveredBytes();
      next = base + prefix.recordCount();
      frames = prefix.relIndex().length;
      minTs = prefix.minTimestamp();
      maxTs = prefix.maxTimestamp();
    }
    FrameScanner scanner =
        new FrameScanner(handle, fileSize, maxBody).allowCheckpoints(header.version());
    FrameScanner.Result r = scanner.scan(from, next, base, index);
    segmentsScanned++;
    bytesScanned += r.validEnd - from;
    Trailer trailer = r.trailer;
    Damage damage = null;
    if (r.damage != null) {
      damage =
          new Damage(
              i,
              r.damage.offset(),
              r.damage.getMessage(),
              last && r.damageIsTail && r.damage.offset() >= proven,
              r.recordsAfterDamage);
    } else if (trailer == null && !last) {
      damage =
          new Damage(i, fileSize, "segment is not sealed but another segment follows it", false);
    }
    if (writable
        && !fullScan
        && prefix == null
        && proof != null
        && !proof.sealed()
        && damage == null) {
      // An unusable clean-close index file, and nothing it proves is damaged. A sealed segment's
      // index file is never a prefix here: the index check judges it, as for any sealed segment.
      io.delete(files.indexPath(base));
    }
    if (trailer != null) {
      String bad = checkTrailer(trailer, base, r.nextIndex, frames + r.frames);
      if (bad == null && fullScan) {
        long trailerAt = r.validEnd - SegmentFormat.TRAILER_FRAME_BYTES;
        if (!Arrays.equals(Segment.digest(handle, trailerAt), trailer.digest())) {
          bad = "segment digest does not match its trailer (content changed after sealing)";
        }
      }
      if (bad != null) {
        long trailerAt = r.validEnd - SegmentFormat.TRAILER_FRAME_BYTES;
        return damage != null ? damage : new Damage(i, trailerAt, bad, false);
      }
    }
    long end = r.validEnd;
    segments.add(
        new Segment(
            path,
            header,
            handle,
            context,
            index,
            end,
            r.nextIndex,
            damage == null || damage.offset >= end ? trailer : null,
            frames + r.frames,
            Math.min(minTs, r.minTimestamp),
            Math.max(maxTs, r.maxTimestamp)));
    return damage;
  }

  private Damage openSealedWithoutScan(
      int i, Path path, FileHandle handle, SegmentHeader header, long fileSize) throws IOException {
    long trailerAt = fileSize - SegmentFormat.TRAILER_FRAME_BYTES;
    if (trailerAt < SegmentFormat.HEADER_BYTES) {
      return new Damage(i, fileSize, "segment is not sealed but another segment follows it", false);
    }
    ByteBuffer b = ByteBuffer.allocate(SegmentFormat.TRAILER_FRAME_BYTES);
    handle.readFully(b, trailerAt);
    Trailer trailer;
    try {
      FrameHeader h = SegmentFormat.decodeFrameHeader(b, 0, maxBody, trailerAt);
      if (h.type() != SegmentFormat.FRAME_TRAILER
          || !SegmentFormat.checksumMatches(b, 0, SegmentFormat.TRAILER_FRAME_BYTES)) {
        throw new FormatException(trailerAt, "no valid trailer");
      }
      trailer = SegmentFormat.decodeTrailer(b, 0, h);
    } catch (FormatException e) {
      return new Damage(
          i,
          trailerAt,
          "missing or damaged trailer: segment is not sealed but another follows it",
          false);
    }
    String bad =
        checkTrailer(trailer, header.baseIndex(), header.baseIndex() + trailer.recordCount(), -1);
    if (bad != null) {
      return new Damage(i, trailerAt, bad, false);
    }
    segments.add(
        new Segment(
            path,
            header,
            handle,
            context,
            null,
            fileSize,
            trailer.nextIndex(),
            trailer,
            trailer.frameCount(),
            trailer.minTimestamp(),
            trailer.maxTimestamp()));
    return null;
  }

  private static String checkTrailer(Trailer t, long base, long scannedNext, long scannedFrames) {
    if (t.nextIndex() != base + t.recordCount() || t.nextIndex() != scannedNext) {
      return "trailer says "
          + t.recordCount()
          + " records ending before index "
          + t.nextIndex()
          + ", the segment holds records up to index "
          + (scannedNext - 1);
    }
    if (scannedFrames >= 0 && t.frameCount() != scannedFrames) {
      return "trailer says " + t.frameCount() + " frames, the segment holds " + scannedFrames;
    }
    return null;
  }

  /** Checks a header against the metadata, its file name and the previous segment. */
  private Damage checkLinks(int i, Path path, SegmentHeader h) {
    long nameBase = baseIndexOf(path);
    if (!h.logId().equals(metadata.logId())) {
      return new Damage(
          i,
          8,
          "segment belongs to another log (log id "
              + h.logId()
              + ", this log is "
              + metadata.logId()
              + ")",
          false);
    }
    if (h.baseIndex() != nameBase) {
      return new Damage(
          i,
          32,
          "segment header says base index "
              + h.baseIndex()
              + " but the file is named for "
              + nameBase,
          false);
    }
    if (i == 0) {
      if (h.baseIndex() > metadata.firstIndex()) {
        return new Damage(
            i,
            32,
            "first segment starts at index "
                + h.baseIndex()
                + " but the log starts at "
                + metadata.firstIndex()
                + ": segments are missing",
            false);
      }
      return null;
    }
    Segment prev = segments.get(segments.size() - 1);
    if (h.sequence() != prev.header().sequence() + 1) {
      return new Damage(
          i,
          24,
          "segment sequence "
              + h.sequence()
              + " does not follow "
              + prev.header().sequence()
              + " of "
              + prev.path().getFileName(),
          false);
    }
    if (h.baseIndex() != prev.nextIndex()) {
      return new Damage(
          i,
          32,
          "gap between segments: "
              + prev.path().getFileName()
              + " ends before index "
              + prev.nextIndex()
              + " but this segment starts at "
              + h.baseIndex(),
          false);
    }
    if (prev.trailer() != null && !Arrays.equals(h.previousDigest(), prev.trailer().digest())) {
      return new Damage(
          i,
          48,
          "hash chain broken: previous-segment digest does not match " + prev.path().getFileName(),
          false);
    }
    return null;
  }

  private void handleDamage(Damage d, List<Path> paths, FileHandle damagedHandle)
      throws IOException {
    Path path = paths.get(d.segment);
    boolean isLast = d.segment == paths.size() - 1;
    boolean allowed =
        mode == RecoveryMode.POINT_IN_TIME || (mode == RecoveryMode.TAIL && d.tail && isLast);
    if (!allowed) {
      LogFiles.closeQuietly(damagedHandle, new IOException());
      String hint =
          mode == RecoveryMode.TAIL
              ? " (not a torn tail: repair with RecoveryMode.POINT_IN_TIME to cut here)"
              : "";
      throw new CorruptLogException(path, d.offset, d.what + hint);
    }
    // Later segments first, from the last backwards, so an interrupted recovery resumes cleanly.
    for (int j = paths.size() - 1; j > d.segment; j--) {
      moveAside(paths.get(j), "after damage in " + path.getFileName() + " at offset " + d.offset);
    }
    boolean segmentOpened = segments.size() == d.segment + 1;
    if (!segmentOpened) {
      LogFiles.closeQuietly(damagedHandle, new IOException());
      moveAside(path, d.what);
    } else {
      cutTail(segments.get(d.segment), damagedHandle, d);
    }
    if (writable) {
      io.forceDirectory(files.directory());
    }
  }

  private void moveAside(Path segment, String reason) throws IOException {
    long size;
    long records;
    try (FileHandle h = io.open(segment, FileIO.Mode.READ)) {
      size = h.size();
      records = countRecords(h, size);
    }
    Path side = writable ? files.freeMoveAsideName(segment) : null;
    if (writable) {
      // The index files first: a crash must never leave an index file without its segment, which
      // a later open would take as proof of a lost segment (see MissingSegments).
      long base = baseIndexOf(segment);
      io.delete(files.indexPath(base));
      io.delete(files.timeIndexPath(base));
      io.rename(segment, side);
    }
    cuts.add(new RecoveryReport.Cut(segment, 0, size, records, reason, side));
  }

  /**
   * Records in the valid frames of a segment moved aside, for the report. Its header may be the
   * damage, so the frames are taken as they come, starting at the first frame's own index.
   */
  private long countRecords(FileHandle h, long size) throws IOException {
    if (size < SegmentFormat.HEADER_BYTES + SegmentFormat.FRAME_HEADER_BYTES) {
      return 0;
    }
    ByteBuffer b = ByteBuffer.allocate(SegmentFormat.FRAME_HEADER_BYTES);
    h.readFully(b, SegmentFormat.HEADER_BYTES);
    try {
      long first =
          SegmentFormat.decodeFrameHeader(b, 0, maxBody, SegmentFormat.HEADER_BYTES).firstIndex();
      return new FrameScanner(h, size, maxBody)
          .scan(SegmentFormat.HEADER_BYTES, first, first, null)
          .records;
    } catch (FormatException e) {
      return 0;
    }
  }

  private void cutTail(Segment segment, FileHandle handle, Damage d) throws IOException {
    long fileSize = handle.size();
    long at = segment.size();
    Path side = null;
    if (writable) {
      // Commit order: the index file that may cover the cut bytes is gone, and the side file is
      // durable (its directory fsync covers the deletion too), before a byte is truncated.
      io.delete(files.indexPath(segment.baseIndex()));
      if (fileSize > at) {
        side = files.keepCutBytes(segment.path(), handle, at, fileSize);
      } else {
        io.forceDirectory(files.directory());
      }
      handle.truncate(at);
      handle.force();
    }
    cuts.add(new RecoveryReport.Cut(segment.path(), at, fileSize - at, d.records, d.what, side));
  }

  // ---- pass 4: the log's first index must lie in the first segment

  private void checkFirstIndex() {
    if (segments.isEmpty()) {
      return;
    }
    Segment first = segments.get(0);
    if (metadata.firstIndex() > first.nextIndex()) {
      throw new CorruptLogException(
          files.metadataPath(),
          32,
          "log first index "
              + metadata.firstIndex()
              + " is beyond the first segment "
              + first.path().getFileName());
    }
  }

  // ---- pass 5: rebuild

  /**
   * Rebuilds the index file of every sealed segment whose file is missing or does not match it (see
   * {@link IndexFiles#matches}: in full after a full scan, by header otherwise).
   */
  private void rebuildIndexFiles(Set<Long> present) throws IOException {
    for (Segment s : segments) {
      if (!s.isSealed()) {
        continue;
      }
      Boolean judged = indexFileMatches.get(s.baseIndex());
      if (!(present.contains(s.baseIndex()) && (judged != null ? judged : indexFiles.matches(s)))) {
        indexFiles.rebuild(s);
        rebuilt.add(files.indexPath(s.baseIndex()));
      }
    }
  }

  // ---- pass 6: a writable log always has an unsealed last segment

  private void ensureActiveSegment() throws IOException {
    Segment last = segments.isEmpty() ? null : segments.get(segments.size() - 1);
    // A killed process may have left unsynced pages in the page cache, even a sealed segment's
    // trailer (killed during the seal's fsync): whatever survived is made durable before
    // durableIndex starts at lastIndex and new frames record it as synced. The directory too:
    // renames and creations the process did not fsync would otherwise be trusted unsynced.
    if (last != null) {
      last.force();
    }
    io.forceDirectory(files.directory());
    if (last != null && !last.isSealed()) {
      return;
    }
    segments.add(
        files.createNextSegment(
            metadata.logId(),
            last,
            metadata.firstIndex(),
            config.clock().millis(),
            context,
            FrameCoder.segmentVersionFor(config)));
  }
}
