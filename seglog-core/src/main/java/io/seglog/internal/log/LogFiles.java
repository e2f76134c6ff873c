package io.seglog.internal.log;

import io.seglog.internal.format.FileNames;
import io.seglog.internal.format.FormatException;
import io.seglog.internal.format.IndexFileFormat;
import io.seglog.internal.format.MetadataFormat;
import io.seglog.internal.format.MetadataFormat.Metadata;
import io.seglog.internal.format.SegmentFormat;
import io.seglog.internal.format.SegmentHeader;
import io.seglog.internal.format.TimeIndexFormat;
import io.seglog.internal.io.FileHandle;
import io.seglog.internal.io.FileIO;
import io.seglog.internal.segment.FrameIndex;
import io.seglog.internal.segment.Segment;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.UUID;

/**
 * The file operations of a log directory, each one crash-safe on its own. New files are written
 * under a {@code .tmp} name, fsynced, renamed into place and the directory fsynced, so a crash
 * leaves either no file or a complete one (a leftover {@code .tmp} is deleted on the next open).
 * Stateless apart from the directory and the I/O seam; thread-safe.
 */
final class LogFiles {
  private final Path directory;
  private final FileIO io;

  // Format version of segments created from now on: 2 once checkpoint frames may be written
  // (a log opened with a state machine), else 1 (issue 6).
  private volatile int segmentVersion = SegmentFormat.VERSION_1;

  /** Segments created from now on carry {@code version} (issue 6: 2 for checkpoint frames). */
  void segmentVersion(int version) {
    segmentVersion = version;
  }

  /** The least version of the segments created from now on (see {@link #segmentVersion(int)}). */
  int segmentVersion() {
    return segmentVersion;
  }

  LogFiles(Path directory, FileIO io) {
    this.directory = directory;
    this.io = io;
  }

  Path directory() {
    return directory;
  }

  FileIO io() {
    return io;
  }

  Path metadataPath() {
    return directory.resolve(FileNames.METADATA);
  }

  Path segmentPath(long baseIndex) {
    return directory.resolve(FileNames.segment(baseIndex));
  }

  Path indexPath(long baseIndex) {
    return directory.resolve(FileNames.index(baseIndex));
  }

  /** Reads and decodes the metadata file (either version; a pending truncation is ignored). */
  Metadata readMetadata() throws IOException, FormatException {
    return readMetadataFile().metadata();
  }

  /** Reads and decodes the metadata file with the truncation it records as pending, if any. */
  MetadataFormat.MetadataFile readMetadataFile() throws IOException, FormatException {
    return MetadataFormat.decodeFile(readWhole(metadataPath(), MetadataFormat.MAX_FILE_BYTES));
  }

  /**
   * Replaces the metadata file atomically, recording {@code pending} (version 2) or, when null, no
   * pending truncation (version 1). Commit point: the rename, made durable by the fsync.
   */
  void writeMetadata(Metadata metadata, MetadataFormat.Pending pending) throws IOException {
    writeAtomically(metadataPath(), MetadataFormat.encode(metadata, pending), true);
  }

  /**
   * Deletes a segment file and its index file, the index file first (so a stale index file never
   * outlives its segment). No directory fsync: the caller makes the deletions durable.
   */
  void deleteSegmentFiles(long baseIndex) throws IOException {
    io.delete(indexPath(baseIndex));
    io.delete(timeIndexPath(baseIndex)); // derived, like the index file: never needed without it
    io.delete(segmentPath(baseIndex));
  }

  /**
   * Replaces the metadata file atomically (commit point: the rename, made durable by the fsync).
   */
  void writeMetadata(Metadata metadata) throws IOException {
    writeAtomically(metadataPath(), MetadataFormat.encode(metadata), true);
  }

  /**
   * Creates a segment file holding only its header, durably: header written to {@code .seg.tmp},
   * fsynced, renamed, directory fsynced. Returns the open handle (read-write).
   */
  FileHandle createSegment(SegmentHeader header) throws IOException {
    Path path = segmentPath(header.baseIndex());
    Path temp = FileNames.temp(path);
    FileHandle handle = io.open(temp, FileIO.Mode.CREATE_OR_TRUNCATE);
    try {
      handle.writeFully(SegmentFormat.encodeHeader(header), 0);
      handle.force();
      io.rename(temp, path);
      io.forceDirectory(directory);
      return handle; // still the same file, now under its final name
    } catch (IOException | RuntimeException e) {
      closeQuietly(handle, e);
      throw e;
    }
  }

