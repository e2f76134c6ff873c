package io.seglog.internal.log;

import io.seglog.CorruptLogException;
import io.seglog.Entry;
import io.seglog.Record;
import io.seglog.internal.codec.FrameDecoder;
import io.seglog.internal.format.FormatException;
import io.seglog.internal.format.FrameHeader;
import io.seglog.internal.format.MetadataFormat.Metadata;
import io.seglog.internal.format.MetadataFormat.Pending;
import io.seglog.internal.format.SegmentFormat;
import io.seglog.internal.format.SegmentHeader;
import io.seglog.internal.io.FileHandle;
import io.seglog.internal.io.FileIO;
import io.seglog.internal.segment.FrameIndex;
import io.seglog.internal.segment.FrameScanner;
import io.seglog.internal.segment.FrameView;
import io.seglog.internal.segment.Segment;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.NavigableMap;
import java.util.Set;

/**
 * The file steps of truncation, shared by the live log and by recovery, which finishes what a crash
 * interrupted.
 *
 * <p>Design note (docs/FORMAT.md section 9 is the specification). Two orders, one per direction:
 *
 * <ul>
 *   <li><b>Removing a prefix</b> ({@code truncateBefore}, retention): the metadata with the new
 *       first index is committed first; then the segments wholly below it are deleted (index file
 *       first), then the directory is fsynced. A crash after the commit leaves segments wholly
 *       below the first index, which every open deletes ({@link #dropBelowFirstIndex}) or,
 *       read-only, ignores. Before the commit nothing has changed.
 *   <li><b>Removing a suffix</b> ({@code truncateAfter}, {@code reset}): the whole operation is
 *       first written into the metadata as a {@link Pending} truncation (metadata version 2): which
 *       segments go, which one is cut at which byte, and the bytes to write there (the frame
 *       holding the last kept record, re-encoded with only the kept records, when the cut falls
 *       inside a batch). Committing it is the commit point. Then segments above go (last first),
 *       the cut segment's index file is deleted, the segment is cut and the tail written and
 *       fsynced, the directory fsynced, and only then the metadata is replaced by version 1 again.
 *       Every step is idempotent, and the pending record holds everything needed to redo them (the
 *       re-encoded frame never exists only in the file it overwrites), so an open that finds a
 *       pending truncation redoes all of it ({@link #finishPending}) before looking at any segment.
 *       A crash before the commit leaves the log as it was; after it, the log opens truncated.
 *       Records after the cut never reappear once the operation returned: the pending record is
 *       removed only after the cut is durable.
 * </ul>
 */
final class Truncation {
  private Truncation() {}

  /**
   * Plans cutting segment {@code s} so that its last record is {@code keepThrough}, which it holds.
   * Reads through {@code handle} (open on {@code s}'s file). The frame holding {@code keepThrough}
   * is verified before it is re-encoded: damage is refused, never laundered by a new checksum.
   */
  static Pending planCut(
      Segment s,
      FileHandle handle,
      long keepThrough,
      int maxBody,
      FrameDecoder decoder,
      Recoder recoder)
      throws IOException {
    FrameIndex fi = s.frameIndex();
    long base = s.baseIndex();
    int slot = fi.find((int) (keepThrough - base));
    if (slot < 0) {
      throw new CorruptLogException(s.path(), -1, "no frame holds index " + keepThrough);
    }
    long position = fi.position(slot);
    boolean lastFrame = slot + 1 >= fi.count();
    long frameEnd = lastFrame ? s.framesEnd() : fi.position(slot + 1);
    long frameLast = lastFrame ? s.nextIndex() - 1 : base + fi.relIndex(slot + 1) - 1;
    if (frameLast == keepThrough) {
      return new Pending(keepThrough, base, frameEnd, new byte[0]);
    }
    int length = (int) (frameEnd - position);
    ByteBuffer b = ByteBuffer.allocate(length);
    handle.readFully(b, position);
    b.flip();
    FrameHeader h;
    try {
      h = SegmentFormat.decodeFrameHeader(b, 0, maxBody, position);
      if (h.frameLength() != length
          || h.type() != SegmentFormat.FRAME_RECORDS
          || h.firstIndex() != base + fi.relIndex(slot)
          || !SegmentFormat.checksumMatches(b, 0, length)) {
        throw new FormatException(position, "frame does not match its index entry or checksum");
      }
      if (!h.coded()) {
        SegmentFormat.checkRecordsFit(b, 0, h, position);
      }
    } catch (FormatException e) {
      throw new CorruptLogException(s.path(), e.offset(), e.getMessage());
    }
    if (h.coded()) {
      return planCodedCut(s, handle, h, position, frameEnd, keepThrough, maxBody, decoder, recoder);
    }
    int keep = (int) (keepThrough - h.firstIndex() + 1);
    int p = SegmentFormat.FRAME_HEADER_BYTES;
    for (int i = 0; i < keep; i++) {
      p += SegmentFormat.RECORD_HEADER_BYTES + SegmentFormat.recordLength(b, p);
    }
    SegmentFormat.sealFrame(
        b, 0, p, SegmentFormat.FRAME_RECORDS, keep, h.firstIndex(), h.syncedIndex());
    byte[] tail = new byte[p];
    b.get(0, tail);
    return new Pending(keepThrough, base, position, tail);
  }

