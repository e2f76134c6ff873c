package io.seglog.internal.segment;

import io.seglog.CorruptLogException;
import io.seglog.Record;
import io.seglog.internal.format.SegmentFormat;
import io.seglog.internal.format.SegmentHeader;
import io.seglog.internal.format.Trailer;
import io.seglog.internal.io.FileHandle;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * One segment file: its header, its frames, its in-memory frame index and, once sealed, its
 * trailer.
 *
 * <p>Threading: one writer thread (the log's, holding its append lock) calls {@link #append},
 * {@link #seal} and {@link #force}; any number of reader threads call {@link #read} and {@link
 * #loadFrame} concurrently. The writer stores a frame in the file, then publishes, in this order,
 * {@code size}, the frame index entry, then {@code nextIndex}; a reader that saw a record index
 * below {@code nextIndex} (or the log's last index, published after) therefore finds its frame in
 * the index and wholly below {@code size}.
 *
 * <p>The frame index of a sealed segment is loaded lazily from its index file (or rebuilt from the
 * segment) through an {@link IndexSource}, at most once.
 */
public final class Segment implements Closeable {

  /** Loads or rebuilds the frame index of a sealed segment. */
  @FunctionalInterface
  public interface IndexSource {
    FrameIndex load(Segment segment) throws IOException;
  }

  /**
   * What every segment of one log shares.
   *
   * @param maxBody largest frame body the log allows
   * @param indexSource loads a sealed segment's index after it was unloaded (or never loaded)
   * @param indexCache bounds the memory of sealed segments' indexes
   */
  public record Context(int maxBody, IndexSource indexSource, IndexCache indexCache) {}

  private final Path path;
  private final SegmentHeader header;
  private final FileHandle handle;
  private final int maxBody;
  private final IndexSource indexSource;
  private final IndexCache indexCache;
  private final Object indexLoadLock = new Object();

  private volatile FrameIndex index;
  private volatile boolean referenced; // read since the cache's clock hand last passed
  private volatile long size;
  private volatile long nextIndex;
  private volatile Trailer trailer;

  // Writer-thread statistics, needed for the trailer.
  private long frameCount;
  private long minTimestamp;
  private long maxTimestamp;

  /**
   * @param index the frames known so far (null for a sealed segment loaded lazily)
   * @param size end of the last valid frame (the trailer included when sealed)
   * @param nextIndex the index after the segment's last record
   */
  public Segment(
      Path path,
      SegmentHeader header,
      FileHandle handle,
      Context context,
      FrameIndex index,
      long size,
      long nextIndex,
      Trailer trailer,
      long frameCount,
      long minTimestamp,
      long maxTimestamp) {
    this.path = path;
    this.header = header;
    this.handle = handle;
    this.maxBody = context.maxBody();
    this.index = index;
    this.indexSource = context.indexSource();
    this.indexCache = context.indexCache();
    this.size = size;
    this.nextIndex = nextIndex;
    this.trailer = trailer;
    this.frameCount = frameCount;
    this.minTimestamp = minTimestamp;
    this.maxTimestamp = maxTimestamp;
  }

  public Path path() {
    return path;
  }

  public SegmentHeader header() {
    return header;
  }

  public long baseIndex() {
    return header.baseIndex();
  }

  public FileHandle handle() {
    return handle;
  }

  /** Bytes of valid content (header, frames, trailer if sealed). */
  public long size() {
    return size;
  }

  /** The index after the last record. */
  public long nextIndex() {
    return nextIndex;
  }

  public long recordCount() {
    return nextIndex - header.baseIndex();
  }

  public boolean isSealed() {
    return trailer != null;
  }

  /** The trailer, or null while the segment is active. */
  public Trailer trailer() {
    return trailer;
  }

  public long frameCount() {
    return frameCount;
  }

  public long minTimestamp() {
    return minTimestamp;
  }

  public long maxTimestamp() {
    return maxTimestamp;
  }

  /** The end of the record frames: before the trailer once sealed. */
  public long framesEnd() {
    long s = size;
    return trailer != null ? s - SegmentFormat.TRAILER_FRAME_BYTES : s;
  }

  /** The frame index, loading it on first use for a sealed segment. */
  public FrameIndex frameIndex() throws IOException {
    FrameIndex fi = index;
    if (fi != null) {
      if (!referenced) {
        referenced = true; // written only when clear: no cache-line traffic on hot segments
      }
      return fi;
    }
    FrameIndex loadedNow = null;
    synchronized (indexLoadLock) {
      fi = index;
      if (fi == null) {
        fi = indexSource.load(this);
        index = fi;
        loadedNow = fi;
      }
    }
    if (loadedNow != null && trailer != null) {
      indexCache.loaded(this, IndexCache.sizeOf(loadedNow)); // outside our lock: see IndexCache
    }
    return fi;
  }

  /** Drops a sealed segment's index from memory; the next use reloads it. */
  void unloadIndex() {
    synchronized (indexLoadLock) {
      if (trailer != null) {
        index = null;
      }
    }
  }

  /** Clears the referenced bit; returns whether it was set. */
  boolean clearReferenced() {
    boolean was = referenced;
    referenced = false;
    return was;
  }

  /**
   * Hands the index of a segment that is sealed (at open, or by a roll) to the cache, which may
   * then unload it.
   */
  public void releaseIndexToCache() {
    FrameIndex fi = index;
    if (trailer != null && fi != null) {
      indexCache.loaded(this, IndexCache.sizeOf(fi));
    }
  }

  /** Whether the frame index is in memory. */
  public boolean isIndexLoaded() {
    return index != null;
  }

  // ---- reading (any thread)

  /**
   * Loads the frame holding {@code recordIndex} into {@code view}, verifying its checksum.
   *
   * @throws CorruptLogException if the frame is damaged
   */
  public void loadFrame(long recordIndex, FrameView view) throws IOException {
    FrameIndex fi = frameIndex();
    int slot = fi.find((int) (recordIndex - header.baseIndex()));
    if (slot < 0) {
      throw new CorruptLogException(path, -1, "no frame holds index " + recordIndex);
    }
    long position = fi.position(slot);
    if (view.isAt(path, position)) {
      return;
    }
    // Published bytes never change, so a read-ahead view may read up to the segment's size.
    long bound = view.readsAhead() || slot + 1 >= fi.count() ? size : fi.position(slot + 1);
    view.load(handle, path, position, bound, header.baseIndex() + fi.relIndex(slot), maxBody);
  }

  /** Reads one record, which the caller knows is below {@link #nextIndex()}. */
  public Record read(long recordIndex, FrameView view) throws IOException {
    if (!view.contains(recordIndex)) {
      loadFrame(recordIndex, view);
    }
    return view.record(recordIndex);
  }

  // ---- writing (the log's writer thread only)

  /**
   * Appends one encoded frame (position to limit of {@code frame}) and publishes it.
   *
   * @throws IOException if the write fails; then nothing is published
   */
  public void append(ByteBuffer frame, long firstIndex, int records, long minTs, long maxTs)
      throws IOException {
    long position = size;
    int length = frame.remaining();
    handle.writeFully(frame, position);
    FrameIndex fi = index;
    size = position + length;
    fi.add((int) (firstIndex - header.baseIndex()), (int) position);
    frameCount++;
    minTimestamp = Math.min(minTimestamp, minTs);
    maxTimestamp = Math.max(maxTimestamp, maxTs);
    nextIndex = firstIndex + records; // publish
  }

  /**
   * Appends a frame that holds no record (a checkpoint chunk, issue 6): written at the end, it
   * advances the size but gets no index entry, record or frame count.
   *
   * @throws IOException if the write fails; then the size is unchanged
   */
  public void appendUnindexed(ByteBuffer frame) throws IOException {
    long position = size;
    int length = frame.remaining();
    handle.writeFully(frame, position);
    size = position + length;
  }

  /**
   * After a failed {@link #append}: truncates whatever part of the frame reached the file, back to
   * the published size. Best effort; recovery cuts a torn tail anyway.
   */
  public void discardUnpublished() {
    try {
      handle.truncate(size);
    } catch (IOException ignored) {
      // the log is being fenced; recovery will cut the tail
    }
  }

  /** Fsyncs the segment's data. */
  public void force() throws IOException {
    handle.force();
  }

  /**
   * Seals the segment: computes the digest of its content, writes the trailer and fsyncs. Returns
   * the trailer.
   */
  public Trailer seal(long syncedIndex) throws IOException {
    byte[] digest = digest(handle, size);
    Trailer t =
        new Trailer(nextIndex, recordCount(), frameCount, minTimestamp, maxTimestamp, digest);
    ByteBuffer frame = SegmentFormat.encodeTrailerFrame(t, syncedIndex);
    handle.writeFully(frame, size);
    handle.force();
    size += SegmentFormat.TRAILER_FRAME_BYTES;
    trailer = t;
    return t;
  }

  /** SHA-256 of the file's bytes {@code [0, length)}. */
  public static byte[] digest(FileHandle handle, long length) throws IOException {
    MessageDigest sha = sha256();
    ByteBuffer buf = ByteBuffer.allocate((int) Math.min(length, 1 << 20));
    long pos = 0;
    while (pos < length) {
      buf.clear().limit((int) Math.min(buf.capacity(), length - pos));
      handle.readFully(buf, pos);
      buf.flip();
      pos += buf.remaining();
      sha.update(buf);
    }
    return sha.digest();
  }

  public static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  @Override
  public void close() throws IOException {
    indexCache.remove(this);
    handle.close();
  }

  @Override
  public String toString() {
    return path.getFileName() + "[" + header.baseIndex() + ".." + (nextIndex - 1) + "]";
  }
}