  /**
   * Creates the segment that follows {@code previous} (or the log's first one, at {@code
   * firstIndex}, when there is none), durably, and returns it open and empty: the next active
   * segment. Its header links to {@code previous}'s trailer digest: the hash chain.
   */
  Segment createNextSegment(
      UUID logId, Segment previous, long firstIndex, long createdAt, Segment.Context context)
      throws IOException {
    return createNextSegment(
        logId, previous, firstIndex, createdAt, context, SegmentFormat.VERSION);
  }

  /** {@link #createNextSegment} writing a segment of format {@code version} (1 or 2). */
  Segment createNextSegment(
      UUID logId,
      Segment previous,
      long firstIndex,
      long createdAt,
      Segment.Context context,
      int version)
      throws IOException {
    long base = previous == null ? firstIndex : previous.nextIndex();
    long sequence = previous == null ? 0 : previous.header().sequence() + 1;
    byte[] prevDigest =
        previous == null ? new byte[SegmentFormat.DIGEST_BYTES] : previous.trailer().digest();
    // The newer of what the frames need (codecs: version 2) and what the log needs (checkpoint
    // frames of a state-machine log: version 2).
    SegmentHeader header =
        new SegmentHeader(
            Math.max(version, segmentVersion), logId, sequence, base, createdAt, prevDigest);
    FileHandle handle = createSegment(header);
    return new Segment(
        segmentPath(base),
        header,
        handle,
        context,
        new FrameIndex(1024),
        SegmentFormat.HEADER_BYTES,
        base,
        null,
        0,
        Long.MAX_VALUE,
        -1);
  }

  /**
   * Replaces the empty active segment {@code empty} by an empty one of format {@code version} with
   * the same name, sequence, creation time and chain link, and returns it open. Crash-safe: its
   * index file is deleted first (it names the old header's checksum), then the new header is
   * written to {@code .seg.tmp}, fsynced and renamed over the old file (atomic), and the directory
   * fsynced; a crash leaves either empty segment, both valid.
   */
  Segment recreateEmptySegment(Segment empty, Segment.Context context, int version)
      throws IOException {
    if (empty.recordCount() != 0 || empty.isSealed()) {
      throw new IllegalStateException(empty + " is not an empty active segment");
    }
    SegmentHeader old = empty.header();
    SegmentHeader header =
        new SegmentHeader(
            version,
            old.logId(),
            old.sequence(),
            old.baseIndex(),
            old.createdAt(),
            old.previousDigest());
    io.delete(indexPath(old.baseIndex()));
    FileHandle handle = createSegment(header);
    return new Segment(
        segmentPath(old.baseIndex()),
        header,
        handle,
        context,
        new FrameIndex(1024),
        SegmentFormat.HEADER_BYTES,
        old.baseIndex(),
        null,
        0,
        Long.MAX_VALUE,
        -1);
  }

  /**
   * Writes the index file of {@code segment} covering its first {@code frames} frames. Index files
   * are derived data: a lost or torn one is rebuilt, so the directory is not fsynced here; the
   * rename still guarantees a reader never sees a half-written one.
   */
  void writeIndex(Segment segment, UUID logId, FrameIndex index, int frames) throws IOException {
    int[] rel = new int[frames];
    int[] pos = new int[frames];
    index.copyTo(frames, rel, pos);
    ByteBuffer bytes =
        IndexFileFormat.encode(
            logId,
            segment.baseIndex(),
            SegmentFormat.headerChecksum(segment.header()),
            segment.size(),
            segment.recordCount(),
            segment.isSealed(),
            segment.minTimestamp(),
            segment.maxTimestamp(),
            frames,
            rel,
            pos);
    writeAtomically(indexPath(segment.baseIndex()), bytes, false);
  }

  Path timeIndexPath(long baseIndex) {
    return directory.resolve(FileNames.timeIndex(baseIndex));
  }

  /**
   * Writes the time index file of a sealed segment from {@code index}'s time samples. Derived data,
   * like an index file: temp name and rename, no directory fsync.
   */
  void writeTimeIndex(Segment segment, FrameIndex index) throws IOException {
    int n = index.timeSampleCount();
    int[] slots = new int[n];
    long[] maxBefore = new long[n];
    index.copyTimesTo(n, slots, maxBefore);
    ByteBuffer bytes =
        TimeIndexFormat.encode(
            segment.baseIndex(),
            SegmentFormat.headerChecksum(segment.header()),
            segment.trailer().digest(),
            FrameIndex.TIME_SAMPLE_BYTES,
            n,
            slots,
            maxBefore);
    writeAtomically(timeIndexPath(segment.baseIndex()), bytes, false);
  }

