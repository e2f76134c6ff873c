package io.seglog;

import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

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

  /** Smallest non-zero {@link #writeBufferBytes()}. */
  public static final int MIN_WRITE_BUFFER_BYTES = 512;

  /** Largest {@link #writeBufferBytes()}. */
  public static final int MAX_WRITE_BUFFER_BYTES = 64 << 20;

  private final SyncPolicy syncPolicy;
  private final long segmentBytes;
  private final int maxRecordBytes;
  private final int maxBatchBytes;
  private final int maxBatchRecords;
  private final long indexCacheBytes;
  private final long initialIndex;
  private final Duration rollAge;
  private final long segmentMaxRecords;
  private final RecoveryMode recoveryMode;
  private final Clock clock;
  private final int writeBufferBytes;

  private LogConfig(Builder b) {
    this.syncPolicy = b.syncPolicy;
    this.segmentBytes = b.segmentBytes;
    this.maxRecordBytes = b.maxRecordBytes;
    this.maxBatchBytes = b.maxBatchBytes;
    this.maxBatchRecords = b.maxBatchRecords;
    this.indexCacheBytes = b.indexCacheBytes;
    this.initialIndex = b.initialIndex;
    this.rollAge = b.rollAge;
    this.segmentMaxRecords = b.segmentMaxRecords;
    this.recoveryMode = b.recoveryMode;
    this.clock = b.clock;
    this.writeBufferBytes = b.writeBufferBytes;
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
    b.initialIndex = initialIndex;
    b.rollAge = rollAge;
    b.segmentMaxRecords = segmentMaxRecords;
    b.recoveryMode = recoveryMode;
    b.clock = clock;
    b.writeBufferBytes = writeBufferBytes;
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
   * Size of the user-space write buffer of the active segment; 0 (the default) writes every append
   * to the operating system before it returns. With a buffer, appends are copied into it and
   * written in one system call when it is full, before every fsync (so {@link SyncPolicy#ALWAYS}
   * and {@link Log#sync()} are as durable as without), when a segment rolls and on close. Readers
   * see buffered records as any other. The price: a record acknowledged under {@link
   * SyncPolicy#NONE} or {@link SyncPolicy#interval} that is still in the buffer is lost if the
   * process dies, and if writing the buffer fails (a full disk) the log is fenced and the buffered
   * records are lost; nothing reported durable ({@link Log#durableIndex()}) is ever lost. At most
   * {@link #segmentBytes()} is allocated.
   */
  public int writeBufferBytes() {
    return writeBufferBytes;
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
        + ", initialIndex="
        + initialIndex
        + ", rollAge="
        + rollAge
        + ", segmentMaxRecords="
        + segmentMaxRecords
        + ", recoveryMode="
        + recoveryMode
        + ", writeBufferBytes="
        + writeBufferBytes
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
    private long initialIndex = 1;
    private Duration rollAge = Duration.ZERO;
    private long segmentMaxRecords = 0;
    private RecoveryMode recoveryMode = RecoveryMode.TAIL;
    private Clock clock = Clock.systemUTC();
    private int writeBufferBytes = 0;

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

    /**
     * See {@link LogConfig#writeBufferBytes()}: 0, or 512 bytes to {@link #MAX_WRITE_BUFFER_BYTES}.
     */
    public Builder writeBufferBytes(int bytes) {
      this.writeBufferBytes = bytes;
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
      return new LogConfig(this);
    }
  }
}
