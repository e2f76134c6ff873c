package io.seglog;

import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * Options for opening a log. Immutable and thread-safe; build one with {@link #builder()}. Every
 * option has a default, and option combinations are validated in one place, {@link
 * Builder#build()}.
 */
public final class LogConfig {
  /** Smallest allowed segment size. */
  public static final long MIN_SEGMENT_BYTES = 4096;

  /** Largest allowed segment size: positions inside a segment are 32-bit. */
  public static final long MAX_SEGMENT_BYTES = 1L << 30;

  /** Largest allowed record payload, and batch size. */
  public static final int MAX_RECORD_BYTES_LIMIT = 256 << 20;

  /** Largest allowed {@link #maxBatchRecords()}. */
  public static final int MAX_BATCH_RECORDS_LIMIT = 1 << 20;

  /**
   * Default permissions of the files a log creates: {@code rw-r-----} (owner reads and writes, its
   * group reads, others nothing).
   */
  public static final Set<PosixFilePermission> DEFAULT_FILE_PERMISSIONS =
      Collections.unmodifiableSet(PosixFilePermissions.fromString("rw-r-----"));

  /**
   * Default permissions of the directories a log creates: {@code rwxr-x---} (owner reads, writes
   * and enters, its group reads and enters, others nothing).
   */
  public static final Set<PosixFilePermission> DEFAULT_DIRECTORY_PERMISSIONS =
      Collections.unmodifiableSet(PosixFilePermissions.fromString("rwxr-x---"));

  /** Smallest non-zero {@link #writeBufferBytes()}. */
  public static final int MIN_WRITE_BUFFER_BYTES = 512;

  /** Largest {@link #writeBufferBytes()}. */
  public static final int MAX_WRITE_BUFFER_BYTES = 64 << 20;

  /** Longest {@link #syncWaitSpin()}. */
  public static final Duration MAX_SYNC_WAIT_SPIN = Duration.ofSeconds(1);

  private final SyncPolicy syncPolicy;
  private final long segmentBytes;
  private final int maxRecordBytes;
  private final int maxBatchBytes;
  private final int maxBatchRecords;
  private final long indexCacheBytes;
  private final int maxCachedIndexes;
  private final int maxOpenSegmentFiles;
  private final long initialIndex;
  private final Duration rollAge;
  private final long segmentMaxRecords;
  private final RecoveryMode recoveryMode;
  private final Clock clock;
  private final Set<PosixFilePermission> filePermissions;
  private final Set<PosixFilePermission> directoryPermissions;
  private final int maxStreamedRecordBytes; // 0: as maxRecordBytes
  // compression and encryption (issue 9)
  private final Compression compression;
  private final int compressionMinBytes;
  private final KeyProvider encryption;
  private final boolean positionsHoldRetention;
  private final boolean mappedReads;
  private final int writeBufferBytes;
  private final Duration syncWaitSpin;
  private final Duration retentionAge;
  private final long retentionBytes;
  private final long retentionRecords;

  private LogConfig(Builder b) {
    this.syncPolicy = b.syncPolicy;
    this.segmentBytes = b.segmentBytes;
    this.maxRecordBytes = b.maxRecordBytes;
    this.maxBatchBytes = b.maxBatchBytes;
    this.maxBatchRecords = b.maxBatchRecords;
    this.indexCacheBytes = b.indexCacheBytes;
    this.maxCachedIndexes = b.maxCachedIndexes;
    this.maxOpenSegmentFiles = b.maxOpenSegmentFiles;
    this.initialIndex = b.initialIndex;
    this.rollAge = b.rollAge;
    this.segmentMaxRecords = b.segmentMaxRecords;
    this.recoveryMode = b.recoveryMode;
    this.clock = b.clock;
    this.filePermissions = Collections.unmodifiableSet(EnumSet.copyOf(b.filePermissions));
    this.directoryPermissions = Collections.unmodifiableSet(EnumSet.copyOf(b.directoryPermissions));
    this.maxStreamedRecordBytes = b.maxStreamedRecordBytes;
    this.compression = b.compression;
    this.compressionMinBytes = b.compressionMinBytes;
    this.encryption = b.encryption;
    this.positionsHoldRetention = b.positionsHoldRetention;
    this.mappedReads = b.mappedReads;
    this.writeBufferBytes = b.writeBufferBytes;
    this.syncWaitSpin = b.syncWaitSpin;
    this.retentionAge = b.retentionAge;
    this.retentionBytes = b.retentionBytes;
    this.retentionRecords = b.retentionRecords;
  }

  /** A builder with every option at its default. */
  public static Builder builder() {
    return new Builder();
  }

  /** The defaults: {@code builder().build()}. */
  public static LogConfig defaults() {
    return builder().build();
  }

  /** A builder starting from this configuration. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.syncPolicy = syncPolicy;
    b.segmentBytes = segmentBytes;
    b.maxRecordBytes = maxRecordBytes;
    b.maxBatchBytes = maxBatchBytes;
    b.maxBatchRecords = maxBatchRecords;
    b.indexCacheBytes = indexCacheBytes;
    b.maxCachedIndexes = maxCachedIndexes;
    b.maxOpenSegmentFiles = maxOpenSegmentFiles;
    b.initialIndex = initialIndex;
    b.rollAge = rollAge;
    b.segmentMaxRecords = segmentMaxRecords;
    b.recoveryMode = recoveryMode;
    b.clock = clock;
    b.filePermissions = filePermissions;
    b.directoryPermissions = directoryPermissions;
    b.maxStreamedRecordBytes = maxStreamedRecordBytes;
    b.compression = compression;
    b.compressionMinBytes = compressionMinBytes;
    b.encryption = encryption;
    b.positionsHoldRetention = positionsHoldRetention;
    b.mappedReads = mappedReads;
    b.writeBufferBytes = writeBufferBytes;
    b.syncWaitSpin = syncWaitSpin;
    b.retentionAge = retentionAge;
    b.retentionBytes = retentionBytes;
    b.retentionRecords = retentionRecords;
    return b;
  }

  /** When appends reach the disk. Default {@link SyncPolicy#ALWAYS}. */
  public SyncPolicy syncPolicy() {
    return syncPolicy;
  }

  /** A segment is sealed and a new one started once it would grow past this. Default 64 MiB. */
  public long segmentBytes() {
    return segmentBytes;
  }

  /** Largest payload of one record. Default 16 MiB. */
  public int maxRecordBytes() {
    return maxRecordBytes;
  }

  /** Largest total payload of one batch (one frame). Default 64 MiB. */
  public int maxBatchBytes() {
    return maxBatchBytes;
  }

  /**
   * Most records in one batch. Default 65,536. With {@link #maxBatchBytes()} it bounds a frame's
   * encoded size (16 bytes of header per record), which recovery enforces.
   */
  public int maxBatchRecords() {
    return maxBatchRecords;
  }

  /**
   * Memory for the frame indexes of sealed segments, which load on first read; past it the least
   * recently used are unloaded (and reload from their index file). The active segment's index is
   * always in memory and not counted. Default 64 MiB.
   */
  public long indexCacheBytes() {
    return indexCacheBytes;
  }

  /**
   * Most sealed segments whose frame index is held in memory at once (the message-queue log's
   * {@code num_index_cached_read_segments}), besides the {@link #indexCacheBytes()} bound: past
   * either, the least recently used are unloaded. At least 1. Default 1024.
   */
  public int maxCachedIndexes() {
    return maxCachedIndexes;
  }

  /**
   * Most sealed segments whose file is held open at once; past it the least recently used are
   * closed, and reopened (and checked to be the same file) on their next read. The active segment
   * is always open and not counted, and a read in flight keeps its file open until it finishes, so
   * the open segment files are at most this plus one plus the reads in flight. Index files are
   * opened only while read or written. With {@link #mappedReads()}, a writable log also maps each
   * open sealed segment read-only for its reads, so this bounds the address space mapped to about
   * this times {@link #segmentBytes()}. At least 1. Default 256.
   */
  public int maxOpenSegmentFiles() {
    return maxOpenSegmentFiles;
  }

  /** Index of the first record of a new log. Ignored when the log exists. Default 1. */
  public long initialIndex() {
    return initialIndex;
  }

  /** A segment older than this is sealed at the next append; zero disables. Default zero. */
  public Duration rollAge() {
    return rollAge;
  }

  /** A segment holding this many records is sealed; 0 disables. Default 0. */
  public long segmentMaxRecords() {
    return segmentMaxRecords;
  }

  /** What opening does with damage. Default {@link RecoveryMode#TAIL}. */
  public RecoveryMode recoveryMode() {
    return recoveryMode;
  }

  /** Source of assigned timestamps and segment creation times. Default the system UTC clock. */
  public Clock clock() {
    return clock;
  }

  /**
   * POSIX permissions of every file the log creates: segments, index files, metadata, the lock
   * file, temp files and the side files recovery keeps cut bytes in. Set exactly (the process umask
   * does not apply). Files that exist already keep theirs. Ignored on file systems without POSIX
   * permissions, whose defaults then apply. Default {@link #DEFAULT_FILE_PERMISSIONS}.
   */
  public Set<PosixFilePermission> filePermissions() {
    return filePermissions;
  }

  /**
   * POSIX permissions of the directories the log creates: its directory and any missing parent. Set
   * exactly; directories that exist already keep theirs. Ignored on file systems without POSIX
   * permissions. Default {@link #DEFAULT_DIRECTORY_PERMISSIONS}.
   */
  public Set<PosixFilePermission> directoryPermissions() {
    return directoryPermissions;
  }

  /**
   * Largest record that {@link Log#appendStream(java.nio.channels.ReadableByteChannel, long)} may
   * append; its {@code maxBytes} may not exceed it. Default {@link #maxRecordBytes()}; at most
   * {@link #MAX_RECORD_BYTES_LIMIT}. A log opened with a larger value than before records the
   * larger frame bound in its metadata before any such record is written (docs/FORMAT.md, section
   * 2), so readers of the log, including older configurations, accept the frames.
   */
  public int maxStreamedRecordBytes() {
    return maxStreamedRecordBytes > 0 ? maxStreamedRecordBytes : maxRecordBytes;
  }

  /**
   * The codec new frames are compressed with. Default {@link Compression#NONE}. Frames written
   * before a change keep theirs. See {@link Builder#compression}.
   */
  public Compression compression() {
    return compression;
  }

  /**
   * Frames whose records take fewer bytes than this are not compressed (they would gain little).
   * Default 128.
   */
  public int compressionMinBytes() {
    return compressionMinBytes;
  }

  /** The keys new frames are encrypted with, or null (the default) for no encryption. */
  public KeyProvider encryption() {
    return encryption;
  }

  /**
   * Whether retention keeps every record a named tailer's committed position still needs (from the
   * lowest committed position on). When off, retention deletes by its limits alone, and a named
   * tailer left behind gets {@link RecordsGoneException}. Default true.
   */
  public boolean positionsHoldRetention() {
    return positionsHoldRetention;
  }

  /**
   * Whether a writable log reads its sealed segments through read-only memory mappings (off by
   * default). Each read then copies the frame out of the mapping instead of calling {@code pread}
   * (every frame is still checksummed), which about doubles random reads of cached data. The price:
   * an I/O error while reading a mapped page (a bad sector) reaches the reader as an {@link
   * InternalError} that the JVM may raise a little after the faulting copy, not as a {@link
   * SeglogIOException}; the mappings take address space (at most {@link #maxOpenSegmentFiles()}
   * times {@link #segmentBytes()}; page cache, not heap); and a cut in place or {@code close} waits
   * for the copies in flight out of a mapping. Read-only logs always read by {@code pread}, since
   * the writer may cut files under them.
   */
  public boolean mappedReads() {
    return mappedReads;
  }

  /**
   * Size of the user-space write buffer of the active segment; 0 (the default) writes every append
   * to the operating system before it returns, except under {@link SyncPolicy#ALWAYS}, where 0
   * means a 64 KiB buffer: an append returns only after an fsync, and the thread that runs it
   * writes the frames of every append that waits for it in one system call (group commit). With a
   * buffer, appends are copied into it and written in one system call when it is full, before every
   * fsync (so {@link SyncPolicy#ALWAYS} and {@link Log#sync()} are as durable as without), when a
   * segment rolls and on close. Readers see buffered records as any other. The price: a record
   * acknowledged under {@link SyncPolicy#NONE} or {@link SyncPolicy#interval} that is still in the
   * buffer is lost if the process dies, and if writing the buffer fails (a full disk) the log is
   * fenced and the buffered records are lost; nothing reported durable ({@link Log#durableIndex()})
   * is ever lost. At most {@link #segmentBytes()} is allocated.
   *
   * <p>Under {@link SyncPolicy#NONE} and {@link SyncPolicy#interval}, consecutive single appends
   * ({@code append} of one payload or entry) in the buffer share one frame, up to 16 records and 1
   * KiB: each append is still all or nothing after a crash, but the unsynced appends of one frame
   * survive or vanish together. Every record an append returned is readable at once: a reader that
   * needs a record of the frame still open seals it first, taking the append lock for that moment.
   */
  public int writeBufferBytes() {
    return writeBufferBytes;
  }

  /**
   * How long a thread that waits for an fsync another thread is running (group commit: a blocking
   * append under {@link SyncPolicy#ALWAYS}, {@link Log#sync()}) yields the CPU in a loop, checking
   * whether it has been woken, before it parks. Zero (the default) parks at once, and the thread
   * that ran the fsync wakes it with a system call.
   *
   * <p>With many concurrent writers on few cores, parking and waking cost more CPU than the appends
   * themselves, and the CPU, not the disk, bounds the acknowledged rate. A spin of one to two
   * fsyncs ({@link LogMetrics#meanFsyncNanos()}; a writer that just missed an fsync waits for the
   * next one too) avoids both. While the recent mean fsync is longer than the spin, waiters park at
   * once: a spin that would run out anyway only adds its CPU to the park.
   *
   * <p>The price is CPU: while an fsync is in progress, waiting threads keep their cores busy.
   * {@code Thread.yield} lets other threads queued on the same core run, but under a CPU quota (a
   * container's limit) the spinning counts against it. Meant for platform threads: for virtual
   * threads (Java 21 and later) parking is cheap and the spin only costs, so leave it at zero
   * there. Neither what is durable nor the condition on which an append returns changes; only how
   * the waiting thread waits. A writer that finds no fsync in progress never waits, so a lone
   * writer's cost is the same. At most {@link #MAX_SYNC_WAIT_SPIN}.
   */
  public Duration syncWaitSpin() {
    return syncWaitSpin;
  }

  /**
   * Retention by age: a sealed segment whose newest record is at least this old is removed. Ages
   * come from the records' own timestamps (a segment's max timestamp) against {@link #clock()},
   * never from file times; a segment whose max timestamp is in the future is judged, with a
   * warning, by its seal time instead. Zero disables. Default zero.
   *
   * <p>Every retention policy is applied after each roll and by {@link Log#applyRetention()}; only
   * whole sealed segments, oldest first, are removed, never the active segment.
   */
  public Duration retentionAge() {
    return retentionAge;
  }

  /**
   * Retention by size: while the log's segment files total more than this, its oldest sealed
   * segments are removed. 0 disables. Default 0. See {@link #retentionAge()}.
   */
  public long retentionBytes() {
    return retentionBytes;
  }

  /**
   * Retention by record count: while the log holds more than this many records, its oldest sealed
   * segments are removed. 0 disables. Default 0. See {@link #retentionAge()}.
   */
  public long retentionRecords() {
    return retentionRecords;
  }

  @Override
  public String toString() {
    return "LogConfig{syncPolicy="
        + syncPolicy
        + ", segmentBytes="
        + segmentBytes
        + ", maxRecordBytes="
        + maxRecordBytes
        + ", maxBatchBytes="
        + maxBatchBytes
        + ", maxBatchRecords="
        + maxBatchRecords
        + ", indexCacheBytes="
        + indexCacheBytes
        + ", maxCachedIndexes="
        + maxCachedIndexes
        + ", maxOpenSegmentFiles="
        + maxOpenSegmentFiles
        + ", initialIndex="
        + initialIndex
        + ", rollAge="
        + rollAge
        + ", segmentMaxRecords="
        + segmentMaxRecords
        + ", recoveryMode="
        + recoveryMode
        + ", filePermissions="
        + PosixFilePermissions.toString(filePermissions)
        + ", directoryPermissions="
        + PosixFilePermissions.toString(directoryPermissions)
        + ", maxStreamedRecordBytes="
        + maxStreamedRecordBytes()
        + ", compression="
        + compression
        + ", encrypted="
        + (encryption != null)
        + ", positionsHoldRetention="
        + positionsHoldRetention
        + ", mappedReads="
        + mappedReads
        + ", writeBufferBytes="
        + writeBufferBytes
        + ", syncWaitSpin="
        + syncWaitSpin
        + ", retentionAge="
        + retentionAge
        + ", retentionBytes="
        + retentionBytes
        + ", retentionRecords="
        + retentionRecords
        + "}";
  }

  /** Builds a {@link LogConfig}. Not thread-safe. */
  public static final class Builder {
    private SyncPolicy syncPolicy = SyncPolicy.ALWAYS;
    private long segmentBytes = 64L << 20;
    private int maxRecordBytes = 16 << 20;
    private int maxBatchBytes = 64 << 20;
    private int maxBatchRecords = 1 << 16;
    private long indexCacheBytes = 64L << 20;
    private int maxCachedIndexes = 1024;
    private int maxOpenSegmentFiles = 256;
    private long initialIndex = 1;
    private Duration rollAge = Duration.ZERO;
    private long segmentMaxRecords = 0;
    private RecoveryMode recoveryMode = RecoveryMode.TAIL;
    private Clock clock = Clock.systemUTC();
    private Set<PosixFilePermission> filePermissions = DEFAULT_FILE_PERMISSIONS;
    private Set<PosixFilePermission> directoryPermissions = DEFAULT_DIRECTORY_PERMISSIONS;
    private int maxStreamedRecordBytes; // 0: as maxRecordBytes
    private boolean maxStreamedRecordBytesSet;
    private Compression compression = Compression.NONE;
    private int compressionMinBytes = 128;
    private KeyProvider encryption;
    private boolean positionsHoldRetention = true;
    private boolean mappedReads = false;
    private int writeBufferBytes = 0;
    private Duration syncWaitSpin = Duration.ZERO;
    private Duration retentionAge = Duration.ZERO;
    private long retentionBytes = 0;
    private long retentionRecords = 0;

    private Builder() {}

    public Builder syncPolicy(SyncPolicy policy) {
      this.syncPolicy = Objects.requireNonNull(policy, "syncPolicy");
      return this;
    }

    public Builder segmentBytes(long bytes) {
      this.segmentBytes = bytes;
      return this;
    }

    public Builder maxRecordBytes(int bytes) {
      this.maxRecordBytes = bytes;
      return this;
    }

    public Builder maxBatchBytes(int bytes) {
      this.maxBatchBytes = bytes;
      return this;
    }

    public Builder maxBatchRecords(int records) {
      this.maxBatchRecords = records;
      return this;
    }

    public Builder indexCacheBytes(long bytes) {
      this.indexCacheBytes = bytes;
      return this;
    }

    /** See {@link LogConfig#maxCachedIndexes()}. */
    public Builder maxCachedIndexes(int segments) {
      this.maxCachedIndexes = segments;
      return this;
    }

    /** See {@link LogConfig#maxOpenSegmentFiles()}. */
    public Builder maxOpenSegmentFiles(int files) {
      this.maxOpenSegmentFiles = files;
      return this;
    }

    public Builder initialIndex(long index) {
      this.initialIndex = index;
      return this;
    }

    public Builder rollAge(Duration age) {
      this.rollAge = Objects.requireNonNull(age, "rollAge");
      return this;
    }

    public Builder segmentMaxRecords(long records) {
      this.segmentMaxRecords = records;
      return this;
    }

    public Builder recoveryMode(RecoveryMode mode) {
      this.recoveryMode = Objects.requireNonNull(mode, "recoveryMode");
      return this;
    }

    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** See {@link LogConfig#positionsHoldRetention()}. */
    public Builder positionsHoldRetention(boolean hold) {
      this.positionsHoldRetention = hold;
      return this;
    }

    /** See {@link LogConfig#mappedReads()}. */
    public Builder mappedReads(boolean mapped) {
      this.mappedReads = mapped;
      return this;
    }

    /**
     * Permissions of the files the log creates; must include owner read and write. See {@link
     * LogConfig#filePermissions()}.
     */
    public Builder filePermissions(Set<PosixFilePermission> permissions) {
      this.filePermissions = Set.copyOf(Objects.requireNonNull(permissions, "filePermissions"));
      return this;
    }

    /**
     * Compresses each new frame (one append or batch) with {@code codec}, if that makes it smaller.
     * The codec's library must be on the class path ({@link Compression}); opening the log fails
     * with {@link CodecUnavailableException} otherwise. A log with frames of any codec stays
     * readable under any setting, as long as the libraries of the codecs it holds are present.
     */
    public Builder compression(Compression codec) {
      this.compression = Objects.requireNonNull(codec, "compression");
      return this;
    }

    /** Frames whose records take fewer bytes than this are stored uncompressed. */
    public Builder compressionMinBytes(int bytes) {
      this.compressionMinBytes = bytes;
      return this;
    }

    /**
     * Permissions of the directories the log creates; must include owner read, write and execute.
     * See {@link LogConfig#directoryPermissions()}.
     */
    public Builder directoryPermissions(Set<PosixFilePermission> permissions) {
      this.directoryPermissions =
          Set.copyOf(Objects.requireNonNull(permissions, "directoryPermissions"));
      return this;
    }

    /** See {@link LogConfig#maxStreamedRecordBytes()}. */
    public Builder maxStreamedRecordBytes(int bytes) {
      this.maxStreamedRecordBytes = bytes;
      this.maxStreamedRecordBytesSet = true;
      return this;
    }

    /**
     * Encrypts each new frame with AES-256-GCM under {@code keys.currentKeyId()} (compressed first,
     * if compression is on), and decrypts frames with the key their id names; null turns encryption
     * of new frames off (encrypted frames then fail to read with {@link EncryptionKeyException}).
     * See README, "Encryption at rest".
     */
    public Builder encryption(KeyProvider keys) {
      this.encryption = keys;
      return this;
    }

    /**
     * See {@link LogConfig#writeBufferBytes()}: 0, or 512 bytes to {@link #MAX_WRITE_BUFFER_BYTES}.
     */
    public Builder writeBufferBytes(int bytes) {
      this.writeBufferBytes = bytes;
      return this;
    }

    /** See {@link LogConfig#syncWaitSpin()}: zero to {@link #MAX_SYNC_WAIT_SPIN}. */
    public Builder syncWaitSpin(Duration spin) {
      this.syncWaitSpin = Objects.requireNonNull(spin, "syncWaitSpin");
      return this;
    }

    /** See {@link LogConfig#retentionAge()}; zero disables. */
    public Builder retentionAge(Duration age) {
      this.retentionAge = Objects.requireNonNull(age, "retentionAge");
      return this;
    }

    /** See {@link LogConfig#retentionBytes()}; 0 disables. */
    public Builder retentionBytes(long bytes) {
      this.retentionBytes = bytes;
      return this;
    }

    /** See {@link LogConfig#retentionRecords()}; 0 disables. */
    public Builder retentionRecords(long records) {
      this.retentionRecords = records;
      return this;
    }

    /**
     * Validates the options together and builds the configuration.
     *
     * @throws IllegalArgumentException naming the first option that is out of range
     */
    public LogConfig build() {
      if (segmentBytes < MIN_SEGMENT_BYTES || segmentBytes > MAX_SEGMENT_BYTES) {
        throw new IllegalArgumentException(
            "segmentBytes "
                + segmentBytes
                + " is outside "
                + MIN_SEGMENT_BYTES
                + ".."
                + MAX_SEGMENT_BYTES);
      }
      if (maxRecordBytes < 1 || maxRecordBytes > MAX_RECORD_BYTES_LIMIT) {
        throw new IllegalArgumentException(
            "maxRecordBytes " + maxRecordBytes + " is outside 1.." + MAX_RECORD_BYTES_LIMIT);
      }
      if (maxBatchBytes < maxRecordBytes || maxBatchBytes > MAX_RECORD_BYTES_LIMIT) {
        throw new IllegalArgumentException(
            "maxBatchBytes "
                + maxBatchBytes
                + " is outside maxRecordBytes ("
                + maxRecordBytes
                + ").."
                + MAX_RECORD_BYTES_LIMIT);
      }
      if (maxBatchRecords < 1 || maxBatchRecords > MAX_BATCH_RECORDS_LIMIT) {
        throw new IllegalArgumentException(
            "maxBatchRecords " + maxBatchRecords + " is outside 1.." + MAX_BATCH_RECORDS_LIMIT);
      }
      if (indexCacheBytes < 0) {
        throw new IllegalArgumentException("indexCacheBytes " + indexCacheBytes + " is negative");
      }
      if (maxCachedIndexes < 1) {
        throw new IllegalArgumentException("maxCachedIndexes " + maxCachedIndexes + " is below 1");
      }
      if (maxOpenSegmentFiles < 1) {
        throw new IllegalArgumentException(
            "maxOpenSegmentFiles " + maxOpenSegmentFiles + " is below 1");
      }
      if (initialIndex < 0 || initialIndex > Long.MAX_VALUE / 2) {
        throw new IllegalArgumentException("initialIndex " + initialIndex + " is out of range");
      }
      if (rollAge.isNegative()) {
        throw new IllegalArgumentException("rollAge " + rollAge + " is negative");
      }
      if (segmentMaxRecords < 0) {
        throw new IllegalArgumentException(
            "segmentMaxRecords " + segmentMaxRecords + " is negative");
      }
      if (!filePermissions.containsAll(
          Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE))) {
        throw new IllegalArgumentException(
            "filePermissions "
                + PosixFilePermissions.toString(filePermissions)
                + " lack owner read and write, which the log needs");
      }
      if (!directoryPermissions.containsAll(
          Set.of(
              PosixFilePermission.OWNER_READ,
              PosixFilePermission.OWNER_WRITE,
              PosixFilePermission.OWNER_EXECUTE))) {
        throw new IllegalArgumentException(
            "directoryPermissions "
                + PosixFilePermissions.toString(directoryPermissions)
                + " lack owner read, write and execute, which the log needs");
      }
      if (maxStreamedRecordBytesSet
          && (maxStreamedRecordBytes < 1 || maxStreamedRecordBytes > MAX_RECORD_BYTES_LIMIT)) {
        throw new IllegalArgumentException(
            "maxStreamedRecordBytes "
                + maxStreamedRecordBytes
                + " is outside 1.."
                + MAX_RECORD_BYTES_LIMIT);
      }
      if (compressionMinBytes < 0) {
        throw new IllegalArgumentException(
            "compressionMinBytes " + compressionMinBytes + " is negative");
      }
      if (writeBufferBytes != 0
          && (writeBufferBytes < MIN_WRITE_BUFFER_BYTES
              || writeBufferBytes > MAX_WRITE_BUFFER_BYTES)) {
        throw new IllegalArgumentException(
            "writeBufferBytes "
                + writeBufferBytes
                + " is neither 0 nor within "
                + MIN_WRITE_BUFFER_BYTES
                + ".."
                + MAX_WRITE_BUFFER_BYTES);
      }
      if (syncWaitSpin.isNegative() || syncWaitSpin.compareTo(MAX_SYNC_WAIT_SPIN) > 0) {
        throw new IllegalArgumentException(
            "syncWaitSpin " + syncWaitSpin + " is outside PT0S.." + MAX_SYNC_WAIT_SPIN);
      }
      if (retentionAge.isNegative()) {
        throw new IllegalArgumentException("retentionAge " + retentionAge + " is negative");
      }
      if (retentionBytes < 0) {
        throw new IllegalArgumentException("retentionBytes " + retentionBytes + " is negative");
      }
      if (retentionRecords < 0) {
        throw new IllegalArgumentException("retentionRecords " + retentionRecords + " is negative");
      }
      return new LogConfig(this);
    }
  }
}