  /** Reads a time index file whole; its size is bounded by the caller's expectation. */
  TimeIndexFormat.TimeIndexFile readTimeIndex(long baseIndex, long maxBytes)
      throws IOException, FormatException {
    return TimeIndexFormat.decode(readWhole(timeIndexPath(baseIndex), maxBytes));
  }

  /** Reads an index file whole; its size is bounded by the caller's expectation. */
  IndexFileFormat.IndexFile readIndex(long baseIndex, long maxBytes)
      throws IOException, FormatException {
    return IndexFileFormat.decode(readWhole(indexPath(baseIndex), maxBytes));
  }

  /** Reads and checks only the header of an index file (one small read). */
  IndexFileFormat.IndexFile readIndexHeader(long baseIndex) throws IOException, FormatException {
    try (FileHandle in = io.open(indexPath(baseIndex), FileIO.Mode.READ)) {
      long size = in.size();
      ByteBuffer b = ByteBuffer.allocate((int) Math.min(size, IndexFileFormat.HEADER_BYTES));
      in.readFully(b, 0);
      return IndexFileFormat.decodeHeader(b.flip(), size);
    }
  }

  /**
   * Keeps {@code [from, to)} of {@code segment} in a side file, durably, and returns its name.
   * Recovery calls this before it truncates, so cut bytes are never lost. A side file is never
   * overwritten: an existing one with the same name and other content makes it take the next free
   * name; one with the same content is reused, so recovery repeated after a crash is idempotent.
   */
  Path keepCutBytes(Path segment, FileHandle source, long from, long to) throws IOException {
    for (int k = 0; ; k++) {
      Path candidate = FileNames.cut(segment, from, k);
      if (!io.exists(candidate)) {
        writeSideFile(candidate, source, from, to);
        return candidate;
      }
      if (sameBytes(candidate, source, from, to)) {
        return candidate;
      }
    }
  }

  /** A name for moving {@code segment} aside whole that no side file has yet. */
  Path freeMoveAsideName(Path segment) {
    for (int k = 0; ; k++) {
      Path candidate = FileNames.cut(segment, 0, k);
      if (!io.exists(candidate)) {
        return candidate;
      }
    }
  }

  private boolean sameBytes(Path file, FileHandle source, long from, long to) throws IOException {
    try (FileHandle existing = io.open(file, FileIO.Mode.READ)) {
      if (existing.size() != to - from) {
        return false;
      }
      ByteBuffer a = ByteBuffer.allocate((int) Math.min(Math.max(to - from, 1), 1 << 20));
      ByteBuffer b = ByteBuffer.allocate(a.capacity());
      for (long pos = 0; pos < to - from; pos += a.capacity()) {
        int n = (int) Math.min(a.capacity(), to - from - pos);
        a.clear().limit(n);
        b.clear().limit(n);
        existing.readFully(a, pos);
        source.readFully(b, from + pos);
        if (!a.flip().equals(b.flip())) {
          return false;
        }
      }
      return true;
    }
  }

  private void writeSideFile(Path sideFile, FileHandle source, long from, long to)
      throws IOException {
    Path temp = FileNames.temp(sideFile);
    try (FileHandle out = io.open(temp, FileIO.Mode.CREATE_OR_TRUNCATE)) {
      ByteBuffer buf = ByteBuffer.allocate((int) Math.min(Math.max(to - from, 1), 1 << 20));
      long pos = from;
      while (pos < to) {
        buf.clear().limit((int) Math.min(buf.capacity(), to - pos));
        source.readFully(buf, pos);
        buf.flip();
        out.writeFully(buf, pos - from);
        pos += buf.limit();
      }
      out.force();
    }
    io.rename(temp, sideFile);
    io.forceDirectory(directory);
  }

  private void writeAtomically(Path target, ByteBuffer bytes, boolean durable) throws IOException {
    Path temp = FileNames.temp(target);
    try (FileHandle out = io.open(temp, FileIO.Mode.CREATE_OR_TRUNCATE)) {
      out.writeFully(bytes, 0);
      out.force();
    }
    io.rename(temp, target);
    if (durable) {
      io.forceDirectory(directory);
    }
  }

  private ByteBuffer readWhole(Path file, long maxBytes) throws IOException, FormatException {
    try (FileHandle in = io.open(file, FileIO.Mode.READ)) {
      long size = in.size();
      if (size > maxBytes) {
        throw new FormatException(
            0, "file is " + size + " bytes, at most " + maxBytes + " expected");
      }
      ByteBuffer b = ByteBuffer.allocate((int) size);
      in.readFully(b, 0);
      return b.flip();
    }
  }

  static void closeQuietly(AutoCloseable c, Throwable into) {
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (Exception suppressed) {
      into.addSuppressed(suppressed);
    }
  }
}
