package io.seglog.internal.segment;

import io.seglog.CorruptLogException;
import io.seglog.Record;
import io.seglog.internal.codec.FrameDecoder;
import io.seglog.internal.format.FormatException;
import io.seglog.internal.format.SegmentFormat;
import io.seglog.internal.format.SegmentHeader;
import io.seglog.internal.format.Trailer;
import io.seglog.internal.io.FileHandle;
import io.seglog.internal.io.FileIO;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One segment file: its header, its frames, its in-memory frame index and, once sealed, its
 * trailer.
 *
 * <p>Threading: one writer thread (the log's, holding its append lock) calls {@link #append},
 * {@link #seal} and {@link #force}; any number of reader threads call {@link #read} and {@link
 * #loadFrame} concurrently. The writer stores a frame in the file (or in its {@link TailBuffer},
 * from which readers read it until it is written), then publishes, in this order, {@code size}, the
 * frame index entry, then {@code nextIndex}; a reader that saw a record index below {@code
 * nextIndex} (or the log's last index, published after) therefore finds its frame in the index and
 * wholly below {@code size}. The trailer's digest is fed by the writer as frames reach the file
 * ({@link SegmentDigest}); with a {@link BackgroundDigester}, the log's digester thread also reads
 * the active segment's file, below what the writer reported written, through a reference to its
 * handle (never reopening it), until the seal or {@link #close()} stops it.
 *
 * <p>The frame index of a sealed segment is loaded lazily from its index file (or rebuilt from the
 * segment) through an {@link IndexSource}, at most once.
 *
 * <p>File handle lifecycle. The active segment's handle stays open from creation to {@link
 * #close()}. Once sealed, the segment is handed to the {@link HandlePool} ({@link
 * #releaseHandleToPool()}), which may close its handle to bound open files; {@link #acquire()}
 * reopens it on demand. A handle is reference counted: the segment holds one reference while the
 * handle is installed, each read holds one from {@link #acquire()} to {@link
 * SharedHandle#release()} , and the file is closed when the count reaches zero. So eviction never
 * closes a file under a read: the read finishes on the handle it acquired. A reopen checks that the
 * file is the very segment it was (its 128 header bytes, which hold the log id, sequence, base
 * index, creation time, previous digest and header checksum, and for a sealed segment its length),
 * because a name can be reused after truncation deletes a segment; a different file is refused with
 * a {@link CorruptLogException}. {@link #close()} retires the segment for good: it never reopens.
 * In a writable log, a sequential load ({@link #loadFrameAfter}) that finds the frame whole in the
 * view's read-ahead window reads no byte of the file and takes no reference (nor enters a mapping's
 * gate): the window holds bytes that were published when it was filled, and a reader drops it at a
 * cut ({@link Context#windowReads()}).
 *
 * <p>Mapped reads. In a writable log ({@link Context#mapSealed()}), a sealed segment handed to the
 * pool is read through a read-only {@link MappedSegment}, made on the first read that finds the
 * handle open and dropped with the handle: the pool bounds mappings as it bounds files. A read
 * copies the frame out of the mapping inside the mapping's gate, holding no handle reference (the
 * gate keeps the mapping alive), and verifies it as a pread frame. A cut in place calls {@link
 * #revokeMapping()} before it shrinks the file; from then on this segment object reads by pread
 * only. An eviction drops the mapping without waiting, and a later read may map the file again, so
 * copies out of an earlier mapping may still run: the segment keeps the dropped mappings until they
 * are unmapped, and the cut waits for their copies too.
 */
public final class Segment implements Closeable {

  /**
   * For a sealed segment whose index in memory has no time samples: the frame slot a seek for
   * {@code timestamp} starts at (see {@link FrameIndex#timeStartSlot}), from its time index file or
   * a scan.
   */
  @FunctionalInterface
  public interface TimeSource {
    int startSlot(Segment segment, long timestamp) throws IOException;
  }

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
   * @param io opens sealed segments' files again after the handle pool closed them
   * @param reopenMode how to reopen them
   * @param handlePool bounds the open files of sealed segments
   * @param timeSource the sparse time samples of sealed segments (seek by time)
   * @param decoder decodes coded (compressed, encrypted) frames of version 2 segments
   * @param mapSealed whether reads of sealed, pooled segments go through a {@link MappedSegment}:
   *     only in a writable log, whose own cuts are the only thing that shrinks its files
   * @param windowReads whether a sequential read takes a frame already in its read-ahead window
   *     without a handle reference ({@link #loadFrameAfter}): only in a writable log, whose own
   *     cuts are the only thing that changes its files, and which its readers see by the cut epoch.
   *     A read-only log keeps a reference per frame, whose reopen of an evicted file notices the
   *     writer's removal or replacement of it.
   * @param digester hashes active segments' content off the writer thread, or null to hash it on
   *     the writer thread (see {@link BackgroundDigester})
   */
  public record Context(
      int maxBody,
      IndexSource indexSource,
      IndexCache indexCache,
      FileIO io,
      FileIO.Mode reopenMode,
      HandlePool handlePool,
      TimeSource timeSource,
      FrameDecoder decoder,
      boolean mapSealed,
      boolean windowReads,
      BackgroundDigester digester) {

    /** A context whose segments read through pread only, each frame under a handle reference. */
    public Context(
        int maxBody,
        IndexSource indexSource,
        IndexCache indexCache,
        FileIO io,
        FileIO.Mode reopenMode,
        HandlePool handlePool,
        TimeSource timeSource,
        FrameDecoder decoder) {
      this(
          maxBody,
          indexSource,
          indexCache,
          io,
          reopenMode,
          handlePool,
          timeSource,
          decoder,
          false,
          false,
          null);
    }
  }

  /**
   * A reference-counted open file. Whoever got it from {@link #acquire()} calls {@link #release()}
   * exactly once.
   */
  public static final class SharedHandle {
    private final FileHandle file;
    private final AtomicInteger refs = new AtomicInteger(1); // the segment's own reference

    SharedHandle(FileHandle file) {
      this.file = file;
    }

    public FileHandle file() {
      return file;
    }

    /** Takes a reference unless the file is already closed (count zero). */
    boolean tryRetain() {
      for (; ; ) {
        int r = refs.get();
        if (r == 0) {
          return false;
        }
        if (refs.compareAndSet(r, r + 1)) {
          return true;
        }
      }
    }

    /** Drops a reference; the last one closes the file. */
    public void release() throws IOException {
      if (refs.decrementAndGet() == 0) {
        file.close();
      }
    }
  }

  private final Path path;
  private final SegmentHeader header;
  private final int maxBody;
  private final IndexSource indexSource;
  private final IndexCache indexCache;
  private final FileIO io;
  private final FileIO.Mode reopenMode;
  private final HandlePool handlePool;
  private final TimeSource timeSource;
  private final FrameDecoder decoder;
  private final boolean mapSealed;
  private final boolean windowReads;
  private final Object indexLoadLock = new Object();
  private final Object handleLock = new Object();

  private volatile SharedHandle handle; // null while closed by the pool, or once retired
  private volatile boolean retired; // set under handleLock: never reopen
  private volatile boolean pooled; // sealed and handed to the pool
  private volatile boolean handleReferenced; // read since the pool's clock hand last passed
  private volatile MappedSegment mapped; // set under handleLock, only while handle is open
  private volatile boolean mapDisabled; // set under handleLock: revoked, or the file won't map
  // Mappings dropped with an evicted handle while copies out of them may still run: a cut waits
  // for those copies too, since the file must not shrink under any of them. Unmapped ones are
  // pruned at each eviction, so this holds at most one per copy that was in flight then.
  private final List<MappedSegment> droppedMappings = new ArrayList<>(); // @GuardedBy("handleLock")

  private volatile FrameIndex index;
  private volatile boolean referenced; // read since the cache's clock hand last passed
  private volatile long size;
  private volatile long nextIndex;
  private volatile Trailer trailer;
  private volatile TailBuffer tail; // the write buffer while active and buffering, else null

  // Writer-thread state, needed for the trailer. The digest is fed by the writer thread; a
  // BackgroundDigest also reads the file from the log's digester thread (readFileForDigest).
  private final SegmentDigest digest;
  private long frameCount;
  private long minTimestamp;
  private long maxTimestamp;

  /**
   * @param handle the open file, or null for a sealed segment opened on first use
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
    this.handle = handle == null ? null : new SharedHandle(handle);
    this.io = context.io();
    this.reopenMode = context.reopenMode();
    this.handlePool = context.handlePool();
    this.timeSource = context.timeSource();
    this.maxBody = context.maxBody();
    this.index = index;
    this.indexSource = context.indexSource();
    this.indexCache = context.indexCache();
    this.decoder = context.decoder();
    this.mapSealed = context.mapSealed();
    this.windowReads = context.windowReads();
    this.size = size;
    this.nextIndex = nextIndex;
    this.trailer = trailer;
    this.frameCount = frameCount;
    this.minTimestamp = minTimestamp;
    this.maxTimestamp = maxTimestamp;
    BackgroundDigester digester = context.digester();
    this.digest =
        digester != null && handle != null && trailer == null
            ? new BackgroundDigest(digester, this::readFileForDigest, this::readForDigest)
            : new IncrementalDigest(this::readForDigest);
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

  /**
   * The handle of the active segment, which is always open: for the writer, and for recovery before
   * the segment is handed to the pool. Readers use {@link #acquire()}.
   */
  public FileHandle handle() {
    SharedHandle h = handle;
    if (h == null || pooled) {
      throw new IllegalStateException("segment " + this + " has no pinned handle; use acquire()");
    }
    return h.file();
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
    if (view.isAt(path, position) && view.contains(recordIndex)) {
      return;
    }
    // Published bytes never change, so a read-ahead view may read up to the segment's size.
    long bound = view.readsAhead() || slot + 1 >= fi.count() ? size : fi.position(slot + 1);
    loadAt(view, position, bound, header.baseIndex() + fi.relIndex(slot));
    if (!view.contains(recordIndex)) {
      // A cut in place rewrote the frame, shorter, at the same position after this (replaced)
      // segment object indexed it: the frame starts with the right index and checks out, but no
      // longer holds this one. The caller re-checks the cut epoch, and retries or reports it gone.
      long first = view.firstIndex();
      long end = view.endIndex();
      view.clear();
      throw new CorruptLogException(
          path,
          position,
          "the frame holds indexes " + first + ".." + (end - 1) + ", not index " + recordIndex);
    }
  }

  /**
   * Loads the frame at {@code position} into {@code view}: out of the mapping when there is one,
   * else by pread through a handle reference (mapping the file for the next reads if it may).
   */
  private void loadAt(FrameView view, long position, long bound, long expectedFirst)
      throws IOException {
    MappedSegment m = mapped;
    if (m != null && m.tryEnter()) {
      try {
        if (!handleReferenced) {
          handleReferenced = true; // the pool's clock sees mapped reads as any other
        }
        view.load(m.reads(), path, position, bound, expectedFirst, maxBody, header, decoder);
      } finally {
        m.exit();
      }
      return;
    }
    SharedHandle h = acquire(); // also under the write buffer's view: it reads the same file
    try {
      if (mapSealed && pooled && !mapDisabled && mapped == null) {
        mapFor(h);
      }
      view.load(fileView(h), path, position, bound, expectedFirst, maxBody, header, decoder);
    } finally {
      h.release();
    }
  }

  /** Reads one record, which the caller knows is below {@link #nextIndex()}. */
  public Record read(long recordIndex, FrameView view) throws IOException {
    if (!view.contains(recordIndex)) {
      loadFrame(recordIndex, view);
    }
    return view.record(recordIndex);
  }

  /**
   * The first index in {@code [from, end)} whose record's timestamp is at least {@code timestamp},
   * or -1 if none; {@code end} at most {@link #nextIndex()}. Reads from the frame the time samples
   * point at, so at most about {@link FrameIndex#TIME_SAMPLE_BYTES} of frames before the answer (or
   * to {@code end} if there is none); without samples (an active segment reopened after a clean
   * close) from the segment's start.
   */
  public long indexAtOrAfter(long timestamp, long from, long end, FrameView view)
      throws IOException {
    FrameIndex fi = frameIndex();
    int slot;
    if (fi.hasTimes()) {
      slot = fi.timeStartSlot(timestamp);
    } else if (trailer != null) {
      slot = timeSource.startSlot(this, timestamp);
    } else {
      slot = 0;
    }
    long i = from;
    if (slot > 0 && slot < fi.count()) {
      i = Math.max(from, header.baseIndex() + fi.relIndex(slot));
    }
    for (; i < end; i++) {
      if (!view.contains(i)) {
        loadFrame(i, view);
      }
      if (view.timestamp(i) >= timestamp) {
        return i;
      }
    }
    return -1;
  }

  // ---- writing (the log's writer thread only)

  /**
   * Appends one encoded frame (position to limit of {@code frame}; consumed) and publishes it.
   *
   * @throws IOException if the write fails; then nothing is published
   */
  public void append(ByteBuffer frame, long firstIndex, int records, long minTs, long maxTs)
      throws IOException {
    long position = size;
    int length = frame.remaining();
    TailBuffer t = tail;
    if (t != null) {
      t.append(frame, position); // hashed when written to the file
    } else {
      int start = frame.position();
      handle.file().writeFully(frame, position);
      digest.appended(frame.position(start), position); // the same bytes again: no view per frame
    }
    publish(position, length, firstIndex, records, minTs, maxTs);
  }

  /**
   * The write buffer while the segment buffers, else null: a frame that fits in its {@link
   * TailBuffer#room()} may be encoded in place at {@link TailBuffer#used()} and published with
   * {@link #appendBuffered}.
   */
  public TailBuffer writeBuffer() {
    return tail;
  }

  /**
   * Publishes the frame of {@code length} bytes the writer encoded in place in the {@link
   * #writeBuffer()} at its {@link TailBuffer#used()} offset: the same as {@link #append} of those
   * bytes (the digest takes them when the buffer is written to the file).
   */
  public void appendBuffered(int length, long firstIndex, int records, long minTs, long maxTs) {
    TailBuffer t = tail;
    long position = size;
    if (t == null || t.flushedEnd() + t.used() != position) {
      throw new IllegalStateException(this + ": no write buffer ending at " + position);
    }
    t.commit(length);
    publish(position, length, firstIndex, records, minTs, maxTs);
  }

  /** Publishes a frame now stored at {@code position}, in the order the class note gives. */
  private void publish(
      long position, int length, long firstIndex, int records, long minTs, long maxTs) {
    FrameIndex fi = index;
    size = position + length;
    fi.add((int) (firstIndex - header.baseIndex()), (int) position, maxTs);
    frameCount++;
    minTimestamp = Math.min(minTimestamp, minTs);
    maxTimestamp = Math.max(maxTimestamp, maxTs);
    nextIndex = firstIndex + records; // publish
  }

  /**
   * Publishes a frame of {@code length} bytes that the writer already wrote at {@link #size()}
   * through {@link #handle()}: a streamed record, whose body is written before its header. The same
   * publication order as {@link #append}.
   */
  public void publishWritten(int length, long firstIndex, int records, long minTs, long maxTs) {
    long position = size;
    size = position + length;
    index.add((int) (firstIndex - header.baseIndex()), (int) position);
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
    TailBuffer t = tail;
    if (t != null) {
      t.append(frame, position); // hashed when written to the file
    } else {
      ByteBuffer bytes = frame.duplicate();
      handle.file().writeFully(frame, position);
      digest.appended(bytes, position); // the trailer's digest covers checkpoint frames too
    }
    size = position + length;
  }

  /**
   * After a failed {@link #append}: truncates whatever part of the frame reached the file, back to
   * the published size. Best effort; recovery cuts a torn tail anyway.
   */
  public void discardUnpublished() {
    try {
      TailBuffer t = tail;
      handle.file().truncate(t != null ? Math.min(t.flushedEnd(), size) : size);
    } catch (IOException ignored) {
      // the log is being fenced; recovery will cut the tail
    }
  }

  // ---- write buffering and the digest (the log's writer thread only)

  /**
   * From now on, appends are buffered in a {@link TailBuffer} until {@link #flush}, a full buffer,
   * or {@link #seal}; readers see buffered frames as any other. The buffer is the log's reused
   * {@code memory}, which the new {@link TailBuffer} owns until {@link #stopBuffering} or {@link
   * #seal} detaches it (see {@link WriteBufferMemory}). A no-op while this segment already buffers,
   * or once it is sealed.
   *
   * @throws IllegalStateException if an attached TailBuffer (of any segment) still owns {@code
   *     memory}
   */
  public void startBuffering(WriteBufferMemory memory) {
    if (tail == null && trailer == null) {
      tail = new TailBuffer(handle.file(), memory, size, digest::appended);
    }
  }

  /**
   * Writes buffered frames to the file (no fsync); a no-op when nothing is buffered.
   *
   * @throws IOException if the write fails; the frames stay buffered and readable
   */
  public void flush() throws IOException {
    TailBuffer t = tail;
    if (t != null) {
      t.flush();
    }
  }

  /**
   * Flushes and stops buffering (before anything that rewrites the segment's end, such as a
   * truncation); {@link #startBuffering} may resume it after. The buffer's memory is free for
   * another TailBuffer once this returns.
   *
   * @throws IOException if the flush fails; then the segment keeps buffering, and its TailBuffer
   *     keeps the memory; no part of the failed write stays in the file ({@link
   *     #discardUnpublished}: a full disk, reopened, needs no space to cut a torn tail)
   */
  public void stopBuffering() throws IOException {
    TailBuffer t = tail;
    if (t != null) {
      try {
        t.detach();
      } catch (IOException e) {
        discardUnpublished();
        throw e;
      }
      tail = null;
    }
  }

  /** Fsyncs the segment's data. */
  public void force() throws IOException {
    SharedHandle h = acquire(); // a sync racing a roll may force a segment just handed to the pool
    try {
      h.file().force();
    } finally {
      h.release();
    }
  }

  /**
   * Seals the segment: computes the digest of its content, writes the trailer and fsyncs. Returns
   * the trailer.
   *
   * @throws IOException if a write or the fsync fails; a failed write (of the buffered frames or of
   *     the trailer) leaves no part of it in the file, as {@link #discardUnpublished} (a full disk:
   *     reopening then needs no space to cut a torn tail)
   */
  public Trailer seal(long syncedIndex) throws IOException {
    stopBuffering(); // everything in the file: readers of this segment read the file from now on
    byte[] digest = this.digest.finish(size);
    Trailer t =
        new Trailer(nextIndex, recordCount(), frameCount, minTimestamp, maxTimestamp, digest);
    ByteBuffer frame = SegmentFormat.encodeTrailerFrame(t, syncedIndex);
    FileHandle file = handle.file();
    try {
      file.writeFully(frame, size);
    } catch (IOException e) {
      discardUnpublished();
      throw e;
    }
    file.force();
    size += SegmentFormat.TRAILER_FRAME_BYTES;
    trailer = t;
    return t;
  }

  /**
   * Before a cut in place rewrites this segment's file (the log then replaces this object): its
   * digest is never finished, and the log's digester stops reading the file. Writer thread.
   */
  public void abandonDigest() {
    digest.abandon();
  }

  /**
   * The background digest's reads, on the digester thread: the file only (the digest asks only for
   * bytes already written to it), through a reference to the installed handle, never reopening it;
   * refused once the segment is sealed and pooled or closed, when the digest is done anyway.
   */
  private void readFileForDigest(ByteBuffer dst, long position) throws IOException {
    SharedHandle h = handle;
    if (h == null || pooled || !h.tryRetain()) {
      throw new IOException("segment " + this + " no longer has its writer's handle");
    }
    try {
      h.file().readFully(dst, position);
    } finally {
      h.release();
    }
  }

  private void readForDigest(ByteBuffer dst, long position) throws IOException {
    TailBuffer t = tail;
    if (t != null) {
      t.readView().readFully(dst, position);
    } else {
      handle.file().readFully(dst, position);
    }
  }

  /** SHA-256 of the file's bytes {@code [0, length)}. */
  public static byte[] digest(FileHandle handle, long length) throws IOException {
    MessageDigest sha = sha256();
    SegmentDigest.hashRange(sha, handle::readFully, 0, length);
    return sha.digest();
  }

  public static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  // ---- whole-segment readers (checkpoints)

  /** A handle that reads every published byte of a segment; close it once, when done. */
  public interface ReadReference extends Closeable {
    FileHandle file();

    @Override
    void close() throws IOException;
  }

  /**
   * A reference for reading the segment over a while: through the write buffer's view while the
   * segment buffers (its newest frames may not be in the file yet), else a reference to the pooled
   * file that keeps the handle pool from closing it until {@link ReadReference#close()}.
   */
  public ReadReference openForReading() throws IOException {
    SharedHandle h = acquire(); // also under the write buffer's view: it reads the same file
    FileHandle view = fileView(h);
    return new ReadReference() {
      @Override
      public FileHandle file() {
        return view;
      }

      @Override
      public void close() throws IOException {
        h.release();
      }
    };
  }

  // ---- sequential readers

  /**
   * Loads the frame holding {@code recordIndex} into {@code view}: when the view holds this
   * segment's frame just before it, from the position after that frame, without an index lookup
   * (the frame is verified as in {@link #loadFrame}, its first index included); otherwise as {@link
   * #loadFrame}.
   */
  public void loadFrameAfter(long recordIndex, FrameView view) throws IOException {
    // A version 2 segment may hold checkpoint frames between records frames: those take the
    // index lookup.
    if (header.version() < SegmentFormat.VERSION_2
        && view.precedes(path, recordIndex)
        && recordIndex < nextIndex) {
      // Out of the read-ahead window when it holds the frame: no handle reference or mapping
      // gate per frame, since no byte of the file is read.
      if (!windowReads || !view.loadNextInWindow(path, recordIndex)) {
        loadAt(view, view.nextFramePosition(), size, recordIndex);
      }
    } else {
      loadFrame(recordIndex, view);
    }
  }

  /**
   * What a read holding reference {@code h} reads through: the write buffer's view while the
   * segment is active and buffering (its newest bytes may be there), else the file. Read after
   * {@code h} was acquired: while the buffer is attached the segment is active, so {@code h} is the
   * handle under the buffer, and the reference keeps the pool from closing it if the segment is
   * sealed and its handle evicted during the read.
   */
  private FileHandle fileView(SharedHandle h) {
    TailBuffer t = tail;
    return t != null ? t.readView() : h.file();
  }

  // ---- following another process's writes (read-only logs)

  /**
   * For a log opened read-only: publishes frames that another process appended, which the caller
   * verified and added to the frame index, ending at {@code newSize}; a non-null {@code sealedBy}
   * is the trailer it found after them. Same publication order as {@link #append}: size, (index
   * entries, already added), then {@code nextIndex}. Called by one thread at a time.
   */
  public void publishDiscovered(
      long newSize, long newNextIndex, int frames, long minTs, long maxTs, Trailer sealedBy) {
    size = newSize;
    frameCount += frames;
    minTimestamp = Math.min(minTimestamp, minTs);
    maxTimestamp = Math.max(maxTimestamp, maxTs);
    nextIndex = newNextIndex; // publish
    if (sealedBy != null) {
      trailer = sealedBy;
    }
  }

  // ---- the file handle (see the class note)

  /**
   * A reference to the segment's open file, reopening it if the pool closed it. The caller calls
   * {@link SharedHandle#release()} exactly once, in a finally block.
   *
   * @throws SegmentRetiredException if the segment was retired ({@link #close()})
   * @throws CorruptLogException if the file now under the segment's name is another file
   */
  public SharedHandle acquire() throws IOException {
    SharedHandle h = handle;
    if (h != null && h.tryRetain()) {
      if (!handleReferenced) {
        handleReferenced = true; // written only when clear, as for the index cache
      }
      return h;
    }
    if (pooled) {
      handlePool.makeRoomFor(this); // outside our lock: see HandlePool
    }
    boolean reopened = false;
    synchronized (handleLock) {
      if (retired) {
        throw new SegmentRetiredException(path);
      }
      h = handle;
      if (h == null || !h.tryRetain()) {
        h = new SharedHandle(reopen());
        h.tryRetain(); // the caller's reference, besides the segment's
        handle = h;
        reopened = true;
      }
    }
    handleReferenced = true;
    if (reopened && pooled) {
      handlePool.opened(this); // outside our lock: see HandlePool
    }
    return h;
  }

  /** Opens the file under the segment's name and checks it is this very segment. */
  private FileHandle reopen() throws IOException {
    FileHandle f = io.open(path, reopenMode);
    try {
      long fileSize = f.size();
      String different = null;
      if (fileSize < SegmentFormat.HEADER_BYTES || fileSize < size) {
        different = "it is " + fileSize + " bytes long, the segment " + size;
      } else {
        ByteBuffer got = ByteBuffer.allocate(SegmentFormat.HEADER_BYTES);
        f.readFully(got, 0);
        ByteBuffer expected = SegmentFormat.encodeHeader(header);
        if (!got.flip().equals(expected)) {
          try {
            SegmentHeader h = SegmentFormat.decodeHeader(got);
            different =
                "its header says log "
                    + h.logId()
                    + " sequence "
                    + h.sequence()
                    + " base index "
                    + h.baseIndex();
          } catch (FormatException e) {
            different = "its header is not valid (" + e.getMessage() + ")";
          }
        } else if (trailer != null && fileSize != size) {
          different = "it is " + fileSize + " bytes long, the sealed segment " + size;
        }
      }
      if (different != null) {
        throw new CorruptLogException(
            path,
            0,
            "segment file was replaced while the log was open: reopening it found another file ("
                + different
                + ", expected log "
                + header.logId()
                + " sequence "
                + header.sequence()
                + " base index "
                + header.baseIndex()
                + ")");
      }
      return f;
    } catch (IOException | RuntimeException e) {
      try {
        f.close();
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  /**
   * Maps the file of this sealed, pooled segment through {@code h}, if {@code h} is still the
   * installed handle (the pool may have closed it since): the mapping then lives as long as the
   * handle is installed. A file that does not map is read by pread from then on.
   */
  private void mapFor(SharedHandle h) {
    synchronized (handleLock) {
      if (retired || mapDisabled || mapped != null || handle != h || trailer == null) {
        return;
      }
      try {
        MappedSegment m = MappedSegment.map(path, h.file(), size);
        if (m == null) {
          mapDisabled = true; // in memory, a wrapper that sees every read, or 2 GiB and more
        }
        mapped = m;
      } catch (IOException e) {
        mapDisabled = true; // out of address space or map count: pread still works
      }
    }
  }

  /**
   * Before a cut in place shrinks this segment's file: drops its mapping and waits for the copies
   * in flight out of it and out of the mappings evictions dropped before, so that none reads past
   * the file's new end; later reads of this segment object use pread. Called by the log's writer,
   * holding its append lock.
   */
  public void revokeMapping() {
    synchronized (handleLock) {
      mapDisabled = true;
      dropMappingLocked();
    }
    awaitMappedCopies(); // the current mapping's copies and earlier ones'
  }

  /**
   * Waits until no copy runs out of any mapping this segment dropped (at an eviction, a revoke or
   * {@link #close()}), so the file may shrink: a cut in place, or another open of the log (in this
   * process or another) after close. The log's close calls it once closing released the files.
   */
  public void awaitMappedCopies() {
    List<MappedSegment> all;
    synchronized (handleLock) {
      all = new ArrayList<>(droppedMappings);
      droppedMappings.clear();
    }
    for (MappedSegment m : all) {
      m.revoke();
    }
  }

  /** Whether reads of this segment go through a mapping now. */
  public boolean isMapped() {
    return mapped != null;
  }

  /**
   * Drops the mapping with the handle, keeping it among {@code droppedMappings} while copies out of
   * it may still run (a later mapping of the file does not cover them); returns it, or null, for
   * the caller to release outside the lock. @GuardedBy("handleLock")
   */
  private MappedSegment dropMappingLocked() {
    MappedSegment m = mapped;
    mapped = null;
    if (m != null) {
      droppedMappings.removeIf(MappedSegment::isUnmapped);
      droppedMappings.add(m);
    }
    return m;
  }

  /**
   * Hands a sealed segment's handle to the pool, which may then close it (reopened on demand). The
   * writer must not write to the segment after this.
   */
  public void releaseHandleToPool() {
    if (trailer == null) {
      throw new IllegalStateException("segment " + this + " is not sealed");
    }
    pooled = true;
    if (handle != null) {
      handlePool.opened(this);
    }
  }

  /** Clears the pool's referenced bit; returns whether it was set. */
  boolean clearHandleReferenced() {
    boolean was = handleReferenced;
    handleReferenced = false;
    return was;
  }

  /** The pool closes this segment's handle; reads in flight finish on it first. */
  void closeIdleHandle() {
    SharedHandle h;
    MappedSegment m;
    synchronized (handleLock) {
      h = handle;
      handle = null;
      m = dropMappingLocked();
    }
    if (m != null) {
      m.release(); // unmapped when the copies in flight exit
    }
    if (h != null) {
      try {
        h.release();
      } catch (IOException ignored) {
        // closing a file only read from: nothing was lost, the next use reopens
      }
    }
  }

  /** Whether the segment's file is open now (not counting reads in flight on an evicted handle). */
  public boolean isHandleOpen() {
    return handle != null;
  }

  public boolean isRetired() {
    return retired;
  }

  /**
   * Retires the segment: drops it from the handle pool and the index cache and closes its file; it
   * never reopens, and later reads throw {@link SegmentRetiredException}. Reads in flight finish on
   * the handle they hold, which closes when the last one releases it. Call this before deleting the
   * segment's file, so no read can reopen the name (which a new segment may reuse).
   */
  @Override
  public void close() throws IOException {
    SharedHandle h;
    MappedSegment m;
    digest.abandon(); // before the file closes: the digester stops reading it
    synchronized (handleLock) {
      if (retired) {
        return;
      }
      retired = true;
      h = handle;
      handle = null;
      m = dropMappingLocked(); // awaitMappedCopies waits for its copies
    }
    if (m != null) {
      m.release(); // unmapped when the copies in flight exit
    }
    handlePool.remove(this);
    indexCache.remove(this);
    if (h != null) {
      h.release();
    }
  }

  @Override
  public String toString() {
    return path.getFileName() + "[" + header.baseIndex() + ".." + (nextIndex - 1) + "]";
  }
}
