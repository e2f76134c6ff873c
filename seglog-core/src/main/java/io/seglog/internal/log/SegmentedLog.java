package io.seglog.internal.log;

import io.seglog.CorruptLogException;
import io.seglog.Entry;
import io.seglog.IndexOutOfRangeException;
import io.seglog.Log;
import io.seglog.LogClosedException;
import io.seglog.LogConfig;
import io.seglog.LogFencedException;
import io.seglog.LogLockedException;
import io.seglog.LogMetrics;
import io.seglog.LogReader;
import io.seglog.LogStats;
import io.seglog.NoSuchLogException;
import io.seglog.Record;
import io.seglog.RecordTooLargeException;
import io.seglog.RecordsGoneException;
import io.seglog.RecoveryReport;
import io.seglog.RetentionResult;
import io.seglog.SeglogException;
import io.seglog.SeglogIOException;
import io.seglog.SegmentInfo;
import io.seglog.SyncPolicy;
import io.seglog.Tailer;
import io.seglog.Visibility;
import io.seglog.internal.codec.FrameCoder;
import io.seglog.internal.format.FileNames;
import io.seglog.internal.format.FormatException;
import io.seglog.internal.format.FrameEnvelope;
import io.seglog.internal.format.FrameHeader;
import io.seglog.internal.format.MetadataFormat.Metadata;
import io.seglog.internal.format.MetadataFormat.Pending;
import io.seglog.internal.format.PositionFormat;
import io.seglog.internal.format.SegmentFormat;
import io.seglog.internal.format.Trailer;
import io.seglog.internal.io.FileHandle;
import io.seglog.internal.io.FileIO;
import io.seglog.internal.segment.FrameIndex;
import io.seglog.internal.segment.FrameView;
import io.seglog.internal.segment.Segment;
import io.seglog.internal.segment.SegmentRetiredException;
import io.seglog.internal.segment.TailBuffer;
import io.seglog.internal.segment.WriteBufferMemory;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SelectableChannel;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * The log: an ordered array of segments, the last one active.
 *
 * <p>Design note. Appends are serialized by {@code appendLock}: the writer encodes a frame into its
 * buffer, writes it at the active segment's end and publishes it (segment size, frame index, then
 * {@code lastIndex}). Durability is the {@link SyncCoordinator}'s: under {@link SyncPolicy#ALWAYS}
 * a blocking append then waits in {@link SyncCoordinator#syncTo} outside the append lock, so
 * appenders that wait at the same time share one fsync (group commit); an asynchronous append
 * queues its future to the coordinator's flush worker. Readers never take a lock: they read {@code
 * lastIndex} (volatile) first, then the segment array (volatile, copy-on-write on roll), so what
 * they see is fully written. No lock is held while a group-commit fsync runs. A thread that holds
 * the append lock and needs records durable fsyncs the active segment itself ({@link
 * #forceActiveLocked}, which then wakes the coordinator's waiters it covered) and never waits in
 * the coordinator: its fsync leader takes the append lock to snapshot what was written, so that
 * wait would deadlock (the coordinator refuses it). That is a seal, a prefix removal past unsynced
 * records, a state machine's checkpoint, and what user code the log runs under the lock (a state
 * machine's callbacks, a purge predicate, a streamed record's source) calls: a {@link #sync}, and
 * (not from a streamed record's source, a state machine's checkpoint or its apply, which may not
 * write: see {@link #checkNotWritingAtEnd}) an append under {@link SyncPolicy#ALWAYS}, or an
 * asynchronous one, whose future is then complete when returned (queued to the flush worker, it
 * could not be joined there). What cannot be done under the lock is refused there with {@link
 * IllegalStateException}: a first {@link #close}, which waits for the flush worker, the interval
 * syncer and the fsync in progress, and a suffix cut ({@link #truncateAfter}, {@link #reset},
 * {@link #clear}), which waits in {@link SyncCoordinator#beginExclusive} for the fsync in progress
 * (see {@link #checkNotUnderAppendLock}): each of these may be waiting for that lock.
 *
 * <p>Write buffer ({@link LogConfig#writeBufferBytes()}, off by default except under {@link
 * SyncPolicy#ALWAYS}, which buffers {@link #ALWAYS_WRITE_BUFFER_BYTES} unless configured otherwise,
 * so that the next fsync leader writes a round's frames in one system call): the active segment's
 * frames are copied into a {@link io.seglog.internal.segment.TailBuffer} and reach the file when it
 * is full, and before every fsync ({@link CoordinatorView#written} flushes under the append lock,
 * so an fsync covers everything its snapshot reports), seal and close. Readers read buffered frames
 * from it without locks. The log allocates one buffer ({@link WriteBufferMemory}), on first use,
 * and hands it from each TailBuffer to the next (after a roll, a streamed record, a cut), each
 * detached before the next one is made; close drops it. What an acknowledgement means then: under
 * ALWAYS, unchanged (the append returns after the fsync that covers it); under NONE and INTERVAL,
 * the record is published to readers but may be only in the buffer, so a process crash loses it,
 * and a failed flush fences the log and loses it (it was never reported durable). {@code
 * durableIndex} only moves after an fsync of flushed bytes, so it, and the synced index written
 * into frame headers (FORMAT.md section 4), stay truthful; nothing reported durable is ever lost.
 *
 * <p>Packed single appends. With a configured write buffer under NONE or INTERVAL, single records
 * are packed into an open frame in the buffer (at most {@link #PACK_MAX_RECORDS} records and {@link
 * #PACK_MAX_FRAME_BYTES} bytes): encoded past the buffer's used bytes, not published ({@code
 * lastIndex} stops before them; {@code openRecords} counts them), sealed (header and checksum, then
 * published as any frame) when it is full, when the next record does not fit, before anything else
 * is written, flushed, synced, rolled, cut or closed (every such path calls {@link #sealOpenLocked}
 * first; the buffer refuses to flush or append past an open frame), and when a reader needs one of
 * its records. Readers: {@link #lastIndex()} and every read bound go through {@link
 * #visibleLastIndex}, which seals an open frame under the append lock, so an append's record is
 * readable as soon as it returns. A tailer waiting on the written signal may not take the append
 * lock (the writer takes the signal's lock to wake it): its readiness check counts open records as
 * ready, and the writer seals at once when a tailer waits (a volatile write of {@code openRecords}
 * before a volatile read of the waiters, against the tailer's write of the waiters before its read
 * of {@code openRecords}: one of them sees the other; seglog-jcstress's {@code
 * PackedAppendHandshakeTest} checks it). Why: the per-frame costs (header, checksum call, frame
 * index entry, publication) were half of a buffered append's time; a frame of 8 records of 100 B
 * (the 1 KiB cap) takes 120 B per record on disk instead of 148. Not under ALWAYS (each append
 * waits for its own fsync), nor with a state machine or coded frames (their frames are built per
 * append).
 *
 * <p>Single records ({@code append} of one payload or entry) on a plain log (no compression or
 * encryption, no state machine) take a fast path with the same steps and bytes as {@code
 * appendBatch} of that one entry, minus the batch: the frame is encoded in place in the write
 * buffer when it fits, else in the encoder's reused buffer. Everything else takes the batch path.
 *
 * <p>Failure: the first failed write or fsync fences the log (stored in {@code fenced}); every
 * later append throws {@link LogFencedException} and every queued future fails. An fsync is never
 * retried: after a failed fsync the page cache may have dropped the dirty pages, so a retry could
 * succeed over lost data.
 */
public final class SegmentedLog implements Log {
  private final Path directory;
  private final LogConfig config;
  private final LogFiles files;
  private final boolean readOnly;
  private final Closeable directoryLock;
  private volatile Metadata metadata; // replaced under appendLock when the first index moves
  private final RecoveryReport report;
  private final Runnable stopIndexWrites;
  private final Segment.Context context;
  private final ThreadLocal<ReadView> readViews = ThreadLocal.withInitial(ReadView::new);

  private final ReentrantLock appendLock = new ReentrantLock();
  private final SyncCoordinator sync;
  private final ScheduledExecutorService intervalSyncer;
  // How long close waits for the interval syncer's last run (an fsync of a slow disk).
  private static final long SYNCER_STOP_SECONDS = 30;

  private volatile Segment[] segments;
  private volatile long firstIndex;
  private volatile long lastIndex;
  private volatile LogFencedException fenced; // set once, under fenceLock
  private final Object fenceLock = new Object();
  // The interval syncer fenced the log and no caller has been told (no operation threw it since,
  // see told()): close throws it, or nobody would learn that acknowledged records were not made
  // durable.
  private volatile boolean fencedUnseen;
  private volatile Thread syncerThread; // the interval syncer's thread, once started
  private volatile boolean closing; // set under appendLock: no more appends, syncs or futures
  private volatile boolean closed; // files closed: no more reads
  private volatile Thread closingThread; // the thread running the first close, set with closing
  // Released at the very end of the first close, failed or not: a later close waits for it.
  private final CountDownLatch closeDone = new CountDownLatch(1);

  private final FrameEncoder encoder; // @GuardedBy("appendLock")
  // The write buffer every TailBuffer of this log writes into, one after the other; null until a
  // segment first buffers, and again once closed. @GuardedBy("appendLock")
  private WriteBufferMemory writeBuffer;

  // Tailers: see the "tailers and positions" block.
  private final TailSignal writtenSignal = new TailSignal();
  private final TailSignal durableSignal = new TailSignal();
  private final PositionStore positions;
  private final ReadOnlyFollower follower; // read-only logs only
  private volatile boolean externallyTruncated;

  // Bytes written since open, for the fsync counters. @GuardedBy("appendLock")
  private long bytesWritten;
  // The open frame (see "Packed single appends" in the class note). Its records are appended but
  // not published: lastIndex stops before them. @GuardedBy("appendLock")
  private final boolean packs;
  private int openLength; // bytes, header included, at the write buffer's used() offset
  private long openMinTs;
  private long openMaxTs;
  // Records in the open frame, also read by readers: non-zero means records past lastIndex wait
  // there, and a reader that needs them publishes them (publishPending). Written under appendLock.
  private volatile int openRecords;
  // bytesWritten after the last frame holding no record (a checkpoint chunk): sync() fsyncs it when
  // the coordinator's durable bytes are below it. Written under appendLock.
  private volatile long unindexedEnd;
  // Who writes at the end of the active segment while user code runs under the append lock (a
  // streamed record, past the published end, while its source is read; a state machine's
  // checkpoint, its chunks after the offset taken for it), or null: that code may not write there
  // too (see checkNotWritingAtEnd). @GuardedBy("appendLock")
  private String writingAtEnd;

  private SegmentedLog(
      Path directory,
      LogConfig config,
      LogFiles files,
      boolean readOnly,
      Closeable directoryLock,
      Recovery.Result recovered,
      SecureRandom saltSource) {
    this.directory = directory;
    this.config = config;
    this.files = files;
    this.readOnly = readOnly;
    this.directoryLock = directoryLock;
    this.metadata = recovered.metadata();
    this.report = recovered.report();
    this.stopIndexWrites = recovered.indexWrites();
    this.context = recovered.context();
    this.encoder = newEncoder(config, readOnly, saltSource);
    this.packs =
        !readOnly
            && config.writeBufferBytes() > 0
            && config.syncPolicy().kind() != SyncPolicy.Kind.ALWAYS;
    this.positions =
        new PositionStore(directory, files.io(), metadata.logId(), !readOnly, config.clock());
    this.follower =
        readOnly
            ? new ReadOnlyFollower(
                files, metadata.logId(), metadata.maxBodyBytes(), context, metadata.firstIndex())
            : null;
    this.segments = recovered.segments().toArray(new Segment[0]);
    if (follower != null) {
      try {
        follower.start(segments); // a truncation by the writer from now on is noticed
      } catch (IOException e) {
        // the first refresh remembers it instead (and reports what it cannot read)
      }
    }
    if (!readOnly && (encoder.codes() || files.segmentVersion() >= SegmentFormat.VERSION_2)) {
      replaceEmptyVersion1Active(); // before any other thread (syncer, reader) sees the segment
    }
    for (Segment s : segments) {
      s.releaseIndexToCache(); // indexes a full scan loaded are bounded like any other
      if (s.isSealed()) {
        s.releaseHandleToPool(); // so are sealed segments' open files
      }
    }
    this.firstIndex = metadata.firstIndex();
    Segment[] s = segments;
    this.lastIndex = s.length == 0 ? firstIndex - 1 : s[s.length - 1].nextIndex() - 1;
    if (!readOnly && s.length > 0) {
      startBuffering(s[s.length - 1]);
    }
    // Recovery fsynced the active segment: everything that survived is durable.
    this.sync =
        new SyncCoordinator(
            new CoordinatorView(), name(directory), lastIndex, 0, config.syncWaitSpin().toNanos());
    if (!readOnly && config.syncPolicy().kind() == SyncPolicy.Kind.INTERVAL) {
      long millis = Math.max(1, config.syncPolicy().interval().toMillis());
      intervalSyncer =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "seglog-sync " + name(directory));
                t.setDaemon(true);
                syncerThread = t;
                return t;
              });
      intervalSyncer.scheduleWithFixedDelay(
          this::backgroundSync, millis, millis, TimeUnit.MILLISECONDS);
    } else {
      intervalSyncer = null;
    }
  }

  private static String name(Path directory) {
    Path name = directory.getFileName();
    return name == null ? directory.toString() : name.toString();
  }

  /** Opens (creating if absent) with the given I/O implementation. */
  public static SegmentedLog open(Path directory, LogConfig config, FileIO io) {
    return open(directory, config, io, UUID.randomUUID());
  }

  /** Opens, creating a new log with {@code newLogId} if absent (golden-file tests fix the id). */
  public static SegmentedLog open(Path directory, LogConfig config, FileIO io, UUID newLogId) {
    return open(directory, config, io, newLogId, new SecureRandom());
  }

  /**
   * {@link #open(Path, LogConfig, FileIO, UUID)} drawing the salts of encrypted frames from {@code
   * saltSource}: a {@link SecureRandom} always, but for golden files.
   */
  public static SegmentedLog open(
      Path directory, LogConfig config, FileIO io, UUID newLogId, SecureRandom saltSource) {
    return open(directory, config, io, newLogId, saltSource, SegmentFormat.VERSION_1);
  }

  private static SegmentedLog open(
      Path directory,
      LogConfig config,
      FileIO io,
      UUID newLogId,
      SecureRandom saltSource,
      int segmentVersion) {
    Objects.requireNonNull(directory, "directory");
    Objects.requireNonNull(config, "config");
    FrameCoder.checkAvailable(config); // a missing codec library fails before anything is opened
    Path dir = directory.toAbsolutePath();
    try {
      createDurably(dir, io);
    } catch (IOException e) {
      throw new SeglogIOException("cannot create log directory " + dir, e);
    }
    Closeable lock;
    try {
      lock = io.tryLock(dir.resolve(FileNames.LOCK));
    } catch (IOException e) {
      throw new SeglogIOException("cannot lock log directory " + dir, e);
    }
    if (lock == null) {
      throw new LogLockedException("log directory " + dir + " is locked by another process");
    }
    LogFiles files = new LogFiles(dir, io);
    files.segmentVersion(segmentVersion);
    try {
      Recovery.Result r = new Recovery(files, config, true, newLogId).run();
      return new SegmentedLog(dir, config, files, false, lock, r, saltSource);
    } catch (IOException e) {
      LogFiles.closeQuietly(lock, e);
      throw new SeglogIOException("cannot open log " + dir, e);
    } catch (RuntimeException e) {
      LogFiles.closeQuietly(lock, e);
      throw e;
    }
  }

  /**
   * Creates {@code dir} and any missing ancestors, fsyncing the parent of each one created, so the
   * new entries survive a crash. (The log directory itself is fsynced by every writable open.)
   */
  private static void createDurably(Path dir, FileIO io) throws IOException {
    Path top = dir;
    while (top.getParent() != null && !io.exists(top.getParent())) {
      top = top.getParent();
    }
    if (io.exists(dir)) {
      return;
    }
    io.createDirectories(dir);
    for (Path p = dir; p != null && p.startsWith(top); p = p.getParent()) {
      if (p.getParent() != null) {
        io.forceDirectory(p.getParent());
      }
    }
  }

  /** Opens an existing log read-only: no lock, no writes, recovery applied in memory only. */
  public static SegmentedLog openReadOnly(Path directory, LogConfig config, FileIO io) {
    Path dir = directory.toAbsolutePath();
    if (!io.exists(dir)) {
      throw new NoSuchLogException("log directory " + dir + " does not exist");
    }
    LogFiles files = new LogFiles(dir, io);
    try {
      Recovery.Result r = new Recovery(files, config, false, null).run();
      return new SegmentedLog(dir, config, files, true, null, r, null);
    } catch (IOException e) {
      throw new SeglogIOException("cannot open log " + dir, e);
    }
  }

  // ---- appending

  @Override
  public long append(byte[] payload) {
    Objects.requireNonNull(payload, "payload");
    if (!plainAppends()) {
      return appendBatch(List.of(Entry.of(payload)));
    }
    return appendOne(payload, null, 0, Entry.ASSIGN_TIMESTAMP);
  }

  @Override
  public long append(ByteBuffer payload) {
    Objects.requireNonNull(payload, "payload");
    if (!plainAppends()) {
      return appendBatch(List.of(Entry.of(payload)));
    }
    // One view taken now, as Batch takes it: the caller moving its buffer cannot tear the frame.
    return appendOne(null, payload.duplicate(), 0, Entry.ASSIGN_TIMESTAMP);
  }

  @Override
  public long append(Entry entry) {
    if (!plainAppends()) {
      return appendBatch(List.of(entry));
    }
    return appendOne(null, entry.payload(), entry.type(), entry.timestamp());
  }

  /**
   * Whether a single record may take the fast path ({@link #appendOne}): its frame is the plain
   * records frame, and no state machine must see it. Hooks are installed before the log is shared,
   * and the encoder never changes, so this holds for the log's lifetime once it is shared.
   */
  private boolean plainAppends() {
    return hooks == null && !encoder.codes();
  }

  /**
   * The single-record fast path: {@link #appendBatch} of one entry, writing the same bytes and
   * keeping the same order (size checked before the lock, roll if due, index assigned, frame
   * stored, published, signalled; under ALWAYS, fsynced before returning), but with no batch to
   * build, and the frame encoded in place in the active segment's write buffer when it fits there
   * (else in the encoder's reused buffer, then written). The payload is {@code array}, or {@code
   * view} when {@code array} is null.
   */
  private long appendOne(byte[] array, ByteBuffer view, int type, long timestamp) {
    Batch.checkRecordSize(array != null ? array.length : view.remaining(), config);
    long index;
    long epoch;
    appendLock.lock();
    try {
      index = writeOneLocked(array, view, type, timestamp);
      epoch = cuts.epoch();
    } finally {
      appendLock.unlock();
    }
    awaitDurableIfAlways(index, epoch);
    return index;
  }

  /**
   * {@link #writeLocked} for one record of a plain log: stores its frame at the end of the active
   * segment, encoded in place in the write buffer when it fits there, flushing the buffer first if
   * the frame would fit an empty one only. A failed write publishes nothing and fences the
   * log. @GuardedBy("appendLock")
   */
  private long writeOneLocked(byte[] array, ByteBuffer view, int type, long timestamp) {
    checkNotWritingAtEnd("append");
    checkWritable();
    int frameLength =
        FrameEncoder.singleRecordFrameLength(array != null ? array.length : view.remaining());
    if (openRecords > 0) {
      if (fitsOpenFrame(frameLength - SegmentFormat.FRAME_HEADER_BYTES)) {
        return packLocked(array, view, type, timestamp);
      }
      sealOpenLocked();
    }
    long first = lastIndex + 1;
    Segment active = activeForAppend(frameLength, 1);
    TailBuffer tail = active.writeBuffer();
    boolean buffered = tail != null && frameLength <= tail.capacity();
    if (buffered && frameLength > tail.room()) {
      flushLocked(active); // nothing is open: the frames before are whole
    }
    if (buffered && packs && frameLength <= PACK_MAX_FRAME_BYTES) {
      openLength = SegmentFormat.FRAME_HEADER_BYTES;
      openMinTs = Long.MAX_VALUE;
      openMaxTs = Long.MIN_VALUE;
      return packLocked(array, view, type, timestamp);
    }
    long synced = sync.durableIndex();
    long ts = timestamp == Entry.ASSIGN_TIMESTAMP ? config.clock().millis() : timestamp;
    try {
      if (buffered) {
        FrameEncoder.encodeRecordAt(
            tail.writeBuffer(), tail.used(), array, view, type, ts, first, synced);
        active.appendBuffered(frameLength, first, 1, ts, ts);
      } else {
        ByteBuffer frame = encoder.encodeRecord(array, view, type, ts, first, synced);
        active.append(frame, first, 1, ts, ts);
      }
    } catch (IOException e) {
      active.discardUnpublished(); // as writeLocked
      throw fence("write to " + active.path(), e);
    }
    bytesWritten += frameLength;
    lastIndex = first; // publish to readers
    writtenSignal.published(); // a volatile read, unless a tailer waits
    return first;
  }

  // ---- packed single appends (see the class note)

  /** Most records one open frame takes. */
  static final int PACK_MAX_RECORDS = 16;

  /**
   * Largest open frame, header included: a random read of one of its records reads and checks the
   * whole frame (a random read of packed 100 B records measured 0.7x to 0.8x of one frame each), so
   * packing stops at 1 KiB: the header then costs 4 of 120 bytes per record, against 32 of 148.
   */
  static final int PACK_MAX_FRAME_BYTES = 1024;

  /**
   * Whether a record of {@code recordLength} bytes (its header included) may join the open frame:
   * the frame stays within the packing bounds, the log's largest body, the buffer's room, and the
   * segment's limits (its size with a trailer after, its record count, its age), so that sealing it
   * later needs no roll. @GuardedBy("appendLock")
   */
  private boolean fitsOpenFrame(int recordLength) {
    Segment active = activeSegment();
    int length = openLength + recordLength;
    int count = openRecords;
    long records = active.recordCount() + count + 1;
    return count < PACK_MAX_RECORDS
        && length <= PACK_MAX_FRAME_BYTES
        && length - SegmentFormat.FRAME_HEADER_BYTES <= metadata.maxBodyBytes()
        && length <= active.writeBuffer().room()
        && active.size() + length + SegmentFormat.TRAILER_FRAME_BYTES <= config.segmentBytes()
        && (config.segmentMaxRecords() <= 0 || records <= config.segmentMaxRecords())
        && records <= SegmentFormat.MAX_SEGMENT_RECORDS
        && !tooOld(active); // rollAge: the next append goes to a new segment
  }

  /**
   * Adds one record to the open frame (which {@link #fitsOpenFrame} said takes it) and returns its
   * index; seals the frame at once when a tailer waits (it is then published and signalled), or
   * when the frame is full. @GuardedBy("appendLock")
   */
  private long packLocked(byte[] array, ByteBuffer view, int type, long timestamp) {
    Segment active = activeSegment();
    TailBuffer tail = active.writeBuffer();
    long ts = timestamp == Entry.ASSIGN_TIMESTAMP ? config.clock().millis() : timestamp;
    int at = tail.used() + openLength;
    openLength += FrameEncoder.putRecordAt(tail.writeBuffer(), at, array, view, type, ts) - at;
    int count = openRecords + 1;
    openMinTs = Math.min(openMinTs, ts);
    openMaxTs = Math.max(openMaxTs, ts);
    tail.pending(openLength);
    // A volatile write, then a volatile read of the waiters (as TailSignal's note requires): a
    // tailer that starts waiting now either sees the open records, or is seen here.
    openRecords = count;
    long index = lastIndex + count;
    if (count == PACK_MAX_RECORDS || writtenSignal.waiters() != 0) {
      sealOpenLocked();
    }
    return index;
  }

  /**
   * Seals the open frame, if any, in the write buffer and publishes its records to readers, as the
   * fast path publishes a frame. Writes nothing to the file, so it cannot fail. Every write path
   * but the packing one calls this first, under the append lock: the open frame's records come
   * before anything else written. @GuardedBy("appendLock")
   */
  private void sealOpenLocked() {
    int count = openRecords;
    if (count == 0) {
      return;
    }
    Segment active = activeSegment();
    TailBuffer tail = active.writeBuffer();
    int at = tail.used();
    long first = lastIndex + 1;
    SegmentFormat.sealFrame(
        tail.writeBuffer(),
        at,
        at + openLength,
        SegmentFormat.FRAME_RECORDS,
        count,
        first,
        sync.durableIndex());
    active.appendBuffered(openLength, first, count, openMinTs, openMaxTs);
    bytesWritten += openLength;
    openLength = 0;
    lastIndex = first + count - 1; // publish to readers, then say nothing waits
    openRecords = 0;
    writtenSignal.published();
  }

  /**
   * For readers: publishes the records waiting in the open frame, if any, so that every record an
   * append returned is readable. Takes the append lock only when there are some.
   */
  private void publishPending() {
    if (openRecords != 0) {
      appendLock.lock();
      try {
        sealOpenLocked();
      } finally {
        appendLock.unlock();
      }
    }
  }

  /** Whether appended records wait in the open frame, unpublished (never takes a lock). */
  boolean hasPendingRecords() {
    return openRecords != 0;
  }

  /** The last published index, never publishing pending records (for callers under a lock). */
  long publishedLastIndex() {
    return lastIndex;
  }

  /**
   * The last index appended, every record up to it published: for readers, which must see what an
   * append returned. May take the append lock ({@link #publishPending}), so never call it holding a
   * lock the writer may wait for (a tailer's signal lock).
   */
  private long visibleLastIndex() {
    publishPending();
    return lastIndex;
  }

  @Override
  public long appendBatch(List<Entry> entries) {
    Batch batch = Batch.of(entries, config);
    long first;
    long epoch;
    appendLock.lock();
    try {
      first = writeLocked(batch);
      epoch = cuts.epoch();
    } finally {
      appendLock.unlock();
    }
    awaitDurableIfAlways(first + entries.size() - 1, epoch);
    return first;
  }

  @Override
  public CompletableFuture<Long> appendAsync(Entry entry) {
    return appendBatchAsync(List.of(entry));
  }

  @Override
  public CompletableFuture<Long> appendAsync(byte[] payload) {
    return appendAsync(Entry.of(payload));
  }

  /**
   * {@inheritDoc}
   *
   * <p>Under {@link SyncPolicy#ALWAYS}, on a thread that holds the append lock (user code the log
   * runs under it), the batch is fsynced before this returns and the future is complete: the flush
   * worker's fsync takes that lock to snapshot, so its future could not be joined there. On the
   * flush worker itself (a callback of another asynchronous append's future, which runs on the
   * thread that completes it), the future is queued as anywhere else, and waiting for it there
   * makes it durable in that thread first (see {@link SyncCoordinator#whenDurable}).
   */
  @Override
  public CompletableFuture<Long> appendBatchAsync(List<Entry> entries) {
    Batch batch = Batch.of(entries, config);
    boolean held = appendLock.isHeldByCurrentThread(); // before this call took it
    appendLock.lock();
    try {
      long first = writeLocked(batch);
      if (config.syncPolicy().kind() != SyncPolicy.Kind.ALWAYS) {
        return CompletableFuture.completedFuture(first); // durable as the policy defines it
      }
      long last = first + entries.size() - 1;
      if (held) {
        forceActiveLocked("asynchronous append " + first + ", under the append lock");
        return CompletableFuture.completedFuture(first);
      }
      long epoch = cuts.epoch();
      return sync.whenDurable(last, first)
          .thenApply(
              index -> {
                checkNotCut(last, epoch);
                return index;
              });
    } catch (LogFencedException | LogClosedException e) {
      return CompletableFuture.failedFuture(e);
    } finally {
      appendLock.unlock();
    }
  }

  /**
   * Writes one frame at the end of the active segment and publishes it to readers; returns its
   * first index. A failed write publishes nothing and fences the log. @GuardedBy("appendLock")
   */
  private long writeLocked(Batch batch) {
    checkNotWritingAtEnd("append");
    sealOpenLocked(); // its records come first
    checkWritable();
    int count = batch.size();
    long first = lastIndex + 1;
    Segment active = activeForAppend(batch.frameLength() + codingOverhead(), count);
    if (encoder.codes() && active.header().version() < SegmentFormat.VERSION_2) {
      active = upgradeActiveForCoding(active);
    }
    ByteBuffer frame =
        encoder.encode(
            batch, first, sync.durableIndex(), active.header().version(), metadata.logId());
    int frameLength = frame.remaining();
    ByteBuffer written = hooks == null ? null : plainForHooks(frame, active); // issue 6
    try {
      active.append(frame, first, count, encoder.minTimestamp(), encoder.maxTimestamp());
    } catch (IOException e) {
      // Nothing was published; drop the partial frame so that reopening a full disk needs no
      // space to cut it (best effort: recovery would cut it anyway).
      active.discardUnpublished();
      throw fence("write to " + active.path(), e);
    }
    bytesWritten += frameLength;
    lastIndex = first + count - 1; // publish to readers
    if (written != null) {
      hooks.written(first, count, written); // issue 6: the state machine applies, in order
    }
    writtenSignal.published(); // a volatile read, unless a tailer waits
    return first;
  }

  /** The segment the next frame goes to, rolling first if a limit says so. */
  private Segment activeForAppend(int frameLength, int count) {
    Segment[] s = segments;
    Segment active = s[s.length - 1];
    long records = active.recordCount();
    if (records > 0) {
      boolean full =
          active.size() + frameLength + SegmentFormat.TRAILER_FRAME_BYTES > config.segmentBytes();
      boolean tooMany =
          (config.segmentMaxRecords() > 0 && records + count > config.segmentMaxRecords())
              || records + count > SegmentFormat.MAX_SEGMENT_RECORDS; // compressed: < 1 byte each
      if (full || tooMany || tooOld(active)) {
        return rollLocked(active);
      }
    }
    return active;
  }

  /** Whether {@code active} is older than {@link LogConfig#rollAge()}: the next append rolls it. */
  private boolean tooOld(Segment active) {
    return !config.rollAge().isZero()
        && config.clock().millis() - active.header().createdAt() >= config.rollAge().toMillis();
  }

  @Override
  public void roll() {
    appendLock.lock();
    try {
      checkNotWritingAtEnd("roll");
      sealOpenLocked(); // its records belong to the segment being sealed
      checkWritable();
      Segment[] s = segments;
      if (s[s.length - 1].recordCount() > 0) {
        rollLocked(s[s.length - 1]);
      }
    } finally {
      appendLock.unlock();
    }
  }

  /**
   * Seals {@code active} and starts the next segment. Commit order: trailer written and fsynced
   * (the segment is sealed), index file written, then the next segment created durably (temp name,
   * fsync, rename, directory fsync) and only then published. @GuardedBy("appendLock")
   */
  private Segment rollLocked(Segment active) {
    sealOpenLocked(); // the seal flushes the buffer: the open frame goes first
    try {
      // Sealing fsyncs the whole segment, and every earlier segment is sealed.
      sync.forceAndRecord(
          "rolling segment " + active.path(),
          active.nextIndex() - 1,
          bytesWritten + SegmentFormat.TRAILER_FRAME_BYTES,
          () -> active.seal(sync.durableIndex()));
      bytesWritten += SegmentFormat.TRAILER_FRAME_BYTES;
      FrameIndex index = active.frameIndex();
      files.writeIndex(active, metadata.logId(), index, index.count());
      active.releaseIndexToCache(); // sealed and written: its index may now be unloaded
      active.releaseHandleToPool(); // and its file closed (reopened on demand)
      Segment next =
          files.createNextSegment(
              metadata.logId(),
              active,
              firstIndex,
              config.clock().millis(),
              context,
              FrameCoder.segmentVersionFor(config));
      Segment[] s = segments;
      Segment[] grown = Arrays.copyOf(s, s.length + 1);
      grown[s.length] = next;
      startBuffering(next);
      segments = grown; // publish
      if (hooks != null) {
        hooks.rolled(); // issue 6: the new segment begins with a checkpoint
      }
      // A segment sealed wholly below the first index (it was active when truncateBefore moved the
      // first index past it) holds nothing readable: it goes now. Then retention. Both fence on
      // failure, like the roll itself.
      int below = 0;
      while (below < grown.length - 1 && grown[below].nextIndex() <= firstIndex) {
        below++;
      }
      if (below > 0) {
        removePrefixLocked(firstIndex, below);
      }
      if (Retention.enabled(config)) {
        retainLocked(true);
      }
      return next;
    } catch (IOException e) {
      throw fence("rolling segment " + active.path(), e);
    }
  }

  // ---- streamed records (issue 9): appended from a channel of unknown length, read as a stream

  @Override
  public long appendStream(InputStream source, long maxBytes) throws IOException {
    Objects.requireNonNull(source, "source");
    return appendStream(Channels.newChannel(source), maxBytes);
  }

  @Override
  public long appendStream(ReadableByteChannel source, long maxBytes) throws IOException {
    return appendStream(source, maxBytes, 0, Entry.ASSIGN_TIMESTAMP);
  }

  @Override
  public long appendStream(ReadableByteChannel source, long maxBytes, int type, long timestamp)
      throws IOException {
    Objects.requireNonNull(source, "source");
    Entry.of(new byte[0], type, timestamp); // checks the type and timestamp
    if (config.encryption() != null) {
      // A streamed frame is written outside the frame coder: it would land in plaintext.
      throw new UnsupportedOperationException(
          "log " + directory + " encrypts its frames; streamed records are not encrypted yet");
    }
    if (maxBytes < 0 || maxBytes > config.maxStreamedRecordBytes()) {
      throw new IllegalArgumentException(
          "maxBytes "
              + maxBytes
              + " is outside 0..maxStreamedRecordBytes ("
              + config.maxStreamedRecordBytes()
              + ")");
    }
    if (source instanceof SelectableChannel c && !c.isBlocking()) {
      throw new IllegalArgumentException("source channel " + source + " is in non-blocking mode");
    }
    long index;
    long epoch;
    appendLock.lock();
    try {
      checkNotWritingAtEnd("appendStream");
      sealOpenLocked(); // the stream writes to the file, after everything appended before it
      if (hooks != null) {
        // The state machine applies each record as it is written, whole: a streamed one is not.
        throw new UnsupportedOperationException(
            "log " + directory + " feeds a state machine; streamed records are not applied to it");
      }
      index = streamLocked(source, maxBytes, type, timestamp);
      epoch = cuts.epoch();
    } finally {
      appendLock.unlock();
    }
    awaitDurableIfAlways(index, epoch);
    return index;
  }

  /**
   * Streams one record into the active segment at its end and publishes it. It goes where any
   * append would go: the segment is rolled first only if it is due to roll already (full, too many
   * records, too old); otherwise the record is written there whatever its length, so a segment may
   * exceed segmentBytes by one streamed frame, and the next append rolls it. So a failed stream,
   * cut back to the published size, leaves the files as they were. A source that fails or overflows
   * does not fence the log; a failed write (or a failed cut) does. @GuardedBy("appendLock")
   */
  private long streamLocked(ReadableByteChannel source, long maxBytes, int type, long givenTs)
      throws IOException {
    checkWritable();
    Segment active =
        activeForAppend(SegmentFormat.FRAME_HEADER_BYTES + SegmentFormat.RECORD_HEADER_BYTES, 1);
    try {
      active.stopBuffering(); // the stream writes to the file: buffered frames below it go first
    } catch (IOException e) {
      throw fence("write to " + active.path(), e);
    }
    beginWritingAtEndLocked(
        "appendStream",
        "an appendStream source, while its record is being written at the end of the log; write"
            + " after appendStream has returned");
    try {
      return streamToFile(active, source, maxBytes, type, givenTs);
    } finally {
      endWritingAtEndLocked();
      startBuffering(active);
    }
  }

  /**
   * Refuses a write ({@code what}: an append, a roll, a stream, a checkpoint) from user code the
   * log runs under the append lock while it writes at the end of the active segment on that code's
   * behalf: an appendStream source, whose record is written past the published end (the nested
   * write would go to the same offset, or seal the segment under it; the two would overwrite each
   * other and take the same index), or a state machine's checkpoint (the nested write would go
   * between its chunks or before its first one, whose offset the log has already taken, or roll its
   * chunks into another segment). Nothing has changed when this throws. @GuardedBy("appendLock")
   *
   * @throws IllegalStateException if such a write is under way
   */
  public void checkNotWritingAtEnd(String what) {
    String by = writingAtEnd;
    if (by != null) {
      throw new IllegalStateException("log " + directory + ": " + what + " from " + by);
    }
  }

  /**
   * Under the append lock: from now until {@link #endWritingAtEndLocked}, every write at the end of
   * the log but {@link #writeUnindexedLocked} is refused (see {@link #checkNotWritingAtEnd});
   * {@code by} says from what, and when to write instead; {@code what} names the caller's own
   * write, refused likewise if one is already under way. For a state machine's checkpoint, whose
   * chunks must follow each other from the offset taken for it, and its {@code apply}, which must
   * not write at all (see CheckpointedLog's class note).
   */
  public void beginWritingAtEndLocked(String what, String by) {
    checkNotWritingAtEnd(what);
    writingAtEnd = by;
  }

  /** Ends {@link #beginWritingAtEndLocked}. */
  public void endWritingAtEndLocked() {
    writingAtEnd = null;
  }

  /** {@link #streamLocked} once the active segment writes straight to its file. */
  private long streamToFile(
      Segment active, ReadableByteChannel source, long maxBytes, int type, long givenTs)
      throws IOException {
    long first = lastIndex + 1;
    long start = active.size();
    long timestamp = givenTs == Entry.ASSIGN_TIMESTAMP ? config.clock().millis() : givenTs;
    int length;
    try {
      length =
          StreamedFrame.write(
              active.handle(),
              start,
              source,
              maxBytes,
              timestamp,
              type,
              first,
              sync.durableIndex());
    } catch (StreamedFrame.SourceFailure | RecordTooLargeException e) {
      try {
        active.handle().truncate(start); // nothing of it stays, nothing was published
      } catch (IOException cut) {
        cut.addSuppressed(e);
        throw fence("cutting a failed streamed record from " + active.path(), cut);
      }
      if (e instanceof StreamedFrame.SourceFailure f) {
        if (f.getCause() instanceof IOException io) {
          throw io;
        }
        if (f.getCause() instanceof Error error) {
          throw error;
        }
        throw (RuntimeException) f.getCause();
      }
      throw (RecordTooLargeException) e;
    } catch (IOException e) {
      active.discardUnpublished();
      throw fence("streamed write to " + active.path(), e);
    }
    active.publishWritten(length, first, 1, timestamp, timestamp);
    bytesWritten += length;
    lastIndex = first; // publish to readers
    writtenSignal.published(); // a volatile read, unless a tailer waits
    return first;
  }

  @Override
  public InputStream readStream(long index) {
    checkOpen();
    long epoch = cutEpoch(); // before the extent, as for read
    long last = visibleLastIndex();
    long first = firstIndex;
    if (index < first || index > last) {
      throw new IndexOutOfRangeException(index, first, last);
    }
    Segment segment = segmentFor(index);
    while (true) {
      try {
        return RecordInputStream.open(this, segment, index, context.maxBody(), epoch);
      } catch (SegmentRetiredException e) {
        segment = afterRetired(index, segment, e);
      } catch (IOException | CorruptLogException e) {
        RuntimeException failure =
            e instanceof IOException io ? readFailure(segment, io) : (CorruptLogException) e;
        if (readOnly && !closed) {
          refresh(); // the writer may have removed the records (and the file) since, as for read
        }
        RuntimeException gone = goneAfterFailure(index, epoch, failure);
        if (gone != null) {
          throw gone;
        }
        // a cut ran while we opened it, keeping this record: once more (once per cut)
        epoch = cutEpoch();
        segment = segmentFor(index);
      }
    }
  }

  // ---- compression and encryption (docs/FORMAT.md section 3.5)

  private static FrameEncoder newEncoder(
      LogConfig config, boolean readOnly, SecureRandom saltSource) {
    if (readOnly || FrameCoder.segmentVersionFor(config) == SegmentFormat.VERSION) {
      return new FrameEncoder(config.clock());
    }
    return new FrameEncoder(
        config.clock(),
        new FrameCoder(
            config.compression(), config.compressionMinBytes(), config.encryption(), saltSource));
  }

  /** Bytes a coded frame may take beyond its plain length (encryption's envelope and tag). */
  private int codingOverhead() {
    return encoder.codes() ? FrameEnvelope.MAX_OVERHEAD : 0;
  }

  /**
   * Coded frames need a version 2 segment; a log that was plain until this session may have a
   * version 1 active segment. If it holds records, the first coded append seals it (a roll, whose
   * new segment is version 2). @GuardedBy("appendLock")
   */
  private Segment upgradeActiveForCoding(Segment active) {
    if (active.recordCount() == 0) {
      throw new IllegalStateException(active + ": an empty version 1 segment is replaced at open");
    }
    return rollLocked(active);
  }

  /**
   * At open, before anything else can use it: an empty version 1 active segment is replaced by an
   * empty version 2 one with the same name and chain link (a roll would create a second segment
   * with the same base index; LogFiles#recreateEmptySegment is crash-safe), so no frame is ever
   * written unencrypted once encryption is on, and a log opened with a state machine can write a
   * checkpoint at once (its truncateBefore and checkpoint need one; version 1 holds none).
   */
  private void replaceEmptyVersion1Active() {
    Segment[] s = segments;
    Segment active = s.length == 0 ? null : s[s.length - 1];
    if (active == null
        || active.isSealed()
        || active.recordCount() > 0
        || active.header().version() >= SegmentFormat.VERSION_2) {
      return;
    }
    try {
      s[s.length - 1] = files.recreateEmptySegment(active, context, SegmentFormat.VERSION_2);
      try {
        active.close(); // its file was renamed over; nothing was written through this handle
      } catch (IOException ignored) {
        // nothing of the log depends on this handle any more
      }
    } catch (IOException e) {
      for (Segment seg : s) {
        try {
          seg.close();
        } catch (IOException suppressed) {
          e.addSuppressed(suppressed);
        }
      }
      throw new SeglogIOException(
          "upgrading " + active.path() + " to segment format version 2 failed", e);
    }
  }

  // ---- state-machine hooks (issue 6; used by io.seglog.internal.checkpoint)

  /** What a log opened with a state machine does under the append lock. */
  public interface Hooks {
    /**
     * A records frame was published: {@code frame} (header included, from position 0) holds {@code
     * count} records from index {@code first}.
     */
    void written(long first, int count, ByteBuffer frame);

    /** A roll created a new, empty active segment. */
    void rolled();
  }

  private volatile Hooks hooks;

  /**
   * Opens for a state machine: segments created from now on are format version 2 (they may hold
   * checkpoint frames).
   */
  public static SegmentedLog openForCheckpoints(
      Path directory, LogConfig config, FileIO io, UUID newLogId) {
    return open(directory, config, io, newLogId, new SecureRandom(), SegmentFormat.VERSION_2);
  }

  /**
   * The frame as the state machine reads it: a coded (compressed, encrypted) frame decoded into the
   * plain layout, else the frame itself. @GuardedBy("appendLock")
   */
  private ByteBuffer plainForHooks(ByteBuffer frame, Segment active) {
    int flags = Byte.toUnsignedInt(frame.get(frame.position() + SegmentFormat.FRAME_FLAGS_OFFSET));
    if (flags == 0) {
      return frame.duplicate();
    }
    ByteBuffer b = frame.slice();
    try {
      FrameHeader h = SegmentFormat.decodeFrameHeader(b, 0, metadata.maxBodyBytes(), active.size());
      return context
          .decoder()
          .decode(
              b,
              0,
              h,
              metadata.maxBodyBytes(),
              metadata.logId(),
              active.path(),
              active.size(),
              null);
    } catch (FormatException e) {
      throw new IllegalStateException("a frame just encoded does not decode", e);
    }
  }

  /** Installs the hooks; call before the log is shared with other threads. */
  public void hooks(Hooks h) {
    this.hooks = h;
  }

  /** Calls {@code listener} with the new durable index after every fsync that advanced it. */
  public void durabilityListener(java.util.function.LongConsumer listener) {
    sync.durabilityListener(listener);
  }

  /** Runs {@code action} under the append lock, once the log is known writable. */
  public <T> T underAppendLock(java.util.function.Supplier<T> action) {
    appendLock.lock();
    try {
      sealOpenLocked();
      checkWritable();
      return action.get();
    } finally {
      appendLock.unlock();
    }
  }

  /**
   * Under the append lock: writes a frame that holds no record (a checkpoint chunk) at the end of
   * the active segment. A failed write fences the log.
   */
  public void writeUnindexedLocked(ByteBuffer frame) {
    sealOpenLocked();
    Segment active = activeSegment();
    int n = frame.remaining();
    try {
      active.appendUnindexed(frame);
    } catch (IOException e) {
      active.discardUnpublished();
      throw fence("write to " + active.path(), e);
    }
    bytesWritten += n;
    unindexedEnd = bytesWritten;
  }

  /** Under the append lock: seals the active segment and starts the next (it holds records). */
  public void rollLocked() {
    rollLocked(activeSegment());
  }

  /** Fences the log: the state machine no longer follows it. */
  public LogFencedException fenceForStateMachine(String what, RuntimeException cause) {
    return fence(what, new IOException(cause));
  }

  /** The active (last) segment. */
  public Segment activeSegment() {
    Segment[] s = segments;
    return s[s.length - 1];
  }

  /** The segments as they are now, oldest first. */
  public Segment[] segmentArray() {
    return segments;
  }

  /** The largest frame body this log may hold. */
  public int maxBodyBytes() {
    return metadata.maxBodyBytes();
  }

  /** The durable index as the sync coordinator knows it (for a frame's synced index). */
  public long syncedIndexLocked() {
    return sync.durableIndex();
  }

  // ---- durability

  /**
   * {@inheritDoc}
   *
   * <p>On a thread that holds the append lock (user code the log runs under it), fsyncs under the
   * lock itself instead of joining group commit (see the class note).
   */
  @Override
  public long sync() {
    checkWritable();
    try {
      if (appendLock.isHeldByCurrentThread()) {
        return syncHeldLocked();
      }
      long durable = sync.syncTo(visibleLastIndex());
      long unindexed = unindexedEnd; // 0 in a log that never wrote one: no look at the coordinator
      if (unindexed != 0 && unindexed > sync.durableBytes()) {
        // Frames that hold no record (a checkpoint's chunks) written after the last durable record:
        // no index covers them, so syncTo found nothing to do; they may still be in the write
        // buffer, and are not fsynced. Under the lock, as truncateBefore does.
        appendLock.lock();
        try {
          checkWritable();
          if (unindexedEnd > sync.durableBytes()) {
            forceActiveLocked("frames holding no record");
          }
        } finally {
          appendLock.unlock();
        }
        durable = Math.max(durable, sync.durableIndex());
      }
      return durable;
    } catch (LogFencedException e) {
      fencedUnseen = false;
      throw e;
    }
  }

  /**
   * {@link #sync} on a thread that already holds the append lock: the coordinator's leader may be
   * waiting for that lock, so everything written (records, and frames holding none) is fsynced here
   * ({@link #forceActiveLocked}). Returns the durable index. @GuardedBy("appendLock")
   */
  private long syncHeldLocked() {
    sealOpenLocked();
    if (lastIndex > sync.durableIndex() || unindexedEnd > sync.durableBytes()) {
      forceActiveLocked("everything written, for a sync() under the append lock");
    }
    return sync.durableIndex();
  }

  /**
   * The interval syncer's run. It must not throw: the executor would cancel every later run without
   * a word, and nothing would be fsynced again.
   */
  private void backgroundSync() {
    if (closing || fenced != null || (openRecords == 0 && lastIndex <= sync.durableIndex())) {
      return;
    }
    try {
      sync.syncTo(visibleLastIndex());
    } catch (LogClosedException e) {
      // close ran meanwhile and fsynced everything itself
    } catch (SeglogException e) {
      // The log is now fenced; the next append, sync or close reports it.
    } catch (RuntimeException | Error e) {
      // Whether the fsync happened is unknown: as for a failed one.
      fence("background fsync", new IOException(e));
    }
  }

  /** The log as the sync coordinator sees it. */
  private final class CoordinatorView implements SyncCoordinator.Writer {
    @Override
    public SyncCoordinator.Written written() {
      appendLock.lock();
      try {
        if (closed) {
          // Only a leader that started as close ended (the interval syncer's last run, when close
          // gave up waiting for it) gets here: close fsynced everything.
          throw new LogClosedException("log " + directory + " is closed");
        }
        Segment[] s = segments;
        flushLocked(s[s.length - 1]); // an fsync covers only what is in the file
        return new SyncCoordinator.Written(s[s.length - 1], lastIndex, bytesWritten);
      } finally {
        appendLock.unlock();
      }
    }

    @Override
    public LogFencedException fence(String what, IOException cause) {
      return SegmentedLog.this.fence(what, cause);
    }

    @Override
    public void durableAdvanced() {
      durableSignal.published();
    }

    @Override
    public void checkNotFenced() {
      LogFencedException f = fenced;
      if (f != null) {
        // Thrown to the caller of the operation under way (a truncateBefore or a roll waiting for
        // the syncer's failed fsync): it is told, as by checkWritable.
        throw told(new LogFencedException(f.getMessage(), f.getCause()));
      }
    }

    @Override
    public long firstIndex() {
      return firstIndex;
    }

    @Override
    public long lastIndex() {
      return lastIndex;
    }

    @Override
    public boolean appendsBlockedByCaller() {
      return appendLock.isHeldByCurrentThread();
    }
  }

  /** Tailers waiting for a written record now, for tests. */
  int writtenWaitersForTest() {
    return writtenSignal.waiters();
  }

  /** The sync coordinator, for tests of group commit. */
  SyncCoordinator syncCoordinatorForTest() {
    return sync;
  }

  /**
   * Under the append lock: makes everything written durable without the sync coordinator. Flushes
   * the active segment's write buffer (an fsync covers only what is in the file), fsyncs the
   * segment, then tells the coordinator, which advances the durable index (every earlier segment is
   * sealed, so durable up to the last index) and wakes the waiters it covered. A thread holding the
   * append lock must use this, never {@link SyncCoordinator#syncTo}: the coordinator's fsync leader
   * takes the append lock to snapshot what was written, so waiting for its fsync under the lock
   * deadlocks. A failed write or fsync fences the log.
   *
   * @param what what is being made durable, for the fence's message
   * @throws IllegalStateException if the caller does not hold the append lock
   * @throws LogFencedException if the write or the fsync fails
   */
  public void forceActiveLocked(String what) {
    if (!appendLock.isHeldByCurrentThread()) {
      throw new IllegalStateException("forceActiveLocked(" + what + ") without the append lock");
    }
    Segment active = activeSegment();
    flushLocked(active);
    // A data fsync like any other: serialized with the rest, and never advancing a fenced log.
    sync.forceAndRecord(
        "fsync of " + what + " in " + active.path(),
        lastIndex,
        bytesWritten,
        () -> {
          active.force();
          return null;
        });
    // Appenders waiting in the coordinator for what this fsync covered need not wait for its
    // leader, which may be waiting for the lock this thread holds.
    sync.wakeDurable();
  }

  // ---- write buffering (LogConfig.writeBufferBytes)

  /**
   * The write buffer of {@link SyncPolicy#ALWAYS} when none is configured. An acknowledgement waits
   * for an fsync anyway, and the fsync leader flushes the buffer before it (see {@link
   * CoordinatorView#written}), so what an acknowledgement promises is unchanged; but the appenders
   * that write while an fsync runs are written by the next leader in one system call instead of one
   * each under the append lock (at 64 writers, the per-append {@code pwrite} was 11% of the CPU
   * samples, and most of the append lock's hold time). A lone writer pays the same one {@code
   * pwrite} and one fsync per append as without. What differs: a process reading the files (a
   * read-only log) sees a waiting record once its leader flushed it, not at once, and a failed
   * write fences the log for every record of the round (it would have fenced it anyway). Large
   * enough for a round of small records of many writers; a frame larger than the buffer is written
   * directly.
   */
  static final int ALWAYS_WRITE_BUFFER_BYTES = 64 * 1024;

  /** The active segment's write buffer size: as configured, or the one ALWAYS implies. */
  private int writeBufferBytes() {
    int bytes = config.writeBufferBytes();
    if (bytes == 0 && config.syncPolicy().kind() == SyncPolicy.Kind.ALWAYS) {
      return ALWAYS_WRITE_BUFFER_BYTES;
    }
    return bytes;
  }

  /**
   * Buffers the appends of the active segment {@code s}, if the configuration asks for it, in the
   * log's one write buffer (allocated on first use). Every caller detached the previous TailBuffer
   * first (a seal, or {@link Segment#stopBuffering} before a stream or a cut); a buffer still
   * attached would make this throw {@link IllegalStateException} (see {@link
   * WriteBufferMemory}). @GuardedBy("appendLock"), or before the log is shared.
   */
  private void startBuffering(Segment s) {
    int bytes = writeBufferBytes();
    if (bytes > 0) {
      if (writeBuffer == null) {
        writeBuffer = new WriteBufferMemory((int) Math.min(bytes, config.segmentBytes()));
      }
      s.startBuffering(writeBuffer);
    }
  }

  /** Direct buffers this log allocated for its write buffer: 0, or 1 once it buffered (tests). */
  public int writeBufferAllocations() {
    appendLock.lock();
    try {
      WriteBufferMemory m = writeBuffer;
      return m == null ? 0 : m.allocations();
    } finally {
      appendLock.unlock();
    }
  }

  /**
   * Writes the active segment's buffered frames to the file, fencing the log if that fails (the
   * buffered records are then lost: they were acknowledged, never reported
   * durable). @GuardedBy("appendLock")
   */
  private void flushLocked(Segment active) {
    sealOpenLocked(); // an fsync after this flush covers the open frame's records too
    try {
      active.flush();
    } catch (IOException e) {
      active.discardUnpublished();
      throw fence("write to " + active.path(), e);
    }
  }

  private LogFencedException fence(String what, IOException cause) {
    LogFencedException f =
        new LogFencedException(
            "log "
                + directory
                + " is fenced: "
                + what
                + " failed ("
                + cause
                + "); reopen the log to recover",
            cause);
    if (sync != null) {
      sync.fenced(); // the durable index stays where it is from now on
    }
    synchronized (fenceLock) { // two failures at once: one is the fence, the other is told of it
      if (fenced == null) {
        fencedUnseen = Thread.currentThread() == syncerThread; // before the fence is visible
        fenced = f;
        return f;
      }
    }
    return told(f); // already fenced: this caller is told as well
  }

  /**
   * Returns {@code f}, a fence about to be thrown in the calling thread: unless that is the
   * interval syncer, whose failure nobody sees, its caller is told now, so close does not report it
   * again.
   */
  private LogFencedException told(LogFencedException f) {
    if (Thread.currentThread() != syncerThread) {
      fencedUnseen = false;
    }
    return f;
  }

  private void checkWritable() {
    checkReadOnly();
    if (closing) {
      throw new LogClosedException("log " + directory + " is closed");
    }
    LogFencedException f = fenced;
    if (f != null) {
      throw told(new LogFencedException(f.getMessage(), f.getCause()));
    }
  }

  private void checkReadOnly() {
    if (readOnly) {
      throw new UnsupportedOperationException("log " + directory + " is open read-only");
    }
  }

  private void checkOpen() {
    if (closed) {
      throw new LogClosedException("log " + directory + " is closed");
    }
  }

  // ---- reading

  @Override
  public Record read(long index) {
    return read(index, Visibility.WRITTEN);
  }

  @Override
  public Record read(long index, Visibility visibility) {
    while (true) {
      checkOpen();
      long epoch = cutEpoch(); // before the extent: a cut after this read is seen below
      long last = visibleEnd(visibility, index);
      long first = firstIndex;
      if (index < first) {
        throw belowFirst(index, first, last);
      }
      if (index > last) {
        throw new IndexOutOfRangeException(index, first, last);
      }
      ReadView rv = readViews.get();
      FrameView view = rv.view(epoch);
      view.trim(); // a random read in a batch frame just read is served without I/O
      Segment segment = segmentFor(index);
      try {
        Record r = segment.read(index, view);
        checkReadNotCut(index, epoch);
        return r;
      } catch (IOException | CorruptLogException e) {
        view.clear();
        RuntimeException failure =
            e instanceof IOException io ? readFailure(segment, io) : (CorruptLogException) e;
        if (readOnly && !closed) {
          refresh(); // the writer may have removed the records (and the file) since
        }
        RuntimeException gone = goneAfterFailure(index, epoch, failure);
        if (gone == null) {
          continue; // a cut ran while we read, keeping this record: read again (once per cut)
        }
        throw gone;
      }
    }
  }

  /**
   * A read met a retired segment (closed for deletion): the segment now holding {@code index} to
   * retry on, or the error the log's state calls for.
   */
  Segment afterRetired(long index, Segment retired, SegmentRetiredException e) {
    if (closed) {
      throw new LogClosedException("log " + directory + " was closed during a read");
    }
    long first = firstIndex;
    long last = lastIndex;
    if (index < first || index > last) {
      throw new RecordsGoneException(index, first, last);
    }
    Segment now = segmentFor(index);
    if (now == retired) {
      throw new SeglogIOException("reading " + retired.path() + " failed", e);
    }
    return now;
  }

  @Override
  public long indexAtOrAfter(long timestamp) {
    checkOpen();
    while (true) {
      long epoch = cutEpoch(); // a cut during the seek: seek again
      FrameView view = readViews.get().view(epoch);
      view.trim();
      long last = visibleLastIndex();
      long first = firstIndex;
      Segment[] s = segments;
      try {
        for (Segment seg : s) {
          Trailer t = seg.trailer();
          if (seg.nextIndex() <= first || (t != null && t.maxTimestamp() < timestamp)) {
            continue; // no record at or after timestamp here: skipped without I/O
          }
          if (seg.baseIndex() > last) {
            break;
          }
          long end = Math.min(last + 1, seg.nextIndex());
          long found = seg.indexAtOrAfter(timestamp, Math.max(first, seg.baseIndex()), end, view);
          if (found >= 0) {
            if (cutEpoch() != epoch) {
              break; // read while a cut ran: seek again
            }
            return found;
          }
        }
        if (cutEpoch() != epoch) {
          continue;
        }
        return last + 1;
      } catch (SegmentRetiredException e) {
        checkOpen();
        if (segments == s) {
          throw new SeglogIOException("seeking timestamp " + timestamp + " failed", e);
        }
        // truncation or retention changed the segments: seek again
      } catch (IOException e) {
        throw new SeglogIOException("seeking timestamp " + timestamp + " failed", e);
      }
    }
  }

  /** Sealed segments whose index the index cache holds now. */
  public int indexCacheSegmentsHeld() {
    return context.indexCache().size();
  }

  /** Sealed segments whose file the handle pool holds open now (the active one not counted). */
  public int openSegmentFilesHeld() {
    return context.handlePool().size();
  }

  @Override
  public LogReader reader(long fromInclusive, long toExclusive) {
    return reader(fromInclusive, toExclusive, Visibility.WRITTEN);
  }

  @Override
  public LogReader reader(long fromInclusive, long toExclusive, Visibility visibility) {
    checkOpen();
    long last = visibleEnd(visibility, toExclusive - 1);
    long first = firstIndex;
    if (fromInclusive < first) {
      throw belowFirst(fromInclusive, first, last);
    }
    if (fromInclusive > last + 1) {
      throw new IndexOutOfRangeException(fromInclusive, first, last);
    }
    if (toExclusive < fromInclusive) {
      throw new IllegalArgumentException(
          "reader end " + toExclusive + " is below its start " + fromInclusive);
    }
    return new SegmentedLogReader(this, fromInclusive, Math.min(toExclusive, last + 1));
  }

  /** The last index a read with {@code visibility} may see. */
  private long visibleEnd(Visibility visibility, long needed) {
    if (visibility == Visibility.DURABLE) {
      return durableIndex();
    }
    long last = lastIndex;
    return needed <= last ? last : visibleLastIndex(); // seals only for a record it needs
  }

  /** The segment holding {@code index}, which the caller checked is in the log. */
  Segment segmentFor(long index) {
    Segment[] s = segments;
    int lo = 0;
    int hi = s.length - 1;
    while (lo < hi) {
      int mid = (lo + hi + 1) >>> 1;
      if (s[mid].baseIndex() <= index) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    return s[lo];
  }

  RuntimeException readFailure(Segment segment, IOException e) {
    if (closed) {
      return new LogClosedException("log " + directory + " was closed during a read");
    }
    return new SeglogIOException("reading " + segment.path() + " failed", e);
  }

  // ---- truncation and retention (issue 4); see Truncation for the order of the file steps

  private final CutHistory cuts = new CutHistory();
  private volatile boolean prefixRemoved; // records below firstIndex were removed while open
  private volatile LongSupplier retentionFloor = () -> Long.MAX_VALUE;
  private final long[] retentionWarned = {Long.MIN_VALUE}; // @GuardedBy("appendLock")

  /** A thread's read buffer and the cut epoch its cached frame belongs to. */
  private static final class ReadView {
    final FrameView view = new FrameView();
    long epoch;

    /** The view, emptied if a cut happened since it was filled. */
    FrameView view(long now) {
      if (now != epoch) {
        view.clear();
        epoch = now;
      }
      return view;
    }
  }

  /**
   * The cut epoch readers compare (see {@link CutHistory}), once no cut is in progress: a read that
   * began during a cut could see its files half done and the epoch not yet moved.
   */
  long cutEpoch() {
    long e = cuts.epoch();
    while ((e & 1) != 0) {
      awaitCut();
      e = cuts.epoch();
    }
    return e;
  }

  /**
   * Whether a suffix cut began since {@code epoch} was read, without waiting for one in progress:
   * for a tailer's readiness check, which runs under its signal's lock and so may not wait for the
   * append lock.
   */
  boolean cutSince(long epoch) {
    return cuts.epoch() != epoch;
  }

  /** The lowest index kept by a suffix cut since {@code epoch}; Long.MAX_VALUE if none. */
  long lowestCutSince(long epoch) {
    return cuts.lowestCutSince(epoch);
  }

  /**
   * Sets the retention floor, the internal hook a state-machine log keeps its newest checkpoint
   * with (named positions have their own, {@link #positionsRetentionFloor()}): retention never
   * removes a segment holding an index at or above {@code floor.getAsLong()} (called under the
   * append lock at each retention pass). Default: no floor.
   */
  public void retentionFloor(LongSupplier floor) {
    this.retentionFloor = Objects.requireNonNull(floor, "floor");
  }

  /**
   * The error for {@code index} below the first index: {@link RecordsGoneException} when records
   * below it were removed (in this process; or, after a reopen, when the first segment is not the
   * log's first ever, sequence 0, or starts below the first index), else the plain out-of-range
   * error: an index below a log's initial index never held a record. (After {@code reset} and a
   * reopen the two cannot be told apart; the plain error is given.)
   */
  private IndexOutOfRangeException belowFirst(long index, long first, long last) {
    Segment[] s = segments; // empty only for a read-only open that cut every segment
    if (prefixRemoved
        || (s.length > 0 && (s[0].header().sequence() > 0 || s[0].baseIndex() < first))) {
      return new RecordsGoneException(index, first, lastIndex);
    }
    return new IndexOutOfRangeException(index, first, last);
  }

  /**
   * Under {@link SyncPolicy#ALWAYS}: returns once everything up to {@code last}, written in cut
   * epoch {@code epoch}, is durable (group commit: the fsync is shared with concurrent appenders),
   * or throws if a truncation removed it meanwhile: never acknowledged once cut. An append from
   * user code the log runs under the append lock (the caller still holds it) fsyncs under it
   * instead (see the class note); nothing can cut its record meanwhile.
   */
  private void awaitDurableIfAlways(long last, long epoch) {
    if (config.syncPolicy().kind() == SyncPolicy.Kind.ALWAYS) {
      if (appendLock.isHeldByCurrentThread()) {
        if (last > sync.durableIndex()) {
          forceActiveLocked("record " + last + ", appended under the append lock");
        }
      } else {
        sync.syncTo(last); // returns below last if a truncation removed it meanwhile
      }
      checkNotCut(last, epoch);
    }
  }

  /** Throws if a suffix cut since {@code epoch} removed {@code index}. */
  private void checkNotCut(long index, long epoch) {
    if (cuts.epoch() != epoch && index > cuts.lowestCutSince(epoch)) {
      throw new RecordsGoneException(index, firstIndex, lastIndex);
    }
  }

  /**
   * After a read: the record is stale if a cut since {@code epoch} removed it, gone if below. On a
   * read-only log whose writer truncated it since it was opened (a refresh found it), any record
   * may be stale, and which ones is not known here: none is returned (a new read-only open reads
   * on).
   */
  void checkReadNotCut(long index, long epoch) {
    checkNotCut(index, epoch);
    if (index < firstIndex) {
      throw new RecordsGoneException(index, firstIndex, lastIndex);
    }
    if (externallyTruncated) {
      throw goneForReadOnly(index);
    }
  }

  /**
   * For a read-only log whose writer truncated it since it was opened: where the cut was, and where
   * the writer's log ends now, are not known here, so the message says what happened instead.
   */
  RecordsGoneException goneForReadOnly(long index) {
    return new RecordsGoneException(
        index,
        firstIndex,
        lastIndex,
        "record "
            + index
            + " is gone for this read-only log of "
            + directory
            + ": the writer truncated the log (or removed its files) after it was opened here;"
            + " open it again to read on");
  }

  /**
   * A read of {@code index} that began at cut epoch {@code epoch} failed with {@code failure}.
   * Returns {@link RecordsGoneException} if truncation or retention removed the record meanwhile
   * (its segment was closed, deleted or cut under the reader), or, on a read-only log, if the
   * refresh after the failure found that the writer truncated (its rewritten frames, not damage,
   * made the read fail, as for a tailer); null if a cut ran but kept the record (the caller reads
   * again, once: the cut is over when this returns); else {@code failure}.
   */
  RuntimeException goneAfterFailure(long index, long epoch, RuntimeException failure) {
    if (index < firstIndex
        || externallyTruncated
        || (cuts.epoch() != epoch && index > cuts.lowestCutSince(epoch))) {
      RecordsGoneException gone =
          externallyTruncated && index >= firstIndex
              ? goneForReadOnly(index)
              : new RecordsGoneException(index, firstIndex, lastIndex);
      gone.addSuppressed(failure);
      return gone;
    }
    if (cuts.epoch() != epoch) {
      awaitCut();
      return null;
    }
    return failure;
  }

  /** Waits for a cut in progress to finish (it holds the append lock). */
  private void awaitCut() {
    appendLock.lock();
    appendLock.unlock();
  }

  @Override
  public void truncateAfter(long index) {
    exclusively(
        "truncateAfter",
        () -> {
          long first = firstIndex;
          long last = lastIndex;
          if (index < first - 1 || index > last) {
            throw new IndexOutOfRangeException(index, first, last);
          }
          if (index < last) {
            cutAfterLocked(index, first);
          }
        });
  }

  @Override
  public void reset(long nextIndex) {
    if (nextIndex < 0 || nextIndex > Long.MAX_VALUE / 2) {
      throw new IllegalArgumentException("reset index " + nextIndex + " is out of range");
    }
    exclusively("reset", () -> cutAfterLocked(nextIndex - 1, nextIndex));
  }

  @Override
  public void clear() {
    exclusively("clear", () -> cutAfterLocked(lastIndex, lastIndex + 1));
  }

  /**
   * {@inheritDoc}
   *
   * <p>May be called holding the append lock (a state-machine log's truncation and purges do): then
   * the records below {@code index} are made durable under it, without the coordinator.
   */
  @Override
  public void truncateBefore(long index) {
    checkWritable();
    // The records up to the new first index reach the file and the disk before the metadata that
    // names it does: else a crash (or a write buffer) could leave a committed first index beyond
    // the segments' records, which the next open refuses. Done here, outside the lock, through the
    // coordinator (shared with appenders), so that removePrefixLocked rarely has to fsync under
    // the lock; but never by a caller holding the lock: the coordinator's fsync leader takes it to
    // snapshot what was written, so waiting for its fsync under the lock deadlocks.
    // removePrefixLocked then forces the records itself (forceActiveLocked).
    long through = Math.min(index - 1, visibleLastIndex());
    if (through > sync.durableIndex() && !appendLock.isHeldByCurrentThread()) {
      sync.syncTo(through);
    }
    appendLock.lock();
    try {
      sealOpenLocked();
      checkWritable();
      long last = lastIndex;
      if (index > last + 1) {
        throw new IndexOutOfRangeException(index, firstIndex, last);
      }
      if (index > firstIndex) {
        Segment[] s = segments;
        int k = 0;
        while (k < s.length - 1 && s[k].nextIndex() <= index) {
          k++;
        }
        removePrefixLocked(index, k);
      }
    } finally {
      appendLock.unlock();
    }
  }

  @Override
  public RetentionResult applyRetention() {
    appendLock.lock();
    try {
      sealOpenLocked();
      checkWritable();
      return retainLocked(false);
    } finally {
      appendLock.unlock();
    }
  }

  /**
   * Applies the retention policies. After a roll ({@code afterRoll}), a damaged position file
   * removes nothing and throws nothing: which records it holds is unknown, and the roll is done, so
   * the append that rolled goes on ({@link #applyRetention}, the named tailer and {@link
   * #committedPositions} report the damage). @GuardedBy("appendLock")
   */
  private RetentionResult retainLocked(boolean afterRoll) {
    Segment[] s = segments;
    if (!Retention.enabled(config)) {
      return new RetentionResult(0, 0, 0, firstIndex);
    }
    // Named positions hold retention back (LogConfig.positionsHoldRetention), as does any floor
    // an embedder set.
    long floor;
    try {
      floor = Math.min(retentionFloor.getAsLong(), positionsRetentionFloor());
    } catch (CorruptLogException e) {
      if (afterRoll) {
        return new RetentionResult(0, 0, 0, firstIndex);
      }
      throw e;
    }
    int k = Retention.removable(s, firstIndex, lastIndex, config, floor, retentionWarned);
    if (k == 0) {
      return new RetentionResult(0, 0, 0, firstIndex);
    }
    long before = firstIndex;
    long bytes = 0;
    for (int i = 0; i < k; i++) {
      bytes += s[i].size();
    }
    long newFirst = Math.max(before, s[k - 1].nextIndex());
    removePrefixLocked(newFirst, k);
    return new RetentionResult(k, newFirst - before, bytes, newFirst);
  }

  /**
   * Moves the first index to {@code newFirst} and deletes the first {@code k} segments, which lie
   * wholly below it (never the last). Order: the metadata with the new first index is committed,
   * then the segments are unpublished, closed and deleted (index file first), then the directory is
   * fsynced; recovery deletes what a crash left below the first index. @GuardedBy("appendLock")
   */
  private void removePrefixLocked(long newFirst, int k) {
    Metadata m = metadata;
    Metadata moved = new Metadata(m.logId(), m.createdAt(), newFirst, m.maxBodyBytes());
    if (newFirst - 1 > sync.durableIndex()) {
      // truncateBefore past records not yet fsynced (maybe not even written: the write buffer)
      // makes them durable first, so the committed first index never lies beyond what the
      // segment holds after a crash, or for a read-only open beside this writer.
      forceActiveLocked("the records below the new first index " + newFirst);
    }
    try {
      prefixRemoved |= newFirst > m.firstIndex() || k > 0;
      firstIndex = newFirst; // readers below it now get RecordsGoneException
      if (newFirst != m.firstIndex()) {
        files.writeMetadata(moved); // commit point
        metadata = moved;
      }
      Segment[] s = segments;
      segments = Arrays.copyOfRange(s, k, s.length); // publish
      for (int i = 0; i < k; i++) {
        closeRemoved(s[i]);
        files.deleteSegmentFiles(s[i].baseIndex());
      }
      if (k > 0) {
        io().forceDirectory(directory);
      }
    } catch (IOException e) {
      throw fence("moving the first index to " + newFirst, e);
    }
  }

  /**
   * Removes every record above {@code keepThrough} and sets the first index to {@code newFirst}
   * (unchanged for truncateAfter, above every record for reset and clear). See {@link Truncation}
   * for the order and why it is crash-safe. @GuardedBy("appendLock"), under exclusive sync.
   */
  private void cutAfterLocked(long keepThrough, long newFirst) {
    Segment[] s = segments;
    Metadata m = metadata;
    Metadata after = new Metadata(m.logId(), m.createdAt(), newFirst, m.maxBodyBytes());
    // The segment cut in place: the one holding keepThrough, unless the log ends up empty (reset,
    // clear, truncateAfter(firstIndex - 1)): then every segment goes and a new one starts at
    // newFirst.
    int cutAt = -1;
    if (keepThrough >= newFirst) {
      cutAt = s.length - 1;
      while (s[cutAt].baseIndex() > keepThrough) {
        cutAt--;
      }
    }
    FileHandle cutHandle = null;
    Pending pending;
    try {
      if (cutAt >= 0) {
        Segment c = s[cutAt];
        cutHandle = io().open(c.path(), FileIO.Mode.READ_WRITE);
        pending =
            Truncation.planCut(
                c,
                cutHandle,
                keepThrough,
                m.maxBodyBytes(),
                context.decoder(),
                (kept, first, synced) ->
                    encoder.encode(kept, first, synced, c.header().version(), m.logId()));
      } else {
        pending = new Pending(-1, -1, 0, new byte[0]); // every segment goes
      }
    } catch (IOException | RuntimeException e) {
      LogFiles.closeQuietly(cutHandle, e);
      if (e instanceof IOException io) {
        throw new SeglogIOException("reading " + s[cutAt].path() + " to truncate it failed", io);
      }
      throw (RuntimeException) e;
    }
    cuts.begin(keepThrough);
    try {
      if (cutAt == s.length - 1 && sync.durableIndex() < keepThrough) {
        // The pending cut names an offset in the active segment: the bytes below it must be on the
        // disk before the metadata that names it is, or after a power loss the segment may be
        // shorter than the cut offset, and the next open refuses to redo the cut. Sealed segments
        // were fsynced when sealed; here the kept records are not durable yet (exclusively() has
        // flushed the write buffer).
        cutHandle.force();
      }
      lastIndex = Math.min(lastIndex, keepThrough); // readers stop here first
      if (cutAt < 0) {
        prefixRemoved = true;
        firstIndex = newFirst; // every record is going: readers get RecordsGoneException
      }
      files.writeMetadata(after, pending); // commit point
      metadata = after;
      for (int i = s.length - 1; i > cutAt; i--) {
        closeRemoved(s[i]);
        files.deleteSegmentFiles(s[i].baseIndex());
      }
      Segment[] kept;
      if (cutAt >= 0) {
        Segment c = s[cutAt];
        io().delete(files.indexPath(c.baseIndex()));
        io().delete(files.timeIndexPath(c.baseIndex())); // its samples may cover cut frames
        // A read of the mapping past the file's new end would fault (SIGBUS): readers still on
        // this segment object read by pread from here on, and fail or retry as the cut requires.
        c.revokeMapping();
        // The cut rewrites bytes the log's digester may be reading for this object's digest: it
        // stops, and the object's digest is never finished (the rescan below replaces the object).
        c.abandonDigest();
        Truncation.cutFile(cutHandle, pending.cutOffset(), pending.tail());
        bytesWritten += pending.tail().length;
        io().forceDirectory(directory);
        Segment cut = Truncation.rescan(c.path(), c.header(), cutHandle, context);
        cutHandle = null; // the new segment owns it
        kept = Arrays.copyOf(s, cutAt + 1);
        kept[cutAt] = cut;
        segments = kept; // publish before the old object is closed
        closeRemoved(c);
      } else {
        Segment fresh =
            files.createNextSegment(
                m.logId(),
                null,
                newFirst,
                config.clock().millis(),
                context,
                FrameCoder.segmentVersionFor(config)); // fsyncs the dir
        segments = new Segment[] {fresh};
      }
      files.writeMetadata(after, null); // done: the pending record goes
      firstIndex = newFirst;
      lastIndex = keepThrough < newFirst ? newFirst - 1 : keepThrough;
      sync.truncated(lastIndex); // everything kept is fsynced: sealed, or cut and forced
    } catch (IOException e) {
      if (cutHandle != null) {
        LogFiles.closeQuietly(cutHandle, e);
      }
      throw fence("truncating after " + keepThrough, e);
    } finally {
      cuts.end();
      // A tailer waiting past the end may have returned records this removed, or sit below the
      // new first index (reset): it wakes, sees the epoch moved and reports them gone.
      writtenSignal.published();
      durableSignal.published();
    }
  }

  /** Closes a segment truncation or retention removed; readers on it fail and re-check. */
  private void closeRemoved(Segment segment) {
    try {
      segment.close();
    } catch (IOException e) {
      // Its file is being deleted; nothing was written through this handle that matters.
    }
  }

  private FileIO io() {
    return files.io();
  }

  /**
   * Runs a suffix cut holding the append lock, with no fsync running or starting meanwhile.
   *
   * @throws IllegalStateException if the calling thread holds the append lock already (see {@link
   *     #checkNotUnderAppendLock})
   */
  private void exclusively(String what, Runnable cut) {
    checkNotUnderAppendLock(what);
    sync.beginExclusive();
    try {
      appendLock.lock();
      try {
        sealOpenLocked(); // the cut reads and rewrites the file: all of it there
        checkWritable();
        Segment[] s = segments;
        try {
          s[s.length - 1].stopBuffering(); // the cut reads and rewrites the file: all of it there
        } catch (IOException e) {
          throw fence("write to " + s[s.length - 1].path(), e);
        }
        try {
          cut.run();
        } finally {
          if (fenced == null) {
            Segment[] now = segments;
            startBuffering(now[now.length - 1]);
          }
        }
      } finally {
        appendLock.unlock();
      }
    } finally {
      sync.endExclusive();
    }
  }

  /**
   * Refuses a suffix cut ({@code what}) on a thread that holds the append lock (user code the log
   * runs under it: an {@code appendStream} source, a clock, a key provider; a state-machine log
   * refuses the cuts anyway). The cut waits for the fsync in progress ({@link
   * SyncCoordinator#beginExclusive}), whose leader may be waiting for that lock to snapshot what
   * was written, so it would wait forever whenever one is under way; it is refused in every case,
   * since whether one is depends on timing. Nothing has changed when this throws.
   *
   * @throws IllegalStateException if the calling thread holds the append lock
   */
  private void checkNotUnderAppendLock(String what) {
    if (appendLock.isHeldByCurrentThread()) {
      throw new IllegalStateException(
          "log "
              + directory
              + " cannot be cut ("
              + what
              + ") by a thread that holds its append lock (from an appendStream source, or other"
              + " code the log runs under that lock): the cut waits for the fsync in progress,"
              + " which needs that lock. Cut it from another thread once the callback has"
              + " returned; nothing was changed");
    }
  }

  boolean isClosed() {
    return closed;
  }

  // ---- state

  @Override
  public long firstIndex() {
    return firstIndex;
  }

  @Override
  public long lastIndex() {
    return visibleLastIndex();
  }

  @Override
  public long durableIndex() {
    // Below firstIndex - 1 (truncateBefore past unsynced records) means nothing is durable.
    return Math.max(Math.min(sync.durableIndex(), lastIndex), firstIndex - 1);
  }

  @Override
  public LogMetrics metrics() {
    return sync.metrics();
  }

  @Override
  public LogStats stats() {
    publishPending();
    Segment[] s = segments;
    long bytes = 0;
    for (Segment seg : s) {
      bytes += seg.size();
    }
    return new LogStats(firstIndex, lastIndex, durableIndex(), s.length, bytes);
  }

  @Override
  public List<SegmentInfo> segments() {
    publishPending();
    Segment[] s = segments;
    List<SegmentInfo> infos = new ArrayList<>(s.length);
    for (Segment seg : s) {
      Trailer t = seg.trailer();
      infos.add(
          new SegmentInfo(
              seg.path(),
              seg.baseIndex(),
              seg.recordCount(),
              seg.size(),
              t != null,
              t != null ? t.minTimestamp() : seg.minTimestamp(),
              t != null ? t.maxTimestamp() : seg.maxTimestamp(),
              t != null ? HexFormat.of().formatHex(t.digest()) : null));
    }
    return infos;
  }

  @Override
  public RecoveryReport recoveryReport() {
    return report;
  }

  @Override
  public Path directory() {
    return directory;
  }

  /** Bytes of sealed segments' indexes held in memory now (the index cache). */
  public long indexCacheBytesHeld() {
    return context.indexCache().bytes();
  }

  /** The log id (for tools). */
  public UUID logId() {
    return metadata.logId();
  }

  /**
   * Closes. Blocks new appends, lets the flush worker finish every queued append, then, unless
   * fenced or read-only, fsyncs the active segment and writes its index file, so the next open
   * scans nothing (commit order: data fsynced before the index file that covers it).
   *
   * <p>Concurrent calls: the first call does the work and reports its failure, if any. A call while
   * it runs waits, holding no lock, until it has finished (files closed, directory lock released,
   * whether or not it failed), then returns normally: once any close returns, the directory may be
   * reopened or deleted. Except on a thread the first close waits for, or while holding a lock it
   * needs: there the call returns at once, since waiting would deadlock. That is the closing thread
   * itself (a callback that close runs, such as an asynchronous append's future it fails), the
   * flush worker (the completion of an asynchronous append's future, which close waits for in
   * {@link SyncCoordinator#stop}), the interval syncer, and a caller holding the append lock.
   * Everything else close waits for (an fsync leader, the digester, a copy out of a mapping) runs
   * no caller's code. Tailers, readers and the durability listener's thread are not waited for: a
   * close from them waits like any other.
   *
   * <p>A first close on a thread that holds the append lock is refused (see {@link
   * #checkCloseAllowed}): it would wait for the flush worker, the interval syncer's run and the
   * fsync in progress, each of which may be waiting for that lock to snapshot what was written.
   *
   * @throws IllegalStateException if this would be the first close and the calling thread holds the
   *     append lock; nothing changed, the log is still open
   */
  @Override
  public void close() {
    checkCloseAllowed();
    boolean first;
    appendLock.lock();
    try {
      first = !closing;
      if (first) {
        closing = true; // from here no append is written and no future queued
        closingThread = Thread.currentThread();
      }
    } finally {
      appendLock.unlock();
    }
    if (!first) {
      awaitFirstClose();
      return;
    }
    try {
      closeFirst();
    } finally {
      closeDone.countDown();
    }
  }

  /**
   * Refuses a first close on a thread that holds the append lock: user code the log runs under it
   * (a state machine's {@code apply} or {@code checkpoint}, a {@code purgeWhile} predicate, an
   * {@code appendStream} source, a clock or key provider). Close waits for the flush worker to
   * finish the queued asynchronous appends ({@link SyncCoordinator#stop}), for the interval
   * syncer's last run, and for the fsync in progress ({@link SyncCoordinator#beginExclusive}); each
   * of these leads an fsync whose snapshot ({@link CoordinatorView#written}) takes the append lock,
   * so the close would wait forever whenever one is under way. Refused in every case, not only when
   * one is: whether one is depends on timing. A later close there returns at once (see {@link
   * #close}). Exact: {@code closing} changes only under the append lock, which the caller then
   * holds.
   *
   * @throws IllegalStateException if this would be the first close and the calling thread holds the
   *     append lock
   */
  public void checkCloseAllowed() {
    if (appendLock.isHeldByCurrentThread() && !closing) {
      throw new IllegalStateException(
          "log "
              + directory
              + " cannot be closed by a thread that holds its append lock (from a state"
              + " machine's apply or checkpoint, a purgeWhile predicate or an appendStream source):"
              + " close waits for the flush worker and the fsync in progress, which need that lock."
              + " Close it from another thread once the callback has returned; the log is still"
              + " open");
    }
  }

  /**
   * A later close: waits until the first one has finished, unless this thread is one it waits for
   * or holds the append lock (see {@link #close()}). Not abandoned on interrupt, as close itself is
   * not: the interrupt is restored on return.
   */
  private void awaitFirstClose() {
    Thread me = Thread.currentThread();
    if (me == closingThread
        || me == syncerThread
        || sync.onFlushWorker()
        || appendLock.isHeldByCurrentThread()) {
      return;
    }
    boolean interrupted = false;
    while (true) {
      try {
        closeDone.await();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /** The first close's work (see {@link #close()}); {@code closing} is set. */
  private void closeFirst() {
    sync.stop(); // completes or fails every queued asynchronous append
    if (intervalSyncer != null) {
      // Not shutdownNow: interrupting a thread inside FileChannel.force closes the channel.
      intervalSyncer.shutdown();
      awaitSyncerLastRun();
    }
    sync.beginExclusive(); // no fsync in progress or started until the files are closed
    appendLock.lock();
    try {
      sealOpenLocked(); // flushed and fsynced below, as every record appended
      closed = true;
      writtenSignal.close(); // every waiting tailer wakes and throws LogClosedException
      durableSignal.close();
      IOException failure = null;
      Segment[] s = segments;
      if (!readOnly && fenced == null) {
        Segment active = s[s.length - 1];
        try {
          active.stopBuffering(); // flushed, and readers read the file: the buffer is dropped below
          long start = System.nanoTime();
          active.force();
          sync.recorded(System.nanoTime() - start, lastIndex, bytesWritten);
          FrameIndex index = active.frameIndex();
          files.writeIndex(active, metadata.logId(), index, index.count());
        } catch (IOException e) {
          failure = e;
          fence("closing " + active.path(), e);
        } catch (RuntimeException e) {
          // Whether the fsync happened is unknown: as for a failed one. The files and the
          // directory lock are still released below.
          failure = new IOException(e);
          fence("closing " + active.path(), failure);
        }
      }
      stopIndexWrites.run(); // no index file is written once the lock may be someone else's
      // Never freed explicitly: a reader may still copy from it. A fenced log's active segment
      // keeps it attached (its buffered records were never written).
      writeBuffer = null;
      if (context.digester() != null) {
        // Bounded wait; the active segment's digest is abandoned by its close below anyway.
        context.digester().close();
      }
      for (Segment seg : s) {
        try {
          seg.close();
        } catch (IOException e) {
          if (failure == null) {
            failure = e;
          }
        }
      }
      for (Segment seg : s) {
        // A copy in flight out of a mapping would fault if the next owner of the directory cut
        // the file under it: reads that started before close finish their copy first.
        seg.awaitMappedCopies();
      }
      if (directoryLock != null) {
        try {
          directoryLock.close();
        } catch (IOException e) {
          if (failure == null) {
            failure = e;
          }
        }
      }
      if (failure != null) {
        throw new SeglogIOException("closing log " + directory + " failed", failure);
      }
      LogFencedException f = fenced;
      if (f != null && fencedUnseen) {
        // A background fsync failed and nobody has been told: acknowledged records were never
        // made durable. Everything is released (the finally blocks) before the caller sees it.
        fencedUnseen = false;
        throw new LogFencedException(f.getMessage(), f.getCause());
      }
    } finally {
      appendLock.unlock();
      sync.endExclusive();
    }
  }

  /**
   * Waits, within a bound, for a run of the interval syncer that is under way, so that no fsync
   * starts once close has begun. (Should the bound pass, a late run finds the log closed: see
   * {@link CoordinatorView#written}.) Not on the syncer's own thread, which cannot wait for itself.
   */
  private void awaitSyncerLastRun() {
    if (Thread.currentThread() == syncerThread) {
      return;
    }
    try {
      intervalSyncer.awaitTermination(SYNCER_STOP_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // close goes on: the files must still be released
    }
  }

  // ---- tailers and positions (issue 5)

  @Override
  public LogReader reverseReader(long fromInclusive, long toExclusive, Visibility visibility) {
    checkOpen();
    long last = visibleEnd(visibility, toExclusive - 1);
    long first = firstIndex;
    if (toExclusive < fromInclusive) {
      throw new IllegalArgumentException(
          "reader end " + toExclusive + " is below its start " + fromInclusive);
    }
    if (fromInclusive < first || fromInclusive > last + 1) {
      throw new IndexOutOfRangeException(fromInclusive, first, last);
    }
    return new SegmentedLogReader(this, fromInclusive, Math.min(toExclusive, last + 1), true);
  }

  @Override
  public Tailer tailer(long fromIndex, Visibility visibility) {
    checkOpen();
    Objects.requireNonNull(visibility, "visibility");
    checkTailerStart(fromIndex);
    return new SegmentedTailer(this, fromIndex, visibility, signalFor(visibility), null, null);
  }

  @Override
  public Tailer tailer(String name, long fromIndexIfNew, Visibility visibility) {
    checkOpen();
    Objects.requireNonNull(visibility, "visibility");
    if (!PositionFormat.isValidName(name)) {
      throw new IllegalArgumentException(
          "tailer name '"
              + name
              + "' is invalid: 1 to 64 letters, digits, '.', '_' or '-', not starting with '.'");
    }
    long committed = positions.position(name);
    long from = committed >= 0 ? committed : fromIndexIfNew;
    if (committed < 0) {
      checkTailerStart(from);
    }
    if (!positions.acquire(name)) {
      throw new IllegalStateException("a tailer named '" + name + "' is already open");
    }
    // A committed position below firstIndex (retention allowed to pass it) fails at the first
    // poll with RecordsGoneException, so the consumer learns what it missed.
    return new SegmentedTailer(this, from, visibility, signalFor(visibility), name, positions);
  }

  private void checkTailerStart(long from) {
    long first = firstIndex;
    long last = visibleLastIndex();
    if (from < first || from > last + 1) {
      throw new IndexOutOfRangeException(from, first, last);
    }
  }

  private TailSignal signalFor(Visibility visibility) {
    return visibility == Visibility.DURABLE ? durableSignal : writtenSignal;
  }

  @Override
  public Map<String, Long> committedPositions() {
    checkOpen();
    return positions.positions();
  }

  @Override
  public void deletePosition(String name) {
    checkOpen();
    checkReadOnly();
    positions.delete(name);
  }

  /**
   * The lowest committed named position, {@link Long#MAX_VALUE} when none: the retention floor
   * named positions ask for.
   */
  public long minCommittedPosition() {
    return positions.minCommittedPosition();
  }

  /**
   * The index below which retention may delete as far as named positions are concerned: {@link
   * #minCommittedPosition()}, or {@link Long#MAX_VALUE} when {@link
   * LogConfig#positionsHoldRetention()} is off. Retention never removes a segment holding an index
   * at or above it.
   */
  public long positionsRetentionFloor() {
    return config.positionsHoldRetention() ? positions.minCommittedPosition() : Long.MAX_VALUE;
  }

  boolean isReadOnly() {
    return readOnly;
  }

  /** Whether a refresh of this read-only log found that the writer truncated it. */
  boolean externallyTruncated() {
    return externallyTruncated;
  }

  /**
   * Read-only logs: looks for frames and segments another process appended since the last look and
   * publishes them (segments, then lastIndex, as the writer does). No-op for a writable log.
   */
  void refresh() {
    if (!readOnly) {
      return;
    }
    appendLock.lock(); // one refresh at a time, and never while close() closes the files
    try {
      if (closed) {
        return;
      }
      followFirstIndex();
      ReadOnlyFollower.Found found = follower.refresh(segments);
      if (found.segments() != segments) {
        segments = found.segments(); // publish
      }
      if (found.truncated()) {
        externallyTruncated = true;
      }
      if (found.lastIndex() > lastIndex) {
        lastIndex = found.lastIndex(); // publish
        writtenSignal.published();
      }
      long durable = Math.min(found.syncedIndex(), lastIndex);
      if (durable > sync.durableIndex()) {
        sync.recorded(0, durable, 0); // the writer's fsync, as its frames report it
      }
    } catch (IOException e) {
      throw new SeglogIOException("looking for new records in " + directory + " failed", e);
    } finally {
      appendLock.unlock();
    }
  }

  /**
   * Read-only: follows the writer's prefix removals (truncateBefore, retention, purges), which it
   * commits in the metadata before deleting segments. Segments wholly below the new first index are
   * dropped and retired, so a read below it gets RecordsGoneException, never a missing
   * file. @GuardedBy("appendLock")
   */
  private void followFirstIndex() {
    long committed;
    try {
      committed = files.readMetadata().firstIndex();
    } catch (IOException | FormatException e) {
      return; // being replaced, or damaged: the next look, or the writer's recovery, tells
    }
    if (committed <= firstIndex) {
      return;
    }
    Segment[] s = segments;
    int k = 0;
    while (k < s.length - 1 && s[k].nextIndex() <= committed) {
      k++;
    }
    prefixRemoved = true;
    firstIndex = committed; // readers below it now get RecordsGoneException
    if (k > 0) {
      segments = Arrays.copyOfRange(s, k, s.length); // publish
      for (int i = 0; i < k; i++) {
        closeRemoved(s[i]);
      }
    }
  }

  @Override
  public String toString() {
    return "SegmentedLog{" + directory + ", [" + firstIndex + ".." + lastIndex + "]}";
  }
}