  /**
   * Codes the records a cut keeps of a coded (compressed or encrypted) frame into a new frame, as
   * the log's encoder codes appends. Called under the append lock.
   */
  @FunctionalInterface
  interface Recoder {
    ByteBuffer encode(Batch kept, long first, long syncedIndex);
  }

  /**
   * {@link #planCut} when the frame holding {@code keepThrough} is coded: its records are decoded
   * (authenticated, decrypted, decompressed) and the kept ones coded again by {@code recoder}; the
   * body is never parsed as plain records, and an encrypted frame's records are never written, nor
   * put in the pending record, in plaintext.
   */
  private static Pending planCodedCut(
      Segment s,
      FileHandle handle,
      FrameHeader h,
      long position,
      long frameEnd,
      long keepThrough,
      int maxBody,
      FrameDecoder decoder,
      Recoder recoder)
      throws IOException {
    FrameView view = new FrameView();
    view.load(handle, s.path(), position, frameEnd, h.firstIndex(), maxBody, s.header(), decoder);
    int keep = (int) (keepThrough - h.firstIndex() + 1);
    List<Entry> entries = new ArrayList<>(keep);
    ByteBuffer[] payloads = new ByteBuffer[keep];
    long length = SegmentFormat.FRAME_HEADER_BYTES;
    for (int i = 0; i < keep; i++) {
      Record r = view.record(h.firstIndex() + i);
      payloads[i] = r.payload();
      entries.add(Entry.of(r.payloadBytes(), r.type(), r.timestamp()));
      length += SegmentFormat.RECORD_HEADER_BYTES + payloads[i].remaining();
    }
    ByteBuffer frame =
        recoder.encode(new Batch(entries, payloads, (int) length), h.firstIndex(), h.syncedIndex());
    int flags = Byte.toUnsignedInt(frame.get(frame.position() + SegmentFormat.FRAME_FLAGS_OFFSET));
    if ((h.flags() & SegmentFormat.FLAG_ENCRYPTED) != 0
        && (flags & SegmentFormat.FLAG_ENCRYPTED) == 0) {
      throw new IllegalStateException(
          s.path() + ": cutting an encrypted frame would store its kept records in plaintext");
    }
    byte[] tail = new byte[frame.remaining()];
    frame.get(frame.position(), tail);
    return new Pending(keepThrough, s.baseIndex(), position, tail);
  }

  /**
   * Cuts the file at {@code offset}, writes {@code tail} there and fsyncs. Idempotent. The live log
   * revokes the cut segment's mapping first ({@link Segment#revokeMapping()}): a mapping read past
   * the file's new end faults.
   */
  static void cutFile(FileHandle handle, long offset, byte[] tail) throws IOException {
    handle.truncate(offset);
    if (tail.length > 0) {
      handle.writeFully(ByteBuffer.wrap(tail), offset);
    }
    handle.force();
  }

  /** The segment in {@code handle} after a cut, scanned: active (unsealed), all frames valid. */
  static Segment rescan(Path path, SegmentHeader header, FileHandle handle, Segment.Context context)
      throws IOException {
    long base = header.baseIndex();
    FrameIndex index = new FrameIndex(1024);
    FrameScanner.Result r =
        new FrameScanner(handle, handle.size(), context.maxBody())
            .scan(SegmentFormat.HEADER_BYTES, base, base, index);
    if (r.damage != null || r.trailer != null) {
      throw new CorruptLogException(
          path,
          r.damage != null ? r.damage.offset() : r.validEnd,
          "segment is not a clean unsealed segment after a cut"
              + (r.damage != null ? ": " + r.damage.getMessage() : ""));
    }
    return new Segment(
        path,
        header,
        handle,
        context,
        index,
        r.validEnd,
        r.nextIndex,
        null,
        r.frames,
        r.minTimestamp,
        r.maxTimestamp);
  }

  /**
   * Recovery: finishes a pending truncation before anything else looks at the segments, then
   * commits the metadata without it. Updates {@code segmentFiles} and {@code indexFiles} (base
   * indices present) to what is left.
   */
  static void finishPending(
      LogFiles files,
      Metadata metadata,
      Pending pending,
      NavigableMap<Long, Path> segmentFiles,
      Set<Long> indexFiles)
      throws IOException {
    FileIO io = files.io();
    for (Long base : new ArrayList<>(segmentFiles.descendingKeySet())) {
      if (base > pending.keepThrough()) {
        files.deleteSegmentFiles(base);
        segmentFiles.remove(base);
      }
    }
    for (Long base : List.copyOf(indexFiles)) {
      if (base > pending.keepThrough()) {
        io.delete(files.indexPath(base));
        indexFiles.remove(base);
      }
    }
    if (pending.cutSegment() >= 0) {
      Path path = segmentFiles.get(pending.cutSegment());
      if (path == null) {
        throw new CorruptLogException(
            files.segmentPath(pending.cutSegment()),
            -1,
            "the segment a pending truncation cuts is missing");
      }
      io.delete(files.indexPath(pending.cutSegment()));
      indexFiles.remove(pending.cutSegment());
      try (FileHandle h = io.open(path, FileIO.Mode.READ_WRITE)) {
        long size = h.size();
        if (size < pending.cutOffset()) {
          throw new CorruptLogException(
              path,
              size,
              "segment is shorter than the cut offset "
                  + pending.cutOffset()
                  + " of the pending truncation");
        }
        cutFile(h, pending.cutOffset(), pending.tail());
      }
    }
    io.forceDirectory(files.directory());
    files.writeMetadata(metadata, null);
  }

  /**
   * Recovery: deletes (writable) or forgets (read-only) the segments wholly below the log's first
   * index, which a crash during a prefix removal left behind (their index files went first). The
   * last segment always stays. Nothing else is touched: an open that later refuses damage must not
   * have changed anything but what a committed operation asked for.
   */
  static void dropBelowFirstIndex(
      LogFiles files,
      long firstIndex,
      NavigableMap<Long, Path> segmentFiles,
      Set<Long> indexFiles,
      boolean writable)
      throws IOException {
    List<Long> bases = new ArrayList<>(segmentFiles.keySet());
    boolean deleted = false;
    for (int i = 0; i + 1 < bases.size() && bases.get(i + 1) <= firstIndex; i++) {
      long base = bases.get(i);
      if (writable) {
        files.deleteSegmentFiles(base);
        deleted = true;
      }
      segmentFiles.remove(base);
      indexFiles.remove(base);
    }
    if (deleted) {
      files.io().forceDirectory(files.directory());
    }
  }
}
